"""inventory.yaml: validated against its own schema, then turned into an ``Inventory``."""

from __future__ import annotations

from typing import Any

from runner.campaign.messages import schema_error
from runner.campaign.model import SourceRef
from runner.campaign.records import DEFAULT_PACKAGE, Account, Inventory, InventoryDevice
from runner.campaign.schemas import (
    fast_is_valid,
    fill_defaults,
    inventory_validator,
    load_schema,
    unusable_values,
)
from runner.campaign.start_times import zone
from runner.campaign.yamlload import Document, dotted
from runner.errors import CampaignError


def check_inventory(doc: Document) -> tuple[Inventory, list[CampaignError]]:
    """Validate one inventory document; on problems the inventory is empty (never half-built)."""
    if doc.data is None:
        return Inventory(present=True, origin=SourceRef(doc.path, 1, 1)), []
    problems = [
        CampaignError(reason, path=doc.path, line=line, column=column, field=dotted(where))
        for where, reason in unusable_values(doc.data)
        for line, column in [doc.value_mark(where)]
    ]
    if problems:
        return Inventory(present=True), problems
    if not fast_is_valid("inventory", doc.data):
        root = load_schema("inventory.schema.json")
        problems = [
            p
            for err in inventory_validator().iter_errors(doc.data)
            for p in schema_error(err, doc, root)
        ]
    if problems:
        return Inventory(present=True), problems
    problems = _semantic_problems(doc)
    return (_build(doc) if not problems else Inventory(present=True)), problems


def _semantic_problems(doc: Document) -> list[CampaignError]:
    """What the schema cannot say: unique serials and usernames, a real time zone."""
    problems: list[CampaignError] = []

    def problem(path: tuple[Any, ...], reason: str) -> None:
        line, column = doc.value_mark(path)
        problems.append(
            CampaignError(reason, path=doc.path, line=line, column=column, field=dotted(path))
        )

    seen_serials: dict[str, int] = {}
    seen_users: dict[str, int] = {}
    for i, device in enumerate(doc.data.get("devices", [])):
        serial = device["serial"]
        if serial in seen_serials:
            problem(
                ("devices", i, "serial"),
                f"serial '{serial}' is listed twice (first on line {seen_serials[serial]})",
            )
        seen_serials.setdefault(serial, doc.value_mark(("devices", i, "serial"))[0])
        for j, account in enumerate(device.get("accounts", [])):
            user = account["username"].lstrip("@")
            path = ("devices", i, "accounts", j, "username")
            if user in seen_users:
                problem(
                    path, f"username '{user}' is listed twice (first on line {seen_users[user]})"
                )
            seen_users.setdefault(user, doc.value_mark(path)[0])
    tz = doc.data.get("timezone")
    if tz is not None and zone(tz) is None:
        problem(
            ("timezone",), f"unknown time zone {tz!r} (expected an IANA name like Europe/Berlin)"
        )
    return problems


def _build(doc: Document) -> Inventory:
    data = fill_defaults(doc.data, load_schema("inventory.schema.json"))
    devices = tuple(
        InventoryDevice(
            serial=d["serial"],
            name=d.get("name", ""),
            groups=tuple(d.get("groups", ())),
            vars=dict(d.get("vars", {})),
            accounts=tuple(
                Account(
                    a["username"].lstrip("@"),
                    a.get("package", DEFAULT_PACKAGE),
                    a.get("email", ""),
                    a.get("password_env", ""),
                    SourceRef(doc.path, *doc.value_mark(("devices", i, "accounts", j))),
                )
                for j, a in enumerate(d.get("accounts", ()))
            ),
        )
        for i, d in enumerate(data["devices"])
    )
    servers = tuple(
        (s.get("host", "127.0.0.1"), int(s.get("port", 5037))) for s in data["adb_servers"]
    )
    return Inventory(
        devices=devices,
        groups={name: dict(g or {}) for name, g in data["groups"].items()},
        adb_servers=servers or (("127.0.0.1", 5037),),
        daily_caps=dict(data["daily_caps"]),
        timezone=data.get("timezone"),
        present=True,
        origin=SourceRef(doc.path, 1, 1),
    )
