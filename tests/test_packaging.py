"""The built package, installed as a user installs it: a wheel (built from the sdist) in a fresh
venv, run from a campaign repo far from this checkout. Also: the top-level ``schemas/`` copy stays
identical to the shipped ``runner/schemas/``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from runner.cli.main import main
from runner.docgen import published_files

REPO = Path(__file__).resolve().parent.parent
INVENTORY = """\
devices:
  - serial: SIMPKG01
    accounts: [{username: pkg_a, package: com.zhiliaoapp.musically}]
"""
FOLLOW = """\
# yaml-language-server: $schema=../schemas/campaign.schema.json
name: pkg-follow
script_name: follow
serials: [SIMPKG01]
script_config: {target_users: [tiktok]}
timeout: 60
"""


def test_top_level_schemas_are_the_published_form_of_the_shipped_ones() -> None:
    copy = {
        p.relative_to(REPO / "schemas").as_posix(): p.read_text(encoding="utf-8")
        for p in sorted((REPO / "schemas").rglob("*.schema.json"))
    }
    assert copy == published_files(), (
        "schemas/ differs from runner/schemas/ (the source): edit runner/schemas/, then run "
        "`python -m runner.docgen` (or `campaign schemas export schemas`)"
    )


def test_schemas_export_writes_every_schema_into_a_campaign_repo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schemas", "export", str(tmp_path / "schemas")]) == 0
    assert capsys.readouterr().out == f"wrote 12 schema files to {tmp_path / 'schemas'}\n"
    written = sorted(p.relative_to(tmp_path / "schemas").as_posix() for p in tmp_path.rglob("*"))
    assert [w for w in written if w.endswith(".json")] == sorted(published_files())


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory, offline_pip: dict[str, str]) -> Path:
    """The bin/ of a fresh venv holding only the wheel built from the sdist (and its deps),
    built and installed without an index (the session's wheelhouse)."""
    env = offline_pip
    work = tmp_path_factory.mktemp("pkg")
    dist = work / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(REPO)],
        check=True,
        capture_output=True,
        timeout=600,
        env=env,
    )
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    [wheel] = dist.glob("*.whl")
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)],
        check=True,
        capture_output=True,
        timeout=600,
        env=env,
    )
    return venv / "bin"


def _dist(bin_dir: Path, pattern: str) -> Path:
    [path] = (bin_dir.parent.parent / "dist").glob(pattern)
    return path


def _campaign_repo(root: Path) -> Path:
    (root / "workflows").mkdir(parents=True)
    (root / "inventory.yaml").write_text(INVENTORY, encoding="utf-8")
    (root / "workflows" / "follow.yaml").write_text(FOLLOW, encoding="utf-8")
    return root


def _campaign(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CAMPAIGN_STATE")}
    return subprocess.run(
        [str(bin_dir / "campaign"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_wheel_and_sdist_carry_the_package_data(installed: Path) -> None:
    wheel = zipfile.ZipFile(_dist(installed, "*.whl")).namelist()
    tracked = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "runner"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    data = [name for name in tracked if not name.endswith(".py")]
    assert "runner/schemas/campaign.schema.json" in data
    assert [name for name in data if name not in wheel] == []
    with tarfile.open(_dist(installed, "*.tar.gz")) as sdist:
        names = [n.split("/", 1)[1] for n in sdist.getnames() if "/" in n]
    assert [name for name in [*data, "LICENSE", "README.md"] if name not in names] == []


def test_installed_package_is_not_this_checkout(installed: Path, tmp_path: Path) -> None:
    found = subprocess.run(
        [str(installed / "python"), "-c", "import runner; print(runner.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "site-packages" in found and str(REPO) not in found


def test_installed_wheel_validates_and_plans_a_campaign_repo(
    installed: Path, tmp_path: Path
) -> None:
    root = _campaign_repo(tmp_path / "repo")
    assert _campaign(installed, root, "validate").stdout == "ok: 2 files, 1 campaign\n"
    planned = _campaign(installed, root, "plan", "--format", "json")
    assert planned.returncode == 0, planned.stderr
    assert [t["target"] for t in json.loads(planned.stdout)["tasks"]] == ["tiktok"]


def test_installed_wheel_runs_a_campaign_on_a_simulated_phone(
    installed: Path, tmp_path: Path, adb_server: int
) -> None:
    root = _campaign_repo(tmp_path / "repo")
    done = _campaign(installed, root, "run", "--sim", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["stats"]["completed"] == 1


def test_installed_wheel_serves_the_api_with_its_schemas(
    installed: Path, tmp_path: Path, adb_server: int
) -> None:
    root = _campaign_repo(tmp_path / "repo")
    proc = subprocess.Popen(
        [str(installed / "campaign"), "serve", "--sim", "--port", "0", "--log-level", "warning"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        seen = []
        while not (
            match := re.search(r"listening on (http://127\.0\.0\.1:\d+)", seen[-1] if seen else "")
        ):
            line = proc.stdout.readline()
            assert line, "".join(seen)
            seen.append(line)
        with httpx.Client(base_url=match.group(1), timeout=30) as client:
            spec = client.get("/openapi.json").json()
            assert "FollowConfig" in spec["components"]["schemas"]
            deadline = time.monotonic() + 120
            while client.get("/api/v1/task/stats").json()["data"]["completed"] < 1:
                assert time.monotonic() < deadline, "the campaign file's task did not complete"
                time.sleep(0.25)
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, output
