"""A value the YAML loader refuses while it builds a file (a duplicate key, a refused tag, a lone
surrogate, an int too long) does not hide the file's other refusals: each is recorded in place
of its value and the reading goes on, so one run reports them all, in the order of the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from eigendsl.compiler import compile_domain
from eigendsl.errors import EigenError
from eigendsl.yamlload import loads
from tests.conftest import edit


def _refused(text: str) -> list[str]:
    with pytest.raises(EigenError) as caught:
        loads(text, "d.yaml")
    return [str(d) for d in caught.value.diagnostics]


def test_every_duplicate_key_of_a_file_is_reported() -> None:
    text = "name: a\ntools:\n  x: 1\n  x: 2\nname: b\nname: c\nitems: [1, {k: 1, k: 2}]\n"
    assert _refused(text) == [
        "d.yaml:4:3: duplicate key 'x' (first defined at line 3); remove one of them",
        "d.yaml:5:1: duplicate key 'name' (first defined at line 1); remove one of them",
        "d.yaml:6:1: duplicate key 'name' (first defined at line 1); remove one of them",
        "d.yaml:7:19: duplicate key 'k' (first defined at line 7); remove one of them",
    ]


def test_a_refused_tag_a_lone_surrogate_and_a_duplicate_key_are_reported_together() -> None:
    text = 'a: !!binary aGVsbG8=\nb: "\\ud800"\na: 3\nc: !!set {x: null}\n'
    assert _refused(text) == [
        "d.yaml:1:4: '!!binary' is a YAML tag a spec does not take: its values are text, "
        "numbers, true or false, null, lists and mappings; remove the tag and write the value "
        "itself",
        "d.yaml:2:4: this text holds a lone surrogate (\\ud800), which is no character and "
        "cannot be written as UTF-8; write the character itself, or both halves of its pair "
        "(\\ud83d\\ude00)",
        "d.yaml:3:1: duplicate key 'a' (first defined at line 1); remove one of them",
        "d.yaml:4:4: '!!set' is a YAML tag a spec does not take: its values are text, numbers, "
        "true or false, null, lists and mappings; remove the tag and write the value itself",
    ]


def test_a_key_that_is_no_plain_value_does_not_stop_the_file() -> None:
    assert _refused("? [a]\n: 1\nb: 1\nb: 2\n") == [
        "d.yaml:1:3: a mapping key must be a plain value",
        "d.yaml:4:1: duplicate key 'b' (first defined at line 3); remove one of them",
    ]


def test_a_compile_reports_each_duplicate_key_of_domain_yaml(mini: Path) -> None:
    edit(mini, "domain.yaml", "description: A tiny", "name: again\ndescription: A tiny")
    text = (mini / "domain.yaml").read_text(encoding="utf-8")
    edit(mini, "domain.yaml", None, text + "name: third\n")
    last = len(text.splitlines()) + 1
    with pytest.raises(EigenError) as caught:
        compile_domain(mini)
    # domain.yaml is not read: the other files are not checked, which the last error says
    assert [str(d) for d in caught.value.diagnostics] == [
        "mini/domain.yaml:2:1: duplicate key 'name' (first defined at line 1); remove one of them",
        f"mini/domain.yaml:{last}:1: duplicate key 'name' (first defined at line 1); remove one "
        "of them. Nothing else of the spec was checked (domain.yaml names its policy, seed data, "
        "checker and task files); try again once this is fixed",
    ]
