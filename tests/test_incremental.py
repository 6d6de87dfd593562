"""The lint record (validators.incremental): a re-lint after an edit checks only the changed cards,
and says byte for byte what a cold run says, or does a full run."""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path

import pytest

from kb.cli import main
from kb.config import KbConfig
from kb.graph import build_graph
from kb.loader import LoadedYaml
from validators import engine, incremental
from validators.context import RuleContext
from validators.engine import rule_options
from validators.incremental import PROSE, structure
from validators.registry import all_rules

from tests.kbroots import REPO, case_roots, gen_kb, lint


# --------------------------------------------------------------------------- what counts as prose


def _replace_prose(kind: str, data, salt: str, unread: bool = True):
    """``data`` with every prose string (PROSE) replaced by another one, empty ones by other blanks,
    and (with ``unread``) every unread key (UNREAD) removed."""
    def walk(value, trie, where):
        if trie == "text":
            if not isinstance(value, str):
                return value
            return "\t" if not value.strip() else f"Other prose {salt} {where}: ünïcode, 42 and 0.5 ."
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                inner = trie.get(k, trie.get("*"))
                if inner == "gone" and unread:
                    continue
                if inner == "gone":
                    inner = None
                out[k] = v if inner is None else walk(v, inner, f"{where}.{k}")
            return out
        if isinstance(value, list) and "*" in trie:
            return [walk(v, trie["*"], f"{where}[{i}]") for i, v in enumerate(value)]
        return value

    return walk(data, incremental._TRIES[kind], kind)


def _valid(kind: str, loaded: LoadedYaml) -> bool:
    from pydantic import ValidationError

    from kb.schema import CARD_TYPES

    try:
        CARD_TYPES[kind][1].model_validate(loaded.data)
    except ValidationError:
        return False
    return not loaded.problems


def _whole_graph_findings(root: Path, monkeypatch, salt: str | None, rules=None) -> list[tuple]:
    """Every whole-graph rule's findings on ``root``, loaded as is or with its prose replaced."""
    import kb.store as store

    with monkeypatch.context() as patch:
        if salt is not None:
            parse = store.parse_file

            def replaced(path, **limits):
                loaded = parse(path, **limits)
                if not isinstance(loaded, LoadedYaml):
                    return loaded
                kind = {"topics": "topic", "digests": "digest", "courses": "course"}[path.relative_to(root).parts[0]]
                data = _replace_prose(kind, loaded.data, salt)
                if not (_valid(kind, loaded) and _valid(kind, LoadedYaml(data, loaded.source, loaded.text, loaded.problems))):
                    # a card with a load problem is never reused: removing a broken check or
                    # status would mend it, so only its prose changes
                    data = _replace_prose(kind, loaded.data, salt, unread=False)
                return LoadedYaml(data, loaded.source, loaded.text, loaded.problems)

            patch.setattr(store, "parse_file", replaced)
        kb = store.load_kb(root)
    cfg = KbConfig()
    ctx = RuleContext(kb, build_graph(kb), cfg)
    out = []
    for rule in (rules or all_rules()).values():
        if rule.scope != "kb" or rule.needs != "offline":
            continue
        for f in rule().check(ctx, rule_options(rule, cfg)):
            out.append((rule.code, f.path, f.line, f.col, f.end_line, f.end_col, f.card, f.message, f.hint,
                        repr(f.data), f.at))
    return out


def test_no_whole_graph_rule_reads_prose(tmp_path, monkeypatch):
    """Replacing every prose string (keeping which are empty) changes no whole-graph finding, on the
    committed cards, every rule case file and a generated knowledge base with planted errors: the
    promise the reuse of whole-graph findings rests on."""
    planted = tmp_path / "planted" / "cards"
    gen_kb.generate(planted, topics=200, seed=11, plant_errors=True)
    roots = [REPO / "cards", planted, *(root for _, root in case_roots(tmp_path / "cases"))]
    found_any = 0
    for root in roots:
        before = _whole_graph_findings(root, monkeypatch, None)
        after = _whole_graph_findings(root, monkeypatch, "A")
        assert after == before, f"a whole-graph rule reads prose on {root}"
        found_any += len(before)
    assert found_any > 100  # the rules had something to say
    # and the unread keys were really taken out of many clean cards, not just left for recovery
    from kb.store import parse_file

    mended = 0
    for path in sorted((planted / "digests").glob("*.yaml")):
        loaded = parse_file(path)
        data = _replace_prose("digest", loaded.data, "A")
        if data != _replace_prose("digest", loaded.data, "A", unread=False) and _valid("digest", loaded) \
                and _valid("digest", LoadedYaml(data, loaded.source, loaded.text, loaded.problems)):
            mended += 1
    assert mended > 50


