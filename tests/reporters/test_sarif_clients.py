"""SARIF as its consumers read it: GitHub code scanning and Microsoft's SARIF Multitool.

GitHub's upload (``github/codeql-action/upload-sarif``) reads a relative
``artifactLocation.uri`` from the repository root and ignores ``uriBaseId``;
an alert whose URI names no file of the repository is not shown on any file.
These tests run ``kb lint --format sarif`` as CI does, on a real git
repository whose cards lie in a subfolder, and check:

* every result's URI resolves to an existing file from the repository root
  (found by git, or given with ``--sarif-root``);
* the rules GitHub documents for uploaded SARIF ("SARIF support for code
  scanning" in GitHub's docs): version 2.1.0, a driver name, rule ids with
  short and full descriptions, results with a rule id, a level, a message and
  between one and ten locations, regions with a start line, fingerprints as
  strings, and the upload limits (25,000 results and rules per run, 20 runs,
  20 tags per rule);
* Microsoft's SARIF Multitool ``validate`` (npm ``@microsoft/sarif-multitool``;
  skipped when ``npm ci`` has not installed it) finds no error or warning, with
  its SARIF rules and its GitHub ingestion rules.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
MULTITOOL = REPO / "node_modules" / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool"

TOPIC = """\
id: cnns
title: CNNs
level: expert
resources:
  - id: video
    role: video
    title: A lecture
    url: htps://example.org/lecture
"""
COURSE = """\
id: intro
title: Intro
modules:
  - title: One
    topics: [cnns, attention]
