"""The README's set-up commands are what CI runs, and the docs link only to what exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DOCS = sorted([REPO / "README.md", *(REPO / "docs").rglob("*.md")])


def _commands(text: str) -> list[str]:
    """The command lines of the README's ```sh blocks."""
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)
    return [line for block in blocks for line in block.splitlines() if line.startswith("python3 ")]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    demo, tests = _commands((REPO / "README.md").read_text(encoding="utf-8"))
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert tests == ci
    for step in ("ruff check runner tests bench", "ruff format --check runner tests bench", "mypy"):
        assert step in tests
    assert demo.endswith("campaign run --sim")


@pytest.mark.parametrize("page", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_and_repository_paths_exist(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#\s]+)", text)
    missing = [link for link in links if "://" not in link and not (page.parent / link).exists()]
    paths = re.findall(r"`((?:runner|tests|bench|docs|schemas|examples)/[\w./-]+)`", text)
    missing += [p for p in paths if not (REPO / p).exists()]
    assert missing == []


def test_pre_commit_hooks_run_the_ci_checks() -> None:
    """Contributors' hooks (.pre-commit-config.yaml) are the linters CI runs, from the same venv."""
    import yaml

    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {hook["id"]: hook["entry"] for repo in config["repos"] for hook in repo["hooks"]}
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert sorted(hooks) == ["mypy", "ruff", "ruff-format"]
    assert all(entry.split()[0] in ci for entry in hooks.values())
