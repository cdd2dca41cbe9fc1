"""What each script is, in one entry: its schema, targets, per-task text, extra checks and the
at-most-once commit point of the scripts that publish.

The campaign pipeline (check, expand, spintax), `plan`, the API and the executor read these
entries instead of naming scripts themselves. This half is pure data and pure functions (the
campaign room imports none of the runtime); the function that runs a script on a phone is
bound to its entry on the scripts side (``runner.scripts.registry``), which also checks that
every entry here has one.

Templates are not per script: every string of a ``script_config`` (and the items one level
down) is rendered (``expand._template_paths``); media paths are judged by ``campaign.media``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

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
    ``multi_account`` overrides ``enable_multi_account`` where TikMatrix does."""

    name: str
    summary: str
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

    @property
    def schema_file(self) -> str:
        """Its JSON Schema under runner/schemas/."""
        return f"scripts/{self.name}.schema.json"

    def task_text(self, config: Mapping[str, Any]) -> str:
        """What a task of this script publishes (`plan`'s text column), or ""."""
        value = config.get(self.text) if self.text else None
        return value if isinstance(value, str) else ""


def _num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _warmup_rules(data: Mapping[str, Any]) -> list[Finding]:
    config = data.get("script_config")
    if not isinstance(config, Mapping):
        return []
    low: Any = config.get("min_duration")
    high: Any = config.get("max_duration")
    if _num(low) and _num(high) and low > high:
        return [
            (("script_config", "max_duration"), f"must be >= min_duration ({low}), found {high}")
        ]
    return []


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


_USERS = ("target_users", "target_user")
SCRIPT_SPECS: dict[str, ScriptSpec] = {
    spec.name: spec
    for spec in (
        ScriptSpec(
            "account_warmup",
            "watch the feed like a person: likes, follows and comments by chance",
            spintax=("comment",),
            rules=_warmup_rules,
            warnings=_warmup_warnings,
        ),
        ScriptSpec(
            "comment",
            "comment on posts: one task per post URL, one of the comment lines each",
            target="post_url",
            target_keys=("target_post_urls", "target_post_url"),
            spintax=("comment_content",),
            lines="comment_content",
            text="comment_content",
            target_problem=_post_url_problem,
            commit="comment",
        ),
        ScriptSpec(
            "follow",
            "follow users: one task per user",
            target="user",
            target_keys=_USERS,
        ),
        ScriptSpec(
            "login",
            "log the phone's inventory accounts in (e-mail or username, password from the environment)",
            multi_account=True,
            switch_first=False,
        ),
        ScriptSpec(
            "match_accounts",
            "read which accounts are logged in on the phone (the task's result lists them)",
            multi_account=False,
            switch_first=False,
        ),
        ScriptSpec(
            "post",
            "publish a video or photos with a caption",
            spintax=("captions",),
            text="captions",
            commit="post",
        ),
        ScriptSpec(
            "profile",
            "set the account's name, username, bio and link: one line of each list per task",
            rules=_profile_rules,
        ),
        ScriptSpec(
            "unfollow",
            "unfollow users: one task per user",
            target="user",
            target_keys=_USERS,
        ),
    )
}


def script_spec(name: str) -> ScriptSpec | None:
    return SCRIPT_SPECS.get(name)
