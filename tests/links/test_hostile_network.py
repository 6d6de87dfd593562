"""One address policy for every request, and pages that lie about themselves.

Private targets spelt the ways resolvers and proxies read them, through a
real loopback proxy (requests are counted there); redirects the identity
services answer with; page charsets that name a decompressor or a slow
codec; malformed redirect targets and host names; forked workers whose
parent is killed.
"""

from __future__ import annotations

import bz2
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.links import fakes
from tests.links.conftest import fast_config, resource, topic, write_kb
from tests.links.servers import Reply, page
from validators.links import Outcome, netguard, run_links

REPO = Path(__file__).resolve().parents[2]

#: host spellings of loopback, link-local and metadata addresses that a resolver or a proxy accepts
PRIVATE_SPELLINGS = [
    "2130706433",  # 127.0.0.1 as one decimal number
    "0x7f000001",  # ... as one hex number
    "0x7F.1",
    "0xa9fea9fe",  # 169.254.169.254, the cloud metadata service
    "2852039166",
    "127.1",  # inet_aton's short forms
    "127.0.1",
    "017700000001",  # octal
    "0177.0.0.01",
    "0",  # 0.0.0.0
    "0x0",
    "127.0.0.1.",  # a trailing dot
    "10.0.0.1.",
    "%31%32%37.0.0.1",  # percent-encoded
    "[::ffff:127.0.0.1]",  # IPv4-mapped IPv6
    "[::ffff:a9fe:a9fe]",
    "[64:ff9b::7f00:1]",  # NAT64
    "[::1]",
    "localhost.",
    "metadata.google.internal.",
    "localhost.localdomain",  # the loopback aliases distributions put in /etc/hosts
    "ip6-localhost",
]


@pytest.mark.parametrize("host", PRIVATE_SPELLINGS)
def test_every_spelling_of_a_private_address_is_refused_by_name(host):
    assert netguard.host_refusal(host.strip("[]")) is not None


@pytest.mark.parametrize("host,address", [
    ("2130706433", "127.0.0.1"), ("0x7f000001", "127.0.0.1"), ("127.1", "127.0.0.1"),
    ("017700000001", "127.0.0.1"), ("0", "0.0.0.0"), ("0xa9fea9fe", "169.254.169.254"),
    ("134744072", "8.8.8.8"), ("８.８.８.８", "8.8.8.8"), ("1.0x2.3", "1.2.0.3"),
])
def test_numeric_spellings_read_as_inet_aton_does(host, address):
    assert str(netguard.canonical_host(host)) == address


@pytest.mark.parametrize("host", ["example.org", "arxiv.org.", "134744072", "8.8.8.8", "[2606:4700::1]", "exämple.com"])
def test_public_hosts_pass(host):
    assert netguard.host_refusal(host.strip("[]")) is None


@pytest.mark.parametrize("host", ["1.2.3.4.5", "256.1", "1.2.3.08", "09", "a..b", "a" * 64 + ".com",
                                  "127.0.0.1%00.example.com", "a\x00b.com", "a\x7fb.com",
                                  "127.0.0.1..", "0x7f000001..", "127.0.0.1%2e%2e", "example.com.."])
def test_hosts_no_resolver_accepts_are_invalid(host):
    with pytest.raises(netguard.InvalidHost):
        netguard.canonical_host(host)


def test_private_spellings_never_reach_a_loopback_proxy(tmp_path, servers, monkeypatch):
    """The proxy would resolve these itself: they must be refused before anything is sent to it."""
    proxy = servers.ports[2]
    servers.route(2, "/*", Reply(200, page("Reached through the proxy")))
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy}")
    urls = [f"http://{host}:{servers.ports[0]}/secret" for host in PRIVATE_SPELLINGS]
    control = "http://public.example/page"
    kb = write_kb(tmp_path / "cards", topics=[topic(summary=" ".join(urls + [control]))])
    report = run_links(kb, fast_config(servers, allow_private_hosts=False), cache_dir=tmp_path / "c", progress=False)
    reached = [r.target for r in servers.requests(2)]
    assert reached == [control]  # the proxy works: only the public name went through it
    refused = [r for key, r in report.results.items() if key != control]
    assert len(refused) == len(urls)
    for r in refused:
        assert r.outcome is Outcome.unchecked and r.requests == 0, (r.url, r.reason)


def test_a_control_character_or_an_empty_label_in_the_host_never_reaches_a_proxy(tmp_path, servers, monkeypatch):
    """A C resolver stops at a NUL: ``127.0.0.1%00.example.com`` names loopback to a proxy that reads it so.

    ``127.0.0.1..`` is no host at all, not the name ``127.0.0.1``: only one trailing dot is dropped.
    """
    servers.route(2, "/*", Reply(200, page("Reached through the proxy")))
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{servers.ports[2]}")
    urls = ["http://127.0.0.1%00.example.com/secret", "http://localhost%00.example.com/secret",
            "http://example.com%7f/x", "http://169.254.169.254%01.example.com/x",
            "http://127.0.0.1../x", "http://0x7f000001../x", "http://127.0.0.1%2e%2e/x"]
    control = "http://public.example/page"
    kb = write_kb(tmp_path / "cards", topics=[topic(summary=" ".join(urls + [control]))])
    report = run_links(kb, fast_config(servers, allow_private_hosts=False), cache_dir=tmp_path / "c", progress=False)
    assert [r.target for r in servers.requests(2)] == [control]
    for url in urls:
        assert report.results[url].outcome is not Outcome.ok and report.results[url].requests == 0, url


