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

if TYPE_CHECKING:
    from runner.campaign import Inventory

Server = tuple[str, int]
LOCAL_DEFAULT: Server = ("127.0.0.1", 5037)


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
