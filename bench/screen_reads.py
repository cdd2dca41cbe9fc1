"""Benchmark: screen reads and wall time per task, per script, with each screen reader.

Runs every script on simulated phones with ``realistic`` latencies (a `uiautomator dump` costs
1-2.5 s, one that never sees an animating screen idle gives up after 10 s; uiautomator2's
hierarchy call 0.15-0.35 s, its start 1.5 s; see FaultSpec), whose feed, video pages and camera
never go idle, through the real adb server. Readers:

  before        the old reader: one plain `uiautomator dump` per read
  dump          `uiautomator dump` with failure recognition, the --compressed retry, back-off
  uiautomator2  uiautomator2's on-device server (started once per phone, reused by every task)

Each script runs ``--tasks`` tasks one after the other on its own phone (scripts in parallel);
a fresh fleet per reader. Prints per script and reader: tasks completed (checked against the
phones' ground truth), wall time per task, screen reads per task; then the phone-side count of
reads on animating screens that failed with "could not get idle state", per reader; then the
follow task's wall-time ratio dump / uiautomator2.

    .venv/bin/python bench/screen_reads.py [--tasks 3] [--readers before,dump,uiautomator2]
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import adbutils

from runner.device import Device, PhoneLink
from runner.device.readers import DumpReader, ScreenReader, U2Reader
from runner.errors import TaskFailed
from runner.scripts import ScriptTask, run_script
from runner.sim import AccountSpec, PhoneSpec, SimFleet, adbhost

TIKTOK = "com.zhiliaoapp.musically"
REPO = Path(__file__).resolve().parent.parent
URL = "https://www.tiktok.com/@chef.marco/video/73000000000000000{:02d}"
TARGETS = ["alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank", "ivy", "judy"]
READERS: dict[str, Callable[[], ScreenReader]] = {
    "before": lambda: DumpReader(compressed_retry=False, rounds=1),
    "dump": DumpReader,
    "uiautomator2": U2Reader,
}


def scripts(media: Path) -> dict[str, Callable[[int], tuple[dict[str, Any], str | None]]]:
    """script -> (task number -> (script_config, target))."""
    return {
        "follow": lambda n: ({}, TARGETS[n % len(TARGETS)]),
        "unfollow": lambda n: ({}, TARGETS[n % len(TARGETS)]),
        "comment": lambda n: ({"comment_content": f"nice one {n}"}, URL.format(n + 1)),
        "account_warmup": lambda n: (
            {
                "task_duration": 8,
                "min_duration": 1,
                "max_duration": 2,
                "like_probable": 50,
                "floow_probable": 30,
                "comment_probable": 30,
                "comment": "great",
            },
            None,
        ),
        "post": lambda n: (
            {
                "material_list": [str(media)],
                "captions": f"bench {n} #fyp",
                "post_way": "share",
                "upload_wait_time": 10,
            },
            None,
        ),
    }


def run_phone(
    port: int,
    adb_serial: str,
    hw: str,
    script: str,
    make: Callable,
    reader: ScreenReader,
    tasks: int,
    repo_root: Path,
) -> list[dict[str, Any]]:
    rows = []
    link = PhoneLink(adbutils.AdbClient(port=port), adb_serial)
    with tempfile.TemporaryDirectory() as artifacts:
        for n in range(tasks):
            config, target = make(n)
            task = ScriptTask(n + 1, script, config, hw, None, TIKTOK, target, "bench")
            device = Device(link, hw_serial=hw, reader=reader)
            start = time.monotonic()
            try:
                run_script(
                    device,
                    task,
                    cancel=threading.Event(),
                    artifacts_dir=Path(artifacts),
                    repo_root=repo_root,
                )
                outcome = "ok"
            except TaskFailed as exc:
                outcome = exc.failure_class.value
            rows.append(
                {"wall": time.monotonic() - start, "reads": device.reads, "outcome": outcome}
            )
    reader.close()
    return rows


TRUTH = {
    "follow": "follows",
    "unfollow": "unfollows",
    "comment": "comments",
    "account_warmup": "watched",
    "post": "posts",
}


def done_in_truth(truth: dict[str, Any], script: str) -> int:
    """What the phone itself recorded: follows, unfollows, comments, videos watched, posts."""
    return len(truth["user001_1"][TRUTH[script]])


def bench_reader(
    name: str, port: int, tasks: int, chosen: list[str], media: Path
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, int], collections.Counter]:
    makers = scripts(media)
    specs = [
        PhoneSpec(
            serial=f"BENCH{i:04d}",
            accounts=(AccountSpec("user001_1", following=tuple(TARGETS)),)
            if script == "unfollow"
            else (AccountSpec("user001_1"),),
        )
        for i, script in enumerate(chosen)
    ]
    fleet = SimFleet(specs, realistic=True, seed=7)
    fleet.start()
    fleet.connect()
    results: dict[str, list[dict[str, Any]]] = {}
    try:
        threads = []
        for phone, script in zip(fleet.phones, chosen, strict=True):

            def work(phone: Any = phone, script: str = script) -> None:
                results[script] = run_phone(
                    port,
                    phone.adb_serial,
                    phone.serial,
                    script,
                    makers[script],
                    READERS[name](),
                    tasks,
                    media.parent,
                )

            threads.append(threading.Thread(target=work))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        truth = fleet.ground_truth()
        recorded = {
            script: done_in_truth(truth[phone.serial], script)
            for phone, script in zip(fleet.phones, chosen, strict=True)
        }
        reads: collections.Counter = collections.Counter()
        for phone in fleet.phones:
            reads.update(phone.faults.screen_reads)
    finally:
        fleet.stop()
    return results, recorded, reads


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=3, help="tasks per script and reader")
    parser.add_argument("--readers", default=",".join(READERS))
    parser.add_argument(
        "--scripts", default="follow,unfollow,comment,account_warmup,post", help="comma list"
    )
    args = parser.parse_args()
    readers = args.readers.split(",")
    chosen = args.scripts.split(",")
    adbhost.raise_nofile_limit()
    adb = adbhost.wheel_adb()
    port = adbhost.free_port()
    os.environ["ANDROID_ADB_SERVER_PORT"] = str(port)
    subprocess.run([adb, "-P", str(port), "start-server"], check=True, capture_output=True)
    table: dict[tuple[str, str], list[dict[str, Any]]] = {}
    truth: dict[tuple[str, str], int] = {}
    phone_reads: dict[str, collections.Counter] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            media = Path(tmp) / "clip.mp4"
            media.write_bytes((REPO / "materials" / "demo-1.mp4").read_bytes())
            for name in readers:
                start = time.monotonic()
                results, recorded, reads = bench_reader(name, port, args.tasks, chosen, media)
                phone_reads[name] = reads
                for script, rows in results.items():
                    table[script, name] = rows
                    truth[script, name] = recorded[script]
                print(f"# {name}: {time.monotonic() - start:.0f} s", file=sys.stderr)
    finally:
        subprocess.run([adb, "-P", str(port), "kill-server"], check=False, capture_output=True)
    report(table, truth, phone_reads, readers, chosen, args.tasks)
    return 0


def report(
    table: dict[tuple[str, str], list[dict[str, Any]]],
    truth: dict[tuple[str, str], int],
    phone_reads: dict[str, collections.Counter],
    readers: list[str],
    chosen: list[str],
    tasks: int,
) -> None:
    print(f"realistic simulated phones, {tasks} task(s) per script and reader\n")
    width = 30
    print(f"{'script':<15}" + "".join(f"{r:>{width}}" for r in readers))
    print(f"{'':<15}" + "".join(f"{'done  wall s/task  reads/task':>{width}}" for _ in readers))
    notes = []
    for script in chosen:
        cells = []
        for reader in readers:
            rows = table.get((script, reader), [])
            ok = sum(r["outcome"] == "ok" for r in rows)
            fails = collections.Counter(r["outcome"] for r in rows if r["outcome"] != "ok")
            wall = statistics.mean(r["wall"] for r in rows) if rows else 0.0
            reads = statistics.mean(r["reads"] for r in rows) if rows else 0.0
            if fails:
                notes.append(
                    f"  {script} with {reader}: " + ", ".join(f"{n} {c}" for c, n in fails.items())
                )
            cells.append(f"{ok}/{len(rows)}  {wall:>8.1f}  {reads:>10.1f}")
        print(f"{script:<15}" + "".join(f"{c:>{width}}" for c in cells))
    if notes:
        print("failed tasks:\n" + "\n".join(notes))
    print("\nphone-side reads of animating screens (feed, video, camera) that failed idle:")
    for reader in readers:
        counts = phone_reads.get(reader, collections.Counter())
        parts = []
        for kind in ("dump", "dump --compressed", "uiautomator2"):
            total = sum(
                v for (k, still, _), v in counts.items() if k == kind and still == "animating"
            )
            failed = counts[kind, "animating", "idle error"]
            if total:
                parts.append(f"{kind}: {failed}/{total} ({100 * failed / total:.0f}%)")
        print(f"  {reader:<13} " + ("; ".join(parts) or "none"))
    if ("follow", "dump") in table and ("follow", "uiautomator2") in table:
        dump_rows, u2_rows = table["follow", "dump"], table["follow", "uiautomator2"]
        dump = statistics.mean(r["wall"] for r in dump_rows)
        u2 = statistics.mean(r["wall"] for r in u2_rows)
        print(
            f"\nfollow, mean of all tasks: {dump:.2f} s/task with uiautomator dump, "
            f"{u2:.2f} s with uiautomator2: {dump / u2:.1f}x less wall time"
        )
        if len(u2_rows) > 1:  # the server starts with a run's first task on a phone, once
            warm_dump = statistics.mean(r["wall"] for r in dump_rows[1:])
            warm_u2 = statistics.mean(r["wall"] for r in u2_rows[1:])
            print(
                f"follow, tasks after the first (server running): {warm_dump:.2f} s vs "
                f"{warm_u2:.2f} s: {warm_dump / warm_u2:.1f}x; the first uiautomator2 task "
                f"(push + start): {u2_rows[0]['wall']:.2f} s"
            )
    print("\nground truth, what the phones recorded:")
    for script in chosen:
        counts = "  ".join(f"{r}={truth.get((script, r), 0)}" for r in readers)
        print(f"  {script:<15}{TRUTH[script]:<10} {counts}")


if __name__ == "__main__":
    raise SystemExit(main())
