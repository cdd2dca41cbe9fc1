"""API load figures: task creation throughput, and list latency while phones run tasks.

    .venv/bin/python bench/api_load.py [--tasks 10000] [--phones 200] [--fleets 1] [--clients 4,20]
                                       [--seconds 20] [--modes inline,child,hosts]

Deployment as in real use, one process per role: the phones (`campaign sim up --detach`), split
over ``--fleets`` private adb servers (as the USB hubs of several PCs), the server (`campaign
serve`), and this process as the clients (threads with their own httpx connections, or
processes with ``--client-processes``). The phones and their adb servers run at
``--fleet-nice`` (default 10): real phones have CPUs of their own.

1. Create ``--tasks`` tasks through POST /api/v1/task (10 targets per request, 8 concurrent
   clients), scheduled in 2099 so creation is measured alone: wall time, tasks/s, requests/s.
2. Give every phone a long warm-up task; once all run, ``--clients`` concurrent clients call
   GET /api/v1/task (page 1, 20 tasks, over the whole table) for ``--seconds``: p50/p99/max
   latency and requests/s, with how many tasks were running meanwhile, the server's CPU per
   request and the load average. A comma-separated ``--clients`` runs one round per count.

``--modes`` repeats both on the same phones with a fresh state per mode, and prints each list
p99 against the first mode's: ``inline`` (`serve` runs the scripts in its own interpreter, as
before), ``child`` (`serve --executor child`: the scripts run in a `campaign worker` child on
the same state file), ``hosts`` (a private PostgreSQL, one `campaign worker` per adb server at
``--worker-nice``, and `serve --state postgresql://...` running no script).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from runner.hosts.testbed import account_of  # noqa: E402 - the accounts `sim up` logs in
from runner.sim import adbhost  # noqa: E402

FAR_FUTURE = "2099-01-01T00:00:00+00:00"


def campaign(
    work: Path, *args: str, env: dict[str, str] | None = None, **popen: object
) -> subprocess.Popen[str]:
    env = {**(env or os.environ), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "runner", *args], cwd=work, env=env, text=True, **popen
    )  # type: ignore[call-overload]


@dataclass
class Fleet:
    """Simulated phones behind their own adb server (``--fleets`` of them split ``--phones``),
    as the USB hubs of one PC: a 1,000-phone run is not one adb server's 1,000 transports."""

    prefix: str
    phones: int
    dir: Path
    adb_port: int

    @property
    def serials(self) -> list[str]:
        return [f"{self.prefix}{n:06d}" for n in range(1, self.phones + 1)]

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "ANDROID_ADB_SERVER_PORT": str(self.adb_port)}


def start_fleets(work: Path, phones: int, fleets: int, nice: int) -> list[Fleet]:
    """Every fleet's adb server and phones, and one inventory naming them all.

    ``nice``: their CPU priority below the API's. Real phones run on their own CPUs; in hosts
    mode the adb servers stand for the hosts' PCs, not the API's; in the one-PC modes they
    share the API's PC and run lower only because the bench says so."""
    out = []
    for n in range(fleets):
        prefix = "SIM" if fleets == 1 else "P" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[n]
        size = phones // fleets + (1 if n < phones % fleets else 0)
        fleet = Fleet(prefix, size, work / "fleets" / prefix, adbhost.free_port())
        fleet.dir.mkdir(parents=True)
        subprocess.run(
            [adbhost.adb_binary(), "-P", str(fleet.adb_port), "start-server"],
            check=True,
            capture_output=True,
            timeout=60,
            preexec_fn=lambda: os.nice(nice),
        )
        proc = campaign(
            fleet.dir, "sim", "up", "--phones", str(size), "--accounts", "1",
            "--serial-prefix", prefix, "--detach",
            env=fleet.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            preexec_fn=lambda: os.nice(nice),
        )  # fmt: skip
        output, _ = proc.communicate(timeout=900)
        if proc.returncode != 0:
            raise SystemExit(f"sim up failed:\n{output}")
        fleet_pid = json.loads((fleet.dir / ".campaign" / "sim" / "sim.json").read_text())["pid"]
        for pid in (fleet_pid, *pids_with(f"tcp:{fleet.adb_port} ")):
            lower_session(pid, nice)
        out.append(fleet)
    devices = [
        {"serial": serial, "accounts": [{"username": account_of(serial)}]}
        for fleet in out
        for serial in fleet.serials
    ]
    servers = [{"host": "127.0.0.1", "port": fleet.adb_port} for fleet in out]
    inventory = {"devices": devices, "adb_servers": servers}
    (work / "inventory.yaml").write_text(yaml.safe_dump(inventory), encoding="utf-8")
    (work / "workflows").mkdir(exist_ok=True)
    return out


