"""Site benchmark: the kb site against plain mkdocs-material on the same number of pages.

    python benchmarks/bench_site.py [--sizes 100 1000] [--runs 3] [--serve]

For each size N, a knowledge base of N topics is generated with
``benchmarks/gen_kb.py`` (N/2 digests, one course per 50 topics), and in the
same run:

* **kb**: ``mkdocs build`` with the repository's ``mkdocs.yml`` and the kb
  plugin on those cards (no check report, as on a fresh checkout);
* **floor**: ``mkdocs build`` of plain mkdocs-material (same theme, features
  and Markdown extensions, the search plugin, no kb plugin) on pre-written
  Markdown pages: as many pages as the kb site generates, each of the same
  length as its kb counterpart, with a small navigation.

Each build runs in a fresh interpreter; printed are the median wall time, the
ratio kb/floor, the size of the built site, its largest page, the search
index and the build's peak memory (the child's maximum resident set).

``--serve`` also measures authoring: ``mkdocs serve --dirty`` on the largest
size, one topic card edited, and the time until the served topic page shows
the edit (and, for comparison, the same with a plain ``mkdocs serve``).

Targets (issue: the site at 1,000 topics): at 1,000 topics the build takes at
most 1.5x the floor, the site is at most 80 MB and no page is over 200 KB; at
10,000 topics peak memory stays under 2 GiB and time grows no worse than
linearly from 1,000; an edited card is served within 5 s.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from gen_kb import generate  # noqa: E402

MERMAID = REPO / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "NO_COLOR": "1", "PYTHONPATH": str(REPO)}

_WORDS = ("gradient attention convolution kernel stride padding embedding token layer residual normalization "
          "batch optimizer momentum schedule warmup dropout activation pooling encoder decoder transformer "
          "projection logits softmax entropy likelihood sampling variance feature representation latent").split()


def kb_config(work: Path, cards: Path) -> Path:
    cfg = {
        "INHERIT": str(REPO / "mkdocs.yml"),
        "docs_dir": str(REPO / "site"),
        "site_dir": str(work / "site-kb"),
        "plugins": ["search", {"kb": {"cards": str(cards), "report": str(work / "no-report.json"),
                                      "mermaid": str(MERMAID)}}],
    }
    path = work / "mkdocs-kb.yml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path


def page_sizes(cards: Path) -> list[int]:
    """The length of every page source the kb plugin generates for these cards."""
    code = (
        "import sys, json\n"
        "from pathlib import Path\n"
        "from kb import pages\n"
        "from kb.mkdocs_plugin import rule_entries, site_context\n"
        "from kb.project import Project\n"
        "ctx = site_context(Project.discover(Path(sys.argv[1])), None)\n"
        "print(json.dumps([len(t) for t in pages.generate_pages(ctx, rule_entries()).values()]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(cards)], capture_output=True, text=True, env=ENV,
                         check=True)
    import json

    return json.loads(out.stdout)


def floor_config(work: Path, sizes: list[int]) -> Path:
    """Plain mkdocs-material: pre-written pages of the given lengths, a small navigation."""
    docs = work / "floor-docs"
    if docs.exists():
        shutil.rmtree(docs)
    rng = random.Random(0)
    nav = []
    for i, size in enumerate(sizes):
        rel = "index.md" if i == 0 else f"p{i // 500:02d}/page-{i:05d}.md"
        path = docs / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        parts = [f"# Page {i}\n"]
        length = len(parts[0])
        section = 0
        while length < size:
            if length // 800 >= section:
                section += 1
                parts.append(f"\n## Section {section}\n")
            para = " ".join(rng.choice(_WORDS) for _ in range(60)) + ".\n"
            parts.append("\n" + para)
            length += len(para) + 1
        path.write_text("".join(parts), encoding="utf-8")
        if i < 20:
            nav.append(rel)
    with open(REPO / "mkdocs.yml", encoding="utf-8") as fh:
        base = yaml.load(fh, Loader=_Loader)
    cfg = {
        "site_name": "floor",
        "docs_dir": str(docs),
        "site_dir": str(work / "site-floor"),
        "theme": base["theme"],
        "plugins": ["search"],
        "markdown_extensions": [e for e in base["markdown_extensions"] if not isinstance(e, dict)
                                or "pymdownx.superfences" not in e],
        "nav": nav,
        "not_in_nav": "/p*/\n",
    }
    path = work / "mkdocs-floor.yml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def timed_build(config: Path) -> tuple[float, int, str]:
    """(seconds, peak resident memory in bytes, output) of one ``mkdocs build`` in a fresh interpreter."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=ENV, cwd=config.parent)
    out = proc.stdout.read().decode("utf-8", "replace") if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"build of {config} failed:\n{out[-3000:]}")
    return seconds, usage.ru_maxrss * 1024, out


