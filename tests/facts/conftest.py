"""Helpers for the fact tests: cards roots in a temporary folder, and the rules run over them.

Everything uses the real torch and torchvision (meta device unless a test
says otherwise).  Built meta models are kept per process by the measurer, so
the tests share them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kb.config import KbConfig
from kb.graph import build_graph
from kb.store import load_kb
from validators.context import RuleContext
from validators.engine import run_rules


def write_root(base: Path, files: dict[str, str]) -> Path:
    root = base / "cards"
    for sub in ("topics", "digests", "courses"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        (root / rel).write_text(text, encoding="utf-8")
    return root


def digest_with(claims_yaml: str, *, key_points: str = "- see the claims\n", digest_id: str = "d") -> str:
    body = "".join("  " + line + "\n" for line in key_points.splitlines())
    return f"id: {digest_id}\nkind: paper\ntitle: A digest\nkey_points: |\n{body}claims:\n{claims_yaml}"


def run(root: Path, *, cache: Path | None = None, device: str = "auto", config: dict[str, Any] | None = None):
    """(kb, fact report, diagnostics of the offline and facts stages)."""
    from validators.facts import run_facts

    cfg = KbConfig.model_validate(config or {})
    kb = load_kb(root)
    assert not kb.problems, [p.message for p in kb.problems]
    report = run_facts(kb, cfg.facts, cache_dir=cache or root.parent / ".kb-cache", device=device, progress=False)
    diags = run_rules(RuleContext(kb, build_graph(kb), cfg, facts=report), stages=("offline", "facts"))
    return kb, report, diags
