"""The machine report: one typed model of everything a ``kb check`` run found.

``kb check`` writes it (``--report``, default ``<cache>/report.json``) and
prints it with ``--format json``; the site reads it for status badges; ``kb
report merge`` combines the reports of sharded runs into one.  It is plain
data: this module knows nothing of the validators that fill it (they build it
in :mod:`validators.reporters`), so the core and the site can read a report
without importing a rule.

Shape (``"version": 1``, a public contract; keys in this order)::

    version      1
    summary      counts by severity and the number of card files
    diagnostics  every finding, paths relative to the cards root
    generated_at when the run finished (UTC, ISO 8601)
    claims       the claims ledger: every claim, its status and evidence
    links        the link stage: outcome of every checked target
    facts        the fact stage: result of every claim's check
    run          what ran: stages, shard, a digest of the cards

Only ``version``, ``summary`` and ``diagnostics`` are always present (that is
also what ``kb lint --format json`` prints); a section is absent when its
stage did not run.  Within a version keys are only added, never removed or
changed in meaning, and readers ignore keys they do not know; any other
change raises :data:`REPORT_VERSION`.

Reading goes through :func:`load_report`: a missing file is ``None`` (the
"no report yet" state), anything else that is not a report of this version
is a :class:`ReportError` with one clear line.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

REPORT_VERSION = 1

Severity = Literal["error", "warning", "info"]
ClaimStatus = Literal["verified", "not-verified", "disputed", "failing"]
LinkOutcomeName = Literal["ok", "broken", "blocked", "unchecked"]
IdentityVerdict = Literal["match", "mismatch", "inconclusive"]
FactStatus = Literal["ok", "mismatch", "uncheckable", "error"]
Stage = Literal["offline", "links", "facts"]


class ReportError(Exception):
    """A report file that exists but cannot be used: unreadable, not JSON, another version, wrong shape."""


class _Model(BaseModel):
    # Keys are only ever added within a version, so a reader ignores keys it does not know:
    # a report from a newer kb of the same version still reads.
    model_config = ConfigDict(extra="ignore")


class Summary(_Model):
    """Findings by severity, and how many card files were read."""

    error: int = Field(default=0, ge=0, description="Findings of severity error.")
    warning: int = Field(default=0, ge=0, description="Findings of severity warning.")
    info: int = Field(default=0, ge=0, description="Findings of severity info.")
    files: int = Field(default=0, ge=0, description="Card files read.")

    model_config = ConfigDict(extra="allow")  # stages may add counts of their own


class Diagnostic(_Model):
    """One finding, located in a card file."""

    code: str = Field(description="Rule code, e.g. KB302.")
    name: str = Field(description="Rule name: the bad pattern, in kebab-case.")
    severity: Severity = Field(description="Severity after configuration.")
    path: str = Field(description="Card file, relative to the cards root (posix).")
    line: int = Field(ge=1, description="1-based line of the start.")
    col: int = Field(ge=1, description="1-based column of the start.")
    end_line: int = Field(ge=1, description="1-based line of the end.")
    end_col: int = Field(ge=1, description="1-based column of the end.")
    card: str | None = Field(description="'<kind>:<id>' of the card, when it is known.")
    message: str = Field(description="What is wrong.")
    hint: str | None = Field(default=None, description="How to fix it.")
    url: str | None = Field(default=None, description="The rule's documentation page.")

    def sort_key(self) -> tuple[Any, ...]:
        """The order every report lists findings in (the engine's order)."""
        return (self.path, self.line, self.col, self.code, self.message)


class ClaimEntry(_Model):
    """One entry of the claims ledger: a ``claims:`` item or a ``[NOT VERIFIED]`` marker in prose."""

    uid: str = Field(description="'<card-id>#<claim-id>'; markers are '<card-id>#nv-<n>'.")
    card: str = Field(description="'<kind>:<id>' of the card.")
    card_kind: str = Field(description="'topic' or 'digest'.")
    card_id: str = Field(description="The card's id.")
    claim_id: str = Field(description="The claim's id in its card; 'nv-<n>' for the n-th marker.")
    origin: Literal["claim", "marker"] = Field(description="'claim' (a claims: entry) or 'marker' (a [NOT VERIFIED] in prose).")
    path: str = Field(description="Card file, relative to the cards root.")
    line: int = Field(ge=1, description="1-based line of the start.")
    col: int = Field(ge=1, description="1-based column of the start.")
    end_line: int = Field(ge=1, description="1-based line of the end.")
    end_col: int = Field(ge=1, description="1-based column of the end.")
    field: str = Field(description="Where in the card, e.g. 'claims[3]' or 'resources[2].why'.")
    text: str = Field(description="The claim; for a marker, the clause it qualifies.")
    status: ClaimStatus = Field(description="Status after this run's evidence.")
    stated_status: str = Field(description="Status the card itself states.")
    check: str | None = Field(default=None, description="Kind of the claim's machine check, if any.")
    source: str | None = Field(default=None, description="Where in the source work the claim comes from.")
    evidence: dict[str, Any] | None = Field(default=None, description="What the status rests on: method, date, by, measured, note...")
    facts: dict[str, Any] | None = Field(default=None, description="The fact stage's result for this claim, when it ran.")


class LinkOccurrence(_Model):
    """One place a checked URL is written."""

    card: str = Field(description="'<kind>:<id>' of the card.")
    path: str = Field(description="Card file, relative to the cards root.")
    field: str = Field(description="Where in the card, e.g. 'resources[2].url'.")
    line: int = Field(ge=1, description="1-based line.")
    col: int = Field(ge=1, description="1-based column.")


class LinkOutcome(_Model):
    """What checking one target (a URL without its fragment, or arxiv:/doi: identifier) found."""

    url: str = Field(description="The target: URL without fragment, or 'arxiv:<id>' / 'doi:<doi>'.")
    outcome: LinkOutcomeName = Field(description="ok, broken, blocked (401/403/429, challenges, timeouts) or unchecked.")
    status: int | None = Field(default=None, description="Last HTTP status, if any.")
    reason: str = Field(default="", description="Why the outcome is what it is, in words.")
    final_url: str | None = Field(default=None, description="Where the redirects ended.")
    moved_to: str | None = Field(default=None, description="Where a permanent redirect says the link now lives.")
    redirects: list[tuple[str, int]] = Field(default_factory=list, description="Every hop: [url, status].")
    title: str | None = Field(default=None, description="The page's title, as found.")
    cached: bool = Field(default=False, description="The result came from the cache.")
    occurrences: list[LinkOccurrence] = Field(default_factory=list, description="Every place the target is written.")


class IdentityEntry(_Model):
    """The identity verdict for a URL as written in a card: is the page the work the card names?"""

    expected_title: str = Field(description="The title the card names.")
    found_title: str | None = Field(default=None, description="The title the page or the identity service gave.")
    verdict: IdentityVerdict = Field(description="match, mismatch or inconclusive.")


class LinkCounts(_Model):
    """How many targets ended how, and what it cost."""

    checked: int = Field(default=0, ge=0, description="Targets with a result from the network or the cache.")
    ok: int = Field(default=0, ge=0, description="Targets that are ok.")
    broken: int = Field(default=0, ge=0, description="Targets that are broken.")
    blocked: int = Field(default=0, ge=0, description="Targets blocked or unknown.")
    unchecked: int = Field(default=0, ge=0, description="Targets not checked (excluded, offline, out of time).")
    cached: int = Field(default=0, ge=0, description="Results taken from the cache.")
    requests: int = Field(default=0, ge=0, description="HTTP requests sent.")
    seconds: float = Field(default=0.0, ge=0, description="Wall time of the stage.")


class LinksSection(_Model):
    """The link stage's results."""

    offline: bool = Field(default=False, description="No host could be reached: links not in the cache are unchecked.")
    offline_reason: str = Field(default="", description="Why the network looked unreachable.")
    counts: LinkCounts = Field(default_factory=LinkCounts, description="Targets by outcome.")
    summary: str = Field(default="", description="The stage's one-line summary.")
    results: list[LinkOutcome] = Field(default_factory=list, description="One result per target, by target.")
    identity: dict[str, IdentityEntry] = Field(default_factory=dict, description="URL as written -> identity verdict.")
    evidence: dict[str, dict[str, Any]] = Field(default_factory=dict, description="Claim uid -> evidence the resolvers found.")


class FactResultEntry(_Model):
    """The outcome of one claim's machine check."""

    uid: str = Field(description="'<card-id>#<claim-id>' of the claim.")
    card: str = Field(description="'<kind>:<id>' of the card.")
    card_kind: str = Field(description="'topic' or 'digest'.")
    card_id: str = Field(description="The card's id.")
    claim_id: str = Field(description="The claim's id in its card.")
    claim_index: int = Field(ge=0, description="Index in the card's claims list.")
    path: str = Field(description="Card file, relative to the cards root.")
    kind: str = Field(description="The check's kind: params, macs, output_shape...")
    status: FactStatus = Field(description="ok, mismatch, uncheckable or error.")
    claimed: str = Field(description="The value the claim states, as written.")
    measured: str | None = Field(default=None, description="The measured value, written like the claimed one.")
    measured_value: Any = Field(default=None, description="The measured value as a number, shape or record.")
    convention: str = Field(default="", description="How it was measured (e.g. a multiply-add counted as 2 FLOPs).")
    model: str | None = Field(default=None, description="The model measured, as built.")
    message: str = Field(default="", description="The outcome in words.")
    hint: str | None = Field(default=None, description="For a mismatch: under which convention the claim would hold.")
    counterexample: dict[str, Any] | None = Field(default=None, description="For a formula: a case where it disagrees with the op.")
    cached: bool = Field(default=False, description="Every measurement came from the cache.")
    evidence: dict[str, Any] = Field(default_factory=dict, description="Evidence for the claims ledger: method, date, by, versions, measured.")


class FactsSection(_Model):
    """The fact stage's results."""

    versions: dict[str, str] | None = Field(default=None, description="torch and torchvision versions measured with.")
    device: str = Field(default="auto", description="Where models were built and run.")
    measured: int = Field(default=0, ge=0, description="Measurements taken this run.")
    cached: int = Field(default=0, ge=0, description="Measurements taken from the cache.")
    seconds: float = Field(default=0.0, ge=0, description="Wall time of the stage.")
    counts: dict[FactStatus, int] = Field(default_factory=dict, description="Results by status.")
    results: list[FactResultEntry] = Field(default_factory=list, description="One result per claim check, by uid.")


class Shard(_Model):
    """Which part of the link and fact work a run did (``kb check --shard index/count``)."""

    index: int = Field(ge=1, description="Which part, from 1.")
    count: int = Field(ge=1, description="Into how many parts the work was split.")

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


class RunInfo(_Model):
    """What produced the report."""

    kb_version: str = Field(default="", description="Version of kb that wrote the report.")
    stages: list[Stage] = Field(default_factory=list, description="Rule stages that ran.")
    shard: Shard | None = Field(default=None, description="The part of the link and fact work done; absent: all of it.")
    cards_digest: str = Field(default="", description="sha256 over the card files' paths and bytes, to tell whether reports describe the same cards.")
    fail_on: Severity | None = Field(default=None, description="Lowest severity that failed the run.")


class Report(_Model):
    """Everything one kb check run found: findings, the claims ledger, link and fact results."""

    version: Literal[1] = Field(default=REPORT_VERSION, description="Version of this shape.")
    summary: Summary = Field(default_factory=Summary, description="Findings by severity, and card files read.")
    diagnostics: list[Diagnostic] = Field(default_factory=list, description="Every finding, in path, line, column, code order.")
    generated_at: str | None = Field(default=None, description="When the run finished (UTC, ISO 8601).")
    claims: list[ClaimEntry] | None = Field(default=None, description="The claims ledger; absent when not computed.")
    links: LinksSection | None = Field(default=None, description="Link results; absent when links were not checked.")
    facts: FactsSection | None = Field(default=None, description="Fact results; absent when facts were not re-run.")
    run: RunInfo | None = Field(default=None, description="What produced the report; absent in kb lint output.")

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "kb check report"},
    )

    # ------------------------------------------------------------------ views

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, keys in contract order; absent sections are left out rather than null."""
        doc = self.model_dump(mode="json")
        for key in ("generated_at", "claims", "links", "facts", "run"):
            if doc.get(key) is None:
                doc.pop(key, None)
        return doc

    def to_json(self) -> str:
        # ensure_ascii off: card text is full of names and symbols people should read as written
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    # ------------------------------------------------------------------ files

    def write(self, path: Path | str) -> Path:
        """Write the report to ``path`` atomically (see :func:`write_text_atomic`)."""
        return write_text_atomic(Path(path), self.to_json())


def report_json_schema() -> dict[str, Any]:
    """JSON Schema of :class:`Report` (``schemas/report.schema.json``)."""
    schema = Report.model_json_schema()
    schema.setdefault("$schema", "https://json-schema.org/draft/2020-12/schema")
    return schema


def parse_report(data: Any, *, where: str = "report") -> Report:
    """Validate decoded JSON as a report; :class:`ReportError` with one clear line when it is not one."""
    if not isinstance(data, dict):
        raise ReportError(f"{where}: not a kb check report (expected a JSON object, found {type(data).__name__})")
    version = data.get("version")
    if version != REPORT_VERSION:
        if isinstance(version, int) and not isinstance(version, bool) and version > REPORT_VERSION:
            advice = "it was written by a newer kb; upgrade kb, or run 'kb check' again with this one"
        else:
            advice = "run 'kb check' again to write a current one"
        raise ReportError(f"{where}: report version {version!r} is not supported (this kb reads version "
                          f"{REPORT_VERSION}); {advice}")
    try:
        return Report.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".") or "(top level)"
        more = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
        raise ReportError(f"{where}: not a valid kb check report: {loc}: {err['msg']}{more}") from None


def load_report(path: Path | str | None) -> Report | None:
    """The report at ``path``; ``None`` when there is none yet; :class:`ReportError` when it is unusable."""
    if path is None:
        return None
    path = Path(path)
    if not path.exists():
        return None
    if path.is_dir():
        raise ReportError(f"{path}: is a folder, not a report file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ReportError(f"{path}: not a kb check report (not UTF-8 text)") from None
    except OSError as exc:
        raise ReportError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}: not a kb check report (invalid JSON at line {exc.lineno}, column {exc.colno}: "
                          f"{exc.msg}; was the run interrupted?)") from None
    return parse_report(data, where=str(path))


def cards_digest(root: Path, files: Iterable[Path]) -> str:
    """sha256 over each card file's path (relative to ``root``) and bytes, in path order.

    Two reports with the same digest describe the same cards, whichever
    machine or checkout wrote them.  A file that cannot be read counts by its
    name alone (the loader reports it).
    """
    h = hashlib.sha256()
    entries = []
    for p in files:
        try:
            rel = Path(p).resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            rel = Path(p).as_posix()
        entries.append((rel, Path(p)))
    for rel, p in sorted(entries):
        h.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        try:
            h.update(hashlib.sha256(p.read_bytes()).digest())
        except OSError:
            h.update(b"unreadable")
    return "sha256:" + h.hexdigest()


def write_text_atomic(target: Path, text: str) -> Path:
    """Write ``text`` to ``target`` so that readers see the old file or the whole new one.

    The text goes to a temporary file in the same folder, is flushed to disk
    and then moved over ``target`` with :func:`os.replace`.  Missing parent
    folders are created; an existing file's permissions are kept.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        # mkstemp makes the file private; a report is meant to be read, so keep the old file's mode
        os.chmod(tmp_name, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    return target
