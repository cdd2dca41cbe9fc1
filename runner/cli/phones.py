"""The one seam to simulated phones outside the sim package: ``--sim`` of `run` and `serve`.

Both commands ask a ``runner.pool.servers.PhoneSource`` for their phones; this module makes the
one that starts simulated phones for the inventory behind a private adb server (or reuses a
`campaign sim up` fleet). Both must behave alike here: nothing of the user's own adb server
(5037) is started or touched, and everything started is stopped with the command. The adb
server's port is handed on explicitly (the servers returned), never through os.environ.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner.errors import UsageError
from runner.pool.servers import PhoneSource, Server, inventory_phones

if TYPE_CHECKING:
    from runner.campaign import Inventory


def phone_source(args: argparse.Namespace) -> PhoneSource:
    """The phones of a command that takes ``--sim`` and ``--fault``."""
    if not args.sim:
        return inventory_phones
    faults = tuple(args.fault)

    def simulated(
        inventory: Inventory, stack: ExitStack, *, state_dir: Path | None
    ) -> list[Server] | None:
        return start_simulated(inventory, stack, state_dir=state_dir, faults=faults)

    return simulated


def add_fault_argument(parser: argparse.ArgumentParser) -> None:
    """``--fault`` for the commands that take ``--sim`` (the same faults as `campaign sim up`)."""
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME[=VALUE][@WHERE]",
        help="with --sim: a fault on the simulated phones, as `campaign sim up --fault` "
        "(e.g. disconnect-after=comments@20%%); repeatable",
    )


def check_faults(args: argparse.Namespace) -> None:
    """Refuse ``--fault`` without ``--sim`` and a malformed one, before anything starts."""
    from runner.sim.faults import parse_fault

    if args.fault and not args.sim:
        raise UsageError("--fault needs --sim", hint="faults are for simulated phones")
    for text in args.fault:
        parse_fault(text)


def start_simulated(
    inventory: Inventory,
    stack: ExitStack,
    *,
    state_dir: Path | None = None,
    faults: Sequence[str] = (),
) -> list[Server]:
    """Simulated phones for the inventory behind an adb server; ``stack`` stops both.

    When the adb server already shows every inventory phone (a `campaign sim up` fleet), that
    fleet is used; when it shows some of them, a second fleet with the same hardware serials
    would split tasks between twins, so it is refused. ``state_dir``: the fleet's control file
    while it runs and its ground truth when it stops go to ``<state_dir>/sim``, where
    `campaign sim state` reads them (a rehearsal leaves evidence)."""
    from runner.sim import SimFleet, adbhost, phones_for_inventory

    if not inventory.devices:
        raise UsageError(
            "--sim needs an inventory.yaml that lists the phones",
            hint="e.g. `devices: [{serial: SIM000001, accounts: [{username: alice}]}]`: each "
            "simulated phone is logged in to the accounts listed for it",
        )
    running = _running_fleet(inventory)
    if running is not None:
        if faults:
            raise UsageError(
                "--fault: the inventory's phones are already simulated by `campaign sim up`",
                hint="give the faults to `campaign sim up --fault`, or stop it first",
            )
        return [running]
    from runner.sim.faults import apply_faults, parse_fault

    phones = apply_faults(
        phones_for_inventory(inventory.devices), [parse_fault(text) for text in faults]
    )
    port = _sim_server(stack, adbhost)
    fleet = SimFleet(phones)
    fleet.start()
    stack.callback(fleet.stop)
    fleet.connect(server_port=port)
    if state_dir is not None:
        _keep_evidence(fleet, stack, state_dir / "sim", port)
    return [("127.0.0.1", port)]


def _running_fleet(inventory: Inventory) -> Server | None:
    """The adb server ANDROID_ADB_SERVER_PORT names, when it already shows all inventory phones.

    None when it shows none of them (or no server is named: --sim then uses a private one).
    """
    if not os.environ.get("ANDROID_ADB_SERVER_PORT"):
        return None
    from runner.pool import DevicePool
    from runner.pool.pool import default_server

    server = default_server()
    pool = DevicePool(adb_servers=[server])
    try:
        pool.refresh()
    finally:
        pool.stop()
    if pool.server_errors:
        return None
    wanted = [d.serial for d in inventory.devices]
    present = [s for s in wanted if pool.known(s)]
    if not present:
        return None
    if len(present) < len(wanted):
        missing = [s for s in wanted if s not in present]
        raise UsageError(
            f"--sim: phones {', '.join(present)} are already on the adb server on port {server[1]} "
            f"but {', '.join(missing)} are not; a second simulated fleet would have twins of the "
            "same phones and split tasks between them",
            hint="stop the running phones (`campaign sim down`), or run without --sim",
        )
    print(
        f"campaign: --sim uses the {len(present)} phone(s) already on the adb server on port "
        f"{server[1]} (`campaign sim state` reads their ground truth)",
        file=sys.stderr,
    )
    return server


def _keep_evidence(fleet: Any, stack: ExitStack, sim_dir: Path, port: int) -> None:
    """The control file while the fleet runs, the ground truth once it stops (before it stops:
    the stack runs this callback before the fleet's own)."""
    from runner.cli.sim import INFO_FILE, write_info, write_truth
    from runner.sim.control import ControlServer

    control = ControlServer(fleet, on_stop=lambda: None)
    control.start()
    write_info(sim_dir, fleet, control.port, port)

    def finish() -> None:
        write_truth(sim_dir, fleet.ground_truth())
        (sim_dir / INFO_FILE).unlink(missing_ok=True)
        control.close()

    stack.callback(finish)


def _sim_server(stack: ExitStack, adbhost: Any) -> int:
    """ANDROID_ADB_SERVER_PORT's server if set, else a private one on a free port (killed after)."""
    if os.environ.get("ANDROID_ADB_SERVER_PORT"):
        adbhost.ensure_server()
        return int(adbhost.server_port())
    port: int = adbhost.free_port()
    adbhost.ensure_server(port)
    kill = [adbhost.adb_binary(), "-P", str(port), "kill-server"]
    stack.callback(lambda: subprocess.run(kill, capture_output=True, timeout=30, check=False))
    return port
