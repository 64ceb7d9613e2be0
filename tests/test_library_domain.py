"""A second domain, library loans, written from the README alone by someone new to EigenDSL:
compile, lint and the scripted episodes work on it as on retail, with none of retail's names."""

from __future__ import annotations

import json

import pytest

from eigendsl.runtime.episodes import run_episodes
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.scripted_user import ScriptedUser
from tests.conftest import ROOT

LIBRARY = ROOT / "tests" / "fixtures" / "library"


@pytest.fixture(scope="module")
def library():
    from eigendsl.runtime.domain import load_domain

    return load_domain(LIBRARY)


def scripted(domain, tasks):
    return run_episodes(
        domain, tasks, ScriptedAgent((), 0), ScriptedUser(domain.stop_marker, 0), trials=1
    )


def test_it_lints_with_every_task_solvable():
    from eigendsl.lint import lint

    report = lint(LIBRARY)
    assert report.tasks >= 20
    assert report.unsolvable == [] and report.errors == []


def test_the_scripted_agent_passes_every_task_in_the_templates_words(library):
    rows = scripted(library, library.tasks)
    assert len(rows) == len(library.tasks) and all(r["verdict"]["passed"] for r in rows)
    said = [
        str(m.get("content"))
        for r in rows
        for m in r["messages"]
        if m["role"] == "assistant" and m.get("content")
    ]
    assert any("Let me look up The Salt Road" in s for s in said)  # its own article only
    assert not any("the The" in s for s in said)
    declined = [r for r in rows if r["task_id"].startswith("report_lost_declined")]
    assert declined, [r["task_id"] for r in rows]
    for row in declined:  # a declined write answered with the template's own words
        assert row["messages"][-2]["content"].startswith("Understood, I have not recorded anything")


def test_a_fine_of_zero_is_not_said_by_the_digits_of_an_id(library):
    """``require said fine`` with a fine of 0.0 passed on any agent text holding a 0 (the loan
    id 'L5017'); a number is said as a number of its own."""
    from eigendsl.runtime.environment import replay_gold
    from eigendsl.support import Trace

    task = next(
        t for t in library.tasks if t["check"] == "book_returned" and not t["params"]["fine"]
    )
    messages = scripted(library, [task])[0]["messages"]
    final = max(i for i, m in enumerate(messages) if m["role"] == "assistant")
    assert "fine of 0.0 " in messages[final]["content"]
    gold = replay_gold(library, task)[0]

    def verdict(text: str) -> dict:
        said = [*messages[:final], {"role": "assistant", "content": text}]
        trace = Trace.from_messages(
            said,
            db=gold,
            initial=library.seed,
            gold=gold,
            params=task["params"],
            tools=library.tool_meta,
        )
        return library.judge(trace, task)

    assert verdict("Returned, no fine was added: 0.00.")["passed"]
    refused = verdict(f"Loan {task['params']['loan_id']} is returned.")
    assert not refused["passed"]
    assert [f["reason"] for f in refused["failures"]] == [
        "the agent never said 0 (any number equal to it, such as 0.00)"
    ]


def test_dates_are_counted_in_days(library):
    """The renewal limit counts the days from the due date to the domain's ``today``
    (``days_between``), and a renewal moves the due date 21 days on (``add_days``); the agent's
    prompt says what day it is."""
    from eigendsl.runtime.environment import Environment
    from eigendsl.runtime.model_view import compact_prompt

    assert "\n\nToday is 2025-06-10.\n\n" in library.agent_prompt
    assert "\n\nToday is 2025-06-10.\n\n" in library.user_prompt  # a model user's too
    assert compact_prompt(library).endswith(" Today is 2025-06-10.")  # the embedded model's

    env = Environment(library)
    overdue = {loan: env.db["loans"][loan]["due_date"] for loan in ("L5002", "L5003")}
    assert overdue == {"L5002": "2025-06-07", "L5003": "2025-05-29"}  # 3 and 12 days before
    text, ok = env.call_tool("renew_loan", {"loan_id": "L5003"})
    assert not ok and "more than 7 days overdue" in text
    text, ok = env.call_tool("renew_loan", {"loan_id": "L5002"})
    assert ok, text
    assert env.db["loans"]["L5002"]["due_date"] == "2025-06-28"
    text, ok = env.call_tool("return_book", {"loan_id": "L5003"})  # a Python tool given today
    assert ok and json.loads(text)["fine_added"] == 3.0, text
    refusals = [t for t in library.tasks if t["template"] == "renew_refused_overdue"]
    days = {t["params"]["loan_id"]: t["params"]["days"] for t in refusals}
    assert days.get("L5003") == 12 and all(d > 7 for d in days.values())
    # a template's text reads the domain's date as {{ today }}, no parameter needed
    returns = [t for t in library.tasks if t["template"] == "return_book"]
    said = [step["say"] for t in returns for step in t["gold"] if "say" in step]
    assert said and all(" is returned as of 2025-06-10. " in s for s in said), said


