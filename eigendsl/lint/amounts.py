"""Amounts the agent tells: a gold ``say`` amount the dialogue shows no source of
(:func:`check_sourced_amounts`), and the mutation that tells a made-up amount beside the right
one (:func:`hedged_amounts`).

A gold dialogue teaches the amounts it tells. One that no tool result before it holds, nor the
user's words, nor the sum or difference of two such numbers (a new balance, a price difference)
comes from nowhere the dialogue shows: most often a parameter computed wrong (``fee: {from:
"0.0"}``), which the scripted agent tells all the same and synthesis keeps. Where the agent is to
work the amount out (half a night's rate, by the policy), a model has to learn that arithmetic
from the dialogue alone; a tool that returns it (a ``calculate`` call, a quote) shows where it
comes from.

``require said fee`` holds in a message that tells the fee among other amounts ("somewhere
between 0 and 120 dollars, maybe 60"). The hedging mutation adds a made-up amount beside the
right one in one message of the gold dialogue; it is tried for a check only where the check reads
that amount (it fails when the made-up amount replaces the right one throughout).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from eigendsl import support as rt
from eigendsl.lint.context import LintContext, LintTask
from eigendsl.lint.mutations import Mutant

# A number as a message writes it: an optional currency sign, digits with thousands commas and
# a decimal part; not the digits of an id ("R-1003"), of a date ("2025-06-13") or of a longer
# number.
_NUMBER = re.compile(r"(?<![\w.,-])([$€£]\s?)?(\d[\d,]*(?:\.\d+)?)(?![\w-]|[.,]\d)")
IDIOM = (
    "forbid the amounts that are neither the outcome nor a value a tool returned, as retail's "
    "`amounts_told` block does (specs/retail/checks/blocks.chk; README, under `require said "
    "total`)"
)


def check_sourced_amounts(ctx: LintContext) -> None:
    """A note at each gold ``say`` step that tells an amount the dialogue shows no source of,
    once per template (or written task) and step."""
    found: dict[tuple[str, int], list[tuple[LintTask, list[float], str]]] = {}
    tried: dict[tuple[str, int], int] = {}
    for lint_task in ctx.passing():
        messages = ctx.gold_rows[lint_task.id]["messages"]
        for step, index, text in _spoken_says(lint_task.task, messages):
            key = (lint_task.id if lint_task.authored else lint_task.info.name, step)
            tried[key] = tried.get(key, 0) + 1
            known = _known(messages, index, lint_task.task)
            loose = [a for a in rt.amounts(text) if not sourced(a, known)]
            if loose:
                found.setdefault(key, []).append((lint_task, loose, text))
    for (name, step), items in found.items():
        lint_task, loose, text = items[0]
        total = tried[(name, step)]
        first = lint_task.id
        where = f"in {len(items)} of {total} tasks, e.g. {first}" if total > 1 else f"in {first}"
        told = ", ".join(dict.fromkeys(rt.show(a) for a in loose))
        ctx.add(
            lint_task.span if lint_task.authored else lint_task.step_span(step),
            f"gold step {step + 1} tells {told} ({rt.show(_short(text, 60))} {where}), "
            f"{'an amount' if len(loose) == 1 else 'amounts'} that no tool result before it "
            "holds, nor the user's words, nor the sum or difference of two of their numbers: "
            "the agent is taught an amount nobody told it, and synthesis keeps the dialogue; "
            "check the parameter it comes from, and where the agent is to work it out (a fee "
            "by the policy), have a tool return it before the say (a calculate call, a quote)",
            "info",
            "unsourced_amount",
        )


def sourced(amount: float, known: list[float]) -> bool:
    """Whether ``amount`` is one of the ``known`` numbers, or the sum or difference of two of
    them (two places, so a difference of 0 needs a number told twice).

    >>> sourced(313.99, [120.0, 193.99]), sourced(0.0, [89.0, 89.0]), sourced(0.0, [130.0, 65.0])
    (True, True, False)
    """
    target = round(abs(amount), 2)
    values = [round(abs(v), 2) for v in known]
    if target in values:
        return True
    for i, a in enumerate(values):
        for b in values[i + 1 :]:
            if round(a + b, 2) == target or round(abs(a - b), 2) == target:
                return True
    return False


def _spoken_says(
    task: dict[str, Any], messages: list[dict[str, Any]]
) -> list[tuple[int, int, str]]:
    """(gold step, message index, text) of each gold ``say`` the scripted agent spoke, in order
    (a refusal's stock apology speaks none)."""
    out = []
    start = 0
    for step, entry in enumerate(task.get("gold", [])):
        text = entry.get("say")
        if not isinstance(text, str) or not text.strip():
            continue
        for index in range(start, len(messages)):
            message = messages[index]
            if message["role"] == "assistant" and text in str(message.get("content") or ""):
                out.append((step, index, text))
                start = index
                break
    return out


def _known(messages: list[dict[str, Any]], upto: int, task: dict[str, Any]) -> list[float]:
    """The numbers the dialogue shows the agent before message ``upto``: the tool results and
    the user's words, and the facts the user knows."""
    known: list[float] = []
    for message in messages[:upto]:
        if message["role"] in ("tool", "user"):
            known += rt.numbers(message.get("content"))
    user = task.get("user") or {}
    known += rt.numbers(user.get("known"))
    return known


def hedged_amounts(
    row_messages: list[dict[str, Any]], messages: list[dict[str, Any]], task: dict[str, Any]
) -> Iterator[Mutant]:
    """The hedging mutation of a trajectory ``messages`` (its episode's messages, with the tool
    results, are ``row_messages``): per agent message and amount it tells, the message with a
    made-up amount beside it; its control, one per variant, tells the made-up amount in place
    of the right one throughout. The amounts hedged are a number parameter's value of the task
    and those written with a currency sign: a house number or a zip code is no amount, though
    ``amounts`` cannot tell."""
    taken = {
        round(n, 2)
        for m in row_messages
        if m["role"] != "system"
        for n in rt.numbers(m.get("content"))
    }
    taken.update(round(n, 2) for n in rt.numbers(task.get("params")))
    told = _parameter_amounts(task.get("params") or {})
    variants: list[tuple[str, list[dict[str, Any]]]] = []
    controls: list[list[dict[str, Any]]] = []
    for index, message in enumerate(messages):
        content = message.get("content")
        if message["role"] != "assistant" or not isinstance(content, str):
            continue
        for amount in dict.fromkeys(rt.amounts(content)):
            spot = next(iter(_spots(content, amount)), None)
            if spot is None:  # told in words: no digits to put another amount beside
                continue
            if round(abs(amount), 2) not in told and not spot.group(1):
                continue  # a house number or a zip code, no amount a check reads as one
            other = _made_up(amount, taken)
            written = (spot.group(1) or "") + _like(spot.group(2), other)
            hedge = f", or maybe {written}"
            hedged = content[: spot.end()] + hedge + content[spot.end() :]
            out = [dict(m) for m in messages]
            out[index]["content"] = hedged
            shown = next(
                (t for t in rt.sentences(hedged) if hedge.strip(", ") in t),
                hedged[max(0, spot.start() - 30) : spot.end() + len(hedge) + 10],
            )
            variants.append(
                (
                    f"the agent tells a made-up amount beside the right one "
                    f"({rt.show(shown)}): `require said` of an amount holds in a message that "
                    f"tells it among others; {IDIOM}",
                    out,
                )
            )
            controls.append(_replaced(messages, amount, other))
    if variants:
        yield Mutant("hedge_amount", ("hedge_amount",), variants, controls=controls)


def _parameter_amounts(params: dict[str, Any]) -> set[float]:
    """The numbers among a task's parameters (a fee, a total, a list of refunds): the amounts a
    check's ``said`` reads.

    >>> sorted(_parameter_amounts({"fee": 60.0, "refunds": [1, 2.5], "zip": "04015", "ok": True}))
    [1.0, 2.5, 60.0]
    """
    values = [v for p in params.values() for v in (p if isinstance(p, list) else [p])]
    return {
        round(abs(float(v)), 2)
        for v in values
        if isinstance(v, (int, float)) and not isinstance(v, bool)
    }


def _spots(content: str, amount: float) -> list[re.Match[str]]:
    """Where ``content`` writes ``amount`` in digits."""
    return [m for m in _NUMBER.finditer(content) if _value(m.group(2)) == round(abs(amount), 2)]


def _value(digits: str) -> float | None:
    try:
        return round(float(digits.replace(",", "")), 2)
    except ValueError:
        return None


def _made_up(amount: float, taken: set[float]) -> float:
    """An amount near ``amount`` that the dialogue tells nowhere."""
    for step in range(1, 100):
        other = round(abs(amount) + 17 * step, 2)
        if other not in taken:
            return other
    return round(abs(amount) + 1717.17, 2)


def _like(digits: str, value: float) -> str:
    """``value`` written with as many decimals as ``digits``."""
    decimals = len(digits.partition(".")[2])
    return f"{value:.{decimals}f}" if decimals or not value.is_integer() else str(int(value))


def _replaced(messages: list[dict[str, Any]], amount: float, other: float) -> list[dict[str, Any]]:
    """The trajectory with ``other`` told wherever the agent told ``amount`` in digits."""
    out = []
    for message in messages:
        content = message.get("content")
        if message["role"] == "assistant" and isinstance(content, str):
            message = {**message, "content": _NUMBER.sub(_swap(amount, other), content)}
        out.append(message)
    return out


def _swap(amount: float, other: float) -> Any:
    def swap(match: re.Match[str]) -> str:
        if _value(match.group(2)) != round(abs(amount), 2):
            return match.group()
        return (match.group(1) or "") + _like(match.group(2), other)

    return swap


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


__all__ = ["check_sourced_amounts", "hedged_amounts", "sourced"]
