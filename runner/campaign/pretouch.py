"""Checks that need no phone: media files exist and are of a kind the script takes, the
materials library has files for the tags asked, and a schedule fires at least once.

`validate`, `plan`, `run`, `serve` and the API make them when tasks are made, so a post whose
video is missing is a problem with file:line before it touches an account, not a config_error
at run time. Values with a template are judged per task where they are rendered (the media
roots check in expand); here only values as written are read. Pure: the file system is read,
nothing of the runtime is imported (the scripts take VIDEO and IMAGE from here). Which fields
are media, and of what kind, is the script's registry entry (``ScriptSpec.media``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from runner.campaign.media import IMAGE, VIDEO, MediaField, media_paths
from runner.campaign.records import Campaign
from runner.campaign.script_registry import SCRIPT_SPECS
from runner.campaign.templates import is_template
from runner.errors import CampaignError

__all__ = ["IMAGE", "VIDEO", "library_tags", "media_problems", "pretouch_problems", "wanted_tags"]
LIBRARY = "materials"  # the repo's materials library folder; tags in materials/tags.yaml


def pretouch_problems(
    campaign: Campaign, root: Path, *, now: datetime | None = None
) -> list[CampaignError]:
    """Every problem a phone would otherwise find later: media and schedule (severity
    "warning" for what is allowed but probably not meant)."""
    return media_problems(campaign, root) + schedule_problems(campaign, now=now)


def media_problems(campaign: Campaign, root: Path) -> list[CampaignError]:
    """Media paths as written that do not exist or are of the wrong kind, and a library or
    folder with no file to post."""
    config = campaign.config
    spec = SCRIPT_SPECS.get(campaign.script_name)
    if spec is None:
        return []
    out: list[CampaignError] = []
    for path, value, media in media_paths(spec.media, config):
        if is_template(value):
            continue  # rendered per task; judged where it is rendered
        if media.kind == "library":
            continue  # judged with the library below, also when it is empty
        out += value_problems(campaign, ("script_config", *path), value, _full(value, root), media)
    for media in spec.media:
        if media.kind == "library" and not media.ignored(config):
            out += _library_problems(campaign, root, media)
    return out


def avatar_images(folder: Path) -> list[Path]:
    """The images of an avatars folder, by name: the profile script picks one per task from
    this list (the Nth in turn, or one at random), so validate and the script see the same."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE)


def value_problems(
    campaign: Campaign,
    field: tuple[Any, ...],
    value: str,
    full: Path,
    media: MediaField,
    *,
    rendered: bool = False,
) -> list[CampaignError]:
    """One media value, as written or as a template ``rendered`` it for a task: the file or
    folder is there, a file is of a kind the script takes, a folder holds one."""
    looked = f"({'rendered from a template; ' if rendered else ''}looked at {full})"
    if media.is_folder and not full.is_dir():
        return [media_problem(campaign, field, f"no such folder: {value} {looked}")]
    if not media.is_folder and not full.is_file():
        return [media_problem(campaign, field, f"no such file: {value} {looked}")]
    if media.kind == "library":
        return []  # named by a template: its files are judged where the library is read
    what, suffixes = media.wants(campaign.config)
    if media.kind == "folder":
        if any(p.is_file() and p.suffix.lower() in suffixes for p in full.iterdir()):
            return []
        noun = what.split(" ", 1)[1]
        reason = f"no {noun} in {full} (the script takes one of its {', '.join(suffixes)} files)"
        return [rendered_note(media_problem(campaign, field, reason), rendered)]
    suffix = full.suffix.lower()
    if suffix in suffixes:
        return []
    err = media_problem(campaign, field, f"{value} is not {what} ({', '.join(suffixes)})")
    if media.accepts == "content_type" and suffix in VIDEO + IMAGE:
        err.severity = "warning"  # an image in a video post (or the reverse): odd
    return [rendered_note(err, rendered)]


def rendered_note(err: CampaignError, rendered: bool = True) -> CampaignError:
    """Says that the value a problem is about was made by a template."""
    if rendered:
        err.reason = f"after rendering the template: {err.reason}"
    return err


def schedule_problems(campaign: Campaign, *, now: datetime | None = None) -> list[CampaignError]:
    """A cron schedule no date matches (`0 0 30 2 *`) would wait forever without a word."""
    if not campaign.schedule:
        return []
    from runner.campaign.plan_model import next_fire

    if next_fire(campaign, now or datetime.now(UTC)) is not None:
        return []
    reason = f"'{campaign.schedule}' never fires (no date matches it in the next 8 years)"
    err = campaign.error(("schedule",), reason)
    err.hint = "check the day-of-month and month fields"
    return [err]


def _library_problems(campaign: Campaign, root: Path, media: MediaField) -> list[CampaignError]:
    """A folder field: the folder it names with ``material_source: localFolder``, else the
    repository's library, must hold enough files of the kind asked (tagged as asked)."""
    config = campaign.config
    images = media.wants(config)[1] == IMAGE
    count = max(1, int(config.get("image_count", 1) or 1)) if images else 1
    kind = IMAGE if images else VIDEO
    if config.get("material_source") == "localFolder":
        raw = str(config.get(media.key) or "")
        if is_template(raw):
            return []
        folder, field = _full(raw, root), ("script_config", media.key)
    else:
        folder, field = root / LIBRARY, ("script_config", "materials_tags")
    if not folder.is_dir():
        return [media_problem(campaign, field, f"no such folder: {folder}")]
    wanted = wanted_tags(config)
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in kind]
    if wanted:
        tags = library_tags(folder)
        files = [p for p in files if tags.get(p.name, set()) & wanted]
    if len(files) >= count:
        return []
    what = f"{count} image(s)" if images else "a video"
    tagged = f" tagged {', '.join(sorted(wanted))}" if wanted else ""
    return [
        media_problem(
            campaign,
            field,
            f"needs {what}{tagged} in {folder}, found {len(files)}",
        )
    ]


def wanted_tags(config: dict[str, Any]) -> set[str]:
    """`materials_tags: "dance, food"` as lower-case tags (a file with any of them is taken)."""
    return {
        t.strip().lower() for t in str(config.get("materials_tags") or "").split(",") if t.strip()
    }


def library_tags(folder: Path) -> dict[str, set[str]]:
    """`tags.yaml` of a media folder: file name -> lower-case tags (unreadable: none)."""
    path = folder / "tags.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, yaml.YAMLError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(name): {str(t).strip().lower() for t in (tags or []) if t is not None}
        for name, tags in data.items()
        if isinstance(tags, list | tuple | type(None))
    }


def _full(raw: str, root: Path) -> Path:
    path = Path(raw).expanduser()
    return path if path.is_absolute() else root / path


def media_problem(campaign: Campaign, field: tuple[Any, ...], reason: str) -> CampaignError:
    """A media problem with the hint that says where relative paths start."""
    err = campaign.error(field, reason)
    err.hint = "relative paths start at the campaign repository"
    return err
