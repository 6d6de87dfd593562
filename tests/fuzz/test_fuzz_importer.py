"""The importer takes any text: cards that pass the schema (or none, with a KB190 error), never a crash.

Inputs are the seed card and the other text fixtures, mutated.  Every card
the import writes is loaded back the way ``kb lint`` loads it and must show
no KB1xx problem; file names stay short.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from kb.importer import MAX_ID_LENGTH, import_cards
from kb.store import load_kb
from tests.fuzz.strategies import fuzz_settings, import_texts, mutated, tried
from validators.claims import suggest_claims


@fuzz_settings(ci_examples=60)
@given(mutated(import_texts(), window=30), st.integers(0, 3))
def test_mutated_text_cards_import_into_cards_that_lint(text, with_suggestions):
    tried("importer")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "card.txt"
        src.write_text(text, encoding="utf-8", errors="surrogatepass")
        out = Path(tmp) / "cards"
        # the suggester is fuzzed on its own too; here it runs for a quarter of the inputs, to try more of them
        result = import_cards([src], out, suggest=suggest_claims if with_suggestions == 0 else None)
        for p in result.problems:
            assert p.code == "KB190" and p.severity in ("warning", "error") and p.line >= 1
        for path in result.written:
            assert len(path.stem) <= MAX_ID_LENGTH, path.name
        if not result.written:
            # nothing written: an error says why (a text with no title, or no usable id)
            assert any(p.severity == "error" for p in result.problems) or not text.strip()
            return
        kb = load_kb(out)
        assert [f"{p.code} {p.path.name}:{p.span.line} {p.message}" for p in kb.problems] == []
        assert len(kb.topics) == len(result.topics)
