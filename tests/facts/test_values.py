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


@pytest.mark.parametrize("written", ["3,628,146,688", 3628146688, "3628146688"])
def test_a_full_compute_count_is_not_read_in_billions(written):
    stated = parse_stated(written, bare_multiplier=1e9)
    assert stated.value == 3_628_146_688
    assert stated.exact and stated.multiplier == 1
    assert "G" not in stated.text
    assert stated.holds_for(3_628_146_688)
    assert not stated.holds_for(3_628_146_690)


def test_small_bare_compute_numbers_stay_in_billions():
    assert parse_stated(1.8, bare_multiplier=1e9).value == 1.8e9
    assert parse_stated("999", bare_multiplier=1e9).value == 999e9


@pytest.mark.parametrize(
    "written, holds, fails",
    [
        ("1.2e7", [11_689_512, 12_400_000], [12_600_000, 11_400_000]),
        ("3.8E9", [3.76e9, 3.84e9], [3.86e9]),
        ("1e9", [0.6e9, 1.4e9], [1.6e9]),
    ],
)
def test_scientific_notation_is_rounded_to_its_written_precision(written, holds, fails):
    stated = parse_stated(written)
    assert not stated.exact
    for v in holds:
        assert stated.holds_for(v), (written, v)
    for v in fails:
        assert not stated.holds_for(v), (written, v)


@pytest.mark.parametrize(
    "written, value",
    [
        ("3.8Bn", 3.8e9), ("3.8BN", 3.8e9), ("3.8 bn", 3.8e9), ("1.5 Billion", 1.5e9),
        ("2.5 MILLION", 2.5e6), ("21m", 21e6), ("3.8b", 3.8e9), ("12K", 12e3), ("0.0117Bn", 11.7e6),
    ],
)
def test_multipliers_are_read_in_any_case(written, value):
    stated = parse_stated(written)
    assert stated.value == pytest.approx(value)
    assert stated.unit == ""


def test_a_multiplier_before_a_unit_in_capitals_is_still_a_multiplier():
    stated = parse_stated("330.3 MB")
    assert stated.multiplier == 1e6 and stated.unit == "B"
    assert parse_stated("21 bits").value == 21  # a letter that starts a word is not a multiplier
