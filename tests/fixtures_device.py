"""Fixtures for device, pool and script tests: a pool over the session's adb server, a task
runner that returns what the simulated phone recorded, and a local OpenAI-compatible stub."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

TIKTOK = "com.zhiliaoapp.musically"


@pytest.fixture
def pool(adb_server: int) -> Iterator[Any]:
    """A started DevicePool on the private adb server (create fleets before using it)."""
    from runner.pool import DevicePool

    device_pool = DevicePool(adb_servers=[("127.0.0.1", adb_server)])
    device_pool.start()
    yield device_pool
    device_pool.stop()


@pytest.fixture
def run_task(pool: Any, tmp_path: Path) -> Callable[..., Any]:
    """``run_task(fleet, script, config, phone=0, username=None, target=None, cancel=None)``.

    The test's ``tmp_path`` is the campaign repository unless ``repo_root`` says otherwise, so
    media written there is inside the media roots."""
    from runner.scripts import ScriptTask, run_script

    counter = iter(range(1, 1000))

    def run(
        fleet: Any,
        script: str,
        config: dict[str, Any],
        *,
        phone: int = 0,
        username: str | None = None,
        target: str | None = None,
        cancel: threading.Event | None = None,
        repo_root: Path | None = None,
        task_id: int | None = None,
        commit_mark: dict[str, Any] | None = None,
        on_commit: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> Any:
        sim_phone = fleet.phones[phone]
        task = ScriptTask(
            task_id=task_id or next(counter),
            script_name=script,
            script_config=config,
            serial=sim_phone.serial,
            username=username,
            package=TIKTOK,
            target=target,
            campaign="t",
            commit_mark=commit_mark,
        )
        with pool.lease(sim_phone.serial, timeout=10) as device:
            return run_script(
                device,
                task,
                cancel=cancel or threading.Event(),
                artifacts_dir=tmp_path / "artifacts" / str(task.task_id),
                repo_root=repo_root or tmp_path,
                on_commit=on_commit,
            )

    return run


class _ChatStub(BaseHTTPRequestHandler):
    replies: ClassVar[list[str]] = []
    requests: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
        )
        text = type(self).replies[(len(type(self).requests) - 1) % len(type(self).replies)]
        payload = json.dumps(
            {"choices": [{"message": {"role": "assistant", "content": text}}]}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def chat_stub() -> Iterator[Any]:
    """A local OpenAI-compatible /v1/chat/completions server; ``.url``, ``.requests``, ``.replies``."""
    handler = type("ChatStub", (_ChatStub,), {"replies": ["Nice one!"], "requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}/v1"  # type: ignore[attr-defined]
    yield handler
    server.shutdown()
    server.server_close()
