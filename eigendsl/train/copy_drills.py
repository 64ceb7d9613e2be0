"""Copy drills: short dialogues, cut out of the SFT dialogues, in which only copying gets an id
right (:class:`CopyDrills`, part of :class:`~eigendsl.train.identifiers.Identifiers`).

**Copy drills** (opt-in: ``training.sft.copy_drills``, passes in a run of their own before SFT).
The embedded 2-layer model does not learn to copy an id across a whole dialogue from the
dialogues alone: it learns them by heart. Given the start of a training dialogue it wrote the
next call's ids right 72 times in 93, and 7 times in 93 once the dialogue's ids were renamed.
Copying is an attention pattern that forms late, and the later the more tokens stand between
the id and the call: with the user's turn alone before the call a toy model copied 100 of 100
order ids after 600 steps; with the 130-token system prompt before it, 7 of 100 after 1,000
steps; trained first on the short form, then 300 steps on the long one, 95 of 100.
:meth:`Identifiers.copy_drills` cuts that short form out of each dialogue (the turn that states
an id, then the call that copies it) and each drill pass renames the ids, so only copying gets a
drill right. Measured on retail: 25 passes (1,266 short steps, about a minute) taught it (60 of
60 drills with new ids), and it carried over to whole dialogues: after SFT the agent looked up
the user's own order in 83 of 89 lookups, against 56 of 91 without drills. But it fitted the
dialogues less (loss over the last 50 steps 0.055 against 0.033) and wrote more broken calls
after long tool results, which it never learned to recover from: pass^1 0.117 after SFT and
0.135 after GRPO, against 0.162 and 0.180. Whether copying forms at all is fragile: from
drills out of user turns alone it formed in one run of 25 passes and not in three others
(another pass order, another seed, a constant learning rate); the lookup drills (a user id, in
word pieces as emails are, copied out of a lookup's result) made it form, but not in 12 passes.
Drills sharing one learning-rate schedule with the dialogues left those its low end (pass^1
0.000 after SFT). With key tokens (one run, seed 0): the order looked up right in 92 of 93
lookups, the user's id copied in 32 of 35 calls, pass^1 0.189 after SFT and 0.180 after GRPO
(0.153 and 0.135 without drills), the agent's calls that ran 52% (74% without); on seed 1,
pass^1 0.099 after SFT, 37% of its calls ran.
"""

from __future__ import annotations

import json  # noqa: F401 - the doctests use it
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from eigendsl.train.renaming import _strings


class CopyDrills:
    """The copy drills of :class:`~eigendsl.train.identifiers.Identifiers`, which mixes this in
    and finds the ids a drill copies (:attr:`known`)."""

    known: frozenset[str]

    if TYPE_CHECKING:

        def _mentions(self, texts: Iterable[str]) -> Iterator[str]: ...

    def copy_drills(self, row: dict[str, Any]) -> list[dict[str, Any]]:
        """Short drills for copying ids out of ``row``, one per agent tool call whose ids were
        stated just before (for each id of its arguments, the last turn before the call that
        mentions it): by user turns, the drill is those turns and the call; by a lookup whose
        result is the id alone (``find_user_id_by_email`` giving a user id), it is the user's
        turn before the lookup if there is one, the lookup, its result and the call. No system
        prompt, nothing in between. Renamed with fresh ids (:meth:`fresh_pass`), drills can only
        be got right by copying; see the module's notes.

        >>> from eigendsl.train.identifiers import Identifiers
        >>> ids = Identifiers({"orders": {"#W1000297": {"id": "#W1000297"},
        ...                               "#W1000304": {"id": "#W1000304"}},
        ...                    "users": {"usr_ann": {}, "usr_bob": {}}})
        >>> def call(name, **args):
        ...     return {"role": "assistant", "content": None, "tool_calls": [
        ...         {"type": "function",
        ...          "function": {"name": name, "arguments": json.dumps(args)}}]}
        >>> row = {"messages": [{"role": "system", "content": "Be kind."},
        ...     {"role": "user", "content": "Where is #W1000297?"},
        ...     {"role": "assistant", "content": "Your email?"},
        ...     {"role": "user", "content": "ann@example.com"},
        ...     call("find_user", email="ann@example.com"), {"role": "tool", "content": "usr_ann"},
        ...     call("get_user", user_id="usr_ann"),
        ...     call("get_order", order_id="#W1000297"),
        ...     {"role": "tool", "content": '{"id": "#W1000297"}'},
        ...     call("cancel", order_id="#W1000297")]}
        >>> for drill in ids.copy_drills(row):
        ...     print([m["content"] or m["tool_calls"][0]["function"]["name"]
        ...            for m in drill["messages"]])
        ['ann@example.com', 'find_user', 'usr_ann', 'get_user']
        ['Where is #W1000297?', 'get_order']

        (``cancel`` copies the id from a result that holds more than the id: no drill.)
        """
        turns = row["messages"]
        stated = [
            set(self._mentions(_strings(t.get("content"))))
            if t.get("role") in ("user", "tool")
            else set()
            for t in turns
        ]
        drills = []
        for index, turn in enumerate(turns):
            if turn.get("role") != "assistant":
                continue
            sources = {
                next((at for at in range(index - 1, -1, -1) if name in stated[at]), None)
                for name in self._mentions(_call_arguments(turn))
            }
            found = sorted(at for at in sources if at is not None)
            if (
                sources
                and len(found) == len(sources)
                and all(turns[at]["role"] == "user" for at in found)
            ):
                drills.append({**row, "messages": [turns[at] for at in found] + [turn]})
            elif (
                len(sources) == 1
                and (at := next(iter(sources))) is not None
                and self._lookup_result(turns, at)
            ):
                start = at - 2 if at >= 2 and turns[at - 2].get("role") == "user" else at - 1
                drills.append({**row, "messages": turns[start : at + 1] + [turn]})
        return drills

    def _lookup_result(self, turns: list[dict[str, Any]], at: int) -> bool:
        """Whether ``turns[at]`` is a tool result that is one id alone, right after its call."""
        turn, before = turns[at], turns[at - 1] if at else {}
        content = turn.get("content")
        return (
            turn.get("role") == "tool"
            and isinstance(content, str)
            and content.strip() in self.known
            and before.get("role") == "assistant"
            and bool(before.get("tool_calls"))
        )


def _call_arguments(turn: dict[str, Any]) -> Iterator[str]:
    """The argument strings of a turn's tool calls (JSON text, or the values of a parsed
    mapping)."""
    for call in turn.get("tool_calls") or []:
        arguments = (call.get("function") or {}).get("arguments")
        yield from [arguments] if isinstance(arguments, str) else _strings(arguments)
