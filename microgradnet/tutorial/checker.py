"""Check a worked example's printed numbers: agree, or which slip (root cause) and which consequences.

The rule for one printed number ``v`` with ``p`` decimals (its *claim*):

1. **agrees** when ``|v − exact| ≤ ½·10⁻ᵖ``, exact being the full-precision value (a document that
   prints 0.5285101 is right when the value rounds to it).
2. Otherwise it is recomputed from the numbers the document itself shows: the operand values in
   its own substitution (the printing's ``uses``) or the document's printed values of the
   quantities it depends on. If that reproduces ``v`` and those numbers are themselves correct
   (only rounded), the document followed its own displayed rounding: **agrees (printed
   operands)**. If one of them is wrong, ``v`` is a **consequence** of that wrong value, and it is
   reported under the wrong value's root cause, not as a new finding.
3. Otherwise the common slips are tried on the exact inputs (:func:`microgradnet.tutorial.slips.slips`
   in order, then one intermediate or every intermediate rounded and carried forward). The first
   slip that reproduces ``v`` at its decimals is its root cause; if none does, the cause is unknown.

A claim that agrees but whose own substitution gives a different last digit (the document
printed the full-precision value next to rounded operands) is noted, not flagged.

The names the prose gives the loss (``stated_loss``) are checked against the printed L and δ of
the output layer: ``mse`` for a document whose numbers use ½(y − t)² is reported as the common
loose usage, not as an error; a name whose formulas give other numbers differs.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from microgradnet.tutorial import keys as k
from microgradnet.tutorial.equations import Model, chain_delta, loss_quantities, output_gradient
from microgradnet.tutorial.format import Example, Printing, StatedLoss
from microgradnet.tutorial.keys import Key
from microgradnet.tutorial.slips import Slip, rounded_site_slips, slips

__all__ = ["Check", "Claim", "Finding", "Row", "StatedRow", "Verdict", "agrees", "check"]

Verdict = Literal["agrees", "agrees_rounded", "differs", "consequence"]
StatedVerdict = Literal["agrees", "loose", "differs", "unchecked"]


def agrees(printed: Printing, value: float) -> bool:
    """``value`` rounds to the printed number: |printed − value| ≤ ½·10⁻ᵖ (plus float noise)."""
    return printed.matches(value)


@dataclass(frozen=True)
class Claim:
    """One printed number: the quantity ``key``, the ``printing``, and for a number shown inside
    another claim's substitution, that claim's index (``inside``; None for a published value)."""

    key: Key
    printing: Printing
    inside: int | None = None
    at: int | None = None  # index into example.at: a claim about a later step or another pattern


@dataclass(frozen=True)
class Row:
    """The verdict on one claim.

    ``recomputed`` is the full-precision value; ``reproduced`` the value that matches the claim
    (from printed operands or a slip) when it differs from ``recomputed``; ``sources`` the claims
    (indices) whose printed values reproduce it; ``finding`` the finding it belongs to.
    """

    claim: Claim
    recomputed: float
    verdict: Verdict
    reproduced: float | None = None
    sources: tuple[int, ...] = ()
    finding: int | None = None
    substituted: float | None = None  # what the claim's own substitution gives, when that differs
    slip: Slip | None = None


@dataclass(frozen=True)
class Finding:
    """One root cause: the ``slip`` (a :class:`Slip`, None if unknown), where it acts (``site``),
    the value the document effectively used there, the root claims and their consequences."""

    number: int
    slip: Slip | None
    site: Key
    site_value: float
    site_exact: float
    roots: tuple[int, ...]
    consequences: tuple[int, ...]
    unaffected: tuple[int, ...]


@dataclass(frozen=True)
class StatedRow:
    """A loss name from the prose, checked against the printed L and output δ."""

    stated: StatedLoss
    verdict: StatedVerdict
    key: Key | None = None
    printed: Printing | None = None
    value: float | None = None


@dataclass(frozen=True)
class Check:
    """The whole check: every claim (in derivation order), the findings, the stated losses."""

    example: Example
    model: Model
    claims: tuple[Claim, ...]
    rows: tuple[Row, ...]
    findings: tuple[Finding, ...]
    stated: tuple[StatedRow, ...]
    hint: str = ""  # when the numbers fit only the other sign convention: what to set

    @property
    def ok(self) -> bool:
        """True when every claim agrees and no stated loss name contradicts the numbers."""
        return all(r.verdict in ("agrees", "agrees_rounded") for r in self.rows) and all(
            s.verdict != "differs" for s in self.stated
        )

    def shown(self) -> Iterator[Row]:
        """The rows for a table: every published value, and the values inside a substitution that
        do not agree and are not printed on their own as well."""
        published = {
            (r.claim.key, r.claim.printing.text) for r in self.rows if r.claim.inside is None
        }
        for row in self.rows:
            claim = row.claim
            if claim.inside is None or (
                row.verdict not in ("agrees", "agrees_rounded")
                and (claim.key, claim.printing.text) not in published
            ):
                yield row


def check(example: Example) -> Check:
    """Recompute every number ``example`` publishes and explain each that differs."""
    result = _Checker(example).run()
    if result.ok or not example.published:
        return result
    return dataclasses.replace(result, hint=_convention_hint(example))


#: The two classic pairings: δ = ∂E/∂net with w − η·δ·x, and δ = −∂E/∂net with w + η·δ·x.
_OTHER_CONVENTION = {
    ("gradient", "subtracted"): ("negative_gradient", "added", "δ = −∂E/∂net, w ← w + η·δ·x"),
    ("negative_gradient", "added"): ("gradient", "subtracted", "δ = ∂E/∂net, w ← w − η·δ·x"),
}


def _convention_hint(example: Example) -> str:
    """One line when every printed number fits the other error-signal convention (never a slip)."""
    c = example.conventions
    other = _OTHER_CONVENTION.get((c.error_signal, c.step))
    if other is None:
        return ""
    flipped = dataclasses.replace(c, error_signal=other[0], step=other[1])
    trial = dataclasses.replace(example, conventions=flipped, at=())
    if not _Checker(trial).run().ok:
        return ""
    return (
        f"the printed numbers fit the other sign convention ({other[2]}): set "
        f'error_signal = "{other[0]}" and step = "{other[1]}" under [conventions]'
    )


# ---- the checker ------------------------------------------------------------------------------


class _Checker:
    def __init__(self, example: Example) -> None:
        self.ex = example
        self.derivation = Model(example)
        self.exact = self.derivation.values
        self.claims = _claims(example, self.derivation.order)
        self.rows: list[Row | None] = [None] * len(self.claims)
        self.by_key: dict[Key, list[int]] = {}
        for n, claim in enumerate(self.claims):
            if claim.inside is None and claim.at is None:
                self.by_key.setdefault(claim.key, []).append(n)
        self.runs: dict[str, dict[int, dict[Key, float]]] = {}

    def run(self) -> Check:
        for n in range(len(self.claims)):
            self.rows[n] = self.judge(n) if self.claims[n].at is None else self.judge_at(n)
        rows, findings = _group(self, [r for r in self.rows if r is not None])
        stated = tuple(self.stated(s) for s in self.ex.stated_losses)
        return Check(
            self.ex, self.derivation, tuple(self.claims), tuple(rows), tuple(findings), stated
        )

    def row(self, n: int) -> Row:
        row = self.rows[n]
        if row is None:  # claims are judged in derivation order, operands first
            raise RuntimeError(f"claim {n} ({self.claims[n].key}) used before it was judged")
        return row

    def truncated(self, n: int) -> bool:
        """A printing cut off rather than rounded: a way of writing, not an operand to follow."""
        slip = self.row(n).slip
        return slip is not None and slip.name == "truncated"

    def wrong(self, n: int) -> bool:
        return self.row(n).verdict in ("differs", "consequence")

    # -- one claim --

    def judge(self, n: int) -> Row:
        claim = self.claims[n]
        printed, exact = claim.printing, self.exact[claim.key]
        if agrees(printed, exact):
            return Row(claim, exact, "agrees", substituted=self.substitution_note(n))
        for pinned, sources in self.replays(n):
            value = self.shown_values(pinned)[claim.key]
            if agrees(printed, value):
                wrong = tuple(s for s in sources if self.wrong(s))
                if wrong:
                    return Row(claim, exact, "consequence", value, wrong)
                return Row(claim, exact, "agrees_rounded", value, self.minimal(n, sources))
        slip, reproduced = self.find_slip(n)
        return Row(claim, exact, "differs", reproduced, slip=slip)

    def shown_values(self, pinned: dict[Key, float]) -> dict[Key, float]:
        """Every value recomputed as the document displays it, from the numbers ``pinned``."""
        return self.derivation.evaluate(pinned, self.derivation.displayed)

    def minimal(self, n: int, sources: tuple[int, ...]) -> tuple[int, ...]:
        """The fewest of ``sources`` whose printed values alone give claim n: the operand that
        causes the drift (the nearest one that suffices on its own, else a minimal set)."""
        claim = self.claims[n]

        def fits(subset: list[int]) -> bool:
            return agrees(claim.printing, self.shown_values(self.pin(subset))[claim.key])

        near = {a: r for r, a in enumerate(self.derivation.ancestors(claim.key, shown=True))}
        ordered = sorted(sources, key=lambda m: near.get(self.claims[m].key, len(near)))
        single = next((m for m in ordered if fits([m])), None)
        if single is not None:
            return (single,)
        keep = list(ordered)
        for m in ordered:
            trial = [s for s in keep if s != m]
            if trial and fits(trial):
                keep = trial
        return tuple(keep)

    # -- claims about later steps --

    def later(self, claim: Claim, slip: Slip | None = None, step: int | None = None) -> float:
        """The claimed quantity in the state the claim is about (``slip`` made on every step)."""
        at = self.ex.at[claim.at or 0]
        name = "" if slip is None else slip.name
        if name not in self.runs:
            steps = sorted(
                {s for a in self.ex.at for s in (a.step - 1, a.step, a.step + 1) if s >= 0}
            )
            formulas = () if slip is None else slip.formulas
            self.runs[name] = self.derivation.run_at(steps, formulas)
        state = self.runs[name][at.step if step is None else step]
        same = (at.step if step is None else step) % self.ex.cycle == at.pattern
        return (state if same else self.derivation.at(state, at.pattern))[claim.key]

    def judge_at(self, n: int) -> Row:
        """A claim after some steps: agrees, or the slip (already found ones first) that
        reproduces it made on every step, or a step count one off; else unexplained."""
        claim = self.claims[n]
        exact = self.later(claim)
        if agrees(claim.printing, exact):
            return Row(claim, exact, "agrees")
        found = [r.slip for r in self.rows[:n] if r is not None and r.slip is not None]
        step = self.ex.at[claim.at or 0].step
        named = [s for s in slips(self.derivation, claim.printing.places) if s.name != "rounded"]
        for slip in self.candidates_at(found, step, named):
            value = self.later(claim, *slip[1:]) if slip[2] >= 0 else float("nan")
            if agrees(claim.printing, value):
                return Row(claim, exact, "differs", value, slip=slip[0])
        return Row(claim, exact, "differs")

    def candidates_at(
        self, found: list[Slip], step: int, named: list[Slip]
    ) -> Iterator[tuple[Slip, Slip | None, int]]:
        """(slip to report, slip to run, step to read): slips already found first, then a step
        count one off (cheap: the same run), then the rest of the catalogue."""
        tried: set[str] = set()
        for slip in found:
            if slip.formulas and slip.name not in tried and slip.name != "rounded":
                tried.add(slip.name)
                yield slip, slip, step
        for other in (step - 1, step + 1):
            words = (
                f"the value after {other:,} update{_s(other)}, not {step:,}: a step counted one off"
            )
            yield Slip("step_count", words, ()), None, other
        for slip in named:
            if slip.formulas and slip.name not in tried:
                tried.add(slip.name)
                yield slip, slip, step

    def substitution_note(self, n: int) -> float | None:
        """What the claim's own substitution gives, when that differs from the printed (right) value."""
        uses = self.uses(n)
        if not uses:
            return None
        shown = self.shown_values(self.pin(uses))[self.claims[n].key]
        return None if agrees(self.claims[n].printing, shown) else shown

    def uses(self, n: int) -> list[int]:
        return [m for m, c in enumerate(self.claims) if c.inside == n]

    def replays(self, n: int) -> Iterator[tuple[dict[Key, float], tuple[int, ...]]]:
        """Ways to recompute claim n from numbers the document prints: (pinned values, their claims)."""
        uses = self.uses(n)
        if uses:
            yield self.pin(uses), tuple(uses)
        printed = [
            m
            for a in self.derivation.ancestors(self.claims[n].key, shown=True)
            for m in self.by_key.get(a, [])
            if not self.truncated(m)
        ]
        wrong = [m for m in printed if self.wrong(m)]
        for m in wrong:
            yield self.pin([m]), (m,)
        if len(wrong) > 1:
            yield self.pin(wrong), tuple(wrong)
        right = _first_per_key(self.claims, [m for m in printed if not self.wrong(m)])
        deps = set(self.derivation.quantities[self.claims[n].key].deps)
        direct = [m for m in right if self.claims[m].key in deps]
        if direct:
            yield self.pin(direct), tuple(direct)
        if right:
            yield self.pin(right), tuple(right)
        every = _first_per_key(self.claims, printed)
        if every != right:
            yield self.pin(every), tuple(every)

    def pin(self, indices: list[int]) -> dict[Key, float]:
        return {self.claims[m].key: self.claims[m].printing.value for m in indices}

    # -- slips --

    def find_slip(self, n: int) -> tuple[Slip | None, float | None]:
        """The slip that reproduces claim n, on exact values or on the document's printed operands.

        A slip already found explains it first (one slip explaining many values beats many
        coincidences); then the catalogue, preferring a slip that changes no printed value that
        is right (one the rest of the document does not contradict).
        """
        claim = self.claims[n]
        places = claim.printing.places
        if _truncates(claim.printing, self.exact[claim.key]):
            words = f"the value truncated, not rounded, to its printed {places} decimals"
            return Slip("truncated", words, (), site=claim.key), self.exact[claim.key]
        operands = self.operands(n)
        for slip in self.found(n):
            value = self.reproduces(slip, claim, operands)
            if value is not None:
                return slip, value
        keep = [m for m in range(len(self.claims)) if m != n and self.right(m)]
        fallback: tuple[Slip | None, float | None] = (None, None)
        for slip in self.catalogue(n):
            value = self.reproduces(slip, claim, operands)
            if value is None:
                continue
            values = self.derivation.evaluate(None, slip.formulas, slip.round_all)
            if all(agrees(self.claims[m].printing, values[self.claims[m].key]) for m in keep):
                return self.located(slip, claim.key), value
            if fallback[0] is None:
                fallback = (self.located(slip, claim.key), value)
        return fallback

    def right(self, m: int) -> bool:
        """Claim m is a published value known to be right: judged so, or exact (if not judged yet)."""
        claim = self.claims[m]
        if claim.inside is not None or claim.at is not None:
            return False
        row = self.rows[m]
        if row is not None:
            return row.verdict in ("agrees", "agrees_rounded")
        return agrees(claim.printing, self.exact[claim.key])

    def found(self, n: int) -> list[Slip]:
        """The slips found for the claims before n, each once, in order of appearance."""
        seen: dict[tuple[object, ...], Slip] = {}
        for row in self.rows[:n]:
            slip = None if row is None else row.slip
            if slip is None or not (slip.formulas or slip.round_all is not None):
                continue
            ident = (slip.name, slip.round_all, tuple(q.key for q in slip.formulas))
            seen.setdefault(ident if slip.name != "rounded" else (*ident, slip.site), slip)
        return list(seen.values())

    def catalogue(self, n: int) -> list[Slip]:
        """Every catalogued slip to try on claim n: named ones, one rounded intermediate, all."""
        claim = self.claims[n]
        places = claim.printing.places
        candidates = [
            *slips(self.derivation, places),
            *rounded_site_slips(self.derivation, claim.key, places),
        ]
        named = [s for s in candidates if s.name != "rounded"]
        site_rounding = [s for s in candidates if s.name == "rounded" and s.site is not None]
        global_rounding = [s for s in candidates if s.name == "rounded" and s.site is None]
        return [s for s in (*named, *site_rounding, *global_rounding) if s.site != claim.key]

    def operands(self, n: int) -> list[dict[Key, float]]:
        """The numbers to make a slip on: none (exact values), then the document's own printed
        operands: those of its substitution, the printed right values it depends on directly,
        and every printed right value it depends on."""
        uses = self.uses(n)
        printed = [
            m
            for a in self.derivation.ancestors(self.claims[n].key, shown=True)
            for m in self.by_key.get(a, [])
            if not self.truncated(m) and not self.wrong(m)
        ]
        right = _first_per_key(self.claims, printed)
        deps = set(self.derivation.quantities[self.claims[n].key].deps)
        direct = [m for m in right if self.claims[m].key in deps]
        found: list[dict[Key, float]] = [{}]
        for group in (uses, direct, right):
            pinned = self.pin(group)
            if pinned and pinned not in found:
                found.append(pinned)
        return found

    def reproduces(
        self, slip: Slip, claim: Claim, operands: list[dict[Key, float]]
    ) -> float | None:
        """The value ``slip`` gives ``claim`` on the first of ``operands`` that reproduces the
        printed number (None if none does); printed operands are used as displayed."""
        exact, *printed = operands
        first = self.derivation.evaluate(exact, slip.formulas, slip.round_all)[claim.key]
        if agrees(claim.printing, first):
            return first
        if not printed:
            return None
        replaced = (*self.derivation.displayed, *slip.formulas)
        for values in self.derivation.evaluate_each(printed, replaced, slip.round_all):
            if agrees(claim.printing, values[claim.key]):
                return values[claim.key]
        return None

    def located(self, slip: Slip, key: Key) -> Slip:
        """The slip with ``site`` set to the replaced quantity that ``key`` depends on (or is)."""
        if slip.site is not None or not slip.formulas:
            return slip
        upstream = {key, *self.derivation.ancestors(key)}
        return slip.at(
            next((f.key for f in slip.formulas if f.key in upstream), slip.formulas[0].key)
        )

    # -- stated losses --

    def stated(self, stated: StatedLoss) -> StatedRow:
        n_layers = len(self.ex.layers)
        output_deltas = [k.delta(n_layers, j) for j in range(self.ex.layers[-1].size)]
        keys = [k.LOSS, k.LOSS.renew(), *output_deltas]
        claims = [m for k in keys for m in self.by_key.get(k, [])]
        if not claims:
            return StatedRow(stated, "unchecked")
        values = self.under_loss(stated.name)
        mismatch = next(
            (m for m in claims if not agrees(self.claims[m].printing, values[self.claims[m].key])),
            None,
        )
        if mismatch is None:
            return StatedRow(stated, "agrees")
        claim = self.claims[mismatch]
        if stated.name == "mse" and all(
            agrees(self.claims[m].printing, self.under_loss("squared_error")[self.claims[m].key])
            for m in claims
        ):
            return StatedRow(stated, "loose", claim.key, claim.printing, values[claim.key])
        return StatedRow(stated, "differs", claim.key, claim.printing, values[claim.key])

    def under_loss(self, name: str) -> dict[Key, float]:
        """Every value had the example used the loss ``name`` (the stated one) instead."""
        m, n_layers = self.derivation.online, len(self.ex.layers)
        formulas = [*loss_quantities(m, name), *loss_quantities(m, name, new=True)]
        for j in range(self.ex.layers[-1].size):
            formulas += output_gradient(m, name, j)
            if name != "cross_entropy":  # its δ = ∂L/∂y·f′, whatever the example's own loss
                formulas.append(chain_delta(n_layers, j))
        return self.derivation.evaluate(None, self.derivation.spread(formulas))


