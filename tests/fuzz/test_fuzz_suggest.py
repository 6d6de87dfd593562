"""The claim suggester takes any key content: a list of claims that fit the schema, never an exception."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kb.schema import Claim
from tests.fuzz.strategies import fuzz_settings, import_texts, key_point_texts, mutated, tried
from validators.claims import suggest_claims


@fuzz_settings(ci_examples=150)
@given(mutated(key_point_texts() + import_texts()), st.sampled_from([None, "ResNet", "", "ViT-B/16"]))
def test_mutated_key_content_gives_valid_claims(text, title):
    tried("suggester")
    claims = suggest_claims(text, title=title, focus=None)
    assert isinstance(claims, list)
    ids = [c["id"] for c in claims]
    assert len(ids) == len(set(ids))
    for c in claims:
        Claim.model_validate(c)
