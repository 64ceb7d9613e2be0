"""What a verifier asks of a trace's calls: whether a tool was called with (at least)
some arguments, where, why not, and whether one event came before another."""

from __future__ import annotations

from typing import Any

from eigendsl.support.brief import _brief
from eigendsl.support.errors import EvalError
from eigendsl.support.events import Call, Message
from eigendsl.support.places import named


def _args_match(call: Call, args: dict[str, Any]) -> bool:
    got = call.args
    for key, value in args.items():
        if key not in got or not _same(got[key], value):
            return False
    return True


def _same(a: Any, b: Any) -> bool:
    if a == b:
        return True
    # Models often send numbers as strings and vice versa; tolerate that, nothing looser.
    if (
        isinstance(a, (int, float))
        and isinstance(b, str)
        or isinstance(b, (int, float))
        and isinstance(a, str)
    ):
        return str(a) == str(b)
    return False


def called(calls: list[Call], tool: str, args: dict[str, Any] | None = None) -> bool:
    """Whether ``tool`` was called successfully with (at least) these arguments."""
    for call in calls:
        if call.tool == tool and call.error is None and (not args or _args_match(call, args)):
            return True
    return False


def called_positions(calls: list[Call], tool: str, args: dict[str, Any] | None = None) -> list[int]:
    return [
        c.position
        for c in calls
        if c.tool == tool and c.error is None and (not args or _args_match(c, args))
    ]


def explain_called(calls: list[Call], tool: str, args: dict[str, Any] | None = None) -> str:
    wanted = f"{tool}({', '.join(f'{k}={_brief(v)}' for k, v in (args or {}).items())})"
    same_tool = [c for c in calls if c.tool == tool]
    if not same_tool:
        names = sorted({c.tool for c in calls})
        return f"{wanted} was never called (calls made: {', '.join(names) or 'none'})"
    shown = "; ".join(f"{c!r}" + (f" failed: {c.error}" if c.error else "") for c in same_tool[:3])
    return f"{wanted} was never called successfully; calls were: {shown}"


def positions(value: Any) -> list[int]:
    """Event positions of a value used with ``before``: a call, a message, a list of them."""
    if value is None or value is False:
        return []
    if isinstance(value, (Call, Message)):
        return [value.position]
    if isinstance(value, list):
        out: list[int] = []
        for item_ in value:
            out.extend(positions(item_))
        return out
    raise EvalError(f"{named(value)} is not an event")


def before(left: list[int], right: list[int]) -> bool:
    """``A before B``: B never happened, or A happened before B's first occurrence."""
    if not right:
        return True
    return bool(left) and min(left) < min(right)


def explain_forbidden_call(calls: list[Call], tool: str, args: dict[str, Any] | None = None) -> str:
    matches = [
        c
        for c in calls
        if c.tool == tool and c.error is None and (not args or _args_match(c, args))
    ]
    shown = ", ".join(repr(c) for c in matches[:2])
    return f"{tool} was called, which is forbidden here ({shown})"
