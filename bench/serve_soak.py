"""Memory of a long-running `campaign serve`: several thousand tasks through the real API.

    .venv/bin/python bench/serve_soak.py [--phones 8] [--tasks 4000] [--sample-every 500]

Simulated phones run in a process of their own (`campaign sim up --detach`, behind a private
adb server on a free port), so the figures are serve's alone: the state file, the runner, the
pool, the HTTP server. Tasks are quick account_warmup runs posted in batches (one task per
phone per POST) while at most two batches wait. Prints serve's resident memory (VmRSS) after
every ``--sample-every`` ended tasks, and the growth from the first sample to the last per 1,000
tasks: flat means a long serve keeps nothing per task.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from runner.sim.adbhost import adb_binary, free_port  # noqa: E402 - this checkout's

CAMPAIGN = [sys.executable, "-m", "runner"]
CONFIGS = {  # --script: the script_config of its tasks
    "account_warmup": {"task_duration": 0.3, "min_duration": 0.1, "max_duration": 0.1},
    "match_accounts": {},
}


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def call(base: str, method: str, path: str, body: object | None = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        base + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        envelope = json.loads(answer.read())
    if envelope.get("code") != 0:
        raise RuntimeError(f"{method} {path}: {envelope}")
    return envelope["data"]


def wait_for_api(base: str, serve: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if serve.poll() is not None:
            raise RuntimeError(f"serve exited with {serve.returncode}")
        try:
            call(base, "GET", "/api/v1/task/stats")
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("serve did not answer")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--phones", type=int, default=8)
    parser.add_argument("--tasks", type=int, default=4000)
    parser.add_argument("--sample-every", type=int, default=500)
    parser.add_argument("--script", choices=sorted(CONFIGS), default="account_warmup")
    args = parser.parse_args()
    serials = [f"SIM{i:06d}" for i in range(1, args.phones + 1)]
    with tempfile.TemporaryDirectory(prefix="serve-soak-") as tmp:
        root = Path(tmp)
        (root / "workflows").mkdir()
        devices = "".join(  # logged in: a logged-out phone fails every task at once
            f"  - serial: {s}\n    accounts: [{{username: soak_{i}}}]\n"
            for i, s in enumerate(serials, 1)
        )
        (root / "inventory.yaml").write_text(f"devices:\n{devices}", encoding="utf-8")
        env = {**os.environ, "ANDROID_ADB_SERVER_PORT": str(free_port()), "PYTHONPATH": str(ROOT)}
        up = [*CAMPAIGN, "sim", "up", "--detach", "--inventory", "inventory.yaml"]
        subprocess.run(up, cwd=root, env=env, check=True, capture_output=True, timeout=300)
        port = free_port()
        serve = subprocess.Popen(
            [*CAMPAIGN, "serve", "--port", str(port), "--log-level", "warning"],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for_api(base, serve)
            return soak(base, serve.pid, serials, args)
        finally:
            serve.send_signal(signal.SIGTERM)
            try:
                serve.wait(timeout=60)
            except subprocess.TimeoutExpired:
                serve.kill()
            down = [*CAMPAIGN, "sim", "down"]
            subprocess.run(down, cwd=root, env=env, capture_output=True, timeout=120, check=False)
            subprocess.run(
                [adb_binary(), "-P", env["ANDROID_ADB_SERVER_PORT"], "kill-server"],
                capture_output=True,
                timeout=30,
                check=False,
            )


def soak(base: str, pid: int, serials: list[str], args: argparse.Namespace) -> int:
    body = {"script_name": args.script, "serials": serials, "script_config": CONFIGS[args.script]}
    posted, next_sample, samples = 0, args.sample_every, []
    began = time.monotonic()
    print(f"serve pid {pid}: {rss_kib(pid) / 1024:.1f} MiB before any task", flush=True)
    while True:
        stats = call(base, "GET", "/api/v1/task/stats")
        assert isinstance(stats, dict)
        ended = int(stats.get("completed", 0)) + int(stats.get("failed", 0))
        if ended >= next_sample:
            samples.append((ended, rss_kib(pid)))
            print(f"{ended:6d} tasks ended: serve RSS {samples[-1][1] / 1024:.1f} MiB", flush=True)
            next_sample += args.sample_every
        if ended >= args.tasks:
            break
        if posted < args.tasks and posted - ended < 2 * len(serials):
            call(base, "POST", "/api/v1/task", body)
            posted += len(serials)
            continue
        time.sleep(0.2)
    seconds = time.monotonic() - began
    if int(stats.get("failed", 0)):
        failed = call(base, "GET", "/api/v1/task?status=3&page_size=3")
        print("failed, e.g.:", [(t["remark"], t.get("failure_class")) for t in failed["tasks"]])
    (first_n, first), (last_n, last) = samples[0], samples[-1]
    per_1000 = (last - first) / max(1, last_n - first_n) * 1000 / 1024
    print(
        f"{last_n} tasks in {seconds:.0f} s ({stats.get('failed', 0)} failed); serve RSS "
        f"{first / 1024:.1f} MiB at {first_n} tasks -> {last / 1024:.1f} MiB at {last_n}: "
        f"{per_1000:+.2f} MiB per 1,000 tasks"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
