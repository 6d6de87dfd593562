"""The least a Python link checker can do: a reference point for ``bench_links.py``, not a tool.

Sends ``HEAD`` to every URL in a file over plain asyncio streams, with the
same limits the benchmark gives the real tools (``C`` requests in flight,
``P`` per host) and keep-alive connections, and reads each answer only to
the end of its headers.  No HTTP library, no parsing, no redirects, no
judging, nothing stored: whatever a real checker written in Python does costs
time on top of this.  Only for the loopback benchmark servers (plain HTTP,
answers without bodies to HEAD).

    python benchmarks/bare_client.py URLS_FILE CONCURRENCY PER_HOST
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from urllib.parse import urlsplit


async def check_all(urls: list[str], concurrency: int, per_host: int) -> int:
    in_flight = asyncio.Semaphore(concurrency)
    host_gates: dict[str, asyncio.Semaphore] = {}
    idle: dict[str, list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]] = {}
    ok = 0

    async def one(url: str) -> None:
        nonlocal ok
        parts = urlsplit(url)
        host = parts.netloc
        gate = host_gates.setdefault(host, asyncio.Semaphore(per_host))
        async with gate, in_flight:
            pool = idle.setdefault(host, [])
            if pool:
                reader, writer = pool.pop()
            else:
                reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
            writer.write(f"HEAD {parts.path or '/'} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            ok += head.startswith(b"HTTP/1.1 2")
            pool.append((reader, writer))

    await asyncio.gather(*(one(u) for u in urls))
    for pool in idle.values():
        for _, writer in pool:
            writer.close()
    return ok


def main() -> None:
    urls = [line.strip() for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
    started = time.perf_counter()
    ok = asyncio.run(check_all(urls, int(sys.argv[2]), int(sys.argv[3])))
    print(json.dumps({"inner_s": time.perf_counter() - started, "ok": ok}))


if __name__ == "__main__":
    main()
