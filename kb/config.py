"""Configuration: ``[tool.kb]`` in a pyproject.toml, or a ``kb.toml``.

Found by walking up from the cards root (the first ``kb.toml``, or the first
``pyproject.toml`` that has a ``[tool.kb]`` table), or named with
``--config FILE``.  Unknown keys are an error (exit 2), so a typo in the
configuration never silently turns a rule off.

``kb.toml`` holds the same keys as ``[tool.kb]``, at its top level.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kb.loader import DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_NODES

SeverityName = Literal["error", "warning", "info"]


class ConfigError(Exception):
    """A usage or configuration problem: one clear line, exit code 2."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ResolverConfig(_Strict):
    """Base URLs of the identity services; mirrors and tests can stand in."""

    arxiv_api: str = "https://export.arxiv.org/api/query"
    crossref_api: str = "https://api.crossref.org/works"
    doi_resolver: str = "https://doi.org"
    youtube_oembed: str = "https://www.youtube.com/oembed"
    github_api: str = "https://api.github.com"


class LinksConfig(_Strict):
    """``[tool.kb.links]``: the link checker."""

    include: list[str] = Field(default_factory=list, description="Only check URLs matching one of these regexes (empty: all).")
    exclude: list[str] = Field(default_factory=list, description="Never fetch URLs matching these regexes (reported as KB505).")
    cache_ttl_hours: float = Field(default=24.0, description="How long an ok result stays fresh. Failures are never cached.")
    concurrency: int = Field(default=32, ge=1, le=1024)
    per_host_concurrency: int = Field(default=4, ge=1, le=256)
    per_host_interval_ms: int = Field(default=0, ge=0, description="Minimum gap between requests to one host.")
    timeout_s: float = Field(default=15.0, gt=0)
    total_timeout_s: float = Field(default=600.0, gt=0)
    retries: int = Field(default=2, ge=0, le=10)
    max_body_bytes: int = Field(default=512 * 1024, ge=1024)
    allow_private_hosts: bool = False
    resolvers: ResolverConfig = Field(default_factory=ResolverConfig)


class FactsConfig(_Strict):
    """``[tool.kb.facts]``: the fact runner."""

    device: Literal["auto", "meta", "cpu", "cuda"] = "auto"
    default_tolerance: float | None = Field(default=None, description="Relative tolerance when a claim states no precision.")


class KbConfig(_Strict):
    cards: str = Field(default="cards", description="The cards root, relative to the config file.")
    select: list[str] = Field(default_factory=lambda: ["KB"], description="Code prefixes to run.")
    ignore: list[str] = Field(default_factory=list, description="Code prefixes to skip.")
    severity: dict[str, SeverityName] = Field(default_factory=dict, description="Per-code severity overrides.")
    fail_on: SeverityName = "error"
    max_file_bytes: int = Field(default=DEFAULT_MAX_FILE_BYTES, ge=1)
    max_nodes: int = Field(default=DEFAULT_MAX_NODES, ge=1)
    cache_dir: str | None = Field(default=None, description="Default: .kb-cache beside the cards root.")
    report: str | None = Field(default=None, description="Where kb check writes its machine report (default: <cache>/report.json).")
    docs_url: str = Field(default="https://kb.invalid/rules/{code}/", description="Rule documentation URL template.")
    rules: dict[str, dict[str, Any]] = Field(default_factory=dict, description="Per-rule options, keyed by code.")
    links: LinksConfig = Field(default_factory=LinksConfig)
    facts: FactsConfig = Field(default_factory=FactsConfig)


class LoadedConfig(BaseModel):
    config: KbConfig
    path: Path | None  # the file it came from, None for defaults

    @property
    def base(self) -> Path:
        return self.path.parent if self.path else Path.cwd()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _table(path: Path) -> dict[str, Any] | None:
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        return data.get("tool", {}).get("kb")
    return data


def find_config(start: Path) -> Path | None:
    """The first kb.toml, or pyproject.toml with [tool.kb], from ``start`` upward."""
    here = start.resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        for name in ("kb.toml", "pyproject.toml"):
            candidate = folder / name
            if candidate.is_file():
                if name == "kb.toml" or _table(candidate) is not None:
                    return candidate
    return None


def load_config(explicit: Path | None = None, start: Path | None = None) -> LoadedConfig:
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"config file not found: {explicit}")
        path: Path | None = explicit
    else:
        path = find_config(start or Path.cwd())
    if path is None:
        return LoadedConfig(config=KbConfig(), path=None)
    table = _table(path)
    if table is None:
        raise ConfigError(f"{path}: no [tool.kb] table")
    try:
        cfg = KbConfig.model_validate(table)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"])
        prefix = "tool.kb." if path.name == "pyproject.toml" else ""
        if err["type"] == "extra_forbidden":
            raise ConfigError(f"{path}: unknown key '{prefix}{where}'") from None
        raise ConfigError(f"{path}: '{prefix}{where}': {err['msg']}") from None
    for code in list(cfg.severity) + list(cfg.rules):
        if not code.upper().startswith("KB"):
            raise ConfigError(f"{path}: '{code}' is not a rule code (expected e.g. KB302)")
    return LoadedConfig(config=cfg, path=path.resolve())


def selected(code: str, cfg: KbConfig) -> bool:
    """ruff-style prefix selection: the longest matching prefix wins."""
    best_sel = max((len(p) for p in cfg.select if code.startswith(p.upper())), default=-1)
    best_ign = max((len(p) for p in cfg.ignore if code.startswith(p.upper())), default=-1)
    return best_sel >= 0 and best_sel > best_ign
