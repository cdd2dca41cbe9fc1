"""Every command the simulated shell knows, by name."""

from __future__ import annotations

from runner.sim import cmd_am, cmd_dumpsys, cmd_files, cmd_input, cmd_system
from runner.sim.shell import CommandFn


def all_commands() -> dict[str, CommandFn]:
    table: dict[str, CommandFn] = {}
    for module in (cmd_files, cmd_system, cmd_dumpsys, cmd_input, cmd_am):
        table.update(module.COMMANDS)
    return table
