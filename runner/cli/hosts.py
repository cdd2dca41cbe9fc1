"""`campaign hosts --state postgresql://URL`: every host, its phones, heartbeat, running tasks.

Each worker writes its heartbeat and the phones its adb server shows (``hosts``, ``phones``);
a host silent for longer than its workers' stall limit is dead and its phones attached nowhere. Exit 0, 2 for usage, 3 database unreachable.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from runner.cli.output import OK, add_format_argument, print_json
from runner.cli.status import add_state_argument
from runner.errors import UsageError

HOSTS = """
SELECT host_id, hostname, pid, adb_server, started_at, seen_at,
       EXTRACT(EPOCH FROM now() - seen_at), kind, stopped_at FROM hosts ORDER BY host_id
"""
PHONES = "SELECT serial, host, adb_serial, seen_at FROM phones ORDER BY serial"
RUNNING = "SELECT id, serial, script_name, started_at FROM tasks WHERE status = 1 ORDER BY id"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_state_argument(parser)
    add_format_argument(parser)  # json: {"hosts": [...], "unattached": [...]}


def run(args: argparse.Namespace) -> int:
    from runner.state.location import is_dsn, open_state, state_path

    location = state_path(args.state)
    if not is_dsn(location):
        raise UsageError(
            "campaign hosts reads a shared postgresql:// state",
            hint="pass --state postgresql://USER@HOST/DB or set CAMPAIGN_STATE",
        )
    report = read_hosts(open_state(location))
    if args.format == "json":
        print_json(report)
        return OK
    for host in report["hosts"]:
        what = "campaign run" if host["kind"] == "run" else f"adb {host['adb_server']}"
        print(
            f"{host['host_id']}  {host['hostname']} pid {host['pid']}  {what}  "
            f"last heartbeat {host['seconds_since_heartbeat']:g} s ago"
            + ("  (stopped)" if host["stopped_at"] else "")
        )
        for phone in host["phones"]:
            task = phone["running"]
            doing = f"task {task['id']} {task['script_name']}" if task else "idle"
            print(f"  {phone['serial']:<14} {phone['adb_serial'] or '':<22} {doing}")
    if report["unattached"]:
        print(f"attached nowhere: {', '.join(report['unattached'])}")
    if not report["hosts"]:
        print("no host has run `campaign worker` on this database yet")
    return OK


def read_hosts(store: Any) -> dict[str, Any]:
    from runner.hosts import tables

    with store.connection() as raw:
        tables.ensure(raw)
        hosts = raw.execute(HOSTS).fetchall()
        phones = raw.execute(PHONES).fetchall()
        running = {r[1]: r for r in raw.execute(RUNNING).fetchall()}
    out: list[dict[str, Any]] = []
    for host_id, hostname, pid, adb, started, seen, age, kind, stopped in hosts:
        mine = [p for p in phones if p[1] == host_id]
        out.append(
            {
                "host_id": host_id,
                "kind": kind,  # worker, or run: a `campaign run` holding the database
                "stopped_at": _iso(stopped),  # set when it ended cleanly
                "hostname": hostname,
                "pid": pid,
                "adb_server": adb,
                "started_at": _iso(started),
                "seen_at": _iso(seen),
                "last_heartbeat": _iso(seen),
                "seconds_since_heartbeat": round(float(age), 1),
                "phones": [
                    {
                        "serial": serial,
                        "adb_serial": adb_serial,
                        "seen_at": _iso(at),
                        "running": _task(running.get(serial)),
                    }
                    for serial, _host, adb_serial, at in mine
                ],
            }
        )
    unattached = [p[0] for p in phones if p[1] is None]
    return {"hosts": out, "unattached": unattached}


def _task(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"id": row[0], "script_name": row[2], "started_at": row[3]}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
