"""Who runs a campaign (phones, accounts) and on what (target users, post URLs).

Both lists are resolved once per campaign, not per task; problems (unknown usernames or groups)
and warnings (duplicates, serials missing from the inventory) are collected, never raised here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runner.campaign.messages import did_you_mean
from runner.campaign.model import SourceRef
from runner.campaign.records import Campaign, Inventory, InventoryDevice
from runner.campaign.script_registry import SCRIPT_SPECS
from runner.campaign.yamlload import Document
from runner.errors import CampaignError

_SPLIT = re.compile(r"[\n,]")


@dataclass(frozen=True)
class Unit:
    """One phone, optionally with one account: where a task runs."""

    serial: str
    username: str | None
    package: str | None
    device: InventoryDevice | None


def units(
    campaign: Campaign,
    inventory: Inventory,
    problems: list[CampaignError],
    warnings: list[CampaignError],
) -> list[Unit]:
    data = campaign.data
    if data.get("usernames"):
        return _account_units(campaign, inventory, problems, warnings)
    serials = _device_serials(campaign, inventory, problems, warnings)
    out: list[Unit] = []
    for serial in serials:
        device = inventory.device(serial)
        first = device.accounts[0] if device and device.accounts else None
        if _multi_account(data):
            if device and device.accounts:
                out += [Unit(serial, a.username, a.package, device) for a in device.accounts]
                continue
            warnings.append(
                _warn(
                    campaign,
                    ("enable_multi_account",),
                    f"phone '{serial}' has no accounts in inventory.yaml; one task runs on its current account",
                )
            )
        out.append(Unit(serial, None, first.package if first else None, device))
    return out


def login_problems(
    campaign: Campaign, inventory: Inventory, where: list[Unit]
) -> list[CampaignError]:
    """A login task of an account without ``password_env`` could only fail at run time: it is a
    problem of the inventory entry that lacks it (file:line and field of that account)."""
    if campaign.script_name != "login":
        return []
    out: list[CampaignError] = []
    index = {d.serial: i for i, d in enumerate(inventory.devices)}
    for unit in where:
        hit = inventory.account(unit.username) if unit.username else None
        if hit is None or hit[1].password_env:
            continue
        device, account = hit
        ref = account.origin or SourceRef("inventory.yaml")
        out.append(
            CampaignError(
                f"account '{account.username}' has no password_env in inventory.yaml: the login "
                "script reads the account's password from that environment variable",
                path=ref.path,
                line=ref.line,
                column=ref.column,
                field=f"devices[{index[device.serial]}].accounts[{device.accounts.index(account)}]",
                hint="set password_env: NAME on the account and export NAME=<password> for the "
                "runner",
            )
        )
    return out


def _multi_account(data: dict[str, Any]) -> bool:
    """``enable_multi_account``, unless TikMatrix forces it for the script (match_accounts)."""
    spec = SCRIPT_SPECS.get(str(data.get("script_name")))
    forced = spec.multi_account if spec is not None else None
    return bool(data.get("enable_multi_account")) if forced is None else forced


def _account_units(
    campaign: Campaign,
    inventory: Inventory,
    problems: list[CampaignError],
    warnings: list[CampaignError],
) -> list[Unit]:
    out: list[Unit] = []
    seen: set[str] = set()
    for i, raw in enumerate(campaign.data["usernames"]):
        name = raw.lstrip("@")
        if name in seen:
            warnings.append(
                _warn(campaign, ("usernames", i), f"duplicate username '{name}' ignored")
            )
            continue
        seen.add(name)
        hit = inventory.account(name)
        if hit is None:
            problems.append(campaign.error(("usernames", i), unknown_username(name, inventory)))
            continue
        device, account = hit
        out.append(Unit(device.serial, account.username, account.package, device))
    return out


def _device_serials(
    campaign: Campaign,
    inventory: Inventory,
    problems: list[CampaignError],
    warnings: list[CampaignError],
) -> list[str]:
    serials: list[str] = []
    seen: set[str] = set()  # membership in a set: 10,000 serials must not cost 10,000²
    for i, serial in enumerate(campaign.data.get("serials", [])):
        if serial in seen:
            warnings.append(_warn(campaign, ("serials", i), f"duplicate serial '{serial}' ignored"))
            continue
        if inventory.present and inventory.device(serial) is None:
            warnings.append(
                _warn(campaign, ("serials", i), f"serial '{serial}' is not in inventory.yaml")
            )
        serials.append(serial)
        seen.add(serial)
    known = inventory.group_names()
    for i, group in enumerate(campaign.data.get("groups", [])):
        if group not in known:
            problems.append(campaign.error(("groups", i), unknown_group(group, inventory)))
            continue
        for device in inventory.devices_in_group(group):
            if device.serial not in seen:
                serials.append(device.serial)
                seen.add(device.serial)
    return serials


def _where(inventory: Inventory) -> str:
    return "inventory.yaml" if inventory.present else "an inventory (there is no inventory.yaml)"


def unknown_username(name: str, inventory: Inventory) -> str:
    return f"unknown username '{name}': not in {_where(inventory)}{did_you_mean(name, inventory.usernames())}"


def unknown_group(group: str, inventory: Inventory) -> str:
    return f"unknown group '{group}': not in {_where(inventory)}{did_you_mean(group, sorted(inventory.group_names()))}"


def reference_problems(doc: Document, inventory: Inventory) -> list[CampaignError]:
    """Unknown usernames and groups of a document that failed its schema, so one run still
    reports them alongside the schema problems (valid campaigns get them from ``units``)."""
    out: list[CampaignError] = []
    data = doc.data if isinstance(doc.data, dict) else {}
    groups = inventory.group_names()
    checks: tuple[tuple[str, Callable[[str], bool], Callable[[str], str]], ...] = (
        (
            "usernames",
            lambda v: inventory.account(v.lstrip("@")) is not None,
            lambda v: unknown_username(v.lstrip("@"), inventory),
        ),
        ("groups", lambda v: v in groups, lambda v: unknown_group(v, inventory)),
    )
    for key, known, reason in checks:
        values = data.get(key)
        for i, value in enumerate(values if isinstance(values, list) else []):
            if isinstance(value, str) and value and not known(value):
                line, column = doc.value_mark((key, i))
                out.append(
                    CampaignError(
                        reason(value), path=doc.path, line=line, column=column, field=f"{key}[{i}]"
                    )
                )
    return out


def targets(campaign: Campaign, warnings: list[CampaignError]) -> list[str | None]:
    """The targets of a follow/unfollow/comment campaign; ``[None]`` for other scripts.

    The list key wins over the string key; strings split on newlines and commas; duplicates
    are dropped with a warning (a target is one task, twice would do the same thing twice).
    """
    spec = SCRIPT_SPECS[campaign.script_name]
    if spec.target_keys is None:
        return [None]
    kind, (plural, single) = spec.target, spec.target_keys
    config = campaign.config
    if config.get(plural):
        raw, path = list(config[plural]), ("script_config", plural)
    else:
        raw, path = _SPLIT.split(config.get(single, "")), ("script_config", single)
    out: list[str | None] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        value = item.strip()
        if kind == "user":
            value = value.lstrip("@")
        if not value:
            continue
        if value in seen:
            where = path + (i,) if path[-1] == plural else path
            warnings.append(_warn(campaign, where, f"duplicate target '{value}' ignored"))
            continue
        out.append(value)
        seen.add(value)
    return out


def _warn(campaign: Campaign, path: tuple[object, ...], reason: str) -> CampaignError:
    return campaign.error(path, reason, severity="warning")
