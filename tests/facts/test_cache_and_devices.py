"""Caching (a fully cached run never imports torch), devices, and the catalogue against torchvision."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.facts.conftest import digest_with, run, write_root

REPO = Path(__file__).resolve().parents[2]

SMALL = """\
  - id: r18
    text: ResNet-18 has 11,689,512 parameters.
    check: {kind: params, model: resnet18, value: 11689512}
  - id: alexnet-macs
    text: AlexNet needs 0.714 G multiply-adds.
    check: {kind: macs, model: alexnet, value: 0.714G}
  - id: acc
    text: AlexNet top-1 56.522.
    check: {kind: weights_meta, weights: AlexNet_Weights.IMAGENET1K_V1, field: "acc@1", value: 56.522}
  - id: pool
    text: pooling output size
    check: {kind: formula, op: MaxPool2d, formula: "floor((i - k)/s) + 1"}
  - id: wrong
    text: ResNet-18 has 13M parameters.
    check: {kind: params, model: resnet18, value: 13M}
"""

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from kb.config import FactsConfig
    from kb.store import load_kb
    from validators.facts import run_facts
    report = run_facts(load_kb(Path(sys.argv[1])), FactsConfig(), cache_dir=Path(sys.argv[2]), progress=False)
    print(json.dumps({"torch": "torch" in sys.modules, "measured": report.measured, "cached": report.cached,
                      "status": {u: r.status for u, r in report.results.items()}}))
    """
)


def _fresh_process(root: Path, cache: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(root), str(cache)], cwd=REPO, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_cold_then_warm_run_and_warm_never_imports_torch(tmp_path):
    root = write_root(tmp_path, {"digests/d.yaml": digest_with(SMALL)})
    cache = tmp_path / ".kb-cache"
    cold = _fresh_process(root, cache)
    assert cold["torch"] is True and cold["measured"] > 0
    assert (cache / "facts.sqlite").is_file()
    warm = _fresh_process(root, cache)
    assert warm["torch"] is False, "a fully cached run imported torch"
    assert warm["measured"] == 0 and warm["cached"] >= 4
    assert warm["status"] == cold["status"]
    assert warm["status"]["d#wrong"] == "mismatch"


def test_editing_a_claimed_value_needs_no_new_measurement(tmp_path):
    root = write_root(tmp_path, {"digests/d.yaml": digest_with(SMALL)})
    cache = tmp_path / ".kb-cache"
    run(root, cache=cache)
    text = (root / "digests/d.yaml").read_text(encoding="utf-8").replace("value: 13M", "value: 11.7M")
    (root / "digests/d.yaml").write_text(text, encoding="utf-8")
    _, report, _ = run(root, cache=cache)
    assert report.measured == 0
    assert report.results["d#wrong"].status == "ok"


def test_a_torn_cache_file_is_ignored_and_rewritten(tmp_path):
    root = write_root(tmp_path, {"digests/d.yaml": digest_with(SMALL)})
    cache = tmp_path / ".kb-cache"
    cache.mkdir()
    (cache / "facts.sqlite").write_text("{not a database", encoding="utf-8")
    _, report, _ = run(root, cache=cache)
    assert report.results["d#r18"].status == "ok"
    with sqlite3.connect(cache / "facts.sqlite") as db:
        assert db.execute("SELECT count(*) FROM facts").fetchone()[0] >= 4
    _, again, _ = run(root, cache=cache)
    assert again.measured == 0


def test_a_damaged_cache_is_moved_aside_with_its_journal(tmp_path):
    from validators.facts.cache import FactCache

    versions = {"torch": "t", "torchvision": "v"}
    cache = FactCache(tmp_path, versions)
    cache.put({"m": "model", "model": "resnet18"}, {"params": 1})
    cache.save()
    parts = {"": b"SQLite format 2\x00" + b"\x07" * 4080, "-wal": b"old journal", "-shm": b"old index"}
    for suffix, data in parts.items():  # not a database, with the journal files an open run leaves beside it
        (tmp_path / f"facts.sqlite{suffix}").write_bytes(data)
    again = FactCache(tmp_path, versions)
    assert again.enabled and again.problem is None
    # set aside together, so the journal never meets a new database (the -shm index is SQLite's scratch space)
    for suffix in ("", "-wal"):
        assert (tmp_path / f"facts.sqlite.bad{suffix}").read_bytes() == parts[suffix]
    assert (tmp_path / "facts.sqlite.bad-shm").is_file()
    assert not (tmp_path / "facts.sqlite-wal").exists() or (tmp_path / "facts.sqlite-wal").read_bytes() != parts["-wal"]
    assert again.get({"m": "model", "model": "resnet18"}) is None  # a fresh database
    again.put({"m": "model", "model": "resnet18"}, {"params": 2})
    assert again.get({"m": "model", "model": "resnet18"}) == {"params": 2}
    again.save()


