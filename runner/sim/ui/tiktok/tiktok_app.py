"""The TikTok-like app: lifecycle, back stack, input routing and the watch-time clock.

Screens are drawn by the render_* modules from this state; what a tap *does* lives in
actions.py. Everything here runs under the phone's lock.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from runner.sim.ui.dialog import POPUPS, Dialog
from runner.sim.ui.intent import SEND, SEND_MULTIPLE, VIEW, Intent
from runner.sim.ui.node import Node
from runner.sim.ui.tiktok import actions
from runner.sim.ui.tiktok.layout import Strings, check_layout, check_locale
from runner.sim.ui.tiktok.state import ACTIVITIES, Account, Screen, Upload
from runner.sim.ui.tiktok.world import Video, World

if TYPE_CHECKING:
    from runner.sim.phone import SimPhone

KEY_ENTER, KEY_DEL = 66, 67


def make_app(phone: SimPhone, package: str) -> TikTokApp:
    return TikTokApp(phone, package)


class TikTokApp:
    def __init__(self, phone: SimPhone, package: str) -> None:
        self.phone, self.package = phone, package
        self.world: World = phone.world if isinstance(phone.world, World) else World()
        specs = [a for a in phone.spec.accounts if a.package == package]
        self.accounts = {a.username: Account(a.username, set(a.following)) for a in specs}
        self.current: str | None = specs[0].username if specs else None
        self.running = False
        self.stack: list[Screen] = []
        self.popup: Dialog | None = None
        self.fields: dict[str, str] = {}
        self.focused: str | None = None
        self.feed_next = 0
        self.uploads: list[Upload] = []
        self.toast: tuple[str, float] | None = None
        self.viewing: tuple[Video, str, float, str] | None = None  # video, url, since, username

    @property
    def t(self) -> Strings:
        """The UI strings: the phone's locale, with the words its app version says differently."""
        return check_locale(self.phone.spec.locale).for_layout(check_layout(self.phone.layout_name))

    # --- the App protocol ------------------------------------------------------------
    @property
    def top(self) -> Screen:
        return self.stack[-1]

    @property
    def account(self) -> Account | None:
        return self.accounts.get(self.current or "")

    def activity(self) -> str:
        return (
            ACTIVITIES.get(self.top.kind, ACTIVITIES["feed"]) if self.stack else ACTIVITIES["feed"]
        )

    def render(self) -> Node:
        from runner.sim.ui.tiktok.render import render_app

        self.tick()
        return render_app(self)

    def animating(self) -> bool:
        """True while the screen keeps changing (a video plays, the camera previews): the
        layout's `animating` screens (layouts.yaml)."""
        return bool(self.running and self.stack and self.popup is None) and (
            self.top.kind in check_layout(self.phone.layout_name).animating
        )

    def launch(self) -> None:
        if not self.running:
            self.running = True
            self.stack = [self.feed_screen()]
            self.maybe_popup()
        self.sync_viewing()

    def open(self, intent: Intent) -> str | None:
        if intent.action == VIEW:
            screen = self._screen_for_url(intent.data)
            if screen is None:
                return f"Error: Activity not started, unable to resolve {intent.describe()}"
            self.push(screen)
            return None
        if intent.action in (SEND, SEND_MULTIPLE):
            actions.share_into_editor(self, intent)
            return None
        self.launch()
        return None

    def stop(self) -> None:
        self.background()
        self.running = False
        self.stack, self.popup, self.focused, self.fields = [], None, None, {}

    def background(self) -> None:
        self._end_viewing()

    def tick(self) -> None:
        """Finish uploads whose time has come; keep the toast clock honest."""
        now = time.monotonic()
        for upload in [u for u in self.uploads if u.finishes <= now]:
            self.uploads.remove(upload)
            actions.record_post(self, upload)
        if self.toast and self.toast[1] <= now:
            self.toast = None

    def ongoing_watch(self) -> tuple[str, dict[str, Any]] | None:
        """The video on screen right now, as a watched entry up to this moment."""
        if self.viewing is None:
            return None
        video, url, since, username = self.viewing
        return username, _watched(video, url, time.monotonic() - since)

    # --- navigation --------------------------------------------------------------------
    def feed_screen(self) -> Screen:
        self.feed_next += 1
        return Screen("feed", {"index": (self.feed_next - 1) * 50})

    def push(self, screen: Screen, *, popup: bool = True) -> None:
        self.focused = None
        self.stack.append(screen)
        if popup:
            self.maybe_popup()
        self.sync_viewing()

    def pop(self) -> bool:
        self.focused = None
        if len(self.stack) <= 1:
            return False
        self.stack.pop()
        self.sync_viewing()
        return True

    def switch_tab(self, kind: str) -> None:
        self.focused = None
        base = self.stack[0] if self.stack and self.stack[0].kind == "feed" else self.feed_screen()
        self.stack = [base] if kind == "feed" else [base, Screen(kind)]
        self.sync_viewing()

    def maybe_popup(self) -> None:
        probability = self.phone.popup_probability
        if probability > 0 and self.popup is None and self.phone.rng.random() < probability:
            title, buttons = self.phone.rng.choice(POPUPS)
            self.popup = Dialog(title, list(buttons))

    def tap_outside(self) -> None:
        if self.popup is not None and self.popup.cancel_on_outside:
            self.popup = None

    def back(self) -> bool:
        if self.popup is not None:
            self.popup = None
            return True
        if self.stack and self.top.sheet:
            self.top.params["sheet"] = None
            self.focused = None
            return True
        return self.pop()

    def _screen_for_url(self, url: str) -> Screen | None:
        parsed = urlparse(url)
        host, parts = parsed.netloc.lower(), [p for p in parsed.path.split("/") if p]
        if host in ("vm.tiktok.com", "vt.tiktok.com") and parts:
            video = self.world.resolve_short(parts[0])
            return Screen("video", {"videos": [video], "index": 0, "url": url})
        if host not in ("www.tiktok.com", "tiktok.com", "m.tiktok.com"):
            return None
        if parts and parts[0].startswith("@"):
            user = parts[0][1:]
            if len(parts) >= 3 and parts[1] == "video" and parts[2].isdigit():
                return Screen(
                    "video", {"videos": [self.world.video(parts[2], user)], "index": 0, "url": url}
                )
            return Screen("profile", {"user": user})
        return Screen("feed", {"index": 0}) if not parts else None

    # --- input ---------------------------------------------------------------------------
    def key(self, code: int) -> None:
        if self.focused is None:
            return
        if code == KEY_DEL:
            self.fields[self.focused] = self.fields.get(self.focused, "")[:-1]
        elif code == KEY_ENTER:
            if self.focused == "search":
                actions.submit_search(self)
            elif self.focused in ("caption", "profile_bio"):
                self.type_text("\n")

    def type_text(self, text: str) -> bool:
        if self.focused is None or self.popup is not None:
            return False
        self.fields[self.focused] = self.fields.get(self.focused, "") + text
        return True

    def clear_text(self) -> None:
        if self.focused is not None:
            self.fields[self.focused] = ""

    def focus(self, field: str) -> None:
        self.focused = field
        self.fields.setdefault(field, "")

    def swipe(self, x1: int, y1: int, x2: int, y2: int) -> None:
        if self.popup is not None or not self.stack or self.top.sheet:
            return
        screen = self.top
        if (
            screen.kind not in ("feed", "video")
            or abs(y2 - y1) < 150
            or abs(y2 - y1) < abs(x2 - x1)
        ):
            return
        step = 1 if y2 < y1 else -1
        screen.params["index"] = max(0, screen.params.get("index", 0) + step)
        self.sync_viewing()

    # --- watch time ----------------------------------------------------------------------
    def visible_video(self) -> tuple[Video, str] | None:
        if not self.running or not self.stack:
            return None
        screen = self.top
        if screen.kind == "feed":
            video = self.world.feed_item(self.phone.serial, screen.params["index"])
            return (video, video.url) if video.kind == "video" else None
        if screen.kind == "video":
            video = actions.screen_video(self, screen)
            return video, actions.screen_url(screen, video)
        return None

    def sync_viewing(self) -> None:
        """Close the watch record of a video that left the screen and open one for the new one."""
        visible = self.visible_video()
        if self.viewing is not None and visible is not None and self.viewing[0] == visible[0]:
            return
        self._end_viewing()
        if (
            visible is not None
            and self.current is not None
            and self.phone.display.foreground == self.package
        ):
            self.viewing = (visible[0], visible[1], time.monotonic(), self.current)

    def _end_viewing(self) -> None:
        if self.viewing is not None:
            video, url, since, username = self.viewing
            self.viewing = None
            self.phone.truth.record(
                username, "watched", _watched(video, url, time.monotonic() - since)
            )


def _watched(video: Video, url: str, seconds: float) -> dict[str, Any]:
    return {"video_id": video.id, "url": url, "seconds": round(max(0.0, seconds), 2)}
