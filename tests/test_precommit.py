"""pre-commit in a campaign repository, wired as docs/campaign-repo.md says: the project's hooks
(installed by pre-commit from the checkout into its own environment, as from a remote repo:/rev:)
stop a broken campaign file with file:line and let good ones pass."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GOOD = "name: good\nscript_name: follow\nserials: [P1]\nscript_config: {target_user: tiktok}\n"
BROKEN = (
    "name: broken\nscript_name: follow\nserials: [P1]\n"
    "script_config: {target_user: tiktok, access_method: dirct}\n"
)
PROBLEM = (
    "workflows/broken.yaml:4:53: script_config.access_method: 'dirct' is not one of "
    "['direct', 'search'] (did you mean 'direct'?)"
)


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, timeout=60)


def _campaign_repo(root: Path, files: dict[str, str]) -> Path:
    root.mkdir()
    _git(root, "init", "-q")
    (root / "workflows").mkdir()
    (root / "inventory.yaml").write_text("devices:\n  - serial: P1\n", encoding="utf-8")
    for name, text in files.items():
        (root / "workflows" / name).write_text(text, encoding="utf-8")
    _git(root, "add", "-A")
    return root


def _try_repo(repo: Path, home: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or "pre-commit"
    return subprocess.run(
        [exe, "try-repo", str(REPO), "--all-files"],
        cwd=repo,
        env={**env, "PRE_COMMIT_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_hooks_report_the_broken_file_with_its_line_and_not_the_good_one(
    tmp_path: Path, offline_pip: dict[str, str]
) -> None:
    broken = _try_repo(
        _campaign_repo(tmp_path / "repo", {"good.yaml": GOOD, "broken.yaml": BROKEN}),
        tmp_path / "pre-commit-home",
        offline_pip,
    )
    assert broken.returncode == 1, broken.stdout + broken.stderr
    output = broken.stdout
    assert "campaign validate...." in output and "campaign plan...." in output
    assert output.count(PROBLEM) == 2  # once per hook
    assert "good.yaml" not in output  # the hooks read the whole repository; the good file passes


def test_hooks_file_installs_from_a_remote_repo() -> None:
    """`language: python` is what makes pre-commit pip-install the project from repo:/rev:."""
    import yaml

    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [(h["id"], h["language"], h["entry"], h["pass_filenames"]) for h in hooks] == [
        ("campaign-validate", "python", "campaign validate", False),
        ("campaign-plan", "python", "campaign plan", False),
    ]
