"""What the app does when a button is pressed: the actions that change accounts and ground truth."""

from __future__ import annotations

import hashlib
import posixpath
import time
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from runner.sim.fs import normalize
from runner.sim.ui.dialog import Dialog
from runner.sim.ui.intent import Intent
from runner.sim.ui.tiktok.state import Account, Screen, Upload
from runner.sim.ui.tiktok.world import USERNAME, Video

if TYPE_CHECKING:
    from runner.sim.ui.tiktok.tiktok_app import TikTokApp

VIDEO_EXT = (".mp4", ".mov", ".3gp", ".mkv", ".webm")
IMAGE_EXT = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".heic")


def logged_in(app: TikTokApp) -> bool:
    """True with an account; otherwise the app asks to log in, as it does for guests."""
    if app.current is not None:
        return True
    app.popup = Dialog(app.t("login_title"), [app.t("cancel")])
    return False


def screen_url(screen: Screen, video: Video) -> str:
    """The link a video is known by: the one it was opened with, else its canonical URL."""
    opened = screen.params.get("url")
    return str(opened) if opened and screen.params.get("index", 0) == 0 else video.url


def screen_video(app: TikTokApp, screen: Screen) -> Video:
    videos: list[Video] = screen.params["videos"]
    index: int = screen.params.get("index", 0)
    while index >= len(videos):
        videos.append(app.world.feed_item(app.phone.serial, 100_000 + len(videos)))
    return videos[index]


def relation(app: TikTokApp, user: str) -> str:
    """The relation the profile shows: Follow, Following, or Friends when they follow back
    (the words on screen come from the locale's strings)."""
    account = app.account
    if account is None or user not in account.following:
        return "Follow"
    return "Friends" if app.world.follows_back(user) else "Following"


def follow(app: TikTokApp, user: str) -> None:
    if not logged_in(app) or app.account is None or user in app.account.following:
        return
    app.account.following.add(user)
    app.phone.truth.record(app.account.username, "follows", user)


def ask_unfollow(app: TikTokApp, user: str) -> None:
    """Following: the unfollow bottom sheet; Friends: the confirmation dialog (UF capture,
    English texts: "Unfollow this person? You and this person are currently friends.")."""
    if relation(app, user) == "Friends":

        def answer(button: str) -> None:
            if button == app.t("unfollow"):
                unfollow(app, user)

        app.popup = Dialog(
            app.t("unfollow_friend"), [app.t("cancel"), app.t("unfollow")], on_button=answer
        )
        return
    app.top.params.update(sheet="unfollow", unfollow_user=user)


def unfollow(app: TikTokApp, user: str) -> None:
    account = app.account
    if account is None or user not in account.following:
        return
    account.following.discard(user)
    app.phone.truth.record(account.username, "unfollows", user)


def press_follow(app: TikTokApp, user: str) -> None:
    if relation(app, user) == "Follow":
        follow(app, user)
    else:
        ask_unfollow(app, user)


def _entry(video: Video) -> dict[str, str]:
    return {"video_id": video.id, "url": video.url}


def toggle_like(app: TikTokApp, video: Video) -> None:
    _toggle(app, video, "liked", "likes")


def toggle_favourite(app: TikTokApp, video: Video) -> None:
    if _toggle(app, video, "favourites", "favourites"):
        app.toast = (app.t("video_favourite"), time.monotonic() + 2)


def _toggle(app: TikTokApp, video: Video, marks: str, kind: str) -> bool:
    """Flip one of the account's marks on ``video`` (a second tap undoes it, as in the app) and
    keep the ground truth in step; True when the mark was added."""
    account = app.account
    if not logged_in(app) or account is None:
        return False
    marked: set[str] = getattr(account, marks)
    if video.id in marked:
        marked.discard(video.id)
        app.phone.truth.remove_last(account.username, kind, _entry(video))
        return False
    marked.add(video.id)
    app.phone.truth.record(account.username, kind, _entry(video))
    return True


def open_comments(app: TikTokApp) -> None:
    app.top.params["sheet"] = "comments"
    app.fields["comment"] = ""


