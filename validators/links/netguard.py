"""Which card URLs may be fetched at all: no private, loopback or metadata addresses.

A card is untrusted input: a URL such as ``http://169.254.169.254/latest/``
(a cloud metadata service) or ``http://localhost:8080/admin`` must not make
CI fetch it.  :class:`AddressGuard` resolves each host once per run and
refuses hosts with any address that is loopback, private, link-local,
shared (CGNAT), multicast, reserved or unspecified, and the well-known
metadata names.  It is asked again for every redirect hop, so a public URL
cannot redirect into the private network.

That first look is not enough on its own: a name can answer differently
each time it is asked (DNS rebinding), so the address vetted here need not
be the one a connection later goes to.  :func:`connect_addresses` closes the
gap: the checker's direct connections resolve through it and connect to
the very addresses it judged, never to a fresh answer.

When a URL goes through a proxy (``HTTP(S)_PROXY`` without a matching
``NO_PROXY`` entry) the proxy resolves the name, so only literal addresses
and local names are judged here.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import urllib.request
from urllib.parse import urlsplit

_METADATA_NAMES = {"metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal"}
_EXTRA_BLOCKED = [ipaddress.ip_network(n) for n in ("100.64.0.0/10", "192.0.0.0/24", "198.18.0.0/15", "fd00:ec2::/32")]


def forbidden_address(addr: str) -> bool:
    """True for addresses a link check must never connect to."""
    try:
        ip = ipaddress.ip_address(addr.split("%", 1)[0])
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or not ip.is_global and not ip.is_private):
        return True
    return any(ip in net for net in _EXTRA_BLOCKED if net.version == ip.version)


def local_name(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host == "localhost" or host.endswith((".localhost", ".local", ".internal")) or host in _METADATA_NAMES


class ProxyRules:
    """``HTTP_PROXY`` / ``HTTPS_PROXY`` / ``ALL_PROXY`` / ``NO_PROXY``, read once."""

    def __init__(self) -> None:
        self.proxies = {k: v for k, v in urllib.request.getproxies_environment().items()
                        if k in ("http", "https", "all", "no")}

    def proxy_for(self, url: str) -> str | None:
        parts = urlsplit(url)
        proxy = self.proxies.get(parts.scheme) or self.proxies.get("all")
        if not proxy:
            return None
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        if urllib.request.proxy_bypass_environment(netloc, self.proxies) or \
                urllib.request.proxy_bypass_environment(host, self.proxies):
            return None
        return proxy if "://" in proxy else f"http://{proxy}"


class PrivateAddressRefused(Exception):
    """A direct connection was about to be made to a forbidden address.

    Deliberately not an ``OSError`` or an httpcore error, so neither httpcore's
    connection retries nor httpx's exception mapping treat it as a network
    failure: it reaches the checker as it is and becomes an unchecked link.
    """


async def connect_addresses(host: str, port: int) -> list[str]:
    """The addresses a direct connection to ``host`` may use, in preference order.

    Resolves ``host`` afresh (a literal address resolves to itself) and
    raises :class:`PrivateAddressRefused` when any answer is forbidden, as
    :meth:`AddressGuard.check` does.  The caller must connect to these
    literal addresses, so no second lookup can swap in another one.  Lookup
    failures surface as ``socket.gaierror`` / ``OSError`` / ``UnicodeError``.
    """
    if local_name(host):
        raise PrivateAddressRefused(f"host {host!r} is a local name")
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addrs = list(dict.fromkeys(info[4][0] for info in infos if info[0] in (socket.AF_INET, socket.AF_INET6)))
    for addr in addrs:
        if forbidden_address(addr):
            if addr == host:
                raise PrivateAddressRefused(f"address {host} is private, loopback or link-local")
            raise PrivateAddressRefused(f"host {host!r} resolves to {addr}, a private, loopback or link-local address")
    if not addrs:
        raise socket.gaierror(socket.EAI_NONAME, f"no IPv4 or IPv6 address for {host}")
    return addrs


class HostResolutionError(Exception):
    def __init__(self, message: str, nxdomain: bool):
        super().__init__(message)
        self.nxdomain = nxdomain


class AddressGuard:
    """Resolves hosts (once each) and says whether a URL may be fetched."""

    def __init__(self, allow_private: bool, proxies: ProxyRules):
        self.allow_private = allow_private
        self.proxies = proxies
        self._lookups: dict[tuple[str, int], asyncio.Future[list[str]]] = {}

    async def check(self, url: str) -> str | None:
        """None when ``url`` may be fetched, else why not.  Raises HostResolutionError."""
        if self.allow_private:
            return None
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if local_name(host):
            return f"host {host!r} is a local name"
        try:
            ipaddress.ip_address(host.split("%", 1)[0])
            literal = True
        except ValueError:
            literal = False
        if literal:
            return f"address {host} is private, loopback or link-local" if forbidden_address(host) else None
        if self.proxies.proxy_for(url):
            return None  # the proxy resolves it, on its own network
        port = parts.port or (443 if parts.scheme == "https" else 80)
        for addr in await self._resolve(host, port):
            if forbidden_address(addr):
                return f"host {host!r} resolves to {addr}, a private, loopback or link-local address"
        return None

    async def _resolve(self, host: str, port: int) -> list[str]:
        key = (host, port)
        fut = self._lookups.get(key)
        if fut is None:
            loop = asyncio.get_running_loop()
            fut = self._lookups[key] = loop.create_future()
            try:
                infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
                fut.set_result(sorted({info[4][0] for info in infos}))
            except socket.gaierror as exc:
                nx = exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5))
                fut.set_exception(HostResolutionError(f"DNS lookup of {host} failed: {exc.strerror or exc}", nx))
            except (OSError, UnicodeError) as exc:
                fut.set_exception(HostResolutionError(f"DNS lookup of {host} failed: {exc}", False))
        return await asyncio.shield(fut)
