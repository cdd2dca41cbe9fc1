"""Run the app under uvicorn: in the main thread for `campaign serve`, in a thread for tests/bench.

The threaded form binds its own socket first, so port 0 gives an ephemeral port whose number is
known before the first request (tests run many servers side by side).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

import uvicorn


def uvicorn_config(app: Any, *, host: str, port: int, log_level: str = "info") -> uvicorn.Config:
    """One place for uvicorn settings: no lifespan (the CLI owns start/stop), no server header."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        lifespan="off",
        server_header=False,
        access_log=log_level == "debug",
        timeout_graceful_shutdown=10,
    )


def run_server(server: uvicorn.Server, sock: socket.socket, store: Any) -> None:
    """uvicorn's ``Server.run``, then the store's reads of this event loop are closed on it
    (a PostgreSQL store reads the task list on the loop: its connections belong to it)."""

    async def serve() -> None:
        try:
            await server.serve(sockets=[sock])
        finally:
            close = getattr(store, "close_loop_reads", None)
            if close is not None:
                await close()

    with asyncio.Runner(loop_factory=server.config.get_loop_factory()) as runner:
        runner.run(serve())


def tcp_socket(family: int) -> socket.socket:
    """A listening-socket-to-be whose ``proto`` says TCP: asyncio only sets TCP_NODELAY on
    accepted sockets whose proto is IPPROTO_TCP (inherited from the listener); with proto 0
    every answer waits ~40 ms for the client's delayed ACK (headers and body are two writes)."""
    return socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)


def base_url(host: str, port: int) -> str:
    """``http://[::1]:50809`` for IPv6 addresses, which a URL needs in brackets."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class ServerThread:
    """A real uvicorn server on a loopback socket, in a daemon thread."""

    def __init__(
        self, app: Any, *, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning"
    ) -> None:
        self.sock = tcp_socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.app = app
        self.host, self.port = self.sock.getsockname()[:2]
        self.server = uvicorn.Server(
            uvicorn_config(app, host=host, port=self.port, log_level=log_level)
        )
        self.thread = threading.Thread(
            target=self._run, name=f"api-server-{self.port}", daemon=True
        )

    @property
    def url(self) -> str:
        return base_url(self.host, self.port)

    def _run(self) -> None:
        services = getattr(getattr(self.app, "state", None), "services", None)
        run_server(self.server, self.sock, getattr(services, "store", None))

    def start(self, timeout: float = 10.0) -> str:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the API server on {self.url} did not start")
            time.sleep(0.01)
        return self.url

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)
        self.sock.close()

    def __enter__(self) -> ServerThread:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
