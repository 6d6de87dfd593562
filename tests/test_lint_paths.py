"""The fast paths of ``kb lint`` give exactly what a cold serial run gives.

Parsing in worker processes (``--jobs``), reusing the parse cache (cold,
warm, and after a card changed) must never change a byte of the output, on
the committed cards, on every rule case file, and on a generated knowledge
base of 1,000 topics with planted errors. A run killed at a random moment
must leave a cache the next run can use or rebuild, never a wrong result.
"""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kb.filecache import CACHE_FILE

from tests.kbroots import REPO, case_roots, gen_kb, lint

FORMATS = ("text", "json")


def paths(root: Path, out: Path, fmt: str) -> dict[str, tuple[int, bytes]]:
    """The same lint by every path: cold serial is the reference."""
    cache = out / "cache"
    return {
        "serial": lint(root, out, "--no-cache", "--jobs", "1", fmt=fmt),
        "parallel": lint(root, out, "--no-cache", "--jobs", "2", fmt=fmt),
        "cache-cold": lint(root, out, "--cache-dir", str(cache), "--jobs", "1", fmt=fmt),
        "cache-warm": lint(root, out, "--cache-dir", str(cache), "--jobs", "1", fmt=fmt),
        "cache-warm-parallel": lint(root, out, "--cache-dir", str(cache), "--jobs", "2", fmt=fmt),
        # the workers run the card-scoped rules on the cards they parse; the next run reuses the
        # record of the run, then, without it, the findings stored
        "cache-cold-parallel": lint(root, out, "--cache-dir", str(out / "cache-parallel"), "--jobs", "2", fmt=fmt),
        "record-after-parallel": lint(root, out, "--cache-dir", str(out / "cache-parallel"), "--jobs", "1", fmt=fmt),
        "stored-after-parallel": _drop_records(out / "cache-parallel")
        or lint(root, out, "--cache-dir", str(out / "cache-parallel"), "--jobs", "1", fmt=fmt),
    }


def assert_same(results: dict[str, tuple[int, bytes]]) -> None:
    reference = results["serial"]
    for name, got in results.items():
        assert got == reference, f"{name} differs from a cold serial run"


@pytest.mark.parametrize("fmt", FORMATS)
def test_committed_cards(tmp_path, fmt):
    results = paths(REPO / "cards", tmp_path, fmt)
    assert results["serial"][1]  # something was said
    assert_same(results)


def test_rule_case_files(tmp_path):
    seen = 0
    for name, root in case_roots(tmp_path):
        out = root.parent / "out"
        out.mkdir()
        cache = out / "cache"
        serial = lint(root, out, "--no-cache", "--jobs", "1")
        for extra in (("--cache-dir", str(cache)), ("--cache-dir", str(cache)), ("--no-cache", "--jobs", "2")):
            assert lint(root, out, *extra) == serial, f"{name}: {' '.join(extra)} differs from a cold serial run"
        seen += 1
    assert seen > 50


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    root = tmp_path_factory.mktemp("planted") / "cards"
    gen_kb.generate(root, topics=1000, seed=5, plant_errors=True)
    return root


def test_generated_kb_with_planted_errors(planted, tmp_path):
    results = paths(planted, tmp_path, "json")
    assert results["serial"][0] == 1
    assert_same(results)
    # the text format adds code frames read from the cards: the warm parallel path must give the same
    cache = tmp_path / "cache"
    assert lint(planted, tmp_path, "--cache-dir", str(cache), "--jobs", "2", fmt="text") == lint(
        planted, tmp_path, "--no-cache", "--jobs", "1", fmt="text"
    )


