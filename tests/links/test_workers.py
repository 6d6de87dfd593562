"""Large runs split hosts between forked checker processes; results must be the same."""

from __future__ import annotations

import sqlite3
import sys

import pytest

from tests.links.conftest import fast_config, resource, run_rules_for, topic, write_kb
from tests.links.servers import Reply, page
from validators.links import Outcome, run_links
from validators.links import workers
from validators.links.cache import FILE_NAME

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="worker processes are Linux-only")


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(workers, "MIN_TARGETS_PER_WORKER", 4)


def test_split_run_matches_a_single_process_run(tmp_path, servers, small_batches):
    urls = [servers.route(i % 3, f"/w/{i}", Reply(200, page(f"Page {i}"))) for i in range(30)]
    bad = servers.route(2, "/w/bad", Reply(404, "no"))
    titled = servers.route(1, "/w/titled", Reply(200, page("Pruning roses: a gardener's checklist")))
    kb = write_kb(tmp_path / "cards", topics=[topic(summary=" ".join(urls + [bad]), resources=[
        resource("a", titled, "Conv Nets: A Modular Perspective")])])
    split = run_links(kb, fast_config(servers, workers=2), cache_dir=tmp_path / "c2", progress=False)
    single = run_links(kb, fast_config(servers, workers=1), cache_dir=tmp_path / "c1", progress=False)
    assert {k: r.outcome for k, r in split.results.items()} == {k: r.outcome for k, r in single.results.items()}
    assert split.counts.ok == 31 and split.counts.broken == 1 and split.counts.requests == single.counts.requests
    assert split.identity[titled].verdict == "mismatch"
    assert sorted(d.code for d in run_rules_for(kb, split) if d.code.startswith("KB5")) == ["KB501", "KB504"]
    ports = {r.port for r in servers.requests()}
    assert len(ports) == 3
    rows = sqlite3.connect(tmp_path / "c2" / FILE_NAME).execute("SELECT count(*) FROM links").fetchone()[0]
    assert rows == 31  # the child wrote its own ok results


def test_plan_keeps_each_host_in_one_process(tmp_path, small_batches):
    from kb.config import LinksConfig
    from validators.links.collect import Target

    targets = [Target(f"http://h{i % 5}.test/{i}", f"http://h{i % 5}.test/{i}", f"h{i % 5}.test:80") for i in range(40)]
    groups = workers.plan(targets, LinksConfig(workers=2))
    assert len(groups) == 2 and sum(map(len, groups)) == 40
    hosts = [{t.host for t in g} for g in groups]
    assert not hosts[0] & hosts[1]
    assert workers.plan(targets, LinksConfig(workers=1)) == [targets]


def test_children_stop_at_the_run_time_limit(tmp_path, servers, small_batches):
    urls = [servers.route(i % 2, f"/slow-w/{i}", Reply(200, "ok", delay=0.4)) for i in range(16)]
    kb = write_kb(tmp_path / "cards", topics=[topic(summary=" ".join(urls))])
    cfg = fast_config(servers, workers=2, per_host_concurrency=1, total_timeout_s=1.0, retries=0)
    report = run_links(kb, cfg, cache_dir=tmp_path / "c", progress=False)
    outcomes = {r.outcome for r in report.results.values()}
    assert Outcome.unchecked in outcomes and Outcome.ok in outcomes
