"""Benchmark: one device command's round trip, four ways, against one simulated phone.

Prints medians, p99 and ratios for `shell echo hi` through:
  floor     - the host protocol on an own socket with TCP_NODELAY (host:tport:serial + shell:)
  cli       - spawning `adb -s SERIAL shell echo hi`
  adbutils  - adbutils' default `AdbClient().device(serial).shell("echo hi")`
  runner    - the runner's `Device.shell("echo hi")` (adbutils connection objects, shell v2)
and the CPU time per command of this process (time.process_time), plus a 1 KiB push. Starts its
own adb server on a free port (killed at the end) and one simulated phone in a child process
(so the phone's own CPU is not counted as the runner's).

    .venv/bin/python bench/device_roundtrip.py [--calls 300]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def raw_echo(port: int, serial: str) -> None:
    """The protocol floor: one socket, two requests, read to close."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def request(text: str) -> None:
            data = text.encode()
            sock.sendall(b"%04x" % len(data) + data)
            if sock.recv(4) != b"OKAY":
                raise RuntimeError(f"{text} refused")

        request(f"host:tport:serial:{serial}")
        sock.recv(8)
        request("shell:echo hi")
        chunks = []
        while chunk := sock.recv(4096):
            chunks.append(chunk)
        if b"".join(chunks) != b"hi\n":
            raise RuntimeError("bad echo")


def measure(fn: Callable[[], None], calls: int) -> tuple[list[float], float]:
    for _ in range(5):
        fn()
    times = []
    cpu = time.process_time()
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times, (time.process_time() - cpu) / calls


def interleaved(
    fns: dict[str, Callable[[], None]], calls: int
) -> dict[str, tuple[list[float], float]]:
    """Alternate the methods call by call so load from other processes hits them alike."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    cpu = dict.fromkeys(fns, 0.0)
    for fn in fns.values():
        for _ in range(5):
            fn()
    for _ in range(calls):
        for name, fn in fns.items():
            start_cpu, start = time.process_time(), time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
            cpu[name] += time.process_time() - start_cpu
    return {name: (times[name], cpu[name] / calls) for name in fns}


def summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered) * 1000, ordered[
        min(len(ordered) - 1, int(len(ordered) * 0.99))
    ] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    from runner.sim import adbhost  # adbutils itself is imported only once the port is set below

    port = adbhost.free_port()
    os.environ["ANDROID_ADB_SERVER_PORT"] = str(port)
    os.environ.setdefault("HOME", tempfile.mkdtemp())
    adb = adbhost.adb_binary()
    subprocess.run(
        [adb, "-P", str(port), "start-server"], check=True, capture_output=True, timeout=60
    )
    parent, child = multiprocessing.Pipe()
    phone = multiprocessing.Process(target=serve_phone, args=(child,), daemon=True)
    try:
        phone.start()
        return run(adb, port, parent.recv(), args.calls)
    finally:
        parent.send("stop")
        phone.join(timeout=30)
        subprocess.run(
            [adb, "-P", str(port), "kill-server"], capture_output=True, timeout=30, check=False
        )


def serve_phone(conn: Any) -> None:
    """Child process: one simulated phone connected to the bench's adb server until told to stop."""
    from runner.sim import SimFleet, default_phones

    fleet = SimFleet(default_phones(1, 1))
    fleet.start()
    fleet.connect()
    conn.send(fleet.phones[0].adb_serial)
    conn.recv()
    fleet.stop()


def run(adb: str, port: int, serial: str, calls: int) -> int:
    import adbutils

    from runner.device import Device, PhoneLink

    plain = adbutils.AdbClient(port=port).device(serial)
    device = Device(PhoneLink(adbutils.AdbClient(port=port), serial))
    cli = [adb, "-P", str(port), "-s", serial, "shell", "echo", "hi"]
    fast = interleaved(
        {
            "floor (own socket)": lambda: raw_echo(port, serial),
            "runner Device.shell": lambda: device.shell("echo hi"),
        },
        calls,
    )
    results = {
        "floor (own socket)": fast["floor (own socket)"],
        "adb CLI subprocess": measure(
            lambda: subprocess.run(cli, check=True, capture_output=True), max(30, calls // 5)
        ),
        "adbutils d.shell": measure(lambda: plain.shell("echo hi"), max(30, calls // 5)),
        "runner Device.shell": fast["runner Device.shell"],
    }
    floor = summary(results["floor (own socket)"][0])[0]
    runner_median = summary(results["runner Device.shell"][0])[0]
    print(
        f"{'method':<22}{'median ms':>11}{'p99 ms':>9}{'x floor':>9}{'runner x faster':>17}{'CPU ms/cmd':>12}"
    )
    for name, (times, cpu) in results.items():
        median, p99 = summary(times)
        print(
            f"{name:<22}{median:>11.3f}{p99:>9.3f}{median / floor:>9.2f}{median / runner_median:>17.1f}{cpu * 1000:>12.3f}"
        )
    payload = Path(tempfile.mkdtemp()) / "one_kib.bin"
    payload.write_bytes(os.urandom(1024))
    pushes, _ = measure(lambda: device.push(payload, "/data/local/tmp/one_kib.bin"), 30)
    stock, _ = measure(lambda: plain.sync.push(payload, "/data/local/tmp/one_kib.bin"), 10)
    print(
        f"1 KiB push: runner {summary(pushes)[0]:.2f} ms, adbutils default {summary(stock)[0]:.2f} ms (medians)"
    )
    target = runner_median <= 2 * floor
    print(
        f"target (runner within 2x floor): {'met' if target else 'MISSED'} ({runner_median / floor:.2f}x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
