"""Talking to the real adb server from the phone side: start it, connect and disconnect phones.

A raw smart-socket client (adb.md §2.2) rather than adbutils: connecting hundreds of phones
through adbutils pays two connections and a 10 ms close sleep each; this pays one round trip.
"""

from __future__ import annotations

import os
import resource
import socket
import subprocess
from pathlib import Path

from runner.errors import CampaignRunnerError


def server_port() -> int:
    """The adb server port adb and adbutils use: ANDROID_ADB_SERVER_PORT, else 5037."""
    raw = os.environ.get("ANDROID_ADB_SERVER_PORT", "5037")
    try:
        return int(raw)
    except ValueError:
        raise CampaignRunnerError(
            f"ANDROID_ADB_SERVER_PORT={raw!r} is not a port number",
            hint="set it to a number such as 5037",
        ) from None


def free_port() -> int:
    """A loopback port nothing listens on now: for a private adb server (tests, benches, --sim)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def adb_binary() -> str:
    """The adb executable adbutils would start: $ADBUTILS_ADB_PATH, adb on PATH, or the bundled one."""
    import adbutils

    return str(adbutils.adb_path())


def wheel_adb() -> str:
    """The adb inside the adbutils wheel itself, whatever PATH holds (tests pin this one)."""
    import adbutils

    bundled = Path(adbutils.__file__).resolve().parent / "binaries" / "adb"
    return str(bundled) if bundled.is_file() else adb_binary()


def raise_nofile_limit() -> int:
    """Raise the soft open-files limit to the hard limit; the adb server inherits it (2 fds/phone)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def request(service: str, *, port: int | None = None, timeout: float = 15.0) -> str:
    """One host service request; returns the server's answer text, raises on FAIL or no server."""
    port = server_port() if port is None else port
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        payload = service.encode()
        sock.sendall(b"%04x" % len(payload) + payload)
        status = _recv_exact(sock, 4)
        length = _recv_exact(sock, 4)
        message = _recv_exact(sock, int(length, 16)).decode("utf-8", "replace") if length else ""
    if status != b"OKAY":
        raise CampaignRunnerError(f"adb server on port {port} refused {service!r}: {message}")
    return message


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks: list[bytes] = []
    while n:
        chunk = sock.recv(n)
        if not chunk:
            break
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def server_running(port: int | None = None) -> bool:
    try:
        request("host:version", port=port, timeout=2.0)
    except OSError:
        return False
    return True


def ensure_server(port: int | None = None) -> None:
    """Start the adb server on ``port`` unless one answers there (as `adb start-server` does)."""
    port = server_port() if port is None else port
    if server_running(port):
        return
    raise_nofile_limit()
    proc = subprocess.run(
        [adb_binary(), "-P", str(port), "start-server"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if proc.returncode != 0 or not server_running(port):
        raise CampaignRunnerError(
            f"could not start the adb server on port {port}: {(proc.stderr or proc.stdout).strip()}",
            hint="check that HOME is writable (adb keeps its key in ~/.android) and the port is free",
        )


def connect(address: str, *, port: int | None = None) -> str:
    return request(f"host:connect:{address}", port=port)


def disconnect(address: str, *, port: int | None = None) -> str:
    """Disconnect ONE phone; never the bare form, which can wedge adb 29 with ~300 phones."""
    if not address:
        raise ValueError("refusing a bare adb disconnect")
    return request(f"host:disconnect:{address}", port=port)
