"""Time drawing a ~2,000-node computation graph by each rendering route (prints; not a test).

Run: ``python -m microgradnet._render_bench [--out DIR]``. The graph is the loss of a 10-20-20-1
sigmoid MLP (about 2,000 drawn nodes: values plus operations), grouped in neuron clusters.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from microgradnet.losses import half_squared_error
from microgradnet.nn import MLP
from microgradnet.render import computation_graph, route_for, write


def _loss_graph_source() -> tuple[object, int]:
    rng = random.Random(0)
    mlp = MLP(10, [20, 20, 1], "sigmoid", rng=rng)
    x = [rng.uniform(-1.0, 1.0) for _ in range(10)]
    output = mlp(x)
    assert not isinstance(output, list)
    loss = half_squared_error(output, 1.0)
    loss.backward()
    graph = computation_graph(loss, mlp=mlp)
    drawn = sum(1 for line in graph.body if "[label=" in line)
    return graph, drawn


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=None, help="keep the images in this folder")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="render-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    graph, drawn = _loss_graph_source()
    print(f"build DOT: {time.perf_counter() - start:.2f} s for {drawn} drawn nodes")
    routes = ["embedded"] + (["dot"] if route_for("svg") == "dot" else [])
    for route in routes:
        for fmt in ("svg", "png", "pdf"):
            start = time.perf_counter()
            used = write(graph, out / f"{route}.{fmt}", overwrite=True, route=route)  # type: ignore[arg-type]
            seconds = time.perf_counter() - start
            size = (out / f"{route}.{fmt}").stat().st_size
            print(f"{fmt.upper():4} via {used:16} {seconds:6.2f} s  {size / 1e6:6.2f} MB")
    print(f"images in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
