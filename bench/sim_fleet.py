"""Benchmark: many simulated phones in one process behind one real adb server.

Prints: RSS per phone, time to start and to `adb connect` all, whether `adb devices` lists all
of them in `device` state, and the `shell echo` round trip through adbutils (median, p99) with
32 threads busy on 32 different phones. Uses its own adb server(s) on free ports, killed at the
end; the bundled adb 36 server aborts past 1024 descriptors (FD_SETSIZE), so phones are split
over one server per ``--per-server`` phones (default 500).

    .venv/bin/python bench/sim_fleet.py [--phones 500] [--calls 2000] [--threads 32] [--per-server 500]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runner.sim import SimFleet, adbhost, default_phones


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def round_trips(serials: list[tuple[str, int]], calls: int, threads: int) -> list[float]:
    import adbutils

    times: list[float] = []
    lock = threading.Lock()
    per_thread = max(1, calls // threads)

    def worker(index: int) -> None:
        serial, port = serials[index % len(serials)]
        device = adbutils.AdbClient(port=port).device(serial)
        mine = []
        for _ in range(per_thread):
            start = time.perf_counter()
            if device.shell("echo hi") != "hi":
                raise RuntimeError("bad echo")
            mine.append(time.perf_counter() - start)
        with lock:
            times.extend(mine)

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return times


def connect_sharded(fleet: SimFleet, ports: list[int], per_server: int) -> list[tuple[str, int]]:
    """Connect consecutive chunks of phones to consecutive servers; (adb serial, port) each."""
    placed = []
    for i, port in enumerate(ports):
        chunk = fleet.phones[i * per_server : (i + 1) * per_server]
        fleet.connect(workers=16, server_port=port, phones=chunk)
        placed += [(p.adb_serial, port) for p in chunk]
    return placed


def count_in_device_state(ports: list[int], serials: set[str]) -> int:
    listed = [
        line for port in ports for line in adbhost.request("host:devices", port=port).splitlines()
    ]
    return sum(1 for line in listed if line.endswith("\tdevice") and line.split("\t")[0] in serials)


def measure(fleet: SimFleet, args: argparse.Namespace, ports: list[int]) -> dict[str, float]:
    before = rss_kib()
    t0 = time.perf_counter()
    serials = fleet.start()
    figures = {"start": time.perf_counter() - t0, "rss_start": (rss_kib() - before) / args.phones}
    t0 = time.perf_counter()
    placed = connect_sharded(fleet, ports, args.per_server)
    figures["connect"] = time.perf_counter() - t0
    figures["rss_connected"] = (rss_kib() - before) / args.phones
    figures["rss_total"] = rss_kib() / 1024
    figures["listed"] = count_in_device_state(ports, set(serials))
    times = sorted(round_trips(placed, args.calls, args.threads))
    figures.update(
        calls=len(times),
        median=statistics.median(times) * 1000,
        p99=times[min(len(times) - 1, int(len(times) * 0.99))] * 1000,
        rate=len(times) / sum(times) * args.threads,
    )
    return figures


def report(f: dict[str, float], args: argparse.Namespace, servers: int, nofile: int) -> None:
    print(
        f"phones                     {args.phones} on {servers} adb server(s) (open-files limit {nofile})"
    )
    print(
        f"RSS per phone              {f['rss_start']:.1f} KiB at start, {f['rss_connected']:.1f} KiB connected "
        f"(process {f['rss_total']:.1f} MiB)"
    )
    print(f"start listeners            {f['start']:.2f} s")
    print(f"adb connect all            {f['connect']:.2f} s")
    print(f"adb devices lists          {f['listed']:.0f}/{args.phones} in device state")
    print(
        f"shell echo via adbutils    {f['calls']:.0f} calls, {args.threads} threads: median {f['median']:.1f} ms, "
        f"p99 {f['p99']:.1f} ms, {f['rate']:.0f} calls/s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=500)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--per-server", type=int, default=500)
    args = parser.parse_args()

    os.environ.setdefault("HOME", tempfile.mkdtemp())
    nofile = adbhost.raise_nofile_limit()
    adb = adbhost.wheel_adb()
    ports = [adbhost.free_port() for _ in range(0, args.phones, args.per_server)]
    os.environ["ANDROID_ADB_SERVER_PORT"] = str(ports[0])
    for port in ports:
        subprocess.run([adb, "-P", str(port), "start-server"], check=True, capture_output=True)
    fleet = SimFleet(default_phones(args.phones, 2))
    try:
        report(measure(fleet, args, ports), args, len(ports), nofile)
    finally:
        t0 = time.perf_counter()
        fleet.stop()
        print(f"disconnect one by one      {time.perf_counter() - t0:.2f} s")
        for port in ports:
            subprocess.run([adb, "-P", str(port), "kill-server"], check=False, capture_output=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
