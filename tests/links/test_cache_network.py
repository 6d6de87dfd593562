"""The cache (warm runs, TTL, concurrent and killed runs) and the network environment
(no network at all, proxies, custom CA bundles)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from tests.links import fakes
from tests.links.conftest import fast_config, resource, run_rules_for, topic, write_kb
from tests.links.servers import LoopbackServers, Reply, page, self_signed_certificate, serve_in_threads
from validators.links import Outcome, run_links
from validators.links.cache import FILE_NAME

REPO = Path(__file__).resolve().parents[2]


def many(servers, n: int, prefix: str = "/p", delay: float = 0.0) -> list[str]:
    return [servers.route(i % 3, f"{prefix}/{i}", Reply(200, page(f"Page {i}"), delay=delay)) for i in range(n)]


# -- cache ------------------------------------------------------------------------------
def test_warm_run_sends_nothing(tmp_path, servers):
    fakes.install(servers)
    urls = many(servers, 60)
    titled = servers.route(0, "/titled", Reply(200, page("Conv Nets: A Modular Perspective")))
    kb = write_kb(tmp_path / "cards", topics=[topic(summary=" ".join(urls), resources=[
        resource("a", titled, "Conv Nets: A Modular Perspective"),
        resource("b", "https://arxiv.org/abs/1512.03385", "Deep Residual Learning for Image Recognition"),
    ])])
    cfg = fast_config(servers)
    cold = run_links(kb, cfg, cache_dir=tmp_path / "cache", progress=False)
    assert cold.counts.ok == 62 and cold.counts.cached == 0 and cold.counts.requests > 0
    servers.clear_log()
    started = time.monotonic()
    warm = run_links(kb, cfg, cache_dir=tmp_path / "cache", progress=False)
    assert time.monotonic() - started < 1.0
    assert warm.counts.requests == 0 and servers.requests() == []
    assert warm.counts.cached == 62 and warm.counts.ok == 62
    assert warm.identity[titled].verdict == "match"
    assert "62 cached" in warm.summary_line()


def test_failures_are_never_cached(tmp_path, servers):
    bad = servers.route(0, "/bad", Reply(404, "no"))
    blocked = servers.route(0, "/blocked", Reply(403, "no"))
    kb = write_kb(tmp_path / "cards", topics=[topic(summary=f"{bad} {blocked}")])
    cfg = fast_config(servers)
    run_links(kb, cfg, cache_dir=tmp_path / "cache", progress=False)
    servers.clear_log()
    again = run_links(kb, cfg, cache_dir=tmp_path / "cache", progress=False)
    assert again.counts.cached == 0 and servers.requests(0, "/bad") and servers.requests(0, "/blocked")


def test_ttl_expires(tmp_path, servers):
    url = servers.route(0, "/ttl", Reply(200, "ok"))
    kb = write_kb(tmp_path / "cards", topics=[topic(summary=url)])
    cfg = fast_config(servers, cache_ttl_hours=1.5 / 3600)  # a second and a half
    run_links(kb, cfg, cache_dir=tmp_path / "cache", progress=False)
    assert run_links(kb, cfg, cache_dir=tmp_path / "cache", progress=False).counts.cached == 1
    time.sleep(1.6)
    assert run_links(kb, cfg, cache_dir=tmp_path / "cache", progress=False).counts.cached == 0


def test_cached_title_is_rejudged_when_the_card_changes(tmp_path, servers):
    url = servers.route(0, "/article", Reply(200, page("Understanding LSTM Networks")))
    root = tmp_path / "cards"
    kb = write_kb(root, topics=[topic(resources=[resource("a", url, "Understanding LSTM Networks")])])
    cfg = fast_config(servers)
    assert run_links(kb, cfg, cache_dir=tmp_path / "cache", progress=False).identity[url].verdict == "match"
    shutil.rmtree(root)
    kb = write_kb(root, topics=[topic(resources=[resource("a", url, "Attention Is All You Need")])])
    servers.clear_log()
    report = run_links(kb, cfg, cache_dir=tmp_path / "cache", progress=False)
    assert report.identity[url].verdict == "mismatch" and report.counts.requests == 0


def test_head_only_cache_entry_does_not_answer_a_title_question(tmp_path, servers):
    url = servers.route(0, "/head-then-title", Reply(200, page("Some Title")))
    root = tmp_path / "cards"
    cfg = fast_config(servers)
    run_links(write_kb(root, topics=[topic(summary=url)]), cfg, cache_dir=tmp_path / "cache", progress=False)
    shutil.rmtree(root)
    kb = write_kb(root, topics=[topic(resources=[resource("a", url, "Some Title")])])
    servers.clear_log()
    report = run_links(kb, cfg, cache_dir=tmp_path / "cache", progress=False)
    assert [r.method for r in servers.requests(0)] == ["GET"] and report.identity[url].verdict == "match"


def test_concurrent_runs_share_the_cache(tmp_path, servers):
    urls = many(servers, 80, "/conc")
    kbs = [write_kb(tmp_path / f"cards{i}", topics=[topic(summary=" ".join(urls[i::2]))]) for i in range(2)]
    cfg = fast_config(servers)
    reports: list = [None, None]

    def go(i: int) -> None:
        reports[i] = run_links(kbs[i], cfg, cache_dir=tmp_path / "cache", progress=False)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert all(r is not None and r.counts.ok == 40 for r in reports)
    db = sqlite3.connect(tmp_path / "cache" / FILE_NAME)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*) FROM links").fetchone()[0] == 80


@pytest.mark.slow
def test_killed_run_leaves_a_usable_cache(tmp_path, servers):
    urls = many(servers, 40, "/kill", delay=0.1)
    cards = tmp_path / "cards"
    write_kb(cards, topics=[topic(summary=" ".join(urls))])
    cache = tmp_path / "cache"
    script = textwrap.dedent(f"""
        from pathlib import Path
        from kb.store import load_kb
        from tests.links.conftest import fast_config
        from validators.links import run_links
        cfg = fast_config(None, per_host_concurrency=1, concurrency=2)
        run_links(load_kb(Path({str(cards)!r})), cfg, cache_dir=Path({str(cache)!r}), progress=False)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=REPO)
    db_path = cache / FILE_NAME
    deadline = time.monotonic() + 20
    rows = 0
    while time.monotonic() < deadline and rows == 0:  # wait for the first committed batch
        time.sleep(0.2)
        if db_path.exists():
            try:
                rows = sqlite3.connect(db_path).execute("SELECT count(*) FROM links").fetchone()[0]
            except sqlite3.Error:
                rows = 0
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert 0 < rows < 40
    db = sqlite3.connect(db_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    kept = db.execute("SELECT count(*) FROM links").fetchone()[0]
    db.close()
    servers.clear_log()
    report = run_links(write_kb(cards), fast_config(servers), cache_dir=cache, progress=False)
    assert report.counts.ok == 40 and report.counts.cached == kept
    assert len(servers.requests()) == 40 - kept


def test_a_damaged_cache_file_is_replaced(tmp_path, servers):
    url = servers.route(0, "/x", Reply(200, "ok"))
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / FILE_NAME).write_bytes(b"this is not a database" * 100)
    kb = write_kb(tmp_path / "cards", topics=[topic(summary=url)])
    report = run_links(kb, fast_config(servers), cache_dir=tmp_path / "cache", progress=False)
    assert report.counts.ok == 1
    assert run_links(kb, fast_config(servers), cache_dir=tmp_path / "cache", progress=False).counts.cached == 1


