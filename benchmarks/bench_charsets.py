"""What a page's declared charset costs the link checker: hostile codecs against plain UTF-8.

A page names its charset in ``Content-Type``; Python can decode with any
codec by name, and some are not text encodings at all: ``punycode`` is
quadratic (seconds of CPU for half a megabyte), ``bz2`` decompresses (a
785-byte body can expand to a gigabyte).  The checker decodes only through
a list of text encodings and reads anything else as UTF-8.

This runs the same link check twice over a loopback server, in the same
process: once where every page is UTF-8 (the floor), once where some pages
declare ``punycode``, ``bz2`` or an unknown charset; then it times decoding
one such page directly with the codec it names, which is what the checker
did before.  The check runs need their titles, so every body is read.

    python benchmarks/bench_charsets.py [--links 60] [--hostile 12] [--kib 512]

Prints a table; the figures are recorded in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import bz2
import codecs
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb.config import LinksConfig  # noqa: E402
from kb.store import load_kb  # noqa: E402
from validators.links import run_links  # noqa: E402


def page_body(i: int, kib: int) -> bytes:
    """A page whose text after its title is costly for punycode: a '-', then digits to decode."""
    head = f"<!doctype html><html><head><title>Page {i}</title></head><body>-".encode()
    return head + b"a9" * ((kib * 1024 - len(head)) // 2)


def bz2_bomb() -> bytes:
    return bz2.compress(b"<title>x</title>" + b"\0" * (64 * 1024 * 1024))


class Pages(BaseHTTPRequestHandler):
    pages: dict[str, tuple[str, bytes]] = {}

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        charset, body = self.pages.get(self.path, ("utf-8", b"missing"))
        self.send_response(200)
        self.send_header("Content-Type", f"text/html; charset={charset}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def check(port: int, n: int, root: Path) -> float:
    resources = [{"id": f"r{i}", "role": "alternative", "title": f"Page {i}", "url": f"http://127.0.0.1:{port}/p/{i}"}
                 for i in range(n)]
    topics = root / "topics"
    topics.mkdir(parents=True, exist_ok=True)
    (topics / "t.yaml").write_text(yaml.safe_dump({"id": "t", "title": "T", "resources": resources}), encoding="utf-8")
    cfg = LinksConfig(allow_private_hosts=True, per_host_interval_ms=0, concurrency=8, per_host_concurrency=8,
                      max_body_bytes=1024 * 1024, timeout_s=120, total_timeout_s=600, retries=0)
    started = time.perf_counter()
    report = run_links(load_kb(root), cfg, cache_dir=root / "cache", progress=False)
    took = time.perf_counter() - started
    assert report.counts.ok == n, report.summary_line()
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--links", type=int, default=60)
    ap.add_argument("--hostile", type=int, default=12)
    ap.add_argument("--kib", type=int, default=512)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    bodies = {f"/p/{i}": page_body(i, args.kib) for i in range(args.links)}
    bomb = bz2_bomb()
    hostile = ["punycode", "bz2", "no-such-charset"]

    def serve(kind: str) -> None:
        Pages.pages = {}
        for i, (path, body) in enumerate(bodies.items()):
            charset = "utf-8" if kind == "utf-8" or i >= args.hostile else hostile[i % len(hostile)]
            Pages.pages[path] = (charset, bomb if charset == "bz2" else body)

    serve("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        check(port, args.links, Path(tmp))  # warm-up: imports, the first connections
    rows = []
    for kind in ("utf-8", "hostile"):
        serve(kind)
        times = []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as tmp:
                times.append(check(port, args.links, Path(tmp)))
        rows.append((kind, statistics.median(times)))
    server.shutdown()

    started = time.process_time()
    codecs.decode(page_body(0, args.kib), "punycode", errors="replace")
    puny = time.process_time() - started
    bz2_size = len(codecs.decode(bomb, "bz2"))

    floor = rows[0][1]
    print(f"{args.links} links of {args.kib} KiB read for their titles, median of {args.repeat} runs")
    print("| pages | wall time | vs floor |\n|---|---|---|")
    print(f"| all UTF-8 (floor) | {floor:.2f} s | 1.00 |")
    print(f"| {args.hostile} declare punycode, bz2 or an unknown charset | {rows[1][1]:.2f} s | {rows[1][1] / floor:.2f} |")
    print(f"decoding one {args.kib} KiB page with the punycode codec it names: {puny:.2f} s of CPU")
    print(f"decoding the {len(bomb):,}-byte bz2 body with the codec it names: {bz2_size:,} bytes out")


if __name__ == "__main__":
    main()
