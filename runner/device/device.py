"""The action vocabulary scripts are written in: one phone, every action with a timeout.

Each action is one or two fast shell round trips (adblink.py); adbutils' exceptions never
leave this package (adb_errors.py). Every action is written to `log` (the step log kept as a
failure artifact) and the last UI dump is kept in `last_dump`.
"""

from __future__ import annotations

import posixpath
import re
import shlex
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from runner.device import textinput
from runner.device.adb_errors import translated
from runner.device.adblink import PhoneLink, ShellResult, shell_v2
from runner.device.readers import DumpReader, ScreenReader
from runner.device.uitree import Selector, UiNode, UiTree
from runner.errors import DeviceError, DeviceTimeoutError, FailureClass, TaskFailed

CAMERA_DIR = "/sdcard/DCIM/Camera"
KEYS = {"back": 4, "home": 3, "enter": 66, "wakeup": 224, "delete": 67}
Point = tuple[int, int]


class Device:
    """One leased phone. Not thread-safe: a phone runs one task at a time (the pool's lease)."""

    def __init__(
        self,
        link: PhoneLink,
        *,
        hw_serial: str | None = None,
        timeout: float = 20.0,
        reader: ScreenReader | None = None,
    ) -> None:
        self.link = link
        self.reader: ScreenReader = reader or DumpReader()
        self.reads = 0
        self.serial = link.serial or ""
        self.hw_serial = hw_serial or self.serial
        self.timeout = timeout
        self.log: list[str] = []
        self.last_dump: UiTree | None = None
        self.on_command: Callable[[str], None] | None = None
        self.on_timeout: Callable[[str], None] | None = None  # the pool checks for a hung phone
        self._ime_ready = False

    # --- shell -------------------------------------------------------------------------------
    def note(self, message: str) -> None:
        self.log.append(f"{time.strftime('%H:%M:%S')} {message}")

    def shell(
        self, command: str, *, timeout: float | None = None, check: bool = False
    ) -> ShellResult:
        """Run a command; with ``check`` a non-zero exit raises DeviceError with the output."""
        if self.on_command is not None:
            self.on_command(command)
        try:
            result = shell_v2(self.link, command, timeout=timeout or self.timeout)
        except DeviceTimeoutError:
            if self.on_timeout is not None:
                self.on_timeout(command)
            raise
        if check and result.exit_code != 0:
            output = (result.stdout + result.stderr).decode("utf-8", "replace").strip()
            raise DeviceError(
                f"command failed: {output[:300]}",
                serial=self.serial,
                command=command,
                exit_code=result.exit_code,
                output=output,
            )
        return result

    def run(self, command: str, *, timeout: float | None = None) -> str:
        """stdout of a command that must succeed."""
        return self.shell(command, timeout=timeout, check=True).text

    def getprop(self, name: str) -> str:
        return self.run(f"getprop {shlex.quote(name)}").strip()

    # --- apps ----------------------------------------------------------------------------------
    def app_installed(self, package: str) -> bool:
        return self.shell(f"pm path {shlex.quote(package)}").exit_code == 0

    def app_version(self, package: str) -> str:
        match = re.search(r"versionName=(\S+)", self.run(f"dumpsys package {shlex.quote(package)}"))
        return match.group(1) if match else ""

    def require_app(self, package: str) -> None:
        if not self.app_installed(package):
            raise TaskFailed(
                FailureClass.APP_NOT_INSTALLED,
                f"{package} is not installed on {self.serial}",
                serial=self.serial,
                hint="install it on the phone or fix the account's package",
            )

    def app_start(self, package: str, activity: str | None = None) -> None:
        self.note(f"start {package}")
        if activity:
            self.run(f"am start -n {shlex.quote(package + '/' + activity)}")
        else:
            self.run(f"monkey -p {shlex.quote(package)} -c android.intent.category.LAUNCHER 1")

    def app_stop(self, package: str) -> None:
        self.note(f"stop {package}")
        self.run(f"am force-stop {shlex.quote(package)}")

    def open_url(self, url: str, package: str | None = None) -> None:
        """Open a deep link (VIEW intent), in ``package`` when given."""
        self.note(f"open {url}")
        target = f" -p {shlex.quote(package)}" if package else ""
        self.run(f"am start -a android.intent.action.VIEW -d {shlex.quote(url)}{target}")

    def share_files(self, remote_paths: list[str], mime: str, package: str) -> None:
        """Hand files to an app with a SEND / SEND_MULTIPLE intent (the "share" post way)."""
        self.note(f"share {len(remote_paths)} file(s) to {package}")
        uris = ",".join(f"file://{p}" for p in remote_paths)
        if len(remote_paths) == 1:
            action, extra = (
                "android.intent.action.SEND",
                f"--eu android.intent.extra.STREAM {shlex.quote(uris)}",
            )
        else:
            action, extra = (
                "android.intent.action.SEND_MULTIPLE",
                f"--eua android.intent.extra.STREAM {shlex.quote(uris)}",
            )
        self.run(f"am start -a {action} -t {shlex.quote(mime)} {extra} -p {shlex.quote(package)}")

    def current_app(self) -> str:
        match = re.search(
            r"mCurrentFocus=Window\{\S+ \S+ ([^/\s}]+)", self.run("dumpsys window windows")
        )
        return match.group(1) if match else ""

    # --- screen ----------------------------------------------------------------------------------
    def wake(self) -> None:
        self.key("wakeup")

    def dump(self) -> UiTree:
        """The UI hierarchy now, through this phone's screen reader.

        Raises ScreenUnreadableError (naming the reason) when no read succeeds: an error text,
        an empty hierarchy or the previous screen is never returned as the screen.
        """
        self.reads += 1
        self.last_dump = self.reader.read(self)
        return self.last_dump

    def tap(self, target: UiNode | Point) -> None:
        if isinstance(target, UiNode):
            x, y = self.last_dump.tap_point(target) if self.last_dump is not None else target.center
            self.note(f"tap {target.label()} at {x},{y}")
        else:
            x, y = target
            self.note(f"tap at {x},{y}")
        self.run(f"input tap {x} {y}")

    def swipe(self, start: Point, end: Point, *, duration_ms: int = 200) -> None:
        self.note(f"swipe {start} -> {end}")
        self.run(f"input swipe {start[0]} {start[1]} {end[0]} {end[1]} {duration_ms}")

    def swipe_up(self, *, duration_ms: int = 200) -> None:
        """Next video / scroll down: a vertical swipe across the middle of the screen."""
        width, height = self.window_size()
        self.swipe(
            (width // 2, height * 3 // 4), (width // 2, height // 4), duration_ms=duration_ms
        )

    def key(self, name: str | int) -> None:
        code = KEYS[name] if isinstance(name, str) else name
        self.note(f"key {name}")
        self.run(f"input keyevent {code}")

    def back(self) -> None:
        self.key("back")

    def home(self) -> None:
        self.key("home")

    def enter(self) -> None:
        self.key("enter")

    def window_size(self) -> tuple[int, int]:
        match = re.search(r"(\d+)x(\d+)", self.run("wm size"))
        return (int(match.group(1)), int(match.group(2))) if match else (1080, 1920)

    def screenshot(self) -> bytes:
        """PNG bytes of the screen (screencap over the shell protocol's stdout)."""
        return self.shell("screencap -p", timeout=30, check=True).stdout

    def find(self, selectors: Sequence[Selector]) -> UiNode | None:
        """The first node matching any of ``selectors`` on a fresh dump (None if absent)."""
        from runner.device.screen import first_match

        return first_match(self.dump(), selectors)

    def wait_for(
        self,
        selectors: Sequence[Selector],
        *,
        name: str,
        timeout: float = 10.0,
        popups: Sequence[Mapping[str, Any]] = (),
        check: Callable[[], None] | None = None,
    ) -> UiNode:
        """Wait for a selector, dismissing known dialogs; TaskFailed(element_not_found) otherwise."""
        from runner.device.screen import wait_for

        return wait_for(self, selectors, name=name, timeout=timeout, popups=popups, check=check)

    # --- text -----------------------------------------------------------------------------------
    def type_text(self, text: str, *, verify: bool = False) -> None:
        """Type into the focused field; Unicode goes through the ADB keyboard or fails clearly.

        With ``verify`` the focused field is read back: a keyboard that dropped characters is a
        verification failure, never a silently shorter text.
        """
        self.note(f"type {text!r}")
        self._send_text(text)
        if verify:
            self._check_typed(text)

    def type_secret(self, text: str) -> None:
        """Type a password into the focused field without it reaching the step log, the task's
        failure details or an error message (they say "a secret of N characters")."""
        self.note(f"type a secret of {len(text)} characters")
        try:
            self._send_text(text)
        except DeviceError as exc:  # same kind (a lost phone stays device_lost), text redacted
            raise type(exc)(
                "typing a secret failed",
                serial=self.serial,
                command="input text <secret>",
                exit_code=exc.exit_code,
                output="",
                hint=exc.hint,
            ) from None

    def _send_text(self, text: str) -> None:
        """``input text`` for plain ASCII, the ADB keyboard's broadcast for anything else."""
        if textinput.is_plain(text):
            for command in textinput.input_text_commands(text):
                self.run(command)
        else:
            self._ensure_adb_keyboard(text)
            self.run(textinput.broadcast_command(text))

    def clear_field(self, field: UiNode) -> None:
        """Empty a focused text field: cursor to the end, then one delete per character shown.

        An empty field shows its hint as text, so a few deletes may hit nothing: harmless.
        """
        if field.text:
            self.note(f"clear {field.label()}")
            self.run("input keyevent 123" + " 67" * len(field.text))

    def _check_typed(self, text: str) -> None:
        field = self.dump().find({"class": "android.widget.EditText", "focused": True})
        # a dump shows a 4-byte emoji as "..": compare with what a dump can show
        if field is None or not field.text.endswith((text, textinput.as_dumped(text))):
            shown = field.text if field is not None else "no focused text field"
            raise TaskFailed(
                FailureClass.VERIFICATION_FAILED,
                f"typed {text!r} but the field shows {shown!r}",
                serial=self.serial,
                hint="check the phone's keyboard (ADBKeyBoard for Unicode)",
            )

    def _ensure_adb_keyboard(self, text: str) -> None:
        if self._ime_ready:
            return
        if textinput.ADB_IME not in self.run("ime list -a -s").split():
            raise TaskFailed(
                FailureClass.CONFIG_ERROR,
                f"cannot type {text!r}: `input text` only types ASCII and no ADB keyboard is installed",
                serial=self.serial,
                hint=textinput.INSTALL_HINT,
            )
        if self.run("settings get secure default_input_method").strip() != textinput.ADB_IME:
            self.run(f"ime enable {textinput.ADB_IME}")
            self.run(f"ime set {textinput.ADB_IME}")
        self._ime_ready = True

    # --- files ----------------------------------------------------------------------------------
    def push(self, local: Path, remote: str, *, timeout: float = 120.0) -> None:
        """Push a file with adbutils' sync, bounded by a socket timeout (sync has none by default)."""
        self.note(f"push {local.name} -> {remote}")
        with translated(self.serial, f"push {local} {remote}"):
            self.link.with_timeout(timeout).sync.push(local, remote, mode=0o644)

    def push_media(self, local: Path, *, folder: str = CAMERA_DIR) -> str:
        """Push into the camera folder and have the media scanner index it for the gallery."""
        remote = posixpath.join(folder, local.name)
        self.run(f"mkdir -p {shlex.quote(folder)}")
        self.push(local, remote)
        self.run(f"touch {shlex.quote(remote)}")
        self.run(
            f"am broadcast -a android.intent.action.MEDIA_SCANNER_SCAN_FILE -d {shlex.quote('file://' + remote)}"
        )
        # Android 10+ ignores the broadcast for apps' media queries; the media provider's own
        # scan call indexes it there (older versions answer with an error, which is fine).
        self.shell(
            f"content call --uri content://media --method scan_file --arg {shlex.quote(remote)}"
        )
        return remote
