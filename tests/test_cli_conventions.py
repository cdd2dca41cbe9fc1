"""Conventions every `campaign` command keeps: --version, shell completion, one --format switch,
exit codes 0 / 1 / 2 alike for validate, plan and run, errors on stderr, no traceback."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from runner import __version__
from runner.cli.main import SUBCOMMANDS, build_parser, main

BROKEN = """\
name: bad
script_name: follow
serials: [P1]
script_config: {target_user: tiktok, access_method: dirct}
"""


def _broken_repo(root: Path) -> Path:
    (root / "workflows").mkdir()
    (root / "inventory.yaml").write_text("devices:\n  - serial: P1\n", encoding="utf-8")
    (root / "workflows" / "c.yaml").write_text(BROKEN, encoding="utf-8")
    return root


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert (exit_.value.code, capsys.readouterr().out) == (0, f"campaign {__version__}\n")


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_a_script_that_calls_campaign_back(
    shell: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    assert "_ARGCOMPLETE" in script and "campaign" in script


def test_completion_answers_subcommands_and_their_flags(tmp_path: Path) -> None:
    def complete(line: str) -> list[str]:
        out_file = tmp_path / "completions"
        env = {
            **os.environ,
            "_ARGCOMPLETE": "1",
            "_ARGCOMPLETE_IFS": "\n",
            "COMP_LINE": line,
            "COMP_POINT": str(len(line)),
            "_ARGCOMPLETE_STDOUT_FILENAME": str(out_file),
        }
        subprocess.run(
            [sys.executable, "-m", "runner"], env=env, check=True, capture_output=True, timeout=60
        )
        return out_file.read_text().split("\n")

    assert complete("campaign va") == ["validate "]
    assert "--format" in [c.strip() for c in complete("campaign run --f")]


def test_every_command_that_prints_results_takes_format_text_and_json() -> None:
    parser = build_parser(every=True)
    subparsers = next(a for a in parser._actions if a.dest == "command").choices
    # serve and worker run until stopped; schemas and completion print messages or scripts;
    # screens and sim print results from some of their actions
    printing = set(SUBCOMMANDS) - {
        "serve",
        "worker",
        "sim",
        "schemas",
        "completion",
        "screens",
        "inventory",
    }

    def action(command: str, name: str) -> argparse.ArgumentParser:
        return next(a for a in subparsers[command]._actions if a.dest == "action").choices[name]

    commands = {name: subparsers[name] for name in printing} | {
        "screens check": action("screens", "check"),
        "sim up": action("sim", "up"),
        "sim down": action("sim", "down"),
        "inventory sync": action("inventory", "sync"),
    }
    for name, command in sorted(commands.items()):
        fmt = next((a for a in command._actions if a.dest == "format"), None)
        assert fmt is not None and {"text", "json"} <= set(fmt.choices or ()), name


@pytest.mark.parametrize("command", ["validate", "plan", "run"])
def test_invalid_files_exit_1_with_json_problems_on_stdout(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _broken_repo(tmp_path)
    extra = ["--state", str(tmp_path / "state.db")] if command == "run" else []
    code = main([command, "--root", str(root), "--format", "json", *extra])
    out, err = capsys.readouterr()
    assert (code, err) == (1, "")
    shape = json.loads(out)
    assert shape["valid"] is False
    assert [(p["line"], p["field"]) for p in shape["problems"]] == [
        (4, "script_config.access_method")
    ]


@pytest.mark.parametrize("command", ["validate", "plan", "run"])
def test_a_missing_path_is_a_usage_error_on_stderr(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([command, "--root", str(tmp_path), str(tmp_path / "nope.yaml")])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert (
        err == f"campaign {command}: error: no such file or directory: {tmp_path / 'nope.yaml'}\n"
    )


def test_a_device_file_as_path_is_named_as_not_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--root", str(tmp_path), "/dev/null"]) == 1
    assert capsys.readouterr().out.startswith("/dev/null: not a file or a directory\n")


def test_a_state_file_that_is_not_sqlite_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "state.db"
    bad.write_bytes(b"this is not a database" * 100)
    result = subprocess.run(
        [sys.executable, "-m", "runner", "status", "--state", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith(f"campaign status: error: {bad}: not a usable state file")


def test_a_json_command_that_fails_before_printing_leaves_its_error_as_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "state.db"
    bad.write_bytes(b"this is not a database" * 100)
    assert main(["status", "--state", str(bad), "--format", "json"]) == 1
    out, err = capsys.readouterr()
    shape = json.loads(out)
    assert shape["exit_code"] == 1
    assert shape["error"].startswith(f"{bad}: not a usable state file")
    assert err.startswith(f"campaign status: error: {bad}: not a usable state file")
    missing = tmp_path / "none.db"
    assert main(["stop", "1", "--state", str(missing), "--format", "json"]) == 2
    assert json.loads(capsys.readouterr().out)["exit_code"] == 2


def test_sim_state_takes_format_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["sim", "state", "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["error"].startswith(
        "no simulated phones are running and none have run here"
    )


def test_sim_state_reads_the_ground_truth_beside_the_state_file_a_rehearsal_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # where `run --sim --state elsewhere/state.db` leaves the fleet's ground truth when it stops
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "sim").mkdir(parents=True)
    truth = {"SIM000001": {"alice": {"follows": ["bob"]}}}
    (elsewhere / "sim" / "ground_truth.json").write_text(json.dumps(truth))
    here = tmp_path / "repo"
    here.mkdir()
    monkeypatch.chdir(here)
    monkeypatch.delenv("CAMPAIGN_STATE", raising=False)
    assert main(["sim", "state", "--state", str(elsewhere / "state.db")]) == 0
    assert json.loads(capsys.readouterr().out) == truth
    monkeypatch.setenv("CAMPAIGN_STATE", str(elsewhere / "state.db"))
    assert main(["sim", "state"]) == 0
    assert json.loads(capsys.readouterr().out) == truth


def test_an_internal_error_leaves_a_crash_log_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import runner.cli.schemas

    def bug(args: object) -> int:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(runner.cli.schemas, "run", bug)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    assert main(["schemas", "path"]) == 70
    out, err = capsys.readouterr()
    [log] = tmp_path.glob("campaign-crash-*.log")
    assert (out, err) == (
        "",
        f"campaign schemas: internal error; the traceback is in {log} "
        "(please attach it to a bug report)\n",
    )
    assert "ZeroDivisionError: a bug" in log.read_text()


def test_run_help_puts_the_default_state_file_under_root(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    assert "$CAMPAIGN_STATE, else .campaign/state.db under --root" in " ".join(
        capsys.readouterr().out.split()
    )
