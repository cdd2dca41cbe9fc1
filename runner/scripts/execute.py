"""`run_script`: the one entry the executor calls; classifies failures and keeps artifacts."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from runner.device import Device
from runner.device.appdata import load_app
from runner.errors import DeviceError, FailureClass, TaskFailed, as_task_failure
from runner.scripts.artifacts import save_artifacts
from runner.scripts.common import open_own_profile, switch_account
from runner.scripts.context import Ctx, ScriptResult, ScriptTask
from runner.scripts.registry import SCRIPTS

TIKTOK_PACKAGES = ("com.zhiliaoapp.musically", "com.ss.android.ugc.trill")


def run_script(
    device: Device,
    task: ScriptTask,
    *,
    cancel: threading.Event,
    artifacts_dir: Path,
    repo_root: Path | None = None,
    on_commit: Callable[[str, dict[str, Any]], None] | None = None,
) -> ScriptResult:
    """Run one task on a leased phone; raises TaskFailed (with artifacts saved) on failure.

    ``on_commit(action, detail)`` is called right before a tap that cannot be undone and must
    record it durably (or raise, and the tap does not happen): see runner/scripts/commit.py."""
    script = SCRIPTS.get(task.script_name)
    if script is None:
        raise TaskFailed(
            FailureClass.CONFIG_ERROR,
            f"unknown script {task.script_name!r}",
            serial=task.serial,
            task_id=task.task_id,
            hint=f"one of {', '.join(sorted(SCRIPTS))}",
        )
    device.note(
        f"task {task.task_id}: {task.script_name} on {device.serial} "
        f"(account {task.username or 'current'}, target {task.target or '-'})"
    )
    try:
        ctx = _prepare(device, task, cancel, repo_root, switch=script.spec.switch_first)
        ctx.on_commit = on_commit
        result = script.result(script.run(ctx))
        device.note(f"done: {result.summary}")
        return result
    except (TaskFailed, DeviceError) as exc:
        failure = as_task_failure(exc, task_id=task.task_id)  # a TaskFailed stays as it is
        raise _with_artifacts(device, task, failure, artifacts_dir) from exc


def _prepare(
    device: Device,
    task: ScriptTask,
    cancel: threading.Event,
    repo_root: Path | None,
    *,
    switch: bool = True,
) -> Ctx:
    """Wake the phone, check the app, load its selectors, check the app is logged in and switch
    to the task's account (unless the script reads or logs in accounts itself: login,
    match_accounts)."""
    if cancel.is_set():
        raise TaskFailed(
            FailureClass.CANCELLED,
            "stopped before it started",
            serial=device.serial,
            task_id=task.task_id,
        )
    device.wake()
    package = task.package or _installed_tiktok(device)
    device.require_app(package)
    app = load_app("tiktok", package, device.app_version(package), repo_root=repo_root)
    ctx = Ctx(
        device,
        task,
        app,
        cancel,
        repo_root,
        random.Random(f"{task.task_id}:{task.serial}:{task.target}"),
    )
    if switch and task.username:
        switch_account(ctx, task.username)
    elif switch:
        open_own_profile(ctx)  # no account to switch to: still fail at once if logged out
    return ctx


def _installed_tiktok(device: Device) -> str:
    for package in TIKTOK_PACKAGES:
        if device.app_installed(package):
            return package
    raise TaskFailed(
        FailureClass.APP_NOT_INSTALLED,
        f"TikTok is not installed on {device.serial}",
        serial=device.serial,
        hint="install TikTok (com.zhiliaoapp.musically) or set the account's package",
    )


def _with_artifacts(
    device: Device, task: ScriptTask, failure: TaskFailed, folder: Path
) -> TaskFailed:
    live = failure.failure_class not in (FailureClass.DEVICE_LOST, FailureClass.TIMEOUT)
    # an unreadable screen is not read again for the artifacts (it failed just now, slowly);
    # the screenshot shows what was there
    fresh_dump = failure.failure_class is not FailureClass.SCREEN_UNREADABLE
    try:
        saved = save_artifacts(
            device, folder, failure=str(failure), live=live, fresh_dump=fresh_dump
        )
    except OSError as exc:
        saved = {"error": f"could not write artifacts to {folder}: {exc}"}
    return TaskFailed(
        failure.failure_class,
        failure.message,
        serial=failure.serial or device.serial,
        task_id=task.task_id,
        details={**failure.details, "artifacts": saved},
        hint=failure.hint,
    )
