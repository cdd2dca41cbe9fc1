"""Limits on campaign files: every one is a located problem from `validate` (load_repo), found
before anything big is built; non-finite numbers are schema errors in files too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from runner.campaign import load_repo
from runner.campaign.limits import limits
from runner.errors import UsageError

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "workflows").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


pytestmark = pytest.mark.usefixtures("roomy_render_time")


@pytest.fixture
def limit(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """``limit(NAME, value)`` sets CAMPAIGN_RUNNER_LIMIT_NAME for this test only."""

    def set_limit(name: str, value: int) -> None:
        monkeypatch.setenv(f"CAMPAIGN_RUNNER_LIMIT_{name}", str(value))
        limits.cache_clear()

    yield set_limit
    monkeypatch.undo()
    limits.cache_clear()


def _problems(root: Path, text: str, name: str = "c.yaml") -> list[str]:
    (root / "workflows" / name).write_text(text, encoding="utf-8")
    return [str(p) for p in load_repo(root=root, now=NOW).problems]


def test_a_template_that_would_take_gigabytes_is_a_problem_at_its_line(repo: Path) -> None:
    text = "script_name: account_warmup\nserials: [P1]\nscript_config:\n  comment: \"{{ 'a' * 10**9 }}\"\n"
    assert _problems(repo, text) == [
        "workflows/c.yaml:4:12: script_config.comment: template over a limit: a result of"
        " 1,000,000,000 characters or items is over the limit of 100,000"
        " (CAMPAIGN_RUNNER_LIMIT_TEMPLATE_CHARS, see docs/limits.md)"
    ]


def test_a_recursive_macro_is_a_problem_not_an_internal_error(repo: Path) -> None:
    text = (
        "script_name: account_warmup\nserials: [P1]\nscript_config:\n  comment: |\n"
        "    {% macro m(n) %}{{ m(n + 1) }}{% endmacro %}\n    {{ m(1) }}\n"
    )
    assert _problems(repo, text) == [
        "workflows/c.yaml:5:1: script_config.comment: template over a limit: calls nested more"
        " than 20 deep (a recursive macro?) (CAMPAIGN_RUNNER_LIMIT_TEMPLATE_DEPTH, see docs/limits.md)"
    ]


def test_ten_million_tasks_are_refused_before_any_is_built(repo: Path) -> None:
    serials = ", ".join(f"S{i}" for i in range(10_000))
    users = ", ".join(f"u{i}" for i in range(1_000))
    text = f"script_name: follow\nserials: [{serials}]\nscript_config:\n  target_users: [{users}]\n"
    assert _problems(repo, text) == [
        "workflows/c.yaml:1:1: too many tasks (phones or accounts × targets): 10,000,000 is over"
        " the limit of 100,000 (CAMPAIGN_RUNNER_LIMIT_TASKS_PER_CAMPAIGN, see docs/limits.md)"
    ]


def test_campaigns_together_may_not_pass_the_apply_limit(repo: Path, limit) -> None:  # type: ignore[no-untyped-def]
    limit("TASKS_PER_APPLY", 5)
    for name in ("a", "b"):
        body = "script_name: follow\nserials: [P1]\nscript_config:\n  target_users: [x, y, z]\n"
        (repo / "workflows" / f"{name}.yaml").write_text(body, encoding="utf-8")
    loaded = load_repo(root=repo, now=NOW)
    assert [c.name for c in loaded.campaigns] == ["a"]
    assert [str(p) for p in loaded.problems] == [
        "workflows/b.yaml:1:1: too many tasks in the repository with this campaign's 3: 6 is over"
        " the limit of 5 (CAMPAIGN_RUNNER_LIMIT_TASKS_PER_APPLY, see docs/limits.md)"
    ]


def test_aliases_expanding_a_long_string_are_stopped(repo: Path) -> None:
    words = "w" * 50_000
    aliases = "".join(f"  a{i}: *s\n" for i in range(100))
    text = f"script_name: account_warmup\nserials: [P1]\ndescription: &s {words}\nvars:\n{aliases}"
    assert _problems(repo, text) == [
        "workflows/c.yaml:3:14: vars.a78: characters of text in the files read, aliases expanded: more than"
        " the limit of 4,000,000 (CAMPAIGN_RUNNER_LIMIT_YAML_CHARS, see docs/limits.md)"
    ]


def test_a_file_over_the_size_limit_is_not_read(repo: Path, limit) -> None:  # type: ignore[no-untyped-def]
    limit("FILE_BYTES", 1000)
    text = "script_name: account_warmup\nserials: [P1]\ndescription: " + "x" * 2000 + "\n"
    assert _problems(repo, text) == [
        "workflows/c.yaml:1:1: file too large, bytes: 2,056 is over the limit of 1,000"
        " (CAMPAIGN_RUNNER_LIMIT_FILE_BYTES, see docs/limits.md)"
    ]


def test_a_long_comment_is_refused_as_written_and_as_rendered(repo: Path) -> None:
    head = "script_name: comment\nserials: [P1]\nscript_config:\n  target_post_url: https://vm.tiktok.com/abc/\n"
    written = head + "  comment_content: " + "y" * 100_001 + "\n"
    assert _problems(repo, written) == [
        "workflows/c.yaml:5:20: script_config.comment_content: text too long, characters: 100,001"
        " is over the limit of 100,000 (CAMPAIGN_RUNNER_LIMIT_STRING_CHARS, see docs/limits.md)"
    ]


def test_rendered_values_meet_the_schema_too(repo: Path) -> None:
    head = "script_name: comment\nserials: [P1]\nscript_config:\n  target_post_url: https://vm.tiktok.com/abc/\n"
    text = head + "  comment_content: \"{{ ' ' }}\"\n"
    assert _problems(repo, text) == [
        "workflows/c.yaml:5:20: script_config.comment_content: after rendering the template:"
        r" ' ' does not match '\\S'"
    ]


def test_nan_and_infinity_in_a_file_are_schema_errors(repo: Path) -> None:
    text = "script_name: account_warmup\nserials: [P1]\nmin_interval: .nan\nmax_interval: .inf\n"
    assert _problems(repo, text) == [
        "workflows/c.yaml:3:15: min_interval: expected a finite number, found NaN",
        "workflows/c.yaml:4:15: max_interval: expected a finite number, found Infinity",
    ]


def test_a_limit_that_is_not_a_positive_number_is_a_usage_error(limit) -> None:  # type: ignore[no-untyped-def]
    limit("TASKS_PER_CAMPAIGN", 0)
    with pytest.raises(UsageError) as caught:
        limits()
    assert str(caught.value) == (
        "CAMPAIGN_RUNNER_LIMIT_TASKS_PER_CAMPAIGN='0': expected a positive whole number"
        " (see docs/limits.md)"
    )


def test_all_renders_of_a_campaign_share_one_time_budget(repo: Path, limit) -> None:  # type: ignore[no-untyped-def]
    limit("TEMPLATE_TOTAL_MS", 1)
    serials = ", ".join(f"S{i}" for i in range(50))
    text = (
        f"script_name: account_warmup\nserials: [{serials}]\nscript_config:\n"
        '  comment: "{% for i in range(5000) %}{{ i }}{% endfor %}{{ device.serial }}"\n'
    )
    assert _problems(repo, text) == [
        "workflows/c.yaml:4:3: script_config: time rendering this campaign's templates for all"
        " its tasks, in ms: more than the limit of 1 (CAMPAIGN_RUNNER_LIMIT_TEMPLATE_TOTAL_MS,"
        " see docs/limits.md)"
    ]
