"""Regenerate the pictures README shows (``demos/images/``) from the demos' fast runs.

    python demos/make_readme_images.py

Runs each demo with ``--fast`` into a temporary folder and copies the chosen pictures into
``demos/images/``, replacing what is there (this script's whole job). ``tests/test_demos.py``
checks that the committed pictures still match what the demos produce.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import _common
import autograd_internals
import seed_walkthroughs
import train_classifier

from microgradnet._render_example import example_figure
from microgradnet.files import write_atomic
from microgradnet.render import write
from microgradnet.tutorial.format import load

IMAGES = Path(__file__).resolve().parent / "images"

#: picture in demos/images/ -> (shipped example, kind): drawn here directly, as `graph` does.
FIGURES = {
    "glickert-graph.svg": ("glickert", "computation"),
    "glickert-backward.svg": ("glickert", "backward"),
    "manual-221-update.svg": ("manual-221", "update"),
}

#: picture in demos/images/ -> (the demo that makes it, the file it writes)
PICTURES = {
    "seed-glickert-network.svg": (seed_walkthroughs.main, "seed-glickert-network.svg"),
    "internals-after.svg": (autograd_internals.main, "internals-after.svg"),
    "moons.svg": (train_classifier.main, "moons.svg"),
}


def main() -> int:
    """Run the demos and replace the pictures; the demos' exit status if one fails."""
    IMAGES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as temp:
        for picture, (demo, produced) in PICTURES.items():
            folder = Path(temp) / Path(picture).stem
            status = demo(["--fast", "--out", str(folder)])
            if status != 0:
                print(f"error: the demo making {picture} exited with {status}", file=sys.stderr)
                return status
            write_atomic(IMAGES / picture, (folder / produced).read_bytes(), overwrite=True)
            print(f"updated {IMAGES / picture}")
    for picture, (name, kind) in FIGURES.items():
        write(example_figure(load(name), kind), IMAGES / picture, overwrite=True, route="embedded")
        print(f"updated {IMAGES / picture}")
    return 0


if __name__ == "__main__":
    raise SystemExit(_common.run(lambda argv: main()))