def test_a_whole_graph_rule_that_reads_prose_is_caught(tmp_path, monkeypatch):
    """The check above can fail: a rule reading a topic's summary changes its findings with the prose."""
    root = tmp_path / "cards"
    gen_kb.generate(root, topics=20, seed=3)
    from validators.registry import Rule

    class ReadsSummary(Rule):
        code = "KB299"
        name = "reads-summary"

        def check(self, ctx, options):
            for card in ctx.kb.topics.values():
                yield ctx.at(card, "summary", message=f"summary starts {card.model.summary[:12]!r}")

    rules = {"KB299": ReadsSummary}
    before = _whole_graph_findings(root, monkeypatch, None, rules)
    assert before and _whole_graph_findings(root, monkeypatch, "A", rules) != before


def test_structure_keeps_all_but_prose_and_its_emptiness():
    topic = {"id": "t", "title": "T", "summary": "One.", "prerequisites": ["a"], "level": "beginner",
             "resources": [{"id": "r", "role": "video", "title": "R", "why": "Because.", "url": "https://x.org/"}]}
    same = {**topic, "title": "Other", "summary": "Two\nlines.",
            "resources": [{**topic["resources"][0], "why": "Else.", "url": "https://y.org/"}]}
    assert structure("topic", same) == structure("topic", topic)
    claimed = {**topic, "claims": [{"id": "c", "text": "Has 5 layers. [NOT VERIFIED]"}]}
    verified = {**topic, "claims": [{"id": "c", "text": "Has 5 layers.", "status": "verified",
                                      "evidence": {"method": "read the paper"}, "check": {"kind": "params"}}]}
    assert structure("topic", verified) == structure("topic", claimed)
    assert structure("topic", {**topic, "claims": [{"id": "d", "text": "x"}]}) != structure("topic", claimed)
    for changed in (
        {**topic, "summary": "  "},  # emptiness is kept
        {**topic, "prerequisites": ["a", "b"]},
        {**topic, "level": "advanced"},
        {**topic, "resources": [{**topic["resources"][0], "role": "deep-dive"}]},
        {"title": "T", "id": "t", **{k: v for k, v in topic.items() if k not in ("id", "title")}},  # key order
        {**topic, "prerequisites": [True]},
    ):
        assert structure("topic", changed) != structure("topic", topic), changed
    assert structure("topic", {**topic, "prerequisites": [1]}) != structure("topic", {**topic, "prerequisites": [True]})
    assert set(PROSE) == {"topic", "digest", "course"}


# --------------------------------------------------------------------------- runs


class Runs:
    """``kb lint`` on one cards root: cached (counting full runs) and cold, to compare."""

    def __init__(self, root: Path, out: Path, monkeypatch):
        self.root, self.out, self.cache = root, out, out / "cache"
        self.full_runs = 0
        original = engine.run_rules

        def counting(*args, **kwargs):
            if kwargs.get("cache_dir") is not None:  # not the cold runs
                self.full_runs += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(engine, "run_rules", counting)
        self.declined: str | None = None
        reuse = incremental.LintRecord.reuse

        def noting(record):
            got = reuse(record)
            self.declined = record.declined
            return got

        monkeypatch.setattr(incremental.LintRecord, "reuse", noting)

    def cached(self, fmt: str = "json") -> tuple[int, bytes]:
        return lint(self.root, self.out, "--cache-dir", str(self.cache), fmt=fmt)

    def cold(self, fmt: str = "json") -> tuple[int, bytes]:
        return lint(self.root, self.out, "--no-cache", fmt=fmt)

    def expect(self, *, reused: bool, formats=("json",)) -> None:
        """The next cached run is reused (or not); it, and the runs in the other ``formats`` after it
        (reused: nothing changed since), say what a cold run says."""
        for n, fmt in enumerate(formats):
            before = self.full_runs
            got = self.cached(fmt)
            expected = reused or n > 0
            assert (self.full_runs == before) is expected, f"{fmt}: expected {'a reused' if expected else 'a full'} run ({self.declined})"
            cold = self.cold(fmt)
            assert got == cold, f"{fmt}: the cached run differs from a cold one"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _diags(out: bytes) -> list[dict]:
    return json.loads(out)["diagnostics"]