# -- no network, proxies, CA bundles --------------------------------------------------------
def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_network_reports_unchecked_once(tmp_path, monkeypatch):
    # Every request goes to a proxy that is not there: no host can be reached, and
    # no name is ever looked up locally.
    dead = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("HTTP_PROXY", dead)
    monkeypatch.setenv("HTTPS_PROXY", dead)
    kb = write_kb(tmp_path / "cards", topics=[topic(summary="https://colah.github.io/posts/x/ and "
                                                            "https://cs231n.github.io/convolutional-networks/", resources=[
        resource("a", "https://papers.nips.cc/paper/2012/hash/abc-Abstract.html", "AlexNet"),
        resource("b", "https://arxiv.org/abs/1404.5997", "AlexNet"),
    ])])
    cfg = fast_config(None, allow_private_hosts=False)
    report = run_links(kb, cfg, cache_dir=tmp_path / "cache", progress=False)
    assert report.offline
    assert {r.outcome for r in report.results.values()} == {Outcome.unchecked}
    line = report.summary_line()
    assert "not checked" in line and "no network" in line and "\n" not in line
    diags = run_rules_for(kb, report)
    assert not [d for d in diags if d.code in ("KB501", "KB502", "KB504")]
    # said once, by the summary line; the report still lists every link as unchecked
    assert not [d for d in diags if d.code == "KB505"]
    assert len(report.results) == 4


