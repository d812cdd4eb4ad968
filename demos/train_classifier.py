"""Train an MLP built from microgradnet Values to separate two interleaved half-moons.

    python demos/train_classifier.py [--fast] [--out DIR] [--seed N] [--engine compiled|graph]

The data are generated here with ``random.Random`` (no other library): two noisy half-circles,
one per class. A 2-16-16-1 network (tanh hidden layers, sigmoid output) is trained with binary
cross-entropy and mini-batch SGD. By default each step runs as compiled straight-line Python
(``mlp.compiled_step``: the step is traced once, and its gradients are bit-identical to the graph
engine's); ``--engine graph`` builds the graph and calls ``loss.backward()`` every step instead.
A progress bar shows the running loss and accuracy. At the end the demo writes ``moons.svg`` and ``moons.png``:
the decision boundary over the data, beside the loss curve.

Exit status 1 when the final training accuracy is below the target (95 %; 85 % with --fast).
"""

from __future__ import annotations

import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

import _common
import _plot

from microgradnet import MLP, SGD, Value, binary_cross_entropy, gc_paused, mean, no_grad
from microgradnet.compiled import CompiledStep

OUTPUTS = ("moons.svg", "moons.png")


@dataclass(frozen=True)
class Settings:
    """How big a run is: data, network, schedule, and the accuracy it must reach."""

    samples: int
    noise: float
    hidden: tuple[int, ...]
    epochs: int
    batch: int
    lr: float
    grid: int  # cells per side of the decision map
    target_accuracy: float


FULL = Settings(
    samples=300,
    noise=0.15,
    hidden=(16, 16),
    epochs=100,
    batch=10,
    lr=0.3,
    grid=60,
    target_accuracy=0.95,
)
FAST = Settings(
    samples=100,
    noise=0.15,
    hidden=(8, 8),
    epochs=40,
    batch=10,
    lr=0.5,
    grid=24,
    target_accuracy=0.85,
)


# ---- data ----------------------------------------------------------------------------------
def two_moons(
    n: int, noise: float, rng: random.Random
) -> tuple[list[tuple[float, float]], list[int]]:
    """n points on two interleaved half-circles (classes 0 and 1 alternate), plus Gaussian noise."""
    points, labels = [], []
    for k in range(n):
        label = k % 2
        angle = rng.uniform(0.0, math.pi)
        if label == 0:  # the upper moon, centred at (0, 0)
            x, y = math.cos(angle), math.sin(angle)
        else:  # the lower moon, centred at (1, 0.5), opening upwards
            x, y = 1.0 - math.cos(angle), 0.5 - math.sin(angle)
        points.append((x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)))
        labels.append(label)
    return points, labels


@dataclass(frozen=True)
class Scaler:
    """Standardise each feature: (x − mean) / standard deviation, fitted on the training data."""

    mean: tuple[float, float]
    std: tuple[float, float]

    @classmethod
    def fit(cls, points: Sequence[tuple[float, float]]) -> Scaler:
        n = len(points)
        means = tuple(sum(p[d] for p in points) / n for d in (0, 1))
        stds = tuple(math.sqrt(sum((p[d] - means[d]) ** 2 for p in points) / n) for d in (0, 1))
        return cls((means[0], means[1]), (stds[0], stds[1]))

    def __call__(self, x: float, y: float) -> list[float]:
        return [(x - self.mean[0]) / self.std[0], (y - self.mean[1]) / self.std[1]]


