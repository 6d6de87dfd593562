"""Rule tests driven by case files: ``tests/rules/cases/KBnnn.yaml``.

Each case file is a list of cases. A case writes ``files`` (paths relative
to a fresh cards root) and lists the diagnostics of *that* rule it expects,
as ``[line, col]`` pairs per path (or ``[]`` for a passing case). Other
rules' findings are ignored, so a case only has to be valid enough for the
rule under test. Adding a case is adding data, not code:

.. code-block:: yaml

    - name: prerequisite that does not exist
      files:
        topics/a.yaml: |
          id: a
          title: A
          prerequisites: [b]
      expect:
        topics/a.yaml: [[3, 17]]
      config: {rules: {KB302: {roles: [video]}}}   # optional [tool.kb] table
      severity: warning                            # optional: the severity every finding has
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kb.config import KbConfig
from kb.graph import build_graph
from kb.store import load_kb
from validators.context import RuleContext
from validators.engine import run_rules

CASES_DIR = Path(__file__).parent / "cases"


def _cases():
    for path in sorted(CASES_DIR.glob("KB*.yaml")):
        code = path.stem
        for i, case in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))):
            yield pytest.param(code, case, id=f"{code}-{i}-{case['name']}")


def lint_files(tmp_path: Path, files: dict[str, str], config: dict | None = None, code: str | None = None):
    root = tmp_path / "cards"
    for sub in ("topics", "digests", "courses"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    cfg = KbConfig.model_validate({**(config or {}), **({"select": [code]} if code else {})})
    kb = load_kb(root, max_file_bytes=cfg.max_file_bytes, max_nodes=cfg.max_nodes)
    return run_rules(RuleContext(kb, build_graph(kb), cfg), stages=("offline",))


@pytest.mark.parametrize("code, case", list(_cases()))
def test_rule_case(tmp_path, code, case):
    diags = lint_files(tmp_path, case["files"], case.get("config"), code=code)
    got = sorted((d.path, d.line, d.col) for d in diags if d.code == code)
    expected = sorted((path, lc[0], lc[1]) for path, locs in (case.get("expect") or {}).items() for lc in locs)
    assert got == expected, "\n".join(f"{d.path}:{d.line}:{d.col}: {d.code} {d.message}" for d in diags)
    if "severity" in case:
        assert {d.severity.value for d in diags if d.code == code} == {case["severity"]}
    for needle in case.get("message_contains", []):
        assert any(needle in d.message for d in diags if d.code == code), f"no {code} message contains {needle!r}"


def test_every_offline_rule_has_a_case_file():
    from validators.registry import all_rules

    have = {p.stem for p in CASES_DIR.glob("KB*.yaml")}
    missing = [c for c, r in all_rules().items() if r.needs == "offline" and c not in have and not c.startswith("KB4")]
    assert not missing, f"rules without a case file: {missing}"
