"""What loading produces: the inventory, validated campaigns and the repository as a whole."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner.campaign.model import SourceRef
from runner.campaign.yamlload import Budget, Document, Path_, dotted
from runner.errors import CampaignError, Severity

DEFAULT_PACKAGE = "com.zhiliaoapp.musically"


@dataclass(frozen=True)
class Account:
    username: str
    package: str = DEFAULT_PACKAGE
    email: str = ""
    password_env: str = ""  # the environment variable holding its password (login script)
    # where inventory.yaml lists it, for problems about the account (no password_env for login)
    origin: SourceRef | None = field(default=None, compare=False, hash=False)


@dataclass(frozen=True)
class InventoryDevice:
    serial: str
    name: str = ""
    groups: tuple[str, ...] = ()
    vars: dict[str, Any] = field(default_factory=dict, hash=False)
    accounts: tuple[Account, ...] = ()

    def as_context(self) -> dict[str, Any]:
        """What templates see as ``device``."""
        return {
            "serial": self.serial,
            "name": self.name or self.serial,
            "groups": list(self.groups),
        }


@dataclass(frozen=True)
class Inventory:
    """Phones, accounts and groups. Empty (``present`` False) when there is no inventory.yaml."""

    devices: tuple[InventoryDevice, ...] = ()
    groups: dict[str, dict[str, Any]] = field(default_factory=dict, hash=False)
    adb_servers: tuple[tuple[str, int], ...] = (("127.0.0.1", 5037),)
    daily_caps: dict[str, int] = field(default_factory=dict, hash=False)
    timezone: str | None = None
    present: bool = False
    origin: SourceRef | None = None
    _by_serial: dict[str, InventoryDevice] = field(
        default_factory=dict, repr=False, compare=False, hash=False
    )
    _by_username: dict[str, tuple[InventoryDevice, Account]] = field(
        default_factory=dict, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        for device in self.devices:
            self._by_serial.setdefault(device.serial, device)
            for account in device.accounts:
                self._by_username.setdefault(account.username, (device, account))

    def device(self, serial: str) -> InventoryDevice | None:
        return self._by_serial.get(serial)

    def device_for_username(self, username: str) -> tuple[str, str] | None:
        """``(serial, package)`` of the phone the account is logged in on, or None."""
        hit = self._by_username.get(username.lstrip("@"))
        return (hit[0].serial, hit[1].package) if hit else None

    def account(self, username: str) -> tuple[InventoryDevice, Account] | None:
        return self._by_username.get(username.lstrip("@"))

    def devices_in_group(self, group: str) -> list[InventoryDevice]:
        return [d for d in self.devices if group in d.groups]

    def group_names(self) -> set[str]:
        return set(self.groups) | {g for d in self.devices for g in d.groups}

    def usernames(self) -> list[str]:
        return list(self._by_username)

    def group_vars(self, group: str) -> dict[str, Any]:
        return dict(self.groups.get(group, {}).get("vars", {}))


@dataclass(frozen=True)
class Campaign:
    """One validated campaign document; ``data`` has aliases normalized and defaults filled."""

    name: str
    script_name: str
    schedule: str | None
    timezone: str
    enabled: bool
    origin: SourceRef
    data: dict[str, Any] = field(hash=False)
    doc: Document | None = field(default=None, repr=False, compare=False, hash=False)

    @property
    def config(self) -> dict[str, Any]:
        config: dict[str, Any] = self.data["script_config"]
        return config

    def where(self, path: Path_, *, key: bool = False) -> SourceRef:
        """The file position of a value (or its key) of this campaign, for error messages."""
        if self.doc is None:
            return self.origin
        line, column = self.doc.key_mark(path) if key else self.doc.value_mark(path)
        return SourceRef(self.origin.path, line, column)

    def error(
        self, path: Path_, reason: str, *, key: bool = False, severity: Severity = "error"
    ) -> CampaignError:
        ref = self.where(path, key=key)
        return CampaignError(
            reason,
            path=ref.path,
            line=ref.line,
            column=ref.column,
            field=dotted(path),
            severity=severity,
        )


@dataclass
class Repo:
    """Everything `load_repo` found: campaigns, the inventory, and every problem and warning."""

    root: Path
    campaigns: list[Campaign] = field(default_factory=list)
    inventory: Inventory = field(default_factory=Inventory)
    problems: list[CampaignError] = field(default_factory=list)
    warnings: list[CampaignError] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    # what the YAML of this load may still hold (docs/limits.md), shared by its files
    yaml_budget: Budget = field(default_factory=Budget.fresh, repr=False, compare=False)

    @property
    def valid(self) -> bool:
        return not self.problems

    def campaign(self, name: str) -> Campaign | None:
        return next((c for c in self.campaigns if c.name == name), None)
