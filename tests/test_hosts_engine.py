"""Two hosts over one PostgreSQL: two `campaign worker` processes, each with its own adb server
and simulated fleet (A00000n on host a, B00000n on host b), heartbeat 1 s, stall limit 5 s.

Everything is read back from a third process (`campaign status`, `campaign hosts`) and checked
against the phones' ground truth. The tests run in order on one shared set-up.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import pytest

from runner.hosts import testbed
from runner.hosts.testbed import SimHost, campaign, wait_for

WORKER = ("--heartbeat", "1", "--stall", "5", "--polling", "0.5", "--log-level", "info")


class Bed:
    def __init__(self, root: Path, dsn: str) -> None:
        self.dsn = dsn
        self.a = SimHost("a", "A", 2, root / "a", dsn)
        self.b = SimHost("b", "B", 2, root / "b", dsn)
        self.repo = testbed.write_inventory(
            root / "repo", [*self.a.serials(), *self.b.serials(), "Z000001"]
        )

    @property
    def env(self) -> dict[str, str]:
        return {**self.a.env, "ANDROID_ADB_SERVER_PORT": "1"}  # the third process has no phones

    def cli(self, *args: str) -> Any:
        return json.loads(campaign(*args, "--format", "json", cwd=self.repo, env=self.env))

    def apply(self, name: str, serials: list[str], **options: Any) -> list[dict[str, Any]]:
        path = testbed.write_campaign(self.repo, name, serials, **options)
        campaign("apply", str(path), cwd=self.repo, env=self.env)
        return self.tasks(name)

    def tasks(self, name: str) -> list[dict[str, Any]]:
        rows = self.cli("status")["tasks"]
        return [t for t in rows if t["campaign"].startswith(f"{name}-")]

    def finished(self, name: str, timeout: float = 90) -> list[dict[str, Any]]:
        done = wait_for(
            lambda: (
                (rows := self.tasks(name)) and all(t["status"] in (2, 3) for t in rows) and rows
            ),
            timeout,
            0.5,
        )
        assert done, f"{name}: not finished in {timeout} s: {self.tasks(name)}"
        return done

    def store(self) -> Any:
        from runner.state.pg import PgStore

        return PgStore(self.dsn, pool_size=2)

    def hosts_of(self, task_id: int) -> list[str]:
        """The host of each attempt, from the 'host' events the worker writes."""
        store = self.store()
        try:
            events = [e for e in store.events(task_id) if e["kind"] == "host"]
        finally:
            store.close()
        return [e["message"].rsplit(" ", 1)[1] for e in events]


@pytest.fixture(scope="module")
def bed(pg_cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bed]:
    made = Bed(tmp_path_factory.mktemp("hosts"), pg_cluster.createdb("hosts"))
    try:
        for host in (made.a, made.b):
            host.start_fleet()
            host.start_worker(*WORKER)
        assert wait_for(lambda: len(made.cli("hosts")["hosts"]) == 2, 60), "workers never beat"
        yield made
    finally:
        for host in (made.a, made.b):
            host.stop()
            if host.log is not None and host.log.exists():
                print(host.log.read_text(encoding="utf-8", errors="replace")[-4000:])


def test_hosts_lists_each_host_with_the_phones_of_its_adb_server(bed: Bed) -> None:
    report = wait_for(
        lambda: (r := bed.cli("hosts")) and all(len(h["phones"]) == 2 for h in r["hosts"]) and r,
        30,
    )
    assert {h["host_id"]: [p["serial"] for p in h["phones"]] for h in report["hosts"]} == {
        "a": ["A000001", "A000002"],
        "b": ["B000001", "B000002"],
    }


def test_every_task_runs_exactly_once_on_the_host_that_holds_its_phone(bed: Bed) -> None:
    serials = [*bed.a.serials(), *bed.b.serials()]
    bed.apply("once", serials, per_phone=2)
    rows = bed.finished("once")
    assert [(t["serial"], t["status_text"], t["retry_count"]) for t in rows] == [
        (s, "completed", 0) for s in serials * 2
    ]
    for row in rows:
        assert bed.hosts_of(row["id"]) == [row["serial"][0].lower()]
    truth = {**bed.a.ground_truth(), **bed.b.ground_truth()}
    for serial in serials:
        comments = truth[serial][testbed.account_of(serial)]["comments"]
        assert sorted(c["text"] for c in comments) == ["once-1", "once-2"], serial


def test_no_phone_ever_runs_two_tasks_at_once(bed: Bed) -> None:
    store = bed.store()
    try:
        attempts = store.attempts()
    finally:
        store.close()
    by_phone: dict[str, list[dict[str, Any]]] = {}
    for attempt in attempts:
        by_phone.setdefault(attempt["serial"], []).append(attempt)
    assert by_phone
    for serial, runs in by_phone.items():
        runs.sort(key=lambda a: a["started_at"])
        for before, after in pairwise(runs):
            assert before["ended_at"] <= after["started_at"], serial


def test_a_phone_attached_nowhere_waits_with_the_reason_shown(bed: Bed) -> None:
    [task] = bed.apply("nowhere", ["Z000001"], seconds=1)
    waiting = wait_for(
        lambda: (rows := bed.tasks("nowhere")) and rows[0]["remark"].startswith("waiting") and rows,
        20,
    )
    assert waiting, bed.tasks("nowhere")
    assert waiting[0]["status_text"] == "pending"
    assert waiting[0]["remark"] == (
        "waiting: phone Z000001 is attached to no host (no worker's adb server shows it)"
    )


def test_the_api_of_a_third_process_creates_tasks_the_hosts_run_and_shows_them(
    bed: Bed,
) -> None:
    with _serving(bed) as url:
        body = {
            "serials": ["A000002", "B000002"],
            "script_name": "account_warmup",
            "script_config": {"task_duration": 1, "min_duration": 0.2, "max_duration": 0.3},
        }
        answer = httpx.post(f"{url}/api/v1/task", json=body, timeout=30).json()
        assert answer["code"] == 0, answer
        ids = answer["data"]["task_ids"]

        def done() -> list[dict[str, Any]] | None:
            rows = [httpx.get(f"{url}/api/v1/task/{i}", timeout=30).json()["data"] for i in ids]
            return rows if all(r["status"] == 2 for r in rows) else None

        rows = wait_for(done, 60, 0.5)
        assert rows, [httpx.get(f"{url}/api/v1/task/{i}", timeout=30).json() for i in ids]
        assert [bed.hosts_of(i) for i in ids] == [["a"], ["b"]]
        phones = httpx.get(f"{url}/api/v1/devices", timeout=30).json()["data"]
        assert {"A000001", "B000001"} <= {p.get("hw_serial") or p["serial"] for p in phones}


def test_the_artifacts_a_failed_attempt_left_on_its_host_are_served_by_an_api_elsewhere(
    bed: Bed,
) -> None:
    path = bed.repo / "workflows" / "slow.yaml"  # over its timeout: fails, keeps its artifacts
    path.write_text(
        "name: slow-1\nserials: [A000001]\nscript_name: account_warmup\n"
        "script_config: {task_duration: 60, min_duration: 5, max_duration: 5}\n"
        "timeout: 2\nretry: {max: 0}\n",
        encoding="utf-8",
    )
    campaign("apply", str(path), cwd=bed.repo, env=bed.env)
    [task] = bed.finished("slow")
    assert (task["status"], task["failure_class"]) == (3, "timeout")
    folder = bed.a.dir / ".campaign" / "artifacts" / str(task["id"])  # on host a only
    on_host = {
        f.relative_to(folder).as_posix(): f.read_bytes() for f in folder.rglob("*") if f.is_file()
    }
    assert "steps.log" in on_host
    assert not (bed.repo / ".campaign" / "artifacts").exists()  # the API's own machine

    with _serving(bed) as url:
        listing = f"{url}/api/v1/task/{task['id']}/artifacts"
        listed = wait_for(lambda: httpx.get(listing, timeout=30).json()["data"], 30, 0.5)
        downloaded = {
            a["name"]: httpx.get(f"{url}{a['url']}", timeout=30).content for a in listed or []
        }
        absent = httpx.get(f"{listing}/nothing.png", timeout=30).json()

    assert downloaded == on_host
    assert [a["size"] for a in listed] == [len(on_host[a["name"]]) for a in listed]
    assert absent["code"] == 40401


@contextmanager
def _serving(bed: Bed) -> Iterator[str]:
    """`campaign serve` from a third process (in the campaign repository, no phones): its URL."""
    server = subprocess.Popen(
        [sys.executable, "-m", "runner", "serve", "--port", "0", "--log-level", "warning"],
        cwd=bed.repo,
        env=bed.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield _listening(server)
    finally:
        server.terminate()
        server.wait(30)
        if server.stdout is not None:
            server.stdout.close()


def _listening(server: subprocess.Popen[str]) -> str:
    assert server.stdout is not None
    seen = []
    for line in server.stdout:
        seen.append(line)
        if match := re.search(r"listening on (http://\S+)/api/v1", line):
            return match.group(1)
    raise AssertionError("serve did not start:\n" + "".join(seen))


def test_kill_9_of_a_host_reruns_only_its_interrupted_tasks_on_the_phones_current_host(
    bed: Bed,
) -> None:
    serials = [*bed.a.serials(), *bed.b.serials()]
    bed.apply("kill", serials, seconds=6)
    running = wait_for(
        lambda: all(t["status"] == 1 for t in bed.tasks("kill")[:2]), 60, 0.2
    )  # both of host a's tasks started
    assert running, bed.tasks("kill")
    bed.a.kill_worker()
    adb_serial = bed.a.disconnect("A000001")  # A000001 moves to host b
    bed.b.connect(adb_serial)
    bed.a.start_worker(*WORKER)  # host a comes back with A000002 only
    rows = bed.finished("kill", timeout=120)
    assert [(t["serial"], t["status_text"]) for t in rows] == [(s, "completed") for s in serials]
    store = bed.store()
    try:
        outcomes = {t["serial"]: [a["outcome"] for a in store.attempts(t["id"])] for t in rows}
    finally:
        store.close()
    assert outcomes == {
        "A000001": ["interrupted", "completed"],
        "A000002": ["interrupted", "completed"],
        "B000001": ["completed"],
        "B000002": ["completed"],
    }
    assert [bed.hosts_of(t["id"]) for t in rows] == [["a", "b"], ["a", "a"], ["b"], ["b"]]


def test_a_phone_moved_to_another_host_gets_its_queued_tasks(bed: Bed) -> None:
    bed.b.stop_worker()  # host b is down; its phones are still recorded on it
    bed.apply("moved", ["B000001"], seconds=1, per_phone=2)
    queued = wait_for(lambda: _queued_on(bed, "host-b") == 2, 10, 0.2)
    assert queued, "the dispatcher did not queue the jobs on host b"
    adb_serial = bed.b.disconnect("B000001")
    bed.a.connect(adb_serial)
    rows = bed.finished("moved", timeout=60)
    assert [(t["serial"], t["status_text"], t["retry_count"]) for t in rows] == [
        ("B000001", "completed", 0),
        ("B000001", "completed", 0),
    ]
    assert [bed.hosts_of(t["id"]) for t in rows] == [["a"], ["a"]]


def _queued_on(bed: Bed, queue: str) -> int:
    store = bed.store()
    try:
        with store.connection() as raw:
            return int(
                raw.execute(
                    "SELECT count(*) FROM procrastinate_jobs WHERE queue_name = %s "
                    "AND status = 'todo' AND task_name = 'run_task'",
                    (queue,),
                ).fetchone()[0]
            )
    finally:
        store.close()


def test_a_stopped_worker_queues_its_running_task_again_without_burning_an_attempt(
    bed: Bed,
) -> None:
    [task] = bed.apply("sigterm", ["A000002"], seconds=60)
    assert wait_for(lambda: bed.tasks("sigterm")[0]["status"] == 1, 60, 0.2)
    bed.a.stop_worker()  # SIGTERM: the 60 s warm-up is cancelled at its next step
    [row] = bed.tasks("sigterm")
    store = bed.store()
    try:
        outcomes = [(a["outcome"], a["failure_class"]) for a in store.attempts(task["id"])]
    finally:
        store.close()
    assert (row["status_text"], row["retry_count"]) == ("pending", 0)
    assert outcomes == [("interrupted", "interrupted")]
    bed.a.start_worker(*WORKER)
