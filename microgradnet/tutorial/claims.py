"""Read a document's claims: match each equation's left side to a quantity through the notation.

For an equation whose left side is a known quantity (its text or LaTeX symbol, a vector or matrix
of them, or a prose word such as "the error"), the last number is the claim and the numbers of the
displayed substitution are its operands (``uses``): mapped position by position onto the
document's own symbolic side with as many symbols, else onto one of the equation model's display
sides. Every other equation that prints a decimal number is listed as not read, with the reason.

State: a forward quantity shown after the update (its operands repeat a printed updated value, or
it repeats one verbatim) is the ``…_new`` one; a formula that starts with a number continues the
previous formula when that one printed no result; an operand printed for a quantity the document
states nowhere else (``(0.665074)(0.334926)`` for 1 − o) is a claim about it too. A given
number (input, weight, target, η) restated as the example gives it is no claim; restated otherwise
it is one (the checker reports it), unless it is its updated twin's value (then a claim on that).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from microgradnet.tutorial import document as d
from microgradnet.tutorial import keys as k
from microgradnet.tutorial.equations import Model, Side
from microgradnet.tutorial.format import Example, Printing, StatedLoss
from microgradnet.tutorial.keys import Key
from microgradnet.tutorial.notation import latex_from_text

__all__ = ["Read", "Reading", "Unread", "normalized", "read", "with_claims"]

#: Words prose uses for the scalar quantities ("the error is about 0.47", "the loss ≈ 0.11").
PROSE = {
    "loss": k.LOSS,
    "error": k.ERROR,
    "error reduction": k.reduction(k.ERROR),
    "loss reduction": k.reduction(k.LOSS),
    "percent improvement": k.reduction(k.ERROR, percent=True),
    "error reduction (%)": k.reduction(k.ERROR, percent=True),
    "loss reduction (%)": k.reduction(k.LOSS, percent=True),
}
#: Kinds with no default symbol (named only through the example's notation).
_UNNAMED = ("backterm", "e", "L")
_MAX_STAGE = 4_000  # characters of one stage tokenised into symbols (longer ones are not mapped)


@dataclass(frozen=True)
class Read:
    """One claim read from the document: ``key`` printed as ``text`` at ``line``:``column``, with
    the operands shown in its substitution (``uses``: key, printed text, line, column)."""

    key: Key
    text: str
    line: int
    column: int
    uses: tuple[tuple[Key, str, int, int], ...] = ()


@dataclass(frozen=True)
class Unread:
    """A number-bearing equation not understood: where it starts, its text and why."""

    line: int
    column: int
    text: str
    reason: str


@dataclass(frozen=True)
class Reading:
    """Everything read from one document: the claims in document order and what was not read."""

    file: str
    claims: tuple[Read, ...]
    not_read: tuple[Unread, ...]
    stated_losses: tuple[StatedLoss, ...] = ()  # the example's, when the document says so


# ---- symbols ----------------------------------------------------------------------------------

_NEW = re.compile(r"(?i)\\text\s*\{[^{}]*\bnew\b[^{}]*\}|ⁿᵉʷ|\bnew\b|\\mathrm\s*\{\s*new\s*\}")
_DROP = re.compile(
    r"\\(?:text|mathrm|textrm|operatorname)\s*\{[^{}]*\}|\\(?:left|right|big|Big|bigg|Bigg)"
    r"(?![A-Za-z])|\\(?:displaystyle|boxed|quad|qquad|[,;!: ])|\\(?:mathbf|mathit|bm)(?![A-Za-z])"
)
_TEXT = re.compile(r"\\(?:text|mathrm|textrm|operatorname)\s*\{([^{}]*)\}")
_PRIMES = str.maketrans({"’": "'", "′": "'", "−": "-", "–": "-"})


def normalized(symbol: str) -> tuple[str, bool]:
    """A symbol in one comparable form, and whether it is marked as after the update ("new").

    Tolerates spacing, braces, ``\\left``/``\\right``, ``\\text{…}``, ``\\cdot``/``\\times``/``·``,
    Unicode sub/superscripts (``h₁`` = ``h_1`` = ``h_{1}``) and arrows (``→`` = ``\\rightarrow``).
    """
    new = bool(_NEW.search(symbol))
    text = latex_from_text(_NEW.sub(" ", symbol.translate(_PRIMES)))
    dropped = _DROP.sub(" ", text)
    if not dropped.strip(" {}_^"):  # the symbol is words: \text{loss reduction}
        dropped = _DROP.sub(" ", _TEXT.sub(r"\1", text))
    text = dropped
    text = re.sub(r"\\(?:rightarrow|to)(?![A-Za-z])", "→", text)
    text = re.sub(r"\\(?:cdot|times)(?![A-Za-z])|[·×*]", "·", text)
    text = re.sub(r"[\s{}]", "", text)
    text = re.sub(r"[_^]+(?=[=·)\]|]|$)", "", text)
    return text.strip("·:"), new


class Symbols:
    """The model's quantities by normalized symbol: single keys, and vectors/matrices of a layer."""

    def __init__(self, example: Example, model: Model) -> None:
        self.example, self.model = example, model
        self.single: dict[str, Key] = {}
        families: dict[tuple[str, int], list[Key]] = {}
        for key in model.quantities:
            if key.new or (
                key.kind in _UNNAMED and key.j >= 0 and key not in example.notation.overrides
            ):
                continue
            symbol = example.notation(key)
            for form in (symbol.latex, symbol.text):
                named = normalized(form)[0]
                if re.search(r"[^\W\d_]", named):  # \mathrm{Err}_6 is no symbol "_6"
                    self.single.setdefault(named, key)
            if key.j >= 0 and key.layer:
                families.setdefault((key.kind, key.layer), []).append(key)
        self.family: dict[str, list[Key]] = {}
        for members in families.values():
            name = self._family_name(members)
            if name and name not in self.single and len(members) > 1:
                self.family[name] = sorted(members, key=lambda m: (m.j, m.i))
        self.ordered = sorted(self.single.items(), key=lambda item: -len(item[0]))

    def _family_name(self, members: list[Key]) -> str | None:
        names = set()
        for key in members:
            index = "".join(str(n + 1) for n in (key.j, key.i) if n >= 0)
            form = normalized(self.example.notation(key).latex)[0]
            names.add(re.sub(rf"_{index}(?!\d)", "", form))
        return names.pop() if len(names) == 1 else None

    def lookup(self, text: str) -> tuple[list[Key], bool] | None:
        """The key(s) the left side ``text`` names (several for a vector), and its "new" mark."""
        name, new = normalized(text)
        if name in self.single:
            return [self.single[name]], new
        if name in self.family:
            return list(self.family[name]), new
        return None

    def prose(self, label: str) -> tuple[list[Key], bool] | None:
        """A prose label ("so the error", "Percent improvement", "the output o") by its last
        words, when the words before them are prose: ``o − y`` or ``e^{−z} · h_1`` is no label
        of ``y`` or ``h_1`` (such a left side has to match whole, through :meth:`lookup`)."""
        words = re.sub(r"[*_`]", " ", label).lower().split()
        for n in range(min(len(words), 4), 0, -1):
            phrase = " ".join(words[-n:])
            if phrase in PROSE and self.is_prose(words[:-n]):
                return [PROSE[phrase]], "new" in words or "after" in words
            raw = label.split()
            found = self.lookup(" ".join(raw[-n:])) if n <= len(raw) else None
            if found and self.is_prose(raw[:-n]):
                return found
        return None

    def is_prose(self, words: Sequence[str]) -> bool:
        """Every word is an English word (no operator, no Greek, no symbol of the notation)."""
        for word in words:
            bare = word.strip("*`,:;")
            if not re.fullmatch(r"[A-Za-z][A-Za-z'’-]*", bare) or self.lookup(bare):
                return False
        return True

    def tokens(self, stage: str) -> list[tuple[Key, bool]]:
        """The symbols a symbolic stage names, in order, each with whether a minus precedes it."""
        text = normalized(stage)[0]
        if len(text) > _MAX_STAGE:
            return []
        found: list[tuple[Key, bool]] = []
        pos = 0
        while pos < len(text):
            hit = next((kv for kv in self.ordered if kv[0] and text.startswith(kv[0], pos)), None)
            if hit is not None:
                found.append((hit[1], text[:pos].rstrip("(").endswith("-")))
                pos += len(hit[0])
                continue
            command = re.compile(r"\\[A-Za-z]+").match(text, pos)
            pos = command.end() if command else pos + 1
        return found