def test_one_dead_host_is_broken_not_offline(tmp_path, servers, monkeypatch):
    from validators.links import netguard

    async def fake_check(self, url):
        if "dead.example" in url:
            raise netguard.HostResolutionError("DNS lookup of dead.example failed: Name or service not known", True)
        return None

    monkeypatch.setattr(netguard.AddressGuard, "check", fake_check)
    # The live loopback server stands in for a public host, at connect time too.
    monkeypatch.setattr(netguard, "forbidden_address", lambda addr: False)
    live = servers.route(0, "/live", Reply(200, "ok"))
    kb = write_kb(tmp_path / "cards", topics=[topic(summary=f"http://dead.example/page {live}")])
    report = run_links(kb, fast_config(servers, allow_private_hosts=False), cache_dir=tmp_path / "c", progress=False)
    assert not report.offline
    assert report.results["http://dead.example/page"].outcome is Outcome.broken
    assert report.results[live].outcome is Outcome.ok


def test_every_host_failing_dns_is_offline(tmp_path, monkeypatch):
    from validators.links import netguard

    async def fake_check(self, url):
        raise netguard.HostResolutionError("DNS lookup failed: Name or service not known", True)

    monkeypatch.setattr(netguard.AddressGuard, "check", fake_check)
    kb = write_kb(tmp_path / "cards", topics=[topic(summary="http://a.example/1 http://b.example/2 http://c.example/3")])
    report = run_links(kb, fast_config(None, allow_private_hosts=False), cache_dir=tmp_path / "c", progress=False)
    assert report.offline and report.counts.unchecked == 3 and report.counts.broken == 0


def test_http_proxy_is_used_and_no_proxy_respected(tmp_path, servers, monkeypatch):
    servers.route(2, "/via-proxy", Reply(200, page("Proxied")))
    direct = servers.route(0, "/direct", Reply(200, "direct"))
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{servers.ports[2]}")
    monkeypatch.setenv("NO_PROXY", f"127.0.0.1:{servers.ports[0]}")
    kb = write_kb(tmp_path / "cards", topics=[topic(summary=f"http://example.test/via-proxy {direct}")])
    report = run_links(kb, fast_config(servers, allow_private_hosts=False), cache_dir=tmp_path / "c",
                       allow_private_hosts=True, progress=False)
    assert report.results["http://example.test/via-proxy"].outcome is Outcome.ok
    [proxied] = servers.requests(2)
    assert proxied.target == "http://example.test/via-proxy"  # absolute-form: it went through the proxy
    assert servers.requests(0, "/direct")


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory):
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


def test_tls_failure_is_broken_and_ssl_cert_file_is_honoured(tmp_path, self_signed, monkeypatch):
    import ssl

    cert, key = self_signed
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    tls = LoopbackServers(count=1, ssl_context=ctx).start()
    try:
        url = tls.route(0, "/secure", Reply(200, page("Secure")))
        kb = write_kb(tmp_path / "cards", topics=[topic(summary=url)])
        cfg = fast_config(None)
        untrusted = run_links(kb, cfg, cache_dir=tmp_path / "c1", progress=False)
        assert untrusted.results[url].outcome is Outcome.broken and "TLS" in untrusted.results[url].reason
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        trusted = run_links(kb, cfg, cache_dir=tmp_path / "c2", progress=False)
        assert trusted.results[url].outcome is Outcome.ok
    finally:
        tls.stop()


