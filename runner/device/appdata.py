"""App data: runner/apps/<app>.yaml (selectors, words, rules), overridden by a repo's apps/ folder.

An app update is a data change. ``tiktok.yaml`` maps stable logical element names to selector
lists tried in order, with per-version entries (fnmatch on the app's versionName) put in front;
it also holds the language words the scripts read (``words:``, e.g. the states of the follow
control in en/fr/pt-BR) and the choices they make from a screen (``rules:``). A campaign repo's
``apps/tiktok.yaml`` has the same shape: an element given as a list is tried first, a mapping
``{replace: [...]}`` / ``{prepend: [...]}`` / ``{append: [...]}`` says how it combines; words,
rules, packages, launch_activity and profile_url it sets replace the shipped ones.

Both files are checked against ``apps.schema.json`` (popups: ``popups.schema.json``) and every
selector is compiled, with errors at file:line (``campaign validate`` reports them for a repo).
In selector values ``{package}`` is the app package of the task; ``text-in``/``desc-in`` may name
a word group, and an xpath may use ``{text-in:GROUP}`` / ``{desc-in:GROUP}``.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from runner.device.uitree import Selector, SelectorError, compile_selector, xpath_literal
from runner.errors import CampaignError, FailureClass, TaskFailed
from runner.paths import APPS_DIR

WORD_KEYS = ("text-in", "desc-in")
_PLACEHOLDER = re.compile(r"\{(text-in|desc-in):([^{}]*)\}")


@dataclass(frozen=True)
class AppData:
    """The resolved data of one app package at one version."""

    name: str
    package: str
    version: str
    elements: Mapping[str, tuple[Selector, ...]]
    popups: tuple[dict[str, Any], ...]
    launch_activity: str
    profile_url: str
    packages: tuple[str, ...] = ()
    words: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    rules: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # the selectors as written in the data (word groups, {package}), beside ``elements``
    raw: Mapping[str, tuple[Selector, ...]] = field(default_factory=dict)

    def selectors(self, element: str) -> tuple[Selector, ...]:
        try:
            return self.elements[element]
        except KeyError:
            raise TaskFailed(
                FailureClass.CONFIG_ERROR,
                f"no selectors for {element!r} in {self.name}.yaml",
                hint="add it to runner/apps or the campaign repo's apps/ folder",
            ) from None

    def words_of(self, group: str, language: str | None = None) -> tuple[str, ...]:
        """The words of ``group`` and of every group under it (``follow_state`` covers
        ``follow_state.following``), in every language or in ``language`` only."""
        return words_of(self.words, group, language)

    def state_of(self, text: str, group: str = "follow_state") -> str | None:
        """Which subgroup of ``group`` has ``text`` (blanks around it ignored) as a word:
        ``state_of("Suivis ")`` is ``"following"``; None for a word of no subgroup."""
        word = text.strip()
        for name, languages in self.words.items():
            if name.startswith(group + ".") and any(word in ws for ws in languages.values()):
                return name[len(group) + 1 :]
        return None

    def rule(self, name: str) -> Mapping[str, Any]:
        """A choice kept as data (``gallery_tile``, ``comment_image``, ``account_row``)."""
        return self.rules.get(name, {})


def words_of(
    words: Mapping[str, Mapping[str, Sequence[str]]], group: str, language: str | None = None
) -> tuple[str, ...]:
    found: list[str] = []
    for name, languages in words.items():
        if name == group or name.startswith(group + "."):
            for lang, ws in languages.items():
                if language is None or lang == language:
                    found += [w for w in ws if w not in found]
    return tuple(found)


# --- reading and checking files --------------------------------------------------------------


@lru_cache(maxsize=64)
def _read(path: Path, mtime: float) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, dict):
        raise TaskFailed(FailureClass.CONFIG_ERROR, f"{path}: expected a mapping at the top")
    return data


def read_yaml(path: Path) -> dict[str, Any]:
    return _read(path, path.stat().st_mtime) if path.is_file() else {}


def check_app_file(path: Path, *, override: bool = True) -> list[CampaignError]:
    """Problems of one app data file (``<app>.yaml`` or ``popups.yaml``), each at file:line.

    An ``override`` (a repo's apps/ file) is checked against the shipped data of the same app:
    naming an element the shipped data does not know is most likely a typo, and is reported.
    """
    return list(_check(path, path.stat().st_mtime, override))


@lru_cache(maxsize=64)
def _check(path: Path, mtime: float, override: bool) -> tuple[CampaignError, ...]:
    from runner.campaign.messages import schema_error
    from runner.campaign.repo import display
    from runner.campaign.schemas import load_schema
    from runner.campaign.yamlload import load_documents

    shown = display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return (CampaignError(f"cannot read: {exc}", path=shown),)
    docs, problems = load_documents(text, shown)
    if problems or not docs:
        return tuple(problems)
    doc = docs[0]
    if len(docs) > 1:
        return (CampaignError("one YAML document per app data file", path=shown, line=1),)
    if doc.data is None:
        return ()
    popups = path.name.startswith("popups.")
    schema = load_schema("popups.schema.json" if popups else "apps.schema.json")
    from jsonschema.validators import validator_for

    validator = validator_for(schema)(schema)
    found = [p for err in validator.iter_errors(doc.data) for p in schema_error(err, doc, schema)]
    if found or popups:
        return tuple(found)
    shipped = read_yaml(APPS_DIR / f"{path.stem}.yaml") if override else {}
    return _semantic_problems(doc, shown, shipped)


def _semantic_problems(
    doc: Any, shown: str, shipped: Mapping[str, Any]
) -> tuple[CampaignError, ...]:
    """What the schema cannot say: element names the shipped data does not know (typos), word
    groups that do not exist, selectors that do not compile (regular expressions, XPath)."""
    from runner.campaign.messages import did_you_mean

    found: list[CampaignError] = []
    known_elements = set(shipped.get("elements") or {})
    for entry in (shipped.get("versions") or {}).values():
        known_elements |= set((entry or {}).get("elements") or {})
    words = _merge_words(shipped.get("words") or {}, doc.data.get("words") or {})

    def problem(where: tuple[Any, ...], reason: str, key: bool = False) -> None:
        line, column = doc.key_mark(where) if key else doc.value_mark(where)
        found.append(
            CampaignError(reason, path=shown, line=line, column=column, field=_dotted(where))
        )

    blocks: list[tuple[tuple[Any, ...], Mapping[str, Any]]] = [
        (("elements",), doc.data.get("elements") or {})
    ]
    for pattern, entry in (doc.data.get("versions") or {}).items():
        blocks.append((("versions", pattern, "elements"), (entry or {}).get("elements") or {}))
    for where, elements in blocks:
        for element, entry in elements.items():
            if shipped and element not in known_elements:
                problem(
                    (*where, element),
                    f"unknown element '{element}'{did_you_mean(element, known_elements)}"
                    " (a new name is only useful to a script that asks for it)",
                    key=True,
                )
            for op, selectors in _operations(entry):
                for i, selector in enumerate(selectors):
                    at = (*where, element, *((op,) if isinstance(entry, dict) else ()), i)
                    try:
                        compile_selector(_expand(selector, "com.example.app", words))
                    except (SelectorError, ValueError) as exc:
                        problem(at, str(exc))
    return tuple(found)


def _dotted(path: Sequence[Any]) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in path).replace(".[", "[")


def apps_problems(root: Path) -> list[CampaignError]:
    """Problems of every app data file in ``root/apps`` (what ``campaign validate`` adds)."""
    folder = root / "apps"
    if not folder.is_dir():
        return []
    problems: list[CampaignError] = []
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".yaml", ".yml") or not path.is_file():
            continue
        shipped = read_yaml(APPS_DIR / f"{path.stem}.yaml")
        if not shipped and not path.stem.startswith("popups"):
            from runner.campaign.repo import display

            known = ", ".join(sorted(p.stem for p in APPS_DIR.glob("*.yaml")))
            problems.append(
                CampaignError(
                    f"no shipped app data named '{path.stem}' (known: {known})",
                    path=display(path),
                    line=1,
                    column=1,
                )
            )
            continue
        problems += check_app_file(path)
    return problems


# --- resolving ---------------------------------------------------------------------------------


def _operations(entry: Any) -> list[tuple[str, list[Selector]]]:
    if isinstance(entry, dict):
        return [
            (op, list(entry.get(op) or []))
            for op in ("replace", "prepend", "append")
            if op in entry
        ]
    return [("prepend", list(entry or []))]


def _apply(elements: dict[str, list[Selector]], block: Mapping[str, Any]) -> None:
    for name, entry in (block or {}).items():
        current = elements.get(name, [])
        for op, selectors in _operations(entry):
            if op == "replace":
                current = list(selectors)
            elif op == "prepend":
                current = list(selectors) + current
            else:
                current = current + list(selectors)
        elements[name] = current


def _for_version(data: Mapping[str, Any], version: str) -> list[Mapping[str, Any]]:
    return [
        (entry or {}).get("elements") or {}
        for pattern, entry in (data.get("versions") or {}).items()
        if version and fnmatch.fnmatch(version, str(pattern))
    ]


def _merge_words(
    shipped: Mapping[str, Any], local: Mapping[str, Any]
) -> dict[str, dict[str, tuple[str, ...]]]:
    merged = {g: {lang: tuple(ws) for lang, ws in langs.items()} for g, langs in shipped.items()}
    for group, languages in (local or {}).items():
        merged.setdefault(group, {}).update({lang: tuple(ws) for lang, ws in languages.items()})
    return merged


def _expand(selector: Mapping[str, Any], package: str, words: Mapping[str, Any]) -> dict[str, Any]:
    """Word groups and ``{package}`` written out; raises ValueError naming an unknown group."""

    def group(name: str) -> tuple[str, ...]:
        found = words_of(words, name)
        if not found:
            raise ValueError(f"unknown word group '{name}' (groups: {', '.join(sorted(words))})")
        return found

    def xpath_test(match: re.Match[str]) -> str:
        attr = "@text" if match.group(1) == "text-in" else "@content-desc"
        tests = [
            f"normalize-space({attr})={xpath_literal(w.strip())}" for w in group(match.group(2))
        ]
        return "(" + " or ".join(tests) + ")"

    out: dict[str, Any] = {}
    for key, value in selector.items():
        if key in WORD_KEYS and isinstance(value, str):
            out[key] = list(group(value))
        elif key == "xpath":
            out[key] = _PLACEHOLDER.sub(xpath_test, str(value)).replace("{package}", package)
        elif isinstance(value, str):
            out[key] = value.replace("{package}", package)
        else:
            out[key] = value
    return out


def load_app(
    name: str,
    package: str = "",
    version: str = "",
    *,
    repo_root: Path | None = None,
    shipped_path: Path | None = None,
) -> AppData:
    """The data of app ``name`` (e.g. "tiktok") at ``version``: shipped, then the repo's apps/.
    ``shipped_path`` reads another file as the shipped data (tools comparing two versions)."""
    shipped = read_yaml(shipped_path or APPS_DIR / f"{name}.yaml")
    local_path = repo_root / "apps" / f"{name}.yaml" if repo_root else None
    local: Mapping[str, Any] = {}
    if local_path is not None and local_path.is_file():
        problems = check_app_file(local_path)
        if problems:
            raise TaskFailed(
                FailureClass.CONFIG_ERROR,
                f"{problems[0]}"
                + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
                hint="fix the repo's apps/ file; `campaign validate` lists every problem",
            )
        local = read_yaml(local_path)
    elements = {k: list(_operations(v)[0][1]) for k, v in (shipped.get("elements") or {}).items()}
    for block in _for_version(shipped, version):
        _apply(elements, block)
    _apply(elements, local.get("elements") or {})
    for block in _for_version(local, version):
        _apply(elements, block)
    words = _merge_words(shipped.get("words") or {}, local.get("words") or {})
    packages = tuple(local.get("packages") or shipped.get("packages") or ())
    package = package or (packages[0] if packages else "")
    resolved: dict[str, tuple[Selector, ...]] = {}
    for element, selectors in elements.items():
        expanded = []
        for selector in selectors:
            try:
                done = _expand(selector, package, words)
                compile_selector(done)
            except (SelectorError, ValueError) as exc:
                raise TaskFailed(
                    FailureClass.CONFIG_ERROR, f"{name}.yaml: {element}: {exc}"
                ) from exc
            expanded.append(done)
        resolved[element] = tuple(expanded)
    popups = tuple(
        (read_yaml(repo_root / "apps" / "popups.yaml").get("rules") or []) if repo_root else ()
    )
    popups += tuple(read_yaml(APPS_DIR / "popups.yaml").get("rules") or [])
    rules = {**(shipped.get("rules") or {}), **(local.get("rules") or {})}
    return AppData(
        name,
        package,
        version,
        resolved,
        popups,
        str(local.get("launch_activity") or shipped.get("launch_activity", "")),
        str(local.get("profile_url") or shipped.get("profile_url", "")),
        packages,
        words,
        rules,
        {k: tuple(v) for k, v in elements.items()},
    )


_AXES = re.compile(r"ancestor|parent::|/\.\.|descendant|following|preceding|count\(|\[\.//|child::")
_APP_ID = re.compile(r"@resource-id\s*=\s*'(?!android:)[\w.{}]+:id/")


def selector_kind(selector: Mapping[str, Any]) -> str:
    """What did the finding: "id", "text", "desc" or "structure" (for reports and the bench)."""
    xpath = str(selector.get("xpath", ""))
    if "id" in selector or "resource-id" in selector or _APP_ID.search(xpath):
        return "id"
    if xpath and _AXES.search(xpath):
        return "structure"
    if any(k.startswith("text") for k in selector) or "@text" in xpath:
        return "text"
    if (
        any(k.startswith("desc") or k == "content-desc" for k in selector)
        or "@content-desc" in xpath
    ):
        return "desc"
    return "structure"
