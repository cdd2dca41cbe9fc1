"""Warnings: allowed, reported, never failing validation."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest

from runner.campaign import load_repo


def test_suspicious_settings_are_warnings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "inventory.yaml").write_text(
        "devices: [{serial: P1, accounts: [{username: anna}]}]\n", encoding="utf-8"
    )
    (tmp_path / "w.yaml").write_text(
        "script_name: account_warmup\nusernames: [anna, anna]\nenable_multi_account: true\ntimeout: 60\n"
        "---\nscript_name: account_warmup\nserials: []\n"
        "---\nscript_name: unfollow\nserials: [P1]\nscript_config:\n  target_username: a\n  target_user: b\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    repo = load_repo(["w.yaml"], root=tmp_path)
    assert repo.problems == []
    assert [str(w) for w in repo.warnings] == [
        "w.yaml:2:19: usernames[1]: duplicate username 'anna' ignored",
        "w.yaml:3:23: enable_multi_account: ignored in account mode (usernames): each account is one task",
        "w.yaml:4:10: timeout: 60 s is shorter than task_duration (600 s)",
        "w.yaml:6:1: no phones: this campaign creates no tasks",
        "w.yaml:12:3: script_config.target_username: target_username is ignored because target_user is also given",
    ]
    assert all(w.severity == "warning" for w in repo.warnings)


def test_default_paths_that_do_not_exist_are_not_problems(tmp_path: Path) -> None:
    repo = load_repo(root=tmp_path)
    assert (repo.problems, repo.campaigns, repo.files) == ([], [], [])


def test_explicit_path_that_does_not_exist_is_a_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert [str(p) for p in load_repo(["gone.yaml"], root=tmp_path).problems] == [
        "gone.yaml: no such file or directory"
    ]


def test_start_time_in_the_past_is_a_warning_saying_what_happens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import datetime

    (tmp_path / "w.yaml").write_text(
        "script_name: account_warmup\nserials: [P1]\nstart_time: 2026-01-01T10:00:00+01:00\non_missed: skip\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    repo = load_repo(["w.yaml"], root=tmp_path, now=datetime(2026, 11, 28, tzinfo=UTC))
    assert [str(w) for w in repo.warnings] == [
        "w.yaml:3:13: start_time: 2026-01-01T10:00:00+01:00 is in the past: the tasks are skipped (on_missed: skip)"
    ]