def post_comment(app: TikTokApp, video: Video, url: str) -> None:
    text = app.fields.get("comment", "")
    image = app.top.params.get("attachment")
    if not text.strip() and not image:
        return
    if not logged_in(app) or app.current is None or app.account is None:
        return
    app.world.add_comment(video.id, app.account.name, text)
    entry = {
        "video_id": video.id,
        "url": url,
        "text": text,
        "image": posixpath.basename(image) if image else None,
    }
    app.phone.truth.record(app.current, "comments", entry)
    app.fields["comment"] = ""
    app.top.params["attachment"] = None
    app.focused = None


def submit_search(app: TikTokApp) -> None:
    query = app.fields.get("search", "").strip()
    if not query or app.top.kind != "search":
        return
    app.top.params.update(query=query, tab="top")
    app.focused = None


def switch_account(app: TikTokApp, username: str) -> None:
    app.top.params["sheet"] = None
    if username == app.current or username not in app.accounts:
        return
    app.background()
    previous, app.current = app.current, username
    app.phone.truth.record(username, "switches", {"from": previous, "to": username})
    app.switch_tab("me")


PROFILE_FIELDS = ("name", "username", "bio", "link")


def open_profile_field(app: TikTokApp, field: str) -> None:
    """The edit-profile screen's row: a screen of one field, filled with what it holds now."""
    account = app.account
    if account is None:
        return
    current = account.username if field == "username" else account.profile.get(field, "")
    app.push(Screen("edit_field", {"field": field}), popup=False)
    app.fields[f"profile_{field}"] = current
    app.focus(f"profile_{field}")


def save_profile_field(app: TikTokApp, field: str) -> None:
    """Save: the field takes the typed value (a username must be free and well formed; a taken
    or malformed one shows a toast and stays on the field, as the app refuses it)."""
    account = app.account
    if account is None:
        return
    value = app.fields.get(f"profile_{field}", "")
    before = account.username
    if field == "username":
        if value != before and (not USERNAME.match(value) or value in app.accounts):
            app.toast = (app.t("username_unavailable"), time.monotonic() + 2)
            return
        if value != before:
            app.accounts = {(value if k == before else k): v for k, v in app.accounts.items()}
            account.username = value
            app.current = value
    else:
        account.profile[field] = value
    app.phone.truth.record(before, "profile", {"field": field, "value": value})
    app.pop()


def save_avatar(app: TikTokApp, path: str) -> None:
    """Save on the crop screen: the picked photo becomes the account's; the ground truth keeps
    which one by the SHA-256 of its bytes on the phone (and its file name there)."""
    account = app.account
    if account is None or app.phone.fs.stat(path) is None:
        return
    digest = hashlib.sha256(app.phone.fs.read(path)).hexdigest()
    account.profile["avatar"] = digest
    app.phone.truth.record(
        account.username,
        "profile",
        {"field": "avatar", "value": digest, "file": posixpath.basename(path)},
    )
    app.pop()  # the crop screen
    app.pop()  # the picker: back on the edit-profile screen


def login_continue(app: TikTokApp) -> None:
    """The e-mail/username tab's Continue: on to the password step with what was typed."""
    identifier = app.fields.get("login_identifier", "").strip()
    if not identifier:
        return
    app.top.params["step"] = "password"
    app.fields["login_password"] = ""
    app.focus("login_password")


def login_submit(app: TikTokApp) -> None:
    """Log in: a known (username or e-mail, password) adds the account and makes it active;
    anything else shows the app's error and stays."""
    identifier = app.fields.get("login_identifier", "").strip()
    username = app.world.check_login(identifier, app.fields.get("login_password", ""))
    if username is None:
        app.toast = (app.t("login_failed"), time.monotonic() + 2)
        return
    app.background()
    app.accounts.setdefault(username, Account(username))
    previous, app.current = app.current, username
    app.phone.truth.record(username, "logins", {"identifier": identifier, "from": previous})
    app.fields.pop("login_password", None)
    app.switch_tab("me")


def open_upload(app: TikTokApp) -> None:
    app.push(Screen("camera"), popup=False)


