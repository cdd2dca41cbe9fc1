"""The project's one error hierarchy.

Every error a user can see says *where* (file:line:column and field, phone, task) and *what to
do*. Errors carry fields, not only text, so reporters (text, json, github annotations, the API
envelope) can each render them their own way.

    CampaignRunnerError
    ├── UsageError               bad command line (exit 2)
    ├── CampaignError            a problem in a campaign/inventory file: path, line, column, field
    ├── StateError               the state file cannot be used
    │   ├── LockHeldError        another runner holds the state file
    │   └── StorageError         the state file cannot be written or has gone (disk full,
    │                            deleted, replaced, read-only): the runner stops (exit 3)
    ├── DeviceError              a phone command failed: serial, command, exit_code, output
    │   ├── DeviceLostError      the phone dropped, went offline or vanished mid-command
    │   ├── DeviceTimeoutError   the phone did not answer in time
    │   ├── ScreenUnreadableError  every way of reading the screen failed (the reason is named)
    │   └── DeviceUnavailableError  unknown, unauthorized or quarantined phone
    ├── TaskFailed               a task ended in failure: failure_class, task_id, serial
    └── ApiError                 an API answer other than success: envelope code

Exceptions of dependencies (adbutils, jsonschema, yaml, sqlite3) are translated into these in
one place each (the module that wraps the dependency), never scattered.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

Severity = Literal["error", "warning"]  # a warning is reported and never blocks a run


class FailureClass(StrEnum):
    """Why a task failed; decides retry policy and is shown to the user."""

    DEVICE_LOST = "device_lost"
    APP_NOT_INSTALLED = "app_not_installed"
    ELEMENT_NOT_FOUND = "element_not_found"
    SCREEN_UNREADABLE = "screen_unreadable"
    VERIFICATION_FAILED = "verification_failed"
    CONFIG_ERROR = "config_error"
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"
    MISSED = "missed"
    INTERNAL = "internal"


class CampaignRunnerError(Exception):
    """Base of every error this project raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(CampaignRunnerError):
    """The command line asked for something impossible (exit code 2)."""


class CampaignError(CampaignRunnerError):
    """A problem a person fixes by editing one place in one file.

    ``str()`` is ``path:line:column: field: reason`` so editors and CI can jump to it.
    ``line`` and ``column`` are 1-based; 0 means unknown. ``api_code`` is the TikMatrix envelope
    code when the problem came through ``POST /task`` (40001 invalid, 40002 script_name missing,
    40003 script not supported yet).
    """

    api_code: int = 40001

    def __init__(
        self,
        reason: str,
        *,
        path: str = "<input>",
        line: int = 0,
        column: int = 0,
        field: str = "",
        severity: Severity = "error",
        hint: str | None = None,
    ) -> None:
        super().__init__(reason, hint=hint)
        self.reason = reason
        self.path = path
        self.line = line
        self.column = column
        self.field = field
        self.severity: Severity = severity

    @property
    def location(self) -> str:
        if not self.line:
            return self.path
        return f"{self.path}:{self.line}:{self.column or 1}"

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        text = f"{self.location}: {where}{self.reason}"
        return f"{text} ({self.hint})" if self.hint else text

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "severity": self.severity,
            "message": self.reason,
            "hint": self.hint,
        }


class StateError(CampaignRunnerError):
    """The state file is unusable (corrupt, newer schema, unwritable)."""


class LockHeldError(StateError):
    """Another runner owns the state file."""

    def __init__(self, path: str, *, pid: int, host: str, started: str) -> None:
        super().__init__(
            f"{path} is locked by pid {pid} on {host} since {started}",
            hint="stop that runner, or pass --force-unlock if it is gone",
        )
        self.path, self.pid, self.host, self.started = path, pid, host, started


class StorageError(StateError):
    """The state file cannot be written, or is no longer the file the runner had.

    Not a task's fault and not passing: the runner stops dispatching at once (a task whose
    outcome cannot be recorded must not be followed by more such tasks) and exits with code 3;
    the next run recovers what was running."""


class DeviceError(CampaignRunnerError):
    """A command on a phone failed; carries what was sent and what came back."""

    def __init__(
        self,
        message: str,
        *,
        serial: str,
        command: str = "",
        exit_code: int | None = None,
        output: str = "",
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.serial = serial
        self.command = command
        self.exit_code = exit_code
        self.output = output

    def __str__(self) -> str:
        text = f"{self.serial}: {self.message}"
        if self.command:
            text += f" (command: {self.command}"
            text += f", exit {self.exit_code})" if self.exit_code is not None else ")"
        return f"{text}; {self.hint}" if self.hint else text


class DeviceLostError(DeviceError):
    """The phone went away mid-command: never a success."""


class DeviceTimeoutError(DeviceError):
    """The phone did not answer within the command's timeout."""


class ScreenUnreadableError(DeviceError):
    """No reader could read the screen (a screen that never goes idle, a failing dump).

    Never read as "element not found": nothing was looked at.
    """


class DeviceUnavailableError(DeviceError):
    """The phone is unknown, unauthorized, offline or quarantined."""


class TaskFailed(CampaignRunnerError):
    """A script could not do its job; ``failure_class`` decides whether it is retried."""

    def __init__(
        self,
        failure_class: FailureClass,
        message: str,
        *,
        serial: str | None = None,
        task_id: int | None = None,
        details: dict[str, object] | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.failure_class = FailureClass(failure_class)
        self.serial = serial
        self.task_id = task_id
        self.details = details or {}

    def __str__(self) -> str:
        where = " ".join(
            part
            for part in (
                f"task {self.task_id}" if self.task_id is not None else "",
                f"on {self.serial}" if self.serial else "",
            )
            if part
        )
        prefix = f"{where}: " if where else ""
        text = f"{prefix}{self.failure_class.value}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


def failure_class_of(exc: BaseException) -> FailureClass:
    """The one rule turning an exception into why a task failed (scripts, executor and pool
    alike): a phone that went away or is unavailable is ``device_lost``, one that stopped
    answering is ``timeout``, an unreadable screen is ``screen_unreadable``, a script's own
    TaskFailed says its class, and anything else (a bug, a state error) is ``internal``."""
    if isinstance(exc, TaskFailed):
        return exc.failure_class
    if isinstance(exc, (DeviceLostError, DeviceUnavailableError)):
        return FailureClass.DEVICE_LOST
    if isinstance(exc, DeviceTimeoutError):
        return FailureClass.TIMEOUT
    if isinstance(exc, ScreenUnreadableError):
        return FailureClass.SCREEN_UNREADABLE
    return FailureClass.INTERNAL


def as_task_failure(
    exc: BaseException, *, serial: str | None = None, task_id: int | None = None
) -> TaskFailed:
    """``exc`` as a TaskFailed of its ``failure_class_of``, keeping what a phone command sent and
    answered (``details``) so the task's record shows it."""
    if isinstance(exc, TaskFailed):
        return exc
    if isinstance(exc, DeviceError):
        message = f"{exc.message} (command: {exc.command})" if exc.command else exc.message
        return TaskFailed(
            failure_class_of(exc),
            message,
            serial=exc.serial or serial,
            task_id=task_id,
            hint=exc.hint,
            details={
                "command": exc.command,
                "exit_code": exc.exit_code,
                "output": exc.output[:500],
            },
        )
    message = str(exc) if isinstance(exc, CampaignRunnerError) else f"{type(exc).__name__}: {exc}"
    return TaskFailed(failure_class_of(exc), message, serial=serial, task_id=task_id)


class ApiError(CampaignRunnerError):
    """An API answer that is not success; ``code`` is the TikMatrix envelope code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
