"""A long `serve` keeps nothing per task: a real `campaign serve` process runs three thousand
tasks on simulated phones, and its resident memory after them is what it was once warm.

The cheapest real task is `match_accounts` (a few screens, nothing typed); ten phones keep
the runner's queue, leases, state writes and HTTP busy. A thousand tasks cost about 35
CPU-seconds (serve ~60 %, the simulated phones ~25 %, the adb server the rest): ~20 s on two
idle cores, so this test takes about a minute. bench/serve_soak.py runs the same with more
tasks or phones and prints the figures.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
PHONES = 10
TASKS = 3000
WARM = 500  # tasks after which serve's caches, pools and threads are all built
GROWTH_KIB = 3 * 1024  # 1.2 KiB per task over the last 2,500: a screen, a thread, a device kept
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)/api/v1")


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    return int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1))  # type: ignore[union-attr]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[[], tuple[subprocess.Popen[bytes], str]]]:
    """Starts `campaign serve` in ``tmp_path`` (phones on the session's adb server)."""
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> tuple[subprocess.Popen[bytes], str]:
        out = tmp_path / "serve.log"
        argv = [sys.executable, "-m", "runner", "serve", "--port", "0", "--log-level", "warning"]
        with out.open("wb") as log:
            proc = subprocess.Popen(
                argv,
                cwd=tmp_path,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
        procs.append(proc)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if found := LISTENING.search(out.read_text(encoding="utf-8", errors="replace")):
                return proc, found.group(1)
            time.sleep(0.1)
        raise AssertionError("serve did not start:\n" + out.read_text(encoding="utf-8"))

    yield start
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


def _stats(client: httpx.Client) -> dict[str, Any]:
    envelope = client.get("/api/v1/task/stats").json()
    assert envelope["code"] == 0, envelope
    return dict(envelope["data"])


def test_serve_memory_stays_flat_over_three_thousand_tasks(
    tmp_path: Path, sim_fleet: Callable[..., Any], serve: Callable[..., Any]
) -> None:
    serials = [phone.serial for phone in sim_fleet(phones=PHONES, accounts=1).phones]
    devices = "".join(f"  - serial: {serial}\n" for serial in serials)
    (tmp_path / "inventory.yaml").write_text(f"devices:\n{devices}", encoding="utf-8")
    proc, url = serve()
    body = {"script_name": "match_accounts", "serials": serials, "script_config": {}}
    posted, ended, warm = 0, 0, None
    deadline = time.monotonic() + 600  # a stuck run fails here instead of hanging the suite
    with httpx.Client(base_url=url, timeout=30) as client:
        while ended < TASKS and time.monotonic() < deadline:
            stats = _stats(client)
            ended = stats["completed"] + stats["failed"]
            if warm is None and ended >= WARM:
                warm = rss_kib(proc.pid)
            if posted < TASKS and posted - ended < 2 * PHONES:  # two batches wait at most
                assert client.post("/api/v1/task", json=body).json()["code"] == 0
                posted += PHONES
            else:
                time.sleep(0.1)
        stats = _stats(client)
    end = rss_kib(proc.pid)
    print(f"serve RSS {warm} KiB after {WARM} tasks, {end} KiB after {TASKS}")
    assert (stats["completed"], stats["failed"]) == (TASKS, 0)
    assert warm is not None and end - warm < GROWTH_KIB, f"RSS {warm} KiB -> {end} KiB"