class ConnectProxy:
    """An HTTP proxy on loopback that only tunnels (CONNECT), as corporate proxies do for HTTPS."""

    def __init__(self) -> None:
        self.tunnels: list[str] = []
        self.port, self.sock = serve_in_threads(self._tunnel)

    def _tunnel(self, client: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(4096)
            if not chunk:
                return
            head += chunk
        method, target = head.split(b" ")[:2]
        if method != b"CONNECT":
            client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        self.tunnels.append(target.decode())
        host, port = target.decode().rsplit(":", 1)
        upstream = socket.create_connection((host, int(port)))
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")

        def pump(src: socket.socket, dst: socket.socket) -> None:
            try:
                while data := src.recv(65536):
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
        pump(client, upstream)

    def close(self) -> None:
        self.sock.close()


def test_https_through_a_connect_proxy(tmp_path, self_signed, monkeypatch):
    """TLS is started inside the proxy's tunnel, by the checker's own network backend."""
    import ssl

    cert, key = self_signed
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    tls = LoopbackServers(count=1, ssl_context=ctx).start()
    proxy = ConnectProxy()
    try:
        url = tls.route(0, "/tunnelled", Reply(200, page("Tunnelled")))
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        kb = write_kb(tmp_path / "cards", topics=[topic(summary=url)])
        report = run_links(kb, fast_config(None), cache_dir=tmp_path / "c", progress=False)
        assert report.results[url].outcome is Outcome.ok, report.results[url].reason
        assert proxy.tunnels == [f"127.0.0.1:{tls.ports[0]}"]
        assert tls.requests(0, "/tunnelled")
    finally:
        proxy.close()
        tls.stop()


class OneAnswerPerConnection:
    """A server that answers the first request on a connection and drops the connection at the second.

    Without ``Connection: close``: from the client's side, a kept-alive
    connection the server closed just as the next request went out.
    """

    def __init__(self) -> None:
        self.answered = 0
        self.dropped = 0
        self.port, self.sock = serve_in_threads(self._one)

    def _one(self, conn: socket.socket) -> None:
        with conn:
            requests = 0
            data = b""
            while chunk := conn.recv(4096):
                data += chunk
                while b"\r\n\r\n" in data:
                    _, data = data.split(b"\r\n\r\n", 1)
                    requests += 1
                    if requests > 1:
                        self.dropped += 1
                        return
                    self.answered += 1
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")

    def close(self) -> None:
        self.sock.close()


def test_a_kept_alive_connection_closed_under_a_request_is_retried_at_once(tmp_path):
    server = OneAnswerPerConnection()
    try:
        urls = [f"http://127.0.0.1:{server.port}/p{i}" for i in range(6)]
        kb = write_kb(tmp_path / "cards", topics=[topic(summary=" ".join(urls))])
        cfg = fast_config(None, retries=0, per_host_concurrency=1)  # no retries: only the immediate one
        report = run_links(kb, cfg, cache_dir=tmp_path / "c", progress=False)
        assert [report.results[u].outcome for u in urls] == [Outcome.ok] * 6
        assert server.answered == 6 and server.dropped >= 1  # the stale connections were really met
    finally:
        server.close()


# -- import discipline -----------------------------------------------------------------------
def test_lint_and_warm_runs_do_not_import_httpx(tmp_path, servers):
    url = servers.route(0, "/warm", Reply(200, "ok"))
    cards = tmp_path / "cards"
    write_kb(cards, topics=[topic(summary=url)])
    cache = tmp_path / "cache"
    run_links(write_kb(cards), fast_config(servers), cache_dir=cache, progress=False)
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from validators.registry import all_rules
        all_rules()
        assert "httpx" not in sys.modules, "the rule registry imported httpx"
        from kb.store import load_kb
        from kb.config import LinksConfig
        from validators.links import run_links
        r = run_links(load_kb(Path({str(cards)!r})), LinksConfig(allow_private_hosts=True),
                      cache_dir=Path({str(cache)!r}), progress=False)
        assert r.counts.cached == 1, r.summary_line()
        assert "httpx" not in sys.modules, "a warm run imported httpx"
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_many_dead_domains_among_live_ones_are_broken_not_offline(tmp_path, servers, monkeypatch):
    from validators.links import netguard

    async def fake_check(self, url):
        if ".dead.example" in url:
            raise netguard.HostResolutionError("DNS lookup failed: Name or service not known", True)
        return None

    monkeypatch.setattr(netguard.AddressGuard, "check", fake_check)
    # The live loopback server stands in for a public host, at connect time too.
    monkeypatch.setattr(netguard, "forbidden_address", lambda addr: False)
    live = servers.route(0, "/slow-live", Reply(200, "ok", delay=0.3))
    dead = " ".join(f"http://h{i}.dead.example/" for i in range(12))
    kb = write_kb(tmp_path / "cards", topics=[topic(summary=f"{dead} {live}")])
    report = run_links(kb, fast_config(servers, allow_private_hosts=False), cache_dir=tmp_path / "c", progress=False)
    assert not report.offline and report.counts.broken == 12 and report.counts.ok == 1


def test_offline_is_called_early_only_for_connect_timeouts():
    from validators.links.check import RunState

    state = RunState()
    state.failed = {f"h{i}:443": "dns" for i in range(10)}
    assert not state.looks_offline(8) and state.offline()
    state.failed = {f"h{i}:443": "connect-timeout" for i in range(10)}
    assert state.looks_offline(8)
    state.responded.add("live:443")
    assert not state.looks_offline(8) and not state.offline()
