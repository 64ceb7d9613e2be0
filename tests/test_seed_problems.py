"""A seed row's every mistake in one compile, each at its own value: a row with three bad
values said only the first, and each fix took one more compile to find the next."""

from __future__ import annotations

from pathlib import Path

import pytest

from eigendsl.compiler import compile_domain
from eigendsl.errors import EigenError
from eigendsl.field_values import value_matches, value_problems
from eigendsl.spec import FieldType
from tests.conftest import edit

ROW = (
    '{order_id: "#2", user_id: u2, status: delivered, total: 5.5, items: [{item_id: i2, '
    "price: 5.5}]}"
)
BAD = (
    '{order_id: "#2", user_id: u2, status: lost, total: 5.5, items: [{item_id: i2, price: cheap}, '
    "{item_id: i3, price: 1.0, colour: red}], gift: true}"
)


def test_every_bad_value_of_a_row_at_its_own_place(mini: Path, tmp_path: Path) -> None:
    edit(mini, "data/seed.yaml", ROW, BAD)
    with pytest.raises(EigenError) as info:
        compile_domain(mini, tmp_path / "out")
    found = [(d.span.col, d.message) for d in info.value.diagnostics if d.span.line == 6]
    line = (mini / "data/seed.yaml").read_text().splitlines()[5]
    at = lambda text: line.index(text) + 1  # noqa: E731
    head = "row '#2' of 'orders' "
    assert found == [
        (at("lost"), head + "field 'status' is 'lost', not one of pending, delivered, cancelled"),
        (at("cheap"), head + "field 'items' item 1 field 'price' is 'cheap', expected float"),
        (at("colour"), head + "field 'items' item 2 has unknown field 'colour'"),
        (at("gift"), head + "has unknown field 'gift'"),
    ], found


def test_the_first_problem_is_what_value_matches_says() -> None:
    spec = FieldType(type="map", of=FieldType(type="list", items=FieldType(type="time")))
    value = {"mon": ["7:00", "09:00", "25:00"], "tue": ["8pm"]}
    problems = value_problems(value, spec)
    assert [(p.path, p.message.split(",")[0]) for p in problems] == [
        (("mon", 0), "entry 'mon' item 1 is '7:00'"),
        (("mon", 2), "entry 'mon' item 3 is '25:00'"),
        (("tue", 0), "entry 'tue' item 1 is '8pm'"),
    ]
    assert value_matches(value, spec) == problems[0].message
    assert value_problems({"mon": ["09:00"]}, spec) == [] and value_matches({}, spec) is None
