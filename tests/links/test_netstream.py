"""The asyncio network backend against real loopback sockets: what anyio's backend did, it must do too."""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
import threading
import time

import httpcore
import pytest

from tests.links.servers import self_signed_certificate, serve_in_threads
from validators.links.netstream import AsyncioBackend


def test_bytes_received_before_a_reset_are_still_read():
    def answer_then_reset(conn: socket.socket) -> None:
        conn.recv(100)
        conn.sendall(b"HTTP/1.0 200 OK\r\n\r\nbody")
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()  # with linger 0: a reset, not a clean close

    port, listener = serve_in_threads(answer_then_reset)

    async def go() -> tuple[bytes, type[Exception]]:
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=2)
        await stream.write(b"GET / HTTP/1.0\r\n\r\n")
        await asyncio.sleep(0.1)  # busy elsewhere while the answer and the reset both arrive
        first = await stream.read(65536, timeout=2)
        with pytest.raises(httpcore.ReadError) as after:
            await stream.read(65536, timeout=2)
        await stream.aclose()
        return first, after.type

    try:
        first, error = asyncio.run(go())
    finally:
        listener.close()
    assert first == b"HTTP/1.0 200 OK\r\n\r\nbody"
    assert error is httpcore.ReadError


def test_an_idle_connection_the_server_closed_is_seen_as_readable_before_the_loop_runs():
    def answer_then_close(conn: socket.socket) -> None:
        conn.recv(100)
        conn.sendall(b"resp")
        conn.close()

    port, listener = serve_in_threads(answer_then_close)

    async def go() -> bool:
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=2)
        await stream.write(b"req")
        assert await stream.read(100, timeout=2) == b"resp"
        time.sleep(0.1)  # the server's close is in the kernel; the event loop has not run since
        closed = stream.get_extra_info("is_readable")
        await stream.aclose()
        return closed

    try:
        assert asyncio.run(go()) is True
    finally:
        listener.close()


def test_closing_a_tls_connection_does_not_wait_for_a_silent_server(tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    release = threading.Event()

    def handshake_then_go_silent(conn: socket.socket) -> None:
        with server_ctx.wrap_socket(conn, server_side=True) as tls:
            tls.recv(100)
            tls.sendall(b"answer")
            release.wait(10)  # never reads again, so never answers the client's close

    port, listener = serve_in_threads(handshake_then_go_silent)
    client_ctx = ssl.create_default_context(cafile=str(cert))

    async def go() -> bytes:
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=2)
        stream = await stream.start_tls(client_ctx, server_hostname="127.0.0.1", timeout=2)
        assert stream.get_extra_info("ssl_object") is not None
        await stream.write(b"question")
        got = await stream.read(100, timeout=2)
        async with asyncio.timeout(0.5):  # a hang here, not slowness, is the failure
            await stream.aclose()
        return got

    try:
        assert asyncio.run(go()) == b"answer"
    finally:
        release.set()
        listener.close()


def test_a_name_whose_first_address_drops_connections_falls_back_to_the_next(monkeypatch):
    ok_port, ok_listener = serve_in_threads(lambda conn: (conn.recv(100), conn.sendall(b"here"), conn.close()))
    # A listener on another loopback address with a full accept queue: new connections hang.
    black_hole = socket.socket()
    black_hole.bind(("127.0.0.2", ok_port))
    black_hole.listen(0)
    fillers = []
    for _ in range(3):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.2", ok_port))
        except BlockingIOError:
            pass
        fillers.append(s)
    time.sleep(0.2)
    real = socket.getaddrinfo

    def two_addresses(host, *args, **kwargs):
        if host in ("dual.test", b"dual.test"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.2", ok_port)),
                    (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", ok_port))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", two_addresses)

    async def go() -> bytes:
        stream = await AsyncioBackend().connect_tcp("dual.test", ok_port, timeout=3)
        await stream.write(b"hi")
        got = await stream.read(100, timeout=2)
        await stream.aclose()
        return got

    try:
        assert asyncio.run(go()) == b"here"  # with one address at a time this timed out after 3 s
    finally:
        for s in fillers + [black_hole]:
            s.close()
        ok_listener.close()


def test_connect_failures_are_httpcore_errors():
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now

    async def go() -> None:
        await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=2)

    with pytest.raises(httpcore.ConnectError):
        asyncio.run(go())
