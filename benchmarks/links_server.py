"""A fast loopback HTTP/1.1 server that stands for many web hosts at once.

Used by ``bench_links.py``: it listens on N loopback addresses (127.0.1.1, 127.0.1.2 ...,
one per pretend host) and answers every GET or HEAD with a small HTML page after an
injected delay drawn uniformly from ``[min_ms, max_ms]``.  It is written on
asyncio's low-level protocol API so that the server, not the checker under
test, is never the bottleneck, and it keeps connections alive so clients that
reuse connections get the benefit they would get from real servers.

Run it alone with ``python benchmarks/links_server.py --hosts 20 --latency 20-50``;
it prints the (address, port) pairs as one JSON line and serves until killed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys

PAGE = (
    b"<!doctype html><html><head><meta charset='utf-8'>"
    b"<title>Benchmark page</title></head><body><h1>Benchmark page</h1>"
    b"<p id='section'>Some text.</p></body></html>"
)


def _response(head_only: bool, status: bytes = b"200 OK", body: bytes = PAGE) -> bytes:
    headers = (
        b"HTTP/1.1 " + status + b"\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n"
        b"Connection: keep-alive\r\n\r\n"
    )
    return headers if head_only else headers + body


class _Http(asyncio.Protocol):
    """Minimal keep-alive HTTP/1.1: requests without bodies, answered in order."""

    def __init__(self, server: "BenchServer"):
        self.server = server
        self.buf = b""
        self.transport: asyncio.Transport | None = None
        # responses must go out in request order even when delays differ
        self.queue: asyncio.Queue | None = None
        self.writer_task: asyncio.Task | None = None

    def connection_made(self, transport):  # type: ignore[override]
        self.transport = transport
        self.queue = asyncio.Queue()
        self.writer_task = asyncio.get_running_loop().create_task(self._writer())

    def connection_lost(self, exc):  # type: ignore[override]
        if self.writer_task:
            self.writer_task.cancel()

    def data_received(self, data: bytes) -> None:  # type: ignore[override]
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head, self.buf = self.buf[:end], self.buf[end + 4 :]
            line = head.split(b"\r\n", 1)[0]
            method, _, rest = line.partition(b" ")
            path = rest.rpartition(b" ")[0]
            self.server.requests += 1
            delay = self.server.delay()
            assert self.queue is not None
            self.queue.put_nowait((asyncio.get_running_loop().time() + delay, method, path))

    async def _writer(self) -> None:
        assert self.queue is not None
        loop = asyncio.get_running_loop()
        while True:
            due, method, path = await self.queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if self.transport is None or self.transport.is_closing():
                return
            if path.startswith(b"/missing"):
                self.transport.write(_response(method == b"HEAD", b"404 Not Found", b"<title>Not found</title>"))
            else:
                self.transport.write(_response(method == b"HEAD"))


class BenchServer:
    def __init__(self, hosts: int, min_ms: float, max_ms: float):
        self.n = hosts
        self.min_s = min_ms / 1000
        self.max_s = max_ms / 1000
        #: (address, port) per pretend host: distinct loopback addresses, so
        #: every tool sees distinct hosts (some key their limits by name, not port)
        self.addresses: list[tuple[str, int]] = []
        self.requests = 0
        self._servers: list[asyncio.AbstractServer] = []

    def delay(self) -> float:
        if self.max_s <= 0:
            return 0.0
        return random.uniform(self.min_s, self.max_s)

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        for i in range(self.n):
            address = f"127.0.{1 + i // 250}.{1 + i % 250}"
            srv = await loop.create_server(lambda: _Http(self), address, 0, backlog=1024, reuse_address=True)
            self._servers.append(srv)
            self.addresses.append((address, srv.sockets[0].getsockname()[1]))

    async def close(self) -> None:
        for srv in self._servers:
            srv.close()


def parse_latency(text: str) -> tuple[float, float]:
    lo, _, hi = text.partition("-")
    return float(lo), float(hi or lo)


async def _main(args: argparse.Namespace) -> None:
    lo, hi = parse_latency(args.latency)
    server = BenchServer(args.hosts, lo, hi)
    await server.start()
    print(json.dumps({"hosts": server.addresses, "pid": os.getpid()}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # A control line on stdin prints the request count (so the benchmark can
    # prove a warm run sent nothing); end of stdin stops the server.
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    async def control() -> None:
        while line := await reader.readline():
            if line.strip() == b"count":
                print(json.dumps({"requests": server.requests}), flush=True)
            elif line.strip() == b"reset":
                server.requests = 0
                print(json.dumps({"requests": 0}), flush=True)
        stop.set()

    task = loop.create_task(control())
    await stop.wait()
    task.cancel()
    await server.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--latency", default="0", help="milliseconds, e.g. 20-50 or 0")
    try:
        asyncio.run(_main(parser.parse_args()))
    except KeyboardInterrupt:
        pass