def test_an_unquoted_date_in_yaml_is_its_text(tmp_path):
    """YAML reads 2025-06-12 as a date object: a string field refused it with a Python repr, and
    2025-02-30 crashed the loader. It is now the text written, as in JSON data."""
    import shutil

    from eigendsl.runtime.domain import load_domain

    spec = tmp_path / "library"
    shutil.copytree(LIBRARY, spec)
    seed = spec / "data" / "seed.yaml"
    text = seed.read_text()
    assert 'due_date: "2025-06-12"' in text
    seed.write_text(text.replace('due_date: "2025-06-12"', "due_date: 2025-06-12"))
    assert load_domain(spec).seed["loans"]["L5001"]["due_date"] == "2025-06-12"


def test_a_date_field_holds_days_written_yyyy_mm_dd(tmp_path):
    """``type: date``: text written YYYY-MM-DD (so that comparing two of them compares the days),
    checked in the seed data and in a model's tool arguments; a string to the DSL."""
    import shutil

    from eigendsl.codegen.artifacts import json_schema
    from eigendsl.errors import EigenError
    from eigendsl.runtime.domain import ToolInfo, load_domain
    from eigendsl.runtime.environment import check_arguments
    from eigendsl.spec import FieldType

    spec = tmp_path / "library"
    shutil.copytree(LIBRARY, spec)
    seed = spec / "data" / "seed.yaml"
    written = seed.read_text()
    seed.write_text(written.replace('"2025-06-12"', '"2025-6-12"'))
    with pytest.raises(EigenError) as info:
        load_domain(spec)
    assert (
        "row 'L5001' of 'loans' field 'due_date' is '2025-6-12', not a day written YYYY-MM-DD"
        in (str(info.value))
    )
    # written YYYY-MM-DD, but the day does not exist: said so, not that it is written wrong
    seed.write_text(written.replace('"2025-06-12"', '"2025-06-31"'))
    with pytest.raises(EigenError) as info:
        load_domain(spec)
    assert (
        "row 'L5001' of 'loans' field 'due_date' is '2025-06-31', but there is no day 2025-06-31"
        in (str(info.value))
    )

    schema = json_schema(FieldType(type="date"))
    assert schema == {"type": "string", "format": "date"}
    parameters = {"type": "object", "properties": {"until": schema}, "required": ["until"]}
    tool = ToolInfo("extend", {"function": {"parameters": parameters}}, True, (), print, False)
    assert check_arguments(tool, {"until": "2025-07-01"}) is None
    assert "'until' must be a date written YYYY-MM-DD: there is no day 2025-06-31" in str(
        check_arguments(tool, {"until": "2025-06-31"})
    )
    assert "'1/7/2025' is not a date" in str(check_arguments(tool, {"until": "1/7/2025"}))


