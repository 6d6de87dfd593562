"""Check: fetch targets over HTTP, politely, and say what each one is.

Built on one shared ``httpx.AsyncClient`` for the whole run.  Its transport
keeps a small connection pool per host (connections are reused; a pool per
host also keeps the pool's bookkeeping small when many hosts are checked at
once) and honours ``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``,
``NO_PROXY``, ``SSL_CERT_FILE`` and ``SSL_CERT_DIR``.

Politeness: a global limit on requests in flight, a per-host limit, and a
minimum interval between request starts to one host; a ``Retry-After`` from
one host delays every request to that host.  Each request has a time limit
from connect to the last byte read, and the run as a whole has one.

Method: HEAD first; GET when HEAD is refused or answers anything but 2xx/3xx
(many servers answer HEAD with 403, 404, 405 or 501 and GET with 200), and
GET from the start when the page's title or anchors are needed.  Bodies are
read only as far as needed (to ``</head>`` for a title, until every wanted
fragment is found) and never past ``max_body_bytes``.  Redirects are followed
here, hop by hop, so each hop is recorded and checked against the private
address guard.  Direct connections for card URLs go through
:class:`_VettedBackend`, which resolves the host itself and connects only to
the addresses it has just vetted, so a name that answers differently the
second time (DNS rebinding) cannot slip past the guard.  Retries, with exponential backoff and jitter, for 5xx, 408,
429, dropped connections and timeouts.

httpx is imported here and only here (and in the resolvers), so ``kb lint``
never pays for it.
"""

from __future__ import annotations

import asyncio
import codecs
import email.utils
import random
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from kb.config import LinksConfig
from validators.links.collect import Target, fetch_key, host_of
from validators.links.model import LinkResult, Outcome
from validators.links import netguard
from validators.links.netguard import AddressGuard, HostResolutionError, PrivateAddressRefused, ProxyRules
from validators.links.netstream import AsyncioBackend
from validators.links.page import PageParser, bot_challenge, soft_404, text_codec

try:
    from importlib.metadata import version as _version

    TOOL_VERSION = _version("kb-curriculum")
except Exception:  # pragma: no cover - running from a source tree without metadata
    TOOL_VERSION = "0"

DEFAULT_USER_AGENT = (
    f"Mozilla/5.0 (compatible; kb-links/{TOOL_VERSION}; link checker for curriculum cards)"
)

#: statuses that mean the page is gone or the URL is wrong
BROKEN_STATUSES = {400, 404, 410, 414}
#: statuses that mean "we were not allowed to look", not "it is not there"
BLOCKED_STATUSES = {401, 402, 403, 405, 406, 407, 408, 409, 418, 423, 425, 429, 451, 999}
RETRY_STATUSES = {408, 429, 500, 502, 503, 504, 507, 508, 509, 520, 521, 522, 523, 524, 525, 526, 527, 529, 530}
REDIRECTS = {301, 302, 303, 307, 308}
PERMANENT = {301, 308}
NETWORK_ERRORS = {"dns", "connect", "proxy", "connect-timeout"}

_TEXT_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml")


@dataclass
class Reply:
    """One HTTP exchange (after retries), or why there was none."""

    url: str
    status: int | None = None
    phrase: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None  # "timeout", "connect-timeout", "dns", "connect", "tls", "proxy", "protocol", "invalid",
    # or "private" (the connection would have gone to a forbidden address)
    message: str = ""
    nxdomain: bool = False
    parser: PageParser | None = None
    body: bytes = b""  # raw body, only for read_all (resolver) requests
    body_start: str = ""
    body_complete: bool = False  # read to its end
    truncated: bool = False  # stopped at the size cap
    attempts: int = 0
    gave_up: str = ""  # why retrying stopped early (a Retry-After too long)
    charset_note: str | None = None  # the declared charset was not a text encoding, so UTF-8 was used


