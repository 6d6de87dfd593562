"""The ``kb`` command line.

Exit codes: 0 clean, 1 findings at or above ``--fail-on``, 2 usage or
configuration error.  No traceback reaches the user: an unexpected failure is
one line on stderr (set ``KB_DEBUG=1`` to see the traceback) and exit code 3.

Heavy dependencies are imported only by the commands that need them:
``kb lint`` never imports torch, httpx or mkdocs.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Sequence

from kb import __version__
from kb.config import ConfigError, LoadedConfig

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

#: output formats of the diagnostics commands (validators.reporters.FORMATS plus "auto");
#: spelled out here so building the parser imports no reporter
REPORT_FORMATS = ("auto", "text", "json", "sarif", "github", "junit")


class UsageError(Exception):
    """Bad arguments: one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


# --------------------------------------------------------------------------- helpers


def _err(msg: str) -> None:
    print(f"kb: {msg}", file=sys.stderr)


def _is_tty(stream: Any) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _progress_enabled(args: argparse.Namespace) -> bool:
    return not getattr(args, "quiet", False) and _is_tty(sys.stderr)


class _LoadProgress:
    """``loading cards 1,200/15,200`` on stderr while a large knowledge base loads, erased when done.

    Drawn only on a terminal, only once loading has taken half a second, and
    at most ten times a second.
    """

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.last = 0.0
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total:
            if self.drawn:
                sys.stderr.write("\r\033[K")
                sys.stderr.flush()
                self.drawn = False
            return
        if now - self.started < 0.5 or now - self.last < 0.1:
            return
        self.last = now
        sys.stderr.write(f"\rloading cards {done:,}/{total:,}")
        sys.stderr.flush()
        self.drawn = True


