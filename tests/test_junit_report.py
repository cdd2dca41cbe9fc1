"""The JUnit report every CI reads: valid against pytest's junit-10.xsd and Jenkins' junit-4.xsd
(re-stated in tests/junit/, sources noted there), control characters made visible instead of
breaking the file, suite time and timestamp set."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
import xmlschema

from runner.campaign.model import TaskSpec
from runner.cli.main import main
from runner.scheduler.report import junit_xml, scope_rows, write_junit
from runner.state import Store

XSD = Path(__file__).parent / "junit"


def spec(key: str, campaign: str) -> TaskSpec:
    return TaskSpec(
        key=key,
        campaign=campaign,
        occurrence="once",
        script_name="follow",
        script_config={"target_users": [key]},
        serial="P1",
        username="P1_u",
        target=key,
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """grow: one completed, one failed with ESC and NUL in its message, one pending;
    tidy: one running. Remarks hold what a phone might print."""
    store = Store(tmp_path / "state.db")
    store.apply([spec("a", "grow"), spec("b", "grow"), spec("c", "grow")], campaigns=["grow"])
    store.apply([replace(spec("d", "tidy"), serial="P2")], campaigns=["tidy"])
    store.mark_running(1, serial="P1")
    store.mark_completed(1, result={}, summary="followed @a \x1b[32mok\x1b[0m")
    store.mark_running(2, serial="P1")
    store.mark_failed(
        2, failure_class="element_not_found", message="no Follow\x00 button\x0b", retry_at=None
    )
    store.mark_running(4, serial="P2")
    return store


def report(store: Store) -> bytes:
    return junit_xml(scope_rows(store, ["grow", "tidy"]), store, 1.5)


@pytest.mark.parametrize("xsd", ["pytest-junit-10.xsd", "jenkins-junit-4.xsd"])
def test_report_is_valid_against_the_ci_schema(store: Store, xsd: str) -> None:
    schema = xmlschema.XMLSchema(XSD / xsd)
    schema.validate(report(store).decode("utf-8"))


def test_control_characters_are_written_as_visible_escapes(store: Store) -> None:
    root = ET.fromstring(report(store))
    [failure] = root.iter("failure")
    assert failure.get("message") == "no Follow\\x00 button\\x0b"
    [completed] = [c for c in root.iter("testcase") if c.find("system-out") is not None]
    assert completed.findtext("system-out") == "followed @a \\x1b[32mok\\x1b[0m"


def test_suites_carry_counts_time_and_a_timestamp_with_offset(store: Store) -> None:
    root = ET.fromstring(report(store))
    assert root.attrib | {"time": "-"} == {
        "name": "campaign run",
        "tests": "4",
        "failures": "1",
        "errors": "0",
        "time": "-",
    }
    assert root.get("time") == "1.500"
    grow, tidy = root.iter("testsuite")
    counts = ("name", "tests", "failures", "errors", "skipped")
    assert [tuple(s.get(k) for k in counts) for s in (grow, tidy)] == [
        ("grow", "3", "1", "0", "1"),
        ("tidy", "1", "0", "0", "1"),
    ]
    rows = {r.id: r for r in scope_rows(store, ["grow"])}
    started = datetime.fromisoformat(grow.get("timestamp", ""))
    assert started.tzinfo is not None
    assert started == rows[1].started_at.replace(microsecond=0)  # type: ignore[union-attr]
    span = (rows[2].ended_at - rows[1].started_at).total_seconds()  # type: ignore[operator]
    assert float(grow.get("time", "")) == pytest.approx(span, abs=0.001)


def test_unfinished_task_is_skipped_with_the_reason_as_text(store: Store) -> None:
    root = ET.fromstring(report(store))
    skipped = [c.find("skipped") for c in root.iter("testcase") if c.find("skipped") is not None]
    assert [(s.attrib, s.text) for s in skipped] == [({}, "still pending"), ({}, "still running")]


def test_write_junit_creates_the_folder_and_a_parseable_file(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "reports" / "junit.xml"
    write_junit(path, scope_rows(store, ["grow", "tidy"]), store, 1.5)
    assert ET.parse(path).getroot().get("tests") == "4"


BROKEN = "name: bad\nscript_name: follow\nserials: [P1]\nscript_config: {access_method: dirct}\n"
GOOD = "name: good\nscript_name: follow\nserials: [P1]\nscript_config: {target_user: x}\n"


def _invalid_repo(root: Path) -> Path:
    (root / "workflows").mkdir()
    (root / "workflows" / "bad.yaml").write_text(BROKEN, encoding="utf-8")
    (root / "workflows" / "good.yaml").write_text(GOOD, encoding="utf-8")
    return root


@pytest.mark.parametrize("xsd", ["pytest-junit-10.xsd", "jenkins-junit-4.xsd"])
def test_invalid_files_as_junit_are_valid_against_the_ci_schema(
    xsd: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _invalid_repo(tmp_path)
    assert main(["validate", "--root", str(root), "--format", "junit"]) == 1
    xmlschema.XMLSchema(XSD / xsd).validate(capsys.readouterr().out)


def test_invalid_files_as_junit_fail_one_testcase_per_broken_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(_invalid_repo(tmp_path))
    assert main(["validate", "--format", "junit"]) == 1
    cases = ET.fromstring(capsys.readouterr().out).iter("testcase")
    assert [(c.get("name"), [f.get("message") for f in c.iter("failure")]) for c in cases] == [
        (
            "workflows/bad.yaml",
            [
                "one of target_users or target_user is required",
                "'dirct' is not one of ['direct', 'search'] (did you mean 'direct'?)",
            ],
        ),
        ("workflows/good.yaml", []),
    ]


def test_run_with_junit_file_reports_invalid_files_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _invalid_repo(tmp_path)
    report_file = tmp_path / "reports" / "junit.xml"
    argv = [
        "run",
        "--root",
        str(root),
        "--state",
        str(tmp_path / "s.db"),
        "--junit",
        str(report_file),
    ]
    assert main(argv) == 1
    assert "workflows/bad.yaml:4" in capsys.readouterr().err
    assert ET.parse(report_file).getroot().get("failures") == "1"
    assert not (tmp_path / "s.db").exists()
