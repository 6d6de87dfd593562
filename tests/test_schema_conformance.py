"""kb and JSON Schema validators agree on what a card may be.

The corpus in ``tests/fixtures/conformance/corpus.yaml`` mutates valid base
cards (wrong enums, levels, types, keys, patterns, bounds, YAML-level
quirks).  Every mutated card is written to one cards root and judged by:

* ``kb lint`` itself (a card is rejected when it has any KB1xx finding);
* the ``jsonschema`` package with the committed ``schemas/*.schema.json``,
  on the data as kb's loader reads it (a file that does not parse is rejected);
* ``check-jsonschema`` (which reads YAML on its own, as YAML 1.2), where installed.

They must agree with each other and with the case's ``expect``, except where a
case names a reason in :data:`KB_ONLY`: checks JSON Schema cannot express,
where kb rejects and the schema validator accepts.  The same list is in the
README ("What the schemas cannot say").
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "fixtures" / "conformance" / "corpus.yaml"
FOLDERS = {"topic": "topics", "digest": "digests", "course": "courses"}

#: reason -> (what only kb can check, the validators that cannot see it)
KB_ONLY: dict[str, tuple[str, tuple[str, ...]]] = {
    "input-budget": (
        "an input's total size (the product of its dimensions) is at most 3x4096x4096 values",
        ("jsonschema", "check-jsonschema"),
    ),
    "url-syntax": (
        "a url is a well-formed http(s) address (KB111); JSON Schema's 'format: uri' is an annotation "
        "that validators need not assert",
        ("jsonschema", "check-jsonschema"),
    ),
    "integral-float": (
        "a year or count is written as an integer: JSON Schema counts 2016.0 as an integer, kb does not",
        ("jsonschema", "check-jsonschema"),
    ),
    "duplicate-key": (
        "a key appears once per mapping (KB103): the data a JSON Schema validator sees has already "
        "lost one of them (check-jsonschema's own YAML reader refuses duplicates)",
        ("jsonschema",),
    ),
}


#: case -> why check-jsonschema's own YAML reader (ruamel.yaml) reads the file differently
#: from YAML 1.2's core schema, which kb and the YAML language server follow
READER_DIFFERENCES: dict[str, str] = {
    "yaml-year-underscore": "ruamel.yaml reads 2_016 as the integer 2016 even under YAML 1.2; "
    "the core schema has no digit separators, so kb and editors read it as text",
}


def _corpus() -> dict[str, Any]:
    return yaml.safe_load(CORPUS.read_text(encoding="utf-8"))


CASES = _corpus()["cases"]


def _step(node: Any, key: str) -> Any:
    return node[int(key)] if isinstance(node, list) else node[key]


def _mutated(case: dict[str, Any], base: dict[str, Any]) -> str:
    if "text" in case:
        return case["text"]
    card = copy.deepcopy(base[case["kind"]])
    card["id"] = case["name"]  # one id per file, so every card reaches the rules (no duplicate ids)
    for dotted, value in (case.get("set") or {}).items():
        *parents, last = dotted.split(".")
        node = card
        for key in parents:
            node = _step(node, key) if isinstance(node, list) else node.setdefault(key, {})
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    for dotted in case.get("delete") or []:
        *parents, last = dotted.split(".")
        node = card
        for key in parents:
            node = _step(node, key)
        del node[int(last) if isinstance(node, list) else last]
    return yaml.safe_dump(card, sort_keys=False, allow_unicode=True)


@pytest.fixture(scope="module")
def corpus_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = _corpus()["base"]
    root = tmp_path_factory.mktemp("conformance") / "cards"
    for folder in FOLDERS.values():
        (root / folder).mkdir(parents=True)
    for case in CASES:
        (root / FOLDERS[case["kind"]] / f"{case['name']}.yaml").write_text(_mutated(case, base), encoding="utf-8")
    return root


def _path_of(root: Path, case: dict[str, Any]) -> Path:
    return root / FOLDERS[case["kind"]] / f"{case['name']}.yaml"


@pytest.fixture(scope="module")
def kb_verdicts(corpus_root: Path) -> dict[str, list[str]]:
    """Case name -> the KB1xx findings ``kb lint`` reports for its file."""
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
    env.pop("GITHUB_ACTIONS", None)
    proc = subprocess.run(
        [sys.executable, "-m", "kb", "lint", str(corpus_root), "--format", "json"],
        capture_output=True, text=True, timeout=300, env=env, cwd=corpus_root.parent,
    )
    assert proc.returncode in (0, 1), proc.stderr
    found: dict[str, list[str]] = {case["name"]: [] for case in CASES}
    for d in json.loads(proc.stdout)["diagnostics"]:
        name = Path(d["path"]).stem
        if d["code"].startswith("KB1") and name in found:
            found[name].append(f"{d['line']}|{d['code']} {d['message']}")
    return found


def _schema(kind: str) -> dict[str, Any]:
    return json.loads((REPO / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def jsonschema_verdicts(corpus_root: Path) -> dict[str, list[str]]:
    """Case name -> the jsonschema package's errors (or the parse error) for its file."""
    import jsonschema

    from kb.loader import LoadError, load_file

    validators = {kind: jsonschema.Draft202012Validator(_schema(kind)) for kind in FOLDERS}
    found: dict[str, list[str]] = {}
    for case in CASES:
        try:
            loaded = load_file(_path_of(corpus_root, case))
        except LoadError as err:
            found[case["name"]] = [f"{err.span.line}|parse: {err.message}"]
            continue
        data, source = loaded.data, loaded.source
        errors = list(_leaves(validators[case["kind"]].iter_errors(data)))
        found[case["name"]] = [f"{_line(source, e)}|{'/'.join(map(str, e.absolute_path))}: {e.message}"
                               for e in errors]
    return found


