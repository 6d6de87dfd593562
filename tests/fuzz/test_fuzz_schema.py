"""The schema takes any data: a ValidationError (mapped to a position), never another exception.

A committed card's data has one part replaced with arbitrary data (or
removed, or a field added); the model must reject or accept it cleanly, and
the same data written as YAML must load with located problems only.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path

import yaml
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from kb.schema import Course, Digest, Topic
from kb.store import load_kb
from tests.fuzz.strategies import card_texts, fuzz_settings, tried

_CARDS = [(yaml.safe_load(t), t) for t in card_texts()]
_MODELS = {"topics": Topic, "digests": Digest, "courses": Course}

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20)
    | st.sampled_from(["", "x" * 500, "not-a-slug!", "1e3", "NaN", "intro", "paper", "params", "flops", "-1"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


@st.composite
def broken_cards(draw):
    data, _ = draw(st.sampled_from(_CARDS))
    data = copy.deepcopy(data)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        holder = data
        for part in path[:-1]:
            holder = holder[part]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            holder[path[-1]] = draw(values)
        elif action == "delete":
            del holder[path[-1]]
        elif isinstance(holder, dict):
            holder[draw(st.text(min_size=1, max_size=10))] = draw(values)
    return data


def _model_for(data) -> type:
    if isinstance(data, dict) and "modules" in data:
        return Course
    if isinstance(data, dict) and "kind" in data:
        return Digest
    return Topic


@fuzz_settings(ci_examples=150)
@given(broken_cards())
def test_broken_card_data_is_a_validation_error_or_a_card(data):
    tried("schema")
    model = _model_for(data)
    try:
        model.model_validate(data)
    except ValidationError as err:
        assert err.errors()
    folder = {Topic: "topics", Digest: "digests", Course: "courses"}[model]
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / folder).mkdir()
        (Path(tmp) / folder / "card.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8",
                                                     errors="surrogatepass")
        kb = load_kb(Path(tmp))
        for p in kb.problems:
            assert p.code.startswith("KB1") and p.span.line >= 1 and p.message, p
