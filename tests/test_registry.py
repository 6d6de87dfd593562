"""Every rule is registered, documented, and its code is a stable public contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from validators.registry import DOC_SECTIONS, all_rules, doc_problems, get_rule, render_doc

CODES_FILE = Path(__file__).parent / "fixtures" / "rule-codes.txt"


def test_rules_are_registered():
    rules = all_rules()
    assert len(rules) >= 19
    assert all(code == rule.code for code, rule in rules.items())


@pytest.mark.parametrize("code", sorted(all_rules()))
def test_rule_is_documented(code):
    rule = all_rules()[code]
    assert doc_problems(rule) == []
    page = render_doc(rule)
    for section in DOC_SECTIONS:
        assert section in page
    assert rule.needs in ("offline", "links", "facts")


def test_codes_are_never_renumbered_or_renamed():
    """Codes published once keep their meaning; new codes may be added."""
    rules = all_rules()
    for line in CODES_FILE.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, name = line.split()
        assert code in rules, f"{code} was removed; codes are never reused or dropped"
        assert rules[code].name == name, f"{code} was renamed from {name}"


def test_rule_lookup_by_code_or_name():
    assert get_rule("kb302").code == "KB302"
    assert get_rule("missing-resource-role").code == "KB302"
    assert get_rule("KB999") is None


def test_names_read_as_the_bad_pattern():
    names = [r.name for r in all_rules().values()]
    assert len(set(names)) == len(names)