def test_one_card_changed_reuses_the_rest_and_says_what_a_cold_run_says(planted, tmp_path):
    root = tmp_path / "cards"
    gen_kb.generate(root, topics=1000, seed=5, plant_errors=True)
    cache = tmp_path / "cache"
    lint(root, tmp_path, "--cache-dir", str(cache))
    card = root / "topics" / "topic-00042.yaml"
    card.write_text(re.sub(r"\nlevel: \w+", "\nlevel: expert", card.read_text(encoding="utf-8"), count=1), encoding="utf-8")
    with sqlite3.connect(cache / CACHE_FILE) as db:
        before = db.execute("SELECT count(*) FROM parsed").fetchone()[0]
    warm = lint(root, tmp_path, "--cache-dir", str(cache))
    with sqlite3.connect(cache / CACHE_FILE) as db:
        after = db.execute("SELECT count(*) FROM parsed").fetchone()[0]
    assert after == before + 1  # only the changed card was parsed again
    assert warm == lint(root, tmp_path, "--no-cache")
    assert b"topic-00042.yaml" in warm[1] and b"expert" not in lint(planted, tmp_path, "--no-cache")[1]


def test_a_damaged_cache_is_rebuilt_and_a_damaged_entry_is_a_miss(tmp_path):
    root = REPO / "cards"
    cache = tmp_path / "cache"
    reference = lint(root, tmp_path, "--no-cache")
    cache.mkdir()
    (cache / CACHE_FILE).write_bytes(b"this is not a database" * 100)
    assert lint(root, tmp_path, "--cache-dir", str(cache)) == reference
    with sqlite3.connect(cache / CACHE_FILE) as db:
        assert db.execute("SELECT count(*) FROM parsed").fetchone()[0] > 0
        db.execute("UPDATE parsed SET value = '{\"data\": 5'")  # every entry cut short
    assert lint(root, tmp_path, "--cache-dir", str(cache)) == reference


def test_a_changed_limit_misses_the_cache(tmp_path):
    root = tmp_path / "cards"
    gen_kb.generate(root, topics=60, seed=2)
    cache = tmp_path / "cache"
    assert lint(root, tmp_path, "--cache-dir", str(cache))[0] == 0
    (tmp_path / "kb.toml").write_text("cards = 'cards'\nmax_nodes = 50\n", encoding="utf-8")
    code, out = lint(root, tmp_path, "--cache-dir", str(cache), "--config", str(tmp_path / "kb.toml"))
    assert code == 1 and b"more than 50 values" in out


def test_killed_runs_leave_a_cache_that_is_used_or_rebuilt(tmp_path):
    """SIGKILL at random points of cold runs; every next run must still print what a cold run prints."""
    root = tmp_path / "cards"
    gen_kb.generate(root, topics=300, seed=9, plant_errors=True)
    cache = tmp_path / "cache"
    reference = lint(root, tmp_path, "--no-cache")
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    rng = random.Random(20261201)
    command = [sys.executable, "-m", "kb", "lint", str(root), "-q", "--format", "json", "--cache-dir", str(cache)]
    # how long a run takes here, so the kills land across the whole of it, the final write included
    started = time.monotonic()
    subprocess.run(command, env=env, capture_output=True, timeout=300)
    duration = time.monotonic() - started
    for attempt in range(8):
        if attempt % 3 == 0:  # a cold cache again, so the big write is what gets killed
            for p in [*cache.glob(CACHE_FILE + "*"), *cache.glob("lint-*.json")]:
                p.unlink()
        proc = subprocess.Popen(command + (["--jobs", "2"] if attempt % 2 else []), env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.05, duration))
        os.killpg(proc.pid, signal.SIGKILL)  # the worker processes too
        proc.wait()
        assert lint(root, tmp_path, "--cache-dir", str(cache)) == reference, f"after kill {attempt}"


