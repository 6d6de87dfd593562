"""How ``kb lint`` scales: 100, 1,000 and 10,000 generated topics, against floors and peers in the same run.

    python benchmarks/bench_lint.py [--sizes 100,1000,10000] [--repeats 3] [--no-peers]

For each size it generates a knowledge base (``benchmarks/gen_kb.py``: five
resources a topic, half as many digests, a course per 50 topics) under a
temporary folder and measures, each as the median of ``--repeats`` runs:

* **floor**: PyYAML's C composer (``yaml.compose`` with ``CSafeLoader``) over
  every card file, in this process: the least any YAML reader with positions
  can do, without a schema, a graph or a rule;
* **cold**: ``kb lint`` in a fresh process with an empty cache (``--jobs 1``,
  and with the default ``--jobs 0``, which picks workers from the work), and
  with ``--no-cache``; its peak memory (the largest resident set of the
  process and its workers);
* **warm, one card changed**: ``kb lint`` after a full run filled the cache
  and one topic card's summary was edited, the pre-commit case (only prose
  changed: the record of the last run is reused, see
  ``validators/incremental.py``); and after its level was changed as well
  (its structure changed: every card is loaded again, from the parse cache);
* **peers** (unless ``--no-peers``): check-jsonschema validating the same
  files against the schemas ``kb schema`` exports (it checks each file's
  shape only, strictly less than kb does), and yamllint (``relaxed``) on the
  same files.

Times are wall-clock seconds on whatever else the machine is doing; the
ratios to the floor and to the peers, measured in the same run, are what to
compare between machines. Nothing is asserted: read the table, then record it
in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

import gen_kb  # noqa: E402

BIN = Path(sys.executable).parent


def _env() -> dict[str, str]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("GITHUB_ACTIONS", None)
    env.pop("KB_CACHE_DIR", None)
    return env


def run(cmd: list[str]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, peak resident KiB) of one command and the worker processes it waited for."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd[:4])}... failed ({proc.returncode}): {stderr.strip()[-500:]}")
    # ru_maxrss is in KiB on Linux: the largest of the process and its waited-for children
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def kb_lint(root: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "kb", "lint", str(root), "-q", "--format", "json", "-o", os.devnull, *extra]


def composer_floor(root: Path) -> tuple[float, float]:
    """(wall, CPU) seconds to read and compose every card file with PyYAML's C composer, in this process."""
    import yaml

    started, cpu = time.perf_counter(), time.process_time()
    for path in sorted(root.rglob("*.yaml")):
        yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    return time.perf_counter() - started, time.process_time() - cpu


def median(values: list[float]) -> float:
    return statistics.median(values)


def bench_size(n: int, work: Path, repeats: int, peers: bool) -> dict[str, float | int | None]:
    root = work / f"kb-{n}" / "cards"
    gen_kb.generate(root, topics=n, seed=0)
    files = sum(1 for _ in root.rglob("*.yaml"))
    row: dict[str, float | int | None] = {"topics": n, "files": files}
    floors = [composer_floor(root) for _ in range(repeats)]
    row["floor_s"] = median([w for w, _ in floors])
    row["floor_cpu_s"] = median([c for _, c in floors])

    runs: dict[str, list[tuple[float, float, int]]] = {
        "cold": [], "cold_auto": [], "nocache": [], "warm": [], "warm_structure": []
    }
    card = root / "topics" / "topic-00000.yaml"
    original = card.read_text(encoding="utf-8")
    for r in range(repeats):
        cache = work / f"cache-{n}-{r}"
        runs["cold"].append(run(kb_lint(root, "--cache-dir", str(cache), "--jobs", "1")))
        # one card changed: the pre-commit case
        edited = original.replace("\nsummary: |\n  ", f"\nsummary: |\n  Edit {r}. ", 1)
        card.write_text(edited, encoding="utf-8")
        runs["warm"].append(run(kb_lint(root, "--cache-dir", str(cache))))
        # the same card's level changed too: a whole-graph rule (KB305) reads it
        level = re.search(r"\nlevel: (\w+)\n", edited)
        assert level is not None
        other = "advanced" if level.group(1) != "advanced" else "beginner"
        card.write_text(edited[: level.start(1)] + other + edited[level.end(1):], encoding="utf-8")
        runs["warm_structure"].append(run(kb_lint(root, "--cache-dir", str(cache))))
        card.write_text(original, encoding="utf-8")
        shutil.rmtree(cache, ignore_errors=True)
        runs["cold_auto"].append(run(kb_lint(root, "--cache-dir", str(cache), "--jobs", "0")))
        shutil.rmtree(cache, ignore_errors=True)
        runs["nocache"].append(run(kb_lint(root, "--no-cache", "--jobs", "1")))
    for name, results in runs.items():
        row[f"{name}_s"] = median([w for w, _, _ in results])
        row[f"{name}_cpu_s"] = median([c for _, c, _ in results])
    row["peak_mib"] = max(m for results in runs.values() for _, _, m in results) / 1024
    row["cold_vs_floor"] = row["cold_s"] / row["floor_s"]  # type: ignore[operator]
    row["best_cold_vs_floor"] = min(row["cold_s"], row["cold_auto_s"], row["nocache_s"]) / row["floor_s"]  # type: ignore[operator,type-var]
    row["cold_cpu_vs_floor"] = row["nocache_cpu_s"] / row["floor_cpu_s"]  # type: ignore[operator]
    row["check_jsonschema_s"] = row["yamllint_s"] = None
    if peers:
        schemas = work / "schemas"
        if not schemas.is_dir():
            subprocess.run([sys.executable, "-m", "kb", "schema", "--out", str(schemas), "-q"], env=_env(), check=True)
        check = BIN / "check-jsonschema"
        if check.exists():
            total = 0.0
            for kind, sub in (("topic", "topics"), ("digest", "digests"), ("course", "courses")):
                paths = [str(p) for p in sorted((root / sub).glob("*.yaml"))]
                total += run([str(check), "--schemafile", str(schemas / f"{kind}.schema.json"), *paths])[0]
            row["check_jsonschema_s"] = total
        yamllint = BIN / "yamllint"
        if yamllint.exists():
            row["yamllint_s"] = run([str(yamllint), "-d", "relaxed", "-f", "parsable", str(root)])[0]
    return row


