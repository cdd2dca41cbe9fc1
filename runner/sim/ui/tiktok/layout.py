"""The app's layouts (one per real TikTok version) and its UI strings (one set per locale).

Both are data written from real captures (layouts.yaml, strings.yaml); an id or string no
capture shows is marked there, and the sim renders a stand-in without inventing a real-looking id.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent
DEFAULT_LOCALE = "en"


@dataclass(frozen=True)
class Layout:
    name: str
    version_name: str
    ids: dict[str, str | None]
    borrowed: frozenset[str]  # ids taken from another version: no capture of this one shows them
    structure: dict[str, Any]
    animating: frozenset[str]
    strings: dict[str, dict[str, str]]  # locale -> words this version says differently

    def flag(self, name: str) -> Any:
        return self.structure.get(name)


@dataclass(frozen=True)
class Strings:
    locale: str
    strings: dict[str, str]
    stand_ins: frozenset[str]  # keys no capture shows in this locale (English stand-in wording)

    def __call__(self, key: str, **values: object) -> str:
        text = self.strings[key]
        return text.format(**values) if values else text

    def for_layout(self, layout: Layout) -> Strings:
        extra = layout.strings.get(self.locale)
        return Strings(self.locale, {**self.strings, **extra}, self.stand_ins) if extra else self


@functools.cache
def layouts() -> dict[str, Layout]:
    raw = yaml.safe_load((HERE / "layouts.yaml").read_text(encoding="utf-8"))
    result = {}
    for name, body in raw.items():
        base = raw.get(body.get("base", ""), {})
        merged = {
            **(base.get("ids") or {}),
            **(body.get("ids") or {}),
            **(body.get("rename") or {}),
        }
        ids: dict[str, str | None] = {}
        borrowed = set()
        for key, value in merged.items():
            if isinstance(value, dict):  # {from: V}: version V's id, marked as borrowed
                ids[key] = raw[value["from"]]["ids"][key]
                borrowed.add(key)
            else:
                ids[key] = value
        result[str(name)] = Layout(
            name=str(name),
            version_name=str(body.get("version_name") or base.get("version_name") or name),
            ids=ids,
            borrowed=frozenset(borrowed),
            structure={**(base.get("structure") or {}), **(body.get("structure") or {})},
            animating=frozenset(body.get("animating") or base.get("animating") or ()),
            strings={**(base.get("strings") or {}), **(body.get("strings") or {})},
        )
    return result


def versions() -> list[str]:
    """The real versions the sim can be, newest first (the synthetic "variant" is not one)."""
    return [n for n in layouts() if n != "variant"]


def check_layout(name: str) -> Layout:
    """The layout called ``name`` (a real version or "variant"); ValueError naming the known ones."""
    known = layouts()
    if name not in known:
        raise ValueError(f"unknown TikTok app version {name!r}; the sim knows: {', '.join(known)}")
    return known[name]


@functools.cache
def _strings() -> dict[str, Strings]:
    raw = yaml.safe_load((HERE / "strings.yaml").read_text(encoding="utf-8"))
    english = raw[DEFAULT_LOCALE]["strings"]
    english_stand_ins = set(raw[DEFAULT_LOCALE].get("no_capture") or ())
    return {
        locale: Strings(
            locale,
            {**english, **body["strings"]},
            # what this locale does not say falls back to English: a stand-in there
            frozenset(english_stand_ins | (set(english) - set(body["strings"]))),
        )
        for locale, body in raw.items()
    }


def locales() -> list[str]:
    return list(_strings())


def check_locale(locale: str) -> Strings:
    """The strings of UI locale ``locale`` ("en", "fr", "pt-BR"); ValueError naming the known ones."""
    known = _strings()
    if locale not in known:
        raise ValueError(f"unknown UI locale {locale!r}; the sim knows: {', '.join(known)}")
    return known[locale]
