"""API load figures: task creation throughput, and list latency while phones run tasks.

    .venv/bin/python bench/api_load.py [--tasks 10000] [--phones 200] [--clients 50] [--seconds 20]
                                       [--modes inline,child,hosts]

Deployment as in real use, one process per role: the phones (`campaign sim up --detach`) behind a
private adb server, the server (`campaign serve`: API, runner, pool), and this process as the
clients (threads with their own httpx connections).

1. Create ``--tasks`` tasks through POST /api/v1/task (10 targets per request, 8 concurrent
   clients), scheduled in 2099 so creation is measured alone: wall time, tasks/s, requests/s.
2. Give every phone a long warm-up task; once they run, ``--clients`` concurrent clients call
   GET /api/v1/task (page 1, 20 tasks, over the whole table) for ``--seconds``: p50/p99/max
   latency and requests/s, with how many tasks were running meanwhile.

``--modes`` repeats both on the same phones with a fresh state per mode, and prints each list
p99 against the first mode's: ``inline`` (`serve` runs the scripts in its own interpreter, as
before), ``child`` (`serve --executor child`: the scripts run in a `campaign worker` child on
the same state file), ``hosts`` (a private PostgreSQL, one `campaign worker` on the phones'
adb server, and `serve --state postgresql://...` running no script).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
FAR_FUTURE = "2099-01-01T00:00:00+00:00"


def campaign(work: Path, *args: str, **popen: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "runner", *args], cwd=work, env=env, text=True, **popen
    )  # type: ignore[call-overload]


def start_phones(work: Path, phones: int, adb_port: int) -> None:
    """Phones in their own process, and an inventory naming them."""
    proc = campaign(
        work,
        "sim",
        "up",
        "--phones",
        str(phones),
        "--accounts",
        "1",
        "--detach",
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output, _ = proc.communicate(timeout=300)
    if proc.returncode != 0:
        raise SystemExit(f"sim up failed:\n{output}")
    devices = [
        {"serial": f"SIM{n:06d}", "accounts": [{"username": f"user{n:03d}_1"}]}
        for n in range(1, phones + 1)
    ]
    inventory = {"devices": devices, "adb_servers": [{"host": "127.0.0.1", "port": adb_port}]}
    (work / "inventory.yaml").write_text(yaml.safe_dump(inventory), encoding="utf-8")
    (work / "workflows").mkdir(exist_ok=True)


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
    url: str, total: int, phones: int, per_request: int = 10, clients: int = 8
) -> None:
    client = per_thread_client(url)

    def create(n: int) -> int:
        body = {
            "serials": [f"SIM{n % phones + 1:06d}"],
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


def start_warmups(url: str, phones: int, seconds: float) -> None:
    body = {
        "serials": [f"SIM{n:06d}" for n in range(1, phones + 1)],
        "script_name": "account_warmup",
        "retry": {"max": 0},
        "script_config": {"task_duration": seconds + 120, "min_duration": 5, "max_duration": 10},
    }
    answer = httpx.post(f"{url}/api/v1/task", json=body, timeout=120).json()
    assert answer["code"] == 0, answer
    deadline = time.monotonic() + 120
    while running(url) < phones * 0.9 and time.monotonic() < deadline:
        time.sleep(1)


def running(url: str) -> int:
    return int(httpx.get(f"{url}/api/v1/task/stats", timeout=60).json()["data"]["running"])


def bench_list(url: str, clients: int, seconds: float) -> float:
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds
    seen: list[int] = []

    def worker() -> None:
        mine = []
        with httpx.Client(base_url=url, timeout=120) as client:
            while time.perf_counter() < stop_at:
                began = time.perf_counter()
                answer = client.get("/api/v1/task", params={"page_size": 20}).json()
                mine.append(time.perf_counter() - began)
                assert answer["code"] == 0, answer
        with lock:
            latencies.extend(mine)

    def sampler() -> None:
        while time.perf_counter() < stop_at:
            seen.append(running(url))
            time.sleep(1)

    threads = [threading.Thread(target=worker) for _ in range(clients)] + [
        threading.Thread(target=sampler)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()

    def ms(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    print(
        f"list: {len(latencies):,} GET /api/v1/task by {clients} clients in {seconds:.0f} s "
        f"({len(latencies) / seconds:,.0f} requests/s): p50 {ms(0.50):.1f} ms, p99 {ms(0.99):.1f} ms, "
        f"max {latencies[-1] * 1000:.1f} ms; tasks running meanwhile: {min(seen, default=0)}-{max(seen, default=0)}",
        flush=True,
    )
    return ms(0.99)


def run_mode(mode: str, work: Path, args: argparse.Namespace) -> float:
    """One server set-up over the same phones, a fresh state: the list p99 in ms."""
    stack: list[subprocess.Popen[str]] = []
    cluster = None
    try:
        if mode == "hosts":
            from runner.hosts import cluster as pg

            cluster = pg.start(free_port())
            dsn = cluster.createdb("apiload")
            worker = campaign(
                work, "worker", "--state", dsn, "--host-id", "bench",
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            stack.append(worker)
            extra = ["--state", dsn]
        else:
            extra = ["--state", str(work / f"{mode}.db"), "--executor", mode]
        server, url = start_server(work, *extra)
        stack.append(server)
        print(f"-- {mode}: server {url} ({' '.join(extra)})", flush=True)
        bench_create(url, args.tasks, args.phones)
        start_warmups(url, args.phones, args.seconds)
        return bench_list(url, args.clients, args.seconds)
    finally:
        for proc in reversed(stack):
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=120)
        if cluster is not None:
            cluster.stop()


def free_port() -> int:
    from runner.sim import adbhost

    return adbhost.free_port()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="API load figures")
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--modes", default="inline", help="comma-separated: inline, child, hosts")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from runner.sim import adbhost

    adb_port = adbhost.free_port()
    os.environ["ANDROID_ADB_SERVER_PORT"] = str(adb_port)
    adbhost.ensure_server(adb_port)
    work = Path(tempfile.mkdtemp(prefix="api-load-"))
    try:
        start_phones(work, args.phones, adb_port)
        print(f"{args.phones} simulated phones, work directory {work}", flush=True)
        p99 = {mode: run_mode(mode, work, args) for mode in args.modes.split(",")}
        first = next(iter(p99.values()))
        for mode, value in p99.items():
            print(f"list p99 {mode}: {value:.1f} ms ({value / first:.2f} x {next(iter(p99))})")
    finally:
        campaign(work, "sim", "down", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).wait(
            timeout=120
        )
        subprocess.run(
            [adbhost.adb_binary(), "-P", str(adb_port), "kill-server"],
            capture_output=True,
            timeout=30,
            check=False,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
