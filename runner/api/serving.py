"""The long-running assembly behind `campaign serve`: state, phones, runner, watcher, HTTP.

Kept out of the CLI module so the CLI stays argument wiring, and so the start/stop order lives
in one place: start bottom-up (state, phones, pool, runner, files applied, watcher, HTTP) and
stop top-down (HTTP, watcher, runner, pool, phones). The runner is shut down with
``graceful=False``: running tasks are cancelled at their next step and recorded as interrupted
(re-queued under their retry policy), so a stop never waits for a ten-minute warm-up.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn

from runner.api.campaigns import CampaignSource, Watcher, diff_counts, log_outcome
from runner.api.factory import create_app
from runner.api.server import base_url, run_server, uvicorn_config
from runner.pool.servers import PhoneSource, inventory_phones

if TYPE_CHECKING:
    from runner.pool import DevicePool
    from runner.scheduler import Runner
    from runner.state import Store

log = logging.getLogger("runner.serve")


@dataclass
class Runtime:
    source: CampaignSource
    store: Store
    pool: DevicePool
    runner: Runner
    started: ExitStack = field(default_factory=ExitStack)  # what the PhoneSource started
    artifacts_root: Path | None = None
    watcher: Watcher | None = None
    child: subprocess.Popen[bytes] | None = None  # the executor, with --executor child

    @classmethod
    def _over_hosts(cls, source: CampaignSource, store: Store, *, stop_removed: bool) -> Runtime:
        """The API over a shared PostgreSQL state: requests are written, workers run them."""
        from runner.hosts.directory import HostPhones
        from runner.scheduler import Runner, RunnerOptions

        phones = HostPhones(store)
        options = RunnerOptions(stop_removed=stop_removed)
        runner = Runner(store=store, pool=phones, repo=source.repo, options=options)
        runner.applied = runner.apply(source.repo)  # written; the hosts' workers run it
        runtime = cls(source=source, store=store, pool=phones, runner=runner)  # type: ignore[arg-type]
        log_outcome({"applied": True, **diff_counts(runner.applied)})
        runtime.watcher = Watcher(source, runner)
        runtime.watcher.start()
        return runtime

    @classmethod
    def open(
        cls,
        paths: Sequence[str] | None,
        *,
        root: Path,
        state: Path | None,
        phones: PhoneSource = inventory_phones,
        stop_removed: bool = False,
        executor: str = "inline",
    ) -> Runtime | None:
        """Everything but HTTP, started; None (problems printed) when the files are invalid.

        ``executor``: "inline" runs the scripts in this process (one PC, as before); "child"
        runs them in a `campaign worker` child process on the same state file, so the API's
        interpreter serves requests only; a ``postgresql://`` state runs none here at all: the
        hosts' `campaign worker` processes do (docs/hosts.md)."""
        from runner.pool import DevicePool
        from runner.scheduler import Runner, RunnerOptions

        source = CampaignSource(paths, root=root)
        if source.repo.problems:
            for problem in source.repo.problems:
                print(problem, file=sys.stderr)
            print(
                f"campaign serve: {len(source.repo.problems)} problem(s); nothing started",
                file=sys.stderr,
            )
            return None
        from runner.state.location import is_dsn, open_state, state_path

        location = state_path(state, root)
        store = open_state(location, local_dir=root / ".campaign")
        if is_dsn(location):
            return cls._over_hosts(source, store, stop_removed=stop_removed)
        started = ExitStack()
        inventory = source.inventory
        servers = phones(inventory, started, state_dir=store.path.parent)
        # the inventory's servers are followed when its adb_servers is edited; --sim's stay
        pool = DevicePool(
            adb_servers=servers, inventory=inventory, follow_servers=phones is inventory_phones
        )
        pool.start()
        options = RunnerOptions(stop_removed=stop_removed)
        runner = Runner(store=store, pool=pool, repo=source.repo, options=options)
        child = None
        if executor == "child":  # this process writes requests; the child runs the scripts
            runner.applied = runner.apply(source.repo)
            from runner.pool.pool import default_server

            reach = servers or [default_server()]
            # the child follows the inventory's servers as this pool does; --sim's are fixed
            fixed = None if phones is inventory_phones else reach
            child = spawn_executor(location, root, paths, reach, fixed)
        else:
            runner.start()  # applies the files before anything is claimed
        runtime = cls(
            source=source,
            store=store,
            pool=pool,
            runner=runner,
            started=started,
            artifacts_root=store.path.parent / "artifacts",
            child=child,
        )  # where the executor writes them
        log_outcome({"applied": True, **diff_counts(runner.applied)})
        runtime.watcher = Watcher(source, runner)
        runtime.watcher.start()
        return runtime

    def serve(
        self,
        sock: socket.socket,
        *,
        token: str | None,
        media_roots: Sequence[Path] | None,
        log_level: str,
        allowed_hosts: Sequence[str] | None = None,
        cors_origins: Sequence[str] = (),
    ) -> None:
        """Serve HTTP on ``sock`` until a signal or a storage fault (disk full, the state file
        deleted or read-only: raised here once the server stopped); uvicorn owns SIGTERM/SIGINT
        while it runs."""
        app = create_app(
            store=self.store,
            campaigns=self.source,
            runner=self.runner,
            pool=self.pool,
            token=token,
            media_roots=media_roots,
            artifacts_root=self.artifacts_root,
            allowed_hosts=allowed_hosts,
            cors_origins=cors_origins,
        )
        host, port = sock.getsockname()[:2]
        server = uvicorn.Server(uvicorn_config(app, host=host, port=port, log_level=log_level))
        # What start-up built lives as long as the process: out of the collector's sight, a
        # full collection no longer walks it (~10 ms with every request in flight waiting)
        gc.collect()
        gc.freeze()
        print(
            f"campaign serve: listening on {base_url(host, port)}/api/v1 (docs: /docs); "
            f"{len(self.pool.devices())} phone(s), {len(self.source.repo.campaigns)} campaign(s)",
            flush=True,
        )
        self.runner.on_fault = lambda _: setattr(server, "should_exit", True)
        run_server(server, sock, self.store)
        if self.runner.fault is not None:  # the state file failed: `serve` exits 3 with it
            raise self.runner.fault

    def close(self) -> None:
        """Stop top-down; each step runs even if an earlier one failed."""
        steps: list[tuple[str, Callable[[], object]]] = [
            ("watcher", lambda: self.watcher.stop() if self.watcher else None),
            ("executor", lambda: stop_executor(self.child) if self.child else None),
            ("runner", lambda: self.runner.shutdown(graceful=False)),
            ("pool", self.pool.stop),
            ("phones started for this serve (--sim)", self.started.close),
        ]
        for name, step in steps:
            began = time.monotonic()
            try:
                step()
            except Exception:  # noqa: BLE001 - keep stopping the rest
                log.exception("stopping the %s failed", name)
            log.info("stopped the %s in %.1f s", name, time.monotonic() - began)
        print("campaign serve: stopped", flush=True)


def spawn_executor(
    state: Path | str,
    root: Path,
    paths: Sequence[str] | None,
    servers: Sequence[tuple[str, int]],
    fixed: Sequence[tuple[str, int]] | None = None,
) -> subprocess.Popen[bytes]:
    """`campaign worker --state FILE` beside the API: the scripts run in their own interpreter.

    It takes the state file's lock and follows the same files; its phones are those of
    ``fixed`` adb servers when given (`--sim`'s), else the inventory's, as this pool's."""
    host, port = servers[0]
    env = {**os.environ, "ANDROID_ADB_SERVER_HOST": host, "ANDROID_ADB_SERVER_PORT": str(port)}
    argv = [sys.executable, "-m", "runner", "worker", "--state", str(state), "--root", str(root)]
    for h, p in fixed or ():
        argv += ["--adb-server", f"[{h}]:{p}" if ":" in h else f"{h}:{p}"]
    return subprocess.Popen([*argv, *(paths or [])], cwd=root, env=env)


def stop_executor(child: subprocess.Popen[bytes]) -> None:
    """SIGTERM: running tasks are interrupted and re-queued, as when `serve` stops inline."""
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(60)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(10)