def render(rows: list[dict]) -> str:
    def f(v: float | None, fmt: str = "{:.2f}") -> str:
        return "-" if v is None else fmt.format(v)

    lines = [
        "| topics | files | C composer floor, s (CPU) | cold --jobs 1, s (CPU) | cold --jobs 0, s (CPU) | cold --no-cache, s (CPU) "
        "| cold / floor, best wall (CPU) | one card's prose changed, s (CPU) | its structure changed, s (CPU) | peak MiB "
        "| check-jsonschema, s | kb faster by | yamllint, s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        faster = None
        if r["check_jsonschema_s"] is not None:
            faster = r["check_jsonschema_s"] / min(r["cold_s"], r["cold_auto_s"])
        pair = lambda k: f"{f(r[k + '_s'])} ({f(r[k + '_cpu_s'])})"  # noqa: E731
        lines.append(
            f"| {r['topics']:,} | {r['files']:,} | {pair('floor')} | {pair('cold')} | {pair('cold_auto')} | {pair('nocache')} "
            f"| {f(r['best_cold_vs_floor'])}x ({f(r['cold_cpu_vs_floor'])}x) | {pair('warm')} | {pair('warm_structure')} "
            f"| {f(r['peak_mib'], '{:.0f}')} "
            f"| {f(r['check_jsonschema_s'])} | {f(faster, '{:.1f}x')} | {f(r['yamllint_s'])} |"
        )
    if len(rows) >= 2:
        a, b = rows[-2], rows[-1]
        lines.append("")
        lines.append(
            f"{a['topics']:,} -> {b['topics']:,} topics ({b['topics'] / a['topics']:.0f}x): cold lint (--no-cache, CPU) grew "
            f"{b['nocache_cpu_s'] / a['nocache_cpu_s']:.1f}x, the floor {b['floor_cpu_s'] / a['floor_cpu_s']:.1f}x."
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="100,1000,10000", help="comma-separated topic counts")
    p.add_argument("--repeats", type=int, default=3, help="runs per measurement; the median is shown")
    p.add_argument("--no-peers", action="store_true", help="skip check-jsonschema and yamllint")
    p.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = p.parse_args(argv)
    sizes = [int(s) for s in re.split(r"[,\s]+", args.sizes.strip()) if s]
    rows = []
    with tempfile.TemporaryDirectory(prefix="kb-bench-lint-") as tmp:
        for n in sizes:
            print(f"... {n:,} topics", file=sys.stderr)
            rows.append(bench_size(n, Path(tmp), args.repeats, not args.no_peers))
            print(render(rows[-1:]).splitlines()[-1], file=sys.stderr)
    print(render(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