def test_a_malformed_database_counts_as_damaged_and_a_locked_one_does_not():
    from validators.facts.cache import _damaged, _locked

    assert _damaged(sqlite3.DatabaseError("database disk image is malformed"))
    assert _damaged(sqlite3.DatabaseError("file is not a database"))
    assert not _damaged(sqlite3.OperationalError("database is locked")) and _locked(sqlite3.OperationalError("database is locked"))


def test_a_locked_cache_is_left_alone_and_off_for_the_run(tmp_path, monkeypatch, capsys):
    import functools

    from validators.facts import runner
    from validators.facts.cache import FactCache

    root = write_root(tmp_path, {"digests/d.yaml": digest_with(SMALL)})
    cache = tmp_path / ".kb-cache"
    _, first, _ = run(root, cache=cache)
    assert first.measured > 0
    capsys.readouterr()
    holder = sqlite3.connect(cache / "facts.sqlite", isolation_level=None)  # another run, mid-write, holding it
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("DELETE FROM facts")
    try:
        assert not FactCache(cache, {"torch": "t"}, timeout=0.1).enabled
        monkeypatch.setattr(runner, "FactCache", functools.partial(FactCache, timeout=0.1))
        _, report, _ = run(root, cache=cache)
        err = capsys.readouterr().err
        assert report.results["d#r18"].status == "ok" and report.cached == 0  # measured again, without the cache
        notes = [line for line in err.splitlines() if "fact cache" in line]
        assert len(notes) == 1 and "locked" in notes[0], err
        assert not list(cache.glob("facts.sqlite.bad*"))  # nothing moved while another run has it open
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    _, warm, _ = run(root, cache=cache)
    assert warm.measured == 0 and warm.cached == first.measured  # the other run's database is intact


def test_default_tolerance_from_config(tmp_path):
    root = write_root(tmp_path, {"digests/d.yaml": digest_with(SMALL)})
    _, report, _ = run(root, config={"facts": {"default_tolerance": 0.15}})
    assert report.results["d#wrong"].status == "ok"  # 13M is within 15% of 11.69M


VIT = """\
  - id: vit-macs
    text: vit_b_16 needs 17.56 GFLOPS.
    check: {kind: macs, model: vit_b_16, value: 17.56G}
"""


def test_cpu_forward_counts_attention_like_meta(tmp_path):
    """On real tensors the fused attention path hides FLOPs; the runner forces the math backend."""
    root = write_root(tmp_path, {"digests/d.yaml": digest_with(VIT)})
    _, report, _ = run(root, device="cpu", cache=tmp_path / "cpu-cache")
    r = report.results["d#vit-macs"]
    assert r.status == "ok", r.message
    assert "built on cpu" in r.message


@pytest.mark.cuda
def test_cuda_device(tmp_path):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    root = write_root(tmp_path, {"digests/d.yaml": digest_with(VIT + SMALL)})
    _, report, _ = run(root, device="cuda", cache=tmp_path / "cuda-cache")
    assert report.results["d#vit-macs"].status == "ok", report.results["d#vit-macs"].message
    assert "built on cuda" in report.results["d#vit-macs"].message
    assert report.results["d#pool"].status == "ok"


def test_cuda_asked_for_without_a_gpu_is_uncheckable_not_a_crash(tmp_path):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    root = write_root(tmp_path, {"digests/d.yaml": digest_with(SMALL)})
    _, report, diags = run(root, device="cuda", cache=tmp_path / "nocuda")
    assert report.results["d#r18"].status == "uncheckable"
    assert any(d.code == "KB602" and "CUDA" in d.message for d in diags)


