"""State file throughput: applying 100,000 tasks (target < 3 s) and status transitions per second.

    .venv/bin/python bench/state_throughput.py [--tasks N] [--transitions N] [--dir DIR]

Prints figures only. Transitions are the executor's real calls (claim -> complete), each one
committed transaction with its event and attempt rows, synchronous=FULL (one fsync each), from
one thread and from 8 threads (as 8 phones finishing at once would).
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from runner.campaign.model import TaskSpec
from runner.state import Store


def specs(n: int, salt: str = "") -> list[TaskSpec]:
    return [
        TaskSpec(
            key=f"k{i:07d}",
            campaign=f"c{i % 10}",
            occurrence="once",
            script_name="follow",
            script_config={
                "target_users": [f"user{i}{salt}"],
                "access_method": "direct",
            },
            serial=f"SIM{i % 1000:06d}",
            username=f"acct{i % 2000}",
            target=f"user{i}{salt}",
        )
        for i in range(n)
    ]


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    took = time.perf_counter() - start
    print(f"{label:<44} {took:7.3f} s")
    return result, took


def transitions(store: Store, ids: list[int], threads: int) -> float:
    chunks = [ids[i::threads] for i in range(threads)]

    def work(chunk: list[int]) -> None:
        for task_id in chunk:
            store.claim(task_id, serial="SIM")
            store.mark_completed(task_id, result={}, summary="ok")

    workers = [threading.Thread(target=work, args=(c,)) for c in chunks]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return 2 * len(ids) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--transitions", type=int, default=2_000)
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="where the state file goes (default: a temp dir)",
    )
    args = parser.parse_args()
    root = args.dir or Path(tempfile.mkdtemp(prefix="state-bench-"))
    store = Store(root / "state.db")
    campaigns = [f"c{i}" for i in range(10)]
    batch = specs(args.tasks)
    print(f"state file: {store.path}")
    diff, _ = timed(
        f"apply {args.tasks:,} new tasks",
        lambda: store.apply(batch, campaigns=campaigns),
    )
    assert len(diff.new) == args.tasks
    timed(
        f"re-apply {args.tasks:,} unchanged",
        lambda: store.apply(batch, campaigns=campaigns),
    )
    changed = specs(args.tasks // 10, salt="x") + batch[args.tasks // 10 :]
    timed(
        f"apply with {args.tasks // 10:,} changed",
        lambda: store.apply(changed, campaigns=campaigns),
    )
    timed(f"diff {args.tasks:,} (plan)", lambda: store.diff(batch, campaigns=campaigns))
    ids = list(range(1, args.transitions + 1))
    print(f"{'transitions/s, 1 thread':<44} {transitions(store, ids[: len(ids) // 2], 1):7.0f}")
    print(f"{'transitions/s, 8 threads':<44} {transitions(store, ids[len(ids) // 2 :], 8):7.0f}")


if __name__ == "__main__":
    main()
