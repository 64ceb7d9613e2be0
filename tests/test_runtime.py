"""Runtime: environment, scripted agent and user, episodes, backends, run and play."""

from __future__ import annotations

import copy
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eigendsl.cli import main
from eigendsl.errors import EigenError
from eigendsl.runtime.database import Staged, fresh
from eigendsl.runtime.domain import load_domain
from eigendsl.runtime.environment import Environment
from eigendsl.runtime.episodes import Episode, apply_agent_turn, run_episodes
from eigendsl.runtime.model_roles import ModelAgent, ModelUser
from eigendsl.runtime.model_view import compact_prompt, compact_result, model_view
from eigendsl.runtime.openai_backend import OpenAIBackend
from eigendsl.runtime.rows import pass_at_k, pass_hat_k, summarize, write_jsonl
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.scripted_user import ScriptedUser
from eigendsl.runtime.toolcalls import parse_tool_calls
from eigendsl.runtime.turns import turn_from_text
from tests.conftest import copy_spec, edit

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini"
RETAIL = ROOT / "specs" / "retail"


@pytest.fixture(scope="module")
def mini():
    return load_domain(MINI)


@pytest.fixture(scope="module")
def retail():
    if not (RETAIL / "domain.yaml").is_file():
        pytest.skip("specs/retail is not there yet")
    return load_domain(RETAIL)


def scripted(domain, tasks, mistakes=(), trials=1, seed=0):
    return run_episodes(
        domain,
        tasks,
        ScriptedAgent(mistakes, seed),
        ScriptedUser(domain.stop_marker, seed),
        trials=trials,
    )


# ---------------------------------------------------------------------------- database


def test_staged_writes_are_private_until_commit():
    seed = {"orders": {"#1": {"status": "pending", "items": [1]}}}
    db = fresh(seed)
    view = Staged(db)
    view["orders"]["#1"]["items"].append(2)
    assert db["orders"]["#1"]["items"] == [1]  # not committed yet
    view.commit()
    assert db["orders"]["#1"]["items"] == [1, 2]
    assert seed["orders"]["#1"]["items"] == [1]  # the seed is never touched
    untouched = fresh(seed)
    assert untouched["orders"] is seed["orders"]  # a reset copies no rows


# ---------------------------------------------------------------------------- environment


def test_failed_guard_and_tool_error_leave_db_unchanged(mini):
    env = Environment(mini, mini.tasks[0])
    before = copy.deepcopy(env.db)
    text, ok = env.call_tool("cancel_order", {"order_id": "#2", "reason": "no longer needed"}, "c1")
    assert not ok and text == "Error: Only pending orders can be cancelled"
    text, ok = env.call_tool("cancel_order", {"order_id": "#9", "reason": "no longer needed"}, "c2")
    assert not ok and "orders has no row with key '#9'" in text
    assert env.db == before
    assert [c.error is not None for c in env.trace.calls] == [True, True]


def test_a_declared_lookup_that_finds_nothing_says_so(mini):
    # find_user returns first(u in db.users where u.email == email).user_id: an email no user
    # has is a refusal the agent can act on, not a Python error on null.
    env = Environment(mini, mini.tasks[0])
    text, ok = env.call_tool("find_user", {"email": "nobody@example.com"}, "c1")
    assert not ok and text == "Error: no users row matches"
    assert env.faults == []


def test_bad_arguments_are_errors_for_the_model(mini):
    env = Environment(mini, mini.tasks[0])
    cases = [
        ("nope", {}, "unknown tool 'nope'"),
        ("get_order", {}, "get_order needs the argument 'order_id'"),
        ("get_order", {"order_id": 5}, "'order_id' must be string"),
        ("get_order", {"order_id": "#1", "x": 1}, "get_order has no parameter 'x'"),
        ("cancel_order", {"order_id": "#1", "reason": "bored"}, "'reason' must be one of"),
        ("get_order", ["#1"], "must be a JSON object"),
    ]
    for name, args, expected in cases:
        text, ok = env.call_tool(name, args, "c")
        assert not ok and expected in text, (name, text)


def test_successful_write_changes_only_this_episode(mini):
    env = Environment(mini, mini.tasks[0])
    text, ok = env.call_tool("cancel_order", {"order_id": "#1", "reason": "no longer needed"}, "c1")
    assert ok and json.loads(text)["status"] == "cancelled"
    assert env.db["orders"]["#1"]["status"] == "cancelled"
    assert mini.seed["orders"]["#1"]["status"] == "pending"
    assert Environment(mini, mini.tasks[0]).db["orders"]["#1"]["status"] == "pending"


# ---------------------------------------------------------------------------- scripted play


def test_gold_trajectories_pass_on_mini(mini):
    rows = scripted(mini, mini.tasks, trials=3)
    assert all(r["verdict"]["passed"] for r in rows), [r["verdict"]["failures"] for r in rows]
    summary = summarize(rows)
    assert summary["pass_hat_k"]["3"] == 1.0
    assert summary["mean_score"] == 1.0 and summary["tool_call_ok_rate"] == 1.0
    assert (
        summary["tool_calls"]
        == sum(len(m.get("tool_calls") or ()) for r in rows for m in r["messages"])
        > 0
    )


class _Writes:
    """A backend that writes the given texts in turn and records the chats it was given."""

    def __init__(self, texts):
        self.texts, self.chats = list(texts), []

    def generate(self, chats, tools, keys=None):
        self.chats += chats
        return [turn_from_text(self.texts.pop(0) if self.texts else "Bye.") for _ in chats]


def test_trace_keeps_what_the_model_wrote_when_a_call_cannot_be_read(mini):
    broken = (
        '<tool_call>\n{"name": "find_user", "arguments": {"email": "arguments": "x"}}\n</tool_call>'
    )
    backend = _Writes([broken, '<tool_call>\n{"name": "find_user", "arguments": {}}\n</tool_call>'])
    rows = run_episodes(
        mini,
        mini.tasks[:1],
        ModelAgent(backend, "model", context="compact"),
        ScriptedUser(mini.stop_marker),
        max_turns=6,
    )
    messages = rows[0]["messages"]
    [malformed] = [m for m in messages if "raw" in m]
    assert malformed["raw"] == broken
    assert malformed["tool_calls"][0]["function"]["name"] == "invalid_tool_call"
    assert next(m for m in messages if m["role"] == "tool")["content"].startswith(
        "Error: Tool call 1: invalid JSON"
    )
    # well-formed turns carry no copy; the model's next prompt does not show it the raw text
    assert sum("raw" in m for m in messages) == 1
    assert len(backend.chats) >= 2 and not any("raw" in m for chat in backend.chats for m in chat)
    summary = summarize(rows)
    assert summary["malformed_tool_calls"] == 1 and summary["tool_calls"] >= 2


