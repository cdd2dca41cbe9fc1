"""Several hosts: throughput of 1-second tasks over two hosts, and the re-run delay after a kill.

    .venv/bin/python bench/hosts.py [--phones 200] [--per-phone 5] [--seconds 1]

A private PostgreSQL (fsync off), two hosts on this PC (each: its own adb server, half the
phones with `campaign sim up --serial-prefix A|B`, a `campaign worker` with heartbeat 1 s and
stall limit 5 s), and this process as the third one (`campaign apply`, `campaign status`).

1. Throughput: ``--per-phone`` warm-ups of ``--seconds`` on every phone; tasks/s from the first
   attempt's start to the last attempt's end (the ideal is phones / seconds), and the mean gap
   between two tasks of one phone.
2. kill -9: one 20 s warm-up per phone of host a; once they run, host a's worker is killed and
   started again; re-run delay = second attempt's start minus the kill (min / median / max).
3. ``--side-by-side``: both backends on host a's phones alone, the same warm-ups run by
   `campaign worker --state FILE` (the SQLite executor of one PC) and by one
   `campaign worker --state postgresql://...`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKER = ("--heartbeat", "1", "--stall", "5", "--polling", "0.5")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="several-hosts figures")
    parser.add_argument("--phones", type=int, default=200, help="over two hosts")
    parser.add_argument("--per-phone", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--side-by-side", action="store_true", help="also figure 3")
    parser.add_argument("--no-kill", action="store_true", help="skip figure 2")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from runner.hosts import cluster, testbed
    from runner.state.pg import PgStore

    work = Path(tempfile.mkdtemp(prefix="hosts-bench-"))
    pg = cluster.start(testbed.free_port())
    dsn = pg.createdb("bench")
    half = args.phones // 2
    hosts = [
        testbed.SimHost("a", "A", half, work / "a", dsn),
        testbed.SimHost("b", "B", args.phones - half, work / "b", dsn),
    ]
    repo = testbed.write_inventory(work / "repo", [s for h in hosts for s in h.serials()])
    env = {**hosts[0].env, "ANDROID_ADB_SERVER_PORT": "1"}
    store = PgStore(dsn, pool_size=2)
    try:
        began = time.monotonic()
        for host in hosts:
            host.start_fleet()
            host.start_worker(*WORKER)
        print(f"{args.phones} phones on 2 hosts up in {time.monotonic() - began:.0f} s", flush=True)
        before = _cpu(_roles(hosts, pg))
        _throughput(args, hosts, repo, env, store)
        _print_cpu(before, hosts, pg)
        if not args.no_kill:
            _kill(hosts[0], repo, env, store)
        if args.side_by_side:
            _side_by_side(args, hosts, work / "side", pg)
    finally:
        for host in hosts:
            host.stop()
        store.close()
        pg.stop()
    return 0


def _roles(hosts: list, pg: object) -> dict[str, set[int]]:
    """Process ids by role (workers, simulated fleets, adb servers, PostgreSQL), so the CPU
    each takes during a figure can be printed beside it."""
    postmaster = int((pg.data / "postmaster.pid").read_text().split()[0])  # type: ignore[attr-defined]
    roles: dict[str, set[int]] = {"postgres": {postmaster}}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            ppid = int((proc / "stat").read_text().rpartition(")")[2].split()[1])
            cwd = str((proc / "cwd").resolve())
        except OSError:
            continue
        if ppid == postmaster:
            roles["postgres"].add(int(proc.name))
        for host in hosts:
            if f"tcp:{host.adb_port} " in cmd:
                roles.setdefault("adb servers", set()).add(int(proc.name))
            elif " sim up " in cmd and cwd == str(host.dir):
                roles.setdefault("fleets", set()).add(int(proc.name))
    for host in hosts:
        roles[f"worker {host.host_id}"] = {host.worker.pid}
    return roles


def _cpu(roles: dict[str, set[int]]) -> dict[int, float]:
    """CPU seconds (user + system) used so far by each process of the roles."""
    import os

    out = {}
    for pid in set().union(*roles.values()):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def _print_cpu(before: dict[int, float], hosts: list, pg: object) -> None:
    """Per role, the CPU its processes used since ``before`` (processes started meanwhile,
    such as new database connections, count whole)."""
    import os

    roles = _roles(hosts, pg)
    after = _cpu(roles)
    used = ", ".join(
        f"{role} {sum(after.get(p, 0) - before.get(p, 0) for p in pids):.1f}"
        for role, pids in roles.items()
    )
    print(f"CPU seconds meanwhile: {used}; load average {os.getloadavg()[0]:.1f}", flush=True)


def _apply(repo: Path, env: dict[str, str], name: str, serials: list[str], **kw: object) -> None:
    from runner.hosts import testbed

    path = testbed.write_campaign(repo, name, serials, **kw)  # type: ignore[arg-type]
    testbed.campaign("apply", str(path), cwd=repo, env=env, timeout=600)


def _finished(store: object, prefix: str, timeout: float) -> list[object]:
    from runner.hosts import testbed

    def done() -> list[object] | None:
        rows = [r for r in store.list(page_size=None)[0] if (r.campaign or "").startswith(prefix)]  # type: ignore[attr-defined]
        return rows if rows and all(r.status in (2, 3) for r in rows) else None

    rows = testbed.wait_for(done, timeout, 1.0)
    if not rows:
        raise SystemExit(f"{prefix}: not finished in {timeout:.0f} s")
    return rows


def _throughput(
    args: argparse.Namespace, hosts: list, repo: Path, env: dict, store: object
) -> None:
    serials = [s for h in hosts for s in h.serials()]
    _apply(repo, env, "tp", serials, seconds=args.seconds, per_phone=args.per_phone)
    _measure(args, store, "tp", "2 hosts, PostgreSQL")


def _side_by_side(args: argparse.Namespace, hosts: list, side: Path, pg: object) -> None:
    """Host a's phones alone, once per backend, each on a fresh state."""
    from runner.hosts import testbed
    from runner.state import Store
    from runner.state.pg import PgStore

    for host in hosts:
        host.stop_worker()
    a = hosts[0]
    testbed.write_inventory(side, a.serials())
    states = (("sqlite", str(side / "state.db")), ("postgresql", pg.createdb("side")))  # type: ignore[attr-defined]
    for name, state in states:
        for old in (side / "workflows").glob("*.yaml"):
            old.unlink()
        path = testbed.write_campaign(
            side, name, a.serials(), seconds=args.seconds, per_phone=args.per_phone
        )
        env = {**a.env, "CAMPAIGN_STATE": state, "ANDROID_ADB_SERVER_PORT": "1"}
        if name == "postgresql":
            testbed.campaign("apply", str(path), cwd=side, env=env, timeout=600)
            store = PgStore(state, pool_size=2)
        a.start_worker("--state", state, "--root", str(side), *WORKER)  # a file: applies itself
        if name == "sqlite":
            testbed.wait_for(lambda: Path(state).exists(), 60)  # noqa: B023
            store = Store(state)
        _measure(args, store, name, f"1 host, {name}")
        a.stop_worker()


