"""The display: which app is in front, system dialogs over it, and where input goes.

Input (tap, swipe, keys, text) is routed here first; system dialogs (permission prompt, crash
box, share chooser) take it before the app does, exactly like a window on top of another.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from runner.sim.ui.dialog import Dialog, render_dialog
from runner.sim.ui.intent import Intent
from runner.sim.ui.launcher import LAUNCHER, LAUNCHER_ACTIVITY, label, render_launcher
from runner.sim.ui.node import Node, hit_test

if TYPE_CHECKING:
    from runner.sim.phone import SimPhone

KEY_HOME, KEY_BACK, KEY_POWER, KEY_WAKEUP, KEY_SLEEP = 3, 4, 26, 224, 223


class App(Protocol):
    package: str
    running: bool

    def render(self) -> Node: ...
    def activity(self) -> str: ...
    def launch(self) -> None: ...
    def open(self, intent: Intent) -> str | None: ...
    def stop(self) -> None: ...
    def back(self) -> bool: ...
    def key(self, code: int) -> None: ...
    def swipe(self, x1: int, y1: int, x2: int, y2: int) -> None: ...
    def type_text(self, text: str) -> bool: ...
    def clear_text(self) -> None: ...
    def background(self) -> None: ...
    def tick(self) -> None: ...
    def tap_outside(self) -> None: ...
    def ongoing_watch(self) -> tuple[str, dict[str, Any]] | None: ...


AppFactory = Callable[["SimPhone", str], App]


class Display:
    def __init__(
        self, phone: SimPhone, app_factory: AppFactory | None, app_packages: list[str]
    ) -> None:
        self.phone = phone
        self._factory = app_factory
        self.app_packages = app_packages
        self.apps: dict[str, App] = {}
        self.foreground = LAUNCHER
        self.dialog: Dialog | None = None
        self.awake = True

    def app(self, package: str) -> App | None:
        """The app object of an installed app package (created on first use)."""
        if package not in self.app_packages or self._factory is None:
            return None
        if package not in self.apps:
            self.apps[package] = self._factory(self.phone, package)
        return self.apps[package]

    def front_app(self) -> App | None:
        return self.apps.get(self.foreground) if self.foreground != LAUNCHER else None

    def focus(self) -> tuple[str, str]:
        if self.dialog is not None and self.dialog.package:
            return self.dialog.package, "com.android.internal.app.AlertActivity"
        app = self.front_app()
        return (app.package, app.activity()) if app else (LAUNCHER, LAUNCHER_ACTIVITY)

    def render(self) -> tuple[Node, str]:
        """The window tree a dump shows, and the package of the window in front."""
        app = self.front_app()
        package = app.package if app is not None else LAUNCHER
        if self.dialog is not None:  # a system dialog is the active window
            dialog_pkg = self.dialog.package or package
            return render_dialog(self.dialog, package=dialog_pkg, on_press=self.press), dialog_pkg
        if app is not None:
            return app.render(), package
        return render_launcher(self.app_packages, self.launch), LAUNCHER

    def animating(self) -> bool:
        """The screen never goes idle: the app in front plays something (its layout's
        `animating` screens, asked through ``App.animating()``) and no dialog covers it."""
        app = self.front_app()
        if not self.awake or self.dialog is not None or app is None:
            return False
        check = getattr(app, "animating", None)
        return bool(callable(check) and check())

    def press(self, button: str) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None and dialog.on_button is not None:
            dialog.on_button(button)

    def tap(self, x: int, y: int) -> None:
        if not self.awake:
            return
        node = hit_test(self.render()[0], x, y)
        if node is not None and node.on_tap is not None:
            node.on_tap()
        elif node is None:
            self._tap_outside()

    def _tap_outside(self) -> None:
        """A tap beside a dialog cancels it (when it allows that) and reaches nothing else."""
        if self.dialog is not None:
            if self.dialog.cancel_on_outside:
                self.press("")
        elif (app := self.front_app()) is not None:
            app.tap_outside()

    def swipe(self, x1: int, y1: int, x2: int, y2: int) -> None:
        app = self.front_app()
        if self.awake and self.dialog is None and app is not None:
            app.swipe(x1, y1, x2, y2)

    def key(self, code: int) -> None:
        if code in (KEY_POWER, KEY_SLEEP, KEY_WAKEUP):
            self.awake = code == KEY_WAKEUP or (code == KEY_POWER and not self.awake)
            return
        if code == KEY_HOME:
            self.dialog = None
            self.go_home()
        elif code == KEY_BACK:
            self._back()
        elif self.dialog is None and (app := self.front_app()) is not None:
            app.key(code)

    def _back(self) -> None:
        if self.dialog is not None:
            if self.dialog.back_dismisses:
                self.press("")
            return
        app = self.front_app()
        if app is not None and not app.back():
            self.go_home()

    def go_home(self) -> None:
        app = self.front_app()
        if app is not None:
            app.background()
        self.foreground = LAUNCHER

    def type_text(self, text: str) -> bool:
        app = self.front_app()
        return bool(self.awake and self.dialog is None and app is not None and app.type_text(text))

    def clear_text(self) -> None:
        app = self.front_app()
        if app is not None:
            app.clear_text()

    def launch(self, package: str) -> bool:
        """Bring an app to the front (cold start if it is not running)."""
        app = self.app(package)
        if app is None:
            return False
        previous = self.front_app()
        if previous is not None and previous is not app:
            previous.background()
        self.foreground = package
        app.launch()
        return True

    def open(self, intent: Intent, package: str) -> str | None:
        """Deliver a VIEW/SEND intent to ``package``'s app; returns an error text or None."""
        app = self.app(package)
        if app is None:
            return f"Error: Activity not started, unable to resolve {intent.describe()}"
        if self.foreground != package:
            self.launch(package)
        return app.open(intent)

    def force_stop(self, package: str) -> None:
        app = self.apps.get(package)
        if app is not None:
            app.stop()
        if self.foreground == package:
            self.foreground = LAUNCHER

    def crash(self, package: str) -> None:
        """The app dies: launcher in front and Android's crash box over it."""
        self.force_stop(package)
        self.dialog = Dialog(
            f"{label(package)} keeps stopping",
            ["App info", "Close app"],
            package="android",
            cancel_on_outside=False,
        )

    def show_dialog(self, dialog: Dialog) -> None:
        self.dialog = dialog