def test_summary_counts_tool_calls_that_failed(mini):
    rows = scripted(mini, mini.tasks[:1])
    messages = rows[0]["messages"]
    made = sum(len(m.get("tool_calls") or ()) for m in messages)
    first_result = next(m for m in messages if m["role"] == "tool")
    first_result["content"] = "Error: invalid JSON"
    rows[0]["verdict"] = {**rows[0]["verdict"], "passed": False, "score": 0.25, "failures": []}
    summary = summarize(rows)
    assert summary["tool_calls"] == made
    assert summary["tool_call_ok_rate"] == round((made - 1) / made, 6)
    assert summary["malformed_tool_calls"] == 0  # the call was read; the tool refused it
    assert summary["mean_score"] == 0.25


@pytest.mark.parametrize(
    "mistake, statement",
    [
        ("wrong_argument", "require db == gold"),
        ("skip_confirmation", 'user_said "yes" before c'),
        ("missing_lookup", "require called find_user before"),
    ],
)
def test_injected_mistakes_fail_with_reason(mini, mistake, statement):
    rows = scripted(mini, mini.tasks, (mistake,))
    for row in rows:
        assert not row["verdict"]["passed"]
        assert any(statement in f["statement"] for f in row["verdict"]["failures"]), row["verdict"][
            "failures"
        ]


def test_gold_trajectories_pass_on_retail(retail):
    rows = scripted(retail, retail.tasks, trials=2)
    failed = [
        (r["task_id"], r["verdict"]["failures"][:2]) for r in rows if not r["verdict"]["passed"]
    ]
    assert not failed, failed[:5]
    assert len({r["template"] for r in rows}) >= 12


def test_scripted_agent_writes_only_values_the_user_or_a_tool_gave(retail):
    """Dialogues are training data: a write's every argument value was said by the user or
    returned by a tool before the call, or the trained agent learns to invent it (a new address,
    a payment method the user named in words, the item id of the variant the user wants)."""
    invented = []
    for row in scripted(retail, retail.tasks):
        heard = ""
        for message in row["messages"]:
            if message["role"] in ("user", "tool"):
                heard += str(message.get("content") or "") + "\n"
            for call in message.get("tool_calls") or []:
                function = call["function"]
                arguments = json.loads(function["arguments"])
                if retail.tools[function["name"]].writes:
                    values = [
                        v for a in arguments.values() for v in (a if isinstance(a, list) else [a])
                    ]
                    invented += [(row["task_id"], v) for v in values if str(v) not in heard]
    assert not invented, invented[:5]


def test_scripted_agent_asks_for_everything_the_user_knows_at_its_first_question(retail):
    """The first question names every fact the user knows and has not said: a modify-address
    dialogue asks for the email and the new address together, right after the request."""
    missed, asked = [], set()
    known = {t["id"]: t["user"]["known"] for t in retail.tasks}
    for row in scripted(retail, retail.tasks):
        opening, question = row["messages"][1]["content"], row["messages"][2]["content"] or ""
        unsaid = [k for k, fact in known[row["task_id"]].items() if fact not in opening]
        if "?" in question:  # the catalog question needs no account: its agent looks up first
            asked.add(row["template"])
            missed += [(row["task_id"], k) for k in unsaid if k not in question]
    assert not missed, missed[:5]
    assert {"modify_order_address", "exchange_items", "modify_address_and_payment"} <= asked


def test_a_declined_write_is_answered_with_the_templates_own_words(retail):
    """A template whose user says no (``confirm: false``) wrote what the agent says then, as the
    `say` after the write; the agent used to say its stock line instead."""
    tasks = [t for t in retail.tasks if t["template"] == "cancel_declined"]
    for row in scripted(retail, tasks):
        said = [m["content"] for m in row["messages"] if m["role"] == "assistant"]
        order = row["params"]["order_id"]
        assert (
            said[-1] == f"Understood, I have not cancelled anything: order {order} stays as it is."
        )
    # a write declined where the template's user says yes (a model user): not the success text
    from eigendsl.runtime.utterances import DECLINED

    after = [{"say": "Your order is cancelled."}]
    assert ScriptedAgent._declined({"user": {"confirm": True}}, after) == DECLINED
    assert ScriptedAgent._declined({"user": {"confirm": False}}, after) == after[0]["say"]


def test_a_lookup_note_gives_a_name_one_article():
    from eigendsl.runtime.utterances import lookup_note

    assert lookup_note("Cork Yoga Mat") == "Let me look up the Cork Yoga Mat."
    assert lookup_note("The Salt Road") == "Let me look up The Salt Road."  # not "the The"
    assert lookup_note("an atlas; Theo") == "Let me look up an atlas; Theo."
    assert lookup_note("Theory of Colour") == "Let me look up the Theory of Colour."
    assert lookup_note("Dr. Anika Rao, 2025-06-11") == "Let me look up Dr. Anika Rao, 2025-06-11."
    assert lookup_note("2025-06-11 with Dr. Rao") == "Let me look up 2025-06-11 with Dr. Rao."


def test_scripted_agent_names_the_records_it_copies_ids_from_in_the_users_words(retail):
    """An exchange's product lookup names the product, and its proposal names the wanted variant
    and the ordered item in the user's words right before their ids (an order's only item needs
    no words); every word of a note was said by the user before (a note never tells what the
    dialogue has not)."""
    tasks = [t for t in retail.tasks if t["template"] in ("exchange_items", "modify_order_items")]
    unsaid, seen = [], 0
    for row in scripted(retail, retail.tasks):
        said = ""
        for message in row["messages"]:
            if message["role"] == "user":
                said += str(message.get("content") or "") + "\n"
            text = str(message.get("content") or "") if message["role"] == "assistant" else ""
            notes = re.findall(r"Let me look up the (.*)\.$", text) + re.findall(
                r"\(([^)]*)\) \[", text
            )
            unsaid += [
                (row["task_id"], w) for note in notes for w in note.split(", ") if w not in said
            ]
            seen += len(notes)
    assert seen and not unsaid, unsaid[:5]
    named = 0
    for row in scripted(retail, tasks):
        p = row["params"]
        if len(retail.seed["orders"][p["order_id"]]["items"]) == 1:
            continue
        named += 1
        old = ", ".join(f"{k}: {v}" for k, v in sorted(p["old_options"].items()))
        new = ", ".join(f"{k}: {v}" for k, v in sorted(p["new_options"].items()))
        texts = [str(m.get("content")) for m in row["messages"] if m["role"] == "assistant"]
        lookup = next(
            m
            for m in row["messages"]
            if m["role"] == "assistant"
            and any(
                c["function"]["name"] == "get_product_details" for c in m.get("tool_calls") or []
            )
        )
        assert lookup["content"].startswith(f"Let me look up the {p['product_name']}"), lookup[
            "content"
        ]
        proposal = next(t for t in texts if "(yes/no)" in t)
        # said first, the argument no other change takes: the tool's name, two tokens back, picks
        # it; a return's proposal goes on from the item ids to the payment method
        assert f"_items with new item ids ({new}) ['{p['new_item_id']}'], item ids" in proposal
        assert f"({p['product_name']}, {old}) ['{p['item_id']}']" in proposal, proposal
    assert named >= 4


