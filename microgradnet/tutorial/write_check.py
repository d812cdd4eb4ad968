"""Write a derivation check as a table (quantity, claimed, recomputed, verdict) with its findings.

Text (≤ 100 columns), Markdown or JSON; formatting only — every verdict comes from
:mod:`microgradnet.tutorial.checker`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from microgradnet.tutorial.checker import Check, Finding, Row, StatedRow
from microgradnet.tutorial.format import Printing
from microgradnet.tutorial.formatting import WIDTH, paragraph
from microgradnet.tutorial.formatting import number as fmt_number
from microgradnet.tutorial.keys import Key
from microgradnet.tutorial.slips import in_symbols

__all__ = ["FORMATS", "check"]

FORMATS = ("text", "markdown", "json")
_LOSS_WORDS = {
    "squared_error": "squared error",
    "mse": "mean squared error",
    "cross_entropy": "cross-entropy",
}


def _recomputed(row: Row) -> str:
    return row.claim.printing.show(row.recomputed)


def _verdict(row: Row) -> str:
    if row.verdict == "agrees":
        return "agrees"
    if row.verdict == "agrees_rounded":
        return "agrees (printed operands)"
    if row.verdict == "consequence":
        return f"consequence of [{row.finding}]" if row.finding else "consequence"
    return f"differs [{row.finding}]"


class _Words:
    """Sentences about a check, in the example's own symbols."""

    def __init__(self, c: Check) -> None:
        self.c = c
        self.notation = c.example.notation

    def sym(self, key: Key) -> str:
        return self.notation(key).text

    def quantity(self, row: Row) -> str:
        """The symbol, and where the number sits: its line:column when read from a document."""
        text = self.symbol_at(row)
        where = row.claim.printing.where
        return f"{where} {text}" if self.c.example.document and where else text

    def symbol_at(self, row: Row) -> str:
        """The symbol, and where the number sits when that is needed to tell printings apart."""
        claim = self.c.claims
        text = self.sym(row.claim.key)
        if row.claim.at is not None:
            at = self.c.example.at[row.claim.at]
            several = self.c.example.cycle > 1
            updates = "update" if at.step == 1 else "updates"
            return f"{text} (after {at.step:,} {updates}" + (
                f", pattern {at.pattern + 1})" if several else ")"
            )
        if row.claim.inside is not None:
            return f"{text} in {self.sym(claim[row.claim.inside].key)}"
        several = len(self.c.example.published.get(row.claim.key, ())) > 1
        if several and row.claim.printing.where and not self.c.example.document:
            return f"{text} ({row.claim.printing.where})"
        return text

    def finding(self, f: Finding) -> list[str]:
        rows = self.c.rows
        first = rows[f.roots[0]]
        lines = [f"[{f.number}] " + self.cause(f, first.claim.printing)]
        where = [self.quantity(rows[n]) for n in f.roots]
        lines.append(
            "Printed: "
            + "; ".join(f"{w} = {rows[n].claim.printing.text}" for w, n in zip(where, f.roots))
        )
        if f.consequences:
            lines.append(
                "Consequences: "
                + "; ".join(
                    f"{self.quantity(rows[n])} = {rows[n].claim.printing.text} (should be {_recomputed(rows[n])})"
                    for n in f.consequences
                )
            )
        if f.unaffected:
            names = [
                f"{self.quantity(rows[n])} = {rows[n].claim.printing.text}"
                for n in f.unaffected[:4]
            ]
            more = f" and {len(f.unaffected) - 4} more" if len(f.unaffected) > 4 else ""
            verb = "agrees" if len(f.unaffected) == 1 else "agree"
            lines.append("Not carried forward: " + ", ".join(names) + more + f" {verb}.")
        return lines

    def cause(self, f: Finding, printing: Printing) -> str:
        if f.slip is None and f.site.given:
            return (
                f"{self.sym(f.site)}: printed {printing.show(f.site_value)}, but the example "
                f"gives {f.site_exact:.15g}: a given number restated otherwise."
            )
        if f.slip is None:
            return (
                f"{self.sym(f.site)}: printed {printing.show(f.site_value)}, recomputed "
                f"{printing.show(f.site_exact)}; unexplained: no catalogued slip reproduces it."
            )
        extra = 1 if f.slip.name == "rounded" else 0
        used, exact = printing.show(f.site_value, extra), printing.show(f.site_exact, extra)
        if f.slip.name == "rounded" and f.slip.site is not None:
            return (
                f"rounded intermediate carried forward: {self.sym(f.site)} rounded to {f.slip.decimals} "
                f"decimal{'s' if f.slip.decimals != 1 else ''} ({fmt_number(f.site_value, f.slip.decimals)} "
                f"instead of {exact}) reproduces the printed value."
            )
        if f.slip.name == "rounded":
            return (
                f"rounded intermediates carried forward: every intermediate rounded to "
                f"{f.slip.decimals} decimals reproduces the printed value."
            )
        text = self.describe(f.slip.description)
        if f.site not in {self.c.rows[n].claim.key for n in f.roots}:
            text += f". {self.sym(f.site)} is effectively {used} instead of {exact}"
        later = all(self.c.rows[n].claim.at is not None for n in f.roots)
        right = (
            [p.text for p in self.c.example.published.get(f.site, ()) if p.matches(f.site_exact)]
            if f.slip.formulas and not later
            else []
        )
        if right:
            text += f", though the document itself prints {self.sym(f.site)} = {right[0]}: the two forms are mixed"
        return text + "."

    def describe(self, template: str) -> str:
        """A slip's description in the document's symbols (those of the first output)."""
        return in_symbols(template, self.sym, len(self.c.example.layers))

    def notes(self) -> list[str]:
        notes = []
        for row in self.c.rows:
            claim = row.claim
            if claim.inside is not None:
                continue
            places = claim.printing.places
            if row.substituted is not None:
                notes.append(
                    f"{self.quantity(row)} = {claim.printing.text} is the full-precision value; its own "
                    f"substitution gives {fmt_number(row.substituted, places)}."
                )
            if row.verdict == "agrees_rounded" and row.reproduced is not None:
                shown = ", ".join(
                    f"{self.sym(self.c.claims[s].key)} = {self.c.claims[s].printing.text}"
                    for s in row.sources
                )
                notes.append(
                    f"{self.quantity(row)} = {claim.printing.text} follows from the printed {shown}; "
                    f"at full precision it is {_recomputed(row)}."
                )
        return notes

    def stated(self, s: StatedRow) -> str:
        name = _LOSS_WORDS[s.stated.name]
        head = f"“{name}” ({s.stated.where})" if s.stated.where else f"“{name}”"
        if s.verdict == "unchecked":
            return f"{head}: no printed L or output δ to check it against."
        if s.verdict == "agrees":
            return f"{head}: agrees with the printed L and output δ."
        if s.printed is None or s.value is None or s.key is None:  # "agrees", "unchecked"
            return head
        other = (
            f"with it {self.sym(s.key)} would be {fmt_number(s.value, s.printed.places)}, "
            f"printed {s.printed.text}"
        )
        if s.verdict == "loose":
            return (
                f"{head}: loosely named — the numbers use "
                + self.describe("½({y} − {t})²")
                + f", which is often called MSE; strictly, {other}."
            )
        return f"{head}: differs — {other}."


