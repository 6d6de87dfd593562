"""DNS rebinding: the address a card URL connects to is the address that was vetted.

A rebinding DNS server answers a public address to the guard's lookup and
127.0.0.1 to the next one, when the connection is made.  These tests play
that server by patching ``socket.getaddrinfo`` (which the event loop's
``getaddrinfo`` calls in a thread) and point it at real loopback servers.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from typing import Any

import httpx
import pytest

from tests.links.conftest import fast_config, run_rules_for, topic, write_kb
from tests.links.servers import LoopbackServers, Reply, page, self_signed_certificate
from validators.links import Outcome, netguard, run_links
from validators.links.check import Checker, _HostPools, _install_backend, _interleave, _VettedBackend
from validators.links.collect import Target
from validators.links.netstream import AsyncioBackend

PUBLIC = "93.184.216.34"  # a global address, never actually connected to here


class RebindingDNS:
    """Answers chosen names from a script of addresses, one per lookup; other names resolve normally."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]):
        self.answers = {name: list(seq) for name, seq in answers.items()}
        self.asked: list[str] = []
        self._real = socket.getaddrinfo
        monkeypatch.setattr(socket, "getaddrinfo", self._lookup)

    def _lookup(self, host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name in self.answers:
            self.asked.append(name)
            seq = self.answers[name]
            addr = seq.pop(0) if len(seq) > 1 else seq[0]  # the last answer sticks
            return self._real(addr, *args, **kwargs)
        return self._real(host, *args, **kwargs)


def _check(url: str, **config: Any):
    async def go():
        checker = Checker(fast_config(None, allow_private_hosts=False, **config), allow_private=False)
        try:
            return await checker.check_http(Target(key=url, url=url, host=url.split("/")[2]))
        finally:
            await checker.aclose()

    return asyncio.run(go())


def test_rebinding_to_loopback_is_refused_at_connect_time(tmp_path, servers, monkeypatch):
    servers.route(0, "/admin", Reply(200, "the admin page"))
    url = f"http://rebind.test:{servers.ports[0]}/admin"
    dns = RebindingDNS(monkeypatch, {"rebind.test": [PUBLIC, "127.0.0.1"]})
    kb = write_kb(tmp_path / "cards", topics=[topic(summary=url)])
    report = run_links(kb, fast_config(servers, allow_private_hosts=False), cache_dir=tmp_path / "cache",
                       progress=False)
    r = report.results[url]
    assert servers.requests() == []  # not one byte of HTTP reached the loopback server
    assert dns.asked.count("rebind.test") >= 2  # the guard's lookup, then the one made to connect
    assert r.outcome is Outcome.unchecked and r.status is None
    assert "resolves to 127.0.0.1" in r.reason and "allow-private-hosts" in r.reason
    assert r.requests == 1  # a refusal is not retried
    info = [d for d in run_rules_for(kb, report) if d.code == "KB505"]
    assert [d.data["url"] for d in info] == [url]


def test_rebinding_behind_a_redirect_is_refused(servers, monkeypatch):
    public = LoopbackServers(count=1, address="127.0.0.2").start()
    try:
        # 127.0.0.2 stands for a public host here; 127.0.0.1 stays private.
        real = netguard.forbidden_address
        monkeypatch.setattr(netguard, "forbidden_address", lambda a: a != "127.0.0.2" and real(a))
        servers.route(0, "/secret", Reply(200, "metadata"))
        secret = f"http://hop.test:{servers.ports[0]}/secret"
        start = public.route(0, "/jump", Reply(302, headers={"Location": secret}))
        RebindingDNS(monkeypatch, {"hop.test": [PUBLIC, "127.0.0.1"]})
        r = _check(start)
        assert public.requests(0, "/jump") and servers.requests() == []
        assert r.outcome is Outcome.unchecked and "redirect" in r.reason and "127.0.0.1" in r.reason
    finally:
        public.stop()


def test_a_stable_name_connects_to_its_vetted_address_with_its_own_host_header(monkeypatch):
    public = LoopbackServers(count=1, address="127.0.0.2").start()
    try:
        real = netguard.forbidden_address
        monkeypatch.setattr(netguard, "forbidden_address", lambda a: a != "127.0.0.2" and real(a))
        public.route(0, "/page", Reply(200, page("Fine")))
        RebindingDNS(monkeypatch, {"stable.test": ["127.0.0.2"]})
        url = f"http://stable.test:{public.ports[0]}/page"
        r = _check(url)
        assert r.outcome is Outcome.ok
        [req] = public.requests()
        assert req.headers["host"] == f"stable.test:{public.ports[0]}"
    finally:
        public.stop()


def test_tls_still_verifies_the_name_not_the_address(tmp_path, monkeypatch):
    """The connection goes to an IP literal, yet SNI and the certificate check use the URL's name."""
    cert, key = self_signed_certificate(tmp_path, "tls.test")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    seen_sni: list[str | None] = []
    ctx.sni_callback = lambda sock, name, _ctx: seen_sni.append(name)
    tls = LoopbackServers(count=1, address="127.0.0.2", ssl_context=ctx).start()
    try:
        real = netguard.forbidden_address
        monkeypatch.setattr(netguard, "forbidden_address", lambda a: a != "127.0.0.2" and real(a))
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        tls.route(0, "/secure", Reply(200, page("Secure")))
        RebindingDNS(monkeypatch, {"tls.test": ["127.0.0.2"]})
        r = _check(f"https://tls.test:{tls.ports[0]}/secure")
        assert r.outcome is Outcome.ok, r.reason
        assert seen_sni and set(seen_sni) == {"tls.test"}
    finally:
        tls.stop()


def test_allow_private_hosts_leaves_connections_alone(servers, monkeypatch):
    servers.route(0, "/admin", Reply(200, "the admin page"))
    # With private hosts allowed nothing is looked up ahead, so the connect's lookup is the first.
    RebindingDNS(monkeypatch, {"rebind.test": ["127.0.0.1"]})
    url = f"http://rebind.test:{servers.ports[0]}/admin"

    async def go():
        checker = Checker(fast_config(None), allow_private=True)
        try:
            return await checker.check_http(Target(key=url, url=url, host=url.split("/")[2]))
        finally:
            await checker.aclose()

    assert asyncio.run(go()).outcome is Outcome.ok
    assert servers.requests(0, "/admin")


def test_vetting_reaches_httpx_internals():
    """Fails when an httpx or httpcore release moves what ``_install_backend`` relies on."""
    transport = httpx.AsyncHTTPTransport()
    _install_backend(transport, vet=True)
    backend = transport._pool._network_backend
    assert isinstance(backend, _VettedBackend)
    assert isinstance(backend.inner, AsyncioBackend)

    pools = _HostPools(2, netguard.ProxyRules(), vet_addresses=True)

    async def go():
        request = httpx.Request("GET", "http://127.0.0.1:9/")
        with pytest.raises(netguard.PrivateAddressRefused):
            await pools.send(request, vet=True)
        [(key, pool)] = pools.pools.items()
        assert key[-1] is True and isinstance(pool._pool._network_backend, _VettedBackend)
        unvetted = httpx.Request("GET", "http://127.0.0.1:9/")
        with pytest.raises(httpx.ConnectError):  # nothing listens on the discard port
            await pools.send(unvetted, vet=False)
        assert isinstance(pools.pools[key[:-1] + (False,)]._pool._network_backend, AsyncioBackend)
        await pools.aclose()

    asyncio.run(go())


def test_a_proxied_transport_gets_the_backend_but_never_the_address_check():
    transport = httpx.AsyncHTTPTransport(proxy="http://127.0.0.1:9")
    with pytest.raises(RuntimeError, match="only to direct connections"):
        _install_backend(transport, vet=True)
    _install_backend(transport, vet=False)
    assert isinstance(transport._pool._network_backend, AsyncioBackend)


def test_addresses_alternate_families():
    assert _interleave(["2001:db8::1", "2001:db8::2", "192.0.2.1", "192.0.2.2"]) == [
        "2001:db8::1", "192.0.2.1", "2001:db8::2", "192.0.2.2"]
    assert _interleave(["192.0.2.1"]) == ["192.0.2.1"]