def _measure(args: argparse.Namespace, store: object, name: str, label: str) -> None:
    rows = _finished(store, f"{name}-", 900)
    serials = {r.serial for r in rows}  # type: ignore[attr-defined]
    attempts = [a for r in rows for a in store.attempts(r.id)]  # type: ignore[attr-defined]
    starts = [datetime.fromisoformat(a["started_at"]) for a in attempts]
    ends = [datetime.fromisoformat(a["ended_at"]) for a in attempts]
    span = (max(ends) - min(starts)).total_seconds()
    by_phone: dict[str, list[dict]] = {}
    for a in attempts:
        by_phone.setdefault(a["serial"], []).append(a)
    gaps = []
    for runs in by_phone.values():
        runs.sort(key=lambda a: a["started_at"])
        for before, after in zip(runs, runs[1:], strict=False):
            gap = datetime.fromisoformat(after["started_at"]) - datetime.fromisoformat(
                before["ended_at"]
            )
            gaps.append(gap.total_seconds())
    took = [(e - s).total_seconds() for s, e in zip(starts, ends, strict=True)]
    completed = sum(r.status == 2 for r in rows)  # type: ignore[attr-defined]
    print(
        f"throughput ({label}): {len(rows)} tasks of {args.seconds:g} s over {len(serials)} "
        f"phones: {completed} completed, {len(attempts)} attempts in {span:.1f} s = "
        f"{len(attempts) / span:.1f} tasks/s (ideal {len(serials) / args.seconds:.0f}); "
        f"attempt {statistics.mean(took):.2f} s mean; gap between a phone's tasks "
        f"{statistics.median(gaps):.2f} s median, {max(gaps):.2f} s max",
        flush=True,
    )


def _kill(host: object, repo: Path, env: dict, store: object) -> None:
    from runner.hosts import testbed

    serials = host.serials()  # type: ignore[attr-defined]
    _apply(repo, env, "kill", serials, seconds=20)

    def running() -> bool:
        rows = [r for r in store.list(status=1, page_size=None)[0] if r.campaign == "kill-1"]  # type: ignore[attr-defined]
        return len(rows) == len(serials)

    if not testbed.wait_for(running, 120, 0.5):
        raise SystemExit("host a's tasks never all ran")
    time.sleep(2)
    killed = datetime.now().astimezone()
    host.kill_worker()  # type: ignore[attr-defined]
    host.start_worker(*WORKER)  # type: ignore[attr-defined]
    rows = _finished(store, "kill-", 300)
    delays = []
    for row in rows:
        attempts = store.attempts(row.id)  # type: ignore[attr-defined]
        if len(attempts) >= 2:
            delays.append(
                (datetime.fromisoformat(attempts[1]["started_at"]) - killed).total_seconds()
            )
    outcomes = sorted({tuple(a["outcome"] for a in store.attempts(r.id)) for r in rows})  # type: ignore[attr-defined]
    print(
        f"kill -9 of host a with {len(serials)} tasks running (heartbeat 1 s, stall 5 s): "
        f"{len(delays)} re-run, delay after the kill min {min(delays):.1f} s, median "
        f"{statistics.median(delays):.1f} s, max {max(delays):.1f} s; attempt outcomes {outcomes}",
        flush=True,
    )


if __name__ == "__main__":
    raise SystemExit(main())
