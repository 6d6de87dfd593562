"""The project: configuration, cards root, limits, cache and report paths, worked out once.

The command line and the MkDocs plugin both start here, so they agree on
where the cards are, which size limits the loader applies, where the cache
lives and where ``kb check`` writes the report the site reads::

    project = Project.discover(cards="cards")      # or Project.discover() from the current folder
    kb = project.load_kb()                         # with the configured size limits

Resolution, in order of precedence:

========== ===================================================================
cards root  the folder given, else ``[tool.kb] cards`` beside the config file,
            else ``./cards``
config      the file given, else the first ``kb.toml`` or ``pyproject.toml``
            with ``[tool.kb]`` from the cards root upward (from the current
            folder when no cards root is given)
cache dir   the folder given, else ``$KB_CACHE_DIR``, else ``[tool.kb]
            cache_dir`` beside the config file, else ``.kb-cache`` beside the
            cards root
report      the file given, else ``[tool.kb] report`` beside the config file,
            else ``<cache dir>/report.json``
========== ===================================================================

Problems are :class:`~kb.config.ConfigError` (one line, exit 2 on the
command line, a ``PluginError`` in MkDocs).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping

from kb.config import ConfigError, KbConfig, LoadedConfig, load_config

if TYPE_CHECKING:
    from kb.filecache import CardCheck
    from kb.store import CardFile, KnowledgeBase

#: environment variable naming the cache folder
CACHE_ENV = "KB_CACHE_DIR"


class ProjectError(ConfigError):
    """The project cannot be worked out: no cards root, a missing folder."""


@dataclass(frozen=True)
class Project:
    """Everything a command or the site needs to know before reading a card."""

    loaded: LoadedConfig
    cards_root: Path  # absolute
    cache_dir: Path
    report_path: Path

    @property
    def config(self) -> KbConfig:
        return self.loaded.config

    @property
    def config_path(self) -> Path | None:
        return self.loaded.path

    @property
    def base(self) -> Path:
        """The folder relative paths in the configuration are read from."""
        return self.loaded.base

    @property
    def max_file_bytes(self) -> int:
        return self.config.max_file_bytes

    @property
    def max_nodes(self) -> int:
        return self.config.max_nodes

    @classmethod
    def discover(
        cls,
        cards: Path | str | None = None,
        *,
        config_file: Path | str | None = None,
        cache_dir: Path | str | None = None,
        report: Path | str | None = None,
        cwd: Path | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Project:
        """Work the project out from what the caller was given (see the module docstring)."""
        from kb.store import is_cards_root

        cwd = Path(cwd) if cwd is not None else Path.cwd()
        env = os.environ if environ is None else environ
        given = _at(cwd, cards) if cards is not None else None
        if given is not None and not given.exists():
            raise ProjectError(f"no such folder: {cards}")
        loaded = load_config(_at(cwd, config_file) if config_file is not None else None, given or cwd)
        base = loaded.path.parent if loaded.path else cwd
        root = given if given is not None else base / loaded.config.cards
        if not is_cards_root(root):
            raise ProjectError(f"{root} is not a cards root (expected topics/, digests/ or courses/ inside it)")
        root = root.resolve()

        if cache_dir is not None:
            cache = _at(cwd, cache_dir)
        elif env.get(CACHE_ENV):
            cache = _at(cwd, env[CACHE_ENV])
        elif loaded.config.cache_dir:
            cache = base / loaded.config.cache_dir
        else:
            cache = root.parent / ".kb-cache"

        if report is not None:
            report_path = _at(cwd, report)
        elif loaded.config.report:
            report_path = base / loaded.config.report
        else:
            report_path = cache / "report.json"
        return cls(loaded=loaded, cards_root=root, cache_dir=cache, report_path=report_path)

    @property
    def parse_cache_dir(self) -> Path:
        """Where the loader keeps parse results between runs (``lint.sqlite`` inside it)."""
        return self.cache_dir

    def load_kb(
        self,
        *,
        cache: bool = False,
        jobs: int = 1,
        progress: Callable[[int, int], None] | None = None,
        listing: list[CardFile] | None = None,
        card_check: CardCheck | None = None,
    ) -> KnowledgeBase:
        """Load the cards with the configured size limits.

        ``cache`` reuses and updates the parse cache in :attr:`parse_cache_dir`;
        ``jobs`` parses in that many processes (0: chosen from the work and the
        CPUs). What is loaded is the same either way. ``listing`` is the cards root as
        :func:`kb.store.scan_cards` listed it, when the caller has it. ``card_check``
        runs in the worker processes on each card they parse (see :func:`kb.store.load_kb`).
        """
        from kb.store import load_kb

        return load_kb(
            self.cards_root,
            max_file_bytes=self.max_file_bytes,
            max_nodes=self.max_nodes,
            cache_dir=self.parse_cache_dir if cache else None,
            jobs=jobs,
            progress=progress,
            listing=listing,
            card_check=card_check,
        )


def _at(cwd: Path, path: Path | str) -> Path:
    p = Path(path).expanduser()
    return p if p.is_absolute() else cwd / p
