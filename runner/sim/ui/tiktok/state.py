"""The app's state records: the screen stack entries and what each logged-in account knows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runner.sim.ui.tiktok.world import display_name

ACTIVITIES = {
    "feed": "com.ss.android.ugc.aweme.main.MainActivity",
    "friends": "com.ss.android.ugc.aweme.main.MainActivity",
    "inbox": "com.ss.android.ugc.aweme.main.MainActivity",
    "me": "com.ss.android.ugc.aweme.main.MainActivity",
    "search": "com.ss.android.ugc.aweme.search.activity.SearchResultActivity",
    "profile": "com.ss.android.ugc.aweme.profile.ui.UserProfileActivity",
    "video": "com.ss.android.ugc.aweme.detail.ui.DetailActivity",
    "live": "com.ss.android.ugc.aweme.live.LivePlayActivity",
    "camera": "com.ss.android.ugc.aweme.shortvideo.ui.VideoRecordNewActivity",
    "gallery": "com.ss.android.ugc.aweme.mediachoose.MediaChooseActivity",
    "editor": "com.ss.android.ugc.aweme.shortvideo.edit.VEVideoPublishEditActivity",
    "post": "com.ss.android.ugc.aweme.shortvideo.ui.VideoPublishActivity",
    "login": "com.ss.android.ugc.aweme.account.login.LoginActivity",
    # the activity name is from automation code (liuzika/script_project), not a capture
    "edit_profile": "com.ss.android.ugc.aweme.profile.ui.ProfileEditActivity",
    "edit_field": "com.ss.android.ugc.aweme.profile.ui.ProfileEditActivity",
}


@dataclass
class Screen:
    """One entry of the app's back stack; ``params`` hold what that screen shows."""

    kind: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def sheet(self) -> str | None:
        return self.params.get("sheet")


@dataclass
class Account:
    username: str
    following: set[str] = field(default_factory=set)
    liked: set[str] = field(default_factory=set)
    favourites: set[str] = field(default_factory=set)
    posts: list[dict[str, Any]] = field(default_factory=list)
    # the editable profile (edit-profile screen); "" = never set (the name shows a default)
    profile: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The display name: the one set on the edit-profile screen, else the default."""
        return self.profile.get("name") or display_name(self.username)


@dataclass
class Upload:
    username: str
    caption: str
    media: list[str]
    started: float
    finishes: float
