"""A malformed tool call becomes an error the episode records, never a traceback.

Inputs that Python's JSON decoder refuses with something other than ``JSONDecodeError``: a number
over the int-to-string digit limit (``ValueError``) and nesting deep enough to exhaust the stack
(``RecursionError``); and odd shapes an OpenAI-compatible server may send as ``tool_calls``.
"""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eigendsl.cli import main
from eigendsl.runtime.call_values import MAX_DEPTH, decode_arguments
from eigendsl.runtime.domain import load_domain
from eigendsl.runtime.environment import Environment
from eigendsl.runtime.episodes import Episode, apply_agent_turn
from eigendsl.runtime.play import parse_agent_input
from eigendsl.runtime.toolcalls import parse_tool_calls
from eigendsl.runtime.turns import AgentTurn, turn_from_openai, turn_from_text
from tests.conftest import MINI

DIGITS = sys.get_int_max_str_digits()
BIG_NUMBER = '{"order_id": ' + "9" * 5000 + "}"
DEEP = '{"order_id": ' + "[" * 1500 + "]" * 1500 + "}"
TOO_MANY_DIGITS = f"more than {DIGITS:,} digits"
TOO_DEEP = f"nest deeper than {MAX_DEPTH} levels"


@pytest.fixture(scope="module")
def mini():
    return load_domain(MINI)


def _nested(depth: int) -> str:
    """Arguments that nest ``depth`` levels, counting the object itself."""
    return '{"a": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


def _call(arguments: str) -> str:
    return f'<tool_call>{{"name": "get_order", "arguments": {arguments}}}</tool_call>'


# ---------------------------------------------------------------------------- model text


@pytest.mark.parametrize("arguments, reason", [(BIG_NUMBER, TOO_MANY_DIGITS), (DEEP, TOO_DEEP)])
@pytest.mark.parametrize("as_string", [False, True], ids=["object", "json-string"])
def test_parser_reports_numbers_and_nesting_it_cannot_read(arguments, reason, as_string):
    text = _call(json.dumps(arguments) if as_string else arguments)
    content, calls, errors = parse_tool_calls("Checking. " + text)
    assert content == "Checking." and calls == []
    [error] = errors
    assert error.startswith("Tool call 1: ") and reason in error


def test_depth_and_digit_limits_are_exact():
    for depth, readable in ((MAX_DEPTH, True), (MAX_DEPTH + 1, False)):
        _, calls, errors = parse_tool_calls(_call(_nested(depth)))
        assert (len(calls), len(errors)) == ((1, 0) if readable else (0, 1)), depth
        assert (decode_arguments(_nested(depth))[1] is None) is readable
        assert (decode_arguments(json.loads(_nested(depth)))[1] is None) is readable
    longest = '{"n": ' + "7" * DIGITS + "}"
    assert parse_tool_calls(_call(longest))[1][0]["arguments"]["n"] == int("7" * DIGITS)
    assert decode_arguments(longest)[1] is None


@pytest.mark.parametrize("arguments, reason", [(BIG_NUMBER, TOO_MANY_DIGITS), (DEEP, TOO_DEEP)])
def test_decode_arguments_returns_the_reason(arguments, reason):
    value, error = decode_arguments(arguments)
    assert value is None and reason in error


def test_a_well_formed_call_beside_an_unreadable_one_still_runs():
    text = _call(BIG_NUMBER) + _call('{"order_id": "#1"}') + _call(DEEP)
    _, calls, errors = parse_tool_calls(text)
    assert calls == [{"name": "get_order", "arguments": {"order_id": "#1"}}]
    assert [e[:12] for e in errors] == ["Tool call 1:", "Tool call 3:"]