# ---- reading ----------------------------------------------------------------------------------


@dataclass
class _Open:
    """A formula with a known left side that printed no result yet (a continuation may follow)."""

    keys: list[Key]
    new: bool
    equation: d.Equation


class _Reader:
    def __init__(self, example: Example, text: str, file: str) -> None:
        self.model = Model(example)
        self.symbols = Symbols(example, self.model)
        self.lines = d.Lines(text)
        self.text = text
        self.file = file
        self.claims: list[Read] = []
        self.seen: set[tuple[Key, str]] = set()
        self.not_read: list[Unread] = []
        self.new_texts: set[str] = set()
        self.old_texts: set[str] = set()
        self.pending: _Open | None = None

    def run(self) -> Reading:
        for equation in d.equations(self.text, self.file):
            self.equation(equation)
        self.close_pending()
        claims = tuple(_with_operands(self.claims))
        return Reading(self.file, claims, tuple(self.not_read), self.stated_losses())

    def stated_losses(self) -> tuple[StatedLoss, ...]:
        """The example's loss names whose quote (“…” in its ``where``, else all of it) this
        document prints, each cited at its line:column; the others are about another text."""
        found = []
        for stated in self.model.example.stated_losses:
            quote = re.search(r"“([^”]+)”", stated.where)
            words = quote[1] if quote else stated.where
            at = _find(self.text, words)
            if words.strip() and at is not None:
                line, column = self.lines(at)
                found.append(replace(stated, where=f"{line}:{column} “{words}”"))
        return tuple(found)

    def equation(self, eq: d.Equation) -> None:
        first = eq.stages[0]
        pend = self.pending
        if pend and d.is_arithmetic(first) and not eq.label and pend.equation.display != eq.display:
            self.pending = None
            merged = replace(eq, stages=pend.equation.stages + eq.stages)
            return self.resolved(merged, pend.keys, pend.new, merged.stages)
        self.close_pending()
        found = None if first.numbers else self.symbols.lookup(first.text)
        stages = eq.stages[1:]
        if found is None and eq.label:
            found = self.symbols.prose(eq.label + (" " + first.text if not first.numbers else ""))
            stages = eq.stages if first.numbers else stages
        if found is None and not first.numbers:
            found = self.symbols.prose(first.text)
        if found is None:
            return self.unread(eq, "its left side is no quantity of the example's notation")
        keys, new = found
        self.resolved(eq, keys, new, stages)

    def resolved(
        self, eq: d.Equation, keys: list[Key], new: bool, stages: Sequence[d.Stage]
    ) -> None:
        last = stages[-1] if stages else None
        if last is None or not d.is_result(last) or len(last.numbers) != len(keys):
            if self.pending is None and any(s.numbers for s in stages):
                self.pending = _Open(keys, new, eq)
            return
        operands = [n for s in stages[:-1] for n in s.numbers]
        new = new or self.looks_new(keys, operands, last.numbers) or self.updated(keys, last)
        keys = [self.renewed(key) if new else key for key in keys]
        if len(keys) == 1:
            uses = [self.uses(keys[0], stages[:-1], new)]
        else:
            uses = self.entry_uses(keys, stages[:-1], last)
        for key, number, used in zip(keys, last.numbers, uses):
            if not (key.given and self.states(key, number)):  # the example's own given number
                self.claim(key, number, used)

    def states(self, key: Key, number: d.Number) -> bool:
        """The printed ``number`` is ``key``'s value, by the one agree rule."""
        return printing(number.text, "").matches(self.model.values[key])

    def updated(self, keys: list[Key], result: d.Stage) -> bool:
        """A given quantity printed with a value that is not the given one but its updated twin's
        (``w = 0.3 − 0.020309 = 0.279691`` with no ⁿᵉʷ mark). Any other value stays a claim on
        the given quantity, which the checker reports as differing from the example."""
        pairs = list(zip(keys, result.numbers))
        return all(
            key.given and not self.states(key, n) and self.renewed(key) != key
            and self.states(self.renewed(key), n)
            for key, n in pairs
        )  # fmt: skip

    def looks_new(
        self, keys: list[Key], operands: list[d.Number], result: Sequence[d.Number]
    ) -> bool:
        if not any(self.renewed(key) != key for key in keys):
            return False
        texts = {n.text.lstrip("-") for n in operands}
        if texts & (self.new_texts - self.old_texts):
            return True
        return not operands and all(
            (self.renewed(key), n.text) in self.seen for key, n in zip(keys, result)
        )

    def renewed(self, key: Key) -> Key:
        twin = key.renew()
        return twin if twin in self.model.quantities else key

    def uses(self, key: Key, stages: Sequence[d.Stage], new: bool) -> list[tuple[Key, d.Number]]:
        """Operands of ``key``'s substitution: numbers mapped onto a symbolic side or a model side."""
        found: list[tuple[Key, d.Number]] = []
        symbolic: list[list[tuple[Key, bool]]] = []
        for stage in stages:
            if not any("." in n.text for n in stage.numbers):
                symbolic.append(self.symbols.tokens(stage.text))
                continue
            match = next((s for s in reversed(symbolic) if len(s) == len(stage.numbers)), None)
            if match is not None:
                for (used, minus), number in zip(match, stage.numbers):
                    used = self.renewed(used) if new else used
                    found.append((used, self.signed(number, minus)))
            elif not re.search(r"\\begin|\[", stage.text):
                found += self.model_side(key, stage.numbers)
            else:  # vectors: [0.31, −0.19] [0.50 \ 0.68] + 0.11 is 0.31·0.50 − 0.19·0.68 + 0.11
                entries = self.entries(stage, (1, 1))
                found += self.model_side(key, entries[0]) if entries else []
        return found

    def entry_uses(
        self, keys: list[Key], stages: Sequence[d.Stage], result: d.Stage
    ) -> list[list[tuple[Key, d.Number]]]:
        """The operands of each entry of a vector or matrix result, entry by entry."""
        found: list[list[tuple[Key, d.Number]]] = [[] for _ in keys]
        shape = d.operands(self.text, result)
        if not shape or len(shape) != 1 or shape[0].shape[0] * shape[0].shape[1] != len(keys):
            return found
        for stage in stages:
            if not any("." in n.text for n in stage.numbers):
                continue
            entries = self.entries(stage, shape[0].shape)
            for n, numbers in enumerate(entries or []):
                found[n] += self.model_side(keys[n], numbers)
        return found

    def entries(self, stage: d.Stage, shape: tuple[int, int]) -> list[list[d.Number]] | None:
        """The numbers each entry of a ``shape`` result is computed from, in the stage's order:
        juxtaposed vectors multiplied as matrices, a number or a vector of one broadcast."""
        combined: list[d.Operand] = []
        for operand in d.operands(self.text, stage) or []:
            before = combined[-1] if combined else None
            if (
                before is not None
                and operand.joined
                and (1, 1) not in (before.shape, operand.shape)
                and before.shape[1] == operand.shape[0]
            ):
                combined[-1] = _product(before, operand)
            else:
                combined.append(operand)
        out = []
        for r in range(shape[0]):
            for c in range(shape[1]):
                numbers: list[d.Number] = []
                for operand in combined:
                    rows, cols = operand.shape
                    if (rows not in (1, shape[0])) or (cols not in (1, shape[1])):
                        return None
                    numbers += operand.cells[r if rows > 1 else 0][c if cols > 1 else 0]
                out.append(numbers)
        return out if combined else None

    def model_side(self, key: Key, numbers: Sequence[d.Number]) -> list[tuple[Key, d.Number]]:
        quantity = self.model.quantities.get(key)
        sides = [_slots(side) for side in quantity.sides] if quantity else []
        computed = [[s for s in slots if s[0] is not None and not s[0].given] for slots in sides]
        decimals = [n for n in numbers if not n.text.lstrip("-").isdigit()]  # without ×100, 2·
        for shown in (numbers, decimals):
            for chosen in sides + computed + self.expanded(key):
                if chosen and len(chosen) == len(shown) and self.fits(chosen, shown):
                    return [
                        (used, self.signed(number, minus))
                        for (used, minus), number in zip(chosen, shown)
                        if used is not None
                    ]
        return []

    def expanded(self, key: Key) -> list[list[tuple[Key | None, bool]]]:
        """``key``'s operands with one of them written out as its own substitution:
        Δw = η·∂L/∂w read as η·δ·x, ``(1.0)(0.002728)(0.7)``. Only for an intermediate the
        model shows no substitution of (Δw, a product term)."""
        quantity = self.model.quantities.get(key)
        deps = list(quantity.deps) if quantity and not quantity.sides else []
        found = []
        for n, dep in enumerate(deps):
            for side in self.model.quantities[dep].sides:
                slots = _slots(side)
                if slots:
                    before = [(u, False) for u in deps[:n]]
                    after = [(u, False) for u in deps[n + 1 :]]
                    found.append([*before, *slots, *after])
        return found

    def fits(self, slots: Sequence[tuple[Key | None, bool]], numbers: Sequence[d.Number]) -> bool:
        """Every given quantity in ``slots`` is printed as the example gives it."""
        for (key, minus), number in zip(slots, numbers):
            if key is not None and key.given:
                shown = printing(self.signed(number, minus).text, "")
                if not shown.matches(self.model.values[key]):
                    return False
        return True

    def signed(self, number: d.Number, minus_in_formula: bool) -> d.Number:
        before = self.text[max(0, number.offset - 16) : number.offset].rstrip()
        return _signed(number, minus_in_formula, before.endswith("+"))

    def claim(self, key: Key, number: d.Number, uses: list[tuple[Key, d.Number]]) -> None:
        if (key, number.text) in self.seen:
            return
        self.seen.add((key, number.text))
        (self.new_texts if key.new else self.old_texts).add(number.text.lstrip("-"))
        line, column = self.lines(number.offset)
        shown: dict[Key, tuple[Key, str, int, int]] = {}
        for used, n in uses:  # one operand per quantity: o(1 − o) shows o twice
            if used != key and used not in shown:
                shown[used] = (used, n.text, *self.lines(n.offset))
        self.claims.append(Read(key, number.text, line, column, tuple(shown.values())))

    def close_pending(self) -> None:
        if self.pending is not None:
            self.unread(self.pending.equation, "a substitution with no printed result")
            self.pending = None

    def unread(self, eq: d.Equation, reason: str) -> None:
        if not any("." in n.text for s in eq.stages for n in s.numbers):
            return  # a formula of whole numbers only (σ(z) = 1/(1 + e^−z)): nothing to check
        head = self.text[eq.offset : eq.offset + 200]
        start = eq.offset + len(head) - len(head.lstrip())  # where the formula's text begins
        line, column = self.lines(start)
        end = eq.stages[-1].offset + len(eq.stages[-1].text)
        snippet = " ".join(self.text[start : min(end, start + 200)].split())
        self.not_read.append(Unread(line, column, snippet[:70], reason))


