"""Benchmark the fact runner on the committed cards: cold, warm, and against the naive way.

* cold: a fresh Python process runs ``run_facts`` over every check in
  ``cards/`` with an empty cache (torch import included);
* naive: a fresh process builds every model those checks name on the CPU
  with default initialisation, then counts parameters and FLOPs on a real
  forward pass (attention forced onto the math kernels so the count is
  right), reads the weights metadata and evaluates the formulas and
  arithmetic the same way the runner does;
* warm: a fresh process runs ``run_facts`` again with the cache the cold run
  left (torch is never imported);
* floor: a fresh process that only imports torch and torchvision: no run
  that uses torchvision, ours or the naive one, can take less.

Processes that loaded torch leave the way the ``kb`` command does
(``kb.cli._exit_now``: streams flushed, atexit handlers run, no interpreter
teardown), so cold, naive and floor differ only in the work they do.

Each figure is the best (minimum) of ``--repeat`` runs, as timeit reports,
with the median beside it: wall time of the whole process, start-up and the
import of torch included.  The time after the import of torch and
torchvision, which both ways pay alike, is shown too.  Usage::

    python benchmarks/bench_facts.py [--cards cards] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

RUNNER = """
import json, sys, time
t0 = time.perf_counter()
if sys.argv[3] == "import-first":  # time the torch import apart from the work (the run imports it anyway)
    import torch, torchvision
t_import = time.perf_counter() - t0
from pathlib import Path
from kb.config import FactsConfig
from kb.store import load_kb
from validators.facts import run_facts
kb = load_kb(Path(sys.argv[1]))
t1 = time.perf_counter()
report = run_facts(kb, FactsConfig(), cache_dir=Path(sys.argv[2]), progress=False)
t2 = time.perf_counter()
print(json.dumps({"run_s": t2 - t1, "total_s": t2 - t0, "import_s": t_import, "checks": len(report.results), "measured": report.measured,
                  "cached": report.cached, "torch": "torch" in sys.modules, "counts": report.counts()}))
from kb.cli import _exit_now
if "torch" in sys.modules:
    _exit_now(0)  # as the kb command leaves: no interpreter teardown once the output is written
"""

NAIVE = """
import json, sys, time
t0 = time.perf_counter()
import torch, torchvision
t_import = time.perf_counter() - t0
from pathlib import Path
from torch.utils.flop_counter import FlopCounterMode
from torch.nn.attention import SDPBackend, sdpa_kernel
from kb.store import load_kb
from validators.facts import collect_jobs
from validators.facts.formulas import check_formula
from validators.facts import models as model_lib
from validators.facts.measure import _op_output
from validators.facts.runner import _eval_arithmetic
from kb.config import FactsConfig

kb = load_kb(Path(sys.argv[1]))
jobs = collect_jobs(kb)
torch.backends.mha.set_fastpath_enabled(False)
built = 0

def naive_model(name, kwargs):
    global built
    built += 1
    # a plain CPU build with default initialisation, as one would write it by hand
    return model_lib.build(name, kwargs, "cpu")[0].eval()

def params(name, kwargs):
    return sum(p.numel() for p in naive_model(name, kwargs).parameters())

def flops(name, kwargs, size):
    model = naive_model(name, kwargs)
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), sdpa_kernel(SDPBackend.MATH), counter:
        model(torch.randn(1, *size))
    return counter.get_total_flops()

for job in jobs:
    c = job.check
    if c.kind == "params":
        params(c.model, c.model_kwargs)
    elif c.kind in ("macs", "flops"):
        flops(c.model, c.model_kwargs, c.input_size)
    elif c.kind == "output_shape":
        with torch.no_grad():
            naive_model(c.model, c.model_kwargs)(torch.randn(*c.input_shape))
    elif c.kind == "ratio":
        for side in (c.numerator, c.denominator):
            if side.measure == "params":
                params(side.model, side.model_kwargs)
            else:
                flops(side.model, side.model_kwargs, side.input_size)
    elif c.kind == "weights_meta":
        enum, _, member = c.weights.partition(".")
        getattr(torchvision.models, enum)[member].meta
    elif c.kind == "formula":
        check_formula(op=c.op, formula=c.formula, where=c.where, grid=c.grid, op_kwargs=c.op_kwargs, max_cases=20000,
                      run_op=lambda op, size, v, kw: _op_output(op, size, v, kw, "cpu"))
    elif c.kind == "arithmetic":
        _eval_arithmetic(c, FactsConfig())
t1 = time.perf_counter()
print(json.dumps({"total_s": t1 - t0, "import_s": t_import, "checks": len(jobs), "models_built": built}))
from kb.cli import _exit_now
_exit_now(0)  # the same quick exit as the cold run, so the two differ only in the work
"""

FLOOR = """
import json, sys, time
t0 = time.perf_counter()
import torch, torchvision
t1 = time.perf_counter()
print(json.dumps({"total_s": t1 - t0, "import_s": t1 - t0}))
from kb.cli import _exit_now
_exit_now(0)
"""


def _run(script: str, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", script, *args], cwd=REPO, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{proc.stderr}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall_s"] = wall
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", default=str(REPO / "cards"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cards = Path(args.cards).resolve()

    cold, warm, naive, floor = [], [], [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="bench-facts-") as tmp:
            cache = Path(tmp) / ".kb-cache"
            cold.append(_run(RUNNER, str(cards), str(cache), "import-first"))
            warm.append(_run(RUNNER, str(cards), str(cache), "lazy"))
            shutil.rmtree(cache, ignore_errors=True)
        naive.append(_run(NAIVE, str(cards)))
        floor.append(_run(FLOOR))

    def best(rows: list[dict], key: str) -> float:
        return min(r[key] for r in rows)

    def med(rows: list[dict], key: str) -> float:
        return statistics.median(r[key] for r in rows)

    def work(rows: list[dict]) -> list[float]:
        # the work after importing torch and torchvision, which both ways pay alike
        return [r["total_s"] - r["import_s"] for r in rows]

    c, w, n, f = best(cold, "wall_s"), best(warm, "wall_s"), best(naive, "wall_s"), best(floor, "wall_s")
    cw, nw = min(work(cold)), min(work(naive))
    print(f"checks: {cold[0]['checks']} ({cold[0]['counts']}); measurements: {cold[0]['measured']}; "
          f"models built by the naive way: {naive[0]['models_built']}")
    print(f"import torch + torchvision: {best(cold, 'import_s'):.2f} s (paid by cold and naive alike)")
    print(f"cold  (fresh process, empty cache): {c:6.2f} s wall (median {med(cold, 'wall_s'):.2f}), "
          f"{cw:5.2f} s after the import (median {statistics.median(work(cold)):.2f})")
    print(f"naive (CPU build, default init):    {n:6.2f} s wall (median {med(naive, 'wall_s'):.2f}), "
          f"{nw:5.2f} s after the import (median {statistics.median(work(naive)):.2f})")
    print(f"warm  (fresh process, cached):      {w:6.2f} s wall (median {med(warm, 'wall_s'):.2f}), "
          f"run_facts {best(warm, 'run_s'):.3f} s, torch imported: {any(r['torch'] for r in warm)}")
    print(f"floor (start, import torch + torchvision, exit): {f:.2f} s wall (median {med(floor, 'wall_s'):.2f}); "
          f"no run that uses torchvision can beat naive by more than {n / f:.1f}x as a whole process")
    print(f"cold vs naive: {n / c:.1f}x faster (whole process), {nw / cw:.1f}x faster (work after the import)")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, best of {args.repeat}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
