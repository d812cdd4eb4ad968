"""Split a document's text into equations: their stages and printed numbers, each at its line:column.

A document is Markdown with ``$…$``, ``$$…$$`` and ``\\[…\\]`` math, a LaTeX source (``equation``,
``align``, ``aligned``, ``\\boxed``, ``bmatrix``/``pmatrix``), or plain text with Unicode math.
Math is cut into rows (``\\\\``, a lost ``\\`` written ``\\ ``, ``\\quad`` and top-level commas),
rows into stages at each top-level ``=``, ``≈`` or ``\\approx``; a stage keeps the numbers it prints
(not those in sub- and superscripts, which name things) with their offsets. Prose right before an
inline formula (``Error = $…$``) is kept as its ``label``.

Every scan here is a loop over the text (no recursion); braces nested over :data:`MAX_NESTING`
deep are refused, the text is capped by :data:`microgradnet.files.MAX_INPUT_BYTES` and printed
numbers by ``MAX_DIGITS``.
"""

from __future__ import annotations

import bisect
import math
import os
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from microgradnet.errors import FileError
from microgradnet.files import MAX_INPUT_BYTES, read_text
from microgradnet.tutorial.format import MAX_DIGITS, Example

__all__ = [
    "MAX_NESTING",
    "DocumentError",
    "Equation",
    "Number",
    "Stage",
    "equations",
    "is_arithmetic",
    "is_result",
    "load",
    "shipped",
]


class DocumentError(ValueError):
    """A document that cannot be read; ``str()`` is one line: ``file:line:column: reason``."""

    def __init__(self, file: str, reason: str, line: int | None = None, column: int = 1) -> None:
        self.file, self.reason, self.line, self.column = file, reason, line, column
        place = f"{file}:{line}:{column}" if line is not None else file
        super().__init__(f"{place}: {reason}")


@dataclass(frozen=True)
class Number:
    """A printed number: ``text`` as printed (a unary minus included), its ``offset`` in the document,
    and ``minus``: it follows a binary minus (``0.2 − 0.2``), so its term enters negated."""

    text: str
    offset: int
    minus: bool = False


@dataclass(frozen=True)
class Stage:
    """One side of an equation chain: the ``text`` (sub- and superscripts kept), where it starts,
    and the numbers it prints."""

    text: str
    offset: int
    numbers: tuple[Number, ...]


@dataclass(frozen=True)
class Equation:
    """``stages[0] = stages[1] = …``; ``label``: prose right before an inline formula;
    ``display``: the formula this row came from (rows of one formula share it)."""

    stages: tuple[Stage, ...]
    offset: int
    label: str = ""
    display: int = 0


MAX_NESTING = 100
"""The deepest nesting of braces a document may use (LaTeX sources rarely pass 10)."""
_OPEN = re.compile(r"\\\$|\$\$|\$|\\\[|\\begin\{(equation|align|gather|multline)(\*?)\}")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![A-Za-z_\d])")
#: ``2.728 \times 10^{-3}``, ``2.728 \cdot 10^{-3}``, ``2.728×10^{-3}``, ``2.728 × 10⁻³``: one number.
_SCIENTIFIC = re.compile(
    r"(?<![\w.])(\d+(?:\.\d+)?)\s*(?:\\times|\\cdot|×|·)\s*10\s*"
    r"(?:\^\s*\{\s*([-−+]?\s*\d+)\s*\}|\^\s*([-−]?\d)|([⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+))"
)
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺−", "0123456789-+-")
_EXPONENT = re.compile(r"(?<![\w.])\d+(?:\.\d+)?[eE]\+?\d{3,}(?![A-Za-z_\d])")  # 1e400
_DIGITS = re.compile(rf"\d[\d.]{{{MAX_DIGITS},}}")  # a number longer than a printing may be
_BLANK = re.compile(
    r"\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|big|Big|bigg|Bigg|displaystyle|,|;|!|:)"
    r"(?![A-Za-z])|\\(?:begin|end)\{(?:aligned|align\*?|equation\*?|gathered|split)\}|\\boxed"
)
_HALF = re.compile(r"\\[dt]?frac\s*(?:\{\s*1\s*\}\s*\{\s*2\s*\}|12)")
_MATRIX = re.compile(r"\\(begin|end)\{[pbvBV]?matrix\}")
_ROW = re.compile(r"\\\\|\\(?=\s)|,?\s*\\q?quad(?![A-Za-z])")
_CLAUSE = re.compile(r"[;,:]\s+|\.\s+|\s+(?:and|so|thus|then)\s+")
_LABEL_WINDOW = 200  # characters of prose before an inline formula searched for its label
_LABEL = re.compile(
    r"([^$.;:,()]*?)\s*\**\s*(?:=|:|≈|\bis(?:\s+about|\s+approximately)?)\s*\**\s*$"
)