def _claims(example: Example, order: list[Key]) -> list[Claim]:
    """Every printed number, published ones and those inside substitutions, in derivation order."""
    rank = {key: n for n, key in enumerate(order)}
    published = [(key, p) for key, printings in example.published.items() for p in printings]
    published.sort(key=lambda item: rank[item[0]])
    claims: list[Claim] = []
    for key, printing in published:
        inner = [Claim(k, p, -1) for k, p in printing.uses]
        owner = len(claims) + len(inner)
        claims.extend(Claim(c.key, c.printing, owner) for c in inner)
        claims.append(Claim(key, printing))
    for n, at in enumerate(example.at):
        later = [(key, p) for key, printings in at.published.items() for p in printings]
        later.sort(key=lambda item: rank[item[0]])
        claims.extend(Claim(key, printing, None, n) for key, printing in later)
    return claims


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _truncates(printing: Printing, value: float) -> bool:
    """``value`` cut off (not rounded) after the printing's last digit gives the printing."""
    if printing.scientific or not math.isfinite(value) or printing.places > 15:
        return False
    scale = 10.0**printing.places
    scaled = value * scale * (1.0 + 1e-12)
    if not math.isfinite(scaled):  # a finite value near the float limit: IEEE inf when scaled
        return False
    cut = math.trunc(scaled) / scale
    return abs(cut - printing.value) <= 1e-9 / scale


