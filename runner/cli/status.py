"""`campaign status`: tasks in the state file with the API's filters, and the counts.

`--format json` prints `{"tasks": [...], "stats": {...}}` with task objects in the API's shape
(``task_to_api``), except that times carry their UTC offset (ISO 8601) where the API keeps
TikMatrix's local "YYYY-MM-DD HH:MM:SS".
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from runner.cli.output import OK, add_format_argument, print_json, task_json
from runner.errors import UsageError

if TYPE_CHECKING:
    from runner.state import TaskRow

COLUMNS = (
    "id",
    "status",
    "campaign",
    "phone",
    "account",
    "script",
    "target",
    "tries",
    "remark",
)


def add_state_argument(parser: argparse.ArgumentParser, *, under: str = "") -> None:
    """`--state`, shared by run, serve, status, retry and stop; ``under`` names the flag that
    moves the default (run's ``--root``)."""
    where = f"under {under}" if under else "in the current directory"
    parser.add_argument(
        "--state",
        type=str,
        default=None,
        metavar="PATH|URL",
        help=f"state file, or a postgresql:// URL shared by several hosts (docs/hosts.md) "
        f"(default: $CAMPAIGN_STATE, else .campaign/state.db {where})",
    )


def existing_state(args: argparse.Namespace) -> Path | str:
    """Commands that only read or request need a state file that a run has created (a
    PostgreSQL URL is taken as it is: the database says whether it answers)."""
    from runner.state.location import state_path

    path = state_path(args.state)  # a str only for a PostgreSQL URL
    if isinstance(path, Path) and not path.is_file():
        raise UsageError(
            f"no state file at {path}",
            hint="run `campaign run` first, or pass --state PATH",
        )
    return path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_state_argument(parser)
    parser.add_argument(
        "--status",
        type=int,
        choices=(0, 1, 2, 3),
        default=None,
        help="0 pending, 1 running, 2 completed, 3 failed",
    )
    parser.add_argument("--serial", default=None, help="only this phone")
    parser.add_argument("--script", default=None, help="only this script (post, follow, ...)")
    parser.add_argument("--campaign", default=None, help="only this campaign")
    parser.add_argument(
        "--source",
        choices=("file", "api", "ui"),
        default=None,
        help="where the task came from",
    )
    add_format_argument(parser)  # json: {"tasks": [...], "stats": {...}}


def run(args: argparse.Namespace) -> int:
    from runner.state.location import open_state

    store = open_state(existing_state(args))
    filters = {
        "status": args.status,
        "serial": args.serial,
        "script_name": args.script,
        "source": args.source,
        "campaign": args.campaign,
    }
    rows, _total = store.list(**filters, page_size=None)
    stats = store.stats(**filters)
    if args.format == "json":
        print_json({"tasks": [task_json(r) for r in rows], "stats": stats})
        return OK
    table = [
        [
            str(r.id),
            r.status_text,
            r.campaign or "-",
            r.serial or "-",
            r.username or "-",
            r.script_name,
            r.target or "-",
            str(r.retry_count),
            _remark(r),
        ]
        for r in rows
    ]
    if table:
        widths = [
            max(len(COLUMNS[i]), *(len(row[i]) for row in table)) for i in range(len(COLUMNS))
        ]
        for cells in [list(COLUMNS), *table]:
            print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False)).rstrip())
        print()
    print(", ".join(f"{v} {k}" for k, v in stats.items()))
    return 0


def _remark(row: TaskRow) -> str:
    from runner.state import TaskStatus

    text = (
        f"{row.failure_class}: {row.remark}"
        if row.status == TaskStatus.FAILED and row.failure_class
        else row.remark
    )
    return text if len(text) <= 60 else text[:57] + "..."
