"""The walkthrough's optional Hessian of the loss w.r.t. the output layer (issue 6)."""

from __future__ import annotations

import json

import pytest

from microgradnet import deltas
from microgradnet.cli import main
from microgradnet.tutorial.format import load
from microgradnet.tutorial.walkthrough import run


def closed_form(name: str) -> list[list[float]]:
    """∂²L/∂θᵢ∂θⱼ for L = ½(y − t)², y = σ(Σᵢ θᵢ uᵢ), u = (a⁽¹⁾, 1 if biased):

    ∂²L/∂θᵢ∂θⱼ = uᵢuⱼ·[σ′² + (y − t)·σ″],  σ′ = y(1 − y),  σ″ = y(1 − y)(1 − 2y).
    """
    ex = load(name)
    rec = deltas.backprop(
        list(ex.inputs), ex.weights, ex.biases, list(ex.targets), activations=ex.activations
    )
    y, t = rec.y[0], rec.t[0]
    u = rec.a[1] + ([] if ex.biases is None or ex.biases[-1] is None else [1.0])
    s1 = y * (1 - y)
    curvature = s1 * s1 + (y - t) * s1 * (1 - 2 * y)
    return [[ui * uj * curvature for uj in u] for ui in u]


@pytest.mark.parametrize(
    ("name", "keys"),
    [("glickert", ("W2[0,0]", "W2[0,1]")), ("manual-221", ("W2[0,0]", "W2[0,1]", "b2[0]"))],
)
def test_hessian_matches_the_closed_form_and_differences(name: str, keys: tuple[str, ...]) -> None:
    table = run(load(name), hessian=True).hessian
    assert table is not None and tuple(map(str, table.keys)) == keys
    expected = closed_form(name)
    n = len(keys)
    for i in range(n):
        for j in range(n):
            # Autograd's second order against the closed form: the same IEEE operations in another
            # order, so agreement to a few ulps (1e-12 relative is generous).
            assert table.autograd[i][j] == pytest.approx(expected[i][j], rel=1e-12)
            # Central differences of the gradient with eps = 1e-5: truncation O(eps²·L⁗) ~ 1e-11
            # here, rounding O(1e-16/eps) ~ 1e-11, so 1e-9 absolute leaves a wide margin.
            assert table.numerical[i][j] == pytest.approx(expected[i][j], abs=1e-9)
            assert table.autograd[i][j] == pytest.approx(table.autograd[j][i], rel=1e-15, abs=1e-17)


def test_the_hessian_is_absent_unless_asked_for() -> None:
    assert run(load("glickert")).hessian is None


def test_cli_prints_the_hessian_in_the_documents_notation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["walkthrough", "glickert", "--hessian"]) == 0
    out = capsys.readouterr().out
    section = out[out.index("Hessian of L with respect to the output layer") :]
    assert "w_{h1→o}" in section and "w_{h2→o}" in section
    h = closed_form("glickert")
    assert f"{h[0][0]:.10g}" in section and f"{h[0][1]:.10g}" in section
    assert max(len(line) for line in out.splitlines()) <= 100


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_other_formats_carry_the_hessian(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["walkthrough", "manual-221", "--hessian", "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert "Hessian of L with respect to the output layer" in out
    assert f"{closed_form('manual-221')[2][2]:.10g}" in out


def test_json_carries_both_matrices(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["walkthrough", "manual-221", "--hessian", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)["hessian"]
    assert data["parameters"] == ["W2[0,0]", "W2[0,1]", "b2[0]"]
    expected = closed_form("manual-221")
    for got_row, fd_row, want_row in zip(data["autograd"], data["central_differences"], expected):
        assert got_row == pytest.approx(want_row, rel=1e-12)
        assert fd_row == pytest.approx(want_row, abs=1e-9)
