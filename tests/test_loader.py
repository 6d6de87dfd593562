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


@pytest.mark.parametrize("before", ["é", "日本", "😀", "é😀"])
def test_control_character_after_non_ascii_text_is_located(before):
    """The C reader reports where a control character is in UTF-8 bytes; positions count characters."""
    with pytest.raises(LoadError) as info:
        load_text(f'id: b\ntitle: {before}{before}\nsummary: "bell \x07 here"\n')
    assert (info.value.span.line, info.value.span.col) == (3, 16)


@pytest.mark.parametrize(
    "text, expected",
    [
        # only true/false (three spellings each) are booleans in YAML 1.2's core schema
        ("title: yes\n", {"title": "yes"}),
        ("a: no\nb: on\nc: off\nd: y\ne: n\nf: Yes\n", {"a": "no", "b": "on", "c": "off", "d": "y", "e": "n", "f": "Yes"}),
        ("a: true\nb: True\nc: TRUE\nd: false\ne: False\nf: FALSE\ng: tRUE\n",
         {"a": True, "b": True, "c": True, "d": False, "e": False, "f": False, "g": "tRUE"}),
        # no sexagesimal numbers, no dates: text as written
        ("title: 1:30\n", {"title": "1:30"}),
        ("x: 1:30.5\nwhen: 2024-1-5T10:00:00\nd: 2024-05-01\n", {"x": "1:30.5", "when": "2024-1-5T10:00:00", "d": "2024-05-01"}),
        # integers: decimal (a leading zero is still decimal), 0o octal, 0x hex; no 0b, no underscores
        ("year: 0o3720\n", {"year": 2000}),
        ("a: 010\nb: 0x1F\nc: -12\nd: +7\n", {"a": 10, "b": 31, "c": -12, "d": 7}),
        ("a: 0b1\nb: 1_000\nc: 0o9\nd: 0X1F\n", {"a": "0b1", "b": "1_000", "c": "0o9", "d": "0X1F"}),
        # floats per the core schema's expressions
        ("a: .inf\nb: -.Inf\nc: +.INF\nd: 1e3\ne: 1.\nf: .5\ng: -2.5E-2\n",
         {"a": float("inf"), "b": float("-inf"), "c": float("inf"), "d": 1000.0, "e": 1.0, "f": 0.5, "g": -0.025}),
        ("a: .infinity\nb: 1.2.3\nc: 1e\n", {"a": ".infinity", "b": "1.2.3", "c": "1e"}),
        # null is null, Null, NULL, ~ or nothing; NUll and none are text
        ("a: ~\nb: null\nc: Null\nd: NULL\ne:\nf: NUll\ng: none\n",
         {"a": None, "b": None, "c": None, "d": None, "e": None, "f": "NUll", "g": "none"}),
        # keys are read the same way: `on` is the text "on", not True
        ("on: x\noff: y\ntrue: z\n1: one\n", {"on": "x", "off": "y", "true": "z", 1: "one"}),
        # quoted and explicitly tagged scalars keep their string type
        ("a: 'true'\nb: \"12\"\nc: !!str 12\nd: ! yes\n", {"a": "true", "b": "12", "c": "12", "d": "yes"}),
    ],
)
def test_plain_scalars_are_read_as_yaml_12_core_schema(text, expected):
    doc = load_text(text)
    assert doc.data == expected
    assert all(type(doc.data[k]) is type(v) for k, v in expected.items())


def test_nan_is_a_float():
    value = load_text("a: .NaN\n").data["a"]
    assert isinstance(value, float) and value != value


@pytest.mark.parametrize("text", ["a: !!bool yes\n", "a: !!int 0b1\n", "a: !!float 1:30\n", "a: !!null My title\n"])
def test_explicit_tags_must_hold_yaml_12_values(text):
    with pytest.raises(LoadError) as info:
        load_text(text)
    assert info.value.span.line == 1 and info.value.span.col == 4


def test_yaml_12_reading_reaches_the_schema(tmp_path):
    """A `title: yes` card is valid (a string); `year: 0o3720` is a year, and `1:30` is no integer."""
    from kb.store import load_kb

    root = tmp_path / "cards"
    (root / "digests").mkdir(parents=True)
    (root / "digests" / "a.yaml").write_text("id: a\nkind: paper\ntitle: yes\nyear: 0o3720\n", encoding="utf-8")
    (root / "digests" / "b.yaml").write_text("id: b\nkind: paper\ntitle: B\nyear: 1:30\n", encoding="utf-8")
    kb = load_kb(root)
    assert kb.digests["a"].model.title == "yes" and kb.digests["a"].model.year == 2000
    assert [(p.code, p.span.line, p.span.col) for p in kb.problems] == [("KB102", 4, 7)]


def test_end_of_file_error_with_crlf_endings():
    with pytest.raises(LoadError) as info:
        load_text('id: a\r\ntitle: A\r\nsummary: "abc\r\n')
    assert (info.value.span.line, info.value.span.col) == (3, 14)


_POSITIONS = """\
id: a
base: &base {role: video, title: "A \\"quoted\\" title", url: 'https://x.org/v'}
resources:
  - *base
  - role: paper
    why: >
      folded
      text
    tags: [one, "two", 'three']
    note: |-
      kept
  - []
  - {}
empty:
"""


def _node_tree_positions(text: str):
    """Each path's offsets, key and style as recorded along the node tree, the loader's reference."""
    from kb import loader

    node = loader._Loader(text).get_single_node()
    builder = loader._Builder(loader.DEFAULT_MAX_NODES, text)
    builder.build(node, 0)
    return loader._node_positions(node, builder)


def test_positions_kept_in_visiting_order_are_those_of_the_node_tree():
    for text in (_POSITIONS, _POSITIONS + "1: integer key\ntrue: boolean key\n"):
        doc = load_text(text)
        doc.source._ensure()
        assert (doc.source.values, doc.source.keys, doc.source.styles) == _node_tree_positions(text)
    assert doc.source.styles[("resources", 0, "title")] == '"'
    assert doc.source.styles[("resources", 1, "note")] == "|"
    assert doc.source.span(1).line == doc.source.span("true").line - 1


def test_positions_come_back_the_same_from_the_parse_cache():
    from kb.filecache import decode, encode

    cached = decode(encode(load_text(_POSITIONS)), _POSITIONS, 1000)
    cached.source._ensure()
    assert (cached.source.values, cached.source.keys, cached.source.styles) == _node_tree_positions(_POSITIONS)


def test_positions_of_a_document_with_duplicate_keys_follow_the_later_key():
    text = "a:\n  x: 1\n  y: 2\na:\n  x: 3\n"
    doc = load_text(text)
    assert doc.source.span("a", "x").line == 5
    assert doc.source.key_span("a").line == 4
    assert doc.source.span("a", "y").line == 3  # the earlier value's part the later one lacks
