"""uiautomator2's on-device server, as a simulated phone runs it (shared/reference/screen-readers.md).

The client pushes ``u2.jar`` and starts it with a shell stream running
``CLASSPATH=/data/local/tmp/u2.jar app_process / com.wetest.uia2.Main -p 9008``; that stream's
life is the server's life. Requests come as HTTP/1.1 over adb ``tcp:9008`` streams: ``GET /ping``
answers ``pong``, ``POST /jsonrpc/0`` answers JSON-RPC 2.0 (``dumpWindowHierarchy`` returns the
screen as ``uiautomator dump`` would print it; other methods answer "method not found").
While it runs it holds the phone's one UiAutomation service, so ``uiautomator dump`` fails.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import TYPE_CHECKING

from runner.sim.protocol import shell_frame

if TYPE_CHECKING:
    from runner.sim.connection import Service, Stream
    from runner.sim.phone import SimPhone

MAIN_CLASS = "com.wetest.uia2.Main"
STARTING = "[server] INFO: [UiAutomator2Server] Starting Server\n"
ALREADY_REGISTERED = (
    "java.lang.IllegalStateException: UiAutomationService "
    "android.accessibilityservice.IAccessibilityServiceClient$Stub$Proxy@5deffd5already registered!\n"
)
EMPTY_HIERARCHY = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\r\n<hierarchy rotation=\"0\" />"
)
MAX_REQUEST = 1024 * 1024


def is_launch(command: str) -> bool:
    """A shell command line that starts the server (the client's exact form, or close to it)."""
    return "app_process" in command and MAIN_CLASS in command


class U2Server:
    """The server process of one phone: at most one, alive while its shell stream is open."""

    def __init__(self, phone: SimPhone) -> None:
        self.phone = phone
        self.stream: Stream | None = None
        self.port = 9008
        self.starts = 0
        self.requests = 0

    @property
    def running(self) -> bool:
        return self.stream is not None and not self.stream.closed

    # --- the app_process shell stream ----------------------------------------------------
    async def launch(self, stream: Stream, command: str, *, v2: bool) -> None:
        """Run the server for as long as its shell stream stays open."""

        async def say(text: str) -> None:
            data = text.encode()
            await stream.write(shell_frame(1, data) if v2 else data)

        if not await self.phone.faults.before_command(command):
            return
        jar = _classpath(command)
        if jar is None or self.phone.fs.stat(jar) is None:
            await say(f"Error: Could not find class '{MAIN_CLASS}'\n")
            return
        port = re.search(r"-p\s+(\d+)", command)
        await say(STARTING)
        if self.running or self.phone.faults.u2_unavailable:
            await say(ALREADY_REGISTERED)
            return
        spec = self.phone.faults.spec
        await asyncio.sleep(spec.u2_start_seconds if self.phone.realistic else 0.05)
        if self.running:  # another start won the race for the service
            await say(ALREADY_REGISTERED)
            return
        self.port = int(port.group(1)) if port else 9008
        self.stream, self.starts = stream, self.starts + 1
        try:
            while await stream.read():  # stdin frames are ignored; b"" is the close
                pass
        finally:
            if self.stream is stream:
                self.stream = None

    def kill(self) -> None:
        """The server process dies (killed, crashed): its shell stream ends, pings fail."""
        stream, self.stream = self.stream, None
        if stream is not None:
            stream.close()

    # --- tcp:<port> ----------------------------------------------------------------------
    def service(self, name: str) -> Service | None:
        """``tcp:9008`` while the server listens; anything else is refused like a closed port."""
        port = name.partition(":")[2]
        if not (self.running and port.isdigit() and int(port) == self.port):
            return None
        return self._serve_http

    async def _serve_http(self, stream: Stream) -> None:
        buffer = bytearray()
        while b"\r\n\r\n" not in buffer:
            chunk = await stream.read()
            if not chunk or len(buffer) > MAX_REQUEST:
                return
            buffer += chunk
        head, _, body = bytes(buffer).partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path = (lines[0].split(" ") + ["", ""])[:2]
        headers = {
            k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])
        }
        length = int(headers.get("content-length") or 0)
        while len(body) < length:
            chunk = await stream.read()
            if not chunk:
                return
            body += chunk
        self.requests += 1
        # the phone's faults reach the server's requests too (a hung or dropping phone)
        if not await self.phone.faults.before_command(f"u2 {method} {path}"):
            return
        status, payload = await self._answer(method, path, body[:length])
        if not self.running:
            return  # killed while answering: the connection just ends
        reason = {200: "OK", 404: "Not Found", 405: "Method Not Allowed"}[status]
        await stream.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode()
            + payload
        )

    async def _answer(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        if path == "/ping":
            return 200, b"pong"
        if path != "/jsonrpc/0":
            return 404, b"Not Found"
        if method != "POST":
            return 405, b"Method Not Allowed"
        try:
            call = json.loads(body or b"{}")
        except ValueError:
            return 200, _rpc_error(None, -32700, "Parse error")
        if not isinstance(call, dict):
            return 200, _rpc_error(None, -32600, "Invalid Request")
        if call.get("method") != "dumpWindowHierarchy":
            return 200, _rpc_error(call.get("id"), -32601, "Method not found")
        faults = self.phone.faults
        delay = faults.latency
        if self.phone.realistic:
            delay += self.phone.rng.uniform(*faults.spec.u2_dump_seconds)
        if delay > 0:
            await asyncio.sleep(delay)
        return 200, json.dumps(
            {"jsonrpc": "2.0", "id": call.get("id"), "result": self._hierarchy()}
        ).encode()

    def _hierarchy(self) -> str:
        from runner.sim.cmd_input import screen_xml

        with self.phone.lock:
            if not self.phone.display.awake:
                return EMPTY_HIERARCHY
            still = "animating" if self.phone.display.animating() else "still"
            self.phone.faults.screen_reads["uiautomator2", still, "ok"] += 1
            return screen_xml(self.phone)


def _classpath(command: str) -> str | None:
    match = re.search(r"CLASSPATH=(\S+)", command)
    return match.group(1) if match else None


def _rpc_error(call_id: object, code: int, message: str) -> bytes:
    error = {"code": code, "message": message, "data": f"{message}\n\tat {MAIN_CLASS}"}
    return json.dumps({"jsonrpc": "2.0", "id": call_id, "error": error}).encode()