def _summary(c: Check) -> str:
    shown = list(c.shown())
    counts = {
        v: sum(1 for r in shown if r.verdict == v)
        for v in ("agrees", "agrees_rounded", "differs", "consequence")
    }
    agree = counts["agrees"] + counts["agrees_rounded"]
    parts = [f"{len(shown)} printed values: {agree} agree"]
    if counts["differs"]:
        parts.append(f"{counts['differs']} differ")
    if counts["consequence"]:
        parts.append(f"{counts['consequence']} are consequences")
    roots = len(c.findings)
    parts.append(f"{roots} root cause{'s' if roots != 1 else ''}")
    return ", ".join(parts) + "."


# ---- text -------------------------------------------------------------------------------------


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[n]) for r in [header, *rows]) for n in range(len(header))]
    widths[0] = min(widths[0], WIDTH - sum(widths[1:]) - 8)
    out = []
    for row in [header, *rows]:
        first = row[0] if len(row[0]) <= widths[0] else row[0][: widths[0] - 1] + "…"
        cells = [first.ljust(widths[0]), row[1].rjust(widths[1]), row[2].rjust(widths[2]), row[3]]
        out.append("  " + "  ".join(cells).rstrip())
    return out


def _text(c: Check) -> str:
    words = _Words(c)
    ex = c.example
    title = f"check {ex.name}: {ex.title}" if ex.title else f"check {ex.name}"
    rows = [line[2:] for line in paragraph(title)] + [_summary(c), ""]
    if c.hint:
        rows[-1:-1] = [line[2:] for line in paragraph("Hint: " + c.hint)]
    body = [
        [words.quantity(r), r.claim.printing.text, _recomputed(r), _verdict(r)] for r in c.shown()
    ]
    if body:
        rows += _table(["quantity", "claimed", "recomputed", "verdict"], body)
    else:
        rows.append("  Nothing to compare: the file has no [published] values.")
    sections = [
        ("Findings", [line for f in c.findings for line in _numbered(words.finding(f))]),
        ("Loss as named in the prose", [words.stated(s) for s in c.stated]),
        ("Notes", words.notes()),
    ]
    for title, lines in sections:
        if lines:
            rows += ["", title]
            rows += [part for line in lines for part in paragraph(line)]
    return "\n".join(rows) + "\n"


