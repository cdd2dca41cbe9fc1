"""Where `run` and `serve` get their phones: the inventory's adb servers, or (``--sim``) simulated
phones for the inventory behind a private adb server.

Both commands must behave alike here: with ``--sim`` nothing of the user's own adb server
(5037) is started or touched, and everything started is stopped with the command.
"""

from __future__ import annotations

import os
import subprocess
from contextlib import ExitStack
from typing import Any

from runner.errors import UsageError

Server = tuple[str, int]


def adb_servers(inventory: Any) -> list[Server] | None:
    """The inventory's servers; None for the default so ANDROID_ADB_SERVER_PORT is honoured."""
    servers = [tuple(s) for s in getattr(inventory, "adb_servers", [])]
    return None if servers in ([], [("127.0.0.1", 5037)]) else servers  # type: ignore[return-value]


def start_simulated(inventory: Any, stack: ExitStack) -> list[Server]:
    """Simulated phones for the inventory behind an adb server; ``stack`` stops both."""
    from runner.sim import SimFleet, adbhost, phones_for_inventory

    if not inventory.devices:
        raise UsageError(
            "--sim needs an inventory.yaml that lists the phones",
            hint="see inventory.yaml in the demo",
        )
    port = _sim_server(stack, adbhost)
    fleet = SimFleet(phones_for_inventory(inventory.devices))
    fleet.start()
    stack.callback(fleet.stop)
    fleet.connect()
    return [("127.0.0.1", port)]


def _sim_server(stack: ExitStack, adbhost: Any) -> int:
    """ANDROID_ADB_SERVER_PORT's server if set, else a private one on a free port (killed after)."""
    if os.environ.get("ANDROID_ADB_SERVER_PORT"):
        adbhost.ensure_server()
        return int(adbhost.server_port())
    port = adbhost.free_port()
    os.environ["ANDROID_ADB_SERVER_PORT"] = str(port)
    stack.callback(os.environ.pop, "ANDROID_ADB_SERVER_PORT", None)
    adbhost.ensure_server(port)
    kill = [adbhost.adb_binary(), "-P", str(port), "kill-server"]
    stack.callback(lambda: subprocess.run(kill, capture_output=True, timeout=30, check=False))
    return port
