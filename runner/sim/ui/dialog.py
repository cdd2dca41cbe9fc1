"""Dialogs: the app's popups, the unfollow confirmation, Android's permission prompt and crash box.

The popup catalogue is the table in shared/reference/tiktok-ui.md: the runner's dismiss rules
are exercised against exactly those titles and buttons.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from runner.sim.ui.node import HEIGHT, WIDTH, Node


@dataclass
class Dialog:
    title: str
    buttons: list[str]
    message: str = ""
    package: str = ""
    on_button: Callable[[str], object] | None = None
    back_dismisses: bool = True
    cancel_on_outside: bool = True  # AlertDialog's default: a tap outside cancels it
    ids: dict[str, str] = field(default_factory=dict)  # logical name -> resource-id


# title -> buttons (the first is what tools press); back dismisses the first group.
POPUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Read status", ("OK",)),
    ("Post view history turned on", ("OK",)),
    ("Profile view history turned on", ("OK",)),
    ("Follow your friends", ("Find friends",)),
    ("Create your TikTok avatar", ("Create avatar",)),
    ("Let's do a quick security checkup", ("Start",)),
    ("Your friends on TikTok", ("Not now", "Find friends")),
    ("Start watching", ("Start watching",)),
    ("Continue anyway", ("Continue anyway", "Cancel")),
    ("Agree and continue", ("Agree and continue",)),
    ("Choose your interests", ("Skip", "Next")),
    ("Remind me later", ("Remind me later", "Update")),
    ("Review your date of birth", ("OK",)),
    ("Introducing 10 minutes video", ("OK",)),
    ("What languages do you understand", ("Confirm",)),
    ("Get notified about new followers", ("Not now", "Got it")),
    ("Allow TikTok to find contacts", ("Don't allow", "Allow")),
)


def _presser(on_press: Callable[[str], None], label: str) -> Callable[[], None]:
    def tap() -> None:
        on_press(label)

    return tap


def render_dialog(dialog: Dialog, *, package: str, on_press: Callable[[str], None]) -> Node:
    """The dialog's own window: what a dump shows while it is up (uiautomator dumps the active
    window only), and all that taps can reach until it is dismissed."""
    top = HEIGHT // 2 - 300
    bounds = (90, top, WIDTH - 90, top + 600)
    window = Node(bounds=bounds, package=package)
    panel = Node(cls="android.widget.LinearLayout", bounds=bounds, package=package)
    panel.add(
        Node(
            cls="android.widget.TextView",
            bounds=(140, top + 60, WIDTH - 140, top + 160),
            text=dialog.title,
            rid=dialog.ids.get("dialog_title", ""),
            package=package,
        ),
        Node(
            cls="android.widget.TextView",
            bounds=(140, top + 170, WIDTH - 140, top + 330),
            text=dialog.message,
            package=package,
        )
        if dialog.message
        else None,
    )
    width = (WIDTH - 280) // max(1, len(dialog.buttons))
    for i, label in enumerate(dialog.buttons):
        left = 140 + i * width
        panel.add(
            Node(
                cls="android.widget.Button",
                bounds=(left, top + 420, left + width - 20, top + 540),
                text=label,
                rid=dialog.ids.get("dialog_button", ""),
                clickable=True,
                focusable=True,
                package=package,
                on_tap=_presser(on_press, label),
            )
        )
    return window.add(panel)