def test_a_written_task_is_not_drawn_again(library):
    """A sampled parameter set equal to a written task's is drawn again: the same task was in
    the training split as written and in the held-out one as drawn."""
    keys = [(t["template"], json.dumps(t["params"], sort_keys=True)) for t in library.tasks]
    assert len(keys) == len(set(keys))
    assert any(t["id"] == "refuse-ada-moss" for t in library.tasks)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (  # an enum where a date goes (the newcomer's cabin class)
            "days_between(db.loans[loan_id].due_date, today)",
            "days_between(db.loans[loan_id].status, today)",
            "days_between() needs a date (text YYYY-MM-DD), not an enum",
        ),
        (  # text that is no day, compared with a date: it would compare letters
            "days_between(db.loans[loan_id].due_date, today) <= 7",
            'db.loans[loan_id].due_date > "June 10"',
            "'June 10' is not a date (dates are written YYYY-MM-DD); a date compared with other "
            "text compares letters, not days",
        ),
        (  # a date joined with text: weekday() failed only when the check ran
            "days_between(db.loans[loan_id].due_date, today) <= 7",
            'weekday(db.loans[loan_id].due_date + "x") != "Sunday"',
            "weekday() needs a date (text YYYY-MM-DD), but this is text built from others, which "
            "is no date; to move a date by days, use add_days(date, n)",
        ),
        (  # min() and max() of dates take dates only
            "days_between(db.loans[loan_id].due_date, today) <= 7",
            "max(db.loans[loan_id].due_date, 7) == today",
            "max() of dates takes dates only, not an int",
        ),
    ],
)
def test_a_date_misused_in_a_guard_is_a_compile_error(tmp_path, old, new, message):
    import shutil

    from eigendsl.compiler import compile_domain
    from eigendsl.errors import EigenError

    spec = tmp_path / "library"
    shutil.copytree(LIBRARY, spec)
    guards = spec / "checks" / "guards.chk"
    text = guards.read_text(encoding="utf-8")
    assert old in text
    guards.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(EigenError) as info:
        compile_domain(spec, tmp_path / "out")
    first = str(info.value).splitlines()[0]
    assert "guards.chk:6:" in first and first.endswith(f": {message}"), first
    # a date compared with a day, or with "" (no date), is right
    condition = "days_between(db.loans[loan_id].due_date, today) <= 7"
    for fine in ('db.loans[loan_id].due_date > "2025-06-01"', 'db.loans[loan_id].due_date != ""'):
        guards.write_text(text.replace(condition, fine), encoding="utf-8")
        compile_domain(spec, tmp_path / "out")


def test_weekday_names_the_day_of_a_date(tmp_path):
    """``weekday(date)``: a guard can close the library on one day of the week (the domain's
    ``today``, 2025-06-10, is a Tuesday); the day's name is an enum, so a misspelt one is a compile
    error."""
    import shutil

    from eigendsl.compiler import compile_domain
    from eigendsl.errors import EigenError
    from eigendsl.runtime.domain import load_domain
    from eigendsl.runtime.environment import Environment

    spec = tmp_path / "library"
    shutil.copytree(LIBRARY, spec)
    guards = spec / "checks" / "guards.chk"
    text = guards.read_text(encoding="utf-8")
    head = "guard renew_loan:"
    assert head in text
    for day, refused in (("Sunday", False), ("Tuesday", True)):
        closed = f'{head}\n    require weekday(today) != "{day}" else "We are closed on {day}s"'
        guards.write_text(text.replace(head, closed, 1), encoding="utf-8")
        said, ok = Environment(load_domain(spec)).call_tool("renew_loan", {"loan_id": "L5002"})
        assert ok is not refused and ("closed on Tuesdays" in said) is refused, said
    guards.write_text(text.replace(head, f'{head}\n    require weekday(today) != "sunday"', 1))
    with pytest.raises(EigenError, match="'sunday' is not one of the allowed values"):
        compile_domain(spec, tmp_path / "misspelt")


def test_a_date_parameter_whose_source_gives_no_date_is_an_error(tmp_path):
    """A template parameter of ``type: date`` holds a day: a source giving a weekday's name was
    sampled into the tasks without a word."""
    import shutil

    from eigendsl.compiler import compile_domain
    from eigendsl.errors import EigenError

    spec = tmp_path / "library"
    shutil.copytree(LIBRARY, spec)
    tasks = spec / "tasks" / "loans.yaml"
    text = tasks.read_text(encoding="utf-8")
    derived = "days: {type: int, from: 'days_between(db.loans[loan_id].due_date, today)'}"
    assert derived in text
    text = text.replace(derived, derived + "\n      due_day: {type: date, from: 'weekday(today)'}")
    tasks.write_text(text, encoding="utf-8")
    with pytest.raises(EigenError) as info:
        compile_domain(spec, tmp_path / "out")
    assert (
        "cannot be sampled: the source of 'due_day' gives a value that is 'Tuesday', not a day "
        "written YYYY-MM-DD (with loan_id=" in str(info.value)
    )


def test_min_and_max_of_dates_compile_as_comparisons_of_dates_do(tmp_path):
    # `<` and `>` took dates, min() and max() refused them ("min() needs numbers, not a date")
    import shutil

    from eigendsl.compiler import compile_domain

    spec = tmp_path / "library"
    shutil.copytree(LIBRARY, spec)
    guards = spec / "checks" / "guards.chk"
    old = "days_between(db.loans[loan_id].due_date, today) <= 7"
    text = guards.read_text(encoding="utf-8")
    assert old in text
    new = 'days_between(min(db.loans[loan_id].due_date, today), max(today, "2025-06-17")) <= 7'
    guards.write_text(text.replace(old, new), encoding="utf-8")
    assert compile_domain(spec, tmp_path / "out").files