@st.composite
def hostile_arguments(draw) -> str:
    opens = draw(st.lists(st.sampled_from(["[", '{"k": ']), max_size=2500))
    closes = "".join("]" if o == "[" else "}" for o in reversed(opens))
    number = draw(st.sampled_from(["", "-", "0."])) + "9" * draw(st.integers(1, 6000))
    return '{"a": ' + "".join(opens) + number + closes + "}"


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(hostile_arguments(), st.booleans())
def test_hostile_arguments_never_crash_an_episode(mini, arguments, as_string):
    episode = Episode(mini.tasks[0], Environment(mini, mini.tasks[0]))
    text = _call(json.dumps(arguments) if as_string else arguments)
    turn = turn_from_text(text)
    assert len(turn.tool_calls) + len(turn.errors) == 1
    apply_agent_turn(episode, turn)
    for message in episode.messages:
        json.dumps(message)
    assert decode_arguments(arguments)[0] is None or not turn.errors
    assert parse_agent_input(f"/call get_order {arguments}") is not None


NOT_JSON_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e999"]


@pytest.mark.parametrize("number", NOT_JSON_NUMBERS)
@pytest.mark.parametrize("as_string", [False, True], ids=["object", "json-string"])
def test_nan_and_infinity_in_arguments_are_a_malformed_call(mini, number, as_string):
    # Python's json reads them; stored, they passed guards (tip >= 0) and broke episodes files.
    arguments = '{"order_id": [1, ' + number + "]}"
    shown = "Infinity" if number == "1e999" else number
    _, calls, errors = parse_tool_calls(_call(json.dumps(arguments) if as_string else arguments))
    assert calls == [] and errors == [
        f"Tool call 1: a number in the arguments is {shown}, which JSON does not allow; write "
        "a finite number."
    ]
    assert f"is {shown}, which JSON does not allow" in decode_arguments(arguments)[1]
    assert f"is {shown}" in parse_agent_input(f"/call get_order {arguments}").errors[0]
    episode = Episode(mini.tasks[0], Environment(mini, mini.tasks[0]))
    apply_agent_turn(episode, turn_from_text(_call(arguments)))
    assert [(c.tool, c.args) for c in episode.env.trace.calls] == [("invalid_tool_call", {})]
    for message in episode.messages:
        json.dumps(message, allow_nan=False)


def test_a_number_argument_that_is_not_finite_is_refused_by_the_environment(mini):
    from dataclasses import replace

    tool = mini.tools["get_order"]
    schema = json.loads(json.dumps(tool.schema))
    schema["function"]["parameters"]["properties"]["order_id"] = {"type": "number"}
    numbered = replace(tool, schema=schema)
    env = Environment(replace(mini, tools={**mini.tools, "get_order": numbered}))
    text, ok = env.call_tool("get_order", {"order_id": float("nan")})
    assert not ok and text == "Error: argument 'order_id' must be a finite number, not nan"


# ---------------------------------------------------------------------------- eigendsl play


@pytest.mark.parametrize("arguments, reason", [(BIG_NUMBER, TOO_MANY_DIGITS), (DEEP, TOO_DEEP)])
def test_play_reports_unreadable_arguments(arguments, reason):
    line = f"/call get_order {arguments}"
    turn = parse_agent_input(line)
    assert turn.raw == line and not turn.tool_calls and reason in turn.errors[0]


def test_play_session_survives_unreadable_arguments():
    lines = [f"/call get_order {BIG_NUMBER}", f"/call get_order {DEEP}", "/quit"]
    result = CliRunner().invoke(
        main, ["play", str(MINI), "--task", "cancel-ann"], input="\n".join(lines) + "\n"
    )
    assert result.exit_code == 0, result.output
    assert TOO_MANY_DIGITS in result.output and TOO_DEEP in result.output


# ---------------------------------------------------------------------------- OpenAI messages


