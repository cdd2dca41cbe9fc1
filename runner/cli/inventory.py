"""`campaign inventory sync`: the accounts `match_accounts` found, into inventory.yaml.

TikMatrix adds the accounts its match_accounts script finds to its account list; here the list
is the user's inventory.yaml, so nothing writes it behind the user's back. `sync` reads the
latest completed `match_accounts` task of each phone in the state and shows what the inventory
lacks: the accounts to add under phones it lists, and phones it does not list, as the YAML
lines that would go in. `--write` inserts exactly those lines, keeping the file's comments,
order and spacing (runner/campaign/inventory_edit.py), and checks the result loads; a shape it
cannot edit safely is refused with the lines to paste. An account the inventory lists under
another phone is reported, never moved. Exit 0 (also with nothing to add), 1 the inventory is
invalid or cannot be edited, 2 usage (no state file).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from runner.cli.output import FAILED, OK, add_format_argument, print_json
from runner.cli.status import add_state_argument
from runner.errors import CampaignError, UsageError

if TYPE_CHECKING:
    from runner.campaign import Inventory
    from runner.state import Store


@dataclass
class Found:
    """What the state's match_accounts results add to the inventory."""

    existing: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    new_devices: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    elsewhere: list[str] = field(default_factory=list)  # notes: listed under another phone


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    sync = sub.add_parser(
        "sync",
        help="add the accounts match_accounts found to inventory.yaml",
        description="Show (or, with --write, insert) the accounts the latest completed "
        "match_accounts task of each phone found that inventory.yaml does not list.",
    )
    sync.add_argument(
        "--root", type=Path, default=None, help="repository root (default: the current directory)"
    )
    add_state_argument(sync, under="--root")
    sync.add_argument(
        "--write", action="store_true", help="insert them into inventory.yaml (default: show)"
    )
    add_format_argument(sync)  # json: {inventory, add, new_devices, elsewhere, written}


def run(args: argparse.Namespace) -> int:
    from runner.campaign import load_repo
    from runner.campaign.repo import INVENTORY_NAMES, inventory_file
    from runner.state.location import open_state, state_path

    root = (args.root or Path.cwd()).resolve()
    path = inventory_file(root) or root / INVENTORY_NAMES[0]
    repo = load_repo([path] if path.is_file() else [], root=root)
    if repo.problems:
        for problem in repo.problems:
            print(problem, file=sys.stderr)
        print(f"campaign inventory: {path.name} is invalid; fix it first", file=sys.stderr)
        return FAILED
    location = state_path(args.state, root)
    if isinstance(location, Path) and not location.is_file():
        raise UsageError(
            f"no state file at {location}",
            hint="run a match_accounts task first (`campaign run`), or pass --state PATH",
        )
    found = found_accounts(open_state(location), repo.inventory)
    pending = bool(found.existing or found.new_devices)
    code = _write(path, found, quiet=args.format == "json") if pending and args.write else OK
    if args.format == "json":
        print_json(
            {
                "inventory": str(path),
                "add": _listing(found.existing),
                "new_devices": _listing(found.new_devices),
                "elsewhere": found.elsewhere,
                "written": pending and args.write and code == OK,
            }
        )
        return code
    for note in found.elsewhere:
        print(f"campaign inventory: note: {note}")
    if not pending:
        print(f"campaign inventory: {path.name} lists every account match_accounts found")
    elif not args.write:
        print(_preview(found, path))
        print("campaign inventory: run again with --write to insert them")
    return code


def _listing(accounts: dict[str, list[tuple[str, str]]]) -> dict[str, list[dict[str, str]]]:
    return {s: [{"username": u, "package": p} for u, p in found] for s, found in accounts.items()}


def found_accounts(store: Store, inventory: Inventory) -> Found:
    """The latest completed match_accounts result of each phone, against the inventory."""
    from runner.state.rows import TaskStatus

    rows, _ = store.list(status=TaskStatus.COMPLETED, script_name="match_accounts", page_size=None)
    latest = {row.serial: row for row in rows if row.serial}  # id order: the last one wins
    out = Found()
    for serial, row in sorted(latest.items()):
        device = inventory.device(serial)
        accounts = (row.result or {}).get("accounts") or []
        for entry in accounts:
            username, package = str(entry.get("username") or ""), str(entry.get("package") or "")
            if not username:
                continue
            listed = inventory.account(username)
            if listed is not None:
                if listed[0].serial != (device.serial if device else serial):
                    out.elsewhere.append(
                        f"@{username} was found on {serial} (task {row.id}) but the inventory "
                        f"lists it under {listed[0].serial}; left as it is"
                    )
                continue
            target = out.existing if device is not None else out.new_devices
            key = device.serial if device is not None else serial
            target.setdefault(key, []).append((username, package))
    return out


def found_lists(found: Found) -> list[list[tuple[str, str]]]:
    return [*found.existing.values(), *found.new_devices.values()]


def _preview(found: Found, path: Path) -> str:
    from runner.campaign.inventory_edit import account_item, device_lines

    lines: list[str] = []
    for serial, accounts in found.existing.items():
        lines.append(f"# under the phone {serial}'s accounts: in {path.name}")
        lines += [f"- {account_item(u, p)}" for u, p in accounts]
    if found.new_devices:
        lines.append(f"# phones {path.name} does not list, under devices:")
        for serial, accounts in found.new_devices.items():
            lines += device_lines(serial, accounts, indent="")
    return "\n".join(lines)


def _write(path: Path, found: Found, *, quiet: bool = False) -> int:
    from runner.campaign import load_repo
    from runner.campaign.inventory_edit import CannotPlace, add_accounts

    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    try:
        edited = add_accounts(text, found.existing, found.new_devices)
    except CannotPlace as exc:
        print(
            f"campaign inventory: cannot edit {path}: {exc}; paste this instead:", file=sys.stderr
        )
        print(_preview(found, path), file=sys.stderr)
        return FAILED
    folder = Path(tempfile.mkdtemp(prefix=".inventory-", dir=path.parent))
    tmp = folder / "inventory.yaml"
    try:
        tmp.write_text(edited, encoding="utf-8")
        check = load_repo([tmp], root=folder)
        added = [u for accounts in found_lists(found) for u, _ in accounts]
        missing = [u for u in added if check.inventory.account(u) is None]
        if check.problems or missing:
            why = "; ".join(str(p) for p in check.problems) or f"{', '.join(missing)} not read back"
            raise CampaignError(
                f"the edited inventory would not load ({why}); {path} is unchanged",
                path=str(path),
                hint="add the accounts by hand (`campaign inventory sync` shows them)",
            )
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        folder.rmdir()
    phones = len(found.existing) + len(found.new_devices)
    if not quiet:
        print(f"campaign inventory: added {len(added)} account(s) on {phones} phone(s) to {path}")
    return OK
