"""The PostgreSQL dispatcher's choices that need no cluster: the order a phone's jobs are deferred
in is the order procrastinate runs them (one lock: by job id)."""

from __future__ import annotations

import random

import pytest

pytest.importorskip("procrastinate", reason="the hosts extra is not installed")

from runner.hosts.engine import in_run_order  # noqa: E402


def test_a_random_order_phone_gets_its_due_tasks_shuffled_the_others_keep_start_order() -> None:
    due = [(i, "A000001", "a", 1) for i in range(1, 9)] + [
        (i, "B000001", "b", 0) for i in (9, 10, 11)
    ]
    expected = list(range(1, 9))
    random.Random(5).shuffle(expected)

    ordered = [row[0] for row in in_run_order(due, random.Random(5))]

    assert expected != list(range(1, 9))
    assert ordered == [*expected, 9, 10, 11]