GOOD = {"type": "function", "function": {"name": "get_order", "arguments": '{"order_id": "#1"}'}}
ODD_TOOL_CALLS = [
    ("a string", "a JSON object, got str"),
    (None, "a JSON object, got NoneType"),
    ([1, 2], "a JSON object, got list"),
    ({"function": "get_order"}, '"function" must be a JSON object, got str'),
    ({"function": None}, "without a name"),
    ({"function": {"name": "get_order", "arguments": 5}}, "must be a JSON object"),
    ({"function": {"name": 5, "arguments": "{}"}}, "without a name"),
    ({"function": {"name": "get_order", "arguments": BIG_NUMBER}}, TOO_MANY_DIGITS),
    ({"function": {"name": "get_order", "arguments": DEEP}}, TOO_DEEP),
]


@pytest.mark.parametrize("entry, reason", ODD_TOOL_CALLS)
def test_odd_tool_call_entries_are_errors(entry, reason):
    turn = turn_from_openai({"role": "assistant", "content": None, "tool_calls": [entry, GOOD]})
    assert turn.tool_calls == [{"name": "get_order", "arguments": {"order_id": "#1"}}]
    [error] = turn.errors
    assert reason in error and turn.raw


@pytest.mark.parametrize("tool_calls", ["get_order", {"function": GOOD["function"]}, 7])
def test_tool_calls_that_are_not_a_list_are_an_error(tool_calls):
    turn = turn_from_openai({"content": "Hi.", "tool_calls": tool_calls})
    assert turn.content == "Hi." and turn.tool_calls == []
    [error] = turn.errors
    assert "must be a list" in error


@pytest.mark.parametrize("message", [None, "hello", ["a"], 3])
def test_a_message_that_is_not_an_object_is_an_error(message):
    turn = turn_from_openai(message)
    assert isinstance(turn, AgentTurn) and turn.tool_calls == [] and turn.errors


def test_well_formed_openai_messages_read_as_before():
    turn = turn_from_openai({"content": "Ok.", "tool_calls": [GOOD]})
    assert turn == AgentTurn(
        content="Ok.", tool_calls=[{"name": "get_order", "arguments": {"order_id": "#1"}}]
    )
    assert turn_from_openai({"content": None}) == AgentTurn()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["function", "name", "arguments", "id", "type"]), inner, max_size=3
        )
    ),
    max_leaves=12,
)


@settings(
    max_examples=200,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(JSON_VALUES, max_size=4) | JSON_VALUES)
def test_any_json_as_tool_calls_never_crashes_an_episode(mini, tool_calls):
    turn = turn_from_openai({"role": "assistant", "content": None, "tool_calls": tool_calls})
    episode = Episode(mini.tasks[0], Environment(mini, mini.tasks[0]))
    apply_agent_turn(episode, turn)
    for message in episode.messages:
        json.dumps(message)


def test_toolcalls_doctests():
    import doctest

    from eigendsl.runtime import toolcalls

    assert doctest.testmod(toolcalls).failed == 0


@pytest.mark.parametrize("arguments", [BIG_NUMBER, DEEP], ids=["digits", "depth"])
def test_chat_rendering_keeps_arguments_it_cannot_decode_as_written(arguments):
    from eigendsl.train.chat import normalize_messages

    call = {
        "id": "c1",
        "type": "function",
        "function": {"name": "get_order", "arguments": arguments},
    }
    [message] = normalize_messages([{"role": "assistant", "content": "", "tool_calls": [call]}])
    assert message["tool_calls"][0]["function"]["arguments"] == arguments


def test_a_tool_result_that_cannot_be_written_as_json_is_that_call_s_error(mini):
    from dataclasses import replace

    circular: dict = {"status": "pending"}
    circular["self"] = circular
    name = "find_user"
    tool = mini.tools[name]
    impl = (lambda db, args: circular) if tool.declared else (lambda db, **_: circular)
    broken = replace(tool, impl=impl)
    env = Environment(replace(mini, tools={**mini.tools, name: broken}))
    text, ok = env.call_tool(name, {"email": "a@b.example"})
    assert not ok and "cannot be written as JSON" in text
    assert env.trace.calls[-1].error and env.trace.calls[-1].result is None


