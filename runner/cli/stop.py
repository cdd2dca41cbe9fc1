"""`campaign stop ID...`: a pending task will not run; a running one stops at its next step.

Writes a stop request to the state file; the runner holding the file polls for it and cancels
the script, which leaves the phone on its home screen.
"""

from __future__ import annotations

import argparse

from runner.cli.status import add_state_argument, existing_state


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_state_argument(parser)
    parser.add_argument("ids", nargs="+", type=int, metavar="ID", help="task ids to stop")


def run(args: argparse.Namespace) -> int:
    from runner.state import Store

    store = Store(existing_state(args))
    code = 0
    for task_id in args.ids:
        before = store.get(task_id)
        if before is None:
            print(f"task {task_id}: no such task")
            code = 1
        elif store.request_stop(task_id):
            verb = "will stop at its next step" if before.status == 1 else "cancelled before it ran"
            print(f"task {task_id}: {verb}")
        else:
            print(f"task {task_id}: not stopped: it is already {before.status_text}")
            code = 1
    return code