def pids_with(text: str) -> list[int]:
    """Processes whose command line holds ``text``."""
    out = []
    for proc in Path("/proc").iterdir():
        try:
            if (
                proc.name.isdigit()
                and text in (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            ):
                out.append(int(proc.name))
        except OSError:
            continue
    return out


def lower_session(pid: int, nice: int) -> None:
    """The fleet and its adb server run in sessions of their own (they detach), and Linux
    shares the CPU between sessions before it looks at nice values inside one (autogroup,
    /proc/sys/kernel/sched_autogroup_enabled): their session's weight is lowered too."""
    with contextlib.suppress(OSError):  # no autogroup on this kernel: nice is enough
        Path(f"/proc/{pid}/autogroup").write_text(str(nice))


def stop_fleets(fleets: list[Fleet]) -> None:
    for fleet in fleets:
        campaign(
            fleet.dir, "sim", "down", env=fleet.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ).wait(timeout=300)  # fmt: skip
        subprocess.run(
            [adbhost.adb_binary(), "-P", str(fleet.adb_port), "kill-server"],
            capture_output=True,
            timeout=30,
            check=False,
        )


def start_server(work: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    proc = campaign(
        work,
        "serve",
        "--port",
        "0",
        "--log-level",
        "warning",
        *extra,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if match := re.search(r"listening on (http://\S+)/api/v1", line):
            threading.Thread(
                target=lambda: [None for _ in proc.stdout], daemon=True
            ).start()  # drain logs
            return proc, match.group(1)
    raise SystemExit("campaign serve did not start")


def per_thread_client(url: str) -> callable:
    local = threading.local()

    def client() -> httpx.Client:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=url, timeout=120)
        return local.client

    return client


def bench_create(
    url: str, total: int, serials: list[str], per_request: int = 10, clients: int = 8
) -> None:
    client = per_thread_client(url)

    def create(n: int) -> int:
        body = {
            "serials": [serials[n % len(serials)]],
            "script_name": "follow",
            "start_time": FAR_FUTURE,
            "script_config": {"target_users": [f"u{n}_{i}" for i in range(per_request)]},
        }
        answer = client().post("/api/v1/task", json=body).json()
        assert answer["code"] == 0, answer
        return int(answer["data"]["created_count"])

    requests = total // per_request
    began = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as ex:
        created = sum(ex.map(create, range(requests)))
    took = time.perf_counter() - began
    print(
        f"create: {created:,} tasks in {requests:,} requests ({clients} clients, {per_request} tasks each) "
        f"in {took:.2f} s: {created / took:,.0f} tasks/s, {requests / took:,.0f} requests/s",
        flush=True,
    )


def wait_for_phones(url: str, phones: int, timeout: float = 300) -> None:
    """Until the server sees every phone (hosts mode: until the workers reported them)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = httpx.get(f"{url}/api/v1/devices", timeout=60).json()
        attached = [d for d in answer["data"] or [] if d.get("state") == "device"]
        if len(attached) >= phones:
            return
        time.sleep(1)
    raise SystemExit(f"the server saw {len(attached)} of {phones} phones after {timeout:.0f} s")


def start_warmups(url: str, serials: list[str], seconds: float) -> None:
    phones = len(serials)
    body = {
        "serials": serials,
        "script_name": "account_warmup",
        "retry": {"max": 0},
        "script_config": {"task_duration": seconds + 120, "min_duration": 5, "max_duration": 10},
    }
    answer = httpx.post(f"{url}/api/v1/task", json=body, timeout=120).json()
    assert answer["code"] == 0, answer
    deadline = time.monotonic() + 120 + phones / 5
    while running(url) < phones and time.monotonic() < deadline:  # steady: every phone busy
        time.sleep(1)


def running(url: str) -> int:
    return int(httpx.get(f"{url}/api/v1/task/stats", timeout=60).json()["data"]["running"])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc): the server's cost per request
    is the one figure a noisy shared machine does not change much."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def list_client(url: str, stop_at: float) -> list[float]:
    """One client: GET the first page again and again until ``stop_at``; its latencies."""
    mine = []
    with httpx.Client(base_url=url, timeout=120) as client:
        while time.time() < stop_at:
            began = time.perf_counter()
            answer = client.get("/api/v1/task", params={"page_size": 20}).json()
            mine.append(time.perf_counter() - began)
            assert answer["code"] == 0, answer
    return mine


def bench_list(
    url: str, clients: int, seconds: float, server_pid: int, *, processes: bool = False
) -> float:
    """The clients are threads of this process (their answers wait for its GIL, and that wait
    is counted), or with ``processes`` each its own process (they then take CPU from the
    server on a small machine): both overstate what remote clients would see."""
    import multiprocessing.pool

    stop_at = time.time() + seconds
    seen: list[int] = []

    def sampler() -> None:
        while time.time() < stop_at:
            seen.append(running(url))
            time.sleep(1)

    threads = [threading.Thread(target=sampler)]
    cpu_before, load_before = cpu_seconds(server_pid), os.getloadavg()[0]
    pools = {True: multiprocessing.get_context("fork").Pool, False: multiprocessing.pool.ThreadPool}
    with pools[processes](clients) as pool:
        for thread in threads:
            thread.start()
        runs = pool.starmap(list_client, [(url, stop_at)] * clients)
        for thread in threads:
            thread.join()
    cpu = cpu_seconds(server_pid) - cpu_before
    latencies = sorted(x for run in runs for x in run)

    def ms(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    print(
        f"list: {len(latencies):,} GET /api/v1/task by {clients} clients in {seconds:.0f} s "
        f"({len(latencies) / seconds:,.0f} requests/s): p50 {ms(0.50):.1f} ms, p99 {ms(0.99):.1f} ms, "
        f"max {latencies[-1] * 1000:.1f} ms; tasks running meanwhile: {min(seen, default=0)}-{max(seen, default=0)}; "
        f"server CPU {cpu / max(1, len(latencies)) * 1000:.2f} ms per request; "
        f"load average {load_before:.1f} -> {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    return ms(0.99)


def run_mode(
    mode: str, work: Path, fleets: list[Fleet], args: argparse.Namespace
) -> dict[int, float]:
    """One server set-up over the same phones, a fresh state: the list p99 in ms by clients."""
    stack: list[subprocess.Popen[str]] = []
    cluster = None
    serials = [serial for fleet in fleets for serial in fleet.serials]
    try:
        if mode == "hosts":  # one worker per fleet: the fleets are hosts
            from runner.hosts import cluster as pg

            cluster = pg.start(adbhost.free_port())
            dsn = cluster.createdb("apiload")
            for fleet in fleets:
                worker = campaign(
                    work, "worker", "--state", dsn, "--host-id", fleet.prefix.lower(),
                    "--concurrency", str(fleet.phones), "--nice", str(args.worker_nice),
                    env=fleet.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )  # fmt: skip
                stack.append(worker)
            extra = ["--state", dsn]
        else:
            extra = ["--state", str(work / f"{mode}.db"), "--executor", mode]
        server, url = start_server(work, *extra)
        stack.append(server)
        print(f"-- {mode}: server {url} ({' '.join(extra)})", flush=True)
        wait_for_phones(url, len(serials))
        bench_create(url, args.tasks, serials)
        start_warmups(url, serials, args.seconds * len(args.clients))
        p99 = {}
        for clients in args.clients:
            print(f"listing for {args.seconds:.0f} s (server pid {server.pid})", flush=True)
            p99[clients] = bench_list(
                url, clients, args.seconds, server.pid, processes=args.client_processes
            )
        return p99
    finally:
        for proc in reversed(stack):
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=300)
        if cluster is not None:
            cluster.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="API load figures")
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument(
        "--clients",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[50],
        help="concurrent clients listing; comma-separated for several rounds (4,20)",
    )
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--modes", default="inline", help="comma-separated: inline, child, hosts")
    parser.add_argument(
        "--fleets",
        type=int,
        default=1,
        help="adb servers the phones are split over (hosts: a worker each)",
    )
    parser.add_argument(
        "--client-processes", action="store_true", help="one process per client, not a thread"
    )
    parser.add_argument(
        "--fleet-nice",
        type=int,
        default=10,
        help="CPU priority of the simulated phones below the API's",
    )
    parser.add_argument(
        "--worker-nice", type=int, default=10, help="`campaign worker --nice` in hosts mode"
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    work = Path(tempfile.mkdtemp(prefix="api-load-"))
    fleets: list[Fleet] = []
    try:
        began = time.monotonic()
        fleets = start_fleets(work, args.phones, args.fleets, args.fleet_nice)
        print(
            f"{args.phones} simulated phones on {args.fleets} adb server(s) up in "
            f"{time.monotonic() - began:.0f} s (nice {args.fleet_nice}), work directory {work}",
            flush=True,
        )
        p99 = {mode: run_mode(mode, work, fleets, args) for mode in args.modes.split(",")}
        base = next(iter(p99))
        for mode, by_clients in p99.items():
            for clients, value in by_clients.items():
                print(
                    f"list p99 {mode}, {clients} clients: {value:.1f} ms "
                    f"({value / p99[base][clients]:.2f} x {base})"
                )
    finally:
        stop_fleets(fleets)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
