"""Cards roots for the tests that lint whole knowledge bases: the generator, the rule case files, a lint."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Iterator

import yaml

from kb.cli import main

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "tests" / "rules" / "cases"

# benchmarks/ is no package: load the generator from its file, once for every test module
_SPEC = importlib.util.spec_from_file_location("gen_kb", REPO / "benchmarks" / "gen_kb.py")
gen_kb = sys.modules.get("gen_kb") or importlib.util.module_from_spec(_SPEC)
if "gen_kb" not in sys.modules:
    sys.modules["gen_kb"] = gen_kb
    _SPEC.loader.exec_module(gen_kb)


def case_roots(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(name, cards root) for each case of every rule case file, written under ``tmp_path``."""
    for case_file in sorted(CASES.glob("KB*.yaml")):
        for i, case in enumerate(yaml.safe_load(case_file.read_text(encoding="utf-8"))):
            root = tmp_path / f"{case_file.stem}-{i}" / "cards"
            for sub in ("topics", "digests", "courses"):
                (root / sub).mkdir(parents=True, exist_ok=True)
            for rel, text in case["files"].items():
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                (root / rel).write_text(text, encoding="utf-8")
            yield f"{case_file.stem}-{i}", root


def lint(root: Path, out: Path, *extra: str, fmt: str = "json") -> tuple[int, bytes]:
    """Exit code and report of ``kb lint`` on ``root`` in this process, the report kept in ``out``."""
    target = out / f"out-{len(list(out.glob('out-*')))}.{fmt}"
    code = main(["lint", str(root), "-q", "--format", fmt, "-o", str(target), *extra])
    return code, target.read_bytes()