@pytest.mark.parametrize("mistake", ["wrong_argument", "skip_confirmation", "missing_lookup"])
def test_retail_mistakes_are_caught(retail, mistake):
    tasks = [t for t in retail.tasks if _has_write(retail, t)]
    rows = scripted(retail, tasks, (mistake,))
    caught = sum(not r["verdict"]["passed"] for r in rows)
    assert caught == len(rows), [r["task_id"] for r in rows if r["verdict"]["passed"]]
    for row in rows:  # a rule the check uses fails once, not once as the check's and the policy's
        where = [(f["path"], f["line"], f["col"], f["reason"]) for f in row["verdict"]["failures"]]
        assert len(where) == len(set(where)), row["verdict"]["failures"]


RECOVERABLE = (
    "exchange_items",
    "modify_order_items",
    "modify_order_payment",
    "return_original",
    "return_to_gift_card",
)


def test_a_recovery_reads_again_what_holds_the_right_id_and_passes(retail):
    """``recover``: the first write carries another variant's or another user's card id; the tool
    refuses it; the agent calls again the lookup whose result holds the right id (or, when the
    user said it, writes again at once), then writes the gold call, and the episode passes."""
    tasks = [t for t in retail.tasks if t["template"] in RECOVERABLE]
    rows = scripted(retail, tasks, ("recover",))
    assert len({r["template"] for r in rows}) == len(RECOVERABLE)
    flat = lambda args: [v for a in args.values() for v in (a if isinstance(a, list) else [a])]  # noqa: E731
    reread = 0
    for row in rows:
        messages = row["messages"]
        refused = [
            i
            for i, m in enumerate(messages)
            if m["role"] == "tool" and m["content"].startswith("Error: ")
        ]
        assert len(refused) == 1, row["task_id"]
        calls = [
            (i, m["tool_calls"][0]["function"])
            for i, m in enumerate(messages)
            if m.get("tool_calls")
        ]
        after = [(i, c) for i, c in calls if i > refused[0]]
        wrong = json.loads(messages[refused[0] - 1]["tool_calls"][0]["function"]["arguments"])
        retry = json.loads(after[-1][1]["arguments"])
        lacked = [v for v in flat(retry) if v not in flat(wrong)]
        assert (
            len(lacked) == 1
            and after[-1][1]["name"]
            == messages[refused[0] - 1]["tool_calls"][0]["function"]["name"]
        )
        if len(after) == 2:  # a lookup, then the write
            assert not retail.tools[after[0][1]["name"]].writes
            assert lacked[0] in messages[after[0][0] + 1]["content"]
            reread += 1
        else:
            assert len(after) == 1
            assert any(lacked[0] in m["content"] for m in messages if m["role"] == "user"), row[
                "task_id"
            ]
        assert row["verdict"]["passed"], (row["task_id"], row["verdict"]["failures"][:2])
    assert reread >= len(rows) // 2


def test_a_wrong_id_is_taken_from_nested_records_first(retail):
    import random

    from eigendsl.runtime.mistakes import id_kinds, wrong_id

    kinds = id_kinds(retail.seed)
    assert kinds["#W1000001"][1] is False and len(kinds["#W1000001"][0]) == len(
        retail.seed["orders"]
    )
    args = {
        "order_id": "#W1000001",
        "item_ids": ["I10101", "I10202"],
        "payment_method_id": "card_1423",
    }
    for seed in range(20):
        changed = wrong_id(args, retail, random.Random(seed))
        diff = {k for k in args if changed[k] != args[k]}
        assert len(diff) == 1 and diff <= {"item_ids", "payment_method_id"}
        if "item_ids" in diff:
            pairs = zip(changed["item_ids"], args["item_ids"], strict=True)
            assert sum(a != b for a, b in pairs) == 1
            assert all(i in kinds["I10101"][0] for i in changed["item_ids"])
        else:
            assert changed["payment_method_id"] in kinds["card_1423"][0]


def test_scripted_doctests():
    import doctest

    from eigendsl.runtime import environment as environment_mod
    from eigendsl.runtime import mistakes as mistakes_mod
    from eigendsl.runtime import model_view as model_view_mod
    from eigendsl.runtime import scripted_agent as scripted_agent_mod
    from eigendsl.runtime import scripted_user as scripted_user_mod
    from eigendsl.runtime import utterances as utterances_mod

    assert doctest.testmod(scripted_agent_mod).failed == 0
    assert doctest.testmod(mistakes_mod).failed == 0
    assert doctest.testmod(model_view_mod).failed == 0
    assert doctest.testmod(environment_mod).failed == 0
    assert doctest.testmod(utterances_mod).failed == 0
    assert doctest.testmod(scripted_user_mod).failed == 0


def _has_write(domain, task):
    writes = [s for s in task["gold"] if "tool" in s and domain.tools[s["tool"]].writes]
    lookups = [s for s in task["gold"] if "tool" in s and not domain.tools[s["tool"]].writes]
    return bool(writes) and bool(lookups) and task["user"].get("confirm", True)


def test_rows_rejudge_from_jsonl_alone(mini):
    from eigendsl.support import Trace

    for row in scripted(mini, mini.tasks):
        row = json.loads(json.dumps(row))
        env = Environment(mini, next(t for t in mini.tasks if t["id"] == row["task_id"]))
        for message in row["messages"]:
            for call in message.get("tool_calls") or []:
                env.call_tool(
                    call["function"]["name"], json.loads(call["function"]["arguments"]), call["id"]
                )
        from eigendsl.runtime.environment import replay_gold

        gold, _ = replay_gold(mini, env.task)
        trace = Trace.from_messages(
            row["messages"], env.db, mini.seed, gold, row["params"], mini.tool_meta
        )
        assert mini.judge(trace, env.task)["passed"] == row["verdict"]["passed"]


# ---------------------------------------------------------------------------- model outputs


ADVERSARIAL = [
    "",
    "<tool_call>",
    "<tool_call>{not json}</tool_call>",
    '<tool_call>{"name": 5}</tool_call>',
    '<tool_call>{"name": "cancel_order", "arguments": "oops"}</tool_call>',
    '<tool_call>{"name": "cancel_order", "arguments": [1, 2]}</tool_call>',
    '<tool_call>{"name": "drop_tables", "arguments": {}}</tool_call>',
    '<tool_call>{"name": "cancel_order", "arguments": '
    '{"order_id": "#2", "reason": "no longer needed"}}</tool_call>',
    '<tool_call>{"name": "get_order", "arguments": {"order_id": "'
    + "9" * 100_000
    + '"}}</tool_call>',
    'tool: {"status": "cancelled"} <|im_start|>tool\nok<|im_end|>',
    "</tool_call></tool_call><tool_call></tool_call>",
    "<tool_call>" * 20,
]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.one_of(
        st.sampled_from(ADVERSARIAL),
        st.text(max_size=300),
        st.builds(
            lambda a, b: f"<tool_call>{a}</tool_call>{b}",
            st.text(max_size=80),
            st.text(max_size=20),
        ),
    )
)
def test_fuzzed_model_output_never_crashes(mini, text):
    episode = Episode(mini.tasks[0], Environment(mini, mini.tasks[0]))
    before = copy.deepcopy(episode.env.db)
    turn = turn_from_text(text)
    apply_agent_turn(episode, turn)
    for message in episode.messages:
        json.dumps(message)
    failed = [c for c in episode.env.trace.calls if c.error]
    if len(failed) == len(episode.env.trace.calls):
        assert episode.env.db == before


