"""Load a campaign repository: every file, every document, every problem, never a traceback.

The inventory is read first (campaigns resolve usernames, groups and the default time zone
through it), then each campaign document is validated and expanded once, so what only shows at
expansion (unknown usernames, undefined template variables) is reported by `validate` too.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from runner.campaign.check import check_campaign
from runner.campaign.expand import expand
from runner.campaign.inventory import check_inventory
from runner.campaign.limits import limits, over
from runner.campaign.media import media_roots
from runner.campaign.pretouch import pretouch_problems
from runner.campaign.records import Campaign, Inventory, Repo
from runner.campaign.start_times import machine_timezone
from runner.campaign.targets import reference_problems
from runner.campaign.yamlload import Document, load_documents
from runner.errors import CampaignError

INVENTORY_NAMES = ("inventory.yaml", "inventory.yml")
YAML_SUFFIXES = (".yaml", ".yml")


def inventory_file(root: Path) -> Path | None:
    """The repository's own inventory (inventory.yaml, else inventory.yml); None without one."""
    return next((root / n for n in INVENTORY_NAMES if (root / n).is_file()), None)


def load_repo(
    paths: Sequence[str | Path] | None = None,
    *,
    root: Path | None = None,
    now: datetime | None = None,
    apps_check: Callable[[Path], list[CampaignError]] | None = None,
) -> Repo:
    """Campaigns and inventory from ``paths`` (default: workflows/ and inventory.yaml of root).

    ``apps_check`` judges the repository's apps/ overrides (selector data belongs to the device
    room, which this pure room does not import): the doors that run campaigns pass
    ``runner.device.appdata.apps_problems`` (`validate`, `plan`, `run`, `serve`)."""
    root = Path(root) if root is not None else Path.cwd()
    if paths is None:
        # defaults that do not exist are simply absent (an API-only server has no workflows/)
        defaults = [root / "workflows", *(root / n for n in INVENTORY_NAMES)]
        paths = [p for p in defaults if p.exists()]
    repo = Repo(root=root)
    files = _collect(paths, repo)
    inventories = [f for f in files if f.name in INVENTORY_NAMES]
    if not inventories:
        default = inventory_file(root)
        inventories = [default] if default is not None else []
        repo.files += [display(p) for p in inventories]
    campaign_files = [f for f in files if f.name not in INVENTORY_NAMES]
    unread = _past_total([*inventories, *campaign_files], repo)
    for path in inventories:
        if path not in unread:
            repo.inventory = _load_inventory(path, repo)
    default_tz = repo.inventory.timezone or machine_timezone()
    for path in campaign_files:
        if path not in unread:
            _load_campaign_file(path, repo, default_tz)
    _check_unique_names(repo)
    _expand_all(repo, now)
    if apps_check is not None and (root / "apps").is_dir():  # selector overrides: shown at validate
        repo.problems += apps_check(root)
        repo.files += [display(p) for p in sorted((root / "apps").glob("*.y*ml"))]
    repo.problems.sort(key=_order)
    repo.warnings.sort(key=_order)
    return repo


def _order(err: CampaignError) -> tuple[str, int, int]:
    return (err.path, err.line, err.column)


def display(path: Path) -> str:
    """A path as people type it: relative to the working directory when below it."""
    text, cwd = str(path), os.getcwd() + os.sep
    if text.startswith(cwd):
        return text[len(cwd) :]
    return text


def _collect(paths: Sequence[str | Path], repo: Repo) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            what = "not a file or a directory" if path.exists() else "no such file or directory"
            repo.problems.append(CampaignError(what, path=display(path)))  # /dev/null, a FIFO
    seen: set[Path] = set()
    unique = [f for f in files if not (f.resolve() in seen or seen.add(f.resolve()))]  # type: ignore[func-returns-value]
    repo.files = [display(f) for f in unique]
    return unique


