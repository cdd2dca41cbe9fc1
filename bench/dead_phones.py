"""Benchmark: how long dead and hung phones hold a bounded run (issue 11, "dead phones cost
seconds, not minutes").

A fleet of simulated phones behind a private adb server runs warm-up tasks through the Runner
with the defaults `campaign run` uses (retry policy max 3, delays 5-60 s, device_wait 30 s,
command timeout 20 s). A share of the phones drops for good shortly after the tasks start
(their listener closes: the adb server shows them offline), a share hangs at the same moment
(every command from then on never answers). Prints when the healthy phones' tasks were
all done, when the bounded run ended (`wait_idle` without future tasks, as `campaign run` does),
the attempts spent on the bad phones, and the tasks left waiting and why.

    .venv/bin/python bench/dead_phones.py [--phones 20] [--tasks 6] [--drop 0.2] [--hang 0.05]
                                          [--limit 900]

The original report: 480 tasks on 40 phones with 20 % drops and 5 % hangs, healthy work done in
17.3 s, the run ended after 1,141.6 s. Run it against an older checkout by copying this file
into that checkout's bench/ (it only uses Runner, RunnerOptions, DevicePool, Store, SimFleet).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runner.campaign.model import TaskSpec
from runner.pool import DevicePool
from runner.scheduler import Runner, RunnerOptions
from runner.sim import SimFleet, adbhost, default_phones
from runner.state import Store


def warmup(serial: str, seconds: float) -> TaskSpec:
    return TaskSpec(
        key="",
        campaign="bench",
        occurrence="once",
        script_name="account_warmup",
        script_config={"task_duration": seconds, "min_duration": 0.3, "max_duration": 0.5},
        serial=serial,
        source="api",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=6, help="tasks per phone")
    parser.add_argument("--drop", type=float, default=0.2, help="share of phones that die")
    parser.add_argument("--hang", type=float, default=0.05, help="share of phones that hang")
    parser.add_argument("--seconds", type=float, default=1.0, help="warm-up length per task")
    parser.add_argument("--limit", type=float, default=900, help="give up after this long")
    args = parser.parse_args()

    dead_n = max(1, round(args.phones * args.drop)) if args.drop > 0 else 0
    hung_n = max(1, round(args.phones * args.hang)) if args.hang > 0 else 0
    specs = default_phones(args.phones, 1)
    hung = {s.serial for s in specs[dead_n : dead_n + hung_n]}
    dead = {s.serial for s in specs[:dead_n]}

    os.environ.setdefault("HOME", tempfile.mkdtemp())
    adbhost.raise_nofile_limit()
    port = adbhost.free_port()
    os.environ["ANDROID_ADB_SERVER_PORT"] = str(port)
    adb = adbhost.wheel_adb()
    subprocess.run([adb, "-P", str(port), "start-server"], check=True, capture_output=True)
    fleet = SimFleet(specs)
    tmp = Path(tempfile.mkdtemp(prefix="dead-phones-"))
    pool = runner = None
    try:
        fleet.start()
        fleet.connect()
        pool = DevicePool()
        pool.start()
        runner = Runner(store=Store(tmp / "state.db"), pool=pool, options=RunnerOptions())
        runner.start()
        ids = runner.submit([warmup(p.serial, args.seconds) for p in specs] * args.tasks)
        by_id = {i: specs[n % len(specs)].serial for n, i in enumerate(ids)}
        healthy_done, ended = watch(args, fleet, runner, by_id, dead, hung)
        report(args, runner, by_id, dead, hung, healthy_done, ended)
    finally:
        if runner is not None:
            runner.shutdown(graceful=False, timeout=5)
        if pool is not None:
            pool.stop()
        fleet.stop()
        subprocess.run([adb, "-P", str(port), "kill-server"], check=False, capture_output=True)
    return 0


def watch(args, fleet, runner, by_id, dead, hung):  # type: ignore[no-untyped-def]
    """Break the bad phones 1.5 s in; (healthy work done, bounded run ended) in seconds."""
    t0 = time.monotonic()
    dropped = False
    healthy_done = ended = None
    while time.monotonic() - t0 < args.limit:
        if not dropped and time.monotonic() - t0 >= 1.5:
            for phone in fleet.phones:
                if phone.serial in dead:
                    phone.go_offline(3600)
                elif phone.serial in hung:
                    phone.hang_on("")  # every command from now on never answers
            dropped = True
        if healthy_done is None:
            rows = [runner.store.get(i) for i, s in by_id.items() if s not in dead | hung]
            if all(r is not None and r.status in (2, 3) for r in rows):
                healthy_done = time.monotonic() - t0
        if dropped and runner.wait_idle(timeout=0.2):
            ended = time.monotonic() - t0
            break
    return healthy_done, ended


def report(args, runner, by_id, dead, hung, healthy_done, ended) -> None:  # type: ignore[no-untyped-def]
    rows = {i: runner.store.get(i) for i in by_id}
    statuses = Counter(r.status_text for r in rows.values())
    bad = {i for i, s in by_id.items() if s in dead | hung}
    attempts = sum(len(runner.store.attempts(i)) for i in bad)
    print(
        f"fleet                  {args.phones} phones, {len(by_id)} warm-up tasks of "
        f"{args.seconds:g} s; after 1.5 s {len(dead)} die and {len(hung)} hang"
    )
    print(
        "healthy work done      "
        + (f"{healthy_done:.1f} s" if healthy_done is not None else "not within the limit")
    )
    print(
        "bounded run ended      "
        + (f"{ended:.1f} s" if ended is not None else f"not within {args.limit:g} s")
    )
    print(f"attempts on bad phones {attempts} for {len(bad)} tasks")
    print("task states            " + ", ".join(f"{n} {k}" for k, n in sorted(statuses.items())))
    if os.environ.get("BENCH_DEBUG"):
        for i in sorted(bad):
            for a in runner.store.attempts(i):
                print(
                    "   ",
                    i,
                    by_id[i],
                    a["started_at"][11:23],
                    (a["ended_at"] or "")[11:23],
                    a["failure_class"],
                    (a["message"] or "")[:90],
                )
    waiting = getattr(runner, "waiting_phones", dict)()
    for serial, why in sorted(waiting.items()):
        left = sum(1 for i in bad if by_id[i] == serial and rows[i].status == 0)
        print(f"  waiting: {serial} ({left} tasks): {why[:100]}")


if __name__ == "__main__":
    sys.exit(main())
