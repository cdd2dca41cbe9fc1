"""Start lag of the scheduler: N simulated phones, one quick task each, all due at the same second.

    .venv/bin/python bench/scheduler_lag.py [--phones 1000] [--per-server 500] [--lead 8]

Prints p50 / p99 / max of (started_at - start_time) over all tasks (target p99 < 1 s; the
original promises 10 s), and how long until every task ended. Starts its own adb server(s) on
free ports (one per ``--per-server`` phones: the bundled adb aborts past 1024 descriptors) and
kills them at the end; raises RLIMIT_NOFILE. The simulated phones run in this process too, so
figures include their CPU cost on the same cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runner.campaign.model import RetryPolicy, TaskSpec
from runner.sim import SimFleet, adbhost, default_phones


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def start_fleet(phones: int, per_server: int) -> tuple[SimFleet, list[int]]:
    fleet = SimFleet(default_phones(phones, 1))
    fleet.start()
    ports = []
    for i in range(0, phones, per_server):
        port = adbhost.free_port()
        adbhost.ensure_server(port)
        ports.append(port)
        fleet.connect(server_port=port, phones=fleet.phones[i : i + per_server])
    return fleet, ports


def tasks(fleet: SimFleet, due: datetime) -> list[TaskSpec]:
    config = {"task_duration": 0.2, "min_duration": 0.1, "max_duration": 0.1}
    return [
        TaskSpec(
            key="",
            campaign="lag",
            occurrence="once",
            script_name="account_warmup",
            script_config=config,
            serial=phone.spec.serial,
            start_time=due,
            retry=RetryPolicy(max=0),
            source="api",
        )
        for phone in fleet.phones
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--phones", type=int, default=1000)
    parser.add_argument("--per-server", type=int, default=500)
    parser.add_argument(
        "--lead",
        type=float,
        default=8.0,
        help="seconds between submitting and the due time",
    )
    args = parser.parse_args()
    print(f"open files limit: {adbhost.raise_nofile_limit()}")
    os.environ.setdefault("HOME", tempfile.mkdtemp())
    started = time.perf_counter()
    fleet, ports = start_fleet(args.phones, args.per_server)
    print(
        f"{args.phones} phones up and connected over {len(ports)} adb server(s) in {time.perf_counter() - started:.1f} s"
    )
    try:
        run(fleet, ports, args.lead)
    finally:
        fleet.stop()
        for port in ports:
            subprocess.run(
                [adbhost.adb_binary(), "-P", str(port), "kill-server"],
                capture_output=True,
                check=False,
                timeout=60,
            )


def run(fleet: SimFleet, ports: list[int], lead: float) -> None:
    from runner.pool import DevicePool
    from runner.scheduler import Runner, RunnerOptions
    from runner.state import Store

    began = instrument()
    pool = DevicePool(adb_servers=[("127.0.0.1", p) for p in ports])
    pool.start()
    store = Store(Path(tempfile.mkdtemp(prefix="lag-bench-")) / "state.db")
    runner = Runner(store=store, pool=pool, options=RunnerOptions())
    runner.start()
    try:
        due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=lead)
        runner.submit(tasks(fleet, due))
        runner.wait_idle(timeout=lead + 600, include_future=True)
        finished = time.perf_counter()
        report(store, due, finished, began)
    finally:
        runner.shutdown(graceful=False, timeout=30)
        pool.stop()


def instrument() -> dict[int, datetime]:
    """Record when each worker thread really begins its task (the phone lease and script),
    beside the claim time the state file records."""
    from runner.scheduler import executor

    began: dict[int, datetime] = {}
    original = executor._run

    def timed_run(row, job):  # type: ignore[no-untyped-def]
        began[row.id] = datetime.now(UTC)
        return original(row, job)

    executor._run = timed_run
    return began


def report(store: object, due: datetime, finished: float, began: dict[int, datetime]) -> None:
    rows = store.list(page_size=None)[0]  # type: ignore[attr-defined]
    lags = [(r.started_at - due).total_seconds() for r in rows if r.started_at]
    ends = [(r.ended_at - due).total_seconds() for r in rows if r.ended_at]
    stats = store.stats()  # type: ignore[attr-defined]
    print(f"tasks: {stats}")
    print(
        f"start lag, claimed (status running): p50 {pct(lags, 0.5) * 1000:.0f} ms, "
        f"p99 {pct(lags, 0.99) * 1000:.0f} ms, max {max(lags) * 1000:.0f} ms (target p99 < 1000 ms)"
    )
    work = [(t - due).total_seconds() for t in began.values()]
    print(
        f"start lag, worker began the task:    p50 {pct(work, 0.5) * 1000:.0f} ms, "
        f"p99 {pct(work, 0.99) * 1000:.0f} ms, max {max(work) * 1000:.0f} ms"
    )
    print(
        f"all ended {max(ends):.1f} s after the due time; median task took "
        f"{statistics.median((r.ended_at - r.started_at).total_seconds() for r in rows if r.ended_at and r.started_at):.2f} s"
    )


if __name__ == "__main__":
    main()