"""


def kb(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run([sys.executable, "-m", "kb", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with its cards under ``content/my cards`` (a space, to test encoding)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    cards = root / "content" / "my cards"
    for sub in ("topics", "digests", "courses"):
        (cards / sub).mkdir(parents=True)
    (cards / "topics" / "cnns.yaml").write_text(TOPIC, encoding="utf-8")
    (cards / "courses" / "intro.yaml").write_text(COURSE, encoding="utf-8")
    (cards / "topics" / "broken.yaml").write_text("id: broken\ntitle: a: b\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def _sarif(repo: Path, *extra: str, cwd: Path | None = None) -> dict:
    out = repo.parent / "kb.sarif"
    proc = kb("lint", str(repo / "content" / "my cards"), "--format", "sarif", "-o", str(out), *extra, cwd=cwd or repo.parent)
    assert proc.returncode == 1, proc.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def _uris(log: dict) -> list[dict]:
    return [loc["physicalLocation"]["artifactLocation"] for r in log["runs"][0]["results"] for loc in r["locations"]]


def test_uris_are_relative_to_the_git_root_wherever_kb_runs(repo: Path) -> None:
    log = _sarif(repo, cwd=repo.parent)  # run from outside the repository
    locations = _uris(log)
    assert locations
    for loc in locations:
        assert loc["uriBaseId"] == "%SRCROOT%"
        assert loc["uri"].startswith("content/my%20cards/")
        assert (repo / unquote(loc["uri"])).is_file(), loc
    base = log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert Path(unquote(urlsplit(base).path)) == repo.resolve()


def test_sarif_root_overrides_git(repo: Path) -> None:
    log = _sarif(repo, "--sarif-root", str(repo / "content"))
    for loc in _uris(log):
        assert loc["uri"].startswith("my%20cards/")
        assert (repo / "content" / unquote(loc["uri"])).is_file()


def test_a_file_outside_the_source_root_gets_an_absolute_uri(repo: Path) -> None:
    elsewhere = repo / "elsewhere"
    elsewhere.mkdir()
    log = _sarif(repo, "--sarif-root", str(elsewhere))
    for loc in _uris(log):
        assert "uriBaseId" not in loc  # SARIF: an absolute URI carries no base id
        assert Path(unquote(urlsplit(loc["uri"]).path)).is_file()


@pytest.mark.parametrize("git", ["not a repository", "not installed"])
def test_without_git_the_root_is_the_working_directory_or_else_the_cards(tmp_path: Path, monkeypatch, git: str) -> None:
    from validators.reporters.sarif import source_root

    if git == "not installed":
        monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    elif subprocess.run(["git", "-C", str(tmp_path), "rev-parse"], capture_output=True).returncode == 0:
        pytest.skip("the temporary folder lies inside a git repository")
    work, cards = tmp_path / "work", tmp_path / "elsewhere" / "cards"
    (work / "cards").mkdir(parents=True)
    cards.mkdir(parents=True)
    monkeypatch.chdir(work)
    assert source_root(work / "cards") == work  # under the working directory: URIs like cards/topics/x.yaml
    assert source_root(work) == work
    assert source_root(cards) == cards  # outside it: relative to the cards root, never ../ paths


def test_sarif_root_must_be_a_folder(repo: Path) -> None:
    proc = kb("lint", str(repo / "content" / "my cards"), "--format", "sarif", "--sarif-root", str(repo / "nope"), cwd=repo)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "--sarif-root" in proc.stderr


def test_help_uri_follows_the_configured_docs_url(repo: Path) -> None:
    log = _sarif(repo)
    assert all("helpUri" not in rule for rule in log["runs"][0]["tool"]["driver"]["rules"])
    (repo / "kb.toml").write_text("cards = 'content/my cards'\n", encoding="utf-8")
    (repo / "mkdocs.yml").write_text("site_name: x\nsite_url: https://docs.example.org/kb/\n", encoding="utf-8")
    out = repo / "kb.sarif"
    proc = kb("lint", "--format", "sarif", "-o", str(out), cwd=repo)
    assert proc.returncode == 1, proc.stderr
    driver = json.loads(out.read_text(encoding="utf-8"))["runs"][0]["tool"]["driver"]
    assert driver["rules"] and all(r["helpUri"] == f"https://docs.example.org/kb/rules/{r['id']}/" for r in driver["rules"])
    assert driver["informationUri"] == "https://docs.example.org/kb/"
    (repo / "kb.toml").write_text(
        "cards = 'content/my cards'\ndocs_url = 'https://lint.example/{name}.html'\n", encoding="utf-8"
    )
    proc = kb("lint", "--format", "sarif", "-o", str(out), cwd=repo)
    rules = json.loads(out.read_text(encoding="utf-8"))["runs"][0]["tool"]["driver"]["rules"]
    assert all(r["helpUri"] == f"https://lint.example/{r['name']}.html" for r in rules)


def github_problems(log: dict) -> list[str]:
    """What GitHub's documented SARIF rules for code scanning would refuse or not map."""
    problems = []
    if log.get("version") != "2.1.0":
        problems.append("version must be 2.1.0")
    runs = log.get("runs") or []
    if not 1 <= len(runs) <= 20:
        problems.append("1 to 20 runs")
    for run in runs:
        driver = run.get("tool", {}).get("driver", {})
        if not driver.get("name"):
            problems.append("tool.driver.name is required")
        rules = driver.get("rules", [])
        if len(rules) > 25_000:
            problems.append("at most 25,000 rules per run")
        for rule in rules:
            if not rule.get("id"):
                problems.append("every rule needs an id")
            for key in ("shortDescription", "fullDescription"):
                if not rule.get(key, {}).get("text"):
                    problems.append(f"rule {rule.get('id')}: {key}.text")
            if "helpUri" in rule and urlsplit(rule["helpUri"]).scheme not in ("http", "https"):
                problems.append(f"rule {rule.get('id')}: helpUri must be a web address")
            if len(rule.get("properties", {}).get("tags", [])) > 20:
                problems.append(f"rule {rule.get('id')}: at most 20 tags")
        results = run.get("results", [])
        if len(results) > 25_000:
            problems.append("at most 25,000 results per run")
        ids = [rule.get("id") for rule in rules]
        for i, result in enumerate(results):
            where = f"result {i}"
            if result.get("ruleId") not in ids:
                problems.append(f"{where}: ruleId names no rule")
            elif "ruleIndex" in result and ids[result["ruleIndex"]] != result["ruleId"]:
                problems.append(f"{where}: ruleIndex disagrees with ruleId")
            if result.get("level") not in ("error", "warning", "note", "none"):
                problems.append(f"{where}: level")
            if not result.get("message", {}).get("text"):
                problems.append(f"{where}: message.text")
            locations = result.get("locations", [])
            if not 1 <= len(locations) <= 10:
                problems.append(f"{where}: 1 to 10 locations (GitHub shows the first)")
            for loc in locations:
                physical = loc.get("physicalLocation", {})
                uri = physical.get("artifactLocation", {}).get("uri", "")
                parts = urlsplit(uri)
                if parts.scheme and parts.scheme != "file":
                    problems.append(f"{where}: uri must be relative to the repository root, or a file URI")
                if not parts.scheme and (uri.startswith("/") or ".." in uri.split("/")):
                    problems.append(f"{where}: relative uri {uri!r} must stay inside the repository")
                if physical.get("region", {}).get("startLine", 0) < 1:
                    problems.append(f"{where}: region.startLine")
            for value in result.get("partialFingerprints", {}).values():
                if not isinstance(value, str):
                    problems.append(f"{where}: fingerprints are strings")
    return problems


