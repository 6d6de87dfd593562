"""Stated values: the precision an author wrote decides the tolerance."""

from __future__ import annotations

import pytest

from validators.facts.values import StatedValueError, mantissa, parse_stated


@pytest.mark.parametrize(
    "written, holds, fails",
    [
        ("86,567,656", [86_567_656], [86_567_655, 86_567_657]),
        (86567656, [86_567_656], [86_567_657]),
        ("21M", [20_500_000, 21_499_999], [22_056_576, 20_400_000]),
        ("~3.8B", [3.7e9, 3.858e9, 3.9e9], [4.089e9, 3.69e9]),
        ("15.3B", [15.25e9, 15.3466e9], [15.47e9]),
        ("~12x", [11.0, 12.9], [9.22]),
        ("81%", [81.48, 80.5], [82.0]),
        ("17.56 GFLOPs", [17.5638e9], [17.57e9]),
        ("about 9.2", [9.22, 9.1], [9.31]),
        ("~1.5 billion", [1.498e9], [1.35e9]),
        (81.072, [81.072], [81.07]),
    ],
)
def test_precision_follows_what_was_written(written, holds, fails):
    stated = parse_stated(written)
    for v in holds:
        assert stated.holds_for(v), (written, v)
    for v in fails:
        assert not stated.holds_for(v), (written, v)


def test_exact_integer_is_exact_and_relative_tolerance_overrides():
    stated = parse_stated("11,689,512")
    assert stated.exact
    assert not stated.holds_for(11_689_513)
    assert stated.with_relative(0.01).holds_for(11_700_000)


def test_bare_compute_number_reads_as_giga():
    assert parse_stated("17.56", bare_multiplier=1e9).holds_for(17.564e9)
    assert parse_stated("17.56", bare_multiplier=1e9).text == "17.56 G"


@pytest.mark.parametrize("bad", ["lots", "", "twelve", "1..2"])
def test_unreadable_values_are_refused(bad):
    with pytest.raises(StatedValueError):
        parse_stated(bad)


def test_mantissa_normalises_digits_as_written():
    assert mantissa("86,567,656") == "86567656"
    assert mantissa("3.80") == "3.8"
    assert mantissa("~12") == "12"
