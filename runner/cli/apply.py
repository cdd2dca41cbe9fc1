"""`campaign apply`: write the campaign files' tasks into the state and exit (no phone touched).

With a ``postgresql://`` state the hosts' workers (`campaign worker`) run them; with a state
file, `campaign run` or `campaign serve` does. `run` stays apply + execute on one host. Exit 0
applied, 1 invalid files, 2 usage, 3 the state could not be written.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from runner.cli.output import FAILED, OK, add_format_argument, print_json
from runner.cli.status import add_state_argument
from runner.cli.validate import add_paths_argument, load_checked


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_paths_argument(parser)
    parser.add_argument(
        "--root", type=Path, default=None, help="repository root (default: the current directory)"
    )
    add_state_argument(parser, under="--root")
    add_format_argument(parser)  # json: {"applied": {new, changed, unchanged, removed, retired}}


def run(args: argparse.Namespace) -> int:
    from runner.scheduler import Runner
    from runner.state.location import is_dsn, open_state, state_path
    from runner.state.rows import utcnow

    root = (args.root or Path.cwd()).resolve()
    repo = load_checked(args.paths, root, fmt=args.format)
    if repo is None:
        return FAILED
    location = state_path(args.state, root)
    store = open_state(location, local_dir=root / ".campaign")
    shared = is_dsn(location)
    shown = str(store) if shared else str(location)  # the store shows its URL without password
    directory = None
    if shared:
        from runner.hosts.directory import HostPhones

        directory = HostPhones(store)
    runner = Runner(store=store, pool=directory, repo=repo)
    now = utcnow()  # occurrences after it are the dispatcher's (runner.hosts.recurring)
    diff = runner.apply(repo)
    if shared:
        from runner.hosts import recurring

        write_caps(store, repo.inventory)
        recurring.save(store, repo, now)
    counts = {name: len(getattr(diff, name)) for name in _KINDS}
    if args.format == "json":
        print_json({"applied": counts, "state": shown})
    else:
        print(f"campaign apply: {diff.summary()} task(s) in {shown}")
    return OK


_KINDS = ("new", "changed", "unchanged", "removed", "retired")


def write_caps(store: Any, inventory: Any) -> None:
    """The inventory's per-account daily caps and time zone, for every host's worker."""
    caps = dict(getattr(inventory, "daily_caps", {}) or {})
    zone = getattr(inventory, "timezone", None) or "UTC"
    with store.connection() as raw:
        for key, value in (("daily_caps", json.dumps(caps, sort_keys=True)), ("cap_zone", zone)):
            raw.execute(
                "INSERT INTO meta (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                (key, value),
            )
