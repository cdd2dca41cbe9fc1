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
import socket
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=500)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--per-server", type=int, default=500)
    args = parser.parse_args()

    os.environ.setdefault("HOME", tempfile.mkdtemp())
    nofile = adbhost.raise_nofile_limit()
    adb = adbhost.adb_binary()
    ports = [free_port() for _ in range(0, args.phones, args.per_server)]
    os.environ["ANDROID_ADB_SERVER_PORT"] = str(ports[0])
    for port in ports:
        subprocess.run([adb, "-P", str(port), "start-server"], check=True, capture_output=True)
    fleet = SimFleet(default_phones(args.phones, 2))
    try:
        before = rss_kib()
        t0 = time.perf_counter()
        serials = fleet.start()
        t_start = time.perf_counter() - t0
        after = rss_kib()
        t0 = time.perf_counter()
        placed = []
        for i, port in enumerate(ports):
            chunk = fleet.phones[i * args.per_server:(i + 1) * args.per_server]
            fleet.connect(workers=16, server_port=port, phones=chunk)
            placed += [(p.adb_serial, port) for p in chunk]
        t_connect = time.perf_counter() - t0
        connected = rss_kib()
        in_device = 0
        for port in ports:
            listed = adbhost.request("host:devices", port=port).splitlines()
            in_device += sum(1 for line in listed if line.endswith("\tdevice") and line.split("\t")[0] in set(serials))
        times = sorted(round_trips(placed, args.calls, args.threads))
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(f"phones                     {args.phones} on {len(ports)} adb server(s) (open-files limit {nofile})")
        print(f"RSS per phone              {(after - before) / args.phones:.1f} KiB "
              f"at start, {(connected - before) / args.phones:.1f} KiB connected (process {connected / 1024:.1f} MiB)")
        print(f"start listeners            {t_start:.2f} s")
        print(f"adb connect all            {t_connect:.2f} s")
        print(f"adb devices lists          {in_device}/{args.phones} in device state")
        print(f"shell echo via adbutils    {len(times)} calls, {args.threads} threads: "
              f"median {statistics.median(times) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
              f"{len(times) / sum(times) * args.threads:.0f} calls/s")
    finally:
        t0 = time.perf_counter()
        fleet.stop()
        print(f"disconnect one by one      {time.perf_counter() - t0:.2f} s")
        for port in ports:
            subprocess.run([adb, "-P", str(port), "kill-server"], check=False, capture_output=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
