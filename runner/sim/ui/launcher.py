"""The home screen: a grid of app icons, what a phone shows after HOME, a crash or force-stop."""

from __future__ import annotations

from collections.abc import Callable

from runner.sim.ui.node import HEIGHT, WIDTH, Node

LAUNCHER = "com.android.launcher3"
LAUNCHER_ACTIVITY = "com.android.launcher3.uioverride.QuickstepLauncher"
LABELS = {
    "com.zhiliaoapp.musically": "TikTok",
    "com.ss.android.ugc.trill": "TikTok",
    "com.instagram.android": "Instagram",
    "com.android.settings": "Settings",
}


def label(package: str) -> str:
    """The icon label; clones of TikTok show as "TikTok (2)" style names like clone apps do."""
    if package in LABELS:
        return LABELS[package]
    return (
        "TikTok " + package.rsplit(".", 1)[-1]
        if "musically" in package or "trill" in package
        else package
    )


def _launcher(launch: Callable[[str], object], package: str) -> Callable[[], None]:
    def tap() -> None:
        launch(package)

    return tap


def render_launcher(apps: list[str], launch: Callable[[str], object]) -> Node:
    root = Node(package=LAUNCHER)
    grid = Node(
        cls="android.view.ViewGroup", bounds=(0, 200, WIDTH, HEIGHT - 300), package=LAUNCHER
    )
    for index, package in enumerate(apps):
        row, col = divmod(index, 4)
        left, top = col * 270, 260 + row * 320
        grid.add(
            Node(
                cls="android.widget.TextView",
                bounds=(left, top, left + 270, top + 300),
                text=label(package),
                desc=label(package),
                clickable=True,
                focusable=True,
                package=LAUNCHER,
                on_tap=_launcher(launch, package),
            )
        )
    return root.add(grid)
