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

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kb.loader import DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_NODES

SeverityName = Literal["error", "warning", "info"]


class ConfigError(Exception):
    """A usage or configuration problem: one clear line, exit code 2."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ResolverConfig(_Strict):
    """``[tool.kb.links.resolvers]``: the identity services and how politely to use them.

    The base URLs can point at mirrors, proxies or test servers; every key
    has a working default.
    """

    enabled: bool = Field(default=True, description="Ask the identity services at all (off: plain link checks only).")
    arxiv_api: str = Field(default="https://export.arxiv.org/api/query", description="arXiv export API (Atom).")
    crossref_api: str = Field(default="https://api.crossref.org/works", description="Crossref REST API works endpoint.")
    doi_resolver: str = Field(default="https://doi.org", description="DOI resolver, asked by content negotiation for DataCite DOIs.")
    youtube_oembed: str = Field(default="https://www.youtube.com/oembed", description="YouTube oEmbed endpoint.")
    github_api: str = Field(default="https://api.github.com", description="GitHub REST API root.")
    arxiv_interval_s: float = Field(default=3.0, ge=0, description="Gap between arXiv API requests (arXiv asks for 3 s).")
    arxiv_batch_size: int = Field(default=100, ge=1, le=500, description="arXiv ids asked for in one API request.")
    crossref_mailto: str | None = Field(default=None, description="Contact address sent to Crossref (its 'polite pool').")
    github_token_env: str = Field(default="GITHUB_TOKEN", description="Environment variable holding a GitHub token, if any.")


class LinksConfig(_Strict):
    """``[tool.kb.links]``: the link checker (``kb check`` / ``kb links``)."""

    include: list[str] = Field(default_factory=list, description="Only check URLs matching one of these regexes (empty: all).")
    exclude: list[str] = Field(default_factory=list, description="Never fetch URLs matching these regexes (reported as KB505).")
    cache_ttl_hours: float = Field(default=24.0, ge=0, description="How long an ok result stays fresh. Failures are never cached.")
    concurrency: int = Field(default=32, ge=1, le=1024, description="Requests in flight at once, over all hosts.")
    per_host_concurrency: int = Field(default=4, ge=1, le=256, description="Requests in flight at once to one host.")
    per_host_interval_ms: int = Field(default=50, ge=0, description="Minimum gap between the starts of two requests to one host.")
    timeout_s: float = Field(default=15.0, gt=0, description="Limit for one request, connect to last byte read.")
    total_timeout_s: float = Field(default=600.0, gt=0, description="Limit for the whole run; links not done by then are unchecked.")
    retries: int = Field(default=2, ge=0, le=10, description="Retries after a 5xx, 408, 429 or timeout.")
    backoff_s: float = Field(default=0.5, ge=0, description="First retry delay; doubles each retry, with jitter.")
    backoff_max_s: float = Field(default=8.0, ge=0, description="Longest delay between two retries.")
    retry_after_max_s: float = Field(default=30.0, ge=0, description="Longest Retry-After honoured; a longer one gives up at once.")
    max_redirects: int = Field(default=10, ge=0, le=50)
    max_body_bytes: int = Field(default=512 * 1024, ge=1024, description="Most bytes read from one response body.")
    allow_private_hosts: bool = Field(default=False, description="Fetch card URLs that resolve to loopback, private or link-local addresses.")
    identity: bool = Field(default=True, description="Check that each page is the work the card names (KB504).")
    fragments: bool = Field(default=True, description="Check that #fragments exist in the page (KB506).")
    soft_404: bool = Field(default=True, description="Treat a 200 page whose title says 'not found' as broken.")
    user_agent: str | None = Field(default=None, description="User-Agent header (default names the tool and its version).")
    workers: int = Field(default=0, ge=0, le=16, description="Checker processes for large runs; hosts are split between them (0: up to 2, one per CPU).")
    resolvers: ResolverConfig = Field(default_factory=ResolverConfig)

    @field_validator("include", "exclude")
    @classmethod
    def _regexes(cls, patterns: list[str]) -> list[str]:
        import re

        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a valid regular expression: {exc}") from None
        return patterns


class FactsConfig(_Strict):
    """``[tool.kb.facts]``: the fact runner (``kb facts``, and ``kb check`` unless ``--no-facts``)."""

    device: Literal["auto", "meta", "cpu", "cuda"] = Field(
        default="auto",
        description="Where models are built and run: auto and meta build on the meta device (CPU where a builder needs data); "
        "cpu and cuda build real models there. Formulas always run the real op (on CUDA with cuda, else CPU).",
    )
    default_tolerance: float | None = Field(
        default=None,
        ge=0,
        description="Relative tolerance for checks that set none, instead of the precision of the stated value (None: follow the precision).",
    )
    cache: bool = Field(default=True, description="Keep measurements in <cache dir>/facts.sqlite, keyed by the torch and torchvision versions; each is committed as it is taken.")
    formula_max_cases: int = Field(default=20000, ge=1, description="Most grid combinations one formula check tries.")


class KbConfig(_Strict):
    cards: str = Field(default="cards", description="The cards root, relative to the config file.")
    select: list[str] = Field(default_factory=lambda: ["KB"], description="Code prefixes to run.")
    ignore: list[str] = Field(default_factory=list, description="Code prefixes to skip.")
    severity: dict[str, SeverityName] = Field(default_factory=dict, description="Per-code severity overrides.")
    fail_on: SeverityName = "error"
    max_file_bytes: int = Field(default=DEFAULT_MAX_FILE_BYTES, ge=1)
    max_nodes: int = Field(default=DEFAULT_MAX_NODES, ge=1)
    cache_dir: str | None = Field(default=None, description="Default: .kb-cache beside the cards root.")
    jobs: int = Field(
        default=0, ge=0, le=64,
        description="Processes that parse card files (0: one below 2,000 files to parse, else up to 4, one per CPU).",
    )
    report: str | None = Field(default=None, description="Where kb check writes its machine report (default: <cache>/report.json).")
    docs_url: str | None = Field(
        default=None,
        description=(
            "Rule documentation URL template ({code}, {name}). Default: the rule's page on the published "
            "site when mkdocs.yml beside the config sets site_url; else findings carry no link."
        ),
    )
    rules: dict[str, dict[str, Any]] = Field(default_factory=dict, description="Per-rule options, keyed by code.")
    links: LinksConfig = Field(default_factory=LinksConfig)
    facts: FactsConfig = Field(default_factory=FactsConfig)

    @field_validator("severity", "rules", mode="before")
    @classmethod
    def _codes_upper(cls, value: Any) -> Any:
        # codes are matched case-insensitively everywhere else; do the same for per-code tables
        if isinstance(value, dict):
            return {str(k).upper(): v for k, v in value.items()}
        return value

    @field_validator("docs_url")
    @classmethod
    def _docs_url_template(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            value.format(code="KB101", name="yaml-syntax-error")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"may only use {{code}} and {{name}} ({exc!r} is not known)") from None
        return value


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
        tool = data.get("tool")
        return tool.get("kb") if isinstance(tool, dict) else None
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
        cfg = KbConfig()
        cfg.docs_url = site_docs_url(start or Path.cwd())
        return LoadedConfig(config=cfg, path=None)
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
        raise ConfigError(f"{path}: '{prefix}{where}': {err['msg'].removeprefix('Value error, ')}") from None
    for code in list(cfg.severity) + list(cfg.rules):
        if not code.upper().startswith("KB"):
            raise ConfigError(f"{path}: '{code}' is not a rule code (expected e.g. KB302)")
    if cfg.docs_url is None:
        cfg.docs_url = site_docs_url(path.parent)
    return LoadedConfig(config=cfg, path=path.resolve())


def site_docs_url(folder: Path) -> str | None:
    """The rule-page URL template of the published site, when ``folder/mkdocs.yml`` sets ``site_url``.

    The site publishes each rule at ``rules/<CODE>/`` (see the kb MkDocs plugin).
    """
    import yaml

    config = folder / "mkdocs.yml"
    if not config.is_file():
        return None

    class _Lenient(yaml.SafeLoader):
        """mkdocs.yml may hold tags such as !!python/name:...; only site_url matters here."""

    _Lenient.add_multi_constructor("", lambda loader, suffix, node: None)
    try:
        data = yaml.load(config.read_text(encoding="utf-8"), Loader=_Lenient)  # noqa: S506 - a safe loader
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    site_url = data.get("site_url") if isinstance(data, dict) else None
    if not isinstance(site_url, str) or not site_url.startswith(("https://", "http://")):
        return None
    return site_url.rstrip("/") + "/rules/{code}/"


def selected(code: str, cfg: KbConfig) -> bool:
    """ruff-style prefix selection: the longest matching prefix wins."""
    best_sel = max((len(p) for p in cfg.select if code.startswith(p.upper())), default=-1)
    best_ign = max((len(p) for p in cfg.ignore if code.startswith(p.upper())), default=-1)
    return best_sel >= 0 and best_sel > best_ign
