"""The control endpoint: a tiny HTTP server on loopback for `campaign sim state` and `sim down`.

GET /state -> ground truth JSON; GET /phones -> hw serial -> adb serial; POST /stop -> ends the
`sim up` process. It runs on the fleet's own loop, so it needs no thread of its own.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from typing import Any

from runner.sim.fleet import SimFleet

MAX_REQUEST = 16 * 1024


class ControlServer:
    def __init__(self, fleet: SimFleet, *, on_stop: Callable[[], None]) -> None:
        self.fleet = fleet
        self.on_stop = on_stop
        self.port = 0
        self._server: asyncio.AbstractServer | None = None

    def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        async def listen() -> int:
            self._server = await asyncio.start_server(self._handle, host, port)
            return int(self._server.sockets[0].getsockname()[1])

        self.port = self.fleet.run(listen())
        return self.port

    def close(self) -> None:
        async def shut() -> None:
            if self._server is not None:
                self._server.close()

        self.fleet.run(shut())

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
            method, path = head.decode("latin-1").split(" ", 2)[:2]
            status, body = await self._route(method, path)
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            status, body = 400, {"error": "bad request"}
        payload = json.dumps(body, ensure_ascii=False, indent=1).encode()
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}[status]
        writer.write(
            f"HTTP/1.0 {status} {reason}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode()
            + payload
        )
        try:
            await writer.drain()
        finally:
            writer.close()

    async def _route(self, method: str, path: str) -> tuple[int, Any]:
        if method == "GET" and path == "/state":
            # ground_truth takes the phones' locks: keep it off the loop thread.
            return 200, await asyncio.get_running_loop().run_in_executor(
                None, self.fleet.ground_truth
            )
        if method == "GET" and path == "/phones":
            return 200, self.fleet.serials()
        if method == "POST" and path == "/stop":
            threading.Thread(target=self.on_stop, daemon=True).start()
            return 200, {"stopping": True}
        return 404, {"error": f"no route {method} {path}"}
