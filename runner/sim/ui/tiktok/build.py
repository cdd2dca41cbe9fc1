"""Node construction for the app: resource-ids from the layout, texts from the locale.

A logical element whose id no capture shows (null in layouts.yaml) is rendered without a
resource-id; a hidden element (the `hide` fault) is not rendered at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from runner.sim.ui.node import Bounds, Node
from runner.sim.ui.tiktok.layout import check_layout, check_locale

if TYPE_CHECKING:
    from runner.sim.ui.tiktok.tiktok_app import TikTokApp


class Builder:
    def __init__(self, app: TikTokApp) -> None:
        self.app = app
        self.package = app.package
        self.layout = check_layout(app.phone.layout_name)
        self.t = check_locale(app.phone.spec.locale).for_layout(self.layout)
        self.hidden = set(app.phone.faults.hide)

    def rid(self, name: str) -> str:
        short = self.layout.ids.get(name) if name else None
        return f"{self.package}:id/{short}" if short else ""

    def raw_rid(self, short: str) -> str:
        """A resource-id the layout data gives directly (e.g. a structure chain)."""
        return f"{self.package}:id/{short}" if short else ""

    def node(self, name: str, cls: str, bounds: Bounds, **attrs: Any) -> Node | None:
        """A node for logical element ``name``; None when it is hidden."""
        if name and name in self.hidden:
            return None
        if attrs.get("on_tap") is not None:
            attrs.setdefault("clickable", True)
        return Node(cls=cls, bounds=bounds, rid=self.rid(name), package=self.package, **attrs)

    def text(self, name: str, bounds: Bounds, text: str, **attrs: Any) -> Node | None:
        return self.node(name, "android.widget.TextView", bounds, text=text, **attrs)

    def button(
        self, name: str, bounds: Bounds, text: str, on_tap: Any, **attrs: Any
    ) -> Node | None:
        return self.node(
            name, "android.widget.Button", bounds, text=text, on_tap=on_tap, focusable=True, **attrs
        )

    def image(
        self, name: str, bounds: Bounds, desc: str, on_tap: Any = None, **attrs: Any
    ) -> Node | None:
        return self.node(
            name, "android.widget.ImageView", bounds, desc=desc, on_tap=on_tap, **attrs
        )

    def edit(
        self, name: str, bounds: Bounds, field: str, hint: str, *, desc: str = ""
    ) -> Node | None:
        """An EditText: shows its text, or the hint while empty (as uiautomator reports it)."""
        app = self.app
        value = app.fields.get(field, "")
        return self.node(
            name,
            "android.widget.EditText",
            bounds,
            text=value or hint,
            desc=desc,
            focusable=True,
            focused=app.focused == field,
            long_clickable=True,
            on_tap=lambda: app.focus(field),
        )

    def group(
        self,
        name: str,
        bounds: Bounds,
        *children: Node | None,
        cls: str = "android.view.ViewGroup",
        **attrs: Any,
    ) -> Node | None:
        node = self.node(name, cls, bounds, **attrs)
        return node.add(*children) if node is not None else None