def _numbered(lines: list[str]) -> list[str]:
    return [lines[0]] + ["    " + line for line in lines[1:]]


# ---- Markdown and JSON ------------------------------------------------------------------------


def _markdown(c: Check) -> str:
    words = _Words(c)
    ex = c.example
    rows = [
        f"# check {ex.name}",
        "",
        _summary(c),
        "",
        *([f"Hint: {c.hint}", ""] if c.hint else []),
        "| quantity | claimed | recomputed | verdict |",
        "|---|---:|---:|---|",
    ]
    rows += [
        "| "
        + " | ".join(
            cell.replace("|", r"\|")
            for cell in (words.quantity(r), r.claim.printing.text, _recomputed(r), _verdict(r))
        )
        + " |"
        for r in c.shown()
    ]
    if c.findings:
        rows += ["", "## Findings", ""]
        for f in c.findings:
            lines = words.finding(f)
            rows.append(f"{f.number}. " + lines[0].split("] ", 1)[1])
            rows += [f"   - {line}" for line in lines[1:]]
    for title, lines in (
        ("Loss as named in the prose", [words.stated(s) for s in c.stated]),
        ("Notes", words.notes()),
    ):
        if lines:
            rows += ["", f"## {title}", ""] + [f"- {line}" for line in lines]
    return "\n".join(rows) + "\n"


def _json(c: Check) -> str:
    words = _Words(c)
    rows = c.rows
    data: dict[str, Any] = {
        "example": c.example.name,
        "ok": c.ok,
        "hint": c.hint,
        "rows": [
            {
                "key": str(r.claim.key),
                "quantity": words.quantity(r),
                "claimed": r.claim.printing.text,
                "places": r.claim.printing.places,
                "where": r.claim.printing.where,
                "inside": None if r.claim.inside is None else str(rows[r.claim.inside].claim.key),
                "recomputed": r.recomputed,
                "verdict": r.verdict,
                "finding": r.finding,
                "reproduced": r.reproduced,
            }
            for r in c.shown()
        ],
        "findings": [
            {
                "number": f.number,
                "slip": None if f.slip is None else f.slip.name,
                "description": words.cause(f, rows[f.roots[0]].claim.printing),
                "site": str(f.site),
                "site_value": f.site_value,
                "site_exact": f.site_exact,
                "roots": [str(rows[n].claim.key) for n in f.roots],
                "consequences": [str(rows[n].claim.key) for n in f.consequences],
            }
            for f in c.findings
        ],
        "stated_losses": [
            {
                "name": s.stated.name,
                "where": s.stated.where,
                "verdict": s.verdict,
                "text": words.stated(s),
            }
            for s in c.stated
        ],
        "notes": words.notes(),
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def check(c: Check, fmt: str = "text") -> str:
    """The check ``c`` written in ``fmt`` (one of FORMATS).

    Raises:
        ValueError: unknown format.
    """
    writers = {"text": _text, "markdown": _markdown, "json": _json}
    if fmt not in writers:
        raise ValueError(f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}")
    return writers[fmt](c)
