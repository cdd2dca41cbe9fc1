"""`campaign retry ID...` / `campaign retry --failed`: put failed tasks back in the queue.

Needs no lock: it only changes rows; a running runner picks the tasks up at its next poll,
and an idle state file runs them at the next `campaign run`.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from runner.cli.output import OK, add_format_argument, print_json
from runner.cli.status import add_state_argument, existing_state
from runner.errors import UsageError

if TYPE_CHECKING:
    from runner.state import Store


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
    # json: {"queued": N, "tasks": [{"id", "retry_count"}]}; with --failed, tasks is null and
    # "left_stopped" counts the stopped tasks it left alone
    add_format_argument(parser)


def run(args: argparse.Namespace) -> int:
    from runner.state.location import open_state

    if bool(args.ids) == bool(args.failed):
        raise UsageError("give task ids or --failed (not both)")
    store = open_state(existing_state(args))
    if args.failed:
        stopped = 0 if args.include_cancelled else _stopped_count(store)
        queued = store.retry_all(include_cancelled=args.include_cancelled)
        if args.format == "json":
            print_json({"queued": queued, "tasks": None, "left_stopped": stopped})
        else:
            left = f"; {stopped} stopped task(s) left as they are" if stopped else ""
            hint = " (--include-cancelled retries them too)" if stopped else ""
            print(f"{queued} failed task(s) queued again{left}{hint}")
        return OK
    rows = [store.retry(task_id) for task_id in args.ids]
    if args.format == "json":
        tasks = [{"id": r.id, "retry_count": r.retry_count} for r in rows]
        print_json({"queued": len(rows), "tasks": tasks})
        return OK
    for row in rows:
        print(f"task {row.id} queued again (retry {row.retry_count})")
    return OK


def _stopped_count(store: Store) -> int:
    """Failed tasks that were stopped (failure class cancelled): `--failed` leaves them, and
    says so, as the API's retry-all does with its ``cancelled_count``."""
    from runner.errors import FailureClass
    from runner.state import TaskStatus

    rows, _ = store.list(status=int(TaskStatus.FAILED), page_size=None)
    return sum(1 for row in rows if row.failure_class == FailureClass.CANCELLED)
