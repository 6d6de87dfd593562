"""The loader and the schema stage take any text: a located KB1xx problem, never an exception.

Inputs are the committed cards and the yaml-test-suite cases, mutated (see
``strategies``).  Each one is loaded as a topic card from a real file, so
the whole path a card takes in ``kb lint`` is exercised: reading and
decoding, the positioned composer and its limits, the schema, and mapping
schema errors back to positions.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given

from kb.loader import LoadError, load_text
from kb.store import load_kb
from tests.fuzz.strategies import card_texts, fuzz_settings, mutated, tried, yaml_suite_cases


def _assert_loads_cleanly(text: str) -> None:
    tried("loader")
    try:
        loaded = load_text(text)
    except LoadError as err:
        assert err.span.line >= 1 and err.span.col >= 1 and err.message
    else:
        for problem in loaded.problems:
            assert problem.span.line >= 1
    with tempfile.TemporaryDirectory() as tmp:
        topics = Path(tmp) / "topics"
        topics.mkdir()
        (topics / "card.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
        kb = load_kb(Path(tmp))
        lines = max(1, text.count("\n") + 1)
        for p in kb.problems:
            assert p.code.startswith("KB1"), p
            assert 1 <= p.span.line <= lines + 1, (p, lines)
            assert p.message


@fuzz_settings(ci_examples=150)
@given(mutated(card_texts()))
def test_mutated_cards_never_crash_the_loader(text):
    _assert_loads_cleanly(text)


@fuzz_settings(ci_examples=60)
@given(mutated(tuple(y for _, y in yaml_suite_cases()), max_ops=3))
def test_mutated_yaml_suite_cases_never_crash_the_loader(text):
    _assert_loads_cleanly(text)


@pytest.mark.parametrize("ident,text", yaml_suite_cases(), ids=[i for i, _ in yaml_suite_cases()])
def test_every_yaml_suite_case_loads_or_is_a_located_problem(ident, text):
    _assert_loads_cleanly(text)