def shipped() -> list[str]:
    """The documents shipped with microgradnet (``microgradnet/examples/documents/``)."""
    folder = resources.files("microgradnet.examples").joinpath("documents")
    return sorted(e.name for e in folder.iterdir() if e.name.endswith((".txt", ".md", ".tex")))


def load(name: str, example: Example | None = None) -> tuple[str, str]:
    """(path as shown, text) of the document ``name``: a file, else relative to ``example``'s file
    (its ``document = …``), else a shipped document of that name.

    Raises:
        DocumentError: no such document, or it cannot be read (folder, too large, not UTF-8).
    """
    candidates = [Path(name)]
    if example is not None and example.document and os.path.lexists(example.file):
        candidates.insert(0, Path(example.file).parent / name)
    for path in candidates:
        if name and os.path.lexists(path):
            try:
                return str(path), read_text(path)
            except FileError as error:
                raise DocumentError(str(path), str(error).split(": ", 1)[-1]) from None
    packaged = resources.files("microgradnet.examples").joinpath("documents", name)
    if name and "/" not in name and packaged.is_file():
        return name, packaged.read_text(encoding="utf-8")
    raise DocumentError(
        name, f"no such file or shipped document (shipped documents: {', '.join(shipped())})"
    )


def source(name: str, suffix: str = "") -> Path:
    """The file ``name`` was read from: itself if it is there, else the shipped document (or, with
    ``suffix=".toml"``, the shipped example) of that name, so an output is never written onto it."""
    if os.path.lexists(name) or "/" in name:
        return Path(name)
    folder = resources.files("microgradnet.examples")
    return Path(str(folder.joinpath(name + suffix) if suffix else folder / "documents" / name))


def equations(text: str, file: str = "<document>") -> list[Equation]:
    """The equations of ``text`` that print at least one number, in document order.

    Raises:
        DocumentError: a NUL byte (binary data), an unclosed ``$``/``$$``/``\\[``/environment, or a
            number of more than ``MAX_DIGITS`` digits, with its line and column.
    """
    if len(text) > MAX_INPUT_BYTES:
        raise DocumentError(file, f"longer than the limit of {MAX_INPUT_BYTES:,} characters")
    where = Lines(text)
    if "\0" in text:
        raise DocumentError(file, "binary data (a NUL byte), not text", *where(text.index("\0")))
    long = _DIGITS.search(text)
    if long is not None:
        size = long.end() - long.start()
        raise DocumentError(
            file, f"a number {size:,} characters long (at most {MAX_DIGITS})", *where(long.start())
        )
    huge = next((m for m in _EXPONENT.finditer(text) if math.isinf(float(m[0]))), None)
    if huge is not None:
        raise DocumentError(file, f"{huge[0]} is beyond float range", *where(huge.start()))
    deep = _too_deep(text)
    if deep is not None:
        raise DocumentError(file, f"braces nested more than {MAX_NESTING} deep", *where(deep))
    found: list[Equation] = []
    for n, (start, end, label) in enumerate(_spans(text, file, where)):
        found += [
            Equation(row.stages, row.offset, label if not i else "", n)
            for i, row in enumerate(_rows(text, start, end))
        ]
    return [e for e in found if any(s.numbers for s in e.stages)]


def _too_deep(text: str) -> int | None:
    """The offset of the first ``{`` nested more than MAX_NESTING deep (None if there is none)."""
    depth = 0
    for m in re.finditer(r"(?<!\\)[{}]", text):
        depth = depth + 1 if m[0] == "{" else max(0, depth - 1)
        if depth > MAX_NESTING:
            return m.start()
    return None


