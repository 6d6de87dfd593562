"""The ``kb`` MkDocs plugin: the published site's pages, generated from the cards at build time.

A thin adapter.  Each event loads what it needs and hands it to the plain
functions of :mod:`kb.sitegen`; nothing generated is ever written into
``docs_dir``.

``mkdocs.yml``::

    plugins:
      - search
      - tags
      - kb:
          cards: cards                  # the cards root (relative to mkdocs.yml)
          report: null                  # default: [tool.kb] report, else <cache>/report.json
          mermaid: node_modules/mermaid/dist/mermaid.min.js

What it does, event by event:

* ``on_config``: resolves the paths above and adds the local Mermaid script
  to the pages, so Material never fetches Mermaid from a CDN;
* ``on_files``: loads the cards and runs the offline rules.  Errors are
  printed exactly as ``kb lint`` prints them; under ``--strict`` they stop
  the build (:class:`~mkdocs.exceptions.PluginError`), otherwise they are
  warnings and the cards that loaded are still published, so ``mkdocs serve``
  keeps showing the site while an author fixes a card.  Then it reads the
  last check report, generates every page and adds it as a virtual file,
  with the Mermaid script copied from ``node_modules``;
* ``on_page_content``: one more allow-list pass over each generated page;
* ``on_serve``: watches the cards root and the report, so editing a card
  rebuilds the site.

Nothing here imports torch or httpx.
"""

from __future__ import annotations

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
        self.project: Project | None = None
        self.cards_root: Path | None = None
        self.report_path: Path | None = None
        self.mermaid_path: Path | None = None
        self.generated: set[str] = set()

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
        from kb import sitegen
        from kb.graph import build_graph

        assert self.project is not None
        kb = self.project.load_kb()
        graph = build_graph(kb)
        self._check_cards(kb, graph, strict=bool(config.strict))

        try:
            report = sitegen.load_report(self.report_path)
        except sitegen.ReportError as exc:
            log.warning("%s; building with unknown statuses", exc)
            report = sitegen.Report(path=self.report_path)
        if not report.found:
            log.info("no check report at %s: link and claim statuses are shown as unknown or as the cards state them",
                     self.report_path)

        ctx = sitegen.SiteContext(kb, graph, report, site_name=config.site_name,
                                  use_directory_urls=config.use_directory_urls)
        pages = sitegen.generate_pages(ctx, rules=self.config.rules)
        self.generated = set()
        for src_uri, content in pages.items():
            existing = files.get_file_from_path(src_uri)
            if existing is not None:
                # a hand-written page of the same name wins; say so rather than silently dropping ours
                log.info("%s is hand-written in %s, so the generated page of that name is not used",
                         src_uri, Path(config.docs_dir).name)
                continue
            files.append(File.generated(config, src_uri, content=content))
            self.generated.add(src_uri)

        self._add_mermaid(files, config)

        if config.nav is None:
            written = [f.src_uri for f in files.documentation_pages() if f.src_uri not in self.generated]
            config.nav = sitegen.navigation(ctx, pages, extra_pages=[p for p in written if p not in pages])
        return files

    def _check_cards(self, kb: Any, graph: Any, *, strict: bool) -> None:
        """Card errors, reported as ``kb lint`` reports them."""
        from kb.config import ConfigError
        from validators.context import RuleContext
        from validators.diagnostic import Severity
        from validators.engine import run_rules, summarize

        assert self.project is not None
        try:
            diags = run_rules(RuleContext(kb, graph, self.project.config), stages=("offline",))
        except ConfigError as exc:
            raise PluginError(f"kb: {exc}") from None
        errors = [d for d in diags if d.severity == Severity.error]
        if not errors:
            return
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
            from kb.sitegen import clean_page

            return clean_page(html)
        return html

    # ------------------------------------------------------------------ live editing

    def on_serve(self, server: Any, *, config: Any, builder: Any) -> Any:
        if self.cards_root is not None and self.cards_root.is_dir():
            server.watch(str(self.cards_root))
        if self.report_path is not None and self.report_path.parent.is_dir():
            # the report is replaced atomically, so watch its folder rather than the file
            server.watch(str(self.report_path.parent), recursive=False)
        return server