def test_parser_reports_errors_in_words():
    content, calls, errors = parse_tool_calls(
        'hi <tool_call>{"name": "x", "arguments": {}}</tool_call> <tool_call>{bad'
    )
    assert content.startswith("hi") and calls == [{"name": "x", "arguments": {}}]
    assert errors == ["Tool call 2: the <tool_call> block is not closed with </tool_call>."]


def test_pass_hat_k_matches_tau2_definition():
    assert pass_hat_k([(4, 4)], 4) == 1.0
    assert pass_hat_k([(4, 3)], 4) == 0.0
    assert pass_hat_k([(4, 2), (4, 4)], 1) == 0.75
    assert pass_at_k([(4, 1)], 4) == 1.0


# ---------------------------------------------------------------------------- openai backend


class _ChatServer(BaseHTTPRequestHandler):
    """Speaks chat completions: calls find_user, then cancel_order after 'yes', else talks."""

    requests: list[dict] = []
    fail_first = True
    closing = "Your order #1 is cancelled. Anything else?"
    hermes: str | None = None  # if set, the first call, as the text of a server without a parser

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_POST(self):  # noqa: N802 - the http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(body)
        if type(self).fail_first:
            type(self).fail_first = False
            self.send_response(503)
            self.end_headers()
            return
        messages = body["messages"]
        last = messages[-1]
        if "tools" not in body:  # acting as the user
            message = {"role": "assistant", "content": "Thanks, bye ###STOP###"}
        elif last["role"] == "user" and "yes" in last["content"].lower():
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c2",
                        "type": "function",
                        "function": {
                            "name": "cancel_order",
                            "arguments": '{"order_id": "#1", "reason": "no longer needed"}',
                        },
                    }
                ],
            }
        elif type(self).hermes and not any(m["role"] == "tool" for m in messages):
            message = {"role": "assistant", "content": type(self).hermes}
        elif last["role"] == "user" and not any(m["role"] == "tool" for m in messages):
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {
                            "name": "find_user",
                            "arguments": '{"email": "ann@example.com"',
                        },
                    }
                ],
            }
        else:
            message = {"role": "assistant", "content": type(self).closing}
        payload = json.dumps(
            {"choices": [{"index": 0, "message": message, "finish_reason": "stop"}]}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture()
def chat_server():
    _ChatServer.requests = []
    _ChatServer.fail_first = True
    _ChatServer.closing = "Your order #1 is cancelled. Anything else?"
    _ChatServer.hermes = None
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ChatServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_a_lone_surrogate_from_a_model_or_a_person_is_written_as_a_replacement(
    mini, chat_server, tmp_path
):
    """JSON may escape half a UTF-16 pair; kept as it came, the episodes file could not be
    written (UTF-8 has no such character) after the whole run."""
    from eigendsl.runtime.play import parse_agent_input

    _ChatServer.closing = "Your order #1 is cancelled\ud800. Anything else?"
    backend = OpenAIBackend(chat_server, "test-model", retries=2, timeout=5)
    rows = run_episodes(
        mini, mini.tasks[:1], ModelAgent(backend, "openai"), ScriptedUser(mini.stop_marker)
    )
    write_jsonl(rows, tmp_path / "episodes.jsonl")
    assert "cancelled\ufffd." in (tmp_path / "episodes.jsonl").read_text(encoding="utf-8")
    typed = parse_agent_input('/call get_order {"order_id": "#1\\ud800"}')
    assert typed is not None and typed.tool_calls[0]["arguments"] == {"order_id": "#1\ufffd"}


# A call whose JSON escapes half a UTF-16 pair, in its name or its arguments.
LONE_SURROGATE_CALLS = [
    '<tool_call>{"name": "get_order", "arguments": {"order_id": "#1\\ud800"}}</tool_call>',
    '<tool_call>{"name": "get_order\\udfff", "arguments": {"order_id": "#1"}}</tool_call>',
]


@pytest.mark.parametrize("text", LONE_SURROGATE_CALLS, ids=["arguments", "name"])
def test_a_lone_surrogate_in_a_served_text_call_is_replaced_not_blamed_on_the_server(
    mini, chat_server, tmp_path, text
):
    """A vLLM server without a tool parser returns the model's <tool_call> as text. Its lone
    surrogate went into the chat; the next request could not be encoded, which the backend
    reported as the server not answering ("is the server running?") and the run stopped."""
    _ChatServer.hermes = text
    backend = OpenAIBackend(chat_server, "test-model", retries=2, timeout=5)
    rows = run_episodes(
        mini, mini.tasks[:1], ModelAgent(backend, "openai"), ScriptedUser(mini.stop_marker)
    )
    write_jsonl(rows, tmp_path / "episodes.jsonl")
    written = (tmp_path / "episodes.jsonl").read_text(encoding="utf-8")
    assert "\ufffd" in written
    [call] = [c for m in rows[0]["messages"] for c in m.get("tool_calls") or []]
    assert "\ufffd" in json.dumps(call, ensure_ascii=False)
    assert rows[0]["messages"][-1]["content"].endswith("###STOP###")  # the episode went on


def test_a_request_that_cannot_be_written_is_not_blamed_on_the_server(chat_server):
    """httpx encoded the request inside the retry loop, and its ValueError was caught as "a
    response that could not be read as JSON": retried, then "is the server running?"."""
    _ChatServer.fail_first = False
    backend = OpenAIBackend(chat_server, "test-model", retries=2, timeout=5)
    chat = [{"role": "user", "content": "hi"}, {"role": "tool", "content": float("nan")}]
    with pytest.raises(EigenError, match="was not sent: the conversation cannot be written as"):
        backend.generate([chat], None)
    assert _ChatServer.requests == []


def test_a_text_path_call_with_a_lone_surrogate_is_written_to_the_episodes_file(mini, tmp_path):
    """The hf: path (HFBackend gives turn_from_text of the decoded text): the episode played,
    then `run --out` crashed writing it (UnicodeEncodeError), after the whole run."""

    class TextBackend:
        def generate(self, chats, tools, keys=None):
            return [turn_from_text(LONE_SURROGATE_CALLS[0]) for _ in chats]

    rows = run_episodes(
        mini,
        mini.tasks[:1],
        ModelAgent(TextBackend(), "hf:fake"),
        ScriptedUser(mini.stop_marker),
        max_turns=3,
    )
    write_jsonl(rows, tmp_path / "episodes.jsonl")
    [row] = [json.loads(line) for line in (tmp_path / "episodes.jsonl").open(encoding="utf-8")]
    calls = [c for m in row["messages"] for c in m.get("tool_calls") or []]
    assert calls and all('"#1\ufffd"' in c["function"]["arguments"] for c in calls)


def test_openai_backend_plays_an_episode(mini, chat_server):
    backend = OpenAIBackend(chat_server, "test-model", retries=2, timeout=5)
    rows = run_episodes(
        mini, mini.tasks[:1], ModelAgent(backend, "openai"), ScriptedUser(mini.stop_marker)
    )
    messages = rows[0]["messages"]
    tool_texts = [m["content"] for m in messages if m["role"] == "tool"]
    assert tool_texts[0].startswith(
        "Error: tool call arguments are not valid JSON"
    )  # malformed call answered
    # the trace keeps the call as the endpoint returned it; the endpoint is never sent that field
    malformed = next(m for m in messages if m.get("raw"))
    assert json.loads(malformed["raw"])[0]["function"]["arguments"] == '{"email": "ann@example.com"'
    assert not any("raw" in m for request in _ChatServer.requests for m in request["messages"])
    assert summarize(rows)["malformed_tool_calls"] == 1
    assert _ChatServer.requests[0]["model"] == "test-model"  # the 503 was retried
    assert len(_ChatServer.requests) >= 3


def test_llm_user_through_openai_backend(mini, chat_server):
    user = ModelUser(
        OpenAIBackend(chat_server, retries=2, timeout=5),
        mini.user_prompt,
        mini.stop_marker,
        "openai",
    )
    episode = Episode(mini.tasks[0], Environment(mini, mini.tasks[0]))
    reply = user.respond([episode])[0]
    assert reply.endswith("###STOP###")
    system = next(r for r in _ChatServer.requests if "tools" not in r)["messages"][0]["content"]
    assert "cancel order #1" in system and "ann@example.com" in system


class _SilentBackend:
    """A user model that writes nothing, as a broken checkpoint does."""

    def generate(self, chats, tools, keys=None):
        from eigendsl.runtime.turns import AgentTurn

        return [AgentTurn(content="", raw="") for _ in chats]


def test_an_empty_turn_from_a_model_user_ends_the_episode_as_user_empty_not_stop(mini):
    """An empty generation used to become the stop marker, and the episode counted as one the
    user had finished (``ended: stop``): a broken user model looked like finished conversations."""
    user = ModelUser(_SilentBackend(), mini.user_prompt, mini.stop_marker, "hf:broken")
    rows = run_episodes(mini, mini.tasks[:1], ScriptedAgent(), user)
    assert rows[0]["end_reason"] == "user_empty"
    assert rows[0]["messages"][-1] == {"role": "user", "content": ""}
    assert summarize(rows)["ended"] == {"user_empty": 1}


JSON_LEAVES = st.one_of(
    st.text(max_size=12),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text("abcdefgh_", min_size=1, max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


def _leaves(value):
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


@given(
    st.dictionaries(
        st.text("abcdefgh_", min_size=1, max_size=8), JSON_VALUES, min_size=1, max_size=4
    )
)
@settings(max_examples=200, deadline=None)
def test_compact_result_keeps_every_key_and_value(result):
    text = compact_result(json.dumps(result))
    assert [line.split(": ", 1)[0] for line in text.split("\n")] == list(
        result
    )  # one line per field
    for leaf in _leaves(result):
        # a value is written as it is, or as JSON when it is not a plain string
        assert (isinstance(leaf, str) and leaf and leaf in text) or json.dumps(
            leaf, ensure_ascii=False
        ) in text


def test_compact_result_is_shorter_and_leaves_other_text_alone(retail):
    task = next(t for t in retail.tasks if "order_id" in t["params"])
    order, ok = Environment(retail, task).call_tool(
        "get_order_details", {"order_id": task["params"]["order_id"]}
    )
    assert ok
    compact = compact_result(order)
    assert len(compact) < 0.9 * len(order) and '"' not in compact.replace('""', "")
    for text in ("usr_ann", "Error: order #W9 not found", "42", '"a string"', "[1, 2", ""):
        assert compact_result(text) == text
    assert (
        compact_result('[{"id": "a, b"}, 3]') == '[{id: "a, b"}, 3]'
    )  # separators inside a value stay quoted


def test_model_view_compact_changes_only_the_prompt_and_tool_results(retail):
    messages = [
        {"role": "system", "content": retail.agent_prompt},
        {"role": "user", "content": 'My order is {"x": 1}.'},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "get_order_details", "arguments": '{"order_id": "#W1"}'},
                }
            ],
        },
        {
            "role": "tool",
            "tool_call_id": "c1",
            "name": "get_order_details",
            "content": '{"status": "pending"}',
        },
    ]
    assert model_view(messages, retail, "full") == messages
    view = model_view(messages, retail, "compact")
    assert view[0]["content"] == compact_prompt(retail) and view[3]["content"] == "status: pending"
    assert (
        view[1:3] == messages[1:3] and messages[3]["content"] == '{"status": "pending"}'
    )  # input unchanged
    # the text of a turn whose call could not be read stays in the trace, out of every view
    with_raw = [*messages[:2], {**messages[2], "raw": "<tool_call>{oops"}, messages[3]]
    for context in ("full", "compact"):
        assert model_view(with_raw, retail, context) == model_view(messages, retail, context)
    assert with_raw[2]["raw"] == "<tool_call>{oops"


