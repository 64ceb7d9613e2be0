"""Mutations of a gold trajectory.

A mutation changes what the agent did or what the user said in a trajectory
(:func:`eigendsl.lint.replay.trajectory`); :mod:`eigendsl.lint.replay` then executes the mutated
calls again.

Mutations that judge a check (``for_checks``): drop a write call; give one argument of a
write call another valid value; swap two writes; repeat a write; call another write tool with
the same arguments, also instead of the original one; drop the agent's final message; answer
"no" where the user confirmed. More variants only probe the policy rules: drop a read call,
change a read call's argument, swap two neighbouring calls, repeat the last call, skip the
confirmation turn of a write.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from eigendsl import support as rt
from eigendsl.lint.context import quoted
from eigendsl.lint.values import ValueIndex, alternatives
from eigendsl.runtime.domain import Domain
from eigendsl.runtime.utterances import CONFIRM_MARK, USER_NO

REFUSAL = USER_NO[0]
CANDIDATES = 4  # other values tried for one argument


@dataclass
class Mutant:
    kind: str
    key: tuple[Any, ...]  # the same mutation in other tasks has the same key
    # (description, trajectory) per candidate; a description completes "... still passes when"
    variants: list[tuple[str, list[dict[str, Any]]]]
    for_checks: bool = True
    # a survivor is a note, not a weakness, and the mutation is not counted in the strength
    note_only: bool = False
    # per variant, a trajectory the check must fail for the variant to be tried: the hedging
    # mutation of :mod:`.amounts` is only tried where the check reads the amount it hedges
    controls: list[list[dict[str, Any]]] | None = None


@dataclass
class CallRef:
    message: int
    slot: int
    tool: str
    args: dict[str, Any]
    writes: bool
    ok: bool


def calls_of(messages: list[dict[str, Any]], domain: Domain, failed_ids: set[str]) -> list[CallRef]:
    out = []
    for i, message in enumerate(messages):
        for j, call in enumerate(message.get("tool_calls") or ()):
            name = call["function"]["name"]
            tool = domain.tools.get(name)
            out.append(
                CallRef(
                    i,
                    j,
                    name,
                    json.loads(call["function"]["arguments"] or "{}"),
                    bool(tool and tool.writes),
                    call["id"] not in failed_ids,
                )
            )
    return out


def _set_call(
    messages: list[dict[str, Any]], ref: CallRef, tool: str, args: dict[str, Any]
) -> list[dict[str, Any]]:
    out = copy.deepcopy(messages)
    out[ref.message]["tool_calls"][ref.slot]["function"] = {
        "name": tool,
        "arguments": json.dumps(args),
    }
    return out


def _drop_call(messages: list[dict[str, Any]], ref: CallRef) -> list[dict[str, Any]]:
    out = copy.deepcopy(messages)
    message = out[ref.message]
    del message["tool_calls"][ref.slot]
    if not message["tool_calls"]:
        if message.get("content"):
            del message["tool_calls"]
        else:
            del out[ref.message]
    return out


def _insert_call(
    messages: list[dict[str, Any]], after: int, tool: str, args: dict[str, Any], n: int
) -> list[dict[str, Any]]:
    out = copy.deepcopy(messages)
    out.insert(
        after + 1,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": f"lint_{n}",
                    "type": "function",
                    "function": {"name": tool, "arguments": json.dumps(args)},
                }
            ],
        },
    )
    return out


def _fits(domain: Domain, tool: str, args: dict[str, Any]) -> bool:
    params = domain.tools[tool].parameters
    return set(args) <= set(params.get("properties", {})) and set(
        params.get("required", [])
    ) <= set(args)


def _one(
    kind: str,
    key: tuple[Any, ...],
    description: str,
    messages: list[dict[str, Any]],
    for_checks: bool = True,
) -> Mutant:
    return Mutant(kind, key, [(description, messages)], for_checks)


def _other_values(domain: Domain, index: ValueIndex, tool: str, name: str, value: Any) -> list[Any]:
    """The values a write's argument is changed to: others of its type, found in the schema,
    the seed data and the tasks."""
    schema = domain.tools[tool].parameters.get("properties", {}).get(name, {})
    return [
        o for o in alternatives(index, schema, name, value, CANDIDATES) if not rt._same(o, value)
    ]


def written_arguments(
    domain: Domain, messages: list[dict[str, Any]], failed_ids: set[str]
) -> set[tuple[str, str]]:
    """The (tool, argument) pairs of a trajectory's writes that ran: those no
    ``change_argument`` mutant names are the ones :func:`mutants` could give no other value."""
    return {
        (ref.tool, name)
        for ref in calls_of(messages, domain, failed_ids)
        if ref.writes and ref.ok
        for name in ref.args
    }


def mutants(
    domain: Domain,
    index: ValueIndex,
    messages: list[dict[str, Any]],
    failed_ids: set[str],
    task: dict[str, Any],
) -> Iterator[Mutant]:
    """Every mutation of one trajectory (see the module docstring)."""
    calls = calls_of(messages, domain, failed_ids)
    gold = task.get("gold", [])
    has_say = (
        bool(gold) and "say" in gold[-1]
    )  # the last message then carries the gold plan's words
    writes = [c for c in calls if c.writes and c.ok]
    write_tools = [n for n, t in domain.tools.items() if t.writes]
    for ref in writes:
        yield _one(
            "drop_write",
            ("drop_write", ref.tool),
            f"the {quoted(ref.tool)} call is left out",
            _drop_call(messages, ref),
        )
        for name, value in ref.args.items():
            others = _other_values(domain, index, ref.tool, name, value)
            if others:
                yield Mutant(
                    "change_argument",
                    ("change_argument", ref.tool, name),
                    [
                        (
                            f"{quoted(ref.tool)} is called with {_set_to(name, o)}",
                            _set_call(messages, ref, ref.tool, {**ref.args, name: o}),
                        )
                        for o in others
                    ],
                )
        yield _one(
            "extra_write",
            ("repeat_write", ref.tool),
            f"{quoted(ref.tool)} is called a second time with the same arguments",
            _insert_call(messages, ref.message, ref.tool, ref.args, 0),
        )
        for other in write_tools:
            if other != ref.tool and _fits(domain, other, ref.args):
                yield _one(
                    "extra_write",
                    ("extra_write", ref.tool, other),
                    f"{quoted(other)} is also called with the arguments of {quoted(ref.tool)}",
                    _insert_call(messages, ref.message, other, ref.args, 1),
                )
                yield _one(
                    "wrong_tool",
                    ("wrong_tool", ref.tool, other),
                    f"{quoted(other)} is called instead of {quoted(ref.tool)}",
                    _set_call(messages, ref, other, ref.args),
                )
    for first, second in zip(writes, writes[1:], strict=False):
        swapped = _set_call(
            _set_call(messages, first, second.tool, second.args), second, first.tool, first.args
        )
        yield _one(
            "swap_writes",
            ("swap_writes", first.tool, second.tool),
            f"the {quoted(first.tool)} and {quoted(second.tool)} calls are made in the opposite "
            "order",
            swapped,
        )
    if has_say:
        last = max(
            (
                i
                for i, m in enumerate(messages)
                if m["role"] == "assistant" and m.get("content") and not m.get("tool_calls")
            ),
            default=None,
        )
        if last is not None:
            out = copy.deepcopy(messages)
            del out[last]
            said = str(messages[last]["content"])
            said = said if len(said) <= 60 else said[:57].rstrip() + "..."
            worded_freely = _final_message_worded_freely(task, writes)
            advice = (
                "the agent words it as it likes, so this is a note; `require said` only a "
                "value the user must be told"
                if worded_freely
                else "if the user must be told it, `require said` what matters in it"
            )
            yield Mutant(
                "drop_final_message",
                ("drop_final_message",),
                [
                    (
                        f"the agent's final message to the user ({rt.show(said)}) is left out: "
                        f"{advice}",
                        out,
                    )
                ],
                note_only=worded_freely,
            )
    for i, message in enumerate(messages[1:], start=1):
        previous = messages[i - 1]
        if (
            message["role"] == "user"
            and previous["role"] == "assistant"
            and CONFIRM_MARK in (previous.get("content") or "")
            and "yes" in (message.get("content") or "").lower()
        ):
            tool = next((c.tool for c in writes if c.message > i), None)
            following = tool or "the write"
            named = quoted(tool) if tool else following
            out = copy.deepcopy(messages)
            out[i]["content"] = REFUSAL
            yield _one(
                "refuse_confirmation",
                ("refuse_confirmation", following),
                f"the user answers {rt.show(REFUSAL)} instead of confirming {named}",
                out,
            )
            yield _one(
                "skip_confirmation",
                ("skip_confirmation", following),
                f"the agent does not ask for confirmation before {named}",
                out[: i - 1] + out[i + 1 :],
                for_checks=False,
            )
    yield from _unwanted_writes(domain, messages, calls, task)
    yield from _rule_probes(domain, index, messages, calls)


def _set_to(name: str, value: Any) -> str:
    """An argument and the value a mutation gives it, as a finding quotes them: ``"email" set
    to "a@b.c"`` (the name in double quotes, the value as JSON)."""
    return f"{quoted(name)} set to {rt.show(value)}"


def _final_message_worded_freely(task: dict[str, Any], writes: list[CallRef]) -> bool:
    """Whether the final message only rounds off an outcome the check judges elsewhere: a
    refusal of a forbidden request or of a declined write (its wording varies from agent to
    agent: the scripted one's stock apology is no model for a check), or the confirmation of a
    write the database shows. Only a read-only task's final message carries what the user asked
    for, and a check that survives its loss is weak."""
    user = task.get("user") or {}
    return bool(user.get("forbidden_request")) or user.get("confirm") is False or bool(writes)


def _unwanted_writes(
    domain: Domain, messages: list[dict[str, Any]], calls: list[CallRef], task: dict[str, Any]
) -> Iterator[Mutant]:
    """Writes the gold trajectory does not make: the one the user declined, and any write tool
    whose arguments the task's parameters supply."""
    done = [(c.tool, c.args) for c in calls if c.ok]
    pending = [
        s
        for s in task.get("gold", [])
        if "tool" in s
        and domain.tools.get(s["tool"]) is not None
        and domain.tools[s["tool"]].writes
        and (s["tool"], s["args"]) not in done
    ]
    for i, message in enumerate(messages[1:], start=1):
        previous = messages[i - 1]
        if (
            pending
            and message["role"] == "user"
            and CONFIRM_MARK in (previous.get("content") or "")
            and "yes" not in (message.get("content") or "").lower()
        ):
            step = pending[0]
            yield _one(
                "ignore_refusal",
                ("ignore_refusal", step["tool"]),
                f"the agent calls {quoted(step['tool'])} although the user declined",
                _insert_call(messages, i, step["tool"], step["args"], 3),
            )
            break
    params = task.get("params", {})
    end = max(
        (i for i, m in enumerate(messages) if m["role"] == "assistant" and m.get("content")),
        default=len(messages) - 1,
    )
    for name, tool in domain.tools.items():
        if (
            not tool.writes
            or any(c.tool == name for c in calls)
            or any(s.get("tool") == name for s in pending)
        ):
            continue
        props = tool.parameters.get("properties", {})
        args: dict[str, Any] = {}
        for p in tool.parameters.get("required", []):
            if p in params:
                args[p] = params[p]
            elif "enum" in props.get(p, {}):
                args[p] = props[p]["enum"][0]
            else:
                break
        else:
            yield _one(
                "unrequested_write",
                ("unrequested_write", name),
                f"the agent also calls {quoted(name)}"
                + (" with " if args else "")
                + ", ".join(_set_to(k, v) for k, v in args.items()),
                _insert_call(messages, end - 1, name, args, 4),
            )


def _rule_probes(
    domain: Domain, index: ValueIndex, messages: list[dict[str, Any]], calls: list[CallRef]
) -> Iterator[Mutant]:
    """Variants that only probe the policy rules (their checks are not scored on them)."""
    for ref in calls:
        if ref.writes:
            continue
        yield _one(
            "drop_read",
            ("drop_read", ref.tool),
            f"the {quoted(ref.tool)} call is left out",
            _drop_call(messages, ref),
            for_checks=False,
        )
        props = (
            domain.tools[ref.tool].parameters.get("properties", {})
            if ref.tool in domain.tools
            else {}
        )
        for name, value in ref.args.items():
            others = alternatives(index, props.get(name, {}), name, value, 2)
            if others:
                yield Mutant(
                    "change_read_argument",
                    ("change_read_argument", ref.tool, name),
                    [
                        (
                            f"{quoted(ref.tool)} is called with {_set_to(name, o)}",
                            _set_call(messages, ref, ref.tool, {**ref.args, name: o}),
                        )
                        for o in others
                    ],
                    for_checks=False,
                )
    for first, second in zip(calls, calls[1:], strict=False):
        swapped = _set_call(
            _set_call(messages, first, second.tool, second.args), second, first.tool, first.args
        )
        yield _one(
            "swap_calls",
            ("swap_calls", first.tool, second.tool),
            f"the {quoted(first.tool)} and {quoted(second.tool)} calls are swapped",
            swapped,
            for_checks=False,
        )
    if calls:
        last = calls[-1]
        yield _one(
            "repeat_last_call",
            ("repeat_last_call", last.tool),
            f"{quoted(last.tool)} is called again at the end",
            _insert_call(messages, last.message, last.tool, last.args, 2),
            for_checks=False,
        )
