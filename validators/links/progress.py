"""A one-line progress bar on stderr for long link checks.

Drawn only when stderr is a terminal (so CI logs and pipes stay clean), at
most ten times a second, and erased when the run ends; the caller prints the
summary line afterwards.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, total: int, enabled: bool = True, stream: TextIO | None = None, label: str = "links"):
        self.stream = stream or sys.stderr
        self.total = total
        self.label = label
        self.done = 0
        self.counts = {"ok": 0, "broken": 0, "blocked": 0, "unchecked": 0}
        isatty = getattr(self.stream, "isatty", lambda: False)()
        self.enabled = enabled and total > 0 and isatty and os.environ.get("TERM") != "dumb"
        self.started = time.monotonic()
        self._last = 0.0
        self._drawn = False

    def advance(self, outcome: str, n: int = 1) -> None:
        self.done += n
        if outcome in self.counts:
            self.counts[outcome] += n
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last >= 0.1 or self.done >= self.total:
            self._last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        width = shutil.get_terminal_size((80, 20)).columns
        c = self.counts
        tail = (f" {self.done}/{self.total}  ok {c['ok']}  broken {c['broken']}  blocked {c['blocked']}"
                f"  {now - self.started:.0f}s")
        bar_w = max(10, min(40, width - len(self.label) - len(tail) - 4))
        filled = int(bar_w * self.done / max(1, self.total))
        line = f"{self.label} [{'#' * filled}{'.' * (bar_w - filled)}]{tail}"
        self.stream.write("\r" + line[: width - 1])
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            width = shutil.get_terminal_size((80, 20)).columns
            self.stream.write("\r" + " " * (width - 1) + "\r")
            self.stream.flush()
            self._drawn = False
