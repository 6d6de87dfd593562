"""Output-size formulas: which variables they use, and how they compare with an op over a grid.

The variables follow the convolution-arithmetic literature: ``i`` input
size, ``k`` kernel, ``s`` stride, ``p`` padding, ``d`` dilation and ``a``
output padding (transposed convolutions).  A variable the formula does not
use is held at its neutral value (s=1, p=0, d=1, a=0), so "o = (i - k) + 1"
is tried for stride 1 and no padding only, which is what such a formula
claims.  ``where`` defines variables from others ("same" padding is
p = floor(k/2)).

The comparison walks the grid smallest first (by the sum of the values), so
the first disagreement found is the smallest counterexample; at most
``max_cases`` combinations are tried, generated one at a time, so a large grid
costs no more than a small one.  The op itself
is passed in (:mod:`validators.facts.measure` runs the real torch op); this
module does not import torch.
"""

from __future__ import annotations

import heapq
from typing import Any, Callable, Iterator

from kb.checks import MAX_GRID_VALUE, MAX_GRID_VALUES  # the schema's limits, enforced again for direct callers
from validators.facts.expr import Expression, ExpressionError, normalise_math

#: grid defaults; a variable the formula does not use is held at its neutral value
FORMULA_GRID = {"i": list(range(1, 17)), "k": [1, 2, 3, 4, 5], "s": [1, 2, 3], "p": [0, 1, 2], "d": [1, 2, 3], "a": [0, 1, 2]}
FORMULA_NEUTRAL = {"s": 1, "p": 0, "d": 1, "a": 0}
FORMULA_VARS = ("i", "k", "s", "p", "d", "a")

#: (op name, input size, {k, s, p, d, a}, op kwargs) -> output size; raises RuntimeError/ValueError when the op refuses
OpRunner = Callable[[str, int, dict[str, int], dict[str, Any]], int]


class FormulaProblem(ValueError):
    """A formula that cannot be checked as written (unknown variable, unsupported op option)."""


def formula_variables(formula: str, where: dict[str, str]) -> tuple[Expression, dict[str, Expression], list[str]]:
    """Parse the formula and its definitions; return the free variables that are varied."""
    text = normalise_math(formula)
    if "=" in text:  # "o = ..." or "o' = ...": keep the right-hand side
        text = text.split("=")[-1]
    expr = Expression(text)
    defs = {name: Expression(normalise_math(src)) for name, src in where.items()}
    used = set(expr.names)
    for name, e in defs.items():
        used |= e.names
    free = [v for v in FORMULA_VARS if v in used and v not in defs]
    unknown = sorted(n for n in used if n not in FORMULA_VARS and n not in defs)
    if unknown:
        raise FormulaProblem(
            f"formula uses {', '.join(unknown)}; allowed variables are i (input), k (kernel), s (stride), "
            "p (padding), d (dilation), a (output padding), or names defined under 'where'"
        )
    return expr, defs, free


def smallest_combinations(values: dict[str, list[int]], limit: int) -> Iterator[dict[str, int]]:
    """The ``limit`` smallest combinations of the grid, by (sum, values in order), one at a time.

    The grid's full product can be astronomically large (30 values for each of
    six variables is 729 million combinations), so it is never built: a
    best-first walk over index tuples yields the combinations in order and
    keeps at most ``limit`` times the number of variables in memory.  Each list
    must be sorted and free of duplicates, so stepping one index up always
    gives a strictly larger sum and every combination is reached from one
    already yielded.
    """
    names = list(values)
    lists = [values[n] for n in names]
    if limit < 1 or any(not vals for vals in lists):
        return

    def entry(idx: tuple[int, ...]) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
        picked = tuple(vals[i] for vals, i in zip(lists, idx))
        return sum(picked), picked, idx

    start = (0,) * len(lists)
    heap = [entry(start)]
    seen = {start}
    produced = 0
    while heap and produced < limit:
        _, picked, idx = heapq.heappop(heap)
        yield dict(zip(names, picked))
        produced += 1
        for pos in range(len(idx)):
            if idx[pos] + 1 < len(lists[pos]):
                nxt = idx[:pos] + (idx[pos] + 1,) + idx[pos + 1:]
                if nxt not in seen:
                    seen.add(nxt)
                    heapq.heappush(heap, entry(nxt))


def check_formula(*, op: str, formula: str, where: dict[str, str], grid: dict[str, list[int]],
                  op_kwargs: dict[str, Any], max_cases: int, run_op: OpRunner) -> dict[str, Any]:
    """Compare ``formula`` with the real op over a grid; report the smallest counterexample."""
    try:
        expr, defs, free = formula_variables(formula, where)
    except ExpressionError as exc:
        raise FormulaProblem(f"cannot read the formula: {exc}") from None
    if op.startswith("AvgPool") and ("d" in free or "d" in defs):
        raise FormulaProblem("AvgPool has no dilation; drop d from the formula or use MaxPool")
    if not op.startswith("ConvTranspose") and ("a" in free or "a" in defs):
        raise FormulaProblem("output padding (a) exists only for transposed convolutions")
    if "i" not in free and "i" not in defs:
        raise FormulaProblem("the formula does not use the input size i")
    values = {v: sorted(set(grid.get(v, FORMULA_GRID[v]))) for v in free}
    for v, vals in values.items():
        if not vals:
            raise FormulaProblem(f"the grid gives no values for {v}")
        if len(vals) > MAX_GRID_VALUES:
            raise FormulaProblem(f"the grid gives {len(vals)} values for {v}; at most {MAX_GRID_VALUES} are tried")
        if any(abs(x) > MAX_GRID_VALUE for x in vals):
            raise FormulaProblem(f"grid values for {v} must lie within ±{MAX_GRID_VALUE}")
    combos = list(smallest_combinations(values, max_cases))
    checked = skipped = 0
    for combo in combos:
        env: dict[str, Any] = {**FORMULA_NEUTRAL, **combo}
        try:
            for name, e in defs.items():
                env[name] = e.evaluate(env)
            expected = expr.evaluate(env)
        except ExpressionError:
            skipped += 1
            continue
        full = {v: int(env[v]) if v in env else FORMULA_NEUTRAL.get(v, 0) for v in ("k", "s", "p", "d", "a")}
        if full["k"] < 1 or full["s"] < 1 or full["d"] < 1 or full["p"] < 0 or full["a"] < 0:
            skipped += 1
            continue
        try:
            actual = run_op(op, int(env["i"]), full, op_kwargs)
        except (RuntimeError, ValueError):
            # torch refuses this combination (output would be empty, padding too large...):
            # nothing to compare
            skipped += 1
            continue
        checked += 1
        if expected != actual:
            shown = {v: int(env[v]) for v in ("i", *[n for n in ("k", "s", "p", "d", "a") if n in free or n in defs])}
            return {
                "ok": False, "checked": checked, "skipped": skipped, "cases": len(combos),
                "counterexample": {**shown, "formula": _plain(expected), "torch": actual},
            }
    if checked == 0:
        raise FormulaProblem("no combination of the grid is valid for the op; widen the grid")
    return {"ok": True, "checked": checked, "skipped": skipped, "cases": len(combos), "counterexample": None}


def _plain(v: Any) -> Any:
    from fractions import Fraction

    if isinstance(v, Fraction):
        return int(v) if v.denominator == 1 else float(v)
    return v
