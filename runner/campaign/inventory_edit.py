"""Add accounts to inventory.yaml as text, so the user's comments, order and spacing stay.

`campaign inventory sync --write` puts in the accounts `match_accounts` found. A YAML library
that round-trips comments (ruamel) is not a dependency, and re-dumping with PyYAML would drop
every comment and reorder keys: the file is the user's. So the new lines are inserted where
they belong, found from PyYAML's node positions: an account after the last item of its phone's
block ``accounts:`` list (or before the ``]`` of a flow one, or as a new ``accounts:`` key at
the end of the phone's entry), a new phone after the last item of a block ``devices:`` list.
Items are written as flow mappings, ``{username: x, package: y}``, as the shipped inventory
does. What this cannot place (a flow ``devices: [...]``, a document that is not a mapping) is
refused with the reason; the caller prints the YAML to paste instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Accounts = Sequence[tuple[str, str]]  # (username, package)


class CannotPlace(ValueError):
    """The file's shape leaves no safe place for the new lines; the text says why."""


def account_item(username: str, package: str) -> str:
    return f"{{username: {_scalar(username)}, package: {_scalar(package)}}}"


def device_lines(serial: str, accounts: Accounts, indent: str = "  ") -> list[str]:
    """A new ``devices:`` item, with ``indent`` before its dash."""
    return [
        f"{indent}- serial: {_scalar(serial)}",
        f"{indent}  accounts:",
        *(f"{indent}    - {account_item(u, p)}" for u, p in accounts),
    ]


def add_accounts(
    text: str, existing: Mapping[str, Accounts], new_devices: Mapping[str, Accounts]
) -> str:
    """``text`` with ``existing`` (serial of a phone listed -> accounts to add to it) and
    ``new_devices`` (serial of a phone not listed -> its accounts) inserted."""
    if text and not text.endswith("\n"):
        text += "\n"
    root = yaml.compose(text) if text.strip() else None
    if root is not None and not isinstance(root, MappingNode):
        raise CannotPlace("the inventory is not a mapping")
    lines = text.splitlines(keepends=True)
    edits: list[tuple[int, str]] = []  # (character index, text to insert there)
    devices = _value(root, "devices") if root is not None else None
    for serial, accounts in existing.items():
        entry = _device_node(devices, serial)
        if entry is None:
            raise CannotPlace(f"no entry for {serial} under devices:")
        edits.append(_account_edit(text, lines, entry, accounts))
    if new_devices:
        edits.append(_devices_edit(text, lines, devices, new_devices))
    out = text
    # from the end backwards, so earlier indexes stay right; at one index, in the order made
    # (a phone's new accounts before the new phones that follow it)
    for _, index, insert in sorted(
        ((n, i, t) for n, (i, t) in enumerate(edits)), key=lambda e: (e[1], e[0]), reverse=True
    ):
        out = out[:index] + insert + out[index:]
    return out


def _account_edit(
    text: str, lines: list[str], entry: MappingNode, accounts: Accounts
) -> tuple[int, str]:
    listed = _value(entry, "accounts")
    items = [account_item(u, p) for u, p in accounts]
    if isinstance(listed, SequenceNode) and listed.flow_style:
        close = text.rindex("]", 0, listed.end_mark.index)
        sep = ", " if listed.value else ""
        return close, sep + ", ".join(items)
    if isinstance(listed, SequenceNode) and listed.value:
        prefix = _dash_prefix(lines, listed.value[0])
        return _after_block(text, lines, listed.value[-1], prefix), "".join(
            f"{prefix}{item}\n" for item in items
        )
    if listed is not None and not (isinstance(listed, ScalarNode) and listed.value in ("", "~")):
        raise CannotPlace("the phone's accounts: is neither a list nor empty")
    if listed is not None:
        raise CannotPlace("the phone has an empty accounts: key; fill it by hand")
    indent = " " * entry.start_mark.column
    block = [f"{indent}accounts:\n", *(f"{indent}  - {item}\n" for item in items)]
    return _after_block(text, lines, entry, _dash_prefix(lines, entry)), "".join(block)


def _devices_edit(
    text: str, lines: list[str], devices: Node | None, new: Mapping[str, Accounts]
) -> tuple[int, str]:
    if devices is None:
        block = ["devices:\n"]
        for serial, accounts in new.items():
            block += [line + "\n" for line in device_lines(serial, accounts)]
        lead = "" if not text or text.endswith("\n") else "\n"
        return len(text), lead + "".join(block)
    if not isinstance(devices, SequenceNode) or devices.flow_style or not devices.value:
        raise CannotPlace("devices: is not a block list (`- serial: ...` items)")
    prefix = _dash_prefix(lines, devices.value[0])
    indent = prefix[: prefix.index("-")]
    block = []
    for serial, accounts in new.items():
        block += [line + "\n" for line in device_lines(serial, accounts, indent)]
    return _after_block(text, lines, devices.value[-1], prefix), "".join(block)


def _dash_prefix(lines: list[str], item: Node) -> str:
    """What stands before a block list item on its line: indentation, dash and spaces."""
    line = lines[item.start_mark.line]
    prefix = line[: item.start_mark.column]
    if "-" not in prefix or prefix.strip() != "-":
        raise CannotPlace(f"line {item.start_mark.line + 1} is not a `- ` list item")
    return prefix


def _after_block(text: str, lines: list[str], item: Node, prefix: str) -> int:
    """The character index right after the last line that belongs to ``item``: its lines
    run until a line indented no deeper than its dash (blank and comment lines do not end it,
    but trailing ones are not its own)."""
    dash = prefix.index("-")
    last = item.start_mark.line
    for number in range(item.start_mark.line + 1, len(lines)):
        stripped = lines[number].strip()
        if not stripped or stripped.startswith("#"):
            continue
        if len(lines[number]) - len(lines[number].lstrip(" ")) <= dash:
            break
        last = number
    return min(sum(len(line) for line in lines[: last + 1]), len(text))


def _value(mapping: Node | None, key: str) -> Node | None:
    if not isinstance(mapping, MappingNode):
        return None
    for k, v in mapping.value:
        if isinstance(k, ScalarNode) and k.value == key and isinstance(v, Node):
            return v
    return None


def _device_node(devices: Node | None, serial: str) -> MappingNode | None:
    if not isinstance(devices, SequenceNode):
        return None
    for item in devices.value:
        found = _value(item, "serial")
        if (
            isinstance(item, MappingNode)
            and isinstance(found, ScalarNode)
            and found.value == serial
        ):
            return item
    return None


def _scalar(value: str) -> str:
    """A plain scalar when YAML reads it back as the same string, else a quoted one."""
    try:
        if yaml.safe_load(value) == value and "#" not in value and ":" not in value:
            return value
    except yaml.YAMLError:
        pass
    return json.dumps(value, ensure_ascii=False)