def site_stats(site: Path) -> dict[str, float]:
    total = largest = 0
    largest_name = ""
    for path in site.rglob("*"):
        if path.is_file():
            size = path.stat().st_size
            total += size
            if path.suffix == ".html" and size > largest:
                largest, largest_name = size, str(path.relative_to(site))
    index = site / "search" / "search_index.json"
    return {"total": total, "largest": largest, "largest_name": largest_name,
            "search": index.stat().st_size if index.is_file() else 0,
            "pages": sum(1 for _ in site.rglob("*.html"))}


def mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.read().decode("utf-8", "replace")
    except OSError:
        return None


def serve_edit(config: Path, cards: Path, *, dirty: bool, timeout: float = 600) -> tuple[float, float]:
    """(seconds until first served, seconds from a card edit until the page shows it) under ``mkdocs serve``."""
    port = free_port()
    args = [sys.executable, "-m", "mkdocs", "serve", "-f", str(config), "-a", f"127.0.0.1:{port}"]
    if dirty:
        args.append("--dirty")
    log = open(config.parent.parent / f"serve-{config.parent.name}-{'dirty' if dirty else 'full'}.log", "w")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=ENV, cwd=config.parent)
    try:
        topic = sorted((cards / "topics").glob("*.yaml"))[len(list((cards / "topics").glob("*.yaml"))) // 2]
        url = f"http://127.0.0.1:{port}/topics/{topic.stem}/"
        start = time.perf_counter()
        while _get(url) is None:
            if proc.poll() is not None or time.perf_counter() - start > timeout:
                raise SystemExit(f"mkdocs serve did not come up; see {log.name}")
            time.sleep(0.2)
        first = time.perf_counter() - start
        time.sleep(2)  # let the server settle into watching
        marker = f"edited{random.randrange(10**9)}"
        text = topic.read_text(encoding="utf-8")
        edited = text.replace("\nsummary: ", f"\nsummary: {marker} ", 1)
        assert edited != text, "the generated topic card has no summary to edit"
        start = time.perf_counter()
        topic.write_text(edited, encoding="utf-8")
        while True:
            page = _get(url)
            if page is not None and marker in page:
                break
            if time.perf_counter() - start > timeout:
                raise SystemExit(f"the edit was not served within {timeout} s")
            time.sleep(0.1)
        seconds = time.perf_counter() - start
        topic.write_text(text, encoding="utf-8")
        return first, seconds
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[100, 1000], metavar="N")
    p.add_argument("--runs", type=int, default=3, help="builds of each kind per size (the median is shown)")
    p.add_argument("--serve", action="store_true", help="also time a one-card edit under mkdocs serve")
    p.add_argument("--keep", action="store_true", help="keep the generated folders (printed)")
    args = p.parse_args(argv)
    if not MERMAID.is_file():
        print(f"bench_site: {MERMAID} is missing: run 'npm ci' first", file=sys.stderr)
        return 2
    root = Path(tempfile.mkdtemp(prefix="kb-bench-site-"))
    print(f"{'topics':>7} {'pages':>6} {'kb s':>7} {'floor s':>8} {'ratio':>6} {'kb site':>9} {'floor site':>10} "
          f"{'largest page':>13} {'search idx':>10} {'kb peak':>9} {'floor peak':>10}")
    try:
        for n in args.sizes:
            work = root / f"n{n}"
            cards = work / "cards"
            generate(cards, topics=n)
            kcfg = kb_config(work, cards)
            fcfg = floor_config(work, page_sizes(cards))
            kb_runs, floor_runs = [], []
            for _ in range(args.runs):  # interleaved, so both see the same machine load
                kb_runs.append(timed_build(kcfg)[:2])
                floor_runs.append(timed_build(fcfg)[:2])
            kt = statistics.median(t for t, _ in kb_runs)
            ft = statistics.median(t for t, _ in floor_runs)
            ks, fs = site_stats(work / "site-kb"), site_stats(work / "site-floor")
            print(f"{n:>7} {ks['pages']:>6} {kt:>7.1f} {ft:>8.1f} {kt / ft:>6.2f} {mb(ks['total']):>9} "
                  f"{mb(fs['total']):>10} {ks['largest'] / 1e3:>10.0f} KB {mb(ks['search']):>10} "
                  f"{max(m for _, m in kb_runs) / 2**20:>6.0f} MiB {max(m for _, m in floor_runs) / 2**20:>6.0f} MiB",
                  flush=True)
            print(f"        largest kb page: {ks['largest_name']}; floor search index {mb(fs['search'])}; "
                  f"kb runs {', '.join(f'{t:.1f}' for t, _ in kb_runs)} s; floor runs "
                  f"{', '.join(f'{t:.1f}' for t, _ in floor_runs)} s", flush=True)
        if args.serve:
            n = args.sizes[-1]
            work = root / f"n{n}"
            for dirty in (True, False):
                first, edit = serve_edit(kb_config(work, work / "cards"), work / "cards", dirty=dirty)
                kind = "mkdocs serve --dirty" if dirty else "mkdocs serve"
                print(f"{kind} on {n} topics: first served after {first:.1f} s; one-card edit served after "
                      f"{edit:.1f} s", flush=True)
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