def test_the_proxied_transport_refuses_literals_even_when_the_guard_is_skipped(tmp_path, servers, monkeypatch):
    """Defence in depth: the transport judges every proxied request itself."""
    async def no_check(self, url):
        return None

    monkeypatch.setattr(netguard.AddressGuard, "check", no_check)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{servers.ports[2]}")
    servers.route(2, "/*", Reply(200, page("Reached through the proxy")))
    urls = [f"http://{h}/latest/meta-data/" for h in ("0xa9fea9fe", "2130706433", "127.1", "017700000001", "0")]
    kb = write_kb(tmp_path / "cards", topics=[topic(summary=" ".join(urls))])
    report = run_links(kb, fast_config(servers, allow_private_hosts=False), cache_dir=tmp_path / "c", progress=False)
    assert servers.requests(2) == []
    assert all(report.results[u].outcome is Outcome.unchecked for u in urls)


def test_private_spellings_are_refused_on_direct_connections(tmp_path, servers):
    servers.route(0, "/secret", Reply(200, "secret"))
    urls = [f"http://{h}:{servers.ports[0]}/secret" for h in ("2130706433", "0x7f000001", "127.1", "017700000001",
                                                               "127.0.0.1.", "[::ffff:127.0.0.1]")]
    kb = write_kb(tmp_path / "cards", topics=[topic(summary=" ".join(urls))])
    report = run_links(kb, fast_config(servers, allow_private_hosts=False), cache_dir=tmp_path / "c", progress=False)
    assert servers.requests(0) == []
    assert all(report.results[u].outcome is Outcome.unchecked for u in urls)
    # and the same URLs are fetched when private hosts are allowed (the refusal above is the guard's doing)
    allowed = run_links(kb, fast_config(servers), cache_dir=tmp_path / "c2", progress=False)
    assert allowed.results[urls[0]].outcome is Outcome.ok and servers.requests(0)


# -- the identity resolvers --------------------------------------------------------------------
def _resolver_redirects(servers, target_for):
    fakes.install(servers)
    servers.route(0, "/secret", Reply(200, "{}", content_type="application/json"))
    servers.route(3, "/works/*", Reply(302, headers={"Location": target_for("works")}))
    servers.route(3, "/gh/repos/*", Reply(302, headers={"Location": target_for("gh")}))
    return [resource("doi", "https://doi.org/10.1000/secret", "A paper"),
            resource("gh", "https://github.com/owner/repo", "A repository")]


@pytest.mark.parametrize("spelling", ["127.0.0.1", "2130706433", "0x7f000001"])
def test_redirects_from_the_identity_services_are_vetted(tmp_path, servers, spelling):
    resources = _resolver_redirects(servers, lambda _: f"http://{spelling}:{servers.ports[0]}/secret")
    kb = write_kb(tmp_path / "cards", topics=[topic(resources=resources)])
    report = run_links(kb, fast_config(servers, allow_private_hosts=False), cache_dir=tmp_path / "c", progress=False)
    assert servers.requests(0) == []
    assert servers.requests(3)  # the services themselves were asked
    for url in ("https://doi.org/10.1000/secret", "https://github.com/owner/repo"):
        assert report.results[url].outcome is not Outcome.ok


def test_resolver_redirects_are_followed_when_private_hosts_are_allowed(tmp_path, servers):
    """The control for the test above: the same redirect is followed when allowed, and within the service."""
    resources = _resolver_redirects(servers, lambda _: servers.url(0, "/secret"))
    kb = write_kb(tmp_path / "cards", topics=[topic(resources=resources[:1])])
    run_links(kb, fast_config(servers), cache_dir=tmp_path / "c", progress=False)
    assert servers.requests(0, "/secret")


def test_redirects_within_the_configured_service_stay_trusted(tmp_path, servers):
    """doi.org negotiates by redirecting to itself; the fake does the same on loopback."""
    fakes.install(servers)
    doi = next(iter(fakes.DATACITE))
    kb = write_kb(tmp_path / "cards", topics=[topic(resources=[resource("d", f"https://doi.org/{doi}", "x")])])
    report = run_links(kb, fast_config(servers, allow_private_hosts=False), cache_dir=tmp_path / "c", progress=False)
    assert report.results[f"https://doi.org/{doi}"].outcome is Outcome.ok


# -- charsets ----------------------------------------------------------------------------------
def _titled(tmp_path, servers, url):
    kb = write_kb(tmp_path / "cards", topics=[topic(resources=[resource("a", url, "Some page")])])
    return run_links(kb, fast_config(servers), cache_dir=tmp_path / "c", progress=False).results[url]


