"""The positioned loader: spans, safe tags, limits, and hostile inputs."""

from __future__ import annotations

import pytest

from kb.loader import LoadError, load_file, load_text


def test_values_and_keys_keep_their_positions():
    doc = load_text("id: a\nresources:\n  - role: video\n    url: https://x.org/v\n")
    assert doc.data["resources"][0]["url"] == "https://x.org/v"
    span = doc.source.span("resources", 0, "url")
    assert (span.line, span.col) == (4, 10)
    key = doc.source.key_span("resources", 0, "url")
    assert (key.line, key.col) == (4, 5)
    # an unknown path falls back to its nearest ancestor
    assert doc.source.span("resources", 0, "nope") == doc.source.span("resources", 0)


def test_text_span_inside_plain_quoted_and_literal_scalars():
    text = 'a: plain words here\nb: "quoted words"\nc: |\n  first line\n  second MARK line\n'
    doc = load_text(text)
    s = doc.data["a"]
    sp = doc.source.text_span(("a",), s.index("words"), s.index("words") + 5, s)
    assert (sp.line, sp.col) == (1, 10)
    s = doc.data["b"]
    sp = doc.source.text_span(("b",), s.index("words"), s.index("words") + 5, s)
    assert (sp.line, sp.col) == (2, 12)
    s = doc.data["c"]
    sp = doc.source.text_span(("c",), s.index("MARK"), s.index("MARK") + 4, s)
    assert (sp.line, sp.col, sp.end_col) == (5, 10, 14)


def test_scalars_are_typed_like_yaml_but_dates_stay_text():
    doc = load_text("i: 12\nf: 1.5e+3\nb: true\nn: null\nd: 2024-05-01\nh: 0x1F\n")
    assert doc.data == {"i": 12, "f": 1500.0, "b": True, "n": None, "d": "2024-05-01", "h": 31}


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("a: !!python/object/apply:os.system ['true']\n", "!!python/object/apply:os.system"),
        ("a: !!python/name:os.system\n", "!!python/name:os.system"),
        ("a: !custom 1\n", "!custom"),
        ("a: !!binary aGVsbG8=\n", "!!binary"),
    ],
)
def test_unsafe_and_unknown_tags_are_refused(text, fragment):
    with pytest.raises(LoadError) as info:
        load_text(text)
    assert fragment in info.value.message
    assert info.value.span.line == 1


def test_alias_bomb_is_stopped_quickly():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    # 9**9 leaves if expanded; the budget stops it after max_nodes values
    # (how fast that is, against PyYAML's own loader, is in benchmarks/bench_hostile.py)
    with pytest.raises(LoadError) as info:
        load_text("\n".join(lines) + "\n", max_nodes=5_000)
    assert "more than 5,000 values" in info.value.message and "alias bomb" in info.value.message
    assert info.value.span.line == 4  # 9**4 > 5,000: the expansion written on line 4 blows the budget


def test_recursive_alias_is_an_error_not_a_hang():
    with pytest.raises(LoadError) as info:
        load_text("a: &x\n  - *x\n")
    assert info.value.kind == "limit"


def test_duplicate_keys_are_reported_and_last_value_kept():
    doc = load_text("a: 1\nb: 2\na: 3\n")
    assert doc.data["a"] == 3
    assert [(p.span.line, p.span.col) for p in doc.problems] == [(3, 1)]


def test_size_limit_is_checked_before_reading(tmp_path):
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # a sparse 50 MB file: cheap to make
    with pytest.raises(LoadError) as info:
        load_file(big, max_bytes=2 * 1024 * 1024)
    assert "52,428,800 bytes" in info.value.message


def test_binary_and_bad_encoding(tmp_path):
    p = tmp_path / "a.yaml"
    p.write_bytes(b"id: a\ntitle: \xff\xfe\n")
    with pytest.raises(LoadError) as info:
        load_file(p)
    assert "UTF-8" in info.value.message and info.value.span.line == 2
    with pytest.raises(LoadError):
        load_text("id: a\x00\n")


def test_merge_keys_are_refused():
    with pytest.raises(LoadError):
        load_text("base: &b {x: 1}\nc:\n  <<: *b\n")


def _mark_span(doc, path, text_value):
    i = text_value.index("[NOT VERIFIED]")
    sp = doc.source.text_span(path, i, i + len("[NOT VERIFIED]"), text_value)
    return sp.line, sp.col


def test_text_span_in_folded_plain_and_quoted_multiline_scalars():
    src = (
        "summary: this is a long plain scalar that continues\n"
        "  on the next line and has a [NOT VERIFIED] marker\n"
        'quoted: "first line of a quoted string\n'
        '  then a [NOT\n'
        '  VERIFIED] marker split over a fold"\n'
        "folded: >\n"
        "  one two\n"
        "  three [NOT VERIFIED] four\n"
    )
    doc = load_text(src)
    assert _mark_span(doc, ("summary",), doc.data["summary"]) == (2, 30)
    assert _mark_span(doc, ("quoted",), doc.data["quoted"]) == (4, 10)
    sp = doc.source.text_span(("quoted",), doc.data["quoted"].index("[NOT"), doc.data["quoted"].index("]") + 1, doc.data["quoted"])
    assert (sp.end_line, sp.end_col) == (5, 12)
    assert _mark_span(doc, ("folded",), doc.data["folded"]) == (8, 9)


def test_text_span_with_escapes_quotes_and_indent_indicators():
    src = (
        'a: "caf\\u00e9 \\u00e9\\u00e9\\u00e9 x [NOT VERIFIED] y"\n'
        "b: 'it''s ''x'' [NOT VERIFIED] z'\n"
        "c: |2\n"
        "     indented more [NOT VERIFIED]\n"
        "d: one [NOT VERIFIED] and two [NOT VERIFIED]\n"
    )
    doc = load_text(src)
    assert _mark_span(doc, ("a",), doc.data["a"]) == (1, 36)
    assert _mark_span(doc, ("b",), doc.data["b"]) == (2, 17)
    assert _mark_span(doc, ("c",), doc.data["c"]) == (4, 20)
    second = doc.data["d"].rindex("[NOT VERIFIED]")
    sp = doc.source.text_span(("d",), second, second + 14, doc.data["d"])
    assert (sp.line, sp.col) == (5, 31)


def test_unicode_line_separators_do_not_shift_lines():
    doc = load_text('id: a\nsummary: "one\u2028two\x85three"\nbogus: 1\n')
    assert doc.source.key_span("bogus").line == 3


def test_control_character_is_located():
    with pytest.raises(LoadError) as info:
        load_text('id: b\ntitle: B\nsummary: "bell \x07 here"\n')
    assert (info.value.span.line, info.value.span.col) == (3, 16)


def test_yaml_11_sexagesimal_and_loose_timestamps_load():
    doc = load_text("x: 1:30.5\nwhen: 2024-1-5T10:00:00\n")
    assert doc.data == {"x": 90.5, "when": "2024-1-5T10:00:00"}


def test_end_of_file_error_with_crlf_endings():
    with pytest.raises(LoadError) as info:
        load_text('id: a\r\ntitle: A\r\nsummary: "abc\r\n')
    assert (info.value.span.line, info.value.span.col) == (3, 14)
