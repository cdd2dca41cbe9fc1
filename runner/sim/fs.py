"""The phone's file system, in memory: enough of Android's layout for push, pull, dumps and media.

Paths are normalised the way the kernel resolves them (``//`` collapsed, trailing ``/`` dropped,
``/sdcard`` -> ``/storage/emulated/0``) so a push to ``/data/local/tmp/`` never creates a file
literally named with a slash (a bug a prototype hit, adb.md §2.3).
"""

from __future__ import annotations

import posixpath
import time
from dataclasses import dataclass

S_IFDIR = 0o040000
S_IFREG = 0o100000
ALIASES = {
    "/sdcard": "/storage/emulated/0",
    "/storage/self/primary": "/storage/emulated/0",
    "/mnt/sdcard": "/storage/emulated/0",
}
SEED_DIRS = (
    "/data/local/tmp",
    "/system/bin",
    "/storage/emulated/0/DCIM/Camera",
    "/storage/emulated/0/Pictures",
    "/storage/emulated/0/Movies",
    "/storage/emulated/0/Download",
    "/storage/emulated/0/Android/data",
    "/dev",
)


@dataclass
class Entry:
    mode: int
    mtime: int
    data: bytes = b""

    @property
    def is_dir(self) -> bool:
        return bool(self.mode & S_IFDIR)


def normalize(path: str) -> str:
    """Absolute, collapsed path with the sdcard aliases resolved."""
    path = posixpath.normpath("/" + path.strip()) if path else "/"
    if path.startswith("//"):
        path = path[1:]
    for alias, real in ALIASES.items():
        if path == alias or path.startswith(alias + "/"):
            return real + path[len(alias) :]
    return path


class FileSystem:
    """A flat map of normalised path -> Entry; directories are entries too."""

    def __init__(self) -> None:
        now = int(time.time())
        self.entries: dict[str, Entry] = {"/": Entry(S_IFDIR | 0o755, now)}
        for path in SEED_DIRS:
            self.mkdir(path, parents=True)

    def stat(self, path: str) -> Entry | None:
        return self.entries.get(normalize(path))

    def read(self, path: str) -> bytes:
        """File bytes; FileNotFoundError / IsADirectoryError like open(2)."""
        entry = self.entries.get(normalize(path))
        if entry is None:
            raise FileNotFoundError(path)
        if entry.is_dir:
            raise IsADirectoryError(path)
        return entry.data

    def write(
        self,
        path: str,
        data: bytes,
        *,
        mode: int = 0o644,
        mtime: int | None = None,
        parents: bool = False,
    ) -> None:
        """Create or replace a file; the parent must exist unless ``parents`` (push creates it)."""
        path = normalize(path)
        parent = posixpath.dirname(path)
        if parents:
            self.mkdir(parent, parents=True)
        parent_entry = self.entries.get(parent)
        if parent_entry is None or not parent_entry.is_dir:
            raise FileNotFoundError(parent)
        if (old := self.entries.get(path)) is not None and old.is_dir:
            raise IsADirectoryError(path)
        perm = mode & 0o7777 or 0o644
        self.entries[path] = Entry(
            S_IFREG | perm, int(time.time()) if mtime is None else mtime, data
        )

    def append(self, path: str, data: bytes) -> None:
        old = self.entries.get(normalize(path))
        self.write(path, (old.data if old and not old.is_dir else b"") + data)

    def mkdir(self, path: str, *, parents: bool = False) -> None:
        path = normalize(path)
        if path in self.entries:
            if self.entries[path].is_dir:
                return
            raise FileExistsError(path)
        parent = posixpath.dirname(path)
        if parent not in self.entries:
            if not parents:
                raise FileNotFoundError(parent)
            self.mkdir(parent, parents=True)
        self.entries[path] = Entry(S_IFDIR | 0o771, int(time.time()))

    def remove(self, path: str, *, recursive: bool = False) -> None:
        path = normalize(path)
        entry = self.entries.get(path)
        if entry is None:
            raise FileNotFoundError(path)
        if entry.is_dir:
            children = [p for p in self.entries if p.startswith(path.rstrip("/") + "/")]
            if children and not recursive:
                raise IsADirectoryError(path)
            for child in children:
                del self.entries[child]
        del self.entries[path]

    def touch(self, path: str, mtime: int | None = None) -> None:
        """Create an empty file or bump its mtime (what makes media sort first in the picker)."""
        entry = self.entries.get(normalize(path))
        if entry is None:
            self.write(path, b"", mtime=mtime)
        else:
            entry.mtime = int(time.time()) if mtime is None else mtime

    def listdir(self, path: str) -> list[tuple[str, Entry]]:
        """Direct children, sorted by name; NotADirectoryError / FileNotFoundError otherwise."""
        path = normalize(path)
        entry = self.entries.get(path)
        if entry is None:
            raise FileNotFoundError(path)
        if not entry.is_dir:
            raise NotADirectoryError(path)
        prefix = path.rstrip("/") + "/"
        names = [
            (p[len(prefix) :], e)
            for p, e in self.entries.items()
            if p.startswith(prefix) and "/" not in p[len(prefix) :]
        ]
        return sorted(names)
