"""How fast hostile card files are refused, against PyYAML's own safe loader.

A card loader must answer an alias bomb or a huge file with a located error
quickly, instead of hanging CI. This compares ``kb.loader`` (our composer-based
loader with its budgets) with the usual way of reading YAML, ``yaml.safe_load``
followed by the walk every consumer makes of the data (here ``json.dumps``,
as schema validation or an export would), in the same run and on the same
files. The peer runs in a child process with a time cap, since it may never
finish.

    python benchmarks/bench_hostile.py [--cap SECONDS]

Prints a table; the figures are recorded in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb.loader import LoadError, load_file  # noqa: E402


def alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghi"
    for prev, name in zip(names, names[1:]):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def big_document(megabytes: int) -> str:
    line = "- {id: item, title: a plausible but enormous card entry, level: beginner}\n"
    return line * (megabytes * 1024 * 1024 // len(line))


def _peer(path: str, queue: mp.Queue) -> None:
    import json

    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    start = time.perf_counter()
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=loader)  # noqa: S506 - the safe loader
        json.dumps(data)
        queue.put(("loaded", time.perf_counter() - start))
    except Exception as exc:  # report, do not crash the benchmark
        queue.put((f"error: {type(exc).__name__}", time.perf_counter() - start))


def time_peer(path: Path, cap: float) -> str:
    queue: mp.Queue = mp.Queue()
    proc = mp.Process(target=_peer, args=(str(path), queue))
    start = time.perf_counter()
    proc.start()
    proc.join(cap)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return f"> {cap:.0f} s (killed, still running)"
    outcome, seconds = queue.get() if not queue.empty() else ("exited", time.perf_counter() - start)
    return f"{seconds:.2f} s ({outcome})"


def time_ours(path: Path) -> str:
    start = time.perf_counter()
    try:
        load_file(path)
        outcome = "loaded"
    except LoadError as err:
        outcome = f"KB101 at {err.span.line}:{err.span.col}"
    return f"{(time.perf_counter() - start) * 1000:.1f} ms ({outcome})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cap", type=float, default=20.0, help="seconds the peer may run per file")
    ap.add_argument("--megabytes", type=int, default=50)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = {
            "alias bomb (9 levels of 9 aliases)": alias_bomb(),
            f"{args.megabytes} MB document": big_document(args.megabytes),
        }
        print(f"{'input':<38} {'kb.loader':<34} yaml.safe_load + json.dumps")
        for name, text in files.items():
            path = Path(tmp) / "card.yaml"
            path.write_text(text, encoding="utf-8")
            ours = time_ours(path)
            peer = time_peer(path, args.cap)
            print(f"{name:<38} {ours:<34} {peer}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
