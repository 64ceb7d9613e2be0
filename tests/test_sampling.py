"""Template parameters drawn from the seed data, alike in compile, lint and synthesis: a draw for
which a later source finds nothing (the order drawn has no item that fits) is skipped for another
one; only a template none of whose draws fits is an error, and its message says so."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from eigendsl.compiler import analyze, compile_domain
from eigendsl.errors import EigenError
from eigendsl.lint.context import lint_tasks
from eigendsl.runtime.domain import load_domain
from eigendsl.synth import generation
from eigendsl.synth.generation import SynthSettings, run_synthesis
from eigendsl.synth.roles import UserIntent
from eigendsl.task_set import sample_params
from tests.conftest import edit

TASKS = "tasks/cancel.yaml"
EMAIL = '      email: {type: string, from: "db.users[db.orders[order_id].user_id].email"}\n'
WRITTEN = 'params: {order_id: "#1", email: ann@example.com, reason'
# Of the pending orders only #1 has an item over 10: #3 has none at all, #4 one of 3.0.
ITEMS = "i.item_id for i in db.orders[order_id].items where i.price > 10"
FIRST_ITEM = "first(i in db.orders[order_id].items where i.price > 10).item_id"  # null for #3, #4
FITTING = {"#1": "i1"}


def with_item_param(mini: Path, source: str) -> None:
    """The mini spec's ``cancel`` with an ``item_id`` drawn from the order drawn before it."""
    edit(mini, TASKS, EMAIL, EMAIL + f"      item_id: {{type: string, from: '{source}'}}\n")
    edit(mini, TASKS, WRITTEN, WRITTEN.replace("reason", "item_id: i1, reason"))
    seed = mini / "data" / "seed.yaml"
    order = '  - {order_id: "#4", user_id: u1, status: pending, total: 3.0, '
    seed.write_text(seed.read_text() + order + "items: [{item_id: i3, price: 3.0}]}\n")


def drawn_items(tasks: list[dict]) -> dict[str, str]:
    return {t["params"]["order_id"]: t["params"]["item_id"] for t in tasks}


@pytest.mark.parametrize("source", [ITEMS, FIRST_ITEM], ids=["candidates", "first"])
def test_a_draw_without_a_value_is_skipped_in_compile(mini: Path, tmp_path: Path, source: str):
    with_item_param(mini, source)
    edit(mini, "domain.yaml", "per_template: 2", "per_template: 3")
    tasks = load_domain(mini).tasks  # compiled in memory
    assert drawn_items(tasks) == FITTING
    assert len(tasks) == 2  # the written task, and #1's other reason


def test_a_draw_without_a_value_is_skipped_in_lint(mini: Path, tmp_path: Path):
    with_item_param(mini, ITEMS)
    edit(mini, "domain.yaml", "per_template: 2", "per_template: 0")  # lint draws its own
    loaded, seed, _resolved, templates, _bodies, _diag = analyze(mini)
    drawn = [
        t.task
        for t in lint_tasks(loaded, seed, templates, load_domain(mini), samples=5)
        if not t.authored
    ]
    assert drawn_items(drawn) == FITTING
    reasons = sorted(t["params"]["reason"] for t in drawn)
    # the written task cancel-ann holds the other set: lint, as compile, draws it no second time
    assert reasons == ["ordered by mistake"]


def test_a_draw_without_a_value_is_skipped_in_synthesis(mini: Path, tmp_path: Path):
    with_item_param(mini, ITEMS)
    _loaded, seed, _resolved, templates, _bodies, _diag = analyze(mini)
    intent = UserIntent(templates, seed, set(), writes=["cancel_order"])
    for draw in range(20):
        params = intent.sample("cancel", random.Random(draw))
        assert params is not None and params["item_id"] == "i1"
    out = tmp_path / "synth"
    run_synthesis(mini, out, SynthSettings(generations=2, per_generation=20))
    assert all((out / f"gen-{k}" / "report.json").is_file() for k in (1, 2))


def test_a_template_none_of_whose_draws_has_a_value_is_an_error(mini: Path, tmp_path: Path):
    with_item_param(mini, ITEMS.replace("> 10", "> 100"))
    with pytest.raises(EigenError) as info:
        compile_domain(mini, tmp_path / "out")
    assert info.value.render().splitlines()[0] == (
        "mini/tasks/cancel.yaml:7:37: template 'cancel' cannot be sampled: the source of "
        "'item_id' finds no value in the seed data for any of the 3 combinations tried; the last: "
        "order_id='#1', email='ann@example.com'"
    )
    assert len(info.value.diagnostics) == 1
    loaded, seed, _resolved, templates, _bodies, _diag = analyze(mini)
    why: list[tuple[str, str]] = []
    assert sample_params(templates["cancel"], seed, random.Random(0), why) is None
    assert why[0][0] == "item_id" and "of the 3 combinations" in why[0][1]


def test_a_generation_that_stops_before_playing_leaves_no_folder(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Its plan and tasks alone would read as a generation synthesized; a rerun makes it."""
    out = tmp_path / "synth"
    settings = SynthSettings(generations=2, per_generation=10)
    compile_tasks = generation.Synthesis._compile

    def stop_in_second(self, tasks_file, checks_file):
        if tasks_file.parent.name == "gen-2":
            raise EigenError("mini/tasks/cancel.yaml:5:38: stopped")
        return compile_tasks(self, tasks_file, checks_file)

    monkeypatch.setattr(generation.Synthesis, "_compile", stop_in_second)
    with pytest.raises(EigenError, match="stopped"):
        run_synthesis(mini, out, settings)
    assert (out / "gen-1" / "report.json").is_file()
    assert not (out / "gen-2").exists()
    monkeypatch.setattr(generation.Synthesis, "_compile", compile_tasks)
    run_synthesis(mini, out, settings)
    again = tmp_path / "again"
    run_synthesis(mini, again, settings)
    assert (out / "gen-2" / "accepted.jsonl").read_bytes() == (
        again / "gen-2" / "accepted.jsonl"
    ).read_bytes()
