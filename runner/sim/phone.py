"""One simulated phone: adbd's services over its TCP listener, its shell, screen and faults.

All protocol work runs on the fleet's asyncio loop; tests poke a phone from their own thread
(faults, state), so phone state is guarded by ``lock`` wherever a command touches it.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from runner.sim import protocol
from runner.sim.connection import Connection, Service, Stream
from runner.sim.faults import FaultState
from runner.sim.fs import FileSystem
from runner.sim.shell import ShellResult, run_line
from runner.sim.spec import ADB_KEYBOARD, TIKTOK_PACKAGES, PhoneSpec
from runner.sim.sync import serve_sync
from runner.sim.truth import GroundTruth
from runner.sim.u2server import U2Server, is_launch
from runner.sim.ui.window import AppFactory, Display

if TYPE_CHECKING:
    from runner.sim.shell import CommandFn

FEATURES = ["shell_v2", "stat_v2", "ls_v2", "fixed_push_mkdir"]
ADB_IME = f"{ADB_KEYBOARD}/.AdbIME"
LATIN_IME = "com.android.inputmethod.latin/.LatinIME"


class SimPhone:
    def __init__(
        self,
        spec: PhoneSpec,
        *,
        commands: dict[str, CommandFn],
        app_factory: AppFactory | None,
        seed: int = 0,
        realistic: bool = False,
        popup_probability: float = 0.0,
        world: object | None = None,
    ) -> None:
        self.spec = spec
        self.commands = commands
        self.rng = random.Random(f"{seed}:{spec.serial}")
        self.realistic = realistic
        self.popup_probability = popup_probability
        self.world = world
        self.lock = threading.RLock()
        self.fs = FileSystem()
        self.props = _props(spec)
        self.settings: dict[tuple[str, str], str] = {("secure", "default_input_method"): LATIN_IME}
        self.packages = list(spec.installed())
        self.imes_enabled = [LATIN_IME] + ([ADB_IME] if spec.adb_keyboard else [])
        self.storage_granted = spec.storage_granted
        self.media_index: dict[str, int] = {}  # path -> scan order (later scans sort first on ties)
        self.truth = GroundTruth([a.username for a in spec.accounts])
        app_packages = [
            p
            for p in self.packages
            if p in TIKTOK_PACKAGES or p in {a.package for a in spec.accounts}
        ]
        self.display = Display(self, app_factory, app_packages)
        self.faults = FaultState(self, spec.faults)
        _check_app(self)
        self.u2 = U2Server(self)
        self.port = 0
        self.host = "127.0.0.1"
        self.stopped = False
        self.connections: set[Connection] = set()
        self.server: asyncio.AbstractServer | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    # --- identity -----------------------------------------------------------------------
    @property
    def serial(self) -> str:
        return self.spec.serial

    @property
    def adb_serial(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def ime_current(self) -> str:
        return self.settings[("secure", "default_input_method")]

    def banner(self) -> bytes:
        return protocol.banner(
            name=self.props["ro.product.name"],
            model=self.spec.model,
            device=self.props["ro.product.device"],
            features=FEATURES,
        )

    def auth_required(self) -> bool:
        return self.faults.unauthorized

    # --- network ------------------------------------------------------------------------
    async def listen(self, host: str, port: int = 0) -> int:
        """Start (or restart, same port) the adbd listener; returns the port."""
        self.loop = asyncio.get_running_loop()
        self.host = host
        self.server = await asyncio.start_server(
            self._accept, host, port or self.port, reuse_address=True, backlog=16
        )
        self.port = self.server.sockets[0].getsockname()[1]
        self.faults.arm()
        return self.port

    async def close_listener(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        self.drop_connections()

    def drop_connections(self) -> None:
        for conn in list(self.connections):
            conn.close()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = Connection(self, reader, writer)
        self.connections.add(conn)
        try:
            await conn.serve()
        except asyncio.CancelledError:
            pass  # the fleet is stopping; asyncio's stream callback must not see a cancelled task
        finally:
            self.connections.discard(conn)

    # --- services -----------------------------------------------------------------------
    def open_service(self, name: str) -> Service | None:
        if name.startswith(("shell,v2", "shell,")):
            _opts, _, command = name.partition(":")
            if is_launch(command):  # a long-lived stream: the uiautomator2 server's life
                return lambda stream: self.u2.launch(stream, command, v2=True)
            return lambda stream: self._shell_v2(stream, command)
        if name.startswith("shell:"):
            if is_launch(name[6:]):
                return lambda stream: self.u2.launch(stream, name[6:], v2=False)
            return lambda stream: self._shell_v1(stream, name[6:])
        if name.startswith("tcp:"):
            return self.u2.service(name)
        if name.startswith("exec:"):
            return lambda stream: self._exec(stream, name[5:])
        if name.startswith("sync:"):
            return lambda stream: serve_sync(self.fs, stream)
        return None

    async def execute(self, command: str) -> ShellResult | None:
        """Run one shell line with this phone's faults; None means the connection was dropped."""
        if not await self.faults.before_command(command):
            return None
        return await run_line(self, command, self.commands)

    async def _shell_v1(self, stream: Stream, command: str) -> None:
        result = await self.execute(command)
        if result is not None:
            await stream.write(result.merged)

    async def _exec(self, stream: Stream, command: str) -> None:
        result = await self.execute(command)
        if result is not None:
            await stream.write(result.stdout)

    async def _shell_v2(self, stream: Stream, command: str) -> None:
        drain = asyncio.ensure_future(_discard_stdin(stream))
        try:
            result = await self.execute(command)
            if result is None:
                return
            frames = [protocol.shell_frame(fd, data) for fd, data in result.pieces if data]
            frames.append(protocol.shell_frame(3, bytes([result.exit_code & 0xFF])))
            await stream.write(b"".join(frames))
        finally:
            drain.cancel()

    # --- state and controls (any thread) --------------------------------------------------
    @property
    def layout_name(self) -> str:
        """The TikTok layout the app renders: a layout fault, else the phone's app version."""
        return self.faults.layout or self.spec.app_version

    def app_version(self, package: str) -> str:
        """versionName of an installed package; the TikTok apps report their layout's version."""
        if package in self.display.app_packages:
            from runner.sim.ui.tiktok.layout import check_layout

            return check_layout(self.layout_name).version_name
        return self.props["ro.build.version.release"] + ".0.0"

    def flush(self) -> None:
        """Bring time-based state (uploads in progress, the video on screen) up to now."""
        for app in list(self.display.apps.values()):
            app.tick()

    def _soon(self, fn: Callable[..., object], *args: object) -> None:
        if self.loop is not None and self.loop.is_running():
            self.loop.call_soon_threadsafe(fn, *args)
        else:
            fn(*args)

    def disconnect(self) -> None:
        """Close the TCP connection now; the listener stays, so the adb server re-dials."""
        self._soon(self.drop_connections)

    def disconnect_on(self, text: str) -> None:
        """Drop the connection on the next command containing ``text`` (once)."""
        self.faults.disconnect_on = text

    def disconnect_after_effect(self, kind: str | None) -> None:
        """Drop the connection on the command after the next ``kind`` effect (e.g. "comments")."""
        self.faults.disconnect_after_effect = kind

    def hang_after_effect(self, kind: str | None) -> None:
        """Hang every command after the next ``kind`` effect, until ``hang_on(None)``."""
        self.faults.hang_after_effect = kind

    def go_offline(self, seconds: float) -> None:
        """Listener down for ``seconds`` (the adb server's retries fail), then back."""
        if self.loop is None:
            raise RuntimeError("phone is not running")
        asyncio.run_coroutine_threadsafe(self.faults.offline(seconds), self.loop)

    def kill_u2(self) -> None:
        """The uiautomator2 server process dies (its shell stream ends, /ping stops answering)."""
        self._soon(self.u2.kill)

    def set_latency(self, seconds: float) -> None:
        self.faults.latency = seconds

    def hang_on(self, text: str | None) -> None:
        """Commands containing ``text`` never answer (None: stop hanging)."""
        self.faults.hang_on = text

    def set_unauthorized(self, value: bool) -> None:
        self.faults.unauthorized = value

    def crash_app(self) -> None:
        """The app in front dies back to the launcher (with Android's crash dialog)."""
        with self.lock:
            app = self.display.front_app()
            if app is not None:
                self.display.crash(app.package)

    def show_dialog(self, title: str | None = None, buttons: list[str] | None = None) -> None:
        self.faults.show_unexpected_dialog(title, buttons)

    def set_layout(self, layout: str, hide: tuple[str, ...] = ()) -> None:
        """Switch the app's layout (a real version such as "43.1.4", or "variant") and the
        elements it leaves out, as an app update would."""
        from runner.sim.ui.tiktok.layout import check_layout

        check_layout(layout)
        with self.lock:
            self.faults.layout, self.faults.hide = layout, tuple(hide)

    def foreground(self) -> tuple[str, str]:
        with self.lock:
            return self.display.focus()