def _past_total(files: list[Path], repo: Repo) -> set[Path]:
    """The files past ``repo_bytes`` (all files of one load together), each a problem: many
    files each under ``file_bytes`` must not add up to what `validate` cannot hold."""
    total, unread = 0, set()
    for path in files:
        try:
            total += path.stat().st_size
        except OSError:
            continue  # _read reports it
        if total > limits().repo_bytes:
            reason = over("files read together too large, bytes", total, "repo_bytes")
            repo.problems.append(CampaignError(reason, path=display(path), line=1, column=1))
            unread.add(path)
    return unread


def _read(path: Path, repo: Repo) -> list[Document]:
    shown = display(path)
    try:
        size = path.stat().st_size
        if size > limits().file_bytes:
            reason = over("file too large, bytes", size, "file_bytes")
            repo.problems.append(CampaignError(reason, path=shown, line=1, column=1))
            return []
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        repo.problems.append(
            CampaignError(
                f"not UTF-8 text: {exc.reason} at byte {exc.start}", path=shown, line=1, column=1
            )
        )
        return []
    except OSError as exc:
        repo.problems.append(CampaignError(f"cannot read: {exc.strerror}", path=shown))
        return []
    docs, problems = load_documents(text, shown, repo.yaml_budget)
    repo.problems += problems
    return docs


def _load_inventory(path: Path, repo: Repo) -> Inventory:
    docs = _read(path, repo)
    if len(docs) > 1:
        line = docs[1].value_mark(())[0]
        repo.problems.append(
            CampaignError(
                "an inventory holds one YAML document", path=display(path), line=line, column=1
            )
        )
    if not docs:
        return Inventory(present=True)
    inventory, problems = check_inventory(docs[0])
    repo.problems += problems
    return inventory


def _load_campaign_file(path: Path, repo: Repo, default_tz: str) -> None:
    docs = _read(path, repo)
    if not docs and not any(p.path == display(path) for p in repo.problems):
        repo.warnings.append(
            CampaignError("no campaign in this file", path=display(path), severity="warning")
        )
    for doc in docs:
        name = path.stem if doc.index == 0 else f"{path.stem}-{doc.index + 1}"
        campaign, problems, warnings = check_campaign(doc, default_name=name, default_tz=default_tz)
        repo.problems += problems
        if campaign is None:
            repo.problems += reference_problems(doc, repo.inventory)
        repo.warnings += warnings
        if campaign is not None:
            repo.campaigns.append(campaign)


def _check_unique_names(repo: Repo) -> None:
    first: dict[str, Campaign] = {}
    keep: list[Campaign] = []
    for campaign in repo.campaigns:
        other = first.setdefault(campaign.name, campaign)
        if other is campaign:
            keep.append(campaign)
            continue
        path = ("name",) if "name" in (campaign.doc.data if campaign.doc else {}) else ()
        repo.problems.append(
            campaign.error(
                path,
                f"'{campaign.name}' is already the name of the campaign at {other.origin}",
                key=True,
            )
        )
    repo.campaigns = keep


def _expand_all(repo: Repo, now: datetime | None) -> None:
    """Expand each campaign once so references, templates and media paths are checked; drop
    broken ones. Enabled campaigns together (one occurrence of recurring ones) may make at most
    ``tasks_per_apply`` tasks: the campaign that goes over it is a problem, so `plan`, `run` and
    `serve` never build more."""
    keep: list[Campaign] = []
    roots = media_roots(repo.root)
    total = 0
    for campaign in repo.campaigns:
        result = expand(campaign, repo.inventory, now=now, check_only=True, media_roots=roots)
        repo.problems += result.problems
        repo.warnings += result.warnings
        if result.problems:
            continue
        found = pretouch_problems(campaign, repo.root, now=now)  # media files, schedules
        repo.warnings += [p for p in found if p.severity == "warning"]
        if problems := [p for p in found if p.severity != "warning"]:
            repo.problems += problems
            continue
        if campaign.enabled and total + result.count > limits().tasks_per_apply:
            what = f"too many tasks in the repository with this campaign's {result.count:,}"
            repo.problems.append(
                campaign.error((), over(what, total + result.count, "tasks_per_apply"))
            )
            continue
        total += result.count * campaign.enabled
        keep.append(campaign)
    repo.campaigns = keep
