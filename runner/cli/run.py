"""`campaign run`: apply campaign files to the state, execute their due tasks on the phones.

The files are applied before anything is claimed, and only the tasks of the campaigns given
run (the summary counts those); the warnings `campaign validate` prints come first. Exit 0 when
every task of the applied campaigns completed (future ones may still wait without --wait), 1
when some failed, wait for a phone that is not there (unknown, quarantined, gone: named at the
end) or the files are invalid (as `validate` and `plan`), 2 for usage, 3 when the state file
failed under the run (disk full, deleted, replaced or read-only: one message says which; the
next run recovers the tasks that were running). On a shared ``postgresql://`` state a run is
refused (exit 2, naming them) while `campaign worker` hosts heartbeat on it: use `campaign
apply` and the workers there, or stop them (runner/hosts/runmark.py). `--sim` starts simulated phones for the
inventory (and, unless ANDROID_ADB_SERVER_PORT names one, a private adb server) and stops them
after the run: the one-command demonstration on a fresh machine.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from runner.cli.output import FAILED, OK, add_format_argument, print_json, task_json
from runner.cli.phones import add_fault_argument, check_faults, phone_source
from runner.cli.status import add_state_argument
from runner.cli.validate import (
    add_paths_argument,
    load_checked,
    print_warnings,
    warn_unseen_phones,
)
from runner.errors import UsageError
from runner.state.rows import TaskStatus

if TYPE_CHECKING:
    from runner.campaign import Repo
    from runner.pool import DevicePool
    from runner.scheduler import Runner
    from runner.state import ApplyDiff, Store, TaskRow


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_paths_argument(parser)
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="repository root (default: the current directory)",
    )
    add_state_argument(parser, under="--root")
    parser.add_argument(
        "--wait",
        action="store_true",
        help="also wait for tasks whose start time is in the future",
    )
    parser.add_argument(
        "--sim",
        action="store_true",
        help="run on simulated phones for the inventory's devices",
    )
    add_fault_argument(parser)
    parser.add_argument(
        "--junit",
        type=Path,
        default=None,
        metavar="FILE",
        help="write a JUnit XML report",
    )
    add_format_argument(parser, "junit")  # json and junit: one document at the end, no progress
    parser.add_argument(
        "--concurrency",
        type=int,
        default=None,
        metavar="N",
        help="at most N tasks at once",
    )
    parser.add_argument(
        "--force-unlock",
        action="store_true",
        help="take the state from a runner that is gone",
    )


def run(args: argparse.Namespace) -> int:

    if args.concurrency is not None and args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    check_faults(args)
    root = (args.root or Path.cwd()).resolve()
    repo = load_checked(args.paths, root, fmt=args.format, junit=args.junit)
    if repo is None:
        return FAILED
    warn_unseen_phones(repo, args.state, root)
    if args.format == "text":  # the same warnings `campaign validate` prints, before anything runs
        print_warnings(repo.warnings, prefix="campaign run: ")
    previous = signal.signal(
        signal.SIGTERM, _interrupt
    )  # SIGTERM stops like Ctrl-C: tasks re-queued
    try:
        with ExitStack() as stack:
            return _execute(args, repo, root, stack)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _execute(args: argparse.Namespace, repo: Repo, root: Path, stack: ExitStack) -> int:
    from runner.pool import DevicePool
    from runner.scheduler import Runner, RunnerOptions
    from runner.scheduler.report import scope_rows
    from runner.state.location import is_dsn, open_state, state_path

    location = state_path(args.state, root)
    store = open_state(location, local_dir=root / ".campaign")
    if is_dsn(location):  # refused beside live workers (or another run); see runmark
        from runner.hosts import runmark

        stack.enter_context(runmark.held(store, force=args.force_unlock))
    names = [c.name for c in repo.campaigns]
    options = RunnerOptions(
        concurrency=args.concurrency,
        force_unlock=args.force_unlock,
        repo_root=root,
        scope=frozenset(names),  # the campaigns of the files given, nothing else in the state
    )
    runner = Runner(store=store, pool=None, repo=repo, options=options)
    runner.acquire()  # a second runner is refused before it touches a phone
    stack.callback(runner.release)
    servers = phone_source(args)(repo.inventory, stack, state_dir=store.path.parent)
    pool = DevicePool(adb_servers=servers, inventory=repo.inventory)
    pool.start()
    stack.callback(pool.stop)
    runner.pool = pool
    started = time.monotonic()
    runner.start()  # applies the files before anything is claimed
    graceful = {"value": False}  # Ctrl-C or an error: running tasks go back to the queue
    stack.callback(lambda: runner.shutdown(graceful=graceful["value"]))
    for warning in runner.warnings:
        print(f"campaign run: warning: {warning}", file=sys.stderr)
    diff = runner.applied
    assert diff is not None  # start() applied the files
    if args.format == "text":
        _report_unknown_phones(store, names, pool)
    _watch(args, runner, store, names, diff, store.path)
    graceful["value"] = True
    waiting = runner.waiting_phones()
    rows = scope_rows(store, names)
    if waiting and args.format == "text":
        _report_waiting(rows, waiting)
    return _finish(args, store, rows, diff, time.monotonic() - started, waiting)


def _report_unknown_phones(store: Store, names: list[str], pool: DevicePool) -> None:
    """Before anything runs: tasks for phones no adb server has shown (typos, unplugged)."""
    from runner.pool.identity import unknown_phone_text, unknown_serials
    from runner.scheduler.report import scope_rows

    rows = [r for r in scope_rows(store, names) if r.status == TaskStatus.PENDING]
    for serial in unknown_serials({r.serial for r in rows}, pool):
        count = sum(r.serial == serial for r in rows)
        print(
            f"campaign run: warning: {unknown_phone_text([serial])}: "
            f"{count} task(s) will wait for it (check `campaign devices`)",
            file=sys.stderr,
        )


def _report_waiting(rows: list[TaskRow], waiting: dict[str, str]) -> None:
    """A bounded run ended with tasks whose phone cannot take them: say which and why."""
    stuck = [r for r in rows if r.status == TaskStatus.PENDING and r.serial in waiting]
    for serial, why in sorted(waiting.items()):
        ids = [str(r.id) for r in stuck if r.serial == serial]
        if ids:
            print(
                f"campaign run: {len(ids)} task(s) not run: phone {serial}: {why} "
                f"(tasks {', '.join(ids)}; they run when it is back)",
                file=sys.stderr,
            )


def _watch(
    args: argparse.Namespace,
    runner: Runner,
    store: Store,
    names: list[str],
    diff: ApplyDiff,
    path: Path,
) -> None:
    from runner.scheduler.progress import Progress
    from runner.scheduler.report import scope_rows

    quiet = args.format != "text"
    mode = "quiet" if quiet else ("live" if sys.stdout.isatty() else "plain")
    if not quiet:
        print(f"campaign run: {diff.summary()} task(s) in {path}", flush=True)
    progress = Progress(store, lambda: scope_rows(store, names), mode=mode)
    runner.on_outcome = progress.on_outcome
    with progress:
        while not runner.wait_idle(timeout=0.25, include_future=args.wait):
            progress.tick()


def _finish(
    args: argparse.Namespace,
    store: Store,
    rows: list[TaskRow],
    diff: ApplyDiff,
    seconds: float,
    waiting: dict[str, str],
) -> int:
    from runner.scheduler.report import junit_xml, run_json, summary_lines, write_junit

    if args.junit:
        write_junit(args.junit, rows, store, seconds)
    stuck = any(r.status == TaskStatus.PENDING and r.serial in waiting for r in rows)
    if args.format == "json":
        print_json(run_json(rows, diff, seconds, task=task_json) | {"waiting_for_phones": waiting})
    elif args.format == "junit":
        sys.stdout.write(junit_xml(rows, store, seconds).decode("utf-8"))
    else:
        print("\n".join(summary_lines(rows, seconds)))
    return FAILED if stuck or any(r.status == TaskStatus.FAILED for r in rows) else OK