class Lines:
    """Offsets to 1-based (line, column)."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


# ---- math spans -------------------------------------------------------------------------------


def _spans(text: str, file: str, where: Lines) -> list[tuple[int, int, str]]:
    """(start, end, prose label) of every math span; plain-text lines with ``=`` become spans too."""
    spans: list[tuple[int, int, str]] = []
    pos = 0
    while True:
        m = _OPEN.search(text, pos)
        stop = m.start() if m else len(text)
        spans += _plain(text, pos, stop)
        if m is None:
            return spans
        if m[0] == "\\$":
            pos = m.end()
            continue
        close = {"$$": "$$", "$": "$", "\\[": "\\]"}.get(m[0]) or f"\\end{{{m[1]}{m[2]}}}"
        end = _closing(text, m.end(), close)
        if end < 0:
            raise DocumentError(file, f"{m[0]} is never closed", *where(m.start()))
        label = _label(text, m.start()) if m[0] == "$" else ""
        spans.append((m.end(), end, label))
        pos = end + len(close)


def _closing(text: str, start: int, close: str) -> int:
    """Where ``close`` ends the span opened before ``start``; an inline ``$`` stays in its paragraph."""
    pos = start
    while True:
        end = text.find(close, pos)
        if end < 0 or (close == "$" and "\n\n" in text[start:end]):
            return -1
        if end > 0 and text[end - 1] == "\\" and close == "$":
            pos = end + 1
            continue
        return end


def _label(text: str, start: int) -> str:
    """The prose right before an inline formula on its line, when it ends like ``Error =``."""
    line_start = max(text.rfind("\n", 0, start) + 1, start - _LABEL_WINDOW)
    before = text[line_start:start]  # a window: no n² copies on a long line of formulas
    before = before[before.rfind("$") + 1 :]
    m = _LABEL.search(before)
    return m[1].strip(" *-") if m else ""


def _plain(text: str, start: int, stop: int) -> list[tuple[int, int, str]]:
    """Clauses of prose that read ``something = number``: Unicode math written as plain text."""
    spans = []
    pos = start
    for m in re.finditer(r"[^\n]+", text[start:stop]):
        line_start = start + m.start()
        cuts = [line_start] + [line_start + c.end() for c in _CLAUSE.finditer(m[0])]
        ends = [line_start + c.start() for c in _CLAUSE.finditer(m[0])] + [start + m.end()]
        for a, b in zip(cuts, ends):
            clause = text[a:b]
            if _EQUALS.search(clause) and re.search(r"\d\.\d", clause):
                spans.append((a, b, ""))
        pos = start + m.end()
    del pos
    return spans


# ---- rows and stages --------------------------------------------------------------------------


def _masked(text: str, start: int, end: int) -> str:
    """The span with layout commands, ``\\boxed``'s braces, ½ and sub/superscripts blanked out
    (same length, so offsets stay true). Sub/superscripts are kept in ``names``' copy."""
    chars = list(text[start:end])
    for regex in (_BLANK, _HALF):
        for m in regex.finditer(text, start, end):
            chars[m.start() - start : m.end() - start] = " " * (m.end() - m.start())
            if m[0] == "\\boxed":
                brace = text.find("{", m.end(), end)
                if brace >= 0 and not text[m.end() : brace].strip():
                    chars[brace - start] = " "
                    chars[_matching(text[:end], brace) - start] = " "
    return "".join(chars)


def _scripts(span: str) -> str:
    """``span`` with every ``_x``, ``^x``, ``_{…}``, ``^{…}`` blanked (one pass; unclosed: to the end)."""
    chars = list(span)
    pos = 0
    while True:
        m = re.compile(r"[_^]").search(span, pos)
        if m is None:
            return "".join(chars)
        after = m.end()
        while after < len(span) and span[after] == " ":
            after += 1
        if after < len(span) and span[after] == "{":
            close = _matching(span, after)
        elif after < len(span) and span[after] == "\\":
            word = re.compile(r"\\[A-Za-z]+").match(span, after)
            close = word.end() - 1 if word else after
        else:
            close = min(after, len(span) - 1)
        chars[m.start() : close + 1] = " " * (close + 1 - m.start())
        pos = close + 1


def _matching(text: str, open_at: int) -> int:
    """The index of the ``}`` closing the ``{`` at ``open_at`` (the last index if none does)."""
    depth = 0
    for pos in range(open_at, len(text)):
        depth += {"{": 1, "}": -1}.get(text[pos], 0)
        if depth == 0:
            return pos
    return len(text) - 1


