"""What `eigendsl import tau2` makes of a task's user scenario and its gold actions: known_info
split into facts the scripted user gives, the customer's first message, gold actions checked
against the tools at tasks.json's line and column, errors in a one-line (minified) tasks.json,
the lookup of those positions in linear time, and synthesis of a spec with nothing to sample.

The tau2 inputs are tiny synthetic folders (``tiny_folder``), so these tests need no tau2 data.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from eigendsl.cli import main
from eigendsl.tau2.domain_folder import JsonPlaces
from eigendsl.tau2.scenario import known_facts, opening, unknown_things
from tests.test_tau2_import import tiny_folder


def _import(folder: Path, out: Path) -> Any:
    return CliRunner().invoke(main, ["import", "tau2", str(folder), "-o", str(out)])


def _rewrite(folder: Path, change: Any, indent: int | None = 4) -> None:
    tasks = json.loads((folder / "tasks.json").read_text())
    change(tasks[0])
    (folder / "tasks.json").write_text(json.dumps(tasks, indent=indent))


def _scenario(task: dict[str, Any]) -> None:
    task["user_scenario"]["instructions"].update(
        reason_for_call="You want to cancel order #W1. If the agent asks why, say no reason.",
        known_info="You are Ada Li in zip code 12345.",
        unknown_info="You do not remember your email address.",
    )


def test_known_info_becomes_facts_the_scripted_user_gives(tmp_path: Path) -> None:
    folder = tiny_folder(tmp_path)
    _rewrite(folder, _scenario)
    assert _import(folder, tmp_path / "spec").exit_code == 0
    tasks = yaml.safe_load((tmp_path / "spec" / "tasks" / "tau2.yaml").read_text())
    user = tasks["templates"]["tau2_t_1"]["user"]
    assert user["reason"] == "I want to cancel order #W1."  # the customer's words, not tau2's
    assert user["known"] == {"name": "Ada Li", "zip code": "12345"}
    assert user["unknown"] == ["email"]
    # tau2's own sentences stay, for a model playing the user
    assert "You are Ada Li in zip code 12345." in user["instructions"]
    assert "If the agent asks why, say no reason." in user["instructions"]
    played = CliRunner().invoke(
        main,
        ["play", str(tmp_path / "spec"), "--task", "tau2-t 1"],
        input="To verify you, please tell me your name and zip code.\n"
        "Could you tell me your email address?\n/quit\n",
    )
    assert "user: I want to cancel order #W1." in played.output
    assert "user: My name is Ada Li. My zip code is 12345." in played.output
    assert "user: I'm sorry, I don't know my email." in played.output


def test_known_info_with_no_fact_read_stays_one_fact(tmp_path: Path) -> None:
    folder = tiny_folder(tmp_path)  # known_info "I am Ada Li, zip 1."
    assert _import(folder, tmp_path / "spec").exit_code == 0
    tasks = yaml.safe_load((tmp_path / "spec" / "tasks" / "tau2.yaml").read_text())
    assert tasks["templates"]["tau2_t_1"]["user"]["known"] == {"known_info": "I am Ada Li, zip 1."}


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("You are Yusuf Rossi in zip code 19122.", {"name": "Yusuf Rossi", "zip code": "19122"}),
        (
            "You name is Ivan Khan and your zip code is 28243.",
            {"name": "Ivan Khan", "zip code": "28243"},
        ),
        (
            "You are mia_garcia_4516 (mia.garcia2723@example.com).",
            {"user id": "mia_garcia_4516", "email": "mia.garcia2723@example.com"},
        ),
        (
            "You are Amelia, and you have two emails: s1@x.com and a.s1@x.com.",
            {"name": "Amelia", "email": "s1@x.com or a.s1@x.com"},
        ),
        (
            "You are daiki_johnson_9523 living in Denver, USA, 80273.",
            {"user id": "daiki_johnson_9523", "zip code": "80273"},
        ),
    ],
)
def test_known_facts(text: str, facts: dict[str, str]) -> None:
    assert known_facts(text) == facts


def test_unknown_and_opening() -> None:
    assert unknown_things("You don't know your email.") == ["email"]
    assert unknown_things(".") == []
    assert opening("As you are talking to an agent, you try a poem.") is None
    assert (
        opening(". You just lost your tablet (sadly). Ask the agent.") == "I just lost my tablet."
    )


# ---------------------------------------------------------------------------- gold actions


@pytest.mark.parametrize(
    ("change", "at", "message"),
    [
        (
            lambda a: a[0]["arguments"].update(email=5),
            '"email": 5',
            "task t 1: evaluation_criteria.actions[0]: parameter 'email' of "
            "'find_user_id_by_email' takes a string, but this value is a number (5)",
        ),
        (
            lambda a: a[0]["arguments"].update(nickname="ada"),
            '"nickname": "ada"',
            "task t 1: evaluation_criteria.actions[0] gives 'find_user_id_by_email' the argument "
            "'nickname', which it has no parameter for; its parameters are email",
        ),
        (
            lambda a: a[1]["arguments"].pop("reason"),
            '"name": "cancel_pending_order"',
            "task t 1: evaluation_criteria.actions[1] calls 'cancel_pending_order' without its "
            "required argument 'reason'",
        ),
    ],
)
def test_gold_argument_mistakes_are_reported_in_tasks_json(
    tmp_path: Path, change: Any, at: str, message: str
) -> None:
    folder = tiny_folder(tmp_path)
    _rewrite(folder, lambda task: change(task["evaluation_criteria"]["actions"]))
    text = (folder / "tasks.json").read_text()
    line = text[: text.index(at)].count("\n") + 1
    col = text.index(at) - text[: text.index(at)].rfind("\n")
    result = _import(folder, tmp_path / "spec")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{folder / 'tasks.json'}:{line}:{col}: {message}" in result.output
    assert not (tmp_path / "spec").exists()


def test_an_error_in_a_one_line_tasks_json_shows_a_window_with_the_caret(tmp_path: Path) -> None:
    folder = tiny_folder(tmp_path, [{"action_id": "a0", "name": "refund_all", "arguments": {}}])
    _rewrite(folder, lambda task: None, indent=None)  # minified: the whole file is one line
    result = _import(folder, tmp_path / "spec")
    assert result.exit_code == 1
    header, shown, caret = result.output.splitlines()[:3]
    at = len(str(folder / "tasks.json")) + 3  # "path:1:" then the column
    col = int(header[at:].split(":")[0])
    text = (folder / "tasks.json").read_text()
    assert text[col - 1 :].startswith('"name": "refund_all"')
    assert len(shown) <= 210 and shown.strip().startswith("...")
    assert shown[caret.index("^") :].startswith('"name": "refund_all"')


def test_positions_are_found_in_linear_time() -> None:
    def task(n: int) -> dict[str, Any]:
        return {"id": str(n), "padding": "x" * 400, "actions": [{"name": "a"}, {"name": "b"}]}

    def seconds(count: int) -> float:
        tasks = [task(n) for n in range(count)]
        text = json.dumps(tasks, indent=1)
        best = float("inf")
        for _ in range(3):
            began = time.perf_counter()
            places = JsonPlaces(text)
            for start in places.task_offsets(tasks):
                places.line_col(places.find("name", "b", start))
            best = min(best, time.perf_counter() - began)
        return best

    places = JsonPlaces(json.dumps([task(0), task(1), task(1)], indent=1))
    offsets = places.task_offsets([task(0), task(1), task(1)])
    assert [places.line_col(o)[0] for o in offsets] == [3, 15, 27]  # the second "1" its own
    # 8 times the tasks: about 8 times the time (a rescan per task made it about 64 times)
    assert seconds(4000) < 25 * seconds(500) + 0.05


# ---------------------------------------------------------------------------- synthesis


def test_synthesis_with_no_template_to_sample_says_why(tmp_path: Path) -> None:
    assert _import(tiny_folder(tmp_path), tmp_path / "spec").exit_code == 0
    result = CliRunner().invoke(
        main,
        ["synth", str(tmp_path / "spec"), "--generations", "1", "--per-generation", "5"]
        + ["--out", str(tmp_path / "synth")],
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "synthesis has nothing to plan: all 1 of its templates are `sample: false`" in (
        result.output
    )
    assert "eigendsl run SPEC --agent scripted --out" in result.output