def _first_per_key(claims: list[Claim], indices: list[int]) -> list[int]:
    seen: set[Key] = set()
    first = []
    for m in indices:
        if claims[m].key not in seen:
            seen.add(claims[m].key)
            first.append(m)
    return first


# ---- findings ---------------------------------------------------------------------------------


def _group(checker: _Checker, rows: list[Row]) -> tuple[list[Row], list[Finding]]:
    """Number the findings: one per root cause, in order of first appearance; consequences join it."""
    finding_of: dict[int, int] = {}  # row index -> finding number
    keys: list[object] = []
    members: list[list[int]] = []
    for n, row in enumerate(rows):
        if row.verdict == "differs":
            slip = row.slip
            claim = row.claim
            ident: object = _identity(claim, slip)
            if ident not in keys:
                keys.append(ident)
                members.append([])
            finding_of[n] = keys.index(ident) + 1
            members[finding_of[n] - 1].append(n)
        elif row.verdict == "consequence":
            parents = [finding_of[s] for s in row.sources if s in finding_of]
            if parents:
                finding_of[n] = min(parents)
                members[finding_of[n] - 1].append(n)
    _downstream_roots(checker, rows, members)
    numbered = [
        Row(
            r.claim,
            r.recomputed,
            r.verdict,
            r.reproduced,
            r.sources,
            finding_of.get(n),
            r.substituted,
            r.slip,
        )
        for n, r in enumerate(rows)
    ]
    findings = [
        _finding(checker, numbered, number, members[number - 1])
        for number in range(1, len(keys) + 1)
    ]
    return numbered, findings


