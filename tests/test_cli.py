"""The ``kb`` command end to end, in a subprocess, as a user runs it.

Hostile and broken inputs must give a located diagnostic or one clear line,
exit 1 or 2, and never a traceback or executed content. How quickly is
measured in benchmarks/bench_hostile.py, not asserted here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def kb(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    full_env.pop("GITHUB_ACTIONS", None)
    return subprocess.run(
        [sys.executable, "-m", "kb", *args],
        cwd=cwd or REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def cards_root(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    root = tmp_path / "cards"
    for sub in ("topics", "digests", "courses"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        p = root / rel
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
    return root


def assert_no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr + proc.stdout


BOMB = "\n".join(
    ["a: &a [x,x,x,x,x,x,x,x,x,x]"]
    + [f"{n}: &{n} [" + ",".join([f"*{p}"] * 10) + "]" for p, n in zip("abcdefgh", "bcdefghi")]
) + "\n"


@pytest.mark.parametrize(
    "name, content, line",
    [
        ("truncated", "id: a\ntitle: A\nresources:\n  - {id: v, role: video", 4),
        ("tabs", "id: a\n\ttitle: A\n", 2),
        ("list-for-mapping", "id: a\ntitle: A\ncoverage: [strong]\n", 3),
        ("unknown-key", "id: a\ntitle: A\nprerequisities: []\n", 3),
        ("python-tag", "id: a\ntitle: !!python/object/apply:os.system ['touch PWNED']\n", 2),
        ("alias-bomb", BOMB, None),
    ],
)
def test_broken_inputs_are_located_fast_and_safe(tmp_path, name, content, line):
    root = cards_root(tmp_path, {f"topics/{name}.yaml": content})
    proc = kb("lint", str(root), "--format", "json")
    assert_no_traceback(proc)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    errors = [d for d in report["diagnostics"] if d["code"] in ("KB101", "KB102") and d["path"] == f"topics/{name}.yaml"]
    assert errors, report
    if line is not None:
        assert errors[0]["line"] == line
    assert errors[0]["col"] >= 1
    assert not (tmp_path / "PWNED").exists() and not (REPO / "PWNED").exists()


def test_file_over_the_configured_size_limit(tmp_path):
    root = cards_root(tmp_path, {})
    big = root / "topics" / "big.yaml"
    with big.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    (tmp_path / "kb.toml").write_text("max_file_bytes = 1048576\n")
    proc = kb("lint", str(root), "--format", "json")
    assert_no_traceback(proc)
    assert proc.returncode == 1
    diag = json.loads(proc.stdout)["diagnostics"][0]
    assert diag["code"] == "KB101" and "limit" in diag["message"] and diag["line"] == 1


def test_one_bad_card_does_not_stop_the_others(tmp_path):
    root = cards_root(tmp_path, {
        "topics/bad.yaml": "id: bad\ntitle: [\n",
        "topics/good.yaml": "id: good\ntitle: Good\nrelated: [nowhere]\n",
    })
    proc = kb("lint", str(root), "--format", "json")
    codes = {(d["code"], d["path"]) for d in json.loads(proc.stdout)["diagnostics"]}
    assert ("KB101", "topics/bad.yaml") in codes
    assert ("KB205", "topics/good.yaml") in codes


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["lint", "/no/such/folder"], "no such folder"),
        (["lint", "--format", "xml"], "invalid choice"),
        (["rule", "KB999"], "unknown rule"),
        (["frobnicate"], "invalid choice"),
        (["import", "missing.txt", "--out", "x"], "no such file"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args, fragment, tmp_path):
    proc = kb(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert_no_traceback(proc)
    lines = [l for l in proc.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and fragment in lines[0], proc.stderr


def test_not_a_cards_root_is_a_usage_error(tmp_path):
    proc = kb("lint", str(tmp_path))
    assert proc.returncode == 2 and "not a cards root" in proc.stderr


def test_unknown_config_key_is_exit_2(tmp_path):
    root = cards_root(tmp_path, {"topics/a.yaml": "id: a\ntitle: A\n"})
    (tmp_path / "pyproject.toml").write_text("[tool.kb]\nselct = ['KB1']\n")
    proc = kb("lint", str(root))
    assert proc.returncode == 2
    assert "unknown key 'tool.kb.selct'" in proc.stderr


def test_fail_on_and_select(tmp_path):
    root = cards_root(tmp_path, {"topics/a.yaml": "id: a\ntitle: A\n"})  # only warnings (KB206, KB302)
    assert kb("lint", str(root)).returncode == 0
    assert kb("lint", str(root), "--fail-on", "warning").returncode == 1
    proc = kb("lint", str(root), "--select", "KB206", "--format", "json")
    assert {d["code"] for d in json.loads(proc.stdout)["diagnostics"]} == {"KB206"}


def test_severity_override_from_config(tmp_path):
    root = cards_root(tmp_path, {"topics/a.yaml": "id: a\ntitle: A\n"})
    (tmp_path / "kb.toml").write_text("[severity]\nKB206 = 'error'\n")
    proc = kb("lint", str(root), "--format", "json")
    assert proc.returncode == 1
    assert any(d["code"] == "KB206" and d["severity"] == "error" for d in json.loads(proc.stdout)["diagnostics"])


def test_rule_docs_in_the_terminal():
    proc = kb("rule", "KB302")
    assert proc.returncode == 0
    assert proc.stdout.startswith("# KB302 missing-resource-role")
    assert "## Use instead" in proc.stdout
    listing = kb("rule", "--all")
    assert "KB101  yaml-syntax-error" in listing.stdout


def test_schema_export_is_valid_json_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    proc = kb("schema", "--out", str(tmp_path))
    assert proc.returncode == 0
    for kind in ("topic", "digest", "course"):
        schema = json.loads((tmp_path / f"{kind}.schema.json").read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
    topic = json.loads((tmp_path / "topic.schema.json").read_text())
    jsonschema.validate({"id": "a", "title": "A", "level": "beginner"}, topic)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"id": "a", "title": "A", "bogus": 1}, topic)


def test_committed_schemas_are_current():
    """The modelines in cards point at schemas/; they must match the models."""
    from kb.schema import json_schemas

    for kind, schema in json_schemas().items():
        committed = json.loads((REPO / "schemas" / f"{kind}.schema.json").read_text())
        assert committed == schema, f"schemas/{kind}.schema.json is stale: run 'make schemas'"


def test_graph_and_export(tmp_path):
    root = cards_root(tmp_path, {
        "topics/la.yaml": "id: la\ntitle: Linear algebra\n",
        "topics/cnns.yaml": "id: cnns\ntitle: CNNs\nprerequisites: [la]\ncourses: {c: {emphasis: E}}\n",
        "courses/c.yaml": "id: c\ntitle: C\nmodules: [{title: M, topics: [la, cnns]}]\n",
    })
    mermaid = kb("graph", str(root), "--course", "c")
    assert mermaid.returncode == 0 and "flowchart LR" in mermaid.stdout
    graph = json.loads(kb("graph", str(root), "--format", "json").stdout)
    assert {"from": "topic:cnns", "to": "topic:la", "type": "prerequisite"} in graph["edges"]
    doc = json.loads(kb("export", str(root)).stdout)
    cnns = next(t for t in doc["topics"] if t["id"] == "cnns")
    assert cnns["derived"]["courses"] == ["c"]
    assert next(c for c in doc["courses"] if c["id"] == "c")["derived"]["learning_order"] == ["la", "cnns"]
    lines = kb("export", str(root), "--format", "jsonl").stdout.splitlines()
    assert {json.loads(l)["type"] for l in lines} >= {"topic", "course", "edge"}
    assert kb("graph", str(root), "--course", "nope").returncode == 2


def test_our_validators_package_is_the_one_imported():
    """PyPI's unrelated `validators` distribution must not shadow this project's package."""
    import validators

    assert getattr(validators, "PACKAGE_MARKER", None) == "kb-validators"
    assert Path(validators.__file__).resolve().parent == REPO / "validators"
    from importlib import metadata

    with pytest.raises(metadata.PackageNotFoundError):
        metadata.distribution("validators")


def test_lint_does_not_import_heavy_dependencies(tmp_path):
    root = cards_root(tmp_path, {"topics/a.yaml": "id: a\ntitle: A\n"})
    code = (
        "import sys; from kb.cli import main; rc = main(['lint', %r, '-q']);"
        "heavy = [m for m in ('torch', 'httpx', 'mkdocs', 'torchvision') if m in sys.modules];"
        "print('HEAVY', heavy)" % str(root)
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert "HEAVY []" in proc.stdout, proc.stdout + proc.stderr


def test_unwritable_outputs_are_usage_errors(tmp_path):
    root = cards_root(tmp_path, {"topics/a.yaml": "id: a\ntitle: A\n"})
    a_file = tmp_path / "afile"
    a_file.write_text("")
    for args in (
        ["lint", str(root), "-o", str(tmp_path)],
        ["check", str(root), "--no-links", "--no-facts", "--cache-dir", str(a_file / "cache")],
        ["schema", "--out", str(a_file / "s")],
    ):
        proc = kb(*args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert_no_traceback(proc)
        assert len(proc.stderr.strip().splitlines()) == 1 and "cannot use" in proc.stderr
    proc = kb("export", str(root), "-o", str(tmp_path / "new" / "x.json"))
    assert proc.returncode == 0 and (tmp_path / "new" / "x.json").is_file()


def test_claims_takes_a_path_like_every_command(tmp_path):
    root = cards_root(tmp_path, {"topics/a.yaml": "id: a\ntitle: A\nsummary: Fast. [NOT VERIFIED]\n"})
    proc = kb("claims", str(root), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert [c["status"] for c in json.loads(proc.stdout)] == ["not-verified"]
    assert kb("claims", "list", str(root)).returncode == 0
    assert kb("claims", str(root), str(root)).returncode == 2


@pytest.mark.parametrize(
    "toml, fragment",
    [("[tool.kb]\ndocs_url = 'https://x/{foo}/'\n", "docs_url"), ("tool = 1\n", "not a cards root")],
)
def test_odd_configuration_is_never_an_internal_error(tmp_path, toml, fragment):
    (tmp_path / "pyproject.toml").write_text(toml)
    proc = kb("lint", cwd=tmp_path)
    assert proc.returncode == 2 and fragment in proc.stderr
    assert_no_traceback(proc)