def _line(source: Any, error: Any) -> int:
    """The line an editor marks for ``error``: an unexpected key's own line, else the value's.

    A key the schema does not know is reported against its object by JSON
    Schema; editors (and kb) mark the key itself.  A missing key is marked at
    its parent.
    """
    steps = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        extra = [key for key in error.instance if key not in known]
        if extra and source.has(*steps, extra[0]):
            return source.key_span(*steps, extra[0]).line
    while steps and not source.has(*steps):
        steps.pop()
    return source.span(*steps).line if steps else 1


def _leaves(errors: Any) -> Any:
    """The innermost errors: what an editor shows for a failed ``anyOf`` branch."""
    for error in errors:
        if error.context:
            yield from _leaves(error.context)
        else:
            yield error


def _check_jsonschema() -> str | None:
    here = Path(sys.executable).parent / "check-jsonschema"
    return str(here) if here.exists() else shutil.which("check-jsonschema")


@pytest.fixture(scope="module")
def check_jsonschema_verdicts(corpus_root: Path) -> dict[str, list[str]]:
    exe = _check_jsonschema()
    if exe is None:
        pytest.skip("check-jsonschema is not installed")
    found: dict[str, list[str]] = {case["name"]: [] for case in CASES}
    for kind, folder in FOLDERS.items():
        files = sorted((corpus_root / folder).glob("*.yaml"))
        proc = subprocess.run(
            [exe, "--no-cache", "--output-format", "json",
             "--schemafile", str(REPO / "schemas" / f"{kind}.schema.json"), *map(str, files)],
            capture_output=True, text=True, timeout=300,
        )
        report = json.loads(proc.stdout)
        for err in report.get("errors", []):
            found[Path(err["filename"]).stem].append(f"{err.get('path')}: {err.get('message')}")
        for err in report.get("parse_errors", []):
            found[Path(err["filename"]).stem].append(f"parse: {err.get('message')}")
    return found


def test_corpus_is_large_and_well_formed() -> None:
    names = [case["name"] for case in CASES]
    assert len(names) >= 60
    assert len(set(names)) == len(names), "case names must be unique (they are file names)"
    for case in CASES:
        assert case["expect"] in ("accept", "reject"), case["name"]
        assert case["kind"] in FOLDERS, case["name"]
        if "kb_only" in case:
            assert case["kb_only"] in KB_ONLY, f"{case['name']}: undocumented kb-only reason {case['kb_only']!r}"
            assert case["expect"] == "reject", case["name"]
    assert {c["expect"] for c in CASES} == {"accept", "reject"}


