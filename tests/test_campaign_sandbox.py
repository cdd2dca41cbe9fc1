"""Bounded templates: what an attacker's template gets instead of a hang or gigabytes."""

from __future__ import annotations

import pytest

from runner.campaign.limits import limits
from runner.campaign.templates import TemplateProblem, render

pytestmark = pytest.mark.usefixtures("roomy_render_time")


CONTEXT = {"vars": {"tags": [1, 2, 3], "city": "Berlin"}}
CHARS = "template over a limit: a result of {n} characters or items is over the limit of 100,000 (CAMPAIGN_RUNNER_LIMIT_TEMPLATE_CHARS, see docs/limits.md)"
LOOPS = "template over a limit: more than 100,000 loop iterations (CAMPAIGN_RUNNER_LIMIT_TEMPLATE_LOOP_ITERATIONS, see docs/limits.md)"


def _problem(text: str) -> TemplateProblem:
    with pytest.raises(TemplateProblem) as caught:
        render(text, CONTEXT)
    return caught.value


def test_huge_power_is_refused_before_it_is_computed() -> None:
    problem = _problem("intro\n{{ 9**(9**9) }}")
    assert (problem.lineno, problem.reason) == (
        2,
        "template over a limit: an integer of about 1,162,261,467 bits is over the limit of 256 bits (CAMPAIGN_RUNNER_LIMIT_TEMPLATE_INT_BITS, see docs/limits.md)",
    )


def test_nested_ranges_stop_at_the_loop_budget() -> None:
    text = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    assert _problem(text).reason == LOOPS


def test_loops_over_a_string_count_too() -> None:
    text = "{% set s = 'x' * 1000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}"
    assert _problem(text).reason == LOOPS


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("{{ 'a' * 10**8 }}", "100,000,000"),
        ("{{ 'a' * 10**9 }}", "1,000,000,000"),
        ("{% set s = 'x' * 100000 %}{{ s ~ s ~ s }}", "200,000"),
        ("{{ 'a' | center(10**9) }}", "1,000,000,000"),
        ("{{ 'a'.ljust(10**9) }}", "1,000,000,000"),
        ("{{ '%999999999s' % 'a' }}", "999,999,999"),
        ("{{ '{:999999999}'.format('a') }}", "999,999,999"),
        ("{{ ('x' * 1000) | replace('x', 'y' * 1000) }}", "1,001,000"),
        ("{{ ['x' * 1000] * 1000 }}", "1,001,000"),
        ("{{ ('{0}' * 25000).format('x' * 100000) }}", "2,500,075,000"),
        ("{{ ('%(a)s' * 20000) % {'a': 'x' * 100000} }}", "2,000,100,000"),
        (
            "{% macro m() %}{% for i in range(2000) %}{{ 'y' * 100 }}{% endfor %}{% endmacro %}{{ m() }}",
            "100,100",
        ),
    ],
)
def test_strings_and_lists_are_measured_before_they_are_built(text: str, size: str) -> None:
    assert _problem(text).reason == CHARS.format(n=size)


def test_recursive_macro_is_a_clear_error() -> None:
    problem = _problem("{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(1) }}")
    assert problem.reason == (
        "template over a limit: calls nested more than 20 deep (a recursive macro?)"
        " (CAMPAIGN_RUNNER_LIMIT_TEMPLATE_DEPTH, see docs/limits.md)"
    )


def test_lorem_ipsum_is_not_available() -> None:
    assert _problem("{{ lipsum(n=10**6) }}").reason == "undefined template variable 'lipsum'"


def test_templates_cannot_change_shared_vars() -> None:
    assert _problem("{{ vars.tags.append(4) }}").reason == (
        "template not allowed: access to attribute 'append' of 'list' object is unsafe."
    )


def test_ordinary_templates_render_as_before() -> None:
    text = (
        "{{ range(3) | list }} {{ range(5) | length }} {{ 'ab' * 3 }} {{ vars.tags | join(',') }}"
        " {{ ','.join(['a', 'b']) }} {{ 2 ** 10 }} {{ '%3s' | format('a') }}"
        " {% for x in vars.tags %}{{ loop.index }}{% endfor %} {{ (vars.city ~ '!') | upper }}"
    )
    assert render(text, CONTEXT) == "[0, 1, 2] 5 ababab 1,2,3 a,b 1024   a 123 BERLIN!"


def test_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMPAIGN_RUNNER_LIMIT_TEMPLATE_CHARS", "10")
    limits.cache_clear()
    try:
        assert _problem("{{ 'a' * 11 }}").reason == CHARS.replace("100,000", "10").format(n="11")
    finally:
        monkeypatch.undo()
        limits.cache_clear()


def test_a_render_over_its_time_budget_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMPAIGN_RUNNER_LIMIT_TEMPLATE_MS", "1")
    limits.cache_clear()
    try:  # 90,000 loop iterations take far longer than 1 ms, and stay under the loop limit
        problem = _problem("{% for i in range(90000) %}{% endfor %}")
    finally:
        monkeypatch.undo()
        limits.cache_clear()
    assert problem.reason == (
        "template over a limit: rendering took longer than 1 ms"
        " (CAMPAIGN_RUNNER_LIMIT_TEMPLATE_MS, see docs/limits.md)"
    )
