"""Fixtures for the link tests: loopback servers, a fast config, small cards roots.

Every test here talks only to servers on 127.0.0.1 that the tests start
themselves; card URLs on real host names are only ever answered by the
identity resolvers, whose base URLs point at those servers.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from kb.config import LinksConfig, ResolverConfig
from kb.graph import build_graph
from kb.store import KnowledgeBase, load_kb
from tests.links.servers import LoopbackServers

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy",
              "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR", "GITHUB_TOKEN")


@pytest.fixture(autouse=True)
def _clean_network_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests start from no proxy and the default CA bundle; a test that needs one sets it."""
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def _servers_session() -> Any:
    servers = LoopbackServers(count=4).start()
    yield servers
    servers.stop()


@pytest.fixture
def servers(_servers_session: LoopbackServers) -> LoopbackServers:
    """Four loopback 'hosts' (ports), with empty route tables and request log."""
    _servers_session.reset()
    return _servers_session


def fast_config(servers: LoopbackServers | None = None, **overrides: Any) -> LinksConfig:
    """Settings for tests: short timeouts and backoff, resolvers on host 3 of ``servers``."""
    resolvers: dict[str, Any] = {"arxiv_interval_s": 0.0}
    if servers is not None:
        resolvers.update(
            arxiv_api=servers.url(3, "/api/query"),
            crossref_api=servers.url(3, "/works"),
            doi_resolver=servers.url(3, "/doi"),
            youtube_oembed=servers.url(3, "/oembed"),
            github_api=servers.url(3, "/gh"),
        )
    resolvers.update(overrides.pop("resolvers", {}))
    values: dict[str, Any] = dict(
        timeout_s=2.0,
        total_timeout_s=30.0,
        retries=2,
        backoff_s=0.02,
        backoff_max_s=0.1,
        retry_after_max_s=2.0,
        per_host_interval_ms=0,
        allow_private_hosts=True,
        resolvers=ResolverConfig(**resolvers),
    )
    values.update(overrides)
    return LinksConfig(**values)


def topic(ident: str = "t1", resources: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": ident, "title": fields.pop("title", ident.upper())}
    if resources is not None:
        out["resources"] = [{"role": "alternative", **r} if "role" not in r else r for r in resources]
    out.update(fields)
    return out


def resource(ident: str, url: str | None, title: str = "A page", **fields: Any) -> dict[str, Any]:
    return {"id": ident, "role": fields.pop("role", "alternative"), "title": title, "url": url, **fields}


def write_kb(root: Path, topics: list[dict[str, Any]] = (), digests: list[dict[str, Any]] = (),
             courses: list[dict[str, Any]] = ()) -> KnowledgeBase:
    """Write a cards root under ``root`` and load it."""
    for sub, cards in (("topics", topics), ("digests", digests), ("courses", courses)):
        folder = root / sub
        folder.mkdir(parents=True, exist_ok=True)
        for card in cards:
            (folder / f"{card['id']}.yaml").write_text(
                yaml.safe_dump(card, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8")
    kb = load_kb(root)
    assert not kb.problems, [p.message for p in kb.problems]
    return kb


def run_rules_for(kb: KnowledgeBase, report: Any) -> list[Any]:
    """Run the offline and link rules over ``kb`` with ``report`` as the link stage's result."""
    from kb.config import KbConfig
    from validators.context import RuleContext
    from validators.engine import run_rules

    ctx = RuleContext(kb=kb, graph=build_graph(kb), config=KbConfig(), links=report)
    return run_rules(ctx, stages=("offline", "links"))


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The link tests are network tests against local servers: give each a hard stop.
    for item in items:
        if "tests/links" in str(item.fspath).replace(os.sep, "/") and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(60))