# ---- training ------------------------------------------------------------------------------
class ProgressBar:
    """``epoch 37/100 [#######-----] loss 0.1234  acc 96.3%  4.1s`` on stderr.

    On a terminal the line is redrawn in place (at most 20 times a second, and at the end of each
    epoch); otherwise (a log file, CI) one line is printed every tenth of the run.
    """

    def __init__(self, epochs: int, stream: TextIO = sys.stderr, width: int = 24) -> None:
        self.epochs, self.stream, self.width = epochs, stream, width
        self.live = stream.isatty()
        self.start = self.drawn = time.perf_counter()

    def update(self, epoch: int, fraction: float, loss: float, accuracy: float) -> None:
        now = time.perf_counter()
        if self.live and fraction < 1.0 and now - self.drawn < 0.05:
            return
        self.drawn = now
        done = (epoch - 1 + fraction) / self.epochs
        filled = round(done * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        line = (
            f"epoch {epoch:>{len(str(self.epochs))}}/{self.epochs} [{bar}] "
            f"loss {loss:.4f}  acc {100 * accuracy:5.1f}%  {now - self.start:5.1f}s"
        )
        if self.live:
            self.stream.write("\r" + line)
        elif fraction >= 1.0 and (epoch % max(1, self.epochs // 10) == 0 or epoch == self.epochs):
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.live:
            self.stream.write("\n")
            self.stream.flush()


def batch_loss(outputs: Sequence[Value | list[Value]], targets: Sequence[object]) -> Value:
    """The mean binary cross-entropy of a batch (one sigmoid output per sample)."""
    return mean([binary_cross_entropy(_single(y), t) for y, t in zip(outputs, targets)])  # type: ignore[arg-type]


def graph_step(
    mlp: MLP, xs: list[list[float]], ts: list[int]
) -> tuple[float, list[float]]:
    """Forward, loss and backward on the graph engine: (loss, output of each sample)."""
    # The graphs have no reference cycles, so the cyclic collector has nothing to find in
    # them; pausing it while one is built and used saves it rescanning every node.
    with gc_paused():
        outputs = [_single(mlp(x)) for x in xs]
        loss = batch_loss(outputs, ts)
        loss.backward()  # every ∂loss/∂parameter, by reverse-mode autodiff
    return loss.data, [y.data for y in outputs]


def train_epoch(
    step: Callable[[list[list[float]], list[int]], tuple[float, list[float]]],
    opt: SGD,
    data: tuple[list[list[float]], list[int]],
    batch: int,
    rng: random.Random,
    bar: ProgressBar,
    epoch: int,
) -> float:
    """One pass over the shuffled data in mini-batches; returns the epoch's mean loss."""
    xs, ts = data
    order = list(range(len(xs)))
    rng.shuffle(order)
    seen = correct = 0
    total_loss = 0.0
    for start in range(0, len(order), batch):
        indices = order[start : start + batch]
        targets = [ts[i] for i in indices]
        opt.zero_grad()
        loss, outputs = step([xs[i] for i in indices], targets)  # adds ∂loss/∂θ to θ.grad
        opt.step()  # θ ← θ − η·∂loss/∂θ
        seen += len(indices)
        correct += sum((y > 0.5) == (t == 1) for y, t in zip(outputs, targets))
        total_loss += loss * len(indices)
        bar.update(epoch, seen / len(order), total_loss / seen, correct / seen)
    return total_loss / len(order)


def make_step(
    mlp: MLP, engine: str
) -> Callable[[list[list[float]], list[int]], tuple[float, list[float]]]:
    """The training step on the chosen engine: "compiled" (traced once, replayed) or "graph"."""
    if engine == "graph":
        return lambda xs, ts: graph_step(mlp, xs, ts)
    compiled = CompiledStep(mlp, batch_loss)

    def compiled_step(xs: list[list[float]], ts: list[int]) -> tuple[float, list[float]]:
        result = compiled(xs, ts)
        return result.loss, result.outputs  # type: ignore[return-value]  # one output each

    return compiled_step


def _single(output: Value | list[Value]) -> Value:
    if isinstance(output, list):
        raise TypeError("the classifier must have exactly one output neuron")
    return output


def predict(mlp: MLP, x: list[float]) -> float:
    """P(class 1 | x), without recording a graph."""
    with no_grad():
        return _single(mlp(x)).data


def accuracy(mlp: MLP, xs: list[list[float]], ts: list[int]) -> float:
    return sum((predict(mlp, x) > 0.5) == (t == 1) for x, t in zip(xs, ts)) / len(xs)


# ---- the picture ---------------------------------------------------------------------------
def figure(
    mlp: MLP,
    scaler: Scaler,
    points: list[tuple[float, float]],
    labels: list[int],
    losses: list[float],
    acc: float,
    grid: int,
) -> str:
    """Decision boundary over the data (left) and the loss per epoch (right), as one SVG."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    pad = 0.3
    left = _plot.Box(
        70, 45, 400, 400, (min(xs) - pad, max(xs) + pad), (min(ys) - pad, max(ys) + pad)
    )
    top_loss = max(losses) * 1.05
    right = _plot.Box(590, 45, 360, 400, (1, max(2, len(losses))), (0.0, top_loss))
    wrong = [
        (predict(mlp, scaler(x, y)) > 0.5) != (label == 1) for (x, y), label in zip(points, labels)
    ]
    parts = _plot.decision_map(left, lambda x, y: predict(mlp, scaler(x, y)), grid)
    parts += _plot.scatter(left, points, labels, wrong)
    parts += _plot.axes_and_title(
        left, "x1", "x2", f"Decision boundary — training accuracy {100 * acc:.1f}%"
    )
    parts += _plot.curve(right, losses)
    parts += _plot.axes_and_title(right, "epoch", "mean cross-entropy loss", "Training loss")
    return _plot.page(1000, 500, parts)


# ---- the demo ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    """A trained network and everything needed to draw it."""

    mlp: MLP
    scaler: Scaler
    points: list[tuple[float, float]]
    labels: list[int]
    losses: list[float]  # mean loss of each epoch
    accuracy: float  # on the training data, after the last epoch
    seconds: float

    def figure(self, grid: int) -> str:
        return figure(
            self.mlp, self.scaler, self.points, self.labels, self.losses, self.accuracy, grid
        )


def train(
    s: Settings, seed: int = 0, stream: TextIO = sys.stderr, engine: str = "compiled"
) -> Run:
    """Make the data, build the network and train it, with a progress bar on ``stream``."""
    rng = random.Random(seed)
    points, labels = two_moons(s.samples, s.noise, rng)
    scaler = Scaler.fit(points)
    xs = [scaler(x, y) for x, y in points]
    activations = ["tanh"] * len(s.hidden) + ["sigmoid"]
    mlp = MLP(2, [*s.hidden, 1], activations, rng=random.Random(seed + 1))
    opt = SGD(mlp.parameters(), s.lr)
    bar = ProgressBar(s.epochs, stream)
    start = time.perf_counter()
    step = make_step(mlp, engine)
    losses = []
    for epoch in range(1, s.epochs + 1):
        opt.lr = s.lr * (1.0 - 0.9 * (epoch - 1) / max(1, s.epochs - 1))  # linear decay to lr/10
        losses.append(train_epoch(step, opt, (xs, labels), s.batch, rng, bar, epoch))
    bar.close()
    seconds = time.perf_counter() - start
    return Run(mlp, scaler, points, labels, losses, accuracy(mlp, xs, labels), seconds)


def main(argv: Sequence[str] | None = None) -> int:
    p = _common.parser(__doc__.splitlines()[0] if __doc__ else "")
    p.add_argument("--seed", type=int, default=0, help="seed for the data and the initial weights")
    p.add_argument(
        "--engine",
        choices=("compiled", "graph"),
        default="compiled",
        help="compiled: each step replays straight-line Python traced once (default); "
        "graph: build the graph and call backward() every step",
    )
    args = p.parse_args(argv)
    s = FAST if args.fast else FULL
    out = _common.Outputs(args.out, OUTPUTS, overwrite=args.overwrite)

    sizes = "-".join(map(str, [2, *s.hidden, 1]))
    print(
        f"two moons: {s.samples} points, noise {s.noise}; network {sizes} "
        f"(tanh hidden layers, sigmoid output), binary cross-entropy"
    )
    print(
        f"training {s.epochs} epochs, batches of {s.batch}, "
        f"learning rate {s.lr} decaying to {s.lr / 10:g}"
    )
    run = train(s, args.seed, engine=args.engine)
    acc = run.accuracy
    print(
        f"trained in {run.seconds:.1f}s ({args.engine} engine); final loss {run.losses[-1]:.4f}; "
        f"training accuracy {100 * acc:.1f}%"
    )
    svg = run.figure(s.grid)
    out.write_text("moons.svg", svg)
    out.write_bytes("moons.png", _plot.svg_to_png(svg))
    print(out.summary())
    if acc < s.target_accuracy:
        print(
            f"FAILED: training accuracy {100 * acc:.1f}% is below the target "
            f"{100 * s.target_accuracy:.0f}%",
            file=sys.stderr,
        )
        return 1
    print(f"OK: training accuracy {100 * acc:.1f}% >= target {100 * s.target_accuracy:.0f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(_common.run(main))