@pytest.fixture
def planted(tmp_path):
    root = tmp_path / "cards"
    gen_kb.generate(root, topics=150, seed=5, plant_errors=True)
    return root


def _clean_card_with(runs: Runs, codes: set[str], folder: str) -> Path:
    """A card of ``folder`` with a finding of one of ``codes`` and no load problem."""
    diags = _diags(runs.cold()[1])
    bad = {d["path"] for d in diags if d["code"] in ("KB101", "KB102", "KB103")}
    for d in diags:
        if d["code"] in codes and d["path"].startswith(folder) and d["path"] not in bad:
            return runs.root / d["path"]
    raise AssertionError(f"no clean card with {codes}")


def test_prose_edits_reuse_the_record_and_say_what_a_cold_run_says(planted, tmp_path, monkeypatch):
    runs = Runs(planted, tmp_path, monkeypatch)
    assert runs.cached() == runs.cold() and runs.full_runs == 1
    runs.expect(reused=True, formats=("json", "text", "sarif", "junit", "github"))  # nothing changed

    # a topic with whole-graph findings: lines added above them move them
    topic = _clean_card_with(runs, {"KB201", "KB305", "KB206", "KB302"}, "topics/")
    _edit(topic, "\nsummary: |\n  ", "\nsummary: |\n  Added first.\n  Added second.\n  ")
    runs.expect(reused=True, formats=("json", "text", "sarif", "junit"))
    # the next run trusts nothing recent without hashing it, and still reuses
    runs.expect(reused=True)

    # a claim's text in a digest: its card-scoped findings are made again
    digest = _clean_card_with(runs, {"KB401", "KB402"}, "digests/")
    text = digest.read_text(encoding="utf-8")
    claim = re.search(r"\n  - id: [\w-]+\n    text: ([^\n|>][^\n]*)\n", text)
    assert claim is not None
    _edit(digest, claim.group(1), "'Now 12.5% of 3 models, said in 2019; [NOT VERIFIED]'\n")
    runs.expect(reused=True, formats=("json", "text"))

    # two cards at once, one of them a course
    course = next((planted / "courses").glob("*.yaml"))
    _edit(course, "\ntitle: '", "\ntitle: 'Renamed ")
    _edit(topic, "Added first.", "Changed first.\n  And third.")
    runs.expect(reused=True)

    # written again with the same bytes: hashed, found equal
    os.utime(topic, ns=(topic.stat().st_atime_ns, topic.stat().st_mtime_ns + 5_000_000_000))
    runs.expect(reused=True)


def test_other_edits_run_in_full_and_say_what_a_cold_run_says(planted, tmp_path, monkeypatch):
    runs = Runs(planted, tmp_path, monkeypatch)
    runs.cached()
    topic = _clean_card_with(runs, {"KB201", "KB305", "KB206", "KB302"}, "topics/")
    text = topic.read_text(encoding="utf-8")

    _edit(topic, "\nlevel: ", "\nlevel: expert\nx_level: ")  # an unknown key: a schema problem
    runs.expect(reused=False, formats=("json", "text"))
    topic.write_text(text, encoding="utf-8")  # fixed again: the card had a load problem
    runs.expect(reused=False)
    runs.expect(reused=True)

    _edit(topic, "\nprerequisites:\n", "\nprerequisites:\n  - topic-00001\n")
    runs.expect(reused=False)
    topic.write_text(re.sub(r"\nsummary: \|\n(  [^\n]*\n)+", "\nsummary: ' '\n", topic.read_text(encoding="utf-8")),
                     encoding="utf-8")  # prose emptied
    runs.expect(reused=False)
    topic.write_text(text, encoding="utf-8")
    runs.expect(reused=False)

    _edit(topic, "\nid: ", "\nid: [")  # not YAML any more
    runs.expect(reused=False, formats=("json", "text"))
    topic.write_text(text, encoding="utf-8")
    runs.expect(reused=False)

    extra = planted / "topics" / "topic-extra.yaml"
    extra.write_text(text.replace(topic.stem, "topic-extra"), encoding="utf-8")  # a new file
    runs.expect(reused=False)
    extra.unlink()  # and gone again
    runs.expect(reused=False)
    runs.expect(reused=True)


