"""Format the benchmark's checks and measurements as text: a Markdown table with same-run ratios."""

from __future__ import annotations

from collections.abc import Sequence

from microgradnet.benchmark.harness import Check
from microgradnet.benchmark.run import ENGINE_KEYS, Cell, Row

__all__ = ["RATIOS", "format_cell", "format_checks", "format_seconds", "format_table", "ratio"]

#: Ratio columns: (numerator column, denominator column). Above 1 means the denominator wins.
RATIOS = (
    ("baseline", "microgradnet"),
    ("micrograd", "microgradnet"),
    ("PyTorch", "microgradnet"),
    ("micrograd", "gc paused"),
    ("PyTorch", "gc paused"),
    ("compiled", "plain floats"),
)


def format_seconds(seconds: float) -> str:
    """3 significant digits in the unit that keeps the number between 1 and 1000."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def format_cell(cell: Cell, kind: str) -> str:
    if isinstance(cell, str):
        return cell
    if kind == "bytes":
        return f"{cell:,.0f} B"
    return format_seconds(cell)


def ratio(row: Row, numerator: str, denominator: str) -> str:
    """``numerator ÷ denominator`` as "12.3×"; "" when either is missing or the row has no ratios."""
    top, bottom = row.cells.get(numerator), row.cells.get(denominator)
    if (
        row.kind == "text"
        or not row.ratios
        or not isinstance(top, float)
        or not isinstance(bottom, float)
        or bottom <= 0.0
    ):
        return ""
    value = top / bottom
    return f"{value:,.0f}×" if value >= 100 else f"{value:.1f}×"


def format_table(rows: Sequence[Row]) -> str:
    """A Markdown table: one column per engine that appears, then the ratio columns that apply."""
    columns = [name for name in ENGINE_KEYS.values() if any(name in row.cells for row in rows)]
    ratios = [(a, b) for a, b in RATIOS if a in columns and b in columns]
    header = ["workload", "measure", *columns, *(f"{a} ÷ {b}" for a, b in ratios)]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        cells = [
            format_cell(row.cells[name], row.kind) if name in row.cells else "" for name in columns
        ]
        lines.append(
            "| "
            + " | ".join(
                [row.workload, row.measure, *cells, *(ratio(row, a, b) for a, b in ratios)]
            )
            + " |"
        )
    return "\n".join(lines)


def format_checks(checks: Sequence[Check]) -> str:
    """One line per check: ok/FAILED, workload, engine, largest absolute difference, detail."""
    return "\n".join(
        f"{'ok    ' if c.ok else 'FAILED'} {c.workload:<18} {c.engine:<13} max |Δ| = {c.max_abs_error:.2g}  ({c.detail})"
        for c in checks
    )
