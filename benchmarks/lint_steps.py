"""Where a reused ``kb lint`` spends its time: each step, after one card's prose was edited.

    python benchmarks/lint_steps.py [--topics 10000] [--runs 3]

Generates a knowledge base (``gen_kb.py``, seed 0) in a temporary folder, fills
the cache with one cold run, then ``--runs`` times edits topic-00000's summary
and runs ``kb lint`` in this process, timing each step of the record's reuse
(``validators/incremental.py``) as the command takes it. Prints the median of
each step; the imports are timed once, in this process, before anything else.
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()

import argparse  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import kb.cli as cli  # noqa: E402
import validators.incremental as incremental  # noqa: E402
from validators.registry import all_rules  # noqa: E402

all_rules()  # the rule modules, as every lint imports them
IMPORTS = time.perf_counter() - _STARTED

import gen_kb  # noqa: E402

#: (label, class, method) of each step timed
STEPS = (
    ("the record's key, and listing the files with their status", incremental.LintRecord, "__init__"),
    ("reading the record", incremental.LintRecord, "_read"),
    ("the changed card: parsed, compared, validated, checked, findings placed again", incremental.LintRecord, "_recheck"),
    ("writing the new record", incremental.LintRecord, "_write"),
    ("the whole reuse (reading, comparing statuses, the changed card, writing)", incremental.LintRecord, "reuse"),
)


def _timed(times: dict[str, float], label: str, fn):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            times[label] = times.get(label, 0.0) + time.perf_counter() - started

    return wrapper


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--topics", type=int, default=10000)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args(argv)
    lint = lambda root, cache: cli.main(  # noqa: E731
        ["lint", str(root), "-q", "--format", "json", "-o", os.devnull, "--cache-dir", str(cache)]
    )
    with tempfile.TemporaryDirectory(prefix="kb-lint-steps-") as tmp:
        root, cache = Path(tmp) / "cards", Path(tmp) / "cache"
        gen_kb.generate(root, topics=args.topics, seed=0)
        lint(root, cache)  # cold: fills the caches and writes the record
        card = root / "topics" / "topic-00000.yaml"
        original = card.read_text(encoding="utf-8")
        runs: list[dict[str, float]] = []
        for n in range(args.runs):
            times: dict[str, float] = {}
            saved = [(cls, name, getattr(cls, name)) for _, cls, name in STEPS]
            for (label, cls, name), (_, _, fn) in zip(STEPS, saved):
                setattr(cls, name, _timed(times, label, fn))
            emit = cli._emit
            cli._emit = _timed(times, "the report", emit)
            card.write_text(original.replace("\nsummary: |\n  ", f"\nsummary: |\n  Edit {n}. ", 1), encoding="utf-8")
            started = time.perf_counter()
            try:
                lint(root, cache)
            finally:
                for cls, name, fn in saved:
                    setattr(cls, name, fn)
                cli._emit = emit
            times["the whole command, imports aside"] = time.perf_counter() - started
            if "the changed card: parsed, compared, validated, checked, findings placed again" not in times:
                raise SystemExit("the run did not reuse the record: nothing to break down")
            runs.append(times)
    print(f"{args.topics:,} topics, one card's summary edited; medians of {args.runs} runs, seconds")
    print("| step | s |\n|---|---|")
    print(f"| imports (kb, pydantic, networkx, the rules), once | {IMPORTS:.3f} |")
    for label in [*(label for label, _, _ in STEPS), "the report", "the whole command, imports aside"]:
        print(f"| {label} | {statistics.median(r.get(label, 0.0) for r in runs):.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