def open_gallery(app: TikTokApp, mode: str = "post") -> None:
    """The picker (mode "avatar": the edit-profile photo picker); on a phone without storage
    permission Android asks for it first."""
    phone = app.phone
    kind = "photo_picker" if mode == "avatar" else "gallery"
    if phone.storage_granted:
        app.push(Screen(kind, {"mode": mode, "selected": [], "tab": "All"}), popup=False)
        return

    def answer(button: str) -> None:
        if button == "Allow":
            phone.storage_granted = True
            app.push(Screen(kind, {"mode": mode, "selected": [], "tab": "All"}), popup=False)

    phone.display.show_dialog(
        Dialog(
            "Allow TikTok to access photos and media on your device?",
            ["Allow", "Don't allow"],
            package="com.google.android.permissioncontroller",
            on_button=answer,
            cancel_on_outside=False,
        )
    )


def gallery_media(app: TikTokApp, tab: str = "All") -> list[str]:
    """What the media scanner indexed and still exists, newest first (touch bumps a file)."""
    fs, items = app.phone.fs, []
    for path, order in app.phone.media_index.items():
        entry = fs.stat(path)
        lower = path.lower()
        if entry is None or entry.is_dir or not lower.endswith(VIDEO_EXT + IMAGE_EXT):
            continue
        if (tab == "Videos" and not lower.endswith(VIDEO_EXT)) or (
            tab == "Photos" and not lower.endswith(IMAGE_EXT)
        ):
            continue
        items.append((entry.mtime, order, path))
    return [path for _, _, path in sorted(items, reverse=True)]


def toggle_media(app: TikTokApp, path: str) -> None:
    screen = app.top
    if screen.params.get("mode") == "comment_image":
        app.pop()
        app.top.params["attachment"] = path
        return
    selected: list[str] = screen.params["selected"]
    if path in selected:
        selected.remove(path)
    elif len(selected) < 35:
        selected.append(path)


def gallery_next(app: TikTokApp) -> None:
    """Picker "Next (<n>)" opens the editor, whose "Next" leads to the caption screen; a share
    intent lands in the same editor."""
    selected = list(app.top.params.get("selected", []))
    if selected:
        app.push(Screen("editor", {"media": selected}), popup=False)


def editor_next(app: TikTokApp) -> None:
    app.fields["caption"] = ""
    app.push(Screen("post", {"media": app.top.params["media"]}), popup=False)


def press_post(app: TikTokApp) -> None:
    if not logged_in(app):
        return
    if app.phone.popup_probability and app.phone.rng.random() < app.phone.popup_probability:

        def answer(button: str) -> None:
            if button == app.t("publish_now"):
                publish(app)

        app.popup = Dialog(
            app.t("publish_title"), [app.t("cancel"), app.t("publish_now")], on_button=answer
        )
        return
    publish(app)


def publish(app: TikTokApp) -> None:
    """Start the upload: back to the feed with a progress banner; recorded when it finishes."""
    if app.current is None or app.top.kind != "post":
        return
    media = [posixpath.basename(p) for p in app.top.params["media"]]
    seconds = app.phone.rng.uniform(3.0, 8.0) if app.phone.realistic else 0.0
    now = time.monotonic()
    app.uploads.append(
        Upload(app.current, app.fields.get("caption", ""), media, now, now + seconds)
    )
    app.fields["caption"] = ""
    app.switch_tab("feed")
    app.tick()


def record_post(app: TikTokApp, upload: Upload) -> None:
    post = {"caption": upload.caption, "media": upload.media}
    account = app.accounts.get(upload.username)
    if account is not None:
        account.posts.append(post)
    app.phone.truth.record(upload.username, "posts", post)
    app.toast = (app.t("posted"), time.monotonic() + 3)


def share_into_editor(app: TikTokApp, intent: Intent) -> None:
    """SEND / SEND_MULTIPLE with streams: straight into the editor with those files."""
    paths = []
    for uri in intent.streams or ([intent.data] if intent.data else []):
        path = normalize(unquote(urlparse(uri).path) if uri.startswith("file:") else uri)
        entry = app.phone.fs.stat(path)
        if entry is not None and not entry.is_dir:
            paths.append(path)
    if not paths:
        app.popup = Dialog("Couldn't load media", ["OK"])  # stand-in wording
        return
    app.push(Screen("editor", {"media": paths}), popup=False)