@pytest.mark.parametrize("cache", [False, True])
def test_loading_reports_progress_and_ends_with_the_total(tmp_path, cache):
    from kb.store import load_kb

    root = tmp_path / "cards"
    gen_kb.generate(root, topics=300, seed=3)
    calls: list[tuple[int, int]] = []
    kb = load_kb(root, cache_dir=tmp_path / "cache" if cache else None, progress=lambda done, total: calls.append((done, total)))
    total = len(kb.files)
    assert calls[-1] == (total, total)
    assert len(calls) > 2 and all(t == total for _, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


# --------------------------------------------------------------------------- findings reused per card


def _findings(out: bytes) -> list[dict]:
    import json

    return json.loads(out)["diagnostics"]


def test_an_edit_reaches_other_cards_findings_through_the_cache(tmp_path):
    """Whole-graph findings about unchanged cards, and card-scoped findings of an unchanged card that
    a duplicate id now hides, come out as a cold run gives them."""
    root = tmp_path / "cards"
    gen_kb.generate(root, topics=60, seed=2)
    cache = tmp_path / "cache"
    first = lint(root, tmp_path, "--cache-dir", str(cache))
    assert first == lint(root, tmp_path, "--no-cache")
    assert {"digests/digest-00003.yaml", "digests/digest-00000.yaml"} <= {d["path"] for d in _findings(first[1]) if d["code"] == "KB401"}

    # topic-00003 (unchanged) names topic-00001 as a prerequisite: renaming the latter dangles it
    card = root / "topics" / "topic-00001.yaml"
    card.write_text(card.read_text(encoding="utf-8").replace("\nid: topic-00001\n", "\nid: topic-gone\n"), encoding="utf-8")
    warm = lint(root, tmp_path, "--cache-dir", str(cache))
    assert warm == lint(root, tmp_path, "--no-cache")
    assert any(d["code"] == "KB201" and d["path"] == "topics/topic-00003.yaml" for d in _findings(warm[1]))

    # digest-00000 takes digest-00003's id and, loaded first, hides the unchanged digest-00003
    card = root / "digests" / "digest-00000.yaml"
    card.write_text(card.read_text(encoding="utf-8").replace("\nid: digest-00000\n", "\nid: digest-00003\n"), encoding="utf-8")
    warm = lint(root, tmp_path, "--cache-dir", str(cache))
    assert warm == lint(root, tmp_path, "--no-cache")
    assert not any(d["code"] == "KB401" and d["path"] == "digests/digest-00003.yaml" for d in _findings(warm[1]))


def _drop_records(cache: Path) -> None:
    """Remove the records of whole runs (validators.incremental), so the next run reads the finding cache."""
    for record in cache.glob("lint-*.json"):
        record.unlink()


def _plant_a_stored_finding(cache: Path) -> int:
    """Rewrite every stored card entry to hold one KB401 finding no rule would give; returns the count."""
    import json

    row = [1, 1, "planted in the cache", 1, 2, None, None, {}]
    with sqlite3.connect(cache / CACHE_FILE) as db:
        db.execute("UPDATE findings SET value = ?", (json.dumps({"KB401": [row]}),))
        return db.execute("SELECT count(*) FROM findings").fetchone()[0]


def test_stored_findings_are_reused_only_under_the_same_config_code_and_flags(tmp_path, monkeypatch):
    from validators import findingcache

    root = tmp_path / "cards"
    gen_kb.generate(root, topics=30, seed=4)
    cache = tmp_path / "cache"
    reference = lint(root, tmp_path, "--no-cache")
    assert lint(root, tmp_path, "--cache-dir", str(cache)) == reference
    stored = _plant_a_stored_finding(cache)
    assert stored == len(list(root.rglob("*.yaml")))  # one entry per card
    # the same run again reuses them: the planted finding shows (so the cache really is read);
    # without the record of the last run, which would reuse that run's findings as a whole
    _drop_records(cache)
    reused = lint(root, tmp_path, "--cache-dir", str(cache))
    assert reused[1].count(b"planted in the cache") == stored
    # --no-cache reads nothing
    assert lint(root, tmp_path, "--no-cache", "--cache-dir", str(cache)) == reference
    # another configuration misses (here an option of a card-scoped rule)
    (tmp_path / "kb.toml").write_text("cards = 'cards'\n[rules.KB402]\nignore = ['7']\n", encoding="utf-8")
    configured = lint(root, tmp_path, "--cache-dir", str(cache), "--config", str(tmp_path / "kb.toml"))
    assert b"planted in the cache" not in configured[1]
    assert configured == lint(root, tmp_path, "--no-cache", "--config", str(tmp_path / "kb.toml"))
    # so does another selection of rules
    selected = lint(root, tmp_path, "--cache-dir", str(cache), "--ignore", "KB110")
    assert b"planted in the cache" not in selected[1]
    # and another kb version, or another Python, PyYAML or libyaml (the standard library decides
    # what some rules find): each time from a cache whose planted entry is shown to be read first
    for name, other in (("__version__", "0.0.0-other"), ("library_versions", lambda: "CPython-9.9.9:other")):
        fresh = tmp_path / f"cache-{name}"
        assert lint(root, tmp_path, "--cache-dir", str(fresh)) == reference
        _plant_a_stored_finding(fresh)
        _drop_records(fresh)
        assert b"planted in the cache" in lint(root, tmp_path, "--cache-dir", str(fresh))[1]
        monkeypatch.setattr(findingcache, name, other)
        findingcache.code_fingerprint.cache_clear()
        try:
            assert lint(root, tmp_path, "--cache-dir", str(fresh)) == reference, name
        finally:
            monkeypatch.undo()
            findingcache.code_fingerprint.cache_clear()
    # a damaged entry is a miss
    with sqlite3.connect(cache / CACHE_FILE) as db:
        db.execute("UPDATE findings SET value = '{\"KB401\": [[1'")
    _drop_records(cache)
    assert lint(root, tmp_path, "--cache-dir", str(cache)) == reference


def test_a_card_is_keyed_by_the_hash_of_its_bytes_where_the_loader_kept_it(tmp_path):
    """The finding cache keys a card by its file's content hash when the loader has it, by its text
    otherwise, and a key of one kind is never a key of the other."""
    from kb.store import load_kb
    from validators.findingcache import card_key

    root = tmp_path / "cards"
    gen_kb.generate(root, topics=3, seed=1)
    kb = load_kb(root, cache_dir=tmp_path / "cache")
    card = kb.all_cards[0]
    digest = kb.hashes[card.rel]
    by_hash = card_key("settings", kb, card)
    card.text = "id: other\n"  # the hash stands for the text: it alone is read
    assert card_key("settings", kb, card) == by_hash
    kb.hashes[card.rel] = "0" * len(digest)
    assert card_key("settings", kb, card) != by_hash
    del kb.hashes[card.rel]
    by_text = card_key("settings", kb, card)
    card.text = "id: another\n"
    assert card_key("settings", kb, card) != by_text
    for text in (f"b\0{digest}", f"\0b\0{digest}", digest, ""):  # texts that spell the hash part of a key
        card.text = text
        assert card_key("settings", kb, card) != by_hash


def test_workers_run_the_card_scoped_rules_on_the_cards_they_parse(planted, tmp_path, monkeypatch):
    """In a cold parallel run the workers run the card-scoped rules on the cards they parse: the main
    process runs them only on the others (a card hidden by a duplicate id among them), and stores
    exactly what a serial run stores."""
    from kb.store import load_kb
    from validators import findingcache

    shown: list[set[str]] = []
    view = findingcache._view
    monkeypatch.setattr(findingcache, "_view", lambda kb, rels: shown.append(set(rels)) or view(kb, rels))
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    assert lint(planted, tmp_path, "--cache-dir", str(serial), "--jobs", "1") == lint(
        planted, tmp_path, "--cache-dir", str(parallel), "--jobs", "2"
    )
    assert len(shown) == 2
    assert 0 < len(shown[1]) < len(shown[0])
    kb = load_kb(planted)
    hidden = {card.rel for card in kb.all_cards if kb.by_kind(card.kind)[card.id] is not card}
    assert hidden and hidden <= shown[1]
    stored = []
    for cache in (serial, parallel):
        with sqlite3.connect(cache / CACHE_FILE) as db:
            stored.append(sorted(db.execute("SELECT key, value FROM findings")))
    assert stored[0] == stored[1]


def test_the_workers_check_cards_under_the_run_s_configuration(tmp_path):
    """What the workers find follows the run's configuration, here an option of a card-scoped rule."""
    root = tmp_path / "cards"
    gen_kb.generate(root, topics=30, seed=4)
    digest = root / "digests" / "digest-00000.yaml"
    text = digest.read_text(encoding="utf-8")
    digest.write_text(text.replace("key_points: |\n", "key_points: |\n  - It trains in 37 hours on 8 cards.\n"), encoding="utf-8")
    default = lint(root, tmp_path, "--no-cache")
    config = tmp_path / "kb.toml"
    config.write_text("cards = 'cards'\n[rules.KB402]\nignore = ['37', '8']\n", encoding="utf-8")
    reference = lint(root, tmp_path, "--no-cache", "--config", str(config))
    assert reference != default
    assert lint(root, tmp_path, "--cache-dir", str(tmp_path / "cache"), "--jobs", "2", "--config", str(config)) == reference


def test_card_scoped_rules_see_only_their_own_card(tmp_path):
    """What a card-scoped rule finds on the whole knowledge base is what it finds on each card alone,
    on the committed cards and on every rule case file: the contract the reuse rests on."""
    from kb.config import KbConfig
    from kb.graph import build_graph
    from kb.store import load_kb
    from validators.context import RuleContext
    from validators.engine import rule_options
    from validators.findingcache import _view
    from validators.registry import all_rules

    scoped = [r for r in all_rules().values() if r.scope == "card"]
    assert {"KB110", "KB111", "KB112", "KB204", "KB401", "KB402", "KB403"} <= {r.code for r in scoped}
    cfg = KbConfig()
    roots = [("committed", REPO / "cards"), *case_roots(tmp_path)]
    for name, root in roots:
        kb = load_kb(root)
        graph = build_graph(kb)
        for rule in scoped:
            options = rule_options(rule, cfg)
            whole = list(rule().check(RuleContext(kb, graph, cfg), options))
            alone = [f for card in kb.all_cards for f in rule().check(RuleContext(_view(kb, {card.rel}), graph, cfg), options)]
            key = lambda f: (f.path, f.line, f.col, f.message)  # noqa: E731
            assert sorted(whole, key=key) == sorted(alone, key=key), f"{rule.code} on {name}"
            assert all(f.path in {c.rel for c in kb.all_cards} for f in whole)


# --------------------------------------------------------------------------- worker processes and signals


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting to be reaped is not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _start_parallel_lint(root: Path) -> tuple[subprocess.Popen, list[int]]:
    """``kb lint --jobs 2`` in its own process group, once its workers are running (none: it finished first)."""
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "kb", "lint", str(root), "-q", "--no-cache", "--jobs", "2"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    while not (workers := _children(proc.pid)) and proc.poll() is None:
        time.sleep(0.002)
    return proc, workers


def _gone(pids: list[int], within: float = 30.0) -> bool:
    deadline = time.monotonic() + within
    while any(_running(p) for p in pids):
        if time.monotonic() > deadline:
            for p in pids:
                if _running(p):
                    os.kill(p, signal.SIGKILL)
            return False
        time.sleep(0.05)
    return True


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads child processes from /proc")
@pytest.mark.parametrize("delay", [0.0, 0.005, 0.02, 0.1])
def test_ctrl_c_while_workers_parse_says_one_line_and_leaves_no_process(planted, delay):
    """Ctrl-C reaches the whole foreground process group: the workers must leave it to the main
    process, which says 'interrupted' and ends them, never hanging or printing their tracebacks."""
    proc, workers = _start_parallel_lint(planted)
    if not workers:
        pytest.skip("the parse ended before its workers could be seen")
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("kb lint hung after Ctrl-C")
    assert (proc.returncode, err.decode()) == (130, "kb: interrupted\n")
    assert _gone(workers)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads child processes from /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_workers_do_not_outlive_a_killed_main_process(planted, sig):
    """A CI timeout or the OOM killer ends the main process alone: its workers must not stay behind
    (they would also hold its output open, so whoever reads it would wait for ever)."""
    proc, workers = _start_parallel_lint(planted)
    if not workers:
        pytest.skip("the parse ended before its workers could be seen")
    os.kill(proc.pid, sig)
    proc.wait(timeout=60)
    assert _gone(workers)
    proc.stderr.close()


# --------------------------------------------------------------------------- symbolic links


def test_a_symlink_out_of_the_cards_root_is_not_read(tmp_path):
    """A card file that links outside the cards root (to /proc/self/environ, a key, a config file)
    is never read: its text would reach the output, a CI log, as a code frame or in a message."""
    secret = tmp_path / "secret.txt"
    secret.write_text("token: hunter2\n  - not: yaml\n", encoding="utf-8")
    root = tmp_path / "cards"
    gen_kb.generate(root, topics=60, seed=2)
    (root / "topics" / "leak.yaml").symlink_to(secret)
    (root / "topics" / "env.yaml").symlink_to("/proc/self/environ")
    # a link that stays inside the cards root is read as usual
    (root / "shared").mkdir()
    (root / "topics" / "topic-00001.yaml").rename(root / "shared" / "topic-00001.yaml")
    (root / "topics" / "topic-00001.yaml").symlink_to(root / "shared" / "topic-00001.yaml")
    for fmt in ("text", "json"):
        results = paths(root, tmp_path, fmt)
        assert_same(results)
        out = results["serial"][1].decode()
        assert "hunter2" not in out and "PATH=" not in out
    found = {(d["path"], d["code"]): d["message"] for d in _findings(results["serial"][1])}
    for name in ("leak", "env"):
        assert "outside the cards root" in found[(f"topics/{name}.yaml", "KB101")]
    assert not any(path == "shared/topic-00001.yaml" and code.startswith("KB1") for path, code in found)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="limits the address space of a child process")