def _find(text: str, quote: str) -> int | None:
    """Where ``quote`` starts in ``text``, ignoring case, runs of spaces and Markdown emphasis
    (``For **Mean Squared Error (MSE) loss**``)."""
    words = quote.replace("*", " ").replace("`", " ").split()
    pattern = r"[\s*`]+".join(re.escape(word) for word in words)
    m = re.search(pattern, text, re.IGNORECASE) if words else None
    return m.start() if m else None


def _product(a: d.Operand, b: d.Operand) -> d.Operand:
    """The matrix product's entries as the numbers they multiply: (AB)ᵣ꜀ from Aᵣ₀, B₀꜀, Aᵣ₁, B₁꜀ …"""
    rows, inner, cols = a.shape[0], a.shape[1], b.shape[1]
    cells = tuple(
        tuple(
            tuple(n for k in range(inner) for n in (*a.cells[r][k], *b.cells[k][c]))
            for c in range(cols)
        )
        for r in range(rows)
    )
    return d.Operand(cells, a.joined)


def _slots(side: Side) -> list[tuple[Key | None, bool]]:
    """The numbers of a model display side: their keys (None for a constant), and whether a minus
    sign precedes each."""
    return [
        (token.key, n > 0 and side[n - 1].text.strip() in ("−", "-"))
        for n, token in enumerate(side)
        if token.kind == "num"
    ]


