"""`campaign worker --state postgresql://URL`: this host's phones run the shared campaigns.

One per host (docs/hosts.md). It drives the phones of this host's adb server
(ANDROID_ADB_SERVER_PORT, default 5037) until SIGTERM/SIGINT, registers the host, keeps
``phones`` current and heartbeats. Exit 0 when stopped, 2 for usage, 3 when the database
could not be reached at start (or took no connection within --connect-timeout).

With a state file instead (``--state .campaign/state.db [PATHS]``) it is the executor of one
PC without the API: the runner of `campaign run`, until stopped (what `serve --executor child`
starts beside the API). It follows the applies another process makes (the state's apply
generation): it reads the files again and takes up their recurring campaigns, so a schedule
edited under `serve` fires here. Exit 2 too while a `campaign run` holds a PostgreSQL state.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from runner.cli.output import log_to_stderr
from runner.cli.status import add_state_argument
from runner.errors import UsageError

DEFAULT_NICE = 10  # a systemd unit can set Nice= instead and pass --nice 0

if TYPE_CHECKING:
    from runner.scheduler import Runner

log = logging.getLogger("runner.worker")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="with a state file: the campaign files to follow (default: workflows/)",
    )
    add_state_argument(parser)
    parser.add_argument(
        "--host-id",
        default=None,
        metavar="NAME",
        help="this host's name: its queue is host-NAME (default: the host name; [a-z0-9-])",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="repository root: materials/ for posts, .campaign/ for artifacts (default: .)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=None,
        metavar="N",
        help="at most N tasks at once (default: 200 per host; no limit with a state file)",
    )
    parser.add_argument(
        "--heartbeat",
        type=float,
        default=10.0,
        metavar="S",
        help="seconds between heartbeats (default 10)",
    )
    parser.add_argument(
        "--stall",
        type=float,
        default=30.0,
        metavar="S",
        help="a host silent this long is dead: its tasks are retried elsewhere (default 30)",
    )
    parser.add_argument(
        "--polling",
        type=float,
        default=1.0,
        metavar="S",
        help="how often to look for jobs besides notifications (default 1)",
    )
    parser.add_argument(
        "--connect-timeout",
        type=float,
        default=30.0,
        metavar="S",
        help="at start, give up (exit 3) when the database has not taken the job connections "
        "within S seconds (default 30)",
    )
    parser.add_argument(
        "--nice",
        type=int,
        default=DEFAULT_NICE,
        metavar="N",
        help=f"lower this process's CPU priority by N (0-19, default {DEFAULT_NICE}): an API "
        "or database scheduled with it answers first (under systemd also lower the unit's "
        "CPUWeight=; docs/hosts.md, Priorities)",
    )
    parser.add_argument(
        "--adb-server",
        action="append",
        default=None,
        metavar="HOST:PORT",
        help="with a state file: drive the phones of this adb server only (repeatable; default: "
        "the inventory's adb_servers, followed on every apply). `serve --sim --executor child` "
        "passes its simulated phones' server",
    )
    parser.add_argument("--log-level", default="warning", choices=["debug", "info", "warning"])


def lower_priority(nice: int) -> None:
    """The worker is throughput, `serve` and the database are latency: under a CPU shortage
    the scheduler gives the API its share first (docs/hosts.md, "Priorities")."""
    if not 0 <= nice <= 19:
        raise UsageError(
            f"--nice {nice}: expected 0 to 19", hint="0 keeps the priority it was started with"
        )
    if nice:
        os.nice(nice)


def run(args: argparse.Namespace) -> int:
    from runner.state.location import state_path

    lower_priority(args.nice)
    root = (args.root or Path.cwd()).resolve()
    location = state_path(args.state, root)
    if isinstance(location, Path):  # a state file (a str is a postgresql:// URL)
        return _run_local(args, location, root)
    if args.adb_server:
        raise UsageError(
            "--adb-server is for a state file: a host's worker drives its own adb server",
            hint="set ANDROID_ADB_SERVER_PORT (and _HOST) for the worker of each host",
        )
    args.concurrency = 200 if args.concurrency is None else args.concurrency
    if (
        args.concurrency < 1
        or args.heartbeat <= 0
        or args.stall <= args.heartbeat
        or args.connect_timeout <= 0
    ):
        raise UsageError(
            "--concurrency must be at least 1, --stall longer than --heartbeat and "
            "--connect-timeout positive",
            hint="e.g. --heartbeat 10 --stall 30 (tests: 1 and 5)",
        )
    log_to_stderr(args.log_level)
    try:
        from runner.hosts import engine, worker
    except ImportError:
        raise UsageError(
            "campaign worker needs the hosts extra",
            hint="pip install 'campaign-runner[hosts]'",
        ) from None
    options = worker.WorkerOptions(
        dsn=str(location),
        host_id=worker.check_host_id(args.host_id or worker.default_host_id()),
        settings=engine.Settings(heartbeat=args.heartbeat, stall=args.stall, polling=args.polling),
        concurrency=args.concurrency,
        repo_root=root,
        local_dir=root / ".campaign",
        connect_timeout=args.connect_timeout,
    )
    return worker.run(options)


def _run_local(args: argparse.Namespace, path: Path, root: Path) -> int:
    """The one-PC executor: a Runner on the state file and the files' phones, until stopped."""
    import signal
    import threading

    from runner.cli.validate import load_checked
    from runner.pool import DevicePool
    from runner.pool.servers import adb_servers, parse_server
    from runner.scheduler import Runner, RunnerOptions
    from runner.state import Store

    # a bad --adb-server is refused before anything is written
    fixed = [parse_server(text, "--adb-server") for text in args.adb_server or []]
    store = Store(path)
    seen = store.applied_generation()  # read before the files: any later apply is followed
    repo = load_checked(args.paths, root, fmt="text")
    if repo is None:
        return 1
    log_to_stderr(args.log_level)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    pool = DevicePool(  # the inventory's servers, again at every apply it follows; or fixed ones
        adb_servers=fixed or adb_servers(repo.inventory),
        inventory=repo.inventory,
        follow_servers=not fixed,
    )
    pool.start()
    runner = Runner(
        store=store,
        pool=pool,
        repo=repo,
        options=RunnerOptions(concurrency=args.concurrency, repo_root=root),
    )
    try:
        runner.start()
        print(f"campaign worker: running the tasks of {path}", flush=True)
        while not stop.wait(0.5):
            if runner.fault is not None:
                raise runner.fault
            seen = _follow_applies(runner, args.paths, root, seen)
    finally:
        runner.shutdown(graceful=False)
        pool.stop()
    return 0


def _follow_applies(runner: Runner, paths: list[str], root: Path, seen: int) -> int:
    """Another process applied the files (`serve` beside this child, on reload or
    `POST /campaigns/apply`): read them again and take up their recurring campaigns, caps and
    phones (the tasks are written by the one that applied). Returns the generation seen."""
    from runner.campaign import load_repo
    from runner.cli.validate import check_paths
    from runner.device.appdata import apps_problems

    generation = runner.store.applied_generation()
    if generation == seen:
        return seen
    repo = load_repo(check_paths(paths, root), root=root, apps_check=apps_problems)
    if repo.problems:  # edited again since, and broken: the applier keeps the last good state
        log.warning(
            "campaign files changed and have %d problem(s); not followed", len(repo.problems)
        )
        return generation
    runner.follow(repo)
    return generation
