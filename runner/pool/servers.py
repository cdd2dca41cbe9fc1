"""Where the phones of `run`, `serve` and `worker` are: the adb servers the inventory names.

A ``PhoneSource`` is asked once, at start, for the servers to watch; it may start what it
needs on ``stack`` (which the command closes when it ends). The inventory's servers are the
default; ``--sim`` passes the simulated fleet's source (``runner.cli.phones``, the one place
outside the sim package that starts simulated phones), so nothing below the CLI knows them.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from runner.errors import UsageError

if TYPE_CHECKING:
    from runner.campaign import Inventory

Server = tuple[str, int]
LOCAL_DEFAULT: Server = ("127.0.0.1", 5037)


def parse_server(text: str, option: str) -> Server:
    """``HOST:PORT`` of an adb server given on the command line (``option`` names the flag in
    the error); an IPv6 host in brackets: ``[::1]:5037``."""
    host, sep, port = text.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise UsageError(
            f"{option} {text!r}: expected HOST:PORT", hint=f"e.g. {option} 127.0.0.1:5037"
        )
    return host, int(port)


class PhoneSource(Protocol):
    def __call__(
        self, inventory: Inventory, stack: ExitStack, *, state_dir: Path | None
    ) -> list[Server] | None:
        """The servers to watch; None means the default one (ANDROID_ADB_SERVER_* honoured)."""
        ...


def adb_servers(inventory: Inventory) -> list[Server] | None:
    """The inventory's servers; None for the default so ANDROID_ADB_SERVER_PORT is honoured."""
    servers: list[Server] = [(str(h), int(p)) for h, p in inventory.adb_servers]
    return None if servers in ([], [LOCAL_DEFAULT]) else servers


def inventory_phones(
    inventory: Inventory, stack: ExitStack, *, state_dir: Path | None
) -> list[Server] | None:
    """The default PhoneSource: the real phones on the inventory's adb servers."""
    return adb_servers(inventory)
