"""Helpers for the claims tests: a cards root in a temporary folder, linted offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kb.config import KbConfig
from kb.graph import build_graph
from kb.store import load_kb
from validators.context import RuleContext
from validators.engine import run_rules


def lint(tmp_path: Path, files: dict[str, str], *, code: str | None = None, links: Any = None,
         evidence: dict | None = None, facts: Any = None, config: dict | None = None):
    """(kb, diagnostics) for the offline rules over ``files`` (paths relative to the cards root)."""
    root = tmp_path / "cards"
    for sub in ("topics", "digests", "courses"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        (root / rel).write_text(text, encoding="utf-8")
    cfg = KbConfig.model_validate({**(config or {}), **({"select": [code]} if code else {})})
    kb = load_kb(root)
    assert not kb.problems, [f"{p.path}:{p.span.line}: {p.message}" for p in kb.problems]
    ctx = RuleContext(kb, build_graph(kb), cfg, links=links, facts=facts, evidence=evidence or {})
    return kb, run_rules(ctx, stages=("offline",))


def at(kb, diag) -> str:
    """The text of the file from the diagnostic's position to the end of its line."""
    path = kb.root / diag.path
    line = path.read_text(encoding="utf-8").splitlines()[diag.line - 1]
    return line[diag.col - 1:]
