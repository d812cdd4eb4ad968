"""Worked examples as tutorials write them: the format, the equation model, walkthrough and checker.

Imports point one way: ``keys`` → ``notation`` → ``format`` (the example loader; no network code)
→ ``equations`` (the one equation model) → ``slips`` → ``walkthrough`` (with ``autograd`` beside
it) and ``checker`` → the writers ``write_walkthrough`` and ``write_check`` (sharing
``formatting``)::

    from microgradnet.tutorial import check, load, run, write_check, write_walkthrough
    print(write_walkthrough.walkthrough(run(load("glickert")), "text"))
    print(write_check.check(check(load("glickert")), "text"))
"""

from __future__ import annotations

from microgradnet.tutorial import write_check, write_walkthrough
from microgradnet.tutorial.checker import Check, check
from microgradnet.tutorial.equations import Model
from microgradnet.tutorial.format import Example, ExampleError, load, parse, shipped
from microgradnet.tutorial.walkthrough import Walkthrough, run

__all__ = [
    "Check",
    "Example",
    "ExampleError",
    "Model",
    "Walkthrough",
    "check",
    "load",
    "parse",
    "run",
    "shipped",
    "write_check",
    "write_walkthrough",
]
