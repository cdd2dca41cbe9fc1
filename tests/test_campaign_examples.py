"""Every file under tests/examples/ is a test: valid ones validate and plan, invalid ones give
exactly the messages in their sibling ``.expected`` file (one ``file:line:col: field: reason``
per line). Adding an example is adding a test."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from runner.campaign import expand_campaign, load_repo

EXAMPLES = Path(__file__).parent / "examples"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _names(kind: str) -> list[str]:
    return sorted(p.name for p in (EXAMPLES / kind).glob("*.yaml"))


@pytest.mark.parametrize("name", _names("valid"))
def test_valid_example_has_no_problems_and_expands(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(EXAMPLES)
    repo = load_repo([f"valid/{name}"], root=EXAMPLES, now=NOW)
    assert [str(p) for p in repo.problems] == []
    assert repo.campaigns
    for campaign in repo.campaigns:
        assert expand_campaign(campaign, repo.inventory, now=NOW)


@pytest.mark.parametrize("name", _names("invalid"))
def test_invalid_example_reports_expected_messages(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(EXAMPLES)
    expected = (
        (EXAMPLES / "invalid" / name)
        .with_suffix(".expected")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    repo = load_repo([f"invalid/{name}"], root=EXAMPLES, now=NOW)
    assert [str(p) for p in repo.problems] == expected


def test_every_invalid_example_has_an_expected_file() -> None:
    missing = [
        n
        for n in _names("invalid")
        if not (EXAMPLES / "invalid" / n).with_suffix(".expected").is_file()
    ]
    assert missing == []


def test_all_invalid_examples_at_once_report_every_problem_of_every_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(EXAMPLES)
    expected = sorted(
        line
        for n in _names("invalid")
        for line in (EXAMPLES / "invalid" / n)
        .with_suffix(".expected")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    repo = load_repo(["invalid"], root=EXAMPLES, now=NOW)
    assert sorted(str(p) for p in repo.problems) == expected
