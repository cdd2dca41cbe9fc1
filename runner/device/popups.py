"""Dismissing known dialogs: rules are data (runner/apps/popups.yaml), matched against a dump."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runner.device.uitree import UiNode, UiTree


@dataclass(frozen=True)
class Dismissal:
    """What to do about the dialog on screen: tap ``button`` or press back."""

    title: str
    button: UiNode | None  # None means: press back

    def describe(self) -> str:
        how = f"tap {self.button.text!r}" if self.button is not None else "press back"
        return f"dismissed dialog {self.title!r} ({how})"


def _title_node(rule: Mapping[str, Any], tree: UiTree) -> UiNode | None:
    if "title" in rule:
        return next((n for n in tree.nodes() if n.text == rule["title"]), None)
    if "title-contains" in rule:
        return next((n for n in tree.nodes() if str(rule["title-contains"]) in n.text), None)
    return None


def _button(tree: UiTree, labels: Sequence[str]) -> UiNode | None:
    for label in labels:
        for node in tree.nodes():
            if node.text == label and node.attrs.get("clickable") == "true":
                return node
    return None


def find_dismissal(tree: UiTree, rules: Sequence[Mapping[str, Any]]) -> Dismissal | None:
    """The first rule that matches the screen, with the node to tap (or back)."""
    for rule in rules:
        if rule.get("any"):  # a "go away" button anywhere: only labels no real screen uses
            button = _button(tree, rule.get("press") or [])
            if button is not None:
                return Dismissal("(unknown dialog)", button)
            continue
        title = _title_node(rule, tree)
        if title is None:
            continue
        if rule.get("back"):
            return Dismissal(title.text, None)
        button = _button(tree, rule.get("press") or [])
        if button is not None:
            return Dismissal(title.text, button)
    return None