def _codes(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


class Session:
    """The project (see :mod:`kb.project`) with the command line's overrides, and its cards, loaded once."""

    def __init__(self, args: argparse.Namespace):
        from kb.project import Project

        if getattr(args, "sarif_root", None) and not Path(args.sarif_root).is_dir():
            raise UsageError(f"--sarif-root {args.sarif_root} is not a folder")
        self.project = Project.discover(
            getattr(args, "path", None),
            config_file=getattr(args, "config", None),
            cache_dir=getattr(args, "cache_dir", None),
            report=getattr(args, "report", None),
        )
        self.loaded: LoadedConfig = self.project.loaded
        self.root = self.project.cards_root
        self.config = cfg = self.project.config
        if getattr(args, "select", None):
            cfg.select = _codes(args.select)
        if getattr(args, "ignore", None):
            cfg.ignore = cfg.ignore + _codes(args.ignore)
        self.args = args
        jobs = getattr(args, "jobs", None)
        self.jobs: int = cfg.jobs if jobs is None else jobs
        #: the parse cache is for the commands that ask for it (lint, check, links, facts)
        self.no_cache: bool = getattr(args, "no_cache", True)
        #: the cards root as already listed (kb.store.scan_cards), for the loader to use
        self.listing = None
        #: what the loader's worker processes run on each card they parse (kb.store.load_kb)
        self.card_check = None
        self._kb = None
        self._graph = None

    @property
    def kb(self):
        if self._kb is None:
            progress = _LoadProgress() if _progress_enabled(self.args) else None
            self._kb = self.project.load_kb(cache=not self.no_cache, jobs=self.jobs, progress=progress, listing=self.listing,
                                            card_check=self.card_check)
            # The cards live until the command ends: keep the cyclic collector from walking them
            # again at every collection the graph and the rules trigger (seconds at 10,000 topics).
            gc.freeze()
        return self._kb

    @property
    def graph(self):
        if self._graph is None:
            from kb.graph import build_graph

            self._graph = build_graph(self.kb)
        return self._graph

    @property
    def cache_dir(self) -> Path:
        return self.project.cache_dir

    def sources(self) -> dict[str, str]:
        return {c.rel: c.text for c in self.kb.all_cards}


def _add_common(p: argparse.ArgumentParser, *, formats: bool = True, path: bool = True) -> None:
    if path:
        p.add_argument("path", nargs="?", help="cards root (a folder with topics/, digests/, courses/); default: [tool.kb] cards, else ./cards")
    p.add_argument("--config", metavar="FILE", help="use this kb.toml or pyproject.toml instead of searching upward")
    p.add_argument("--select", metavar="CODES", help="comma-separated code prefixes to run (replaces [tool.kb] select)")
    p.add_argument("--ignore", metavar="CODES", help="comma-separated code prefixes to skip (added to [tool.kb] ignore)")
    if formats:
        p.add_argument("--format", choices=REPORT_FORMATS, default="auto", help="output format (default: auto: github under GitHub Actions, else text)")
        p.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
        p.add_argument("--fail-on", choices=("error", "warning", "info"), help="lowest severity that makes the exit code 1 (default: [tool.kb] fail_on, else error)")
        p.add_argument("--show-info", "-v", "--verbose", dest="show_info", action="store_true",
                       help="text format: list every info finding (by default they are summarised, one line per code)")
        p.add_argument("--sarif-root", metavar="DIR", help="folder SARIF file URIs are relative to (default: the git repository's top folder)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress or summary lines on stderr")


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number of jobs: {text!r}") from None
    if not 0 <= value <= 64:
        raise argparse.ArgumentTypeError(f"--jobs must be between 0 and 64, got {value}")
    return value


def _add_loading(p: argparse.ArgumentParser, *, cache_dir: bool = True) -> None:
    """Options of the commands that load the cards: parallel parsing and the parse cache."""
    p.add_argument("--jobs", "-j", type=_jobs, metavar="N",
                   help="parse card files in N processes (default: [tool.kb] jobs; 0 chooses from the work and the CPUs)")
    p.add_argument("--no-cache", action="store_true", help="parse every card again instead of reusing the parse cache")
    if cache_dir:
        p.add_argument("--cache-dir", metavar="DIR", help="cache folder (default: $KB_CACHE_DIR, else .kb-cache beside the cards)")


def _add_network(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cache-dir", metavar="DIR", help="cache folder (default: $KB_CACHE_DIR, else .kb-cache beside the cards)")
    p.add_argument("--allow-private-hosts", action="store_true", help="also fetch URLs on loopback and private addresses")


def _add_facts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", choices=("auto", "meta", "cpu", "cuda"), help="where checks that need a forward pass run (default: [tool.kb.facts] device)")


def _emit(args: argparse.Namespace, session: Session, diags: list, report: Any = None, reused: Any = None) -> int:
    """Print (or write to ``-o``) the diagnostics in the chosen format; return the exit code.

    With ``report`` (a :class:`kb.report.Report`), the ``json`` format is that
    whole report, the same document ``kb check`` writes for the site. With
    ``reused`` (a :class:`validators.incremental.Reused`), the file count and
    texts come from it instead of the loaded cards.
    """
    from validators.engine import exit_code, summarize
    from validators.reporters import render, resolve_format

    if report is not None and resolve_format(args.format) == "json":
        text = report.to_json()
    else:
        files = reused.files if reused is not None else len(session.kb.files)
        summary = summarize(diags, files=files)
        color = False if args.output else None  # files never get ANSI colour
        # "auto" is resolved by the reporters: github under GitHub Actions, else text
        sarif_root = Path(args.sarif_root) if getattr(args, "sarif_root", None) else None
        sources = reused.sources if reused is not None else session.sources()
        text = render(args.format, diags, summary, root=session.root, sources=sources, color=color,
                      sarif_root=sarif_root, show_info=bool(getattr(args, "show_info", False)))
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        # as on stdout: a file name that is not UTF-8 is written as its own bytes
        Path(args.output).write_text(text, encoding="utf-8", errors="surrogateescape")
    else:
        sys.stdout.write(text)
        if text and not text.endswith("\n"):
            sys.stdout.write("\n")
    return exit_code(diags, _fail_on(args, session))


def _fail_on(args: argparse.Namespace, session: Session) -> str:
    return args.fail_on or session.config.fail_on


def _offline_context(session: Session, **stages: Any):
    from validators.context import RuleContext

    return RuleContext(session.kb, session.graph, session.config, **stages)


# --------------------------------------------------------------------------- commands


def cmd_lint(args: argparse.Namespace) -> int:
    from validators.engine import run_rules

    session = Session(args)
    if session.no_cache:
        return _emit(args, session, run_rules(_offline_context(session), stages=("offline",)))
    from validators.engine import validate_rule_config
    from validators.findingcache import card_check
    from validators.incremental import LintRecord

    validate_rule_config(session.config)  # the record's key reads the rule options: say what a cold run says first
    project = session.project
    record = LintRecord(session.root, session.config, project.parse_cache_dir,
                        max_file_bytes=project.max_file_bytes, max_nodes=project.max_nodes)
    reused = record.reuse()
    if reused is not None:
        return _emit(args, session, reused.diagnostics, reused=reused)
    session.listing = record.listing
    # the workers that parse the cards also run the card-scoped rules on them, for the finding cache
    session.card_check = card_check(session.root, session.config)
    origins: dict = {}
    diags = run_rules(_offline_context(session), stages=("offline",), cache_dir=project.parse_cache_dir, origins=origins)
    record.save(session.kb, diags, origins)
    return _emit(args, session, diags)


def _run_links(args: argparse.Namespace, session: Session, evidence: dict, shard: tuple[int, int] | None = None) -> Any:
    from validators.sharding import run_links_shard

    cfg = session.config.links
    return run_links_shard(
        session.kb,
        cfg,
        shard,
        cache_dir=session.cache_dir,
        allow_private_hosts=bool(args.allow_private_hosts or cfg.allow_private_hosts),
        progress=_progress_enabled(args),
        evidence=evidence,
    )


def _torch_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None and importlib.util.find_spec("torchvision") is not None


def _run_facts(args: argparse.Namespace, session: Session, shard: tuple[int, int] | None = None) -> Any:
    from validators.facts import run_facts
    from validators.sharding import fact_selector

    device = args.device or session.config.facts.device
    return run_facts(
        session.kb,
        session.config.facts,
        cache_dir=session.cache_dir,
        device=device,
        progress=_progress_enabled(args),
        select=fact_selector(shard, session.kb),
    )


def _say(args: argparse.Namespace, line: str) -> None:
    if not getattr(args, "quiet", False):
        print(line, file=sys.stderr)


def cmd_check(args: argparse.Namespace) -> int:
    """Offline rules, then links and facts unless switched off; writes the machine report."""
    from kb.report import cards_digest
    from validators.engine import run_rules, summarize
    from validators.reporters.machine import build_report

    shard = None
    if args.shard is not None:
        from validators.sharding import parse_shard

        try:
            shard = parse_shard(args.shard)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    session = Session(args)
    stages = ["offline"]
    evidence: dict = {}
    links = facts = None
    started = time.monotonic()
    if not args.no_links:
        links = _run_links(args, session, evidence, shard)
        stages.append("links")
        _say(args, links.summary_line())
    if not args.no_facts:
        if _torch_available():
            facts = _run_facts(args, session, shard)
            stages.append("facts")
            _say(args, facts.summary_line())
        else:
            _say(args, "facts: not checked (torch and torchvision are not installed; pip install 'kb-curriculum[facts]')")
    ctx = _offline_context(session, links=links, facts=facts, evidence=evidence)
    diags = run_rules(ctx, stages=stages)
    report = build_report(
        diags, summarize(diags, files=len(session.kb.files)), root=session.root, ctx=ctx, stages=stages,
        shard=shard, cards_digest=cards_digest(session.root, session.kb.files), fail_on=_fail_on(args, session),
    )
    report_path = session.project.report_path
    report.write(report_path)
    part = f" (shard {shard[0]}/{shard[1]} of the link and fact work; combine with 'kb report merge')" if shard else ""
    _say(args, f"check: {len(diags)} findings in {time.monotonic() - started:.1f}s; report written to {report_path}{part}")
    return _emit(args, session, diags, report)


def cmd_report(args: argparse.Namespace) -> int:
    """``kb report merge``: the shard reports of one ``kb check --shard`` matrix as one report."""
    from kb.report import ReportError, cards_digest, load_report
    from validators.diagnostic import Diagnostic, Severity
    from validators.engine import run_rules, summarize
    from validators.registry import all_rules
    from validators.reporters.machine import build_report
    from validators.sharding import MergeError, check_reports, merge_stage_results, merged_sections

    reports = []
    for name in args.reports:
        try:
            rep = load_report(name)
        except ReportError as exc:
            raise UsageError(str(exc)) from None
        if rep is None:
            raise UsageError(f"no such report: {name}")
        reports.append((name, rep))
    session = Session(args)
    try:
        count = check_reports(reports, cards_digest(session.root, session.kb.files))
        stage_codes = {code for code, rule in all_rules().items() if rule.needs != "offline"}
        merged = merge_stage_results(reports, stage_codes=stage_codes)
    except MergeError as exc:
        raise UsageError(str(exc)) from None
    # The offline rules once, over the cards, with every shard's link and fact results:
    # what an unsharded run finds, claims ledger included, and no finding twice.
    ctx = _offline_context(session, links=merged.links, facts=merged.facts, evidence=merged.evidence)
    diags = run_rules(ctx, stages=("offline",))
    diags += [
        Diagnostic(code=d.code, name=d.name, severity=Severity(d.severity), path=d.path, line=d.line, col=d.col,
                   end_line=d.end_line, end_col=d.end_col, card=d.card, message=d.message, hint=d.hint, url=d.url)
        for d in merged.stage_diagnostics
    ]
    diags.sort(key=Diagnostic.sort_key)
    fail_on = args.fail_on or merged.fail_on or session.config.fail_on
    report = build_report(
        diags, summarize(diags, files=len(session.kb.files)), root=session.root, ctx=ctx, stages=merged.stages,
        cards_digest=cards_digest(session.root, session.kb.files), fail_on=fail_on,
    )
    merged_sections(report, [rep for _name, rep in reports])
    if args.report:
        report.write(args.report)
    _say(args, f"report merge: {count} shard report(s), {len(diags)} findings"
               + (f"; merged report written to {args.report}" if args.report else ""))
    args.fail_on = fail_on
    return _emit(args, session, diags, report)


def cmd_links(args: argparse.Namespace) -> int:
    from validators.engine import run_rules

    session = Session(args)
    evidence: dict = {}
    links = _run_links(args, session, evidence)
    _say(args, links.summary_line())
    ctx = _offline_context(session, links=links, evidence=evidence)
    diags = run_rules(ctx, stages=("links",))
    return _emit(args, session, diags)


def cmd_facts(args: argparse.Namespace) -> int:
    from validators.engine import run_rules

    session = Session(args)
    if not _torch_available():
        raise UsageError("kb facts needs torch and torchvision: pip install 'kb-curriculum[facts]'")
    facts = _run_facts(args, session)
    _say(args, facts.summary_line())
    ctx = _offline_context(session, facts=facts)
    diags = run_rules(ctx, stages=("facts",))
    return _emit(args, session, diags)


def cmd_claims(args: argparse.Namespace) -> int:
    from validators import claims as claims_mod

    words = list(args.words)
    args.action = words.pop(0) if words and words[0] in ("list", "suggest") else "list"
    if len(words) > 1:
        raise UsageError(f"kb claims takes one PATH, got {' '.join(words)}")
    args.path = words[0] if words else None
    session = Session(args)
    if args.action == "suggest":
        return claims_mod.cli_suggest(session.kb, fmt=args.format, status=None)
    entries = claims_mod.ledger(session.kb)
    if args.status:
        entries = [e for e in entries if e.status == args.status]
    if args.format == "json":
        json.dump([e.to_dict() for e in entries], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        from validators.reporters._common import escape_controls

        for e in entries:  # claim text is card text: it must not drive the terminal
            print(escape_controls(f"{e.path}:{e.line}:{e.col}: [{e.status}] {e.uid}: {e.text}"))
        counts: dict[str, int] = {}
        for e in entries:
            counts[e.status] = counts.get(e.status, 0) + 1
        _say(args, f"{len(entries)} claims: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from kb.importer import import_cards

    sources = [Path(s) for s in args.sources]
    for s in sources:
        if not s.is_file():
            raise UsageError(f"no such file: {s}")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder")
    from validators.claims import suggest_claims
    from validators.reporters._common import escape_controls as _escape_controls

    result = import_cards(sources, out, suggest=suggest_claims)
    for p in result.problems:
        # the file name too: a glob can pass one from someone else's pull request
        print(_escape_controls(f"{p.path}:{p.line}:{p.col}: KB190 [{p.severity}] {p.message}"), file=sys.stderr)
    _say(args, f"imported {len(sources)} file(s): wrote {len(result.written)} card(s) to {out}"
         + (f"; {len(result.problems)} thing(s) could not be mapped" if result.problems else ""))
    # a card that could not be written at all is lost content: fail, as an error finding would
    return EXIT_FINDINGS if any(p.severity == "error" for p in result.problems) else EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from kb.report import report_json_schema
    from kb.schema import json_schemas

    schemas = {**json_schemas(), "report": report_json_schema()}
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for kind, schema in schemas.items():
            (out / f"{kind}.schema.json").write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        _say(args, f"wrote {len(schemas)} schemas to {out}")
        return EXIT_OK
    if args.kind:
        payload: Any = schemas[args.kind]
    else:
        payload = schemas
    json.dump(payload, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return EXIT_OK


def cmd_rule(args: argparse.Namespace) -> int:
    from validators.registry import all_rules, get_rule, render_doc

    if args.all or not args.code:
        if args.format == "json":
            rows = [{"code": r.code, "name": r.name, "severity": r.severity.value, "needs": r.needs, "summary": r.summary()}
                    for r in all_rules().values()]
            json.dump(rows, sys.stdout, indent=2)
            sys.stdout.write("\n")
        else:
            for r in all_rules().values():
                print(f"{r.code}  {r.name:<38} {r.severity.value:<8} {r.summary()}")
        return EXIT_OK
    rule = get_rule(args.code)
    if rule is None:
        raise UsageError(f"unknown rule {args.code!r} (see 'kb rule --all')")
    print(render_doc(rule), end="")
    return EXIT_OK


def cmd_graph(args: argparse.Namespace) -> int:
    from kb import graph as g

    session = Session(args)
    if args.course and args.course not in session.kb.courses:
        raise UsageError(f"unknown course {args.course!r} (known: {', '.join(sorted(session.kb.courses)) or 'none'})")
    if args.format == "mermaid":
        print(g.to_mermaid(session.graph, args.course))
    else:
        from kb.export import graph_json

        json.dump(graph_json(session.graph, args.course), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from kb.export import export_records, export_document

    session = Session(args)
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    stream = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    try:
        if args.format == "json":
            json.dump(export_document(session.kb, session.graph), stream, indent=2, ensure_ascii=False)
            stream.write("\n")
        else:
            for record in export_records(session.kb, session.graph):
                stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    finally:
        if args.output:
            stream.close()
    if session.kb.problems:
        _say(args, f"note: the cards have {len(session.kb.problems)} problem(s); a card with one is exported without its invalid parts, or left out; run 'kb lint'")
    return EXIT_OK


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kb", description="Resource-card knowledge base and curriculum linter.")
    parser.add_argument("--version", action="version", version=f"kb {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("lint", help="run the offline rules (schema, references, curriculum, claims)")
    _add_common(p)
    _add_loading(p)
    p.set_defaults(func=cmd_lint)

    p = sub.add_parser("check", help="lint, then check links and re-run facts; writes the machine report")
    _add_common(p)
    _add_network(p)
    _add_loading(p, cache_dir=False)
    _add_facts(p)
    p.add_argument("--no-links", action="store_true", help="skip the link checks")
    p.add_argument("--no-facts", action="store_true", help="skip the fact re-runs")
    p.add_argument("--report", metavar="PATH", help="machine report for the site (default: <cache dir>/report.json)")
    p.add_argument("--shard", metavar="I/N", help="check only part I of N of the links and facts (a CI matrix); "
                   "combine the N reports with 'kb report merge'")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("report", help="work with machine reports: 'kb report merge' combines the reports of sharded runs",
                       usage="kb report merge REPORT... [--cards PATH] [options]")
    p.add_argument("action", choices=("merge",), help="what to do: merge")
    p.add_argument("reports", nargs="+", metavar="REPORT", help="the report of every shard ('kb check --shard I/N --report FILE')")
    _add_common(p, path=False)
    p.add_argument("--cards", dest="path", metavar="PATH", help="cards root the shards checked (default: [tool.kb] cards, else ./cards)")
    p.add_argument("--report", metavar="PATH", help="also write the merged machine report here (for the site)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("links", help="check every URL in the cards (and whether each page is the one claimed)")
    _add_common(p)
    _add_network(p)
    _add_loading(p, cache_dir=False)
    p.set_defaults(func=cmd_links)

    p = sub.add_parser("facts", help="re-run the numbers in claims against torch/torchvision")
    _add_common(p)
    _add_network(p)
    _add_loading(p, cache_dir=False)
    _add_facts(p)
    p.set_defaults(func=cmd_facts)

    p = sub.add_parser("claims", help="list the claims ledger, or suggest checks for numbers in prose",
                       usage="kb claims [list|suggest] [PATH] [options]")
    p.add_argument("words", nargs="*", metavar="[list|suggest] [PATH]", help="what to do (default list) and the cards root")
    _add_common(p, formats=False, path=False)
    p.set_defaults(path=None)
    p.add_argument("--status", choices=("verified", "not-verified", "disputed", "failing"))
    p.add_argument("--format", choices=("text", "json", "yaml"), default="text")
    p.set_defaults(func=cmd_claims)

    p = sub.add_parser("import", help="turn cards in the text export format into YAML cards")
    p.add_argument("sources", nargs="+", metavar="SRC")
    p.add_argument("--out", required=True, metavar="DIR", help="cards root to write into (created if missing)")
    p.add_argument("--quiet", "-q", action="store_true")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("schema", help="print or write the JSON Schemas of the card kinds and of the check report")
    p.add_argument("--kind", choices=("topic", "digest", "course", "report"))
    p.add_argument("--out", metavar="DIR", help="write <kind>.schema.json files into DIR")
    p.add_argument("--quiet", "-q", action="store_true")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("rule", help="show a rule's documentation, or list all rules")
    p.add_argument("code", nargs="?", help="a rule code (KB302) or name (missing-resource-role)")
    p.add_argument("--all", action="store_true", help="list every rule")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_rule)

    p = sub.add_parser("graph", help="print the concept graph as Mermaid or JSON")
    _add_common(p, formats=False)
    p.add_argument("--course", metavar="ID", help="only this course's topics")
    p.add_argument("--format", choices=("mermaid", "json"), default="mermaid")
    p.set_defaults(func=cmd_graph)

    p = sub.add_parser("export", help="export the whole knowledge base for the tutor (JSON or JSON Lines)")
    _add_common(p, formats=False)
    p.add_argument("--format", choices=("json", "jsonl"), default="json")
    p.add_argument("--output", "-o", metavar="FILE")
    p.set_defaults(func=cmd_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "command", None):
            parser.print_help()
            return EXIT_USAGE
        return int(args.func(args))
    except (UsageError, ConfigError) as exc:
        _err(f"error: {exc}")
        return EXIT_USAGE
    except OSError as exc:
        # a path the user gave cannot be written or read (a file where a folder is meant, no permission...)
        where = f" {exc.filename}" if exc.filename else ""
        _err(f"error: cannot use{where}: {exc.strerror or exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        # the reader (| head) went away; nothing more to say
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK
    except Exception as exc:  # last line of defence: never a traceback for users
        if os.environ.get("KB_DEBUG"):
            raise
        _err(f"internal error: {type(exc).__name__}: {exc} (set KB_DEBUG=1 for details)")
        return EXIT_INTERNAL


def entry(argv: Sequence[str] | None = None) -> None:
    """The ``kb`` command: run :func:`main` and exit with its code."""
    code = main(argv)
    if "torch" in sys.modules:
        _exit_now(code)
    sys.exit(code)


def _exit_now(code: int) -> None:
    """Exit without the interpreter's teardown, once everything is written.

    With torch and torchvision loaded, freeing their modules at exit takes
    about 0.7 s on a 2-core machine, a fifth of a cold ``kb facts`` run.  By
    the time :func:`main` returns, every file the command wrote is closed and
    the fact cache is saved; this flushes the standard streams, runs the
    ``atexit`` handlers (temporary folders, logging), then leaves.
    """
    import atexit

    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # None when the command was started with the stream closed
                stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be written anyway
            pass
    atexit._run_exitfuncs()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
