"""What each script is, in one entry: its schema, targets, per-task text, extra checks and the
at-most-once commit point of the scripts that publish.

The campaign pipeline (check, expand, spintax), `plan`, the API and the executor read these
entries instead of naming scripts themselves. This half is pure data and pure functions (the
campaign room imports none of the runtime); the function that runs a script on a phone is
bound to its entry on the scripts side (``runner.scripts.registry``), which also checks that
every entry here has one.

Each entry also says which fields are templates (rendered per task; a template anywhere else
is refused, not sent literally), which name media on this PC (judged by ``campaign.media``
and ``campaign.pretouch`` from the entry's ``MediaField``s) and what a task's result says
(``summarize``: the task's remark, built from the result's structured details).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from runner.campaign.media import MediaField

TargetKind = Literal["user", "post_url"]
ConfigPath = tuple[str, ...]
# (path in the campaign document, reason): a problem (rule) or a warning about a campaign
Finding = tuple[ConfigPath, str]


@dataclass(frozen=True)
class ScriptSpec:
    """One script. ``target_keys`` is (list key, one-string key) for scripts with targets: one
    task per target, and each task's config narrowed to its own. ``spintax`` fields have
    ``{a|b|c}`` resolved per task from the task key. ``lines`` is the field whose lines are
    the choices of one per task (a comment campaign's comments). ``text`` is what `plan`
    shows of a task. ``rules`` and ``warnings`` judge a campaign's whole data beyond its
    schema; ``target_problem`` judges one target written in the one-string form. ``commit``
    names the action whose tap cannot be undone (the commit mark's ``action``);
    ``multi_account`` overrides ``enable_multi_account`` where TikMatrix does.

    ``templated``: the fields rendered by Jinja per task (a list's items and a mapping's values
    one level down); a template in any other field is a problem with file:line, because it
    would reach the phone as ``{{ ... }}`` (targets are tasks as written, choices are enums).
    ``media``: the fields that name files or folders on this PC, and what they must hold.
    ``summarize``: the task's remark from its result details (``ScriptResult.details``): one
    place says what a result of this script reads as, for `status`, the API and the log."""

    name: str
    summary: str
    summarize: Callable[[Mapping[str, Any]], str]
    target: TargetKind | None = None
    target_keys: tuple[str, str] | None = None
    spintax: tuple[str, ...] = ()  # a tuple: picks are drawn in this order
    lines: str | None = None
    text: str | None = None
    rules: Callable[[Mapping[str, Any]], list[Finding]] | None = None
    warnings: Callable[[Mapping[str, Any]], list[Finding]] | None = None
    target_problem: Callable[[str], str | None] | None = None
    commit: str | None = None
    # TikMatrix forces enable_multi_account for some scripts whatever the body says (False for
    # match_accounts: it reads the whole phone once); None: as the campaign says
    multi_account: bool | None = None
    # False: the task's account is not switched to, nor the app checked to be logged in, before
    # the script runs (login: it is not logged in yet, the script makes it active itself;
    # match_accounts: it reads the whole phone, and a logged-out phone has zero accounts)
    switch_first: bool = True
    templated: tuple[str, ...] = ()
    media: tuple[MediaField, ...] = ()

    @property
    def schema_file(self) -> str:
        """Its JSON Schema under runner/schemas/."""
        return f"scripts/{self.name}.schema.json"

    def media_field(self, key: str) -> MediaField | None:
        return next((m for m in self.media if m.key == key), None)

    def task_text(self, config: Mapping[str, Any]) -> str:
        """What a task of this script publishes (`plan`'s text column), or ""."""
        value = config.get(self.text) if self.text else None
        return value if isinstance(value, str) else ""


def _num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def misordered(obj: Mapping[str, Any], base: ConfigPath, low: str, high: str) -> list[Finding]:
    """A minimum over its maximum (both numbers), reported at the maximum: the one rule for
    every min/max pair of plain numbers (retry delays, warmup durations)."""
    a: Any = obj.get(low)
    b: Any = obj.get(high)
    if _num(a) and _num(b) and a > b:
        return [((*base, high), f"must be >= {low} ({a}), found {b}")]
    return []


def _warmup_rules(data: Mapping[str, Any]) -> list[Finding]:
    config = data.get("script_config")
    if not isinstance(config, Mapping):
        return []
    return misordered(config, ("script_config",), "min_duration", "max_duration")


def _warmup_warnings(data: Mapping[str, Any]) -> list[Finding]:
    config = data.get("script_config")
    timeout: Any = data.get("timeout")
    duration: Any = config.get("task_duration", 600) if isinstance(config, Mapping) else 600
    if _num(timeout) and _num(duration) and timeout < duration:
        return [(("timeout",), f"{timeout:g} s is shorter than task_duration ({duration:g} s)")]
    return []


_PROFILE_USERNAME = re.compile(r"^@?[A-Za-z0-9._]{2,24}$")


def _profile_rules(data: Mapping[str, Any]) -> list[Finding]:
    """Checked before a phone is touched: something to set and usernames TikTok accepts (the
    avatars folder is a media path: pretouch judges it)."""
    config = data.get("script_config")
    if not isinstance(config, Mapping):
        return []
    found: list[Finding] = []
    usernames: Any = config.get("usernames")
    if isinstance(usernames, str):
        for line in (line.strip() for line in usernames.splitlines()):
            if line and not _PROFILE_USERNAME.match(line) and "{" not in line:
                found.append(
                    (
                        ("script_config", "usernames"),
                        f"{line!r} is not a username TikTok accepts (2 to 24 letters, digits, "
                        "'.' or '_')",
                    )
                )
    keys = ("nicknames", "usernames", "bios", "link_url", "avatars_path")
    if not any(isinstance(config.get(k), str) and config[k].strip() for k in keys):
        found.append(
            (
                ("script_config",),
                "nothing to set: give nicknames, usernames, bios, link_url or avatars_path",
            )
        )
    return found


@cache
def _post_url() -> tuple[re.Pattern[str], str]:
    from runner.campaign.schemas import load_schema

    schema = load_schema("scripts/comment.schema.json")["$defs"]["post_url"]
    return re.compile(schema["pattern"]), str(schema["x-expected"])


def _post_url_problem(target: str) -> str | None:
    """The schema checks the list form; a URL in the one-string form is checked here."""
    pattern, expected = _post_url()
    return None if pattern.match(target) else f"expected {expected}, found {target!r}"


# ---- what a result says (the task's remark), from its details -----------------------------

_RECOVERED = " (found after an interrupted attempt)"


def _recovered(details: Mapping[str, Any]) -> str:
    return _RECOVERED if details.get("recovered") else ""


def _comment_result(details: Mapping[str, Any]) -> str:
    text, url = details.get("comment", ""), details.get("url", "")
    return f"commented {text!r} on {url}{_recovered(details)}"


def _follow_result(details: Mapping[str, Any]) -> str:
    user, follow = details.get("target", "?"), details.get("action") != "unfollow"
    if details.get("changed"):
        return f"{'followed' if follow else 'unfollowed'} @{user}"
    return f"{'already following' if follow else 'not following'} @{user}"


def _login_result(details: Mapping[str, Any]) -> str:
    account, how = details.get("account", "?"), details.get("with")
    if how == "already logged in":
        return f"@{account} was already logged in"
    return f"logged in @{account} with {'e-mail' if how == 'email' else 'username'}"


def _accounts_result(details: Mapping[str, Any]) -> str:
    names = [str(a.get("username")) for a in details.get("accounts") or () if isinstance(a, dict)]
    listed = f": {', '.join('@' + n for n in names)}" if names else ""
    return f"{len(names)} account(s) logged in{listed}"


def _post_result(details: Mapping[str, Any]) -> str:
    media, caption = details.get("media") or [], details.get("caption", "")
    return f"posted {len(media)} file(s) with caption {caption!r}{_recovered(details)}"


def _profile_result(details: Mapping[str, Any]) -> str:
    changed: Mapping[str, Any] = details.get("changed") or {}
    kept = details.get("unchanged") or []
    parts = [f"{field} {value!r}" for field, value in changed.items()]
    avatar = details.get("avatar")
    if isinstance(avatar, Mapping):
        parts.append(f"photo {avatar.get('file')!r}")
    return f"profile: {', '.join(parts) or 'nothing changed'}" + (
        f" ({', '.join(kept)} already set)" if kept else ""
    )


def _warmup_result(details: Mapping[str, Any]) -> str:
    counts = ", ".join(
        f"{details.get(key, 0)} {key}" for key in ("likes", "follows", "favourites", "comments")
    )
    skipped = details.get("comments_skipped")
    return (
        f"warmed up for {details.get('duration', 0):g}s: {details.get('videos', 0)} videos, "
        f"{counts}"
    ) + (f" ({skipped} videos left without a second comment: at most once)" if skipped else "")


_USERS = ("target_users", "target_user")
SCRIPT_SPECS: dict[str, ScriptSpec] = {
    spec.name: spec
    for spec in (
        ScriptSpec(
            "account_warmup",
            "watch the feed like a person: likes, follows and comments by chance",
            _warmup_result,
            spintax=("comment",),
            templated=("topic", "comment", "chatgpt_settings"),
            rules=_warmup_rules,
            warnings=_warmup_warnings,
            commit="comment",  # its comments (runner/scripts/warmup.py: one per video per task)
        ),
        ScriptSpec(
            "comment",
            "comment on posts: one task per post URL, one of the comment lines each",
            _comment_result,
            target="post_url",
            target_keys=("target_post_urls", "target_post_url"),
            spintax=("comment_content",),
            lines="comment_content",
            text="comment_content",
            target_problem=_post_url_problem,
            commit="comment",
            templated=("comment_content", "comment_image_path"),
            media=(MediaField("comment_image_path", "file", "image"),),
        ),
        ScriptSpec(
            "follow",
            "follow users: one task per user",
            _follow_result,
            target="user",
            target_keys=_USERS,
        ),
        ScriptSpec(
            "login",
            "log the phone's inventory accounts in (e-mail or username, password from the environment)",
            _login_result,
            multi_account=True,
            switch_first=False,
        ),
        ScriptSpec(
            "match_accounts",
            "read which accounts are logged in on the phone (the task's result lists them)",
            _accounts_result,
            multi_account=False,
            switch_first=False,
        ),
        ScriptSpec(
            "post",
            "publish a video or photos with a caption",
            _post_result,
            spintax=("captions",),
            text="captions",
            commit="post",
            templated=(
                "captions",
                "material_path",
                "material_list",
                "materials_tags",
                "sound_name",
                "custom_sound_keyword",
            ),
            # TikMatrix: material_list wins over material_path, which is then not read
            media=(
                MediaField("material_list", "files", "content_type"),
                MediaField("material_path", "library", "content_type", unless="material_list"),
            ),
        ),
        ScriptSpec(
            "profile",
            "set the account's name, username, bio and link: one line of each list per task",
            _profile_result,
            rules=_profile_rules,
            templated=("nicknames", "usernames", "bios", "link_url", "avatars_path"),
            media=(MediaField("avatars_path", "folder", "image"),),
        ),
        ScriptSpec(
            "unfollow",
            "unfollow users: one task per user",
            _follow_result,
            target="user",
            target_keys=_USERS,
        ),
    )
}


def script_spec(name: str) -> ScriptSpec | None:
    return SCRIPT_SPECS.get(name)