@pytest.mark.parametrize(
    ("text", "calls"),
    [
        # Llama 3.1: the python tag, one call or several separated by ';', the end of the turn
        (
            '<|python_tag|>{"name": "get_order", "parameters": {"order_id": "#W1"}}<|eom_id|>',
            [("get_order", {"order_id": "#W1"})],
        ),
        (
            '<|python_tag|>{"name": "a", "parameters": {}}; {"name": "b", "parameters": {"x": 1}}',
            [("a", {}), ("b", {"x": 1})],
        ),
        # Llama 3.x, a JSON-calling template: the whole turn the call
        (
            '{"name": "get_order", "parameters": {"order_id": "#W1"}}',
            [("get_order", {"order_id": "#W1"})],
        ),
        (
            '[{"name": "a", "parameters": {}}, {"name": "b", "parameters": {}}]',
            [("a", {}), ("b", {})],
        ),
        # Mistral
        ('[TOOL_CALLS] [{"name": "a", "arguments": {"x": "y"}}]', [("a", {"x": "y"})]),
        ('[TOOL_CALLS]{"name": "a", "arguments": {}}', [("a", {})]),
    ],
)
def test_calls_in_the_formats_other_checkpoints_templates_teach_are_read(text, calls):
    """B1's limit: a checkpoint that keeps its own template (a Llama 3 one that renders tools)
    wrote its calls as that template taught it, and EigenDSL read only ``<tool_call>``: every
    call counted as malformed, sent to the user as text."""
    turn = turn_from_text(text)
    assert [(c["name"], c["arguments"]) for c in turn.tool_calls] == calls
    assert turn.errors == [] and turn.content is None


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('<|python_tag|>{"name": "a", "parameters": {', "Tool call 1: invalid JSON"),
        ('[TOOL_CALLS] [{"name": "a", "arguments": [1]}]', '"arguments" must be a JSON object'),
        ("[TOOL_CALLS] [1]", "expected a JSON object, got int"),
        ('<|python_tag|>{"name": "a", "parameters": {"n": NaN}}', "which JSON does not allow"),
    ],
)
def test_a_malformed_call_in_another_format_is_an_error_for_the_model(text, error):
    turn = turn_from_text(text)
    assert turn.tool_calls == [] and len(turn.errors) == 1 and error in turn.errors[0]


@pytest.mark.parametrize(
    "text",
    [
        "Your order #W1 is delivered.",
        '{"status": "delivered"}',  # JSON, but no call's "name" and "parameters"
        '{"name": "Amara", "arguments": {}}',  # EigenDSL's calls come in <tool_call> only
        '{"name": "Amara" "parameters"',  # not JSON at all
    ],
)
def test_text_in_no_call_format_stays_text(text):
    turn = turn_from_text(text)
    assert turn.tool_calls == [] and turn.errors == [] and turn.content == text


# ------------------------------------------------------- what the text path read differently


@pytest.mark.parametrize(
    "text",
    [
        '<tool_call>{"name": "f\\ud800", "arguments": {"s\\udfff": "a\\ud83d"}}</tool_call>',
        '<tool_call>{"name": "f\\ud800", "arguments": "{\\"s\\\\udfff\\": \\"a\\\\ud83d\\"}"}'
        "</tool_call>",
        '<|python_tag|>{"name": "f\\ud800", "parameters": {"s\\udfff": "a\\ud83d"}}<|eom_id|>',
        '{"name": "f\\ud800", "parameters": {"s\\udfff": "a\\ud83d"}}',
        '[TOOL_CALLS] [{"name": "f\\ud800", "arguments": {"s\\udfff": "a\\ud83d"}}]',
    ],
    ids=["hermes", "arguments-string", "python-tag", "json-turn", "mistral"],
)
def test_a_lone_surrogate_escape_in_a_text_call_is_replaced_as_on_the_openai_path(text):
    """Kept, it went into the chat: the next OpenAI request could not be encoded and the
    episodes file could not be written (decode_arguments, the structured path, replaced it)."""
    _, calls, errors = parse_tool_calls(text)
    assert errors == []
    assert calls == [{"name": "f\ufffd", "arguments": {"s\ufffd": "a\ufffd"}}]
    assert decode_arguments('{"s\\udfff": "a\\ud83d"}') == (calls[0]["arguments"], None)


