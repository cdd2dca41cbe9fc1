"""What a simulated phone is: its identity, accounts, installed apps and scheduled faults.

Frozen records, so a fleet's description can be logged, compared and rebuilt from a seed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

TIKTOK = "com.zhiliaoapp.musically"
TIKTOK_ASIA = "com.ss.android.ugc.trill"
TIKTOK_PACKAGES = (TIKTOK, TIKTOK_ASIA)
NEWEST_TIKTOK = "47.0.3"
ADB_KEYBOARD = "com.android.adbkeyboard"
BASE_PACKAGES = (
    "android",
    "com.android.settings",
    "com.android.systemui",
    "com.android.launcher3",
    "com.android.providers.media",
    "com.google.android.permissioncontroller",
    "com.android.inputmethod.latin",
)


@dataclass(frozen=True)
class AccountSpec:
    """A logged-in account; ``following`` seeds who it already follows (for unfollow tests)."""

    username: str
    package: str = TIKTOK
    following: tuple[str, ...] = ()


@dataclass(frozen=True)
class FaultSpec:
    """Faults of one phone. Counts are shell commands since the phone started; times are seconds.

    - disconnect_after / disconnect_at / disconnect_on: close the TCP connection on that command
      count, at that time, or on the first command containing that text (the listener stays up,
      the adb server re-dials in ~0.25 s).
    - offline_at + offline_for: close the listener too, then listen again.
    - latency: seconds added to every command.
    - crash_after_taps: the app crashes back to the launcher on that tap.
    - dialog_after: an unexpected dialog covers the app after that many commands.
    - layout: the app's layout instead of the phone's ``app_version`` one (a real version, or
      "variant": ids the shipped selector data does not know); hide: logical element names
      (runner/sim/ui/tiktok/layouts.yaml) the app does not render.
    - unauthorized: answer CNXN with AUTH (the host shows the phone "unauthorized").
    - app_missing: no TikTok package installed.
    - hang_on: a command containing this text never answers ("" : every command).
    - disconnect_after_effect / hang_after_effect: ground-truth kinds, comma-separated
      ("comments", "posts", "comments,posts", ...): right after the app records the first such effect (the Post tap went
      through), the next command drops the connection / every command hangs. The worst
      moment for a runner: the effect happened and it has not seen the answer.

    Screen reads, as on a real phone (shared/reference/screen-readers.md):
    - compressed_idle_failure: probability that `uiautomator dump --compressed` also fails with
      "could not get idle state" on an animating screen (a plain dump always fails there).
    - dump_seconds: (low, high) cost of a `uiautomator dump` with ``realistic``; idle_timeout:
      what a dump that never sees the screen idle costs before it gives up (``realistic``).
    - u2_unavailable: the uiautomator2 server cannot start ("already registered" on its output).
    - u2_dump_seconds / u2_start_seconds: its hierarchy call and start-up cost (``realistic``).
    """

    disconnect_after: int | None = None
    disconnect_at: float | None = None
    disconnect_on: str | None = None
    offline_at: float | None = None
    offline_for: float = 5.0
    latency: float = 0.0
    crash_after_taps: int | None = None
    dialog_after: int | None = None
    layout: str | None = None
    hide: tuple[str, ...] = ()
    unauthorized: bool = False
    app_missing: bool = False
    hang_on: str | None = None
    disconnect_after_effect: str | None = None
    hang_after_effect: str | None = None
    compressed_idle_failure: float = 0.0
    dump_seconds: tuple[float, float] = (1.0, 2.5)
    idle_timeout: float = 10.0
    u2_unavailable: bool = False
    u2_dump_seconds: tuple[float, float] = (0.15, 0.35)
    u2_start_seconds: float = 1.5


@dataclass(frozen=True)
class PhoneSpec:
    """One phone. ``serial`` is the hardware serial (``getprop ro.serialno``), not the adb one."""

    serial: str
    model: str = "SimPhone"
    accounts: tuple[AccountSpec, ...] = ()
    packages: tuple[str, ...] = TIKTOK_PACKAGES
    adb_keyboard: bool = True
    faults: FaultSpec | None = None
    android_release: str = "12"
    battery: int = 87
    app_version: str = NEWEST_TIKTOK  # picks the app's layout (runner/sim/ui/tiktok/layouts.yaml)
    locale: str = "en"  # the app's UI language: en, fr, pt-BR (runner/sim/ui/tiktok/strings.yaml)
    storage_granted: bool = True
    props: Mapping[str, str] = field(default_factory=dict)

    def installed(self) -> tuple[str, ...]:
        """Every package ``pm list packages`` shows, in install order."""
        apps = tuple(
            p
            for p in self.packages
            if not (self.faults and self.faults.app_missing and p in TIKTOK_PACKAGES)
        )
        extra = (ADB_KEYBOARD,) if self.adb_keyboard else ()
        clones = tuple(
            a.package
            for a in self.accounts
            if a.package not in apps and not self._missing(a.package)
        )
        return BASE_PACKAGES + extra + tuple(dict.fromkeys(apps + clones))

    def _missing(self, package: str) -> bool:
        return bool(self.faults and self.faults.app_missing and package.startswith(TIKTOK_PACKAGES))


def default_phones(
    count: int, accounts: int = 2, *, first: int = 1, prefix: str = "SIM", **options: Any
) -> list[PhoneSpec]:
    """``count`` phones <prefix>000001.. each with ``accounts`` TikTok accounts user<phone>_<n>
    (another prefix than SIM names the accounts after it too: two fleets, two sets of phones
    and accounts, e.g. one per host)."""
    phones = []
    who = "user" if prefix == "SIM" else prefix.lower()
    for number in range(first, first + count):
        users = tuple(AccountSpec(f"{who}{number:03d}_{n}") for n in range(1, accounts + 1))
        phones.append(PhoneSpec(serial=f"{prefix}{number:06d}", accounts=users, **options))
    return phones


def phones_for_inventory(devices: Iterable[Any], **options: Any) -> list[PhoneSpec]:
    """One phone per inventory device, answering its serial, with its accounts logged in.

    Accepts the campaign room's ``Inventory.devices`` records (attributes ``serial``, ``name``,
    ``accounts`` of ``(username, package)`` pairs or objects) or plain dicts from YAML.
    """
    return [_phone_for_device(device, options) for device in devices]


def _phone_for_device(device: Any, options: dict[str, Any]) -> PhoneSpec:
    get = (
        device.get
        if isinstance(device, Mapping)
        else lambda key, default=None: getattr(device, key, default)
    )
    accounts = tuple(_account(a) for a in (get("accounts", None) or ()))
    packages = tuple(dict.fromkeys(TIKTOK_PACKAGES + tuple(a.package for a in accounts)))
    model = str(get("model", None) or "SimPhone")
    per_phone = {k: str(get(k)) for k in ("app_version", "locale") if get(k, None)}
    return PhoneSpec(
        serial=str(get("serial")),
        model=model,
        accounts=accounts,
        packages=packages,
        **{**options, **per_phone},
    )


def _account(raw: Any) -> AccountSpec:
    if isinstance(raw, AccountSpec):
        return raw
    if isinstance(raw, str):
        return AccountSpec(raw)
    if isinstance(raw, Mapping):
        return AccountSpec(str(raw["username"]), str(raw.get("package") or TIKTOK))
    if isinstance(raw, Sequence):
        return AccountSpec(str(raw[0]), str(raw[1]) if len(raw) > 1 and raw[1] else TIKTOK)
    return AccountSpec(str(raw.username), str(getattr(raw, "package", None) or TIKTOK))
