"""A killed ``kb facts`` keeps what it measured: each measurement is committed as it completes.

The cache used to be written once, at the end of the run, so a run killed
part-way left nothing and the next one measured everything again.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.facts.conftest import digest_with, run, write_root

REPO = Path(__file__).resolve().parents[2]

#: enough separate measurements that a run is still busy when the first ones are committed
MODELS = ["vit_l_16", "convnext_large", "efficientnet_b7", "densenet201", "swin_b", "vit_b_16", "resnet152",
          "regnet_y_16gf", "efficientnet_v2_l", "maxvit_t", "swin_v2_b", "wide_resnet101_2"]

CLAIMS = "".join(
    f"  - id: m{n}\n    text: {m} compute\n    check: {{kind: macs, model: {m}, value: 1G, tolerance: 1000, input_size: [3, 384, 384]}}\n"
    for n, m in enumerate(MODELS)
)


def _rows(db_path: Path) -> int:
    if not db_path.is_file():
        return 0
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5) as db:
            return int(db.execute("SELECT count(*) FROM facts").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_a_sigkilled_run_resumes_with_only_the_unfinished_checks(tmp_path):
    root = write_root(tmp_path, {"digests/d.yaml": digest_with(CLAIMS)})
    cache = tmp_path / ".kb-cache"
    db = cache / "facts.sqlite"
    proc = subprocess.Popen(
        [sys.executable, "-m", "kb.cli", "facts", str(root), "--cache-dir", str(cache), "--quiet", "--device", "meta"],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 240
    try:
        while _rows(db) < 2 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "the run ended before it could be killed part-way: " + proc.stderr.read().decode()[-500:]
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    done = _rows(db)
    assert 2 <= done < len(MODELS), done

    _, report, _ = run(root, cache=cache)
    assert report.cached == done
    assert report.measured == len(MODELS) - done, "measured again what the killed run had committed"
    assert _rows(db) == len(MODELS)
