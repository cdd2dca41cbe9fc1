"""`campaign retry ID...` / `campaign retry --failed`: put failed tasks back in the queue.

Needs no lock: it only changes rows; a running runner picks the tasks up at its next poll,
and an idle state file runs them at the next `campaign run`.
"""

from __future__ import annotations

import argparse

from runner.cli.output import OK, add_format_argument, print_json
from runner.cli.status import add_state_argument, existing_state
from runner.errors import UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_state_argument(parser)
    parser.add_argument("ids", nargs="*", type=int, metavar="ID", help="task ids to retry")
    parser.add_argument(
        "--failed", action="store_true", help="retry every failed task (not stopped ones)"
    )
    parser.add_argument(
        "--include-cancelled",
        action="store_true",
        help="with --failed: also retry tasks that were stopped (failure class cancelled)",
    )
    add_format_argument(parser)  # json: {"queued": N, "tasks": [{"id", "retry_count"}]}


def run(args: argparse.Namespace) -> int:
    from runner.state.location import open_state

    if bool(args.ids) == bool(args.failed):
        raise UsageError("give task ids or --failed (not both)")
    store = open_state(existing_state(args))
    if args.failed:
        queued = store.retry_all(include_cancelled=args.include_cancelled)
        if args.format == "json":
            print_json({"queued": queued, "tasks": None})
        else:
            print(f"{queued} failed task(s) queued again")
        return OK
    rows = [store.retry(task_id) for task_id in args.ids]
    if args.format == "json":
        tasks = [{"id": r.id, "retry_count": r.retry_count} for r in rows]
        print_json({"queued": len(rows), "tasks": tasks})
        return OK
    for row in rows:
        print(f"task {row.id} queued again (retry {row.retry_count})")
    return OK