def test_github_rules_catch_what_they_should() -> None:
    """The checker above really refuses the shapes GitHub refuses, so the next test can fail."""
    good = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "kb", "rules": [
        {"id": "KB1", "shortDescription": {"text": "s"}, "fullDescription": {"text": "f"}}]}},
        "results": [{"ruleId": "KB1", "ruleIndex": 0, "level": "error", "message": {"text": "m"},
                     "locations": [{"physicalLocation": {"artifactLocation": {"uri": "cards/a.yaml"},
                                                         "region": {"startLine": 1}}}]}]}]}
    assert github_problems(good) == []
    for uri in ("/abs/cards/a.yaml", "../a.yaml", "https://x/a.yaml"):
        bad = json.loads(json.dumps(good))
        bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = uri
        assert github_problems(bad), uri


def test_committed_cards_meet_githubs_rules_and_map_to_repository_files() -> None:
    proc = kb("lint", "cards", "--format", "sarif", "--select", "KB", cwd=REPO)
    assert proc.returncode in (0, 1), proc.stderr
    log = json.loads(proc.stdout)
    assert github_problems(log) == []
    top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=REPO, capture_output=True, text=True)
    root = Path(top.stdout.strip()) if top.returncode == 0 else REPO
    locations = _uris(log)
    assert locations, "the committed cards have findings (info at least) to map"
    for loc in locations:
        assert loc["uri"].startswith("cards/"), loc
        assert (root / unquote(loc["uri"])).is_file(), loc


def test_sarif_multitool_validate_finds_nothing(repo: Path, tmp_path: Path) -> None:
    """With the site configured (its home is the driver's informationUri, which the Multitool asks for)."""
    if not os.access(MULTITOOL, os.X_OK):
        pytest.skip("the SARIF Multitool is not installed (npm ci)")
    (repo / "kb.toml").write_text("cards = 'content/my cards'\n", encoding="utf-8")
    (repo / "mkdocs.yml").write_text("site_name: x\nsite_url: https://docs.example.org/kb/\n", encoding="utf-8")
    log = _sarif(repo, cwd=repo)
    sarif = tmp_path / "in.sarif"
    sarif.write_text(json.dumps(log), encoding="utf-8")
    out = tmp_path / "validation.sarif"
    env = {**os.environ, "DOTNET_CLI_TELEMETRY_OPTOUT": "1", "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1"}
    proc = subprocess.run(
        [str(MULTITOOL), "validate", str(sarif), "--output", str(out), "--rule-kind", "Sarif;Gh",
         "--level", "Error;Warning", "--log", "ForceOverwrite"],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    findings = json.loads(out.read_text(encoding="utf-8"))["runs"][0].get("results", [])
    assert findings == [], json.dumps(findings, indent=1)[:2000]


def test_sarif_multitool_catches_a_broken_log(tmp_path: Path, repo: Path) -> None:
    """The Multitool really reports problems, so the test above can fail."""
    if not os.access(MULTITOOL, os.X_OK):
        pytest.skip("the SARIF Multitool is not installed (npm ci)")
    log = _sarif(repo)
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    sarif = tmp_path / "broken.sarif"
    sarif.write_text(json.dumps(log), encoding="utf-8")
    out = tmp_path / "validation.sarif"
    env = {**os.environ, "DOTNET_CLI_TELEMETRY_OPTOUT": "1", "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1"}
    subprocess.run(
        [str(MULTITOOL), "validate", str(sarif), "--output", str(out), "--rule-kind", "Sarif;Gh",
         "--level", "Error;Warning", "--log", "ForceOverwrite"],
        capture_output=True, text=True, timeout=300, env=env,
    )
    findings = json.loads(out.read_text(encoding="utf-8"))["runs"][0].get("results", [])
    assert findings
