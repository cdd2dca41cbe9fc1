"""`campaign devices`: the phones the adb server(s) know, with inventory data and live facts.

`--format json` prints a list of objects with the `DeviceInfo` fields (stable keys: serial,
hw_serial, state, name, groups, model, android, battery, screen_on, app_package,
app_installed, app_version, accounts, quarantined, server, error, reader, reader_note).
`reader` is how the phone's screen is read: "uiautomator2" (its on-device server answers),
"dump" (`uiautomator dump`; `reader_note` says why the server is not used) or "auto" (no
server running yet: a run starts it, and falls back to the dump if it cannot).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from runner.cli.output import add_format_argument, print_json

COLUMNS = (
    "serial",
    "hw serial",
    "name",
    "groups",
    "state",
    "model",
    "android",
    "battery",
    "screen",
    "app",
    "accounts",
    "reader",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--inventory",
        type=Path,
        default=Path("inventory.yaml"),
        help="inventory file for names, groups, accounts and adb_servers (default: inventory.yaml)",
    )
    add_format_argument(parser)


def _inventory(path: Path) -> Any:
    from runner.campaign import load_repo

    if not path.is_file():
        return None
    repo = load_repo([path], root=path.parent)
    for problem in repo.problems:
        print(problem, file=sys.stderr)
    return repo.inventory


def _row(info: Any) -> tuple[str, ...]:
    def show(value: Any) -> str:
        return "-" if value is None or value == "" else str(value)

    app = "missing" if info.app_installed is False else show(info.app_version)
    screen = {True: "on", False: "off"}.get(info.screen_on, "-")
    state = f"quarantined ({info.quarantined})" if info.quarantined else info.state
    return (
        info.serial,
        show(info.hw_serial),
        show(info.name),
        ",".join(info.groups) or "-",
        state,
        show(info.model),
        show(info.android),
        f"{info.battery}%" if info.battery is not None else "-",
        screen,
        app,
        ",".join(info.accounts) or "-",
        show(info.reader),
    )


def render_table(infos: list[Any]) -> str:
    rows = [COLUMNS] + [_row(i) for i in infos]
    widths = [max(len(r[c]) for r in rows) for c in range(len(COLUMNS))]
    return "\n".join(
        "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=False)).rstrip() for r in rows
    )


def run(args: argparse.Namespace) -> int:
    from runner.pool import DevicePool

    inventory = _inventory(args.inventory)
    servers = list(inventory.adb_servers) if inventory is not None else None
    pool = DevicePool(adb_servers=servers, inventory=inventory)
    try:
        pool.refresh()
        infos = pool.devices()
    finally:
        pool.stop()
    for server, error in pool.server_errors.items():
        print(f"adb server {server}: {error}", file=sys.stderr)
    if args.format == "json":
        print_json([dataclasses.asdict(i) for i in infos])
    elif infos:
        print(render_table(infos))
    else:
        print(
            "no phones: connect one (USB debugging on) or `adb connect HOST:PORT`; `campaign sim up` starts simulated ones"
        )
    return 1 if pool.server_errors and not infos else 0