def test_structured_tool_calls_are_kept_when_the_text_mentions_tool_call():
    """The text was re-read as Hermes calls whenever it held <tool_call>, and the server's
    well-formed tool_calls were dropped: the model was told of an unclosed call it never made."""
    text = "I will use a <tool_call> now."
    turn = turn_from_openai({"content": text, "tool_calls": [GOOD]})
    assert turn.tool_calls == [{"name": "get_order", "arguments": {"order_id": "#1"}}]
    assert turn.errors == [] and turn.content == text
    hermes = '<tool_call>{"name": "get_order", "arguments": {}}</tool_call>'
    for empty in (None, []):  # a server without a tool parser: the calls are in the text
        turn = turn_from_openai({"content": hermes, "tool_calls": empty})
        assert turn.tool_calls == [{"name": "get_order", "arguments": {}}]


def test_many_unclosed_tags_are_read_in_linear_time():
    """Each <tool_call> searched the rest of the text for its </tool_call>: 12,000 repeated tags
    (a degenerate model's turn, 130 KB) took seconds, and the time grew as their square."""
    text = "Let me check. " + "<tool_call>" * 12_000
    assert parse_tool_calls(text) == (
        "Let me check.",
        [],
        ["Tool call 1: the <tool_call> block is not closed with </tool_call>."],
    )
    good = '<tool_call>{"name": "f", "arguments": {}}</tool_call>'
    _, calls, errors = parse_tool_calls(good + "<tool_call>" * 12_000 + good)
    assert calls == [{"name": "f", "arguments": {}}]
    assert [e[:29] for e in errors] == ["Tool call 2: invalid JSON (Ex"]


def test_a_ninth_call_is_only_too_many():
    """The ninth, closed, call was also reported as not closed: two errors for one cause."""
    call = '<tool_call>{{"name": "f", "arguments": {{"a": {}}}}}</tool_call>'
    content, calls, errors = parse_tool_calls(
        "Doing it. " + "".join(call.format(i) for i in range(9)) + " done"
    )
    assert content == "Doing it." and len(calls) == 8
    assert errors == ["Too many tool calls in one message (at most 8)."]


def test_end_of_turn_tokens_are_removed_around_calls_only():
    """<|im_end|> was deleted from the whole turn, an argument's text included."""
    call = '<tool_call>{"name": "f", "arguments": {"s": "a<|im_end|>b"}}</tool_call>'
    content, calls, errors = parse_tool_calls("Sure.<|endoftext|> " + call + "<|im_end|>")
    assert content == "Sure." and errors == []
    assert calls == [{"name": "f", "arguments": {"s": "a<|im_end|>b"}}]
    python_tag = '<|python_tag|>{"name": "f", "parameters": {"s": "a<|eot_id|>b"}}<|eom_id|>'
    assert parse_tool_calls(python_tag)[1] == [{"name": "f", "arguments": {"s": "a<|eot_id|>b"}}]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            '<tool_call>{"name": "f", "arguments": null, "parameters": {"a": 1}}</tool_call>',
            'Tool call 1: the call gives both "arguments" and "parameters"; write its arguments '
            'once, as "arguments".',
        ),
        (
            '<tool_call>{"name": "f", "name": "g", "arguments": {}}</tool_call>',
            'Tool call 1: the call names "name" twice.',
        ),
        (
            '<tool_call>{"name": "f", "arguments": {"a": 1, "a": 2}}</tool_call>',
            'Tool call 1: the call names "a" twice.',
        ),
        (
            '<tool_call>{"name": "f", "arguments": "{\\"a\\": 1, \\"a\\": 2}"}</tool_call>',
            'Tool call 1: "arguments" names "a" twice.',
        ),
        (
            '<|python_tag|>{"name": "f", "parameters": {"a": {"b": 1, "b": 1}}}',
            'Tool call 1: the call names "b" twice.',
        ),
        (
            '[TOOL_CALLS] [{"name": "f", "arguments": {}, "arguments": {"a": 1}}]',
            'Tool call 1: the call names "arguments" twice.',
        ),
    ],
    ids=["arguments-and-parameters", "name", "argument", "string-arguments", "nested", "listed"],
)
def test_an_ambiguous_call_is_an_error_not_a_silent_choice(text, error):
    """null arguments beside parameters called with {}; of a key named twice the last won."""
    assert parse_tool_calls(text)[1:] == ([], [error])


