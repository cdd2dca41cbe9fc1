"""The YAML loader: positions, duplicate keys, scalars kept as written, several documents."""

from __future__ import annotations

from runner.campaign.yamlload import dotted, load_documents


def test_timestamps_and_times_stay_strings_and_numbers_are_numbers() -> None:
    (doc,), problems = load_documents(
        "a: 2026-01-01\nb: 09:30\nc: 1_000\nd: 1.5\ne: true\nf: ~\ng: on\n", "x.yaml"
    )
    assert problems == []
    assert doc.data == {
        "a": "2026-01-01",
        "b": "09:30",
        "c": 1000,
        "d": 1.5,
        "e": True,
        "f": None,
        "g": "on",
    }


def test_quoted_scalars_are_strings() -> None:
    (doc,), _ = load_documents("a: '30'\nb: \"true\"\n", "x.yaml")
    assert doc.data == {"a": "30", "b": "true"}


def test_duplicate_key_is_reported_at_the_second_key() -> None:
    docs, problems = load_documents("a:\n  b: 1\n  b: 2\n", "x.yaml")
    assert [str(p) for p in problems] == [
        "x.yaml:3:3: a.b: duplicate key 'b' (first defined on line 2)"
    ]
    assert docs[0].data == {"a": {"b": 1}}


def test_positions_of_keys_and_values_by_path() -> None:
    (doc,), _ = load_documents("x:\n  items:\n    - one\n    - {k: v}\n", "x.yaml")
    assert doc.key_mark(("x", "items")) == (2, 3)
    assert doc.value_mark(("x", "items", 1, "k")) == (4, 11)
    assert doc.value_mark(("x", "missing")) == (2, 3)


def test_several_documents_and_a_later_syntax_error_keep_earlier_documents() -> None:
    docs, problems = load_documents("a: 1\n---\nb: 2\n---\nc: [\n", "x.yaml")
    assert [d.data for d in docs] == [{"a": 1}, {"b": 2}]
    assert [str(p) for p in problems] == [
        "x.yaml:6:1: YAML syntax error: did not find expected node content "
        "(while parsing a flow node that starts on line 6)"
    ]


def test_merge_keys_are_refused() -> None:
    _, problems = load_documents("base: &b {x: 1}\nother:\n  <<: *b\n", "x.yaml")
    assert [str(p) for p in problems] == [
        "x.yaml:3:3: other: merge keys (<<) are not supported; write the keys out"
    ]


def test_dotted_paths() -> None:
    assert dotted(("script_config", "target_users", 2)) == "script_config.target_users[2]"
    assert dotted(()) == ""


def test_recursive_alias_is_a_problem_not_a_crash() -> None:
    _, problems = load_documents("a: &x [1, *x]\n", "x.yaml")
    assert [str(p) for p in problems] == [
        "x.yaml:1:4: a[1]: an alias refers to the collection that contains it"
    ]


def test_alias_bombs_and_deep_nesting_are_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]"
        for i in range(1, 9)
    ]
    _, problems = load_documents("\n".join(lines) + "\n", "x.yaml")
    assert [p.reason for p in problems] == [
        "values in the files read, aliases expanded: more than the limit of 200,000"
        " (CAMPAIGN_RUNNER_LIMIT_YAML_VALUES, see docs/limits.md)"
    ]
    _, problems = load_documents("a: " + "[" * 60 + "]" * 60 + "\n", "x.yaml")
    assert [p.reason for p in problems] == ["nested more than 50 levels deep"]
