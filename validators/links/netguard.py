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
and local names are judged here, and :func:`host_refusal` judges them as a
proxy or a C resolver would read them: ``2130706433``, ``0x7f000001``,
``127.1``, ``017700000001`` and ``0`` all name a loopback address, as do
``127.0.0.1.`` (a trailing dot), ``%31%32%37.0.0.1`` (percent-encoded) and
``[::ffff:127.0.0.1]`` (IPv4-mapped IPv6).  The same judgement is made for
every request, whoever makes it: card URLs, each redirect hop, and the hops
the identity resolvers follow away from their configured services.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import urllib.request
from urllib.parse import unquote, urlsplit

_METADATA_NAMES = {"metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal"}
#: other names for loopback in the /etc/hosts that distributions ship (Debian, Fedora), which a proxy reads too
_LOOPBACK_NAMES = {"localhost.localdomain", "localhost4", "localhost4.localdomain4", "localhost6",
                   "localhost6.localdomain6", "ip6-localhost", "ip6-loopback"}
_EXTRA_BLOCKED = [ipaddress.ip_network(n) for n in ("100.64.0.0/10", "192.0.0.0/24", "198.18.0.0/15", "fd00:ec2::/32")]


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def forbidden_address(addr: str) -> bool:
    """True for addresses a link check must never connect to."""
    try:
        ip = ipaddress.ip_address(addr.split("%", 1)[0])
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv4 address carried inside IPv6 reaches that IPv4 address: judge that one.
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
        elif ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or not ip.is_global and not ip.is_private):
        return True
    return any(ip in net for net in _EXTRA_BLOCKED if net.version == ip.version)


def local_name(host: str) -> bool:
    host = host.lower().rstrip(".")
    return (host == "localhost" or host.endswith((".localhost", ".local", ".internal")) or host in _METADATA_NAMES
            or host in _LOOPBACK_NAMES)


_DIGITS = {8: r"[0-7]+", 10: r"[0-9]+", 16: r"[0-9a-fA-F]+"}


class InvalidHost(ValueError):
    """A host name that no resolver would accept, or that ends in a number but is no IPv4 address."""


def _ipv4_number(part: str) -> int:
    """One part of an IPv4 host as inet_aton and the WHATWG URL standard read it: decimal, 0x-hex or 0-octal."""
    if part[:2] in ("0x", "0X"):
        digits, base = part[2:], 16
        if not digits:
            return 0  # "0x" alone is zero to both readers
    elif len(part) > 1 and part[0] == "0":
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    if not re.fullmatch(_DIGITS[base], digits):
        raise InvalidHost(part)
    return int(digits, base)


def _parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address ``host`` spells, in any of the forms resolvers accept; None if it is a name.

    A host whose last label is a number is an IPv4 address or nothing
    (WHATWG URL standard, "ends in a number"): ``127.1`` is 127.0.0.1,
    ``2130706433`` and ``0x7f000001`` too, ``0`` is 0.0.0.0.
    """
    parts = host.split(".")
    if parts and parts[-1] == "" and len(parts) > 1:
        parts.pop()
    last = parts[-1] if parts else ""
    if not (last.isdigit() or re.fullmatch(r"0[xX][0-9a-fA-F]*", last)):
        return None
    if len(parts) > 4 or any(p == "" for p in parts):
        raise InvalidHost(f"{host!r} ends in a number but is not an IPv4 address")
    try:
        numbers = [_ipv4_number(p) for p in parts]
    except InvalidHost:
        raise InvalidHost(f"{host!r} ends in a number but is not an IPv4 address") from None
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise InvalidHost(f"{host!r} is out of the IPv4 range")
    value = numbers[-1]
    for i, n in enumerate(numbers[:-1]):
        value += n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def canonical_host(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | str:
    """``host`` as a resolver or a proxy will read it: an address, or a lower-case ASCII name.

    Percent-escapes are decoded, brackets and trailing dots dropped, Unicode
    names mapped as IDNA does (so full-width letters and dots become ASCII),
    IPv6 zones cut off, and every numeric IPv4 spelling read as its address.
    Raises :class:`InvalidHost` for what cannot be a host at all.
    """
    name = unquote(host).strip()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if ":" in name:
        try:
            return ipaddress.IPv6Address(name.split("%", 1)[0])
        except ValueError:
            raise InvalidHost(f"{host!r} is not a valid IPv6 address") from None
    # A control character (say a percent-encoded NUL) is no part of any name, yet a C resolver
    # stops reading at a NUL: "127.0.0.1%00.example.com" would reach 127.0.0.1 through a proxy.
    if not name or any(c in name for c in " \t\r\n/\\@#?%") or name.strip(".") == "" \
            or any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise InvalidHost(f"{host!r} is not a valid host name")
    try:
        # What the resolver will do with the name: map it as IDNA does (full-width letters,
        # digits and dots become ASCII) and check each label's length.
        if not name.isascii():
            name = name.encode("idna").decode("ascii")
        if ".." in name:
            # an empty label; dropping every trailing dot would read "127.0.0.1.." as the name "127.0.0.1"
            raise InvalidHost(f"{host!r} is not a valid host name (an empty label)")
        ip = _parse_ipv4(name.lower())
        if ip is not None:
            return ip
        name = name.rstrip(".").encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidHost(f"{host!r} is not a valid host name (an empty, over-long or malformed label)") from None
    return name.lower()


def host_refusal(host: str) -> str | None:
    """Why a request to ``host`` must not be sent without a lookup of ours, or None.

    Judges what can be judged from the name alone: local and metadata
    names, and literal addresses in every spelling.  This is all that can
    be checked when a proxy resolves the name; a direct connection also
    judges the addresses the name resolves to (:func:`connect_addresses`).
    """
    try:
        canon = canonical_host(host)
    except InvalidHost as exc:
        return str(exc)
    if isinstance(canon, str):
        return f"host {host!r} is a local name" if local_name(canon) else None
    if forbidden_address(str(canon)):
        spelled = "" if str(canon) == host.strip("[]") else f" ({host!r})"
        return f"address {canon}{spelled} is private, loopback or link-local"
    return None


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
    why = host_refusal(host)
    if why:
        raise PrivateAddressRefused(why)
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
        host = parts.hostname or ""
        why = host_refusal(host)
        if why:
            return why
        canon = canonical_host(host)
        if not isinstance(canon, str):
            return None  # a public literal address
        if self.proxies.proxy_for(url):
            return None  # the proxy resolves the name, on its own network
        host = canon
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
