"""`campaign stop ID...`: a pending task will not run; a running one stops at its next step.

Writes a stop request to the state file; the runner holding the file polls for it and cancels
the script, which leaves the phone on its home screen.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from runner.cli.output import FAILED, OK, add_format_argument, print_json
from runner.cli.status import add_state_argument, existing_state

if TYPE_CHECKING:
    from runner.state import Store


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_state_argument(parser)
    parser.add_argument("ids", nargs="+", type=int, metavar="ID", help="task ids to stop")
    add_format_argument(parser)  # json: {"tasks": [{"id", "stopped", "message"}]}


def run(args: argparse.Namespace) -> int:
    from runner.state.location import open_state

    store = open_state(existing_state(args))
    results = [_stop(store, task_id) for task_id in args.ids]
    if args.format == "json":
        print_json({"tasks": [{"id": i, "stopped": ok, "message": m} for i, ok, m in results]})
    else:
        for task_id, _ok, message in results:
            print(f"task {task_id}: {message}")
    return OK if all(ok for _i, ok, _m in results) else FAILED


def _stop(store: Store, task_id: int) -> tuple[int, bool, str]:
    from runner.state import TaskStatus

    before = store.get(task_id)
    if before is None:
        return task_id, False, "no such task"
    if store.request_stop(task_id):
        verb = (
            "will stop at its next step"
            if before.status == TaskStatus.RUNNING
            else "cancelled before it ran"
        )
        return task_id, True, verb
    return task_id, False, f"not stopped: it is already {before.status_text}"
