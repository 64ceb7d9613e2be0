"""Values at the edges of what a spec takes, refused at them in words that fit: a turn limit
with no upper bound, a float that YAML reads as text or that is inf, YAML's tags for other kinds
of value, and a DSL number too long, whose advice must not be an exponent the DSL cannot read."""

from __future__ import annotations

from pathlib import Path

import pytest

from eigendsl.compiler import compile_domain
from eigendsl.dsl.parser import parse
from eigendsl.errors import EigenError
from eigendsl.spec import FieldType, value_matches
from eigendsl.yamlload import loads
from tests.conftest import edit


def _errors(spec: Path, out: Path) -> list[str]:
    with pytest.raises(EigenError) as info:
        compile_domain(spec, out)
    return [str(d) for d in info.value.diagnostics]


def test_max_turns_has_an_upper_bound(mini: Path, tmp_path: Path) -> None:
    edit(mini, "domain.yaml", "name: mini\n", "name: mini\nuser_simulator: {max_turns: 1001}\n")
    assert _errors(mini, tmp_path / "out") == [
        "mini/domain.yaml:2:29: user_simulator.max_turns is 1001; write a number of at most 1000"
    ]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("1e400", "is 1e400, past the largest float (inf), which JSON cannot hold; write a finite"),
        ("-1.5e999", "is -1.5e999, past the largest float (inf), which JSON cannot hold"),
        (
            "1e5",
            "is '1e5', expected float; YAML reads an exponent written without a '.' and a "
            "sign as text: write 100000.0",
        ),
        ("2.5e30", "as text: write 2.5e+30"),
        ("1e20", "as text: write 1.0e+20"),
    ],
)
def test_float_written_with_an_exponent(value: str, problem: str) -> None:
    found = value_matches(value, FieldType(type="float"))
    assert problem in (found or ""), found


def test_the_advised_exponent_is_a_yaml_float() -> None:
    assert loads("x: 1.0e+20\ny: 2.5e+30\n", "v.yaml") == {"x": 1e20, "y": 2.5e30}


@pytest.mark.parametrize("tagged", ["!!binary aGVsbG8=", "!!set {a: null}", "!!omap [a: 1]"])
def test_yaml_tags_of_other_values_are_refused(tagged: str) -> None:
    with pytest.raises(EigenError, match=r"t\.yaml:1:7: '!!\w+' is a YAML tag a spec does not"):
        loads(f"name: {tagged}\n", "t.yaml")


def test_plain_tags_are_read() -> None:
    assert loads("a: !!str 12\nb: !!float 1\n", "t.yaml") == {"a": "12", "b": 1.0}


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        (
            "9" * 400 + ".5",
            "has 400 digits before its '.', more than a float can hold; write a "
            "smaller one (at most 308 digits before its '.')",
        ),
        (
            "9" * 5000,
            "has 5000 digits, more than an int can hold; write a smaller one (at most 4300 digits)",
        ),
    ],
)
def test_a_number_too_long_is_told_without_an_exponent(number: str, problem: str) -> None:
    with pytest.raises(EigenError) as info:
        parse(f"rule r:\n    require x < {number}\n", "n.chk")
    message = str(info.value.diagnostics[0])
    assert message.endswith(problem) and "e308" not in message, message


def test_a_score_weight_too_long() -> None:
    with pytest.raises(EigenError) as info:
        parse("check c():\n    score " + "9" * 400 + ": true\n", "n.chk")
    assert str(info.value.diagnostics[0]).endswith(
        "has 400 digits, more than a float can hold; write a smaller one (at most 308 digits)"
    )