def test_catalogue_matches_the_installed_torchvision():
    torchvision = pytest.importorskip("torchvision")
    from torchvision.models import get_model_weights, list_models

    from validators.facts.catalog import MODELS

    assert sorted(MODELS) == sorted(list_models())
    for name, (_task, enum, members, default) in MODELS.items():
        try:
            weights = get_model_weights(name)
        except Exception:
            assert enum is None
            continue
        assert weights.__name__ == enum
        assert tuple(m.name for m in weights) == members
        assert weights.DEFAULT.name == default
    assert torchvision.__version__.startswith("0.")


def test_detectors_count_as_their_weights_ship():
    """Every detector's measured parameter count is its weights' num_params (frozen norms where they ship so)."""
    from torchvision.models import detection, get_model_weights, list_models

    from validators.facts import models as model_lib
    from validators.facts.catalog import FROZEN_BACKBONE_NORMS

    names = list_models(module=detection)
    assert FROZEN_BACKBONE_NORMS <= set(names)
    for name in names:
        model, where, _ = model_lib.build(name, {}, "meta")
        counted = sum(p.numel() for p in model.parameters())
        shipped = {w.meta["num_params"] for w in get_model_weights(name)}
        assert (where, counted) in {("meta", n) for n in shipped}, (name, counted, shipped)


def test_our_validators_package_is_the_one_imported():
    import validators

    assert Path(validators.__file__).resolve().parent == REPO / "validators"


EXIT_SCRIPT = textwrap.dedent(
    """
    import atexit, sys
    atexit.register(lambda: print("atexit handlers ran", file=sys.stderr))
    from kb.cli import entry
    entry(sys.argv[1:])
    """
)


@pytest.mark.parametrize("torch_loaded", [True, False])
def test_the_command_leaves_quickly_with_torch_loaded_and_loses_no_output(tmp_path, torch_loaded):
    """With torch loaded, ``kb`` skips the interpreter's teardown; output, files and exit code are whole."""
    root = write_root(tmp_path, {"digests/d.yaml": digest_with(SMALL)})
    args = ["facts", str(root), "--cache-dir", str(tmp_path / "cache"), "--format", "json"]
    if not torch_loaded:  # a warm run never imports torch, so this one exits the ordinary way
        subprocess.run([sys.executable, "-m", "kb", *args], cwd=REPO, capture_output=True, timeout=120,
                       env={**os.environ, "PYTHONPATH": str(REPO)})
    proc = subprocess.run([sys.executable, "-c", EXIT_SCRIPT, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 1, proc.stderr  # the wrong ResNet-18 count is an error
    assert "atexit handlers ran" in proc.stderr
    assert ("4 measured, 0 cached" if torch_loaded else "0 measured, 4 cached") in proc.stderr
    report = json.loads(proc.stdout)  # a pipe: block-buffered, so lost unless flushed before leaving
    assert [(d["code"], d["line"]) for d in report["diagnostics"]] == [("KB601", 21)]
    assert "facts: 5 checks: 4 ok, 1 mismatch" in proc.stderr  # the summary line written last


@pytest.mark.parametrize("torch_loaded", [True, False])
def test_entry_skips_teardown_only_when_torch_is_loaded(monkeypatch, torch_loaded):
    from kb import cli

    left: list[int] = []
    monkeypatch.setattr(cli, "main", lambda argv=None: 3)
    monkeypatch.setattr(cli.os, "_exit", lambda code: (left.append(code), sys.exit(code)))
    monkeypatch.setattr("atexit._run_exitfuncs", lambda: None)  # not this test process's handlers
    if torch_loaded:
        monkeypatch.setitem(sys.modules, "torch", sys.modules.get("torch") or object())
    else:
        monkeypatch.delitem(sys.modules, "torch", raising=False)
    with pytest.raises(SystemExit) as stop:
        cli.entry([])
    assert stop.value.code == 3
    assert left == ([3] if torch_loaded else [])


def test_leaving_quickly_copes_with_a_closed_stdout(monkeypatch):
    """Started with ``>&-``, Python has no sys.stdout at all; leaving must not fail on it."""
    from kb import cli

    left: list[int] = []
    monkeypatch.setattr(cli.os, "_exit", left.append)
    monkeypatch.setattr("atexit._run_exitfuncs", lambda: None)
    monkeypatch.setattr(sys, "stdout", None)
    cli._exit_now(0)
    assert left == [0]
