"""The one private adbutils hook the device link still uses: ``AdbConnection._safe_connect``.

adbutils has no public way to hand a connection its socket; these tests fail loudly when an
adbutils upgrade stops calling the hook (the link would silently lose TCP_NODELAY, and with it
the round-trip speed bench/device_roundtrip.py measures) or stops storing what it returns.
"""

from __future__ import annotations

import inspect
import socket
from collections.abc import Iterator

import pytest
from adbutils._adb import AdbConnection
from adbutils.errors import AdbConnectionError

from runner.device.adblink import FastConnection
from runner.sim.adbhost import free_port


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A real TCP server socket standing in for an adb server's accept (nothing is read)."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server


def test_adbutils_still_builds_its_connection_from_safe_connect() -> None:
    source = inspect.getsource(AdbConnection.__init__)
    assert "self._safe_connect()" in source, (
        "adbutils changed how AdbConnection gets its socket: update FastConnection "
        "(runner/device/adblink.py) to the new hook"
    )


def test_a_connection_uses_the_socket_the_hook_opened(listener: socket.socket) -> None:
    conn = FastConnection(*listener.getsockname()[:2])
    try:
        nodelay = conn.conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        assert (nodelay != 0, conn.conn.gettimeout()) == (True, None)
    finally:
        conn.close()


def test_a_remote_server_that_refuses_is_an_error_and_starts_nothing() -> None:
    port = free_port()
    with pytest.raises(AdbConnectionError, match="connect to adb server failed"):
        FastConnection("127.0.0.2", port)
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # no local server was started on it
