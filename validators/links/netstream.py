"""An httpcore network backend on asyncio's own transports.

httpx's default backend for asyncio goes through anyio, whose per-call
bookkeeping (cancel scopes for every read and write, a fresh attribute
mapping for every ``get_extra_info``) costs more CPU than the HTTP parsing
itself when thousands of short requests run at once: httpcore asks every idle
connection "has the server closed you?" each time a request starts or ends.
The link checker runs only on asyncio, so this backend speaks to asyncio
directly through httpcore's public backend interface
(``httpcore.AsyncNetworkBackend``), with the exceptions, time limits and
extra information the anyio backend gives, and its behaviour where it
matters: bytes received before a reset are still delivered, a connection
closes at once (no waiting on a silent server's TLS close), and when a name
has several addresses the next one is tried after 250 ms (RFC 8305).  HTTP
itself (h11, the connection pool, TLS settings) is still httpx's and
httpcore's.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any, Iterable

import httpcore
from httpcore._utils import is_socket_readable

SocketOption = tuple[int, int, "int | bytes"] | tuple[int, int, None, int]

#: stop reading from the socket while this much is received and not yet read
_HIGH_WATER = 1 << 18
#: how long to wait before trying a host's next address (RFC 8305's recommended 250 ms, as anyio)
_HAPPY_EYEBALLS_DELAY_S = 0.25


class _Connection(asyncio.Protocol):
    """What a transport delivers, kept until read: data first, then the end or the error."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.received = bytearray()
        self.ended = False  # the server closed its side, or the connection was lost
        self.error: Exception | None = None
        self._reading_paused = False
        self._data_waiter: asyncio.Future[None] | None = None
        self._writing_paused = False
        self._drain_waiter: asyncio.Future[None] | None = None

    # -- called by the transport
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.received += data
        if len(self.received) > _HIGH_WATER and not self._reading_paused and self.transport is not None:
            self._reading_paused = True
            self.transport.pause_reading()
        _wake(self._data_waiter)

    def eof_received(self) -> bool:
        self.ended = True
        _wake(self._data_waiter)
        return False  # let the transport close itself: nothing more will be sent on this connection

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended = True
        self.error = exc
        _wake(self._data_waiter)
        _wake(self._drain_waiter)

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        _wake(self._drain_waiter)

    # -- called by the stream
    async def read(self, max_bytes: int) -> bytes:
        while not self.received and not self.ended:
            self._data_waiter = asyncio.get_running_loop().create_future()
            try:
                await self._data_waiter
            finally:
                self._data_waiter = None
        if self.received:  # what arrived before an error is still the server's answer
            data = bytes(self.received[:max_bytes])
            del self.received[:max_bytes]
            if self._reading_paused and len(self.received) <= _HIGH_WATER // 2 and self.transport is not None:
                self._reading_paused = False
                self.transport.resume_reading()
            return data
        if self.error is not None:
            raise self.error
        return b""

    async def drain(self) -> None:
        while self._writing_paused and self.error is None and not self.ended:
            self._drain_waiter = asyncio.get_running_loop().create_future()
            try:
                await self._drain_waiter
            finally:
                self._drain_waiter = None
        if self.error is not None:
            raise self.error


def _wake(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One TCP (or TLS over TCP) connection."""

    def __init__(self, transport: asyncio.Transport, connection: _Connection):
        self._transport = transport
        self._conn = connection
        self._sock = transport.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                return await self._conn.read(max_bytes)
        except TimeoutError:
            raise httpcore.ReadTimeout("timed out reading from the server") from None
        except OSError as exc:
            raise httpcore.ReadError(str(exc) or exc.__class__.__name__) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        if self._transport.is_closing() or self._conn.ended:
            raise httpcore.WriteError("the connection is closed")
        try:
            async with asyncio.timeout(timeout):
                self._transport.write(buffer)
                await self._conn.drain()
        except TimeoutError:
            raise httpcore.WriteTimeout("timed out writing to the server") from None
        except (OSError, RuntimeError) as exc:  # RuntimeError: the transport closed under the write
            raise httpcore.WriteError(str(exc) or exc.__class__.__name__) from exc

    async def aclose(self) -> None:
        # As anyio does: ask for a clean close, let the loop turn once, then drop the
        # connection, so a server that never answers a TLS close cannot hold anything up.
        self._transport.close()
        try:
            await asyncio.sleep(0)
        finally:  # also when the close itself is cancelled
            self._transport.abort()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(self._transport, self._conn, ssl_context,
                                                 server_hostname=server_hostname)
        except TimeoutError:
            self._transport.abort()
            raise httpcore.ConnectTimeout("timed out in the TLS handshake") from None
        except (OSError, ssl.SSLError, ConnectionError) as exc:
            self._transport.abort()
            raise httpcore.ConnectError(str(exc) or exc.__class__.__name__) from exc
        if transport is None:  # pragma: no cover - only when the loop is closing
            raise httpcore.ConnectError("the TLS handshake did not complete")
        self._conn.transport = transport  # type: ignore[assignment]
        return AsyncioStream(transport, self._conn)  # type: ignore[arg-type]

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            # Asked of an idle connection: anything to read means the server closed it (or
            # sent something unasked).  Received but unread, or still in the socket.
            conn = self._conn
            return conn.ended or bool(conn.received) or is_socket_readable(self._sock)
        if info == "socket":
            return self._sock
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """TCP connections through ``loop.create_connection`` (TCP_NODELAY is asyncio's default)."""

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[SocketOption] | None = None) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, conn = await loop.create_connection(
                    _Connection, host, port, local_addr=(local_address, 0) if local_address else None,
                    happy_eyeballs_delay=_HAPPY_EYEBALLS_DELAY_S, interleave=1)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"timed out connecting to {host}:{port}") from None
        except OSError as exc:  # socket.gaierror included
            raise httpcore.ConnectError(str(exc) or exc.__class__.__name__) from exc
        try:
            sock = transport.get_extra_info("socket")
            for option in socket_options or ():
                sock.setsockopt(*option)
        except OSError as exc:
            transport.abort()
            raise httpcore.ConnectError(str(exc) or exc.__class__.__name__) from exc
        return AsyncioStream(transport, conn)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[SocketOption] | None = None) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("Unix sockets are not used by the link checker")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
