"""The ``sync:`` service: STAT/STA2/LST2, LIST/LIS2, SEND, RECV, QUIT (adb.md §2.3).

Requests are parsed from a byte buffer, never one per WRTE: the host coalesces and splits
writes freely (``SEND`` + ``DATA`` + ``DONE`` often arrive in one packet).
"""

from __future__ import annotations

import errno
import struct

from runner.sim.connection import Stream
from runner.sim.fs import Entry, FileSystem, normalize

CHUNK = 64 * 1024
STAT_V1 = struct.Struct("<4sIII")
STAT_V2 = struct.Struct("<4sIQQIIIIQqqq")  # 72 bytes
DENT_V1 = struct.Struct("<4sIIII")
DENT_V2 = struct.Struct("<4sIQQIIIIQqqqI")  # 76 bytes + name


class StreamReader:
    """Exact-size reads over a stream's WRTE chunks."""

    def __init__(self, stream: Stream) -> None:
        self.stream = stream
        self.buf = bytearray()

    async def exactly(self, n: int) -> bytes | None:
        while len(self.buf) < n:
            chunk = await self.stream.read()
            if not chunk:
                return None
            self.buf += chunk
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out


async def serve_sync(fs: FileSystem, stream: Stream) -> None:
    """One sync session: requests until QUIT or the host closes the stream."""
    reader = StreamReader(stream)
    while True:
        head = await reader.exactly(8)
        if head is None:
            return
        ident, length = head[:4], struct.unpack("<I", head[4:])[0]
        if ident in (b"DATA", b"DONE"):
            return  # stray transfer frames outside SEND: adbd ends the session
        raw = await reader.exactly(length)
        if raw is None or ident == b"QUIT":
            return
        path = raw.decode("utf-8", "replace")
        if ident == b"SEND":
            await stream.write(await _receive_file(fs, reader, path))
        elif ident == b"RECV":
            await stream.write(_send_file(fs, path))
        elif ident in _ANSWERS:
            await stream.write(_ANSWERS[ident](fs, path))
        else:
            await stream.write(_fail(f"unknown sync request {ident!r}"))
            return


def _stat_v1(fs: FileSystem, path: str) -> bytes:
    entry = fs.stat(path)
    if entry is None:
        return STAT_V1.pack(b"STAT", 0, 0, 0)
    return STAT_V1.pack(b"STAT", entry.mode, len(entry.data) & 0xFFFFFFFF, entry.mtime)


def _v2_fields(entry: Entry | None, ino: int) -> tuple[int, ...]:
    if entry is None:
        return (errno.ENOENT, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    t = entry.mtime
    return (
        0,
        0xFD00,
        ino,
        entry.mode,
        1,
        2000,
        2000 if not entry.is_dir else 1000,
        len(entry.data),
        t,
        t,
        t,
    )


def _stat_v2(ident: bytes):  # type: ignore[no-untyped-def]
    def answer(fs: FileSystem, path: str) -> bytes:
        return STAT_V2.pack(ident, *_v2_fields(fs.stat(path), hash(normalize(path)) & 0xFFFFFF))

    return answer


def _list(fs: FileSystem, path: str, v2: bool) -> bytes:
    try:
        children = fs.listdir(path)
    except (FileNotFoundError, NotADirectoryError):
        children = []
    parts: list[bytes] = []
    for name, entry in children:
        encoded = name.encode()
        if v2:
            parts.append(
                DENT_V2.pack(b"DNT2", *_v2_fields(entry, hash(name) & 0xFFFFFF), len(encoded))
                + encoded
            )
        else:
            size = len(entry.data) & 0xFFFFFFFF
            parts.append(
                DENT_V1.pack(b"DENT", entry.mode, size, entry.mtime, len(encoded)) + encoded
            )
    parts.append(b"DONE" + bytes(DENT_V2.size - 4 if v2 else DENT_V1.size - 4))
    return b"".join(parts)


_ANSWERS = {
    b"STAT": _stat_v1,
    b"STA2": _stat_v2(b"STA2"),
    b"LST2": _stat_v2(b"LST2"),
    b"LIST": lambda fs, path: _list(fs, path, False),
    b"LIS2": lambda fs, path: _list(fs, path, True),
}


def _fail(message: str) -> bytes:
    data = message.encode()
    return b"FAIL" + struct.pack("<I", len(data)) + data


async def _receive_file(fs: FileSystem, reader: StreamReader, spec: str) -> bytes:
    """SEND: ``path,mode`` then DATA chunks then DONE(mtime); reply OKAY or FAIL once."""
    path, _, mode_text = spec.rpartition(",")
    if not path:
        path, mode_text = spec, "33188"
    chunks: list[bytes] = []
    while True:
        head = await reader.exactly(8)
        if head is None:
            raise ConnectionResetError("sync SEND interrupted")
        ident, value = head[:4], struct.unpack("<I", head[4:])[0]
        if ident == b"DONE":
            break
        if ident != b"DATA":
            return _fail(f"invalid data message {ident!r}")
        data = await reader.exactly(value)
        if data is None:
            raise ConnectionResetError("sync SEND interrupted")
        chunks.append(data)
    try:
        fs.write(
            path,
            b"".join(chunks),
            mode=int(mode_text or "33188"),
            mtime=value or None,
            parents=True,
        )
    except (IsADirectoryError, FileExistsError, ValueError) as exc:
        return _fail(f"couldn't create file: {type(exc).__name__}")
    return b"OKAY" + bytes(4)


def _send_file(fs: FileSystem, path: str) -> bytes:
    """RECV: the file in DATA chunks of at most 64 KiB, then DONE; built with one join."""
    try:
        data = fs.read(path)
    except FileNotFoundError:
        return _fail("open failed: No such file or directory")
    except IsADirectoryError:
        return _fail("read failed: Is a directory")
    view = memoryview(data)
    parts: list[bytes] = []
    for start in range(0, len(view), CHUNK):
        piece = view[start : start + CHUNK]
        parts.append(b"DATA" + struct.pack("<I", len(piece)))
        parts.append(bytes(piece))
    parts.append(b"DONE" + bytes(4))
    return b"".join(parts)
