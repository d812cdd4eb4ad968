"""Plant slips from the checker's catalogue in a worked solution, each at its own site.

A catalogued slip acts network-wide (every output δ, every update); a student slips once. So a
planting is one slip's formula at one quantity (its *site*): the model is evaluated with that one
formula swapped in, everything downstream carried forward. K plantings have distinct slips and
distinct sites. A set is kept only when the checker, given every number the solution shows,
finds exactly those K slips at those sites — a key never promises a slip the checker cannot find.
Choices come from ``random.Random(seed)``, tried at most ``MAX_TRIES`` times.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from microgradnet.exercise.display import displayed
from microgradnet.exercise.draw import Exercise
from microgradnet.exercise.judge import judge
from microgradnet.exercise.solution import printed, shown_keys, worked
from microgradnet.exercise.spec import ExerciseError
from microgradnet.tutorial.checker import check
from microgradnet.tutorial.equations import Model, Quantity
from microgradnet.tutorial.formatting import number
from microgradnet.tutorial.keys import Key
from microgradnet.tutorial.slips import Slip, slips
from microgradnet.tutorial.walkthrough import Walkthrough

__all__ = ["MAX_TRIES", "FindTheSlip", "Planting", "candidates", "find_the_slip", "planted"]

MAX_TRIES = 30


@dataclass(frozen=True)
class Planting:
    """One slip made once: the catalogue ``slip`` and its one replaced ``formula`` (at ``site``)."""

    slip: Slip
    formula: Quantity

    @property
    def site(self) -> Key:
        return self.formula.key


@dataclass(frozen=True)
class FindTheSlip:
    """A worked solution with slips planted: the exercise, the plantings (in derivation order)
    and every value as the slipped solution shows it."""

    exercise: Exercise
    plantings: tuple[Planting, ...]
    values: Mapping[Key, float]

    def solution(self) -> Walkthrough:
        """The worked solution as the sheet shows it: each slipped line in its planted formula."""
        return worked(self.exercise.model, self.values, [p.formula for p in self.plantings])


def candidates(model: Model, places: int) -> list[Planting]:
    """Every catalogued named slip at every site it can act on, each formula with the display a
    student making it writes (rounding slips are left out: nothing to see by eye)."""
    return [
        Planting(slip, displayed(model, slip, formula))
        for slip in slips(model, places)
        if slip.name != "rounded"
        for formula in slip.formulas
    ]


def planted(model: Model, plantings: Sequence[Planting]) -> dict[Key, float]:
    """Every value with the plantings' formulas swapped in, downstream values carried forward."""
    return model.evaluate(None, [p.formula for p in plantings])


def find_the_slip(exercise: Exercise, count: int) -> FindTheSlip:
    """A worked solution of ``exercise`` with ``count`` slips the checker finds where planted.

    Raises:
        ExerciseError: ``count`` is more than the distinct slips these options allow, or no set
            of plantings the checker finds was drawn in MAX_TRIES tries.
    """
    model, places = exercise.model, exercise.spec.places
    shown = shown_keys(worked(model, model.values))
    pool = [p for p in candidates(model, places) if _alone(model, shown, p, places)]
    names = sorted({p.slip.name for p in pool})
    if not 1 <= count <= len(names):
        raise ExerciseError(
            f"--slips: expected 1 to {len(names)} for these options ({', '.join(names)}), "
            f"got {count}"
        )
    rng = random.Random(exercise.spec.seed)
    for _ in range(MAX_TRIES):
        chosen = _choose(model, rng, pool, names, count)
        if chosen is not None and _carried(model, chosen) and _found(exercise, chosen):
            order = {key: n for n, key in enumerate(model.order)}
            chosen.sort(key=lambda p: order[p.site])
            return FindTheSlip(exercise, tuple(chosen), planted(model, chosen))
    raise ExerciseError(
        f"found no {count} slips the checker finds for seed {exercise.spec.seed} in "
        f"{MAX_TRIES} tries; ask for fewer slips or another seed"
    )


def _alone(model: Model, shown: list[Key], p: Planting, places: int) -> bool:
    """Planted alone, the slip changes its site's printed number, and judging every shown number
    finds that site wrong, explained by this slip, and nothing else wrong (the cheap filter before
    the checker's verdict on a whole set)."""
    values = planted(model, [p])
    if number(values[p.site], places) == number(model.values[p.site], places):
        return False
    answers = {key: float(number(values[key], places)) for key in shown}
    wrong = [m for m in judge(model, shown, answers, places) if m.verdict != "correct"]
    wrong = [m for m in wrong if m.verdict == "wrong"]
    return [m.key for m in wrong] == [p.site] and p.slip.name in {s.name for s in wrong[0].mistakes}


def _choose(
    model: Model, rng: random.Random, pool: list[Planting], names: list[str], count: int
) -> list[Planting] | None:
    """``count`` plantings of distinct slips at distinct sites, preferring sites that are not
    downstream of one another (a slip on a slipped value is harder to tell from carrying it on)."""
    chosen: list[Planting] = []
    for name in rng.sample(names, count):
        taken = {key for p in chosen for key in (p.site, *model.ancestors(p.site))}
        options = [
            p
            for p in pool
            if p.slip.name == name
            and p.site not in taken
            and not taken & set(model.ancestors(p.site))
        ] or [p for p in pool if p.slip.name == name and p.site not in taken]
        if not options:
            return None
        chosen.append(options[rng.randrange(len(options))])
    return chosen


def _carried(model: Model, chosen: Sequence[Planting]) -> bool:
    """Every slip stays carried forward: a site some shown step reads in the right solution is
    still read (directly or not) by a shown step in the slipped one. (A later planting may not
    drop an earlier site from its formula and so hide it: derivative_dropped at δ⁽²⁾ after σ′ at
    the activation leaves nothing carrying the wrong σ′.) A site nothing reads, such as a final
    update, is seen on its own line."""
    shown = shown_keys(worked(model, model.values, [p.formula for p in chosen]))
    replaced = {p.site: p.formula.deps for p in chosen}
    deps = {key: replaced.get(key, q.deps) for key, q in model.quantities.items()}
    for p in chosen:
        before = [key for key in shown if p.site in model.ancestors(key)]
        if before and not any(_reads(deps, key, p.site) for key in shown):
            return False
    return True


def _reads(deps: Mapping[Key, tuple[Key, ...]], key: Key, site: Key) -> bool:
    """``key`` is computed from ``site``, directly or not, by the formulas ``deps``."""
    seen: set[Key] = set()
    frontier = list(deps[key])
    while frontier:
        dep = frontier.pop()
        if dep == site:
            return True
        if dep not in seen:
            seen.add(dep)
            frontier.extend(deps[dep])
    return False


def _found(exercise: Exercise, chosen: list[Planting]) -> bool:
    """The checker, given every number the slipped solution shows, names exactly these slips at
    these sites and nothing else."""
    model = exercise.model
    values = planted(model, chosen)
    formulas = [p.formula for p in chosen]
    shown = printed(worked(model, values, formulas), values, exercise.spec.places)
    result = check(replace(exercise.example, published=shown))
    found = []
    for finding in result.findings:
        if finding.slip is None:
            return False
        roots = {result.rows[n].claim.key for n in finding.roots}
        found.append((finding.slip.name, finding.site, roots))
    if len(found) != len(chosen):
        return False
    return all(
        any(
            name == p.slip.name and (site == p.site or p.site in roots)
            for name, site, roots in found
        )
        for p in chosen
    )
