"""Worker processes for large link checks: hosts split between CPUs.

HTTP/1.1 in Python costs about half a millisecond of CPU per request, so a
large run at high concurrency is limited by one core, not by the network.
For such runs (``[tool.kb.links] workers``, by default up to two processes
for 256 or more plain links on a machine with two or more CPUs) the plain
HTTP targets are split *by host* between the parent and forked children:
each host is checked by exactly one process, so the per-host limit and
interval hold exactly, and the global concurrency is divided between the
processes in proportion to their share of the links, so it holds too.
Identity-resolver targets (arXiv, DOI, YouTube, GitHub) stay in the parent,
which keeps their rate limits in one place.

A child writes its ok results to the shared cache itself (SQLite in WAL mode
copes with several writers) and sends progress counts and, at the end, its
pickled results to the parent through a pipe.  Forking is used only on
Linux, from the main thread, outside any running event loop; anywhere else
the run stays in one process.
"""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import signal
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.config import LinksConfig
from validators.links.collect import Target

#: below this many plain links per process a second process costs more than it saves
MIN_TARGETS_PER_WORKER = 128

_HEADER = struct.Struct("!cI")


def plan(targets: list[Target], config: LinksConfig) -> list[list[Target]]:
    """Split ``targets`` into per-process groups; the first group is the parent's."""
    wanted = config.workers or min(2, os.cpu_count() or 1)
    plain = [t for t in targets if not (t.resolver and config.resolvers.enabled)]
    others = [t for t in targets if t.resolver and config.resolvers.enabled]
    by_host: dict[str, list[Target]] = {}
    for t in plain:
        by_host.setdefault(t.host, []).append(t)
    workers = min(wanted, len(plain) // MIN_TARGETS_PER_WORKER, len(by_host))
    if workers < 2 or not _can_fork():
        return [targets]
    bins: list[list[Target]] = [[] for _ in range(workers)]
    # Largest hosts first into the emptiest bin; the parent also carries the
    # resolver targets, so it starts with their weight.
    load = [len(others)] + [0] * (workers - 1)
    for host_targets in sorted(by_host.values(), key=len, reverse=True):
        i = min(range(workers), key=lambda k: load[k])
        bins[i].extend(host_targets)
        load[i] += len(host_targets)
    bins[0].extend(others)
    return [b for b in bins if b] if bins[0] else [targets]


def _can_fork() -> bool:
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    if threading.current_thread() is not threading.main_thread():
        return False
    try:
        asyncio.get_running_loop()
        return False
    except RuntimeError:
        return True


@dataclass
class Child:
    pid: int
    fd: int
    targets: list[Target]
    buf: bytearray = field(default_factory=bytearray)
    payload: dict[str, Any] | None = None
    error: str | None = None
    done: asyncio.Future[None] | None = None


def spawn(groups: list[list[Target]], config: LinksConfig, allow_private: bool, cache_dir: Path,
          total: int) -> tuple[list[Child], list[Target]]:
    """Fork one child per group; returns their handles and the targets no child could take."""
    children: list[Child] = []
    left: list[Target] = []
    parent = os.getpid()
    for group in groups:
        share = max(1, config.concurrency * len(group) // max(1, total))
        child_cfg = config.model_copy(update={"concurrency": share})
        try:
            read_fd, write_fd = os.pipe()
            pid = os.fork()
        except OSError:  # no more processes or descriptors: the parent checks these itself
            left.extend(group)
            continue
        if pid == 0:  # the child never returns from here
            _die_with_parent(parent)
            os.close(read_fd)
            _child_main(group, child_cfg, allow_private, cache_dir, write_fd)
        os.close(write_fd)
        os.set_blocking(read_fd, False)
        children.append(Child(pid, read_fd, group))
    return children, left


def parent_share(config: LinksConfig, parent: list[Target], total: int) -> LinksConfig:
    """The parent's slice of the global concurrency."""
    share = max(1, config.concurrency * len(parent) // max(1, total))
    return config.model_copy(update={"concurrency": share})


# -- in the child -------------------------------------------------------------------------
_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this child when the parent dies, so a killed run sends nothing more.

    Without it a child whose parent was SIGKILLed runs its whole share of
    the links to the end, for nobody.  ``prctl(PR_SET_PDEATHSIG)`` is
    Linux's (and forking is only used on Linux); the parent may already
    have died between the fork and the call, which the parent id shows.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - no prctl: the pipe still ends the child's report
        pass
    if os.getppid() != parent:
        os._exit(1)


class _PipeProgress:
    """Progress counts sent to the parent at most ten times a second."""

    def __init__(self, fd: int):
        self.fd = fd
        self.counts: dict[str, int] = {}
        self.last = 0.0

    def advance(self, outcome: str, n: int = 1) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + n
        now = time.monotonic()
        if now - self.last >= 0.1:
            self.flush()
            self.last = now

    def flush(self) -> None:
        if self.counts:
            _write_frame(self.fd, b"P", json.dumps(self.counts).encode())
            self.counts = {}

    def close(self) -> None:
        self.flush()


def _write_frame(fd: int, kind: bytes, payload: bytes) -> None:
    data = _HEADER.pack(kind, len(payload)) + payload
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _child_main(group: list[Target], config: LinksConfig, allow_private: bool, cache_dir: Path, fd: int) -> None:
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        from validators.links.cache import LinkCache
        from validators.links.runner import _fetch_all, _run

        cache = LinkCache(cache_dir, config.cache_ttl_hours)
        progress = _PipeProgress(fd)
        results, state, stop = _run(_fetch_all(group, config, allow_private, cache, progress))  # type: ignore[arg-type]
        progress.close()
        cache.close()
        for r in results.values():
            r.occurrences = []  # the parent has them
        payload = {"results": results, "requests": state.requests, "responded": state.responded,
                   "failed": state.failed, "stop": stop}
        _write_frame(fd, b"R", pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))
    except BaseException as exc:  # report, never fall back into the parent's code
        code = 1
        try:
            _write_frame(fd, b"E", f"{exc.__class__.__name__}: {exc}".encode())
        except OSError:
            pass
    finally:
        os._exit(code)


# -- in the parent ------------------------------------------------------------------------
def watch(children: list[Child], bar: Any) -> None:
    """Start reading the children's pipes on the running loop."""
    loop = asyncio.get_running_loop()
    for child in children:
        child.done = loop.create_future()
        loop.add_reader(child.fd, _on_readable, loop, child, bar)


def _on_readable(loop: asyncio.AbstractEventLoop, child: Child, bar: Any) -> None:
    try:
        chunk = os.read(child.fd, 1 << 16)
    except BlockingIOError:
        return
    except OSError as exc:
        chunk = b""
        child.error = child.error or f"pipe error: {exc}"
    if chunk:
        child.buf += chunk
        while len(child.buf) >= _HEADER.size:
            kind, size = _HEADER.unpack_from(child.buf)
            if len(child.buf) < _HEADER.size + size:
                break
            payload = bytes(child.buf[_HEADER.size : _HEADER.size + size])
            del child.buf[: _HEADER.size + size]
            if kind == b"P":
                for outcome, n in json.loads(payload).items():
                    bar.advance(outcome, n)
            elif kind == b"R":
                child.payload = pickle.loads(payload)
            elif kind == b"E":
                child.error = payload.decode(errors="replace")
        return
    # end of the pipe: the child has finished (or died)
    loop.remove_reader(child.fd)
    os.close(child.fd)
    try:
        os.waitpid(child.pid, 0)
    except ChildProcessError:
        pass
    if child.payload is None and child.error is None:
        child.error = "the checker process ended without a result"
    if child.done is not None and not child.done.done():
        child.done.set_result(None)


def stop(children: list[Child]) -> None:
    """Kill children still running (the run hit its time limit)."""
    loop = asyncio.get_running_loop()
    for child in children:
        if child.done is not None and not child.done.done():
            try:
                os.kill(child.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            loop.remove_reader(child.fd)
            try:
                os.close(child.fd)
                os.waitpid(child.pid, 0)
            except OSError:
                pass
            child.error = child.error or "stopped at the run's time limit"
            child.done.set_result(None)