def _check_app(phone: SimPhone) -> None:
    """An unknown app version or locale is refused when the phone is made, naming the known ones."""
    from runner.sim.ui.tiktok.layout import check_layout, check_locale

    check_layout(phone.layout_name)
    check_locale(phone.spec.locale)


async def _discard_stdin(stream: Stream) -> None:
    """Shell v2 stdin/close-stdin/window-size frames: accepted and ignored (no command reads them)."""
    while await stream.read():
        pass


def _props(spec: PhoneSpec) -> dict[str, str]:
    name = "sim_" + spec.model.lower().replace(" ", "_")
    props = {
        "ro.serialno": spec.serial,
        "ro.boot.serialno": spec.serial,
        "ro.product.model": spec.model,
        "ro.product.name": name,
        "ro.product.device": "simdevice",
        "ro.product.brand": "sim",
        "ro.product.manufacturer": "Sim",
        "ro.build.version.release": spec.android_release,
        "ro.build.version.sdk": {"10": "29", "11": "30", "12": "31", "13": "33", "14": "34"}.get(
            spec.android_release, "31"
        ),
        "ro.build.characteristics": "phone",
        "ro.adb.secure": "0",
        "ro.debuggable": "1",
        "ro.product.cpu.abi": "arm64-v8a",
        "persist.sys.locale": {"en": "en-US", "fr": "fr-FR"}.get(spec.locale, spec.locale),
        "sys.boot_completed": "1",
        "init.svc.adbd": "running",
    }
    props.update(spec.props)
    return props
