"""A host cut off from the database stops claiming work: its worker ends by itself.

The worker reaches PostgreSQL through a TCP relay that the test cuts (every connection closed,
no new ones accepted), as a network failure between one PC and the database would.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from runner.hosts.testbed import wait_for


class Relay:
    """127.0.0.1:<port> -> the database, until ``cut``. ``stall``: connections whose start-up
    message names that application_name are accepted and never answered (a database that
    stops answering), the others relayed."""

    def __init__(self, target: tuple[str, int], stall: str | None = None) -> None:
        self.target = target
        self.stall = stall
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            first = _startup_message(client) if self.stall else b""
            with self.lock:
                if self.closed:  # accepted while being cut
                    client.close()
                    return
                self.sockets.append(client)
                if self.stall and b"application_name\0" + self.stall.encode() + b"\0" in first:
                    continue  # held open, never answered
                upstream = socket.create_connection(self.target)
                upstream.sendall(first)
                self.sockets.append(upstream)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with self.lock:
            self.closed = True
            self.server.close()
            for s in self.sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()


def _startup_message(client: socket.socket) -> bytes:
    """The client's first message (its start-up parameters: sslmode=disable sends no SSL
    request first): a 4-byte length that counts itself, then the rest."""
    data = b""
    while len(data) < 4 or len(data) < int.from_bytes(data[:4], "big"):
        chunk = client.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def test_a_worker_cut_off_from_the_database_stops_by_itself(
    pg_dsn: str, adb_server: int, tmp_path: Path
) -> None:
    parts = urlsplit(pg_dsn)
    relay = Relay((parts.hostname or "127.0.0.1", parts.port or 5432))
    dsn = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{relay.port}"))
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "runner", "worker", "--state", dsn, "--host-id", "cut"]
            + ["--heartbeat", "0.5", "--stall", "3", "--polling", "0.5"],
            cwd=tmp_path,
            env={**os.environ, "ANDROID_ADB_SERVER_PORT": str(adb_server)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        assert wait_for(lambda: b"campaign worker: host cut" in log.read_bytes(), 60), (
            log.read_text()
        )
        relay.cut()
        assert wait_for(lambda: worker.poll() is not None, 90), log.read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
    assert worker.returncode == 3, log.read_text()  # a storage fault: systemd restarts it
    assert "this host stopped claiming work" in log.read_text()


def test_a_database_that_stops_answering_before_the_job_pool_opened_is_one_storage_fault(
    pg_dsn: str, adb_server: int, tmp_path: Path
) -> None:
    """The worker's own tables answer; procrastinate's connections are accepted and never
    answered, so its pool cannot open: one message, exit 3, as a database lost later."""
    from runner.hosts.worker import JOBS_APPLICATION

    parts = urlsplit(pg_dsn)
    relay = Relay((parts.hostname or "127.0.0.1", parts.port or 5432), stall=JOBS_APPLICATION)
    dsn = urlunsplit(
        parts._replace(
            netloc=f"{parts.username}@127.0.0.1:{relay.port}",
            query="sslmode=disable&gssencmode=disable",
        )
    )
    worker = subprocess.run(
        [sys.executable, "-m", "runner", "worker", "--state", dsn, "--host-id", "stalled"]
        + ["--heartbeat", "0.5", "--stall", "5", "--connect-timeout", "2"],
        cwd=tmp_path,
        env={**os.environ, "ANDROID_ADB_SERVER_PORT": str(adb_server)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    relay.cut()
    assert worker.returncode == 3, worker.stderr
    [message] = [line for line in worker.stderr.splitlines() if "error:" in line]
    assert message.startswith(
        "campaign worker: error: host stalled: the state database stopped answering ("
    ), message
    assert "this host stopped claiming work" in message
    assert "Traceback" not in worker.stderr
    assert "campaign worker: host stalled" in worker.stdout  # its own tables did answer
