"""Selector and popup data: runner/apps/*.yaml, overridden by a campaign repo's apps/ folder.

An app update is a data change: `tiktok.yaml` maps logical element names to selector lists
(tried in order), with per-version entries put in front; a repo's `apps/tiktok.yaml` entries
go in front of both. `{package}` in a selector value is the app package of the task.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from runner.device.uitree import Selector, compile_selector
from runner.errors import FailureClass, TaskFailed
from runner.paths import APPS_DIR


@dataclass(frozen=True)
class AppData:
    """The resolved selectors of one app package at one version."""

    name: str
    package: str
    version: str
    elements: Mapping[str, tuple[Selector, ...]]
    popups: tuple[dict[str, Any], ...]
    launch_activity: str
    profile_url: str

    def selectors(self, element: str) -> tuple[Selector, ...]:
        try:
            return self.elements[element]
        except KeyError:
            raise TaskFailed(
                FailureClass.CONFIG_ERROR,
                f"no selectors for {element!r} in {self.name}.yaml",
                hint="add it to runner/apps or the campaign repo's apps/ folder",
            ) from None


@lru_cache(maxsize=64)
def _read(path: Path, mtime: float) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, dict):
        raise TaskFailed(FailureClass.CONFIG_ERROR, f"{path}: expected a mapping at the top")
    return data


def read_yaml(path: Path) -> dict[str, Any]:
    return _read(path, path.stat().st_mtime) if path.is_file() else {}


def _elements_for(data: dict[str, Any], version: str) -> dict[str, list[Selector]]:
    """Default elements with matching version entries' selectors put in front."""
    merged = {k: list(v or []) for k, v in (data.get("elements") or {}).items()}
    for pattern, entry in (data.get("versions") or {}).items():
        if version and fnmatch.fnmatch(version, str(pattern)):
            for name, selectors in ((entry or {}).get("elements") or {}).items():
                merged[name] = list(selectors or []) + merged.get(name, [])
    return merged


def _substitute(selector: Selector, package: str) -> dict[str, Any]:
    return {
        k: v.replace("{package}", package) if isinstance(v, str) else v for k, v in selector.items()
    }


def load_app(
    name: str, package: str, version: str = "", *, repo_root: Path | None = None
) -> AppData:
    """Selectors for app ``name`` (e.g. "tiktok"), the shipped file overridden by the repo's."""
    shipped = read_yaml(APPS_DIR / f"{name}.yaml")
    elements = _elements_for(shipped, version)
    local = read_yaml(repo_root / "apps" / f"{name}.yaml") if repo_root else {}
    for element, selectors in _elements_for(local, version).items():
        elements[element] = selectors + elements.get(element, [])
    resolved: dict[str, tuple[Selector, ...]] = {
        k: tuple(_substitute(s, package) for s in v) for k, v in elements.items()
    }
    for element, checked in resolved.items():
        for selector in checked:
            try:
                compile_selector(selector)
            except ValueError as exc:
                raise TaskFailed(
                    FailureClass.CONFIG_ERROR, f"{name}.yaml: {element}: {exc}"
                ) from exc
    popups = tuple(
        (read_yaml(repo_root / "apps" / "popups.yaml").get("rules") or []) if repo_root else ()
    )
    popups += tuple(read_yaml(APPS_DIR / "popups.yaml").get("rules") or [])
    return AppData(
        name,
        package,
        version,
        resolved,
        popups,
        str(shipped.get("launch_activity", "")),
        str(shipped.get("profile_url", "")),
    )
