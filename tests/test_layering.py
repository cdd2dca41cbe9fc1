"""The rooms' dependencies point one way (docs/internals.md), checked on the import graph.

Every import counts, also one inside a function or under TYPE_CHECKING: a lazy import is still
a dependency. The rules are data; the last tests show they catch a forbidden import.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

RUNNER = Path(__file__).resolve().parent.parent / "runner"
Graph = Mapping[str, set[str]]
BELOW_SCHEDULER = ("runner.scheduler", "runner.pool", "runner.hosts")
ON_TOP = ("runner.api", "runner.cli", "runner.__main__")


@dataclass(frozen=True)
class Rule:
    """Modules under ``sources`` (minus ``exempt``) must not import anything under ``forbidden``;
    with ``only`` they may import, of the runner, only what is under it."""

    name: str
    sources: tuple[str, ...]
    forbidden: tuple[str, ...] = ()
    only: tuple[str, ...] | None = None
    exempt: tuple[str, ...] = ()


RULES = (
    Rule(
        "campaign is pure",
        ("runner.campaign",),
        forbidden=("adbutils", "uiautomator2", "apscheduler", "procrastinate", "starlette"),
        only=("runner.campaign", "runner.errors", "runner.paths"),
    ),
    Rule(
        "state is below the scheduler",
        ("runner.state",),
        forbidden=(*BELOW_SCHEDULER, "runner.scripts", "runner.device", "runner.sim", *ON_TOP),
    ),
    Rule(
        "scripts drive phones through device actions only",
        ("runner.scripts",),
        forbidden=(
            *BELOW_SCHEDULER,
            "runner.state",
            "runner.sim",
            "adbutils",
            "uiautomator2",
            *ON_TOP,
        ),
    ),
    Rule(
        "device is below the scripts",
        ("runner.device",),
        forbidden=(*BELOW_SCHEDULER, "runner.scripts", "runner.state", "runner.sim", *ON_TOP),
    ),
    Rule(
        "adbutils is wrapped by device and pool (the sim only finds its adb binary)",
        ("runner",),
        forbidden=("adbutils", "uiautomator2"),
        exempt=("runner.device", "runner.pool", "runner.sim"),
    ),
    Rule(
        "APScheduler is wired in the scheduler only",
        ("runner",),
        forbidden=("apscheduler",),
        exempt=("runner.scheduler",),
    ),
    Rule("api and cli are on top", ("runner",), forbidden=ON_TOP, exempt=ON_TOP),
    Rule("api does not reach into cli", ("runner.api",), forbidden=("runner.cli",)),
    Rule(
        "sim imports nothing of the runner",
        ("runner.sim",),
        only=("runner.sim", "runner.errors"),
    ),
    Rule(
        "simulated phones start only through cli's sim command and --sim seam",
        ("runner",),
        forbidden=("runner.sim",),
        # runner.hosts.testbed: the two-host rehearsal harness of the hosts tests
        exempt=("runner.sim", "runner.cli.sim", "runner.cli.phones", "runner.hosts.testbed"),
    ),
)


def _under(name: str, prefixes: Iterable[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def import_graph(package: Path = RUNNER) -> dict[str, set[str]]:
    """module -> every name it imports (``from a import b`` counts as ``a`` and ``a.b``)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        module = ".".join(parts[:-1] if is_package else parts)
        base = module.split(".") if is_package else module.split(".")[:-1]
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                head = base[: len(base) - node.level + 1] if node.level else []
                source = ".".join([*head, node.module] if node.module else head)
                names |= {source, *(f"{source}.{alias.name}" for alias in node.names)}
        graph[module] = names
    return graph


def violations(graph: Graph, rules: Iterable[Rule] = RULES) -> list[str]:
    out = []
    for rule in rules:
        for module, names in sorted(graph.items()):
            if not _under(module, rule.sources) or _under(module, rule.exempt):
                continue
            for name in sorted(names):
                bad = _under(name, rule.forbidden) or (
                    rule.only is not None
                    and _under(name, ("runner",))
                    and not _under(name, rule.only)
                )
                if bad:
                    out.append(f"{rule.name}: {module} imports {name}")
    return out


def reachable(graph: Graph, start: str) -> set[str]:
    """The runner modules ``start`` loads, directly or through others."""
    seen, todo = set(), [start]
    while todo:
        module = todo.pop()
        for name in graph.get(module, ()):
            target = next((m for m in (name, name.rsplit(".", 1)[0]) if m in graph), None)
            if target is not None and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_every_room_imports_only_what_it_may(graph: dict[str, set[str]]) -> None:
    assert violations(graph) == []


def test_the_api_never_loads_the_simulator_or_the_cli(graph: dict[str, set[str]]) -> None:
    api = [m for m in graph if _under(m, ("runner.api",))]
    loaded = {m for start in api for m in reachable(graph, start)}
    assert sorted(m for m in loaded if _under(m, ("runner.sim", "runner.cli"))) == []


@pytest.mark.parametrize(
    ("module", "added", "rule"),
    [
        ("runner.campaign.expand", "runner.state.store", "campaign is pure"),
        ("runner.campaign.repo", "runner.device.appdata", "campaign is pure"),
        ("runner.state.store", "runner.scheduler.dispatcher", "state is below the scheduler"),
        ("runner.scripts.post", "adbutils", "scripts drive phones through device actions only"),
        ("runner.api.serving", "runner.cli.phones", "api does not reach into cli"),
        ("runner.pool.pool", "runner.sim.fleet", "simulated phones start only through cli's"),
        ("runner.sim.phone", "runner.device.uitree", "sim imports nothing of the runner"),
    ],
)
def test_a_forbidden_import_is_reported(
    graph: dict[str, set[str]], module: str, added: str, rule: str
) -> None:
    changed = {**graph, module: graph[module] | {added}}
    found = violations(changed)
    assert any(v.startswith(rule) and v.endswith(f"{module} imports {added}") for v in found)


def test_the_api_loading_the_simulator_through_another_module_is_reported(
    graph: dict[str, set[str]],
) -> None:
    changed = {**graph, "runner.pool.servers": graph["runner.pool.servers"] | {"runner.cli.phones"}}
    api = [m for m in changed if _under(m, ("runner.api",))]
    loaded = {m for start in api for m in reachable(changed, start)}
    assert "runner.sim.fleet" in loaded


def test_the_graph_sees_imports_inside_functions(tmp_path: Path) -> None:
    package = tmp_path / "runner"
    (package / "campaign").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "campaign" / "__init__.py").write_text("")
    (package / "campaign" / "expand.py").write_text(
        "def later():\n    from runner.state import store\n    from . import check\n"
    )
    found = import_graph(package)["runner.campaign.expand"]
    assert {"runner.state", "runner.state.store", "runner.campaign.check"} <= found
    assert violations(import_graph(package)) == [
        "campaign is pure: runner.campaign.expand imports runner.state",
        "campaign is pure: runner.campaign.expand imports runner.state.store",
    ]