def test_a_bz2_charset_is_not_decompressed(tmp_path, servers):
    inner = page("Hidden inside bz2", "x" * 200_000).encode()
    body = bz2.compress(inner)
    assert len(body) < 2000
    url = servers.route(0, "/bz2", Reply(200, body, content_type="text/html; charset=bz2"))
    r = _titled(tmp_path, servers, url)
    assert r.title != "Hidden inside bz2"
    assert "not a text encoding" in r.meta.get("charset", "")


@pytest.mark.parametrize("charset", ["punycode", "zlib", "rot13", "utf-7", "unicode_escape", "no-such-charset"])
def test_other_codecs_read_as_utf8(tmp_path, servers, charset):
    url = servers.route(0, f"/cs-{charset}", Reply(200, page("Plain title", "y" * 50_000),
                                                  content_type=f"text/html; charset={charset}"))
    r = _titled(tmp_path, servers, url)
    assert r.title == "Plain title"
    assert "read as UTF-8" in r.meta.get("charset", "")


@pytest.mark.parametrize("charset,text", [("iso-8859-1", "Caf\u00e9"), ("windows-1252", "\u201cquoted\u201d"),
                                          ("shift_jis", "\u65e5\u672c"), ("utf-16", "Wide")])
def test_real_text_encodings_are_honoured(tmp_path, servers, charset, text):
    url = servers.route(0, "/enc", Reply(200, page(text).encode(charset), content_type=f"text/html; charset={charset}"))
    r = _titled(tmp_path, servers, url)
    assert r.title == text and "charset" not in r.meta


# -- malformed addresses ---------------------------------------------------------------------
@pytest.mark.parametrize("location", ["http://[::1", "http://example.org:99999/", "http://exa mple.org/",
                                      "http://a..b/", "https://[::1]x:80/"])
def test_a_malformed_redirect_target_is_broken(tmp_path, servers, location):
    url = servers.route(0, "/bad-redirect", Reply(302, headers={"Location": location}))
    kb = write_kb(tmp_path / "cards", topics=[topic(summary=url)])
    r = run_links(kb, fast_config(servers), cache_dir=tmp_path / "c", progress=False).results[url]
    assert r.outcome is Outcome.broken and ("malformed" in r.reason or "not a valid host" in r.reason), r.reason
    assert "ValueError" not in r.reason


def test_an_invalid_host_name_is_broken_at_once(tmp_path, servers):
    bad = "http://" + "a" * 64 + ".example.org/"
    kb = write_kb(tmp_path / "cards", topics=[topic(summary=bad)])
    r = run_links(kb, fast_config(servers), cache_dir=tmp_path / "c", progress=False).results[bad]
    assert r.outcome is Outcome.broken and r.requests == 0 and "not a valid host name" in r.reason


def test_refusals_are_not_relabelled_as_no_network(tmp_path, monkeypatch):
    """Two unresolvable names make the run look offline; refused private addresses keep their own reason."""
    async def no_such_host(self, host, port):
        raise netguard.HostResolutionError(f"DNS lookup of {host} failed", True)

    monkeypatch.setattr(netguard.AddressGuard, "_resolve", no_such_host)
    private = ["http://127.0.0.1/a", "http://2130706433/b", "http://169.254.169.254/latest/"]
    kb = write_kb(tmp_path / "cards", topics=[topic(summary=" ".join(private + [
        "http://gone-one.example/", "http://gone-two.example/"]))])
    report = run_links(kb, fast_config(None, allow_private_hosts=False), cache_dir=tmp_path / "c", progress=False)
    assert report.offline
    for url in private:
        assert report.results[url].reason.startswith("not fetched:"), report.results[url].reason


# -- worker processes --------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="worker processes are Linux-only")
def test_a_killed_parent_takes_its_workers_with_it(tmp_path, servers):
    urls = [servers.route(i % 2, f"/orphan/{i}", Reply(200, "ok", delay=0.3)) for i in range(160)]
    cards = tmp_path / "cards"
    write_kb(cards, topics=[topic(summary=" ".join(urls))])
    script = textwrap.dedent(f"""
        from pathlib import Path
        from kb.store import load_kb
        from tests.links.conftest import fast_config
        from validators.links import run_links, workers
        workers.MIN_TARGETS_PER_WORKER = 4
        cfg = fast_config(None, workers=2, per_host_concurrency=4, concurrency=8)
        run_links(load_kb(Path({str(cards)!r})), cfg, cache_dir=Path({str(tmp_path / 'cache')!r}), progress=False)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len({r.port for r in servers.requests()}) < 2:
        time.sleep(0.05)
    assert len({r.port for r in servers.requests()}) == 2, "both processes should be sending"
    # Kill just as a wave of requests arrives: the next wave would come 0.3 s later (the
    # servers answer after 0.3 s, and each answer frees a slot for a new request).
    seen = len(servers.requests())
    while len(servers.requests()) == seen and time.monotonic() < deadline:
        time.sleep(0.002)
    killed_at = time.monotonic()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    time.sleep(1.5)
    late = [round(r.at - killed_at, 2) for r in servers.requests() if r.at > killed_at + 0.15]
    assert late == []