class HostGate:
    """Per-host concurrency and spacing; ``defer`` pushes the next start back (Retry-After)."""

    def __init__(self, concurrency: int, interval_s: float, global_sem: asyncio.Semaphore):
        self.sem = asyncio.Semaphore(concurrency)
        self.interval = interval_s
        self.next_start = 0.0
        self.lock = asyncio.Lock()
        self.global_sem = global_sem

    async def __aenter__(self) -> "HostGate":
        await self.sem.acquire()
        try:
            loop = asyncio.get_running_loop()
            if self.interval > 0 or self.next_start > loop.time():
                async with self.lock:
                    wait = self.next_start - loop.time()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    self.next_start = loop.time() + self.interval
            await self.global_sem.acquire()
        except BaseException:
            self.sem.release()
            raise
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.global_sem.release()
        self.sem.release()

    def defer(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self.next_start = max(self.next_start, loop.time() + seconds)


class RunState:
    """What the run has learnt about the network as a whole."""

    def __init__(self) -> None:
        self.requests = 0
        self.responded: set[str] = set()
        self.failed: dict[str, str] = {}  # host -> network error kind

    def note(self, host: str, reply: Reply) -> None:
        if reply.status is not None:
            self.responded.add(host)
            self.failed.pop(host, None)
        elif reply.error in NETWORK_ERRORS and host not in self.responded:
            self.failed[host] = reply.error

    def looks_offline(self, threshold: int) -> bool:
        """Call the run offline before it ends: many hosts unreachable, none answering.

        Only when most failures are connect timeouts (a network that drops
        packets), where waiting for every link would take minutes; instant
        failures (no DNS, refused) let the run finish and be judged whole,
        so a handful of dead domains among live ones is never "offline".
        """
        if self.responded or len(self.failed) < max(2, threshold):
            return False
        slow = sum(1 for kind in self.failed.values() if kind == "connect-timeout")
        return 2 * slow >= len(self.failed)

    def offline(self) -> bool:
        """At the end of a run: no host answered, and at least two failed at the network level."""
        return not self.responded and len(self.failed) >= 2


def _interleave(addrs: list[str]) -> list[str]:
    """Alternate address families, keeping the resolver's order within each (RFC 8305, section 4).

    A host whose IPv6 route is broken then costs one failed attempt, not one
    per IPv6 address, before an IPv4 address is tried.
    """
    first = [a for a in addrs if (":" in a) == (":" in addrs[0])]
    other = [a for a in addrs if (":" in a) != (":" in addrs[0])]
    out: list[str] = []
    for i in range(max(len(first), len(other))):
        out.extend(x[i] for x in (first, other) if i < len(x))
    return out


class _VettedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to addresses it has just vetted.

    httpx would otherwise resolve the host again when it connects, after
    :class:`AddressGuard` judged an earlier answer; a rebinding DNS server
    can answer that second lookup with 127.0.0.1.  Here the name is resolved
    once per connection, every answer is judged, and the inner backend is
    handed the literal address, so it has nothing left to resolve.  TLS is
    unaffected: httpcore takes the SNI name and the name the certificate
    must match from the request's origin, not from this host argument.
    """

    def __init__(self, inner: httpcore.AsyncNetworkBackend):
        self.inner = inner

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        ends = None if timeout is None else loop.time() + timeout
        try:
            async with asyncio.timeout(timeout):
                addrs = await netguard.connect_addresses(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"looking up {host} timed out") from None
        except (OSError, UnicodeError) as exc:  # socket.gaierror included; the message keeps its wording
            raise httpcore.ConnectError(str(exc)) from exc
        addrs = _interleave(addrs)
        last: Exception | None = None
        for i, addr in enumerate(addrs):
            # Share what is left of the connect time between the addresses not yet
            # tried, so one unreachable address cannot use it all.
            left = None if ends is None else max(0.01, (ends - loop.time()) / (len(addrs) - i))
            try:
                return await self.inner.connect_tcp(addr, port, timeout=left, local_address=local_address,
                                                    socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None  # connect_addresses never returns an empty list
        raise last

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        # Never used (the checker makes no Unix-socket pools); refuse rather than pass through unvetted.
        raise httpcore.ConnectError("Unix sockets are not used by the link checker")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def _install_backend(transport: httpx.AsyncHTTPTransport, *, vet: bool) -> None:
    """Give ``transport`` the asyncio network backend, behind :class:`_VettedBackend` when ``vet``.

    httpx has no public way to choose the httpcore network backend of its
    transport, so this reaches into two private attributes: the transport's
    ``_pool`` (an ``httpcore.AsyncConnectionPool``, or one of httpcore's proxy
    classes, which subclass it) and that pool's ``_network_backend``, which it
    hands to every connection it opens.  Every other setting stays as httpx
    made it.  If an httpx or httpcore release renames either attribute, this
    fails loudly instead of leaving connections unvetted (and
    ``test_vetting_reaches_httpx_internals`` says so first).
    """
    pool = getattr(transport, "_pool", None)
    if not isinstance(pool, httpcore.AsyncConnectionPool) or not hasattr(pool, "_network_backend"):
        raise RuntimeError("cannot set the network backend of this httpx transport: httpx internals changed")
    backend: httpcore.AsyncNetworkBackend = AsyncioBackend()
    if vet:
        # Exactly a connection pool: behind a proxy this backend would vet the proxy's address, not the site's.
        if type(pool) is not httpcore.AsyncConnectionPool:
            raise RuntimeError("the address check applies only to direct connections")
        backend = _VettedBackend(backend)
    pool._network_backend = backend


class _HostPools(httpx.AsyncBaseTransport):
    """A connection pool per (scheme, host, port, proxy, vetting): reuse without a global pool's bookkeeping cost.

    With ``vet_addresses``, direct connections made for card URLs check the
    address they connect to (see :class:`_VettedBackend`); requests to the
    configured resolver APIs (``send(..., vet=False)``) and requests through
    a proxy, which resolves names itself, do not.
    """

    def __init__(self, per_host: int, proxies: ProxyRules, vet_addresses: bool = False):
        self.per_host = per_host
        self.proxies = proxies
        self.vet_addresses = vet_addresses
        # One TLS context for every pool: loading the CA bundle is the slow part.
        self.ssl = httpx.create_ssl_context(trust_env=True)
        self.pools: dict[tuple[str, str, int, str | None, bool], httpx.AsyncHTTPTransport] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.send(request, vet=True)

    async def send(self, request: httpx.Request, *, vet: bool) -> httpx.Response:
        url = request.url
        proxy = self.proxies.proxy_for(str(url))
        if vet and self.vet_addresses and proxy is not None:
            # The proxy will resolve the name on its own network, where no check of ours
            # reaches: judge the name and every spelling of a literal address before sending.
            why = netguard.host_refusal(url.host)
            if why:
                raise PrivateAddressRefused(why)
        vet = vet and self.vet_addresses and proxy is None
        key = (url.scheme, url.host, url.port or 0, proxy, vet)
        pool = self.pools.get(key)
        if pool is None:
            limits = httpx.Limits(max_connections=self.per_host, max_keepalive_connections=self.per_host,
                                  keepalive_expiry=30.0)
            pool = httpx.AsyncHTTPTransport(verify=self.ssl, limits=limits, proxy=proxy)
            _install_backend(pool, vet=vet)
            self.pools[key] = pool
        return await pool.handle_async_request(request)

    async def aclose(self) -> None:
        for pool in self.pools.values():
            await pool.aclose()


def make_client(config: LinksConfig, pools: httpx.AsyncBaseTransport) -> httpx.AsyncClient:
    headers = {
        "User-Agent": config.user_agent or DEFAULT_USER_AGENT,
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "Accept-Language": "en;q=0.9,*;q=0.5",
        # Bodies are read only in part: compression buys little and a
        # compressed body could expand far past the size cap in one chunk.
        "Accept-Encoding": "identity",
    }
    return httpx.AsyncClient(
        transport=pools,
        headers=headers,
        timeout=httpx.Timeout(config.timeout_s),
        follow_redirects=False,
        trust_env=False,  # the transport applies the proxy variables itself
    )


def retry_after(headers: dict[str, str]) -> float | None:
    value = headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _classify_error(exc: Exception) -> tuple[str, str, bool]:
    """(kind, message, nxdomain) for an exception raised while fetching."""
    text = str(exc) or exc.__class__.__name__
    low = text.lower()
    if isinstance(exc, PrivateAddressRefused):
        return "private", text, False
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return "timeout", "no complete answer within the time limit", False
    if isinstance(exc, httpx.ConnectTimeout):
        return "connect-timeout", "connecting timed out", False
    if isinstance(exc, httpx.TimeoutException):
        return "timeout", f"timed out ({exc.__class__.__name__})", False
    if isinstance(exc, httpx.ProxyError):
        return "proxy", f"proxy error: {text}", False
    if isinstance(exc, httpx.ConnectError):
        if any(s in low for s in ("name or service not known", "nodename nor servname", "no address associated",
                                  "getaddrinfo", "name resolution", "name does not resolve")):
            nx = "temporary failure" not in low
            return "dns", f"DNS lookup failed ({text})", nx
        if any(s in low for s in ("certificate", "ssl", "tls", "handshake")):
            return "tls", f"TLS failure: {text}", False
        return "connect", f"cannot connect: {text}", False
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return "protocol", f"the server dropped the connection ({text})", False
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL, httpx.LocalProtocolError)):
        return "invalid", f"cannot fetch this URL: {text}", False
    if isinstance(exc, OSError) and "proxy" in low:
        return "proxy", f"proxy error: {text}", False
    if isinstance(exc, (ImportError, ValueError)) and ("proxy" in low or "socks" in low):
        return "proxy", f"proxy not supported: {text}", False
    return "protocol", f"{exc.__class__.__name__}: {text}", False


class Checker:
    """The HTTP side of a run: one client, the gates, the retry policy."""

    def __init__(self, config: LinksConfig, *, allow_private: bool, deadline: float | None = None):
        self.cfg = config
        self.proxies = ProxyRules()
        self.guard = AddressGuard(allow_private or config.allow_private_hosts, self.proxies)
        self.state = RunState()
        self.deadline = deadline  # loop time when the run must end
        self._global = asyncio.Semaphore(config.concurrency)
        self._gates: dict[str, HostGate] = {}
        self.pools = _HostPools(config.per_host_concurrency, self.proxies, vet_addresses=not self.guard.allow_private)
        self.client = make_client(config, self.pools)

    async def aclose(self) -> None:
        await self.client.aclose()

    def gate(self, host: str, concurrency: int | None = None, interval_s: float | None = None) -> HostGate:
        g = self._gates.get(host)
        if g is None:
            g = self._gates[host] = HostGate(
                concurrency or self.cfg.per_host_concurrency,
                self.cfg.per_host_interval_ms / 1000.0 if interval_s is None else interval_s,
                self._global,
            )
        return g

    async def _send(self, request: httpx.Request, vet: bool = True) -> httpx.Response:
        """Send one request built by the shared client, on the client's own transport.

        ``AsyncClient.send`` adds auth flows, redirect handling and event hooks
        that a link check never uses (redirects are followed hop by hop
        here); going straight to the transport saves about a fifth of the
        CPU per request.  The client's cookie jar is still kept, so sites that
        set a cookie and redirect to themselves work as in a browser.
        """
        pools = self.pools
        if isinstance(pools, _HostPools):
            response = await pools.send(request, vet=vet)
        else:  # a transport put in its place (tests do this); it knows nothing of vetting
            response = await pools.handle_async_request(request)
        response.request = request
        if "set-cookie" in response.headers:
            self.client.cookies.extract_cookies(response)
        return response

    def _backoff(self, attempt: int) -> float:
        base = min(self.cfg.backoff_max_s, self.cfg.backoff_s * (2 ** attempt))
        return base * (0.5 + random.random())  # jitter keeps retries from marching in step

    # -- one exchange, with retries -----------------------------------------
    async def exchange(self, method: str, url: str, *, want_title: bool = False, anchors: set[str] | None = None,
                       read_all: bool = False, body_cap: int | None = None, headers: dict[str, str] | None = None,
                       gate: HostGate | None = None, vet: bool = True) -> Reply:
        """One request with retries.  ``vet=False`` only for the configured resolver APIs, not card URLs."""
        host = host_of(url)
        gate = gate or self.gate(host)
        loop = asyncio.get_running_loop()
        reply = Reply(url)
        for attempt in range(self.cfg.retries + 1):
            async with gate:
                reply = await self._once(method, url, want_title, anchors, read_all, body_cap, headers, vet)
                if attempt == 0 and reply.error == "protocol" and reply.status is None:
                    # Dropped before any answer: usually a kept-alive connection the server
                    # closed as the request went out.  HEAD and GET are idempotent, so try
                    # once more straight away, as browsers do (RFC 9112, section 9.3.1);
                    # the dead connection has left the pool.
                    reply = await self._once(method, url, want_title, anchors, read_all, body_cap, headers, vet)
            reply.attempts = attempt + 1
            self.state.note(host, reply)
            wait: float | None = None
            if reply.error in ("timeout", "connect-timeout", "protocol"):
                wait = self._backoff(attempt)
            elif reply.status in (429, 503) and (ra := retry_after(reply.headers)) is not None:
                if ra > self.cfg.retry_after_max_s:
                    reply.gave_up = f"the server asked to wait {ra:.0f} s (more than {self.cfg.retry_after_max_s:.0f} s)"
                    break
                wait = ra
                gate.defer(ra)
            elif reply.status in RETRY_STATUSES:
                wait = self._backoff(attempt)
            if wait is None or attempt == self.cfg.retries:
                break
            if self.deadline is not None and loop.time() + wait >= self.deadline:
                break
            await asyncio.sleep(wait)
        return reply

    async def _once(self, method: str, url: str, want_title: bool, anchors: set[str] | None, read_all: bool,
                    body_cap: int | None, headers: dict[str, str] | None, vet: bool = True) -> Reply:
        reply = Reply(url)
        self.state.requests += 1
        loop = asyncio.get_running_loop()
        limit = self.cfg.timeout_s
        if self.deadline is not None:
            limit = min(limit, max(0.01, self.deadline - loop.time()))
        ends = loop.time() + limit
        response: httpx.Response | None = None
        try:
            async with asyncio.timeout(limit):
                request = self.client.build_request(method, url, headers=headers)
                response = await self._send(request, vet)
        except Exception as exc:  # every failure becomes a reply, never a crash
            reply.error, reply.message, reply.nxdomain = _classify_error(exc)
            if response is not None:
                await response.aclose()
            return reply
        try:
            reply.status = response.status_code
            reply.phrase = response.reason_phrase or ""
            reply.headers = {k.lower(): v for k, v in response.headers.items()}
            if method != "HEAD" and (read_all or want_title or anchors or reply.status >= 400):
                await self._read(response, reply, want_title, anchors, read_all, body_cap, ends, loop)
            await self._finish(response, method, ends, loop)
        finally:
            await response.aclose()
        return reply

    async def _finish(self, response: httpx.Response, method: str, ends: float,
                      loop: asyncio.AbstractEventLoop) -> None:
        """Consume what is left of a short response, so its connection can be reused.

        httpx drops a connection whose response was closed before its end;
        a HEAD answer or a small remainder is cheaper to read than a new
        connection (and TLS handshake) is to make.
        """
        if response.is_stream_consumed:
            return
        if method != "HEAD":
            length = response.headers.get("content-length", "")
            if not length.isdigit() or int(length) > 64 * 1024:
                return  # unknown or large: closing is cheaper
        try:
            async with asyncio.timeout(max(0.01, min(1.0, ends - loop.time()))):
                async for _ in response.aiter_raw():
                    pass
        except Exception:
            pass

    async def _read(self, response: httpx.Response, reply: Reply, want_title: bool, anchors: set[str] | None,
                    read_all: bool, body_cap: int | None, ends: float, loop: asyncio.AbstractEventLoop) -> None:
        ctype = reply.headers.get("content-type", "").split(";")[0].strip().lower()
        if not read_all and ctype and not ctype.startswith(_TEXT_TYPES):
            return  # a PDF or an image has no title or anchors to read
        cap = body_cap or self.cfg.max_body_bytes
        if reply.status >= 400:
            cap = min(cap, 32 * 1024)  # enough to recognise a bot check page
        parser = None if read_all else PageParser(anchors)
        codec, reply.charset_note = text_codec(response.charset_encoding)
        decoder = codecs.getincrementaldecoder(codec)(errors="replace")
        got = 0
        chunks: list[bytes] = []
        try:
            async with asyncio.timeout(max(0.01, ends - loop.time())):
                async for chunk in response.aiter_raw():
                    chunk = chunk[: cap - got]
                    got += len(chunk)
                    if read_all:
                        chunks.append(chunk)
                    else:
                        text = decoder.decode(chunk)
                        if len(reply.body_start) < 8192:
                            reply.body_start += text[: 8192 - len(reply.body_start)]
                        parser.feed(text)  # type: ignore[union-attr]
                        if parser.enough(want_title and reply.status < 400):  # type: ignore[union-attr]
                            break
                    if got >= cap:
                        reply.truncated = True
                        break
                else:
                    reply.body_complete = True
        except Exception:  # a body that stalls or breaks still has its status line
            pass
        if read_all:
            reply.body = b"".join(chunks)
        reply.parser = parser

    # -- a plain HTTP target -------------------------------------------------
    async def check_http(self, target: Target) -> LinkResult:
        started = time.monotonic()
        result = LinkResult(key=target.key, url=target.url)
        want_title = target.needs_title
        anchors = set(target.fragments) or None
        method = "HEAD" if not (want_title or anchors) else "GET"
        url = target.url
        seen = {fetch_key(url)}
        fell_back = False
        reply: Reply | None = None
        requests_before = self.state.requests
        try:
            while True:
                try:
                    netguard.canonical_host(urlsplit(url).hostname or "")
                except netguard.InvalidHost as exc:
                    # No resolver would take it: broken for every reader, and nothing to retry.
                    result.outcome, result.reason = Outcome.broken, str(exc)
                    return result
                try:
                    why = await self.guard.check(url)
                except HostResolutionError as exc:
                    if host_of(url) not in self.state.responded:
                        self.state.failed[host_of(url)] = "dns"
                    result.outcome, result.reason = Outcome.broken, str(exc)
                    result.network_error = "dns" if exc.nxdomain else "dns-temporary"
                    return result
                if why:
                    return _not_fetched(result, why)
                reply = await self.exchange(method, url, want_title=want_title, anchors=anchors)
                if reply.error == "private":
                    # The name passed the guard, then resolved to a forbidden address
                    # when connecting (DNS rebinding, or a record that just changed).
                    return _not_fetched(result, reply.message)
                if reply.status in REDIRECTS and reply.headers.get("location"):
                    location = reply.headers["location"].strip()
                    result.redirects.append((url, reply.status))
                    nxt = redirect_target(url, location)
                    if nxt is None:
                        result.outcome = Outcome.broken
                        result.reason = f"redirects to a malformed address {location[:200]!r}"
                        return result
                    if urlsplit(nxt).scheme not in ("http", "https"):
                        result.outcome, result.reason = Outcome.broken, f"redirects to a non-web address {nxt!r}"
                        return result
                    key = fetch_key(nxt)
                    if key in seen:
                        chain = " -> ".join([u for u, _ in result.redirects] + [nxt])
                        result.outcome, result.reason = Outcome.broken, f"redirect loop: {chain}"
                        return result
                    if len(result.redirects) > self.cfg.max_redirects:
                        result.outcome = Outcome.broken
                        result.reason = f"more than {self.cfg.max_redirects} redirects"
                        return result
                    seen.add(key)
                    url = nxt
                    if reply.status == 303 and method == "POST":  # pragma: no cover - never POST
                        method = "GET"
                    continue
                if method == "HEAD" and not fell_back and reply.status is not None \
                        and not 200 <= reply.status < 300 and reply.status != 429:
                    # HEAD refused, or a HEAD that lies (403, 404, 405, 501 to HEAD
                    # and 200 to GET are all common): ask with GET before judging.
                    # No answer at all, or "slow down", would not change with GET.
                    method, fell_back = "GET", True
                    continue
                break
            self._judge(result, reply, target)
            return result
        finally:
            result.final_url = url
            result.checked_at = time.time()
            result.elapsed_s = time.monotonic() - started
            result.requests = self.state.requests - requests_before

    def _judge(self, result: LinkResult, reply: Reply, target: Target) -> None:
        result.status = reply.status
        if reply.error:
            result.network_error = reply.error if reply.error in NETWORK_ERRORS else None
            # No such host, no server listening, a bad certificate: the link is
            # broken for every reader.  Timeouts, dropped connections and proxy
            # trouble say nothing certain about the page: unknown.
            broken = reply.error in ("dns", "tls", "invalid", "connect")
            result.outcome = Outcome.broken if broken else Outcome.blocked
            tries = f" (after {reply.attempts} tries)" if reply.attempts > 1 else ""
            result.reason = reply.message + tries
            return
        status = reply.status or 0
        parser = reply.parser
        if parser is not None:
            result.title = parser.title
            meta: dict[str, Any] = {}
            for key in ("citation_title", "dc_title", "og_title", "twitter_title", "citation_date", "site_name"):
                if parser.first(key):
                    meta[key] = parser.first(key)
            if parser.meta.get("citation_author"):
                meta["citation_author"] = parser.meta["citation_author"][:50]
            if parser.h1:
                meta["h1"] = parser.h1
            if reply.charset_note:
                meta["charset"] = reply.charset_note
            result.meta = meta
            if target.fragments:
                result.anchors = set(parser.anchors)
                result.body_complete = reply.body_complete
        label = f"{status} {reply.phrase}".strip()
        challenge = bot_challenge(reply.headers, parser.title if parser else None, reply.body_start)
        if 200 <= status < 300:
            if challenge:
                result.outcome, result.reason = Outcome.blocked, f"{label}, but the page is {challenge}"
                return
            gone = soft_404(parser.title, parser.h1) if parser and self.cfg.soft_404 else None
            if gone:
                result.outcome = Outcome.broken
                result.reason = f"{label}, but the page says {gone!r} (a soft 404)"
                return
            if result.redirects and self.cfg.soft_404:
                first = urlsplit(result.redirects[0][0]).path
                last = urlsplit(result.final_url or reply.url).path
                if len([s for s in first.split("/") if s]) >= 2 and last in ("", "/"):
                    result.outcome = Outcome.broken
                    result.reason = f"redirects to the site's home page ({reply.url}): the page is gone"
                    return
            result.outcome, result.reason = Outcome.ok, label
            result.moved_to = moved_to(result.redirects, reply.url)
            return
        if status in REDIRECTS or 300 <= status < 400:
            result.outcome, result.reason = Outcome.blocked, f"{label} without a usable Location header"
            return
        tries = f" after {reply.attempts} tries" if reply.attempts > 1 else ""
        if challenge:
            result.outcome, result.reason = Outcome.blocked, f"{label}: the site answers robots with {challenge}"
        elif status == 999:
            result.outcome, result.reason = Outcome.blocked, "999: the site refuses automated requests (LinkedIn)"
        elif status in BLOCKED_STATUSES:
            extra = f"; {reply.gave_up}" if reply.gave_up else ""
            result.outcome, result.reason = Outcome.blocked, f"{label}{tries}{extra}"
        elif status in BROKEN_STATUSES or 400 <= status < 500:
            result.outcome, result.reason = Outcome.broken, label
        else:
            extra = f"; {reply.gave_up}" if reply.gave_up else ""
            result.outcome, result.reason = Outcome.blocked, f"server error {label}{tries}{extra}"


def _not_fetched(result: LinkResult, why: str) -> LinkResult:
    result.outcome = Outcome.unchecked
    hop = f" (reached by a redirect from {result.redirects[0][0]})" if result.redirects else ""
    result.reason = f"not fetched: {why}{hop}; pass --allow-private-hosts to check it"
    return result


def redirect_target(url: str, location: str) -> str | None:
    """The absolute URL a ``Location`` header points at, or None when it is not a usable URL."""
    try:
        nxt = urljoin(url, location)
        parts = urlsplit(nxt)
        parts.port  # raises ValueError for a port that is not a number or out of range
        if parts.scheme in ("http", "https"):
            httpx.URL(nxt)  # what the client would refuse to send
            if not parts.hostname:
                return None
    except (ValueError, httpx.InvalidURL):
        return None
    return nxt


def moved_to(redirects: list[tuple[str, int]], final_url: str) -> str | None:
    """Where the leading run of permanent redirects points, when the chain starts with one."""
    if not redirects or redirects[0][1] not in PERMANENT:
        return None
    target = final_url
    for i, (_, status) in enumerate(redirects):
        if status not in PERMANENT:
            target = redirects[i][0]
            break
    return target