def _signed(number: d.Number, minus_in_formula: bool, plus: bool = False) -> d.Number:
    """The value of ``number`` in a slot of a formula: a term the document subtracts where the
    formula adds it, or adds (``plus``: ``0.3 + 0.0293723``) where the formula subtracts it
    (w − Δw, the writer folding the sign of a negative Δw), is the quantity negated."""
    if number.minus == minus_in_formula or not (number.minus or plus):
        return number
    text = number.text
    return replace(number, text=text[1:] if text.startswith("-") else "-" + text)


def _with_operands(claims: list[Read]) -> list[Read]:
    """Add an operand as a claim when the document states its quantity nowhere else, or prints
    its number nowhere else (δ_{h1} = 0.002728 shown only inside the Δw substitutions)."""
    stated = {c.key for c in claims}
    texts = {c.text for c in claims}
    out = list(claims)
    for claim in claims:
        for key, text, line, column in claim.uses:
            if not key.given and (key not in stated or text not in texts):
                stated.add(key)
                texts.add(text)
                out.append(Read(key, text, line, column))
    return sorted(out, key=lambda c: (c.line, c.column))


def read(example: Example, text: str, *, file: str = "<document>") -> Reading:
    """The claims ``text`` prints about ``example``'s quantities, and the equations it could not read.

    Raises:
        DocumentError: the text cannot be read (binary, an unclosed formula, a huge number).
    """
    return _Reader(example, text, file).run()


# ---- as an example's published values ---------------------------------------------------------


def printing(text: str, where: str, uses: Iterable[tuple[Key, Printing]] = ()) -> Printing:
    """A printed number as :class:`Printing` (decimals, or significant digits for 2.4e-3)."""
    mantissa, _, exponent = text.lower().partition("e")
    places = len(mantissa.partition(".")[2]) - int(exponent or 0)
    return Printing(text, float(text), places, where, tuple(uses), scientific=bool(exponent))


def with_claims(example: Example, reading: Reading) -> Example:
    """``example`` with its published values replaced by the claims read from a document."""
    published: dict[Key, list[Printing]] = {}
    for c in reading.claims:
        uses = [(u, printing(t, f"{line}:{col}")) for u, t, line, col in c.uses]
        published.setdefault(c.key, []).append(printing(c.text, f"{c.line}:{c.column}", uses))
    return replace(
        example,
        published={key: tuple(p) for key, p in published.items()},
        document=reading.file,
        stated_losses=reading.stated_losses,
    )