def _downstream_roots(checker: _Checker, rows: list[Row], members: list[list[int]]) -> None:
    """Within one finding, a root computed from another root's quantity is its consequence
    (it was computed from the slipped value at full precision rather than from its printing)."""
    for member in members:
        for n in member:
            slip = rows[n].slip
            if rows[n].verdict != "differs" or (slip is not None and slip.name == "truncated"):
                continue
            ancestors = set(checker.derivation.ancestors(rows[n].claim.key))
            above = [
                m
                for m in member
                if m != n
                and rows[m].claim.key in ancestors
                and rows[m].claim.at == rows[n].claim.at
            ]
            if above:
                row = rows[n]
                rows[n] = Row(
                    row.claim,
                    row.recomputed,
                    "consequence",
                    row.reproduced,
                    tuple(above),
                    slip=row.slip,
                )


def _identity(claim: Claim, slip: Slip | None) -> object:
    """Claims with the same identity share one finding: a named slip made throughout (every update's
    sign, every hidden δ) is one root cause; a rounding is one per rounded quantity; an unexplained
    number is one per quantity and printed value."""
    if slip is None:
        return ("unknown", claim.key, claim.printing.text)
    if slip.name == "rounded":
        return (slip.name, slip.site, slip.decimals)
    return (slip.name,)


