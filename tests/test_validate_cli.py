"""`campaign validate`: exit codes, the three formats, and the project's own workflows."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from runner.cli.main import main
from runner.paths import SCHEMAS_DIR

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = Path(__file__).parent / "examples"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_project_workflows_and_inventory_are_valid(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO)
    assert _run(["validate"], capsys) == (0, "ok: 6 files, 5 campaigns\n", "")


def test_every_workflow_starts_with_the_schema_modeline() -> None:
    for path in sorted((REPO / "workflows").glob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schemas/campaign.schema.json", path.name


def test_check_jsonschema_accepts_the_workflows_with_the_campaign_schema() -> None:
    exe = (
        shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
        or "check-jsonschema"
    )
    files = sorted(str(p) for p in (REPO / "workflows").glob("*.yaml"))
    result = subprocess.run(
        [
            exe,
            "--schemafile",
            str(SCHEMAS_DIR / "campaign.schema.json"),
            # the schemas' $id names where they are published; read the scripts' from here
            "--base-uri",
            (SCHEMAS_DIR / "campaign.schema.json").as_uri(),
            *files,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout.strip()) == (0, "ok -- validation done")


def test_invalid_file_exits_1_with_located_messages_and_summary(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(EXAMPLES)
    code, out, _ = _run(
        ["validate", "invalid/interval-min-over-max.yaml", "valid/tikmatrix-body.yaml"], capsys
    )
    assert code == 1
    assert out == (
        "invalid/interval-min-over-max.yaml:4:15: max_interval: must be >= min_interval (10), found 5\n"
        "invalid/interval-min-over-max.yaml:6:8: retry.max: expected at most 10, found 11\n"
        "invalid/interval-min-over-max.yaml:8:14: retry.delay_max: must be >= delay_min (60), found 5\n"
        "invalid: 3 problems in 1 of 3 files\n"
    )


def test_missing_path_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(EXAMPLES)
    assert _run(["validate", "nope.yaml"], capsys) == (
        2,
        "",
        "campaign validate: error: no such file or directory: nope.yaml\n",
    )


def test_json_format_has_a_stable_shape(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(EXAMPLES)
    code, out, _ = _run(["validate", "--format", "json", "invalid/unknown-group.yaml"], capsys)
    assert code == 1
    assert json.loads(out) == {
        "valid": False,
        "files": 2,
        "campaigns": 0,
        "problems": [
            {
                "path": "invalid/unknown-group.yaml",
                "line": 2,
                "column": 14,
                "field": "groups[1]",
                "severity": "error",
                "message": "unknown group 'asia': not in inventory.yaml",
                "hint": None,
            }
        ],
        "warnings": [],
    }


def test_github_format_prints_workflow_annotations(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(EXAMPLES)
    code, out, _ = _run(
        ["validate", "--format", "github", "invalid/enum-content-type.yaml"], capsys
    )
    assert (code, out) == (
        1,
        "::error file=invalid/enum-content-type.yaml,line=4,col=17::"
        "script_config.content_type: 2 is not one of [0, 1]\n",
    )


def test_warnings_do_not_fail_validation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "inventory.yaml").write_text("devices: [{serial: P1}]\n", encoding="utf-8")
    (tmp_path / "w.yaml").write_text(
        "script_name: account_warmup\nserials: [P1, P9]\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    assert _run(["validate", "w.yaml"], capsys) == (
        0,
        "w.yaml:2:15: warning: serials[1]: serial 'P9' is not in inventory.yaml\nok: 2 files, 1 campaign, 1 warning\n",
        "",
    )


def test_validate_imports_no_runtime_and_no_jinja_for_plain_files() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from runner.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()): main(['validate'])\n"
        "heavy = {'adbutils', 'starlette', 'apscheduler', 'rich', 'uvicorn', 'runner.pool',"
        " 'runner.state.store', 'runner.state.apply', 'runner.state.db'}\n"
        "print(sorted(m for m in sys.modules if m in heavy or m.split('.')[0] in heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "[]\n", "")
