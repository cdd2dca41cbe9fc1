"""Every size and time limit of untrusted input, in one place (documented in docs/limits.md).

Campaign files and API bodies are untrusted: without bounds a 4.7 KB body made 90,000 tasks and
a template froze the server. Limits are an operator's setting, not the campaign repository's,
so they come from environment variables (``CAMPAIGN_RUNNER_LIMIT_<NAME>``, e.g.
``CAMPAIGN_RUNNER_LIMIT_TASKS_PER_CAMPAIGN=200000``), read once per process; a campaign file
cannot raise its own limits. Defaults keep `validate` and `plan` under 2 s and 200 MB on the
largest input they accept (bench/validate.py --largest measures it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from functools import cache

from runner.errors import UsageError

ENV_PREFIX = "CAMPAIGN_RUNNER_LIMIT_"


@dataclass(frozen=True)
class Limits:
    # files and documents
    file_bytes: int = 2_000_000  # one campaign file or inventory.yaml
    repo_bytes: int = 4_000_000  # every file one validate/plan/run/serve reads, together
    yaml_values: int = 200_000  # values of all YAML read together, aliases expanded
    yaml_chars: int = 4_000_000  # characters of all YAML strings read together, aliases expanded
    # values (as written and after rendering)
    string_chars: int = 100_000  # any string value of a campaign, inventory or API body
    list_items: int = 100_000  # any list (targets, serials, usernames, material_list, ...)
    # tasks
    tasks_per_campaign: int = 100_000  # one campaign (or one occurrence of a recurring one)
    tasks_per_request: int = 10_000  # one POST /api/v1/task
    tasks_per_apply: int = 100_000  # every campaign of a repository together (plan, run, serve)
    # templates: every render, in validate, plan, the API and at run time
    template_int_bits: int = 256  # size of any integer a template computes
    template_chars: int = 100_000  # length of any string or list a template builds
    template_loop_iterations: int = 100_000  # for-loop iterations (and range items) per render
    template_depth: int = 20  # nested macro and recursive-loop calls
    template_ms: int = 500  # wall time of one render
    template_total_ms: int = 5_000  # wall time of all renders of one campaign (or API request)
    # failure artifacts a worker keeps in a shared PostgreSQL state (runner/hosts/artifacts.py)
    artifact_bytes: int = 4_000_000  # one artifact (a 1440x3200 screenshot is 1-3 MB as PNG)
    task_artifact_bytes: int = 8_000_000  # every artifact of one task together


def env_name(name: str) -> str:
    return ENV_PREFIX + name.upper()


@cache
def limits() -> Limits:
    """The process's limits: defaults, overridden by ``CAMPAIGN_RUNNER_LIMIT_*`` variables.

    Tests change the environment and call ``limits.cache_clear()``.
    """
    values: dict[str, int] = {}
    for f in fields(Limits):
        raw = os.environ.get(env_name(f.name))
        if raw is None:
            continue
        try:
            value = int(raw.replace("_", ""))
        except ValueError:
            value = 0
        if value < 1:
            raise UsageError(
                f"{env_name(f.name)}={raw!r}: expected a positive whole number",
                hint="see docs/limits.md",
            )
        values[f.name] = value
    return Limits(**values)


def over(what: str, count: int, name: str) -> str:
    """The wording of every limit error: what, how many, the limit and how to change it."""
    limit = getattr(limits(), name)
    return (
        f"{what}: {count:,} is over the limit of {limit:,} ({env_name(name)}, see docs/limits.md)"
    )


def beyond(what: str, name: str) -> str:
    """The wording when counting stopped at the limit (the real total is not known)."""
    limit = getattr(limits(), name)
    return f"{what}: more than the limit of {limit:,} ({env_name(name)}, see docs/limits.md)"
