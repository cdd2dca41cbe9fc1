"""The GitHub Actions workflow a campaign repository can copy: valid for GitHub, the same in the
docs as in examples/, and every `campaign` command in it is one the CLI accepts."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from runner.cli.main import build_parser

REPO = Path(__file__).resolve().parent.parent
WORKFLOW = REPO / "examples" / "github-workflow.yml"


def test_example_workflow_passes_the_github_workflow_schema() -> None:
    exe = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    result = subprocess.run(
        [exe or "check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (result.returncode, result.stdout.strip()) == (0, "ok -- validation done")


def test_docs_show_the_example_workflow_as_it_is() -> None:
    page = (REPO / "docs" / "campaign-repo.md").read_text(encoding="utf-8")
    assert f"```yaml\n{WORKFLOW.read_text(encoding='utf-8')}```" in page


def test_workflow_validates_on_push_plans_on_pull_requests_and_runs_on_schedule() -> None:
    jobs = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]
    conditions = {name: job["if"] for name, job in jobs.items()}
    assert conditions == {
        "validate": "github.event_name == 'push' || github.event_name == 'pull_request'",
        "plan": "github.event_name == 'pull_request'",
        "run": "github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'",
    }
    uploads = [
        s["with"]["path"] for s in jobs["run"]["steps"] if "upload-artifact" in s.get("uses", "")
    ]
    assert uploads == ["reports/junit.xml"]
    assert any("GITHUB_STEP_SUMMARY" in s.get("run", "") for s in jobs["plan"]["steps"])


def test_every_campaign_command_in_the_workflow_parses() -> None:
    jobs = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]
    lines = [
        line.strip()
        for job in jobs.values()
        for step in job["steps"]
        for line in step.get("run", "").splitlines()
    ]
    commands = [
        re.split(r"\s(?:>|\|\|)\s", line)[0] for line in lines if line.startswith("campaign ")
    ]
    assert commands == [
        "campaign validate --format github",
        "campaign plan",
        "campaign plan --format json",
        "campaign run --junit reports/junit.xml",
    ]
    for command in commands:
        argv = shlex.split(command)[1:]
        build_parser(argv[0]).parse_args(argv)
