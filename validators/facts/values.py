"""Stated values: what a number as written means, and how close is close enough.

The precision of what an author wrote decides the tolerance, unless a check
(or ``[tool.kb.facts] default_tolerance``) says otherwise:

* an integer written in full, with no multiplier, exponent, percent sign or
  "x", is exact: ``86,567,656`` matches only 86,567,656;
* any other number is a rounded figure: it holds when the measured value
  rounds to it, i.e. within half a unit of its last written digit
  (``21M`` holds for 20.5M up to 21.5M, ``17.56`` for 17.555 up to 17.565,
  ``1.2e7`` for 11.5M up to 12.5M);
* a number marked approximate (``~``, ``≈``, "about", "around", "roughly")
  also allows rounding of its last digit, one whole unit either way
  (``~3.8B`` holds for 3.7B up to 3.9B, ``~12x`` for 11 up to 13).

Multipliers are read whatever their case (``21m``, ``3.8Bn``, ``1.5 Billion``).
Where a check reads a bare number in some unit (compute values are in G), a
bare number of a million or more is taken as the full count instead, so
``3,628,146,688`` FLOPs is not read as billions of billions.

Nothing here imports torch.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

#: keys in lower case: multipliers are read whatever their case ("3.8Bn", "21m", "1.5 Billion")
MULTIPLIERS = {
    "k": 1e3, "thousand": 1e3,
    "m": 1e6, "million": 1e6, "mil": 1e6,
    "b": 1e9, "g": 1e9, "billion": 1e9, "bn": 1e9,
    "t": 1e12, "trillion": 1e12,
}

#: a compute value written bare at or above this is a full count ("3,628,146,688"), not a
#: number of billions: no model in torchvision needs anywhere near a million GFLOPs
BARE_COUNT_FROM = 1e6

_APPROX = r"(?P<approx>~|≈|∼|(?i:about|around|approximately|approx\.?|roughly|circa|ca\.|nearly|almost))?"
_NUM = r"(?P<num>[+-−]?(?:\d{1,3}(?:[,_ ]\d{3})+|\d+)(?:\.\d+)?(?:[eE][+-−]?\d+)?|[+-−]?\.\d+)"
# a one-letter multiplier must not start a word ("21 bits"), but may precede a unit in
# capitals ("330.3 MB"); the words come first so "bn" is not read as "b" then "n"
_MULT = r"(?P<mult>(?i:thousand|million|billion|trillion|bn|mil)|[kKmMbBgGtT](?![a-z]))?"
STATED_RE = re.compile(rf"^\s*{_APPROX}\s*{_NUM}\s*{_MULT}\s*(?P<unit>(?:[^\d.,\s].*?)?)\s*$")


class StatedValueError(ValueError):
    """A stated value that is not a number we can read."""


@dataclass(frozen=True)
class Stated:
    """A number as written, read: its value, its precision and its marks."""

    text: str
    value: float
    #: half-width of the interval the statement allows, in the value's units
    abs_tol: float
    exact: bool
    approx: bool
    multiplier: float = 1.0
    unit: str = ""
    percent: bool = False
    #: decimal places as written ("17.566G" -> 3), so a measured value is shown as precisely
    places: int = 0

    def holds_for(self, measured: float) -> bool:
        if self.exact:
            return measured == self.value
        # a hair of slack so binary floating point never decides a boundary case
        return abs(measured - self.value) <= self.abs_tol * (1 + 1e-9) + 1e-12 * abs(self.value)

    def with_relative(self, tolerance: float) -> "Stated":
        return Stated(self.text, self.value, abs(self.value) * tolerance, tolerance == 0, self.approx,
                      self.multiplier, self.unit, self.percent, self.places)

    def describe_tolerance(self) -> str:
        if self.exact:
            return "exact"
        return f"±{format_number(self.abs_tol)}"


def _decimal_places(num: str) -> int:
    num = num.lower()
    exp = 0
    if "e" in num:
        num, e = num.split("e")
        exp = int(e.replace("−", "-"))
    if "." in num:
        return len(num.split(".")[1]) - exp
    return -exp


def parse_stated(value: int | float | str, *, bare_multiplier: float = 1.0) -> Stated:
    """Read a stated value.

    ``bare_multiplier`` scales a number written without a multiplier (compute
    checks read a bare ``17.56`` as 17.56 G, like torchvision's GFLOPS column),
    unless it is ``BARE_COUNT_FROM`` or more: then it is the full count.
    """
    if isinstance(value, bool):
        raise StatedValueError(f"{value!r} is not a number")
    if isinstance(value, (int, float)) and abs(value) >= BARE_COUNT_FROM:
        bare_multiplier = 1.0  # a full count, not billions
    if isinstance(value, int):
        shown = f"{value:,}" if bare_multiplier == 1 else f"{value} G"
        return Stated(shown, float(value) * bare_multiplier, 0.0 if bare_multiplier == 1 else 0.5 * bare_multiplier,
                      bare_multiplier == 1, False, bare_multiplier)
    if isinstance(value, float):
        text = repr(value)
        places = _decimal_places(text)
        return Stated(text if bare_multiplier == 1 else f"{text} G", value * bare_multiplier, 0.5 * 10 ** (-places) * bare_multiplier,
                      False, False, bare_multiplier, places=max(places, 0))
    text = str(value).strip()
    m = STATED_RE.match(text)
    if not m:
        raise StatedValueError(f"cannot read {text!r} as a number (write e.g. 86567656, '21M', '~3.8B', '81%')")
    num = m.group("num").replace("−", "-")
    digits = re.sub(r"[,_ ]", "", num)
    try:
        base = float(Decimal(digits))
    except InvalidOperation:  # pragma: no cover - the regex admits only decimals
        raise StatedValueError(f"cannot read {text!r} as a number") from None
    mult_word = m.group("mult")
    unit = (m.group("unit") or "").strip()
    percent = unit.startswith("%")
    times = unit[:1] in ("x", "×", "X") and (len(unit) == 1 or not unit[1].isalpha())
    if mult_word:
        multiplier = MULTIPLIERS[mult_word.lower()]
    elif abs(base) >= BARE_COUNT_FROM:
        multiplier = 1.0  # "3,628,146,688" is the count itself, whatever the check's bare unit
    else:
        multiplier = bare_multiplier
    approx = bool(m.group("approx"))
    places = _decimal_places(digits)
    unit_step = 10 ** (-places) * multiplier
    # scientific notation is a rounded figure: "1.2e7" has two significant digits, so it
    # holds for 11.5M up to 12.5M, like "12M" would
    scientific = "e" in digits.lower()
    exact = (not approx and not mult_word and not percent and not times and not scientific
             and places <= 0 and multiplier == 1)
    if exact:
        tol = 0.0
    elif approx:
        tol = unit_step
    else:
        tol = 0.5 * unit_step
    if not mult_word and multiplier != 1:
        text = f"{text} G"
    return Stated(text, base * multiplier, tol, exact, approx, multiplier, unit, percent, places=max(places, 0))


def format_number(x: float | int) -> str:
    """Readable number: 86,567,656 / 4.09 G / 9.22 / 0.05."""
    if isinstance(x, float) and math.isfinite(x) and x.is_integer() and abs(x) < 1e15:
        x = int(x)
    if isinstance(x, int):
        if abs(x) >= 10**7:
            return f"{x:,} ({format_si(x)})"
        return f"{x:,}"
    if not math.isfinite(x):
        return str(x)
    if abs(x) >= 1e6:
        return format_si(x)
    return f"{x:.6g}"


def format_si(x: float) -> str:
    for mult, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= mult:
            return f"{x / mult:.4g} {suffix}"
    return f"{x:.4g}"


def format_like(measured: float, stated: Stated) -> str:
    """The measured value in the stated value's units, with at least as many decimals as the
    statement: 4.09 G next to ~3.8B, 17.564 G next to 17.566G."""
    if stated.multiplier != 1:
        scaled = measured / stated.multiplier
        suffix = {1e3: "k", 1e6: "M", 1e9: "G", 1e12: "T"}.get(stated.multiplier, "")
        return f"{_at_least(scaled, stated.places, f'{scaled:.4g}')}{' ' + suffix if suffix else ''}"
    shown = format_number(measured)
    if stated.places and not (isinstance(measured, int) or float(measured).is_integer()) and math.isfinite(measured):
        shown = _at_least(float(measured), stated.places, shown)
    return shown


def _at_least(x: float, places: int, shown: str) -> str:
    """``shown``, or ``x`` with ``places`` decimals when ``shown`` has fewer."""
    if "e" in shown.lower() or not math.isfinite(x):
        return shown
    have = len(shown.split(".")[1]) if "." in shown else 0
    return f"{x:.{places}f}" if places > have else shown


_SEPARATORS = re.compile(r"[,_\s]")


@lru_cache(maxsize=1 << 16)  # a knowledge base repeats its numbers: KB402 asks about each one many times
def mantissa(text: str) -> str | None:
    """The digits of a number as written, normalised: '86,567,656' -> '86567656', '3.80' -> '3.8'."""
    cleaned = _SEPARATORS.sub("", text.replace("−", "-")).lstrip("+~≈")
    try:
        d = Decimal(cleaned)
    except InvalidOperation:
        return None
    if d == d.to_integral_value():
        return str(int(d))
    return format(d.normalize(), "f")