def test_a_file_over_the_size_limit_is_not_read_for_a_code_frame(tmp_path):
    """The loader refuses a card over the size limit unread; the text format's code frame must not
    read it either (2 GiB here, in a process allowed 1.5 GiB of memory)."""
    import resource

    root = tmp_path / "cards"
    (root / "topics").mkdir(parents=True)
    with open(root / "topics" / "huge.yaml", "wb") as fh:
        fh.write(b"id: huge\nsummary: ")
        fh.truncate(2 << 30)  # sparse: no disk used

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 << 29, 3 << 29))

    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""), "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-m", "kb", "lint", str(root), "--no-cache", "--format", "text"],
                          env=env, capture_output=True, timeout=300, preexec_fn=limit)
    assert proc.returncode == 1, proc.stderr.decode()[-500:]
    assert b"KB101" in proc.stdout and b"over the 2,097,152-byte limit" in proc.stdout
    assert b"> 1 | id: huge" in proc.stdout  # the frame still shows the start of the file


def test_entries_unused_for_a_month_are_swept_by_index(tmp_path):
    from kb.filecache import KEEP_SECONDS, ParseCache

    cache = ParseCache(tmp_path)
    cache.put("old", "{}")
    cache.put("fresh", "{}")
    cache.close()
    with sqlite3.connect(tmp_path / CACHE_FILE) as db:
        db.execute("UPDATE parsed SET used = used - ? WHERE key = 'old'", (KEEP_SECONDS + 60,))
        plan = " ".join(str(row) for row in db.execute("EXPLAIN QUERY PLAN DELETE FROM parsed WHERE used < 5"))
    assert "parsed_used" in plan  # the sweep reads the index, not every row
    idle = ParseCache(tmp_path)  # opened and closed without a read or a write: nothing changes
    idle.close()
    with sqlite3.connect(tmp_path / CACHE_FILE) as db:
        assert {k for (k,) in db.execute("SELECT key FROM parsed")} == {"old", "fresh"}
    used = ParseCache(tmp_path)
    assert set(used.get_many(["fresh"])) == {"fresh"}
    used.close()
    with sqlite3.connect(tmp_path / CACHE_FILE) as db:
        assert {k for (k,) in db.execute("SELECT key FROM parsed")} == {"fresh"}