def test_every_kb_only_reason_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.partition("### What the schemas cannot say")[2].partition("\n## ")[0]
    assert section, "README lacks the section 'What the schemas cannot say'"
    for reason in KB_ONLY:
        assert f"`{reason}`" in section, f"README does not list the kb-only check {reason!r}"


def _expected(case: dict[str, Any], validator: str) -> bool:
    """Whether ``validator`` should reject the case."""
    if validator == "check-jsonschema" and case["name"] in READER_DIFFERENCES:
        return case["expect"] != "reject"
    reason = case.get("kb_only")
    if reason and validator in KB_ONLY[reason][1]:
        return False
    return case["expect"] == "reject"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_kb_judges_as_expected(case: dict[str, Any], kb_verdicts: dict[str, list[str]]) -> None:
    found = kb_verdicts[case["name"]]
    assert bool(found) == (case["expect"] == "reject"), found or "kb accepted it"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_jsonschema_agrees(case: dict[str, Any], jsonschema_verdicts: dict[str, list[str]]) -> None:
    found = jsonschema_verdicts[case["name"]]
    assert bool(found) == _expected(case, "jsonschema"), found or "the schema accepted it"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_check_jsonschema_agrees(case: dict[str, Any], check_jsonschema_verdicts: dict[str, list[str]]) -> None:
    found = check_jsonschema_verdicts[case["name"]]
    assert bool(found) == _expected(case, "check-jsonschema"), found or "check-jsonschema accepted it"


def _lines(messages: list[str]) -> set[int]:
    return {int(m.split("|", 1)[0]) for m in messages}


@pytest.mark.parametrize("case", [c for c in CASES if c["expect"] == "reject" and "kb_only" not in c],
                         ids=[c["name"] for c in CASES if c["expect"] == "reject" and "kb_only" not in c])
def test_kb_and_jsonschema_point_at_the_same_line(
    case: dict[str, Any], kb_verdicts: dict[str, list[str]], jsonschema_verdicts: dict[str, list[str]]
) -> None:
    """Not only the same verdict: kb's finding is on a line the schema validator names too."""
    kb_lines, schema_lines = _lines(kb_verdicts[case["name"]]), _lines(jsonschema_verdicts[case["name"]])
    assert kb_lines & schema_lines, (kb_verdicts[case["name"]], jsonschema_verdicts[case["name"]])


def test_unknown_check_kind_names_every_kind(jsonschema_verdicts: dict[str, list[str]]) -> None:
    from kb.checks import CHECK_KINDS

    messages = " ".join(jsonschema_verdicts["check-kind-unknown"])
    for kind in CHECK_KINDS:
        assert repr(kind) in messages, messages


def _object_schemas(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The root and every definition: where properties live."""
    return [("(root)", schema), *schema.get("$defs", {}).items()]


@pytest.mark.parametrize("kind", list(FOLDERS))
def test_every_property_has_a_description_and_one_title_at_most(kind: str) -> None:
    schema = _schema(kind)
    for name, node in _object_schemas(schema):
        for key, prop in node.get("properties", {}).items():
            assert prop.get("description"), f"{kind}: {name}.{key} has no description"
            # one title at most: a union (or a reference) must not carry its own beside its branches'
            if {"anyOf", "oneOf", "$ref"} & prop.keys():
                assert "title" not in prop, f"{kind}: {name}.{key} has a title beside its branches'"


@pytest.mark.parametrize("kind", ["topic"])
def test_level_and_check_kind_are_completable(kind: str) -> None:
    from kb.checks import CHECK_KINDS
    from kb.schema import LEVEL_VALUES

    schema = _schema(kind)
    level = schema["properties"]["level"]
    # one schema, not a union with null: editors would show its title and description twice
    assert "anyOf" not in level and level["type"] == ["string", "null"]
    assert level["enum"] == [*LEVEL_VALUES, None]
    check = schema["$defs"]["Claim"]["properties"]["check"]
    tagged = next(branch for branch in check["anyOf"] if branch.get("type") == "object")
    assert tagged["properties"]["kind"]["enum"] == list(CHECK_KINDS)
