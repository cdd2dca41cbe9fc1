"""ADB transport packets as adbd puts them on the wire (see shared/reference/adb.md §1).

Kept apart from the connection logic so the byte layout is written down exactly once.
"""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass

A_CNXN = 0x4E584E43
A_AUTH = 0x48545541
A_OPEN = 0x4E45504F
A_OKAY = 0x59414B4F
A_WRTE = 0x45545257
A_CLSE = 0x45534C43
A_SYNC = 0x434E5953
A_STLS = 0x534C5453

VERSION = 0x01000001
MAX_PAYLOAD = 256 * 1024  # 4096 would make the host abort on long OPEN destinations
AUTH_TOKEN, AUTH_SIGNATURE, AUTH_RSAPUBLICKEY = 1, 2, 3

HEADER = struct.Struct("<6I")
KNOWN = {A_CNXN, A_AUTH, A_OPEN, A_OKAY, A_WRTE, A_CLSE, A_SYNC, A_STLS}


class ProtocolViolation(ConnectionError):
    """The host sent something adbd would drop the transport for (bad magic, oversize)."""


@dataclass(frozen=True)
class Packet:
    command: int
    arg0: int
    arg1: int
    data: bytes = b""


def pack(command: int, arg0: int, arg1: int, data: bytes = b"") -> bytes:
    """One packet: header with the byte-sum checksum (the host ignores it; stricter peers may not)."""
    header = HEADER.pack(
        command, arg0, arg1, len(data), sum(data) & 0xFFFFFFFF, command ^ 0xFFFFFFFF
    )
    return header + data


async def read_packet(reader: asyncio.StreamReader, max_payload: int = 1024 * 1024) -> Packet:
    """Read one packet; raises IncompleteReadError at EOF and ProtocolViolation on garbage."""
    raw = await reader.readexactly(HEADER.size)
    command, arg0, arg1, length, _check, magic = HEADER.unpack(raw)
    if magic != command ^ 0xFFFFFFFF or command not in KNOWN:
        raise ProtocolViolation(f"bad packet header {raw.hex()}")
    if length > max_payload:
        raise ProtocolViolation(f"payload of {length} bytes exceeds {max_payload}")
    data = await reader.readexactly(length) if length else b""
    return Packet(command, arg0, arg1, data)


def banner(
    *, name: str, model: str, device: str, features: list[str], state: str = "device"
) -> bytes:
    """The CNXN payload; values must not hold ':', ';' or '=' (the host's parse_banner splits on them)."""
    clean = [v.replace(":", "_").replace(";", "_").replace("=", "_") for v in (name, model, device)]
    props = f"ro.product.name={clean[0]};ro.product.model={clean[1]};ro.product.device={clean[2]};"
    return f"{state}::{props}features={','.join(features)}".encode()


def shell_frame(kind: int, data: bytes) -> bytes:
    """One shell-v2 frame: id (1 stdout, 2 stderr, 3 exit), u32 LE length, payload."""
    return bytes([kind]) + len(data).to_bytes(4, "little") + data
