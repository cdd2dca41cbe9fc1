"""The content the app shows: creators, videos, comments, search results.

Deterministic from the fleet seed so a rehearsal is reproducible, and shared by every phone of
a fleet: a comment one phone posts is in the list another phone sees.
"""

from __future__ import annotations

import hashlib
import random
import re
import threading
from dataclasses import dataclass

USERNAME = re.compile(r"^[A-Za-z0-9._]{2,24}$")
CREATORS = (
    "dancequeen",
    "chef.marco",
    "techtok_daily",
    "catsofinsta",
    "travelwithjo",
    "fitwithsam",
    "diy.hannah",
    "comedy.kev",
    "garden_gus",
    "lofi.beats",
    "skate.lena",
    "bookish.bea",
)
WORDS = (
    "sunset",
    "recipe",
    "tutorial",
    "vibes",
    "challenge",
    "storytime",
    "hack",
    "review",
    "dance",
    "fyp",
)
COMMENTERS = ("mia.rose", "jake_22", "lucy.l", "ben.codes", "ava_sky", "noah.w")


def display_name(user: str) -> str:
    """The name the app shows for an account that never set one (a stand-in derived from the
    handle): profiles' name line, search rows, comment rows' author."""
    return user.replace("_", " ").replace(".", " ").title()


@dataclass(frozen=True)
class Video:
    id: str
    creator: str
    caption: str
    kind: str = "video"  # video | ad | live
    likes: int = 0

    @property
    def url(self) -> str:
        return f"https://www.tiktok.com/@{self.creator}/video/{self.id}"


def _rng(*parts: object) -> random.Random:
    return random.Random(hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest())


class World:
    def __init__(
        self,
        seed: int = 0,
        *,
        missing_users: tuple[str, ...] = (),
        mutual_users: tuple[str, ...] = (),
    ) -> None:
        self.seed = seed
        self.missing_users = {u.lower() for u in missing_users}
        self.mutual_users = {u.lower() for u in mutual_users}
        self._comments: dict[str, list[tuple[str, str]]] = {}
        self._lock = threading.Lock()
        # accounts that exist on the service with their e-mail and password (log-in checks)
        self.credentials: dict[str, tuple[str, str]] = {}

    def register(self, username: str, email: str, password: str) -> None:
        """An account anyone can log in to with (username or e-mail) and password."""
        self.credentials[username] = (email, password)

    def check_login(self, identifier: str, password: str) -> str | None:
        """The username that ``identifier`` (username or e-mail) and ``password`` log in to."""
        for username, (email, secret) in self.credentials.items():
            if (identifier == username or (email and identifier == email)) and password == secret:
                return username
        return None

    def _video(self, rng: random.Random, creator: str | None = None, kind: str = "video") -> Video:
        creator = creator or rng.choice(CREATORS)
        video_id = "73" + "".join(rng.choice("0123456789") for _ in range(17))
        caption = f"{rng.choice(WORDS)} {rng.choice(WORDS)} #{rng.choice(WORDS)} #fyp"
        return Video(video_id, creator, caption, kind, rng.randint(10, 900_000))

    def feed_item(self, phone: str, index: int) -> Video:
        """The ``index``-th item of a phone's For You feed: mostly videos, some ads and lives."""
        rng = _rng(self.seed, "feed", phone, index)
        kind = "ad" if index % 7 == 3 else "live" if index % 9 == 5 else "video"
        return self._video(rng, kind=kind)

    def video(self, video_id: str, creator: str) -> Video:
        rng = _rng(self.seed, "video", video_id)
        base = self._video(rng, creator)
        return Video(video_id, creator, base.caption, "video", base.likes)

    def resolve_short(self, code: str) -> Video:
        """vm.tiktok.com/<code>/ points at one fixed video per code."""
        return self._video(_rng(self.seed, "short", code))

    def search_videos(self, query: str, start: int = 0, count: int = 8) -> list[Video]:
        return [
            self._video(_rng(self.seed, "search", query.lower(), i))
            for i in range(start, start + count)
        ]

    def user_videos(self, username: str, count: int = 6) -> list[Video]:
        return [
            self._video(_rng(self.seed, "user", username.lower(), i), username)
            for i in range(count)
        ]

    def user_exists(self, username: str) -> bool:
        return bool(USERNAME.match(username)) and username.lower() not in self.missing_users

    def follows_back(self, username: str) -> bool:
        return username.lower() in self.mutual_users

    def similar_users(self, query: str) -> list[str]:
        """Users search results: the exact name first (if it exists), then look-alikes."""
        base = re.sub(r"[^A-Za-z0-9._]", "", query.strip().lstrip("@"))[:20]
        if not base:
            return []
        names = [base, f"{base}_official", f"{base}.fan", f"real{base}", f"{base}123"]
        return [n for n in names if self.user_exists(n)]

    def comments(self, video_id: str) -> list[tuple[str, str]]:
        """The video's comments, oldest first: (author's display name, text). A comment row
        shows its author by display name, not handle (FACTS.md, Comments)."""
        with self._lock:
            if video_id not in self._comments:
                rng = _rng(self.seed, "comments", video_id)
                self._comments[video_id] = [
                    (
                        display_name(rng.choice(COMMENTERS)),
                        f"{rng.choice(WORDS)} {rng.choice(WORDS)}!",
                    )
                    for _ in range(3)
                ]
            return list(self._comments[video_id])

    def add_comment(self, video_id: str, author: str, text: str) -> None:
        """``author``: the display name the commenting account has now."""
        self.comments(video_id)
        with self._lock:
            self._comments[video_id].append((author, text))
