"""The ``kb`` MkDocs plugin: the published site's pages, generated from the cards at build time.

A thin adapter.  Each event loads what it needs and hands it to the plain
functions of :mod:`kb.pages`; nothing generated is ever written into
``docs_dir``.

``mkdocs.yml``::

    plugins:
      - search
      - kb:
          cards: cards                  # the cards root (relative to mkdocs.yml)
          report: null                  # default: [tool.kb] report, else <cache>/report.json
          mermaid: node_modules/mermaid/dist/mermaid.min.js

What it does, event by event:

* ``on_config``: works out the project (:class:`kb.project.Project`: the
  configuration, size limits and report path ``kb check`` uses) and adds the
  local Mermaid script to the pages, so Material never fetches Mermaid from
  a CDN;
* ``on_files``: loads the cards and runs the offline rules.  Errors are
  printed exactly as ``kb lint`` prints them; under ``--strict`` they stop
  the build (:class:`~mkdocs.exceptions.PluginError`), otherwise they are
  warnings and the cards that loaded are still published, so ``mkdocs serve``
  keeps showing the site while an author fixes a card.  Then it reads the
  last check report, generates every page (rendering again only the pages
  whose view changed) and adds it as a virtual file, with the navigation and
  the Mermaid script copied from ``node_modules``;
* ``on_page_content``: one more allow-list pass over each generated page;
* ``on_serve``: watches the cards root and the report, so editing a card
  rebuilds the site; under ``mkdocs serve --dirty`` only the changed pages.

Nothing here imports torch or httpx.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files

from kb.project import Project

log = get_plugin_logger(__name__)

#: where the Mermaid script is published inside the site
MERMAID_DEST = "assets/vendor/mermaid/mermaid.min.js"


class KbPluginConfig(Config):
    cards = c.Type(str, default="cards")
    report = c.Optional(c.Type(str))
    mermaid = c.Type(str, default="node_modules/mermaid/dist/mermaid.min.js")
    rules = c.Type(bool, default=True)


class KbPlugin(BasePlugin[KbPluginConfig]):
    def __init__(self) -> None:
        from kb.pages import PageRenderer

        self.project: Project | None = None
        self.cards_root: Path | None = None
        self.report_path: Path | None = None
        self.mermaid_path: Path | None = None
        self.generated: set[str] = set()
        self.blocks: dict[str, list[str]] = {}
        # kept across the rebuilds of `mkdocs serve` (MkDocs keeps plugin instances while the config is unchanged)
        self.renderer = PageRenderer()
        self._last_nav: Any = None
        self.parse_cache: Path | None = None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # Defining on_startup makes MkDocs keep this instance across the rebuilds of `mkdocs serve`,
        # so the renderer remembers each page's last view and a rebuild renders only what changed.
        if command == "serve":
            import tempfile

            # parse results kept between rebuilds, so a rebuild parses only the edited cards; a private
            # folder, because one the server watches would start another rebuild each time it is written
            self.parse_cache = Path(tempfile.mkdtemp(prefix="kb-site-parse-"))

    def on_shutdown(self) -> None:
        if self.parse_cache is not None:
            import shutil

            shutil.rmtree(self.parse_cache, ignore_errors=True)
            self.parse_cache = None

    # ------------------------------------------------------------------ config

    def on_config(self, config: Any) -> Any:
        from kb.config import ConfigError

        base = Path(config.config_file_path).resolve().parent if config.config_file_path else Path.cwd()
        try:
            # the same project `kb check` works out: configuration, size limits, cache and report paths
            self.project = Project.discover(base / self.config.cards,
                                            report=base / self.config.report if self.config.report else None,
                                            cwd=base)
        except ConfigError as exc:
            raise PluginError(f"kb: {exc}") from None
        self.cards_root = self.project.cards_root
        self.mermaid_path = (base / self.config.mermaid).resolve()
        self.report_path = self.project.report_path.resolve()
        if MERMAID_DEST not in [str(s) for s in config.extra_javascript]:
            config.extra_javascript.append(MERMAID_DEST)
        return config

    # ------------------------------------------------------------------ pages

    def on_files(self, files: Files, *, config: Any) -> Files:
        from kb import pages
        from kb.report import ReportError, load_report

        assert self.project is not None
        try:
            report = load_report(self.report_path)
        except ReportError as exc:
            log.warning("%s; building with unknown statuses", exc)
            report = None
        if report is None:
            log.info("no check report at %s: link and claim statuses are shown as unknown or as the cards state them",
                     self.report_path)

        ctx = site_context(self.project, report, strict=bool(config.strict), parse_cache=self.parse_cache,
                           site_name=config.site_name, use_directory_urls=config.use_directory_urls)
        generated = self.renderer.render_all(pages.all_views(ctx, rule_entries() if self.config.rules else ()))
        changed = self.renderer.changed
        self.generated = set()
        self.blocks = {}
        ours: list[_PageFile] = []
        for src_uri, rendered in generated.items():
            if files.get_file_from_path(src_uri) is not None:
                # a hand-written page of the same name wins; say so rather than silently dropping ours
                log.info("%s is hand-written in %s, so the generated page of that name is not used",
                         src_uri, Path(config.docs_dir).name)
                continue
            # the page's HTML is set aside while MkDocs reads its Markdown, and put back in on_page_content
            page = _PageFile.generated(config, src_uri, content=rendered.source)
            self.blocks[src_uri] = list(rendered.blocks)
            page.kb_modified = src_uri in changed
            files.append(page)
            ours.append(page)
            self.generated.add(src_uri)

        self._add_mermaid(files, config)

        written = [f.src_uri for f in files.documentation_pages() if f.src_uri not in self.generated]
        nav = pages.navigation(ctx, generated, extra_pages=[p for p in written if p not in generated])
        if nav != self._last_nav:
            # every page shows the navigation, so a new navigation changes every page
            for page in ours:
                page.kb_modified = True
        self._last_nav = nav
        config.nav = nav
        # topics in no course, digests and index parts are reached through the index pages, by design
        config.not_in_nav = _NOT_IN_NAV
        return files

    def _add_mermaid(self, files: Files, config: Any) -> None:
        path = self.mermaid_path
        if path is None or not path.is_file():
            log.warning(
                "Mermaid not found at %s: run 'npm ci' at the repository root (the Makefile does); "
                "course maps will not render", path,
            )
            return
        files.append(File.generated(config, MERMAID_DEST, abs_src_path=str(path)))
        licence = path.parent.parent / "LICENSE"
        if licence.is_file():
            files.append(File.generated(config, MERMAID_DEST.rsplit("/", 1)[0] + "/LICENSE.txt",
                                        abs_src_path=str(licence)))

    def on_page_content(self, html: str, *, page: Any, config: Any, files: Files) -> str:
        if page.file.src_uri in self.generated:
            from kb.pages import clean_page, fill_html

            return clean_page(fill_html(html, self.blocks.get(page.file.src_uri, [])))
        return html

    # ------------------------------------------------------------------ live editing

    def on_serve(self, server: Any, *, config: Any, builder: Any) -> Any:
        if self.cards_root is not None and self.cards_root.is_dir():
            server.watch(str(self.cards_root))
        if self.report_path is not None and self.report_path.parent.is_dir():
            # the report is replaced atomically, so watch its folder rather than the file
            server.watch(str(self.report_path.parent), recursive=False)
        return server


class _PageFile(File):
    """A generated page that knows whether its content changed since the last build.

    MkDocs asks ``is_modified`` only in a ``--dirty`` build, to skip pages whose
    output is current; a plain build renders every page as usual.
    """

    kb_modified = True

    def is_modified(self) -> bool:
        return self.kb_modified or not os.path.isfile(self.abs_dest_path)


def _not_in_nav() -> Any:
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(["/topics/", "/digests/", "/indexes/", "/courses/", "/claims-*.md",
                                              "/tags-*.md", "/rules/"])


_NOT_IN_NAV = _not_in_nav()


def site_context(project: Project, report: Any, *, strict: bool = False, parse_cache: Path | None = None,
                 **options: Any) -> Any:
    """Load the cards, run the offline rules and build the pages' :class:`~kb.pages.SiteContext`.

    The build's own lint run gives the findings and the claims ledger of the
    cards as they are now; ``report`` (the last ``kb check``) gives statuses,
    link outcomes and the findings of the stages a build does not run.
    """
    from kb import pages
    from kb.graph import build_graph
    from validators.context import RuleContext
    from validators.registry import all_rules

    from kb.store import load_kb

    kb = load_kb(project.cards_root, max_file_bytes=project.max_file_bytes, max_nodes=project.max_nodes,
                 cache_dir=parse_cache)
    graph = build_graph(kb)
    rule_ctx = RuleContext(kb, graph, project.config)
    diagnostics = _check_cards(kb, rule_ctx, strict=strict)
    from validators.reporters.machine import build_report
    from validators.engine import summarize

    live = build_report(diagnostics, summarize(diagnostics, files=len(kb.files)), root=kb.root, ctx=rule_ctx,
                        stages=("offline",))
    offline = frozenset(code for code, rule in all_rules().items() if rule.needs == "offline")
    return pages.SiteContext(kb, graph, report=report, live=live, offline_codes=offline,
                             site_name=options.get("site_name", "Curriculum knowledge base"),
                             router=pages.Router(options.get("use_directory_urls", True)))


def _check_cards(kb: Any, rule_ctx: Any, *, strict: bool) -> list[Any]:
    """The offline rules' findings; errors are reported as ``kb lint`` reports them."""
    from kb.config import ConfigError
    from validators.diagnostic import Severity
    from validators.engine import run_rules, summarize

    try:
        diags = run_rules(rule_ctx, stages=("offline",))
    except ConfigError as exc:
        raise PluginError(f"kb: {exc}") from None
    errors = [d for d in diags if d.severity == Severity.error]
    if not errors:
        return diags
    try:
        from validators.reporters import render

        text = render("text", errors, summarize(errors, files=len(kb.files)), root=kb.root,
                      sources={card.rel: card.text for card in kb.all_cards}, color=False)
    except ImportError:  # reporters not installed: the located first line is what matters
        text = "\n".join(f"{kb.root.name}/{d.path}:{d.line}:{d.col}: {d.code} [{d.severity.value}] {d.message}"
                         for d in errors)
    if strict:
        raise PluginError(f"kb: the cards have errors; fix them or run 'kb lint' for details\n{text.rstrip()}")
    log.warning("the cards have errors (the cards that loaded are still published):\n%s", text.rstrip())
    return diags


def rule_entries() -> list[Any]:
    """The rule catalogue, from the rules' own documentation."""
    from kb.pages import RuleEntry
    from validators.registry import all_rules, render_doc

    return [RuleEntry(code, rule.name, rule.severity.value, rule.needs, rule.summary(), render_doc(rule))
            for code, rule in all_rules().items()]
