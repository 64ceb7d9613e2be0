"""Hard cases of synthesis that change the user's scenario: a change of mind is about a value the
user states and no other parameter is derived from, and a refusal is answered as one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from eigendsl.runtime.utterances import DECLINED
from eigendsl.synth.generation import SynthSettings, run_synthesis
from eigendsl.synth.variants import mind_params
from eigendsl.task_spec import Template
from tests.conftest import MINI, copy_spec, edit

# mini plus a template whose choice (the handle) is never stated: the new email is derived from it
CHANGE_EMAIL = """\
  change_email:
    description: Move the account to a new email, chosen by its handle.
    params:
      user_id: {type: string, from: "u.user_id for u in db.users"}
      email: {type: string, from: "db.users[user_id].email"}
      handle: {type: string, choices: [new.mail, other.mail]}
      new_email: {type: string, from: 'handle + "@example.org"'}
    user:
      reason: "Please change my email to {{ new_email }}."
      known: {email: "{{ email }}"}
      unknown: [user id]
    gold:
      - find_user: {email: "{{ email }}"}
      - set_email: {user_id: "{{ user_id }}", email: "{{ new_email }}"}
      - say: "Your email is now {{ new_email }}."
    check: email_changed
tasks:
"""
EMAIL_CHANGED = """
check email_changed(user_id: string, new_email: string):
    use identify_first
    require db == gold
    require db.users[user_id].email == new_email
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    spec = copy_spec(MINI, tmp_path_factory.mktemp("spec") / "mini")
    edit(spec, "tasks/cancel.yaml", "tasks:\n", CHANGE_EMAIL)
    checks = (spec / "checks" / "main.chk").read_text() + EMAIL_CHANGED
    edit(spec, "checks/main.chk", None, checks)
    out = tmp_path_factory.mktemp("synth") / "run"
    run_synthesis(spec, out, SynthSettings(generations=2, per_generation=40, seed=0))
    return out


def accepted(out: Path, kind: str) -> list[dict]:
    rows = [json.loads(line) for line in (out / "gen-2" / "accepted.jsonl").open()]
    return [r for r in rows if r["kind"] == kind]


def said(row: dict, role: str) -> list[str]:
    return [m["content"] for m in row["messages"] if m["role"] == role and m.get("content")]


def test_a_change_of_mind_is_about_a_value_the_user_states(run):
    tasks = yaml.safe_load((run / "gen-2" / "tasks.yaml").read_text())["tasks"]
    changes = [t["user"]["change_mind"] for t in tasks if "change_mind" in t.get("user", {})]
    # never "handle": the user does not state it, and the email they ask for is derived from it
    assert changes and all(c.startswith("reason=") for c in changes)
    rows = accepted(run, "mind")
    assert rows
    for row in rows:
        task = next(t for t in tasks if t["id"] == row["task_id"])
        first = task["user"]["change_mind"].partition("=")[2]
        true = row["params"]["reason"]
        user, agent = said(row, "user"), said(row, "assistant")
        assert first in user[0] and true not in user[0]
        proposals = [a for a in agent if "(yes/no)" in a]
        assert first in proposals[0] and true in proposals[1]
        assert any("changed my mind" in u and true in u for u in user)
        (write,) = [
            c["function"]
            for m in row["messages"]
            for c in m.get("tool_calls") or []
            if c["function"]["name"] == "cancel_order"
        ]
        assert json.loads(write["arguments"])["reason"] == true


def _template(params: str, reason: str, gold: str) -> Template:
    text = f"params: {params}\nuser: {{reason: '{reason}'}}\ngold: {gold}\ncheck: c\n"
    return Template.model_validate(yaml.safe_load(text))


def test_mind_params_skip_parameters_others_are_derived_from_or_the_user_never_states():
    writes = {"reschedule", "book"}
    offset = _template(  # the clinic's: the new date is counted from the offset
        "{appointment_id: {type: string, choices: [A1]}, offset: {type: int, choices: [3, 8]},"
        " new_date: {type: string, from: 'add_days(today, offset)'}}",
        "Please move it to {{ new_date }}.",
        "[{reschedule: {appointment_id: '{{ appointment_id }}', new_date: '{{ new_date }}'}}]",
    )
    assert mind_params(offset, writes) == ()
    time = _template(
        "{time: {type: string, choices: ['08:00', '17:30']}, unsaid: {type: int, choices: [1, 2]}}",
        "Book me at {{ time }}.",
        "[{book: {time: '{{ time }}', slot: '{{ unsaid }}'}}, {lookup: {n: '{{ time }}'}}]",
    )
    assert mind_params(time, writes) == ("time",)  # "unsaid" is not in the user's words
    assert mind_params(time, {"lookup"}) == ("time",)
    assert mind_params(time, set()) == ()  # no write takes it: the agent proposes nothing


def test_a_declined_write_is_answered_as_declined_never_as_done(run):
    rows = accepted(run, "refuse")
    assert {r["template"] for r in rows} == {"cancel__refuse", "change_email__refuse"}
    for row in rows:
        turns = [m for m in row["messages"] if m["role"] in ("user", "assistant")]
        asked = [i for i, m in enumerate(turns) if "(yes/no)" in (m.get("content") or "")]
        assert asked and "yes" not in turns[asked[0] + 1]["content"].lower()  # asked, said no
        agent = said(row, "assistant")
        assert agent[-1] == DECLINED
        assert not any("is cancelled" in a or "is now" in a for a in agent)
