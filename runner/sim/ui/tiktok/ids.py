"""Resource-ids per app version, from app_ids.yaml: a "new app version" is one switch."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

DATA = Path(__file__).with_name("app_ids.yaml")


@dataclass(frozen=True)
class Layout:
    name: str
    version_name: str
    users_tab: str
    ids: dict[str, str]
    moved: dict[str, tuple[int, int]]
    missing: frozenset[str]


@functools.cache
def layouts() -> dict[str, Layout]:
    raw = yaml.safe_load(DATA.read_text())
    result = {}
    for name, body in raw.items():
        base = raw.get(body.get("base", ""), {})
        result[name] = Layout(
            name=name,
            version_name=str(body.get("version_name", base.get("version_name", "1.0"))),
            users_tab=str(body.get("users_tab", base.get("users_tab", "Users"))),
            ids=dict(body.get("ids") or base.get("ids") or {}),
            moved={k: (int(v[0]), int(v[1])) for k, v in (body.get("moved") or {}).items()},
            missing=frozenset(body.get("missing") or ()),
        )
    return result


def check_layout(name: str) -> Layout:
    """The layout called ``name``; ValueError naming the known ones otherwise."""
    known = layouts()
    if name not in known:
        raise ValueError(f"unknown app layout {name!r}; known: {', '.join(sorted(known))}")
    return known[name]


def version_name(layout: str, default: str) -> str:
    """versionName the app reports: the spec's for the default layout, the layout's otherwise."""
    return default if layout == "default" else check_layout(layout).version_name
