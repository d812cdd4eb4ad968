"""microgradnet: see inside reverse-mode automatic differentiation.

A scalar autograd engine (``Value``), networks built on it (``MLP``), the hand-derived backprop
equations on plain floats (``deltas``), gradient checking, and (in submodules) walkthroughs of
worked examples, a derivation checker and graph pictures.
"""

from __future__ import annotations

from microgradnet import display as _display  # noqa: F401  (notebook pictures of Value and MLP)
from microgradnet.engine import (
    Value,
    detect_anomaly,
    dot,
    gc_paused,
    is_grad_enabled,
    no_grad,
    vsum,
)
from microgradnet.errors import AnomalyError, GradcheckError, ShapeError
from microgradnet.functional import grad, gradients, hessian, hessian_at, hvp
from microgradnet.gradcheck import gradcheck, gradgradcheck, numerical_gradient
from microgradnet.graph import topological_order
from microgradnet.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    half_squared_error,
    mean,
    mse,
)
from microgradnet.nn import MLP, Layer, Neuron
from microgradnet.optim import SGD

__version__ = "0.1.0"

__all__ = [
    "Value",
    "vsum",
    "dot",
    "no_grad",
    "detect_anomaly",
    "is_grad_enabled",
    "gc_paused",
    "topological_order",
    "gradients",
    "grad",
    "hessian",
    "hessian_at",
    "hvp",
    "gradcheck",
    "gradgradcheck",
    "numerical_gradient",
    "MLP",
    "Layer",
    "Neuron",
    "SGD",
    "half_squared_error",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "mse",
    "mean",
    "AnomalyError",
    "GradcheckError",
    "ShapeError",
    "__version__",
]