def test_unreachable_endpoint_is_a_clear_error(mini):
    result = CliRunner().invoke(
        main, ["run", str(MINI), "--agent", "openai:http://127.0.0.1:9/v1", "--tasks", "1"]
    )
    assert result.exit_code == 1
    assert "did not answer" in result.output and "Traceback" not in result.output


def test_constraining_the_scripted_agent_is_a_clear_error():
    result = CliRunner().invoke(main, ["run", str(MINI), "--constrain-calls", "--tasks", "1"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "Use it with --agent hf:PATH_OR_ID" in result.output


def test_an_openai_backend_that_names_no_server_is_refused_at_once():
    for spec in ("openai:not a url", "openai:localhost:8000/v1#m"):
        result = CliRunner().invoke(main, ["run", str(MINI), "--agent", spec, "--tasks", "1"])
        assert result.exit_code == 1, result.output
        assert "does not name a server; write its base URL" in result.output


def test_vllm_missing_is_a_clear_error():
    pytest.importorskip("torch")
    try:
        import vllm  # noqa: F401
    except ImportError:
        result = CliRunner().invoke(
            main, ["run", str(MINI), "--agent", "vllm:some/model", "--tasks", "1"]
        )
        assert result.exit_code == 1 and "pip install 'eigendsl[vllm]'" in result.output


# ---------------------------------------------------------------------------- CLI


def test_run_counts_why_the_episodes_ended() -> None:
    # failures of episodes the turn limit cut short said nothing of it
    cut = CliRunner().invoke(main, ["run", str(MINI), "--max-turns", "3", "--json"])
    summary = json.loads(cut.stdout.strip().splitlines()[-1])
    assert summary["ended"] == {"turn_limit": summary["episodes"]} and summary["failures"]
    whole = CliRunner().invoke(main, ["run", str(MINI), "--json"])
    assert json.loads(whole.stdout.strip().splitlines()[-1])["ended"] == {"stop": 3}
    table = CliRunner().invoke(main, ["run", str(MINI), "--max-turns", "3"])
    assert re.search(r"│ ended: turn_limit\s+│\s+3 │", table.stdout), table.stdout


def test_a_run_with_no_tool_call_says_none_made() -> None:
    # "tool calls that ran │ 0.000 of 0" after `run --max-turns 1`, which the spec refuses
    two = CliRunner().invoke(main, ["run", str(MINI), "--max-turns", "2"])
    assert two.exit_code == 0, two.output
    assert re.search(r"│ tool calls that ran\s+│\s+none made │", two.stdout), two.stdout
    one = CliRunner().invoke(main, ["run", str(MINI), "--max-turns", "1"])
    assert one.exit_code == 2 and "1 is not in the range 2<=x<=1000" in one.output


def test_trials_are_bounded_and_the_bound_said() -> None:
    """`run --trials 100000000` held every episode in memory until memory ran out."""
    for command in ("run", "eval"):
        args = [command, str(MINI), "--trials", "1001"]
        result = CliRunner().invoke(main, [*args, *(["--model", "tiny"] * (command == "eval"))])
        assert result.exit_code == 2, result.output
        assert "1001 is not in the range 1<=x<=1000" in result.output
    assert "at most 1000" in CliRunner().invoke(main, ["run", "--help"]).output
    most = CliRunner().invoke(
        main, ["run", str(MINI), "--tasks", "1", "--trials", "1000", "--json"]
    )
    assert most.exit_code == 0, most.output
    assert json.loads(most.stdout)["episodes"] == 1000


def test_run_task_plays_the_named_tasks_only(tmp_path):
    """`run --task ID` (repeatable) plays those tasks in that order; an unknown id is refused
    with the id it is most likely a misspelling of, and one outside --split says so."""
    out = tmp_path / "episodes.jsonl"
    ids = ["cancel-001", "cancel-ann"]
    args = ["run", str(MINI), "--task", ids[0], "--task", ids[1], "--task", ids[0]]
    result = CliRunner().invoke(main, [*args, "--trials", "2", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    played = [json.loads(line)["task_id"] for line in out.read_text().splitlines()]
    assert played == ids * 2  # each trial plays the tasks in the order named
    typo = CliRunner().invoke(main, ["run", str(MINI), "--task", "cancel-an"])
    assert typo.exit_code == 1 and "did you mean 'cancel-ann'?" in typo.output
    split = CliRunner().invoke(
        main, ["run", str(MINI), "--task", "cancel-ann", "--split", "held-out"]
    )
    assert split.exit_code == 1
    assert "the task cancel-ann is not a held-out task of domain mini; leave --split out" in (
        split.output
    )


def test_run_json_summary_and_out_file(tmp_path):
    out = tmp_path / "episodes.jsonl"
    result = CliRunner().invoke(
        main,
        [
            "run",
            str(MINI),
            "--trials",
            "2",
            "--out",
            str(out),
            "--json",
            "--mistake",
            "skip_confirmation",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["episodes"] == 6 and summary["passed"] == 0 and summary["pass_rate"] == 0.0
    assert summary["pass_hat_k"] == {"1": 0.0, "2": 0.0}
    assert list(summary["failures"].values()) == [6]
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert {"messages", "tools", "task_id", "verdict", "generation"} <= set(rows[0])


def test_run_json_and_eval_json_give_the_same_keys(mini, monkeypatch):
    """`run --json` lacked the pass_hat_1 and pass_hat_k_max that `eval --json` gives: a script
    reading pass_hat_1 from run's summary got a KeyError."""
    from eigendsl.train import evaluate as evaluate_module

    ran = CliRunner().invoke(main, ["run", str(MINI), "--trials", "2", "--json"])
    assert ran.exit_code == 0, ran.output
    summary = json.loads(ran.stdout.strip().splitlines()[-1])
    assert summary["pass_hat_1"] == summary["pass_hat_k"]["1"]
    assert summary["pass_hat_k_max"] == summary["pass_hat_k"]["2"]
    # eval's summary, of the same episodes played by the scripted agent in the model's place
    rows = scripted(mini, mini.tasks, trials=2)
    monkeypatch.setattr(evaluate_module, "HFBackend", lambda **_: None)
    monkeypatch.setattr(evaluate_module, "ModelAgent", lambda *_, **__: None)
    monkeypatch.setattr(evaluate_module, "run_episodes", lambda *_, **__: rows)
    evaluated = evaluate_module.evaluate(mini, None, None, mini.tasks, trials=2)
    assert set(evaluated) == set(summary)


def test_a_score_term_not_earned_is_counted_apart_from_the_failures(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = copy_spec(MINI, Path("specs") / "mini")
    edit(
        spec,
        "checks/main.chk",
        "    unchanged db.users",
        '    unchanged db.users\n    score 1: said "refund"',
    )
    result = CliRunner().invoke(main, ["run", str(spec), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["passed"] == summary["episodes"] > 0 and summary["failures"] == {}
    # the place as a path from here, which opens (the verdict's own is from the spec's parent)
    assert summary["scores_missed"] == {
        'specs/mini/checks/main.chk:17: score 1: said "refund"': summary["episodes"]
    }
    domain = load_domain(spec)
    rows = scripted(domain, domain.tasks)
    assert {f["path"] for r in rows for f in r["verdict"]["failures"]} == {"mini/checks/main.chk"}
    table = CliRunner().invoke(main, ["run", str(spec)]).output
    assert "score terms not earned" in table and "failures by statement" not in table


def test_play_episode_files_and_synthesis_name_the_spec_s_files_as_run_does(tmp_path, monkeypatch):
    """`run` named a failure's file from here (specs/mini/checks/main.chk), but `play`, the
    episodes `run --out` wrote and synthesis's rejection reasons named it from the spec folder's
    parent (mini/checks/main.chk), which opens only from there."""
    from eigendsl.synth.generation import SynthSettings, run_synthesis

    monkeypatch.chdir(tmp_path)
    spec = copy_spec(MINI, Path("specs") / "mini")
    edit(
        spec,
        "checks/main.chk",
        "    unchanged db.users",
        '    unchanged db.users\n    require said "x"',
    )
    here = "specs/mini/checks/main.chk"
    played = CliRunner().invoke(main, ["play", str(spec), "--task", "cancel-ann"], input="")
    assert played.exit_code == 0, played.output
    assert f"  {here}:12:5: " in played.output and " mini/checks" not in played.output
    out = tmp_path / "episodes.jsonl"
    ran = CliRunner().invoke(main, ["run", str(spec), "--tasks", "2", "--out", str(out), "--json"])
    assert ran.exit_code == 0, ran.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert {f["path"] for r in rows for f in r["verdict"]["failures"]} == {here}
    assert set(json.loads(ran.output.splitlines()[-1])["failures"]) == {
        f'{here}:17: require said "x"'
    }
    run_synthesis(spec, tmp_path / "synth", SynthSettings(1, 12, 0))
    report = json.loads((tmp_path / "synth" / "gen-1" / "report.json").read_text())
    assert f"{here}:17:5" in report["rejection_reasons"]
    assert all(not r.startswith("mini/") for r in report["rejection_reasons"])
    # a compiled folder's spec may be anywhere: its places stay as the verdict names them
    compiled = tmp_path / "compiled"
    assert CliRunner().invoke(main, ["compile", str(spec), "-o", str(compiled)]).exit_code == 0
    played = CliRunner().invoke(main, ["play", str(compiled), "--task", "cancel-ann"], input="")
    assert "  mini/checks/main.chk:12:5: " in played.output


def test_out_takes_only_a_new_or_an_episodes_file_and_is_checked_before_the_run(tmp_path):
    spec = tmp_path / "domain.yaml"
    spec.write_text("name: mine\n")
    for command in (["run", str(MINI)], ["eval", str(MINI), "--model", str(tmp_path / "none")]):
        result = CliRunner().invoke(main, [*command, "--out", str(spec)])
        assert result.exit_code == 1, result.output
        # refused before the model is looked for or an episode played
        assert "is not an episodes file" in result.output and "none" not in result.output
        assert spec.read_text() == "name: mine\n"
    out = tmp_path / "episodes.jsonl"
    for _ in range(2):  # an earlier episodes file is replaced
        result = CliRunner().invoke(main, ["run", str(MINI), "--tasks", "1", "--out", str(out)])
        assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == 1
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    result = CliRunner().invoke(main, ["run", str(MINI), "--out", str(blocked / "e.jsonl")])
    assert result.exit_code == 1 and "cannot write the episodes to" in result.output
    assert "Traceback" not in result.output


def test_play_as_agent_through_stdin():
    lines = [
        "/tools",
        "What is your email?",
        '/call find_user {"email": "ann@example.com"}',
        '/call get_order {"order_id": "#1"}',
        "I will cancel order #1 because it is no longer needed. Do you confirm? (yes/no)",
        '/call cancel_order {"order_id": "#1", "reason": "no longer needed"}',
        "Your order #1 is cancelled.",
    ]
    result = CliRunner().invoke(
        main, ["play", str(MINI), "--task", "cancel-ann"], input="\n".join(lines) + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "My email is ann@example.com." in result.output
    assert "verdict: PASSED" in result.output


def test_a_malformed_call_typed_in_play_is_kept_as_typed():
    from eigendsl.runtime.play import parse_agent_input

    for line, error in (
        ('/call find_user {"email":', "not valid JSON"),
        ("/call find_user [1]", "a JSON object"),
    ):
        turn = parse_agent_input(line)
        assert turn.raw == line and not turn.tool_calls and error in turn.errors[0]
    assert parse_agent_input('/call find_user {"email": "a@b.c"}').raw is None


def test_play_as_user_shows_failures():
    result = CliRunner().invoke(
        main, ["play", str(MINI), "--as", "user"], input="I want to cancel order #1\nno\n/stop\n"
    )
    assert result.exit_code == 0, result.output
    assert "agent:" in result.output and "verdict: FAILED" in result.output
    assert "main.chk:12:5" in result.output  # the failed statement's position


def test_play_skips_blank_lines_and_refuses_unknown_commands():
    """A stray Enter or a mistyped /command went to the user as the agent's message; the
    scripted user said goodbye and the episode ended, FAILED, before the real question."""
    lines = ["", "   ", "/tool", "/callx find_user {}", "What is your email?", "/quit"]
    result = CliRunner().invoke(
        main, ["play", str(MINI), "--task", "cancel-ann"], input="\n".join(lines) + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "unknown command '/tool'; the commands are /call, /tools, /quit" in result.output
    assert "unknown command '/callx'" in result.output
    assert "My email is ann@example.com." in result.output  # the question reached the user
    as_user = CliRunner().invoke(
        main, ["play", str(MINI), "--as", "user"], input="\n/sotp\nI want to cancel order #1\n"
    )
    assert "unknown command '/sotp'; the commands are /stop, /quit" in as_user.output
    assert "agent:" in as_user.output


def test_play_refuses_a_command_with_words_after_it_or_a_call_with_no_tool():
    """`/tools extra` and `/quit now` went to the user as a message (who then said goodbye),
    and a bare `/call` called a tool named ''."""
    lines = ["/tools extra", "/quit now", "/call", '/call {"email": "a"}', "What is your email?"]
    result = CliRunner().invoke(
        main, ["play", str(MINI), "--task", "cancel-ann"], input="\n".join(lines + ["/quit"]) + "\n"
    )
    assert result.exit_code == 0, result.output
    assert (
        "'/tools' takes nothing after it; type '/tools' alone, to list the tools. Nothing was "
        "sent." in result.output
    )
    assert "'/quit' takes nothing after it; type '/quit' alone" in result.output
    assert result.output.count("'/call' needs a tool's name; type '/call TOOL {json") == 2
    assert "unknown tool" not in result.output
    assert result.output.count("user: ") == 2  # its opening, and its answer to the question
    assert "My email is ann@example.com." in result.output
    as_user = CliRunner().invoke(
        main, ["play", str(MINI), "--as", "user"], input="/stop now\nI want to cancel order #1\n"
    )
    assert "'/stop' takes nothing after it; type '/stop' alone" in as_user.output
    assert "agent:" in as_user.output


@pytest.mark.parametrize("role", ["agent", "user"])
def test_ctrl_c_in_play_ends_the_episode_with_its_verdict_in_either_role(role):
    """As the agent Ctrl-C printed the verdict and exited 0; as the user, "Aborted!" and 1."""
    from eigendsl.runtime.play import play

    domain = load_domain(MINI)
    lines = iter(["What is your email?" if role == "agent" else "I want to cancel order #1"])

    def read(prompt: str) -> str:
        line = next(lines, None)
        if line is None:
            raise KeyboardInterrupt
        return line

    written: list[str] = []
    row = play(domain, domain.task("cancel-ann"), role, read, written.append)
    assert row["end_reason"] == "interrupted"
    assert any(line.startswith("verdict: FAILED") for line in written), written
    assert "interrupted: the episode ends here" in "\n".join(written)


def test_play_as_user_says_how_to_type_a_fact(retail):
    """The scripted agent recognises "ordered by mistake", not "I ordered it by mistake"."""
    from eigendsl.runtime.play import known_facts

    text = known_facts(retail.task("cancel-amara-by-mistake"))
    assert "recognises a fact only as it is written here" in text
    assert "\n  reason: ordered by mistake" in text


def test_play_an_empty_task_id_is_no_task():
    result = CliRunner().invoke(main, ["play", str(MINI), "--task", ""])
    assert result.exit_code == 1 and "no task ''" in result.output


def test_a_proposal_says_first_the_arguments_fewest_tools_take(retail):
    share = retail.parameter_share
    assert share["new_item_ids"] == 2 and share["order_id"] > share["payment_method_id"] > 2
    said = retail.said_order(
        {"item_ids": ["I1"], "new_item_ids": ["I2"], "order_id": "#W1", "payment_method_id": "c"}
    )
    assert list(said) == ["new_item_ids", "item_ids", "payment_method_id", "order_id"]
    assert list(retail.said_order({"order_id": "#W1", "reason": "r"})) == ["reason", "order_id"]
    assert retail.said_order({"unknown": 1, "order_id": "#W1"}) == {"unknown": 1, "order_id": "#W1"}


def test_the_failures_table_prints_each_statement_as_written():
    """rich reads ``[order_id]`` as a style: the table printed ``db.orders.status`` for
    ``db.orders[order_id].status`` and ``item_ids=`` for ``item_ids=[item_id]``."""
    command = ["run", "specs/retail", "--mistake", "wrong_argument", "--tasks", "12"]
    runner = CliRunner(env={"COLUMNS": "400"})
    failures = json.loads(runner.invoke(main, [*command, "--json"]).output.splitlines()[-1])
    reasons = list(failures["failures"])[:15]  # the table's rows
    assert [r for r in reasons if "[order_id]" in r], reasons
    printed = runner.invoke(main, command)
    assert printed.exit_code == 0, printed.output
    for reason in reasons:
        assert reason in printed.output


def test_the_summary_tables_print_text_as_written(monkeypatch, capsys):
    """Neither rich's markup nor its emoji codes reach the tables: a tau2 check's line 100 was
    printed as an emoji ("tau2.chk💯 judge ...")."""
    from eigendsl.cli.shared import print_summary

    monkeypatch.setenv("COLUMNS", "300")
    reasons = {
        't2/checks/tau2.chk:100: judge "Agent should tell the refund"': 2,
        "retail/checks/tasks.chk:132: require db.orders[order_id].return_items == [item_id]": 1,
    }
    summary = {"tasks": 1, "episodes": 3, "passed": 0, "pass_rate": 0.0, "failures": reasons}
    print_summary({**summary, "pass_hat_k": {"1": 0.0}}, "m[x] :smile:")
    printed = capsys.readouterr().out
    for reason in [*reasons, "m[x] :smile:"]:
        assert reason in printed
    assert "pass@" not in printed  # one trial: pass@1 is pass^1
    hats, ats = {"1": 0.5, "2": 0.25}, {"1": 0.5, "2": 0.75}
    print_summary({**summary, "pass_hat_k": hats, "pass_at_k": ats}, "two trials")
    rows = [line.strip("│ ").split() for line in capsys.readouterr().out.splitlines()]
    assert [r[::2] for r in rows if r and r[0][:5] in ("pass_", "pass^", "pass@")] == [
        ["pass^1", "0.500"],
        ["pass^2", "0.250"],
        ["pass@2", "0.750"],
    ]


def _said_and_called(row):
    """The assistant's turns as text, a call as ``call NAME``, in order."""
    out = []
    for m in row["messages"]:
        if m["role"] == "assistant":
            if m.get("content"):
                out.append(m["content"])
            out += [f"call {c['function']['name']}" for c in m.get("tool_calls") or []]
        elif m["role"] == "user":
            out.append(f"user: {m['content']}")
    return out


def test_gold_say_steps_are_played_in_their_written_order(tmp_path):
    """A `say` written before a tool step is said before that call, not after the plan's later
    steps (the gold ``say, transfer, say`` was played as the transfer, then both texts); with a
    forbidden request still to make it is a turn of its own, which the user answers with it."""
    spec = copy_spec(MINI, tmp_path / "mini")
    edit(
        spec,
        "tasks/cancel.yaml",
        '      - get_order: {order_id: "{{ order_id }}"}\n',
        '      - say: "Let me read the order."\n      - get_order: {order_id: "{{ order_id }}"}\n',
    )
    domain = load_domain(spec)
    task = next(t for t in domain.tasks if t["id"] == "cancel-ann")
    said = _said_and_called(scripted(domain, [task])[0])
    assert said[said.index("call find_user") + 1 :][:2] == [
        "Let me read the order.",
        "call get_order",
    ]

    forbidden = copy.deepcopy(task)
    forbidden["user"]["forbidden_request"] = "Please refund me twice."
    said = _said_and_called(scripted(domain, [forbidden])[0])
    at = said.index("Let me read the order.")
    assert said[at + 1 : at + 3] == ["user: Please refund me twice.", "call get_order"]


def test_a_change_of_mind_asks_first_with_the_first_value(tmp_path):
    """``change_mind: reason=no longer needed`` with a request that names ``{{ reason }}``: the
    request says the first value and the user changes to the task's own (it said the task's
    value, was offered the first and changed back to it); a draw whose value is the first value
    has no change of mind (it was "I changed my mind: ... X instead" with the same X)."""
    spec = copy_spec(MINI, tmp_path / "mini")
    edit(
        spec,
        "tasks/cancel.yaml",
        "unknown: [user id]",
        "unknown: [user id]\n      change_mind: reason=no longer needed",
    )
    domain = load_domain(spec)
    for row in scripted(domain, domain.tasks):
        assert row["verdict"]["passed"], row["task_id"]
        user = [m["content"] for m in row["messages"] if m["role"] == "user"]
        assert user[0].endswith("because it is no longer needed.")
        changed = [u for u in user if "changed my mind" in u]
        if row["params"]["reason"] == "no longer needed":
            assert not changed, row["task_id"]
        else:
            assert changed == [
                "Actually, I changed my mind: I want the reason to be ordered by mistake instead."
            ]


def test_run_takes_a_turn_limit_in_the_spec_s_range() -> None:
    """Newcomer G's L5: `run --max-turns 1001` was taken, though the spec's max_turns is 2..1000."""
    result = CliRunner().invoke(main, ["run", str(MINI), "--max-turns", "1001"])
    assert result.exit_code == 2 and "1001 is not in the range 2<=x<=1000" in result.output
    assert CliRunner().invoke(main, ["run", str(MINI), "--max-turns", "1000"]).exit_code == 0
