"""Write a check of a document's own text (claims at their line:column, what was not read) and
the claims as a ``[published]`` TOML table for review."""

from __future__ import annotations

import json
from typing import Any

from microgradnet.tutorial import write_check
from microgradnet.tutorial.checker import Check
from microgradnet.tutorial.claims import Reading
from microgradnet.tutorial.formatting import escaped, paragraph

__all__ = ["FORMATS", "check", "published"]

FORMATS = write_check.FORMATS


def check(c: Check, reading: Reading, fmt: str = "text") -> str:
    """The check ``c`` of the claims in ``reading``, written in ``fmt`` (one of FORMATS).

    Raises:
        ValueError: unknown format.
    """
    body = write_check.check(c, fmt)
    if fmt == "json":
        return _json(c, reading, json.loads(body))
    head = (
        f"Read {len(reading.claims)} claims from {escaped(reading.file)}; "
        f"{len(reading.not_read)} number-bearing equations not read."
    )
    unread = [f"{u.line}:{u.column}  {escaped(u.text)} — {u.reason}" for u in reading.not_read]
    if fmt == "markdown":
        title, _, rest = body.partition("\n")
        tail = ["", "## Not read", ""] + [f"- `{line}`" for line in unread] if unread else []
        return "\n".join([title, "", head, rest.rstrip("\n"), *tail]) + "\n"
    tail = ["", "Not read (add notation to read them)"]
    tail += [part for line in unread for part in paragraph(line)]
    lead = "\n".join(line[2:] for line in paragraph(head))
    return lead + "\n" + body.rstrip("\n") + "\n" + ("\n".join(tail) + "\n" if unread else "")


def _json(c: Check, reading: Reading, data: dict[str, Any]) -> str:
    causes = {f["number"]: f["description"] for f in data["findings"]}
    claims = []
    for row in c.rows:
        line, _, column = row.claim.printing.where.partition(":")
        claims.append(
            {
                "key": str(row.claim.key),
                "claimed": row.claim.printing.text,
                "line": int(line) if line.isdigit() else None,
                "column": int(column) if column.isdigit() else None,
                "operand": row.claim.inside is not None,
                "verdict": row.verdict,
                "cause": causes.get(row.finding) if row.finding else None,
            }
        )
    out = {
        "document": reading.file,
        "example": c.example.name,
        "ok": c.ok,
        "claims": claims,
        "not_read": [
            {"line": u.line, "column": u.column, "text": u.text, "reason": u.reason}
            for u in reading.not_read
        ],
        "check": data,
    }
    return json.dumps(out, ensure_ascii=False, indent=2) + "\n"


def published(reading: Reading) -> str:
    """The claims as a ``[published]`` table, each with its line:column and the operands shown."""
    lines = [
        f"# Claims read from {escaped(reading.file)}: review them, then paste into the example.",
        "[published]",
    ]
    by_key: dict[str, list[str]] = {}
    for claim in reading.claims:
        uses = ", ".join(f'"{key}" = "{text}"' for key, text, _, _ in claim.uses)
        item = f'{{ value = "{claim.text}", where = "{claim.line}:{claim.column}"'
        by_key.setdefault(str(claim.key), []).append(
            item + (f", uses = {{ {uses} }} }}" if uses else " }")
        )
    for key, items in by_key.items():
        if len(items) == 1:
            lines.append(f'"{key}" = {items[0]}')
        else:
            lines += [f'"{key}" = ['] + [f"  {item}," for item in items] + ["]"]
    return "\n".join(lines) + "\n"
