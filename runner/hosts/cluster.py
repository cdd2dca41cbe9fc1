"""A private, throw-away PostgreSQL cluster: for tests, benchmarks and trying hosts on one PC.

initdb + pg_ctl on a free port of 127.0.0.1, the socket in the data directory, trust auth and
fsync off (never for real data). Run as the ``postgres`` user when started as root (initdb
refuses root).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

USER = "postgres"


def binaries() -> Path | None:
    """The directory holding initdb and pg_ctl (PATH first, then Debian's layout), or None."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    return None


@dataclass
class Cluster:
    data: Path
    port: int
    bindir: Path

    @property
    def dsn(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/postgres"

    def createdb(self, name: str) -> str:
        """A fresh database; its URL."""
        _run(
            [str(self.bindir / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", USER]
            + ["-d", "postgres", "-q", "-c", f'CREATE DATABASE "{name}"'],
            as_user=False,
        )
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        _run([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"])
        shutil.rmtree(self.data.parent, ignore_errors=True)


def _run(cmd: list[str], *, as_user: bool = True) -> None:
    if as_user and os.geteuid() == 0:
        cmd = ["runuser", "-u", USER, "--", *cmd]
    subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120)


def start(port: int) -> Cluster:
    """initdb and start a cluster on 127.0.0.1:port; raises RuntimeError without binaries."""
    bindir = binaries()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed (no initdb): apt-get install postgresql")
    root = Path(tempfile.mkdtemp(prefix="campaign-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, USER, USER)
    _run([str(bindir / "initdb"), "-D", str(data), "-U", USER, "-A", "trust", "--no-sync"])
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {data} -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    _run(
        [str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(data / "log"), "-w"]
        + ["start"]
    )
    return Cluster(data=data, port=port, bindir=bindir)