def test_a_key_named_twice_in_openai_arguments_is_an_error():
    assert decode_arguments('{"a": 1, "a": 2}') == (None, 'tool call arguments names "a" twice')


# -------------------------------------- calls in other formats: read whole, beside text, narrowed


@pytest.mark.parametrize(
    ("text", "content", "calls"),
    [
        # a ';' inside a string is the string's: split at every ';', the first call was lost
        (
            '<|python_tag|>{"name": "note", "parameters": {"text": "a; b"}}; '
            '{"name": "g", "parameters": {}}',
            None,
            [("note", {"text": "a; b"}), ("g", {})],
        ),
        # Llama 3.2: a JSON list after the tag
        (
            '<|python_tag|>[{"name": "a", "parameters": {}}, {"name": "b", "parameters": {}}]',
            None,
            [("a", {}), ("b", {})],
        ),
        # text before the marker is the turn's content, as before a Hermes block
        (
            'Let me look that up.<|python_tag|>{"name": "a", "parameters": {"x": 1}}<|eom_id|>',
            "Let me look that up.",
            [("a", {"x": 1})],
        ),
        (
            'Sure. [TOOL_CALLS][{"name": "a", "arguments": {"x": "y"}}]</s>',
            "Sure.",
            [("a", {"x": "y"})],
        ),
        (
            '[TOOL_CALLS][{"name": "a", "arguments": {}}]'
            '[TOOL_CALLS][{"name": "b", "arguments": {}}]',
            None,
            [("a", {}), ("b", {})],
        ),
        (
            '{"name": "a", "parameters": {"x": 1}} I will look you up.',
            "I will look you up.",
            [("a", {"x": 1})],
        ),
        ('```json\n{"name": "a", "parameters": {}}\n```', None, [("a", {})]),
        # a turn that mentions a marker, with no JSON after it, is text
        ("In Llama the token <|python_tag|> starts a call.", "same", []),
        ("I cannot use [TOOL_CALLS] here.", "same", []),
    ],
)
def test_calls_in_other_formats_are_read_whole_and_beside_text(text, content, calls):
    turn = turn_from_text(text)
    assert [(c["name"], c["arguments"]) for c in turn.tool_calls] == calls
    assert turn.errors == [] and turn.content == (text if content == "same" else content)