def _rows(text: str, start: int, end: int) -> list[Equation]:
    """The rows of one span; a row starting with ``=`` continues the row before it."""
    span = _masked(text, start, end)
    rows: list[list[Stage]] = []
    offsets: list[int] = []
    for a, b in _cut(span, _ROW, matrices=True, commas=True):
        stages = _stages(span, a, b, start)
        if not stages:
            continue
        head = " ".join(stages[0].text.split())
        if rows and (not head.strip(" &") or head == " ".join(rows[-1][0].text.split())):
            rows[-1] += stages[1:]
        else:
            rows.append(stages)
            offsets.append(start + a)
    return [Equation(tuple(r), o) for r, o in zip(rows, offsets)]


def _cut(
    span: str, sep: re.Pattern[str], *, matrices: bool, commas: bool = False
) -> list[tuple[int, int]]:
    """(start, end) pieces of ``span`` between top-level ``sep`` (outside braces and matrices)."""
    pieces, depth, nested, last = [], 0, 0, 0
    pos = 0
    while pos < len(span):
        char = span[pos]
        if char in "{([":
            depth += 1
        elif char in "})]":
            depth = max(0, depth - 1)
        elif char == "\\" and matrices:
            env = _MATRIX.match(span, pos)
            if env is not None:
                nested += 1 if env[1] == "begin" else -1
                pos = env.end()
                continue
        if depth == 0 and nested <= 0:
            m = sep.match(span, pos)
            if m is None and commas and char == "," and span[pos + 1 : pos + 2].isspace():
                m = re.compile(",").match(span, pos)
            if m is not None and m.end() > pos:
                pieces.append((last, pos))
                last = pos = m.end()
                continue
        pos += 1
    return pieces + [(last, len(span))]


_EQUALS = re.compile(
    r"&?\s*(?:=|≈|\\approx(?![A-Za-z])|\\simeq(?![A-Za-z])|\bis\s+(?:about|approximately)\b)"
)


def _stages(span: str, a: int, b: int, base: int) -> list[Stage]:
    row = span[a:b]
    stages = []
    for c, d in _cut(row, _EQUALS, matrices=False):
        raw = row[c:d]
        powers = {m.start(): _exponent(m) for m in _SCIENTIFIC.finditer(raw)}
        plain = _SCIENTIFIC.sub(lambda m: m[1] + " " * (len(m[0]) - len(m[1])), raw)
        numbers = _numbers(_MATRIX.sub(_bracket, _scripts(plain)), base + a + c, powers)
        stages.append(Stage(raw.replace("&", " "), base + a + c, numbers))
    return stages if len(stages) > 1 else []


def _bracket(m: re.Match[str]) -> str:
    """``\\begin{bmatrix}`` as ``(`` and its ``\\end`` as ``)``, padded: a sign after it is unary."""
    return ("(" if m[1] == "begin" else ")") + " " * (len(m[0]) - 1)


def _exponent(m: re.Match[str]) -> str:
    """The power of ten of a :data:`_SCIENTIFIC` match, as ``e-3``."""
    power = next(g for g in m.groups()[1:] if g is not None)
    return "e" + re.sub(r"\s", "", power.translate(_SUPERSCRIPT)).lstrip("+")


def _numbers(stage: str, base: int, powers: dict[int, str] | None = None) -> tuple[Number, ...]:
    """The numbers printed in ``stage``; one at an offset in ``powers`` is written ``a × 10^b``
    and is given as ``ae-b`` (its significant digits set its decimals)."""
    found = []
    for m in _NUMBER.finditer(stage):
        before = stage[max(0, m.start() - 64) : m.start()].rstrip()  # a window: no n² copies
        sign = before[-1:] in ("-", "−")
        ahead = before[:-1].rstrip() if sign else ""
        binary = sign and bool(ahead) and (ahead[-1].isalnum() or ahead[-1] in ")]}|")
        text = ("-" if sign and not binary else "") + m[0] + (powers or {}).get(m.start(), "")
        found.append(Number(text, base + m.start(), minus=binary))
    return tuple(found)


def is_result(stage: Stage) -> bool:
    """True when the stage prints only numbers (a vector or matrix of them, a boxed one, a %)."""
    return _leftover(stage, r"[-−+\s&,;.\[\]{}()%*|]") == "" and bool(stage.numbers)


