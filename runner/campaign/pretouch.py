"""Checks that need no phone: media files exist and are of a kind the script takes, the
materials library has files for the tags asked, and a schedule fires at least once.

`validate`, `plan`, `run`, `serve` and the API make them when tasks are made, so a post whose
video is missing is a problem with file:line before it touches an account, not a config_error
at run time. Values with a template are judged per task where they are rendered (the media
roots check in expand); here only values as written are read. Pure: the file system is read,
nothing of the runtime is imported (the scripts take VIDEO and IMAGE from here).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from runner.campaign.media import media_paths
from runner.campaign.records import Campaign
from runner.errors import CampaignError

VIDEO = (".mp4", ".mov", ".3gp", ".mkv", ".webm")
IMAGE = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".heic")
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
    out: list[CampaignError] = []
    for path, value in media_paths(config):
        if "{{" in value or "{%" in value:
            continue  # rendered per task; judged where it is rendered
        full = _full(value, root)
        field = ("script_config", *path)
        if path[0] == "material_path":
            continue  # the folder itself: judged with the library below
        if path[0] == "avatars_path":
            out += _avatar_problems(campaign, field, value, full)
            continue
        if not full.is_file():
            out.append(media_problem(campaign, field, f"no such file: {value} (looked at {full})"))
            continue
        kinds = _kinds(campaign, path[0])
        suffix = full.suffix.lower()
        if kinds and suffix not in kinds[1]:
            accepted = VIDEO + IMAGE if path[0] == "material_list" else kinds[1]
            err = media_problem(
                campaign, field, f"{value} is not {kinds[0]} ({', '.join(kinds[1])})"
            )
            if suffix in accepted:  # an image in a video post (or the reverse): allowed, odd
                err.severity = "warning"
            out.append(err)
    if campaign.script_name == "post" and not _listed(config):
        out += _library_problems(campaign, root)
    return out


def avatar_images(folder: Path) -> list[Path]:
    """The images of an avatars folder, by name: the profile script picks one per task from
    this list (the Nth in turn, or one at random), so validate and the script see the same."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE)


def _avatar_problems(
    campaign: Campaign, field: tuple[Any, ...], value: str, folder: Path
) -> list[CampaignError]:
    if not folder.is_dir():
        return [media_problem(campaign, field, f"no such folder: {value} (looked at {folder})")]
    if avatar_images(folder):
        return []
    reason = f"no image in {folder} (the avatar is one of its {', '.join(IMAGE)} files)"
    return [media_problem(campaign, field, reason)]


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


def _library_problems(campaign: Campaign, root: Path) -> list[CampaignError]:
    config = campaign.config
    images = int(config.get("content_type", 0) or 0) == 1
    count = max(1, int(config.get("image_count", 1) or 1)) if images else 1
    kind = IMAGE if images else VIDEO
    if config.get("material_source") == "localFolder":
        raw = str(config.get("material_path") or "")
        if "{{" in raw or "{%" in raw:
            return []
        folder, field = _full(raw, root), ("script_config", "material_path")
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


def _kinds(campaign: Campaign, key: Any) -> tuple[str, tuple[str, ...]] | None:
    if key == "comment_image_path":
        return "an image", IMAGE
    if key == "material_list" and campaign.script_name == "post":
        images = int(campaign.config.get("content_type", 0) or 0) == 1
        return ("an image", IMAGE) if images else ("a video", VIDEO)
    return None


def _listed(config: dict[str, Any]) -> bool:
    values = config.get("material_list")
    return isinstance(values, list) and any(str(v).strip() for v in values)


def _full(raw: str, root: Path) -> Path:
    path = Path(raw).expanduser()
    return path if path.is_absolute() else root / path


def media_problem(campaign: Campaign, field: tuple[Any, ...], reason: str) -> CampaignError:
    """A media problem with the hint that says where relative paths start."""
    err = campaign.error(field, reason)
    err.hint = "relative paths start at the campaign repository"
    return err
