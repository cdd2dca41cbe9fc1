"""JUnit XML pieces shared by `campaign run` (tasks, runner/scheduler/report.py) and `campaign
validate`/`plan`/`run` on invalid files (problems): both must pass pytest's junit-10.xsd and
Jenkins' junit-4.xsd (tests/junit/), so the rules live here once."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

# XML 1.0 cannot hold these even as character references; a remark quoting a phone's output may.
_NOT_XML = re.compile("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ud800-\\udfff\\ufffe\\uffff]")


def xml_text(text: str | None) -> str:
    """``text`` with every character XML 1.0 forbids written as a visible ``\\xNN`` escape."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text or "")


def problems_junit(problems: Sequence[Any], files: Sequence[Any]) -> bytes:
    """Invalid campaign files as a test report: a testcase per file, a failure per problem
    (``CampaignError``: path, line, field, reason), so CI shows them beside task results."""
    by_file: dict[str, list[Any]] = {str(f): [] for f in files}
    for problem in problems:
        by_file.setdefault(str(problem.path), []).append(problem)
    failed = sum(1 for found in by_file.values() if found)
    root = ET.Element(
        "testsuites",
        name="campaign files",
        tests=str(len(by_file)),
        failures=str(failed),
        errors="0",
    )
    suite = ET.SubElement(
        root,
        "testsuite",
        name="campaign files",
        tests=str(len(by_file)),
        failures=str(failed),
        errors="0",
        skipped="0",
        time="0.000",
        timestamp=datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
    )
    for path, found in by_file.items():
        case = ET.SubElement(suite, "testcase", classname="campaign files", name=xml_text(path))
        case.set("time", "0.000")
        for problem in found:
            failure = ET.SubElement(
                case, "failure", type="invalid", message=xml_text(problem.reason)
            )
            failure.text = xml_text(str(problem))
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))
