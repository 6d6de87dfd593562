"""Benchmark CI sharding: how evenly ``--shard`` splits the work, and what ``kb report merge`` costs.

For each size, a cards root from ``gen_kb.py`` (seeded) in a temporary folder:

* **balance**: the link targets and fact checks of the cards, split by
  :func:`validators.sharding.bucket` into 2, 3 and 4 shards; shown as the
  largest shard over the mean (1.00 is a perfect split; the slowest runner of
  a matrix sets its wall time).  Fact checks are split by sharding key (the
  model they build), so both the checks and the distinct keys are shown;
* **merge cost**: ``kb check --shard i/3`` three times with every URL
  excluded by configuration (so the link stage lists every target, as
  unchecked, without a network) and facts off, then ``kb report merge`` of
  the three reports, against ``kb lint`` of the same cards in the same run
  (the floor: the merge runs the offline rules once more and reads the
  reports).  Fresh processes, median of ``--repeat``.

    python benchmarks/bench_shard.py                 # 100 and 1,000 topics
    python benchmarks/bench_shard.py --sizes 100,1000,10000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from benchmarks.gen_kb import generate  # noqa: E402
from kb.config import KbConfig  # noqa: E402
from kb.store import load_kb  # noqa: E402
from validators.facts import collect_jobs  # noqa: E402
from validators.links.collect import collect_targets  # noqa: E402
from validators.links.extract import extract_occurrences  # noqa: E402
from validators.sharding import bucket, fact_groups, fact_key  # noqa: E402


def _kb(*args: str, cwd: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "kb", *args], cwd=cwd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"kb {' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return took


def balance(keys: list[str], count: int) -> float:
    sizes = [0] * count
    for k in keys:
        sizes[bucket(k, count) - 1] += 1
    mean = len(keys) / count
    return max(sizes) / mean if mean else 1.0


def run_size(topics: int, repeat: int, work: Path) -> dict:
    root = work / f"k{topics}" / "cards"
    generate(root, topics=topics, seed=0)
    (root.parent / "kb.toml").write_text('[links]\nexclude = [".*"]\n', encoding="utf-8")
    kb = load_kb(root)
    targets = [t.key for t in collect_targets(extract_occurrences(kb), KbConfig().links)]
    jobs = collect_jobs(kb)
    groups = fact_groups(job.check for job in jobs)
    checks = [groups[fact_key(job.check)] for job in jobs]  # the sharding key of each check
    row: dict = {"topics": topics, "targets": len(targets), "checks": len(checks), "keys": len(set(checks))}
    for n in (2, 3, 4):
        row[f"links/{n}"] = balance(targets, n)
        row[f"facts/{n}"] = balance(checks, n)
        row[f"keys/{n}"] = balance(sorted(set(checks)), n)

    lint, merge, shards = [], [], []
    for r in range(repeat):
        lint.append(_kb("lint", str(root), "-q", "--format", "json", "-o", str(work / "lint.json"), cwd=root.parent))
        files = []
        for i in (1, 2, 3):
            out = work / f"s{topics}-{i}.json"
            shards.append(_kb("check", str(root), "--shard", f"{i}/3", "--no-facts", "--report", str(out), "-q",
                              "--format", "json", "-o", os.devnull, "--cache-dir", str(work / f"cache{i}"),
                              cwd=root.parent))
            files.append(str(out))
        merge.append(_kb("report", "merge", *files, "--cards", str(root), "-q", "--format", "json",
                         "-o", str(work / "merged.json"), cwd=root.parent))
    merged = json.loads((work / "merged.json").read_text())
    assert len(merged["links"]["results"]) == len(targets)
    row.update(lint=statistics.median(lint), shard=statistics.median(shards), merge=statistics.median(merge),
               report_mb=(work / "merged.json").stat().st_size / 1e6, findings=len(merged["diagnostics"]))
    return row


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--sizes", default="100,1000", help="comma-separated topic counts")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="kb-shard-bench-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            rows.append(run_size(size, args.repeat, Path(tmp)))
            print(f"done: {size} topics", file=sys.stderr)
    print("| topics | link targets | fact checks (keys) | links max/mean, 2/3/4 shards | fact checks max/mean "
          "| fact keys max/mean | kb lint (floor) | one shard | merge of 3 | merge / lint | merged report |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['topics']:,} | {r['targets']:,} | {r['checks']:,} ({r['keys']:,}) "
              f"| {r['links/2']:.2f}, {r['links/3']:.2f}, {r['links/4']:.2f} "
              f"| {r['facts/2']:.2f}, {r['facts/3']:.2f}, {r['facts/4']:.2f} "
              f"| {r['keys/2']:.2f}, {r['keys/3']:.2f}, {r['keys/4']:.2f} "
              f"| {r['lint']:.2f} s | {r['shard']:.2f} s | {r['merge']:.2f} s | {r['merge'] / r['lint']:.2f}x "
              f"| {r['report_mb']:.1f} MB, {r['findings']:,} findings |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