@pytest.mark.parametrize(
    "text",
    [
        '{"name": "cancel_order", "parameters": {"order_id": "string", "reason": "string"}}',
        '{"name": "Ann", "parameters": {"height": 170}}',
    ],
)
def test_a_json_turn_is_a_call_only_of_the_episodes_tools(text):
    """An agent that showed the user a JSON record (or another domain's tool) had it executed:
    the unmarked JSON turn is read as a call only where it names one of the episode's tools."""
    turn = turn_from_text(text, {"find_user", "get_order"})
    assert turn.tool_calls == [] and turn.errors == [] and turn.content == text
    assert turn_from_text(text.replace(text.split('"')[3], "get_order"), {"get_order"}).tool_calls
    assert turn_from_text(text, set()).tool_calls == []  # a user's turn: no tools


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('{"name": "a", "parameters": [[1]]}', '"parameters" must be a JSON object, got list.'),
        (
            '<|python_tag|>{"name": "a", "parameters": {',
            'write {"name": <function-name>, "parameters": {...}}.',
        ),
        (
            '[TOOL_CALLS][{"name": "a", "arguments": {]',
            'write {"name": <function-name>, "arguments": {...}}.',
        ),
        ('<|python_tag|>{"name": "a", "parameters": "{x"}', '"parameters" is a string that is'),
    ],
)
def test_an_error_in_another_format_names_the_key_the_model_wrote(text, error):
    """A Llama model that wrote "parameters" was told "arguments" must be an object."""
    turn = turn_from_text(text)
    assert turn.tool_calls == [] and len(turn.errors) == 1 and error in turn.errors[0], turn.errors


class _StandInLLM:
    """vLLM's LLM as VLLMBackend uses it; its text keeps the special tokens only when asked."""

    made: list[dict] = []

    def __init__(self, model: str, **engine: object) -> None:
        self.model = model

    def get_tokenizer(self) -> object:
        return type("Tokenizer", (), {"eos_token": "</s>", "pad_token": None})()

    def chat(self, chats, params, tools=None, use_tqdm=True):
        text = '[TOOL_CALLS][{"name": "get_order", "arguments": {"order_id": "#1"}}]</s>'
        if params.kwargs.get("skip_special_tokens", True):  # vLLM's default
            text = text.replace("[TOOL_CALLS]", "").replace("</s>", "")
        output = type("Completion", (), {"text": text})()
        return [type("Output", (), {"outputs": [output]})() for _ in chats]


class _StandInParams:
    def __init__(self, **kwargs: object) -> None:
        self.kwargs = kwargs


def test_the_vllm_backend_keeps_the_special_tokens_that_mark_calls(monkeypatch):
    """vLLM decodes without special tokens unless told: Mistral's [TOOL_CALLS] is one, and its
    call was read as text to the user."""
    import types

    from eigendsl.runtime.backends import VLLMBackend

    vllm = types.ModuleType("vllm")
    vllm.LLM, vllm.SamplingParams = _StandInLLM, _StandInParams  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "vllm", vllm)
    backend = VLLMBackend("some/model")
    tools = [{"type": "function", "function": {"name": "get_order", "parameters": {}}}]
    (turn,) = backend.generate([[{"role": "user", "content": "Where is #1?"}]], tools)
    assert turn.tool_calls == [{"name": "get_order", "arguments": {"order_id": "#1"}}]
    assert turn.errors == [] and turn.content is None


def test_the_hf_backend_reads_a_json_turn_as_a_call_of_its_tools_only(monkeypatch):
    from eigendsl.runtime.backends import HFBackend

    backend = object.__new__(HFBackend)
    backend.tokenizer = type(
        "Tokenizer",
        (),
        {"eos_token": "<|eot_id|>", "pad_token": None, "decode": lambda self, ids, **_: ids},
    )()
    backend.ends = []  # the turn's text as decoded: its <|eot_id|> is _strip_specials' to drop
    said = '{"name": "Ann", "parameters": {"height": 170}}<|eot_id|>'
    monkeypatch.setattr(backend, "generate_ids", lambda *_: [([], said)])
    tools = [{"type": "function", "function": {"name": "find_user", "parameters": {}}}]
    (turn,) = backend.generate([[]], tools)
    assert turn.tool_calls == [] and turn.content == said.removesuffix("<|eot_id|>")
    said = said.replace("Ann", "find_user")
    monkeypatch.setattr(backend, "generate_ids", lambda *_: [([], said)])
    assert backend.generate([[]], tools)[0].tool_calls == [
        {"name": "find_user", "arguments": {"height": 170}}
    ]
