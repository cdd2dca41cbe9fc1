"""Several hosts on one PC, for the tests, `bench/hosts.py` and a trial before buying PCs.

Each host is a directory with its own adb server (a private port), a simulated fleet started
with `campaign sim up --serial-prefix P --detach` on that server, and a `campaign worker`
process bound to it: two hosts are two sets of phones, as two PCs with USB hubs would be.
Everything is a subprocess of the real commands; nothing here imports the simulator.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner.sim.adbhost import free_port


def campaign(*args: str, cwd: Path, env: dict[str, str], timeout: float = 120) -> str:
    """Run a `campaign` command; its stdout (raises with stderr when it fails)."""
    done = subprocess.run(
        [sys.executable, "-m", "runner", *args],
        check=False,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"campaign {' '.join(args)} exited {done.returncode}: {done.stderr}")
    return done.stdout


@dataclass
class SimHost:
    """One host: a directory, an adb server, a fleet, and (once started) a worker process."""

    host_id: str
    prefix: str
    phones: int
    dir: Path
    dsn: str
    adb_port: int = 0
    worker: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    worker_args: list[str] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "ANDROID_ADB_SERVER_PORT": str(self.adb_port),
            "CAMPAIGN_STATE": self.dsn,
            "PYTHONUNBUFFERED": "1",
        }

    def serials(self) -> list[str]:
        return [f"{self.prefix}{n:06d}" for n in range(1, self.phones + 1)]

    def start_fleet(self, accounts: int = 1) -> None:
        from runner.sim.adbhost import wheel_adb  # the adb server binary only

        self.dir.mkdir(parents=True, exist_ok=True)
        self.adb_port = self.adb_port or free_port()
        subprocess.run(
            [wheel_adb(), "-P", str(self.adb_port), "start-server"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        campaign(
            "sim", "up", "--phones", str(self.phones), "--accounts", str(accounts),
            "--serial-prefix", self.prefix, "--detach",
            cwd=self.dir, env=self.env, timeout=300,
        )  # fmt: skip

    def start_worker(self, *extra: str) -> None:
        self.log = self.dir / "worker.log"
        self.worker_args = list(extra)
        with self.log.open("ab") as out:  # the child keeps its own copy of the descriptor
            self.worker = subprocess.Popen(
                [sys.executable, "-m", "runner", "worker", "--host-id", self.host_id, *extra],
                cwd=self.dir,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kill_worker(self) -> None:
        """kill -9: no goodbye, no cleanup, as a host losing power."""
        if self.worker is not None and self.worker.poll() is None:
            self.worker.send_signal(signal.SIGKILL)
            self.worker.wait(30)

    def stop_worker(self) -> None:
        if self.worker is not None and self.worker.poll() is None:
            self.worker.send_signal(signal.SIGTERM)
            try:
                self.worker.wait(30)
            except subprocess.TimeoutExpired:
                self.kill_worker()

    def ground_truth(self) -> Any:
        return json.loads(campaign("sim", "state", cwd=self.dir, env=self.env))

    def disconnect(self, serial: str) -> str:
        """Detach one phone from this host's adb server (`adb disconnect`); its adb serial."""
        from runner.sim.adbhost import wheel_adb

        adb_serial = self._adb_serials()[serial]
        subprocess.run(
            [wheel_adb(), "-P", str(self.adb_port), "disconnect", adb_serial],
            check=True,
            capture_output=True,
            timeout=30,
        )
        return adb_serial

    def connect(self, adb_serial: str) -> None:
        from runner.sim.adbhost import wheel_adb

        subprocess.run(
            [wheel_adb(), "-P", str(self.adb_port), "connect", adb_serial],
            check=True,
            capture_output=True,
            timeout=30,
        )

    def _adb_serials(self) -> dict[str, str]:
        info = json.loads((self.dir / ".campaign" / "sim" / "sim.json").read_text())
        return dict(info["phones"])

    def stop(self) -> None:
        from runner.sim.adbhost import wheel_adb

        self.stop_worker()
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            campaign("sim", "down", cwd=self.dir, env=self.env, timeout=120)
        if self.adb_port:
            subprocess.run(
                [wheel_adb(), "-P", str(self.adb_port), "kill-server"],
                check=False,
                capture_output=True,
                timeout=30,
            )


POST = "https://www.tiktok.com/@chef.marco/video/7300000000000000001"  # in every sim feed
PACKAGE = "com.zhiliaoapp.musically"


def account_of(serial: str) -> str:
    """The first account `sim up --serial-prefix P --phones N` logs in on phone P00000n."""
    prefix = serial.rstrip("0123456789")
    who = "user" if prefix == "SIM" else prefix.lower()
    return f"{who}{int(serial[len(prefix) :]):03d}_1"


def write_inventory(root: Path, serials: list[str]) -> Path:
    """A campaign repo whose inventory lists ``serials``, each with its first account."""
    (root / "workflows").mkdir(parents=True, exist_ok=True)
    lines = ["timezone: UTC", "devices:"]
    for serial in serials:
        lines.append(f"  - serial: {serial}")
        lines.append(f"    accounts: [{{username: {account_of(serial)}, package: {PACKAGE}}}]")
    (root / "inventory.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def write_campaign(
    root: Path, name: str, serials: list[str], *, seconds: float = 0, per_phone: int = 1
) -> Path:
    """workflows/<name>.yaml: ``per_phone`` campaigns over ``serials``: warm-ups of ``seconds``,
    or (``seconds`` 0) one comment each on POST, whose text names the campaign."""
    docs = []
    for n in range(1, per_phone + 1):
        if seconds:
            script = (
                "script_name: account_warmup\nscript_config: "
                f"{{task_duration: {seconds}, min_duration: 0.2, max_duration: 0.3}}\n"
            )
        else:
            script = (
                "script_name: comment\nscript_config: "
                f"{{target_post_urls: ['{POST}'], comment_content: '{name}-{n}', "
                "insert_emoji: false}\n"
            )
        docs.append(
            f"name: {name}-{n}\nserials: [{', '.join(serials)}]\n{script}"
            "retry: {max: 2, delay_min: 0.1, delay_max: 0.2}\ntimeout: 300\n"
        )
    path = root / "workflows" / f"{name}.yaml"
    path.write_text("---\n".join(docs), encoding="utf-8")
    return path


def wait_for(check: Any, timeout: float, every: float = 0.2) -> Any:
    """Poll ``check()`` until it returns something truthy; that value (or None on timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    return None
