"""One rule turns an exception into a task's failure class, wherever the exception is caught."""

from __future__ import annotations

import pytest

from runner.errors import (
    CampaignError,
    DeviceError,
    DeviceLostError,
    DeviceTimeoutError,
    DeviceUnavailableError,
    FailureClass,
    ScreenUnreadableError,
    StateError,
    TaskFailed,
    as_task_failure,
    failure_class_of,
)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (DeviceLostError("connection reset", serial="P1"), FailureClass.DEVICE_LOST),
        (DeviceUnavailableError("the phone is offline", serial="P1"), FailureClass.DEVICE_LOST),
        (DeviceTimeoutError("no answer in 20 s", serial="P1"), FailureClass.TIMEOUT),
        (ScreenUnreadableError("never idle", serial="P1"), FailureClass.SCREEN_UNREADABLE),
        (DeviceError("exit 1", serial="P1"), FailureClass.INTERNAL),
        (StateError("task 3 does not exist"), FailureClass.INTERNAL),
        (CampaignError("bad value"), FailureClass.INTERNAL),
        (KeyError("captions"), FailureClass.INTERNAL),
        (
            TaskFailed(FailureClass.ELEMENT_NOT_FOUND, "no Post button"),
            FailureClass.ELEMENT_NOT_FOUND,
        ),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else str(v),
)
def test_each_exception_has_one_failure_class(exc: BaseException, expected: FailureClass) -> None:
    assert failure_class_of(exc) is expected


def test_a_phone_timeout_keeps_the_command_and_its_output() -> None:
    exc = DeviceTimeoutError(
        "no answer in 20 s",
        serial="P1",
        command="uiautomator dump",
        exit_code=None,
        output="x" * 900,
    )
    failure = as_task_failure(exc, task_id=7)
    assert (failure.failure_class, failure.message, failure.serial, failure.task_id) == (
        FailureClass.TIMEOUT,
        "no answer in 20 s (command: uiautomator dump)",
        "P1",
        7,
    )
    assert failure.details == {
        "command": "uiautomator dump",
        "exit_code": None,
        "output": "x" * 500,
    }


def test_a_bug_is_internal_and_names_the_exception_type() -> None:
    failure = as_task_failure(ZeroDivisionError("division by zero"), serial="P2", task_id=1)
    assert str(failure) == "task 1 on P2: internal: ZeroDivisionError: division by zero"


def test_a_script_failure_is_kept_as_it_is() -> None:
    original = TaskFailed(FailureClass.VERIFICATION_FAILED, "comment not in the list", serial="P1")
    assert as_task_failure(original, serial="P9", task_id=4) is original