def test_a_change_that_keeps_size_and_time_is_still_seen(planted, tmp_path, monkeypatch):
    runs = Runs(planted, tmp_path, monkeypatch)
    diags = _diags(runs.cold()[1])
    bad = {d["path"] for d in diags if d["code"] in ("KB101", "KB102", "KB103")}
    topic = next(p for p in sorted((planted / "topics").glob("*.yaml"))
                 if f"topics/{p.name}" not in bad and re.search(r"\nlevel: (beginner|advanced)\n", p.read_text(encoding="utf-8")))
    old = topic.stat()
    os.utime(topic, ns=(old.st_atime_ns, old.st_mtime_ns - 10_000_000_000))  # long before the record
    runs.cached()
    old = topic.stat()
    text = topic.read_text(encoding="utf-8")
    level = re.search(r"\nlevel: (beginner|advanced)\n", text)
    assert level is not None
    swapped = {"beginner": "advanced", "advanced": "beginner"}[level.group(1)]  # as long as each other
    changed = text[: level.start(1)] + swapped + text[level.end(1):]
    assert changed != text and len(changed.encode()) == len(text.encode())
    topic.write_text(changed, encoding="utf-8")
    os.utime(topic, ns=(old.st_atime_ns, old.st_mtime_ns))  # size and modification time as recorded
    runs.expect(reused=False)


def test_a_record_that_cannot_be_read_is_ignored(planted, tmp_path, monkeypatch):
    runs = Runs(planted, tmp_path, monkeypatch)
    runs.cached()
    (record,) = runs.cache.glob("lint-*.json")
    for damage in (b"", b"{", b"[]", json.dumps({"format": 1, "key": record.stem[5:], "files": 3}).encode()):
        record.write_bytes(damage)
        runs.expect(reused=False)
    # an older run's record put back (two runs at once, the older one writing last): the files
    # edited since are told from its content hashes, and checked again
    older = record.read_bytes()
    topic = _clean_card_with(runs, {"KB201", "KB305", "KB206", "KB302"}, "topics/")
    _edit(topic, "\nsummary: |\n  ", "\nsummary: |\n  Edited after the older record.\n  ")
    runs.expect(reused=True)
    record.write_bytes(older)
    runs.expect(reused=True)


def test_another_configuration_or_selection_has_its_own_record(planted, tmp_path, monkeypatch):
    runs = Runs(planted, tmp_path, monkeypatch)
    runs.cached()
    config = tmp_path / "kb.toml"
    config.write_text("cards = 'cards'\n[severity]\nKB206 = 'error'\n", encoding="utf-8")
    configured = ("--config", str(config))
    got = lint(planted, tmp_path, "--cache-dir", str(runs.cache), *configured)
    assert got == lint(planted, tmp_path, "--no-cache", *configured) and runs.full_runs == 2
    assert lint(planted, tmp_path, "--cache-dir", str(runs.cache), "--ignore", "KB2")[1] == \
        lint(planted, tmp_path, "--no-cache", "--ignore", "KB2")[1]
    assert runs.full_runs == 3
    assert len(list(runs.cache.glob("lint-*.json"))) == 3
    runs.expect(reused=True)


