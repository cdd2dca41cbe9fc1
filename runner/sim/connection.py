"""One TCP connection from the adb server, played the way adbd plays it.

The handshake (CNXN, optionally AUTH for the unauthorized-phone fault), then streams: each OPEN
gets a local id and a service task; data flows in WRTE packets with one unacknowledged WRTE per
stream per direction, chunked to the negotiated maxdata.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Awaitable, Callable
from typing import Protocol

from runner.sim import protocol as p

Service = Callable[["Stream"], Awaitable[None]]


class PhoneSide(Protocol):
    """What a connection needs from the phone it serves."""

    def banner(self) -> bytes: ...
    def auth_required(self) -> bool: ...
    def open_service(self, name: str) -> Service | None: ...


class Stream:
    """One host<->phone stream. ``write`` honours flow control; ``read`` returns b'' at close."""

    def __init__(self, conn: Connection, local_id: int, remote_id: int) -> None:
        self.conn, self.local_id, self.remote_id = conn, local_id, remote_id
        self.closed = False
        self.task: asyncio.Future[None] | None = None
        self._can_write = asyncio.Event()
        self._can_write.set()
        self._inbox: asyncio.Queue[bytes] = asyncio.Queue()

    async def write(self, data: bytes) -> None:
        """Send ``data`` in WRTEs of at most maxdata, waiting for the host's OKAY before each."""
        view = memoryview(data)
        step = self.conn.max_payload
        for start in range(0, len(view), step):
            await self._can_write.wait()
            if self.closed:
                raise ConnectionResetError("stream closed by the host")
            self._can_write.clear()
            self.conn.send(
                p.A_WRTE, self.local_id, self.remote_id, bytes(view[start : start + step])
            )
            await self.conn.drain()

    async def read(self) -> bytes:
        """Next chunk the host wrote, or b'' once the stream is closed."""
        if self.closed and self._inbox.empty():
            return b""
        return await self._inbox.get()

    def close(self) -> None:
        """Close from the phone side (after the last WRTE; no need to wait for its OKAY)."""
        if not self.closed:
            self.closed = True
            self.conn.send(p.A_CLSE, self.local_id, self.remote_id)
        self._wake()

    def on_okay(self) -> None:
        self._can_write.set()

    def on_data(self, data: bytes) -> None:
        self._inbox.put_nowait(data)

    def on_close(self) -> None:
        self.closed = True
        self._wake()

    def _wake(self) -> None:
        self._can_write.set()
        self._inbox.put_nowait(b"")


class Connection:
    """The transport state of one accepted TCP connection."""

    def __init__(
        self, phone: PhoneSide, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.phone, self.reader, self.writer = phone, reader, writer
        self.max_payload = p.MAX_PAYLOAD
        self.streams: dict[int, Stream] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self._next_id = 1
        self._online = False

    def send(self, command: int, arg0: int, arg1: int, data: bytes = b"") -> None:
        if not self.writer.is_closing():
            self.writer.write(p.pack(command, arg0, arg1, data))

    async def drain(self) -> None:
        with contextlib.suppress(ConnectionError):
            await self.writer.drain()

    def close(self) -> None:
        """Drop the TCP connection (the adb server sees the phone go offline and re-dials)."""
        with contextlib.suppress(Exception):
            self.writer.close()

    async def serve(self) -> None:
        """Read packets until EOF or a protocol error; then end every stream's service."""
        try:
            while True:
                packet = await p.read_packet(self.reader)
                self._handle(packet)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            for stream in list(self.streams.values()):
                stream.on_close()
            for task in list(self.tasks):
                task.cancel()
            self.close()

    def _handle(self, packet: p.Packet) -> None:
        handler: Callable[[p.Packet], None] | None = {
            p.A_CNXN: self._on_cnxn,
            p.A_AUTH: self._on_auth,
            p.A_OPEN: self._on_open,
            p.A_OKAY: self._on_okay,
            p.A_WRTE: self._on_wrte,
            p.A_CLSE: self._on_clse,
        }.get(packet.command)
        if handler is None:
            raise p.ProtocolViolation(f"unexpected packet {packet.command:#x}")
        handler(packet)

    def _on_cnxn(self, packet: p.Packet) -> None:
        self.max_payload = min(p.MAX_PAYLOAD, packet.arg1 or p.MAX_PAYLOAD)
        if self.phone.auth_required():
            self.send(p.A_AUTH, p.AUTH_TOKEN, 0, os.urandom(20))
            return
        self._online = True
        self.send(p.A_CNXN, p.VERSION, p.MAX_PAYLOAD, self.phone.banner())

    def _on_auth(self, packet: p.Packet) -> None:
        # An unauthorized phone answers every signature with a new token and ignores the
        # public key, so the host reports "failed to authenticate" (adb.md §1.4).
        if packet.arg0 == p.AUTH_SIGNATURE:
            self.send(p.A_AUTH, p.AUTH_TOKEN, 0, os.urandom(20))

    def _on_open(self, packet: p.Packet) -> None:
        name = packet.data.rstrip(b"\0").decode("utf-8", "replace")
        if not self._online:
            return
        service = self.phone.open_service(name)
        if service is None:
            self.send(p.A_CLSE, 0, packet.arg0)
            return
        stream = Stream(self, self._next_id, packet.arg0)
        self._next_id += 1
        self.streams[stream.local_id] = stream
        self.send(p.A_OKAY, stream.local_id, packet.arg0)
        task = asyncio.ensure_future(self._run(stream, service))
        stream.task = task
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run(self, stream: Stream, service: Service) -> None:
        try:
            await service(stream)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            stream.close()
            self.streams.pop(stream.local_id, None)

    def _on_okay(self, packet: p.Packet) -> None:
        stream = self.streams.get(packet.arg1)
        if stream is not None:
            stream.on_okay()

    def _on_wrte(self, packet: p.Packet) -> None:
        stream = self.streams.get(packet.arg1)
        if stream is None:
            return
        self.send(p.A_OKAY, stream.local_id, stream.remote_id)
        stream.on_data(packet.data)

    def _on_clse(self, packet: p.Packet) -> None:
        stream = self.streams.pop(packet.arg1, None)
        if stream is not None:
            stream.on_close()
            if stream.task is not None and not stream.task.done():
                stream.task.cancel()  # the client gave up (timeout): end a command that hangs
