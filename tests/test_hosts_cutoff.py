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
    """127.0.0.1:<port> -> the database, until ``cut``."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
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
            with self.lock:
                if self.closed:  # accepted while being cut
                    client.close()
                    return
                upstream = socket.create_connection(self.target)
                self.sockets += [client, upstream]
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
