"""The fact cache: measurements keyed by what was measured and the torch/torchvision versions.

One JSON file (``facts.json``) in the shared cache folder.  A key is the
measurement's description (model name and arguments, input size, weights
member, formula and grid...) plus the installed torch and torchvision
versions and the version of our measuring code, hashed.  Editing a claimed
value therefore never re-runs torch; upgrading torch re-measures everything.

The versions are read from the installed distributions' metadata, not by
importing torch, so a run whose measurements are all cached never imports
torch.  Writes are atomic (a temporary file in the same folder, then
``os.replace``), so an interrupted run never leaves a torn cache.  A cache
file that cannot be read is ignored and rewritten.  Unexpected errors are
never cached, so they are retried on the next run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

CACHE_FILE = "facts.json"
#: bump when measuring code changes in a way that changes results
MEASURE_VERSION = 4


def installed_versions() -> dict[str, str] | None:
    """torch and torchvision versions from package metadata, or None when either is missing."""
    try:
        return {"torch": metadata.version("torch"), "torchvision": metadata.version("torchvision")}
    except metadata.PackageNotFoundError:
        return None


def key_hash(key: dict[str, Any], versions: dict[str, str]) -> str:
    blob = json.dumps({"key": key, "versions": versions, "v": MEASURE_VERSION}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


class FactCache:
    def __init__(self, folder: Path | None, versions: dict[str, str], *, enabled: bool = True):
        self.path = folder / CACHE_FILE if folder is not None else None
        self.versions = versions
        self.enabled = enabled and self.path is not None
        self.entries: dict[str, dict[str, Any]] = {}
        self.dirty = False
        self.hits = 0
        if self.enabled and self.path is not None and self.path.is_file():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                if isinstance(data, dict) and isinstance(data.get("entries"), dict):
                    self.entries = data["entries"]
            except (OSError, ValueError):
                self.entries = {}

    def get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        if not self.enabled:
            return None
        entry = self.entries.get(key_hash(key, self.versions))
        if entry is None:
            return None
        self.hits += 1
        return entry["value"]

    def put(self, key: dict[str, Any], value: dict[str, Any]) -> None:
        if not self.enabled:
            return
        self.entries[key_hash(key, self.versions)] = {
            "key": key,
            "versions": self.versions,
            "value": value,
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        self.dirty = True

    def save(self) -> None:
        if not (self.enabled and self.dirty and self.path is not None):
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps({"format": 1, "entries": self.entries}, indent=1, sort_keys=True)
        fd, tmp = tempfile.mkstemp(prefix=".facts-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(payload)
            os.chmod(tmp, 0o644)  # mkstemp makes it private; the cache is shared like the rest of .kb-cache
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self.dirty = False