def test_random_prose_edits(planted, tmp_path, monkeypatch):
    """Edits of random prose in random clean cards, several at a time, lines added and removed."""
    runs = Runs(planted, tmp_path, monkeypatch)
    runs.cached()
    bad = {d["path"] for d in _diags(runs.cold()[1]) if d["code"] in ("KB101", "KB102", "KB103")}
    files = sorted(p for p in planted.rglob("*.yaml") if p.relative_to(planted).as_posix() not in bad)
    rng = random.Random(20261201)
    prose = re.compile(r"\n(\s*)(summary|why|text|focus|key_points|emphasis|strong|weak|gaps): ?([^\n]*)\n")
    edits = 0
    for round_ in range(6):
        for path in rng.sample(files, 3):
            text = path.read_text(encoding="utf-8")
            spots = [m for m in prose.finditer(text) if m.group(3).strip() not in ("", "''", '""', "|", ">")
                     or m.group(3) in ("|", ">")]
            if not spots:
                continue
            m = rng.choice(spots)
            indent = m.group(1)
            if m.group(3) in ("|", ">"):
                new = f"\n{indent}{m.group(2)}: {m.group(3)}\n{indent}  Round {round_}.\n{indent}  Another {rng.random()}.\n"
            else:
                new = f"\n{indent}{m.group(2)}: 'Round {round_}: {rng.randint(1, 999)} of it'\n"
            path.write_text(text[: m.start()] + new + text[m.end():], encoding="utf-8")
            edits += 1
        runs.expect(reused=True)
    assert edits >= 10


def test_prose_edits_in_a_thousand_topics_with_planted_errors(tmp_path, monkeypatch):
    root = tmp_path / "cards"
    gen_kb.generate(root, topics=1000, seed=5, plant_errors=True)
    runs = Runs(root, tmp_path, monkeypatch)
    runs.cached()
    diags = _diags(runs.cold()[1])
    bad = {d["path"] for d in diags if d["code"] in ("KB101", "KB102", "KB103")}
    with_findings = sorted({d["path"] for d in diags if d["path"].startswith("topics/") and d["path"] not in bad})
    assert len(with_findings) >= 5
    for n, rel in enumerate(random.Random(7).sample(with_findings, 5)):
        _edit(root / rel, "\nsummary: |\n  ", f"\nsummary: |\n  Edited {n}.\n  On two lines.\n  ")
    runs.expect(reused=True, formats=("json", "text", "sarif", "junit"))


def test_names_that_are_not_utf8(tmp_path, monkeypatch):
    """A cards root under a folder, and a card file, whose names are not UTF-8 (Linux allows any bytes)."""
    base = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), b"caf\xe9")))
    root = base / "cards"
    gen_kb.generate(root, topics=12, seed=1)
    odd = Path(os.fsdecode(os.path.join(os.fsencode(root / "topics"), b"odd-\xff.yaml")))
    odd.write_text((root / "topics" / "topic-00003.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    runs = Runs(root, out, monkeypatch)
    formats = ("json", "text", "sarif", "junit", "github")
    for fmt in formats:
        assert runs.cached(fmt) == runs.cold(fmt)
    assert b"odd-%FF.yaml" in runs.cold("sarif")[1]  # a URI holds the name's bytes percent-encoded
    runs.expect(reused=True, formats=formats)
    _edit(odd, "\nsummary: |\n  ", "\nsummary: |\n  Edited.\n  ")
    runs.expect(reused=True, formats=formats)


def test_a_configuration_error_reads_as_without_the_cache(tmp_path, capsys):
    root = tmp_path / "cards"
    gen_kb.generate(root, topics=5, seed=1)
    config = tmp_path / "kb.toml"
    config.write_text("cards = 'cards'\n[severity]\nKB999 = 'error'\n[rules.KB302]\nroles = 3\n", encoding="utf-8")
    said = []
    for extra in ((), ("--no-cache",)):
        assert main(["lint", str(root), "--config", str(config), "--cache-dir", str(tmp_path / "cache"), *extra]) == 2
        said.append(capsys.readouterr().err)
    assert said[0] == said[1] and "KB999" in said[0]


def test_verifying_a_claim_reuses_the_record(planted, tmp_path, monkeypatch):
    """The common edit of a digest: a [NOT VERIFIED] claim checked, its status and evidence written."""
    runs = Runs(planted, tmp_path, monkeypatch)
    runs.cached()
    digest = _clean_card_with(runs, {"KB401"}, "digests/")
    text = digest.read_text(encoding="utf-8")
    claim = re.search(r"\n    text: '([^'\n]*)\[NOT VERIFIED\]'\n    status: not-verified\n", text)
    assert claim is not None
    _edit(digest, claim.group(0),
          f"\n    text: '{claim.group(1).rstrip()}'\n    status: verified\n    evidence:\n"
          "      method: read the paper\n      date: '2026-12-01'\n      by: a maintainer\n")
    runs.expect(reused=True, formats=("json", "text", "sarif"))