def is_arithmetic(stage: Stage) -> bool:
    """True when the stage is arithmetic on printed numbers only (``(0.35)(0.2) + 0.1``)."""
    ops = r"\\(?:cdot|times|frac|dfrac|tfrac|sqrt)(?![A-Za-z])|[-−+\s&,;.\[\]{}()%*|/·×^]"
    return _leftover(stage, ops) == "" and bool(stage.numbers)


def _leftover(stage: Stage, allowed: str) -> str:
    rest = _NUMBER.sub(" ", _MATRIX.sub(" ", _scripts(_SCIENTIFIC.sub(" ", stage.text))))
    rest = re.sub(r"\\text\s*\{[^{}]*\}|\\%|\\\\|\\(?=\s)", "", rest)
    return re.sub(allowed, "", rest)


# ---- vectors and matrices in a stage ----------------------------------------------------------


@dataclass(frozen=True)
class Operand:
    """One factor or term of a stage: a number (1×1) or a vector/matrix, each entry the numbers
    printed in it (``-0.0352468(0.25)`` is one entry of two); ``joined``: written right after the
    operand before it with no ``+``, ``−`` or ``⊙`` between (a product)."""

    cells: tuple[tuple[tuple[Number, ...], ...], ...]
    joined: bool = False

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.cells), len(self.cells[0])


_BRACKETS = re.compile(
    r"\\begin\{[pbvBV]?matrix\}(.*?)\\end\{[pbvBV]?matrix\}|\[([^\[\]]*)\]", re.DOTALL
)
_CELL_ROW = re.compile(r"\\\\|\\(?=\s)")
_TERM = re.compile(r"[-−+⊙]|\\odot(?![A-Za-z])|=")


def operands(text: str, stage: Stage) -> list[Operand] | None:
    """The stage as its operands in order, read from the document ``text`` (None when a bracket
    holds rows of different lengths)."""
    raw = text[stage.offset : stage.offset + len(stage.text)]
    found: list[tuple[int, int, Operand]] = []
    for m in _BRACKETS.finditer(raw):
        inner, start = (m[1], m.start(1)) if m[1] is not None else (m[2], m.start(2))
        cells = _cells(inner, stage.offset + start, stage.numbers)
        if cells is None:
            return None
        if any(cell for row in cells for cell in row):
            found.append((m.start(), m.end(), Operand(cells)))
    inside = [(a, b) for a, b, _ in found]
    for number in stage.numbers:
        at = number.offset - stage.offset
        if not any(a <= at < b for a, b in inside):
            sign = max(raw.rfind("-", 0, at), raw.rfind("−", 0, at))
            start = sign if number.text.startswith("-") and sign >= 0 else at
            found.append((start, at + len(number.text.lstrip("-")), Operand((((number,),),))))
    found.sort(key=lambda item: item[0])
    out: list[Operand] = []
    for n, (a, _, operand) in enumerate(found):
        gap = raw[found[n - 1][1] : a] if n else ""
        minus = operand.shape == (1, 1) and operand.cells[0][0][0].minus
        joined = bool(n) and not _TERM.search(gap) and not minus
        out.append(Operand(operand.cells, joined))
    return out


def _cells(
    inner: str, base: int, numbers: tuple[Number, ...]
) -> tuple[tuple[tuple[Number, ...], ...], ...] | None:
    """The entries of a bracket's text (rows at ``\\\\`` or a lost ``\\ ``, columns at & or ,)."""
    starts = [0] + [m.end() for m in _CELL_ROW.finditer(inner)]
    grid: dict[int, dict[int, list[Number]]] = {}
    for number in numbers:
        at = number.offset - base
        if 0 <= at < len(inner):
            row = bisect.bisect_right(starts, at) - 1
            column = len(re.findall(r"[&,]", inner[starts[row] : at]))
            grid.setdefault(row, {}).setdefault(column, []).append(number)
    widths = set()
    for row in grid:
        end = starts[row + 1] if row + 1 < len(starts) else len(inner)
        widths.add(len(re.findall(r"[&,]", inner[starts[row] : end])) + 1)
    if len(widths) != 1:
        return None
    width = widths.pop()
    return tuple(tuple(tuple(grid[row].get(c, ())) for c in range(width)) for row in sorted(grid))
