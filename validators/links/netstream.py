"""An httpcore network backend on asyncio's own streams.

httpx's default backend for asyncio goes through anyio, whose per-call
bookkeeping (cancel scopes for every read and write, a fresh attribute
mapping for every ``get_extra_info``) costs more CPU than the HTTP parsing
itself when thousands of short requests run at once: httpcore asks every idle
connection "has the server closed you?" each time a request starts or ends.
The link checker runs only on asyncio, so this backend speaks to asyncio
directly through httpcore's public backend interface
(``httpcore.AsyncNetworkBackend``), with the same exceptions, time limits and
extra information the anyio backend gives.  HTTP itself (h11, the connection
pool, TLS settings) is still httpx's and httpcore's.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any, Iterable

import httpcore

SocketOption = tuple[int, int, "int | bytes"] | tuple[int, int, None, int]

#: how much a read asks the transport for at most; httpcore asks for 64 KiB
_LIMIT = 1 << 16
#: how long closing a connection may wait for the server's side of a TLS close
_CLOSE_WAIT_S = 1.0


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One TCP (or TLS over TCP) connection as a pair of asyncio streams."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self._reader = reader
        self._writer = writer
        self._sock = writer.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError:
            raise httpcore.ReadTimeout("timed out reading from the server") from None
        except OSError as exc:
            raise httpcore.ReadError(str(exc) or exc.__class__.__name__) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            async with asyncio.timeout(timeout):
                self._writer.write(buffer)
                await self._writer.drain()
        except TimeoutError:
            raise httpcore.WriteTimeout("timed out writing to the server") from None
        except (OSError, RuntimeError) as exc:  # RuntimeError: writing to a closed transport
            raise httpcore.WriteError(str(exc) or exc.__class__.__name__) from exc

    async def aclose(self) -> None:
        self._writer.close()
        try:
            # a TLS close waits for the server's close_notify; do not let a silent server hold the run
            async with asyncio.timeout(_CLOSE_WAIT_S):
                await self._writer.wait_closed()
        except (OSError, ssl.SSLError, TimeoutError):  # the peer went first, or is silent: closed either way
            self._writer.transport.abort()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError:
            await self.aclose()
            raise httpcore.ConnectTimeout("timed out in the TLS handshake") from None
        except (OSError, ssl.SSLError, ConnectionError) as exc:
            await self.aclose()
            raise httpcore.ConnectError(str(exc) or exc.__class__.__name__) from exc
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            # Asked of an idle connection: anything to read means the server closed it
            # (or sent something unasked).  asyncio reads the socket as soon as data
            # arrives, so look at what it has received rather than at the socket.
            reader = self._reader
            return reader.at_eof() or reader.exception() is not None or bool(getattr(reader, "_buffer", b""))
        if info == "socket":
            return self._sock
        if info == "ssl_object":
            return self._writer.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._writer.get_extra_info("sockname")
        if info == "server_addr":
            return self._writer.get_extra_info("peername")
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """TCP connections through ``asyncio.open_connection`` (TCP_NODELAY is asyncio's default)."""

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[SocketOption] | None = None) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, limit=_LIMIT, local_addr=(local_address, 0) if local_address else None)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"timed out connecting to {host}:{port}") from None
        except OSError as exc:  # socket.gaierror included
            raise httpcore.ConnectError(str(exc) or exc.__class__.__name__) from exc
        sock = writer.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return AsyncioStream(reader, writer)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[SocketOption] | None = None) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("Unix sockets are not used by the link checker")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