def _finding(checker: _Checker, rows: list[Row], number: int, member: list[int]) -> Finding:
    roots = tuple(n for n in member if rows[n].verdict == "differs")
    consequences = tuple(n for n in member if rows[n].verdict == "consequence")
    first = rows[roots[0]]
    slip = first.slip
    if slip is None:
        site, site_value, site_exact = first.claim.key, first.claim.printing.value, first.recomputed
    else:
        values = checker.derivation.evaluate(None, slip.formulas, slip.round_all)
        site = first.claim.key if slip.site is None else slip.site
        site_value, site_exact = values[site], checker.exact[site]
    return Finding(
        number,
        slip,
        site,
        site_value,
        site_exact,
        roots,
        consequences,
        _unaffected(checker, rows, member),
    )


def _unaffected(checker: _Checker, rows: list[Row], member: list[int]) -> tuple[int, ...]:
    """Published claims right after the finding's last wrong values that nevertheless agree."""
    used_as_source = {s for n in member for s in rows[n].sources}
    ends = [n for n in member if n not in used_as_source]
    keys = {rows[n].claim.key for n in member}
    found: list[int] = []
    for n in ends:
        claim = rows[n].claim
        if claim.inside is not None:
            continue
        for key in _nearest_printed(checker, claim.key):
            for m in checker.by_key.get(key, []):
                if (
                    key not in keys
                    and rows[m].verdict in ("agrees", "agrees_rounded")
                    and m not in found
                ):
                    found.append(m)
    return tuple(found)


def _nearest_printed(checker: _Checker, key: Key) -> list[Key]:
    """The first published quantities on each path downstream of ``key``."""
    children = checker.derivation.children()
    found: list[Key] = []
    seen: set[Key] = set()
    frontier = list(children.get(key, []))
    while frontier:
        nxt = []
        for child in frontier:
            if child in seen:
                continue
            seen.add(child)
            if child in checker.by_key:
                found.append(child)
            else:
                nxt.extend(children.get(child, []))
        frontier = nxt
    return found
