"""tau2-bench's ``RewardInfo`` of an EigenDSL verdict.

A failed statement counts against the part of the reward basis its source text belongs to
(``db == gold`` → DB, ``called`` → ACTION, ``said`` → COMMUNICATE, ``judge`` → NL_ASSERTION).
In a spec written by hand, a statement of none of those counts against ACTION where it reads
the calls (``count(c in calls where ...) == 0``), COMMUNICATE where it reads the messages, and
ENV_ASSERTION otherwise (``db.orders[o].status == "cancelled"``: a fact of the database, which
tau2 asserts with a function of the environment). A part that fails lists the statements that
failed it, as tau2's readers expect: a reward breakdown's 0 comes with at least one unmet check
there, and a reward of 0 with a part at 0. A failed statement that no tau2 action or string
stands for (``forbid called x``, ``any(c in calls ...)``, ``user_said "yes" before c``) is a
check named by its own text.

Unjudged NL assertions are written with ``met: false`` and the justification ``"not judged:
needs a judge model"`` (tau2's ``NLAssertionCheck.met`` is a bool, so a null would not load).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from eigendsl.support import NOT_JUDGED
from eigendsl.tau2.checks import called_text, reward_basis, tried_text


def statement_kind(statement: str) -> str | None:
    """The reward-basis part a DSL statement checks, from its source text (None: other).

    >>> statement_kind('require called cancel_pending_order(order_id="#W1")')
    'ACTION'
    >>> statement_kind('judge "The agent apologizes" advisory')
    'NL_ASSERTION'

    A statement that reads a let alone is the let's (its text ends with the lets it reads):

    >>> statement_kind("require same (where same = db == gold)")
    'DB'
    """
    text = statement.strip()
    if text.startswith("judge "):
        return "NL_ASSERTION"
    if re.match(r"^(require|forbid)\s+db\s*==\s*gold\b", text) or re.match(
        r"^(require|forbid) (\w+) \(where (.*, )?\2 = db == gold[,)]", text
    ):
        return "DB"
    if re.search(r"\bcalled\b", text) or text.startswith("require any(c in calls where c.tool =="):
        return "ACTION"
    if re.search(r"\b(user_)?said\b", text):
        return "COMMUNICATE"
    return None


def native_kind(statement: str) -> str:
    """The part a failed statement of a spec written by hand counts against: its
    :func:`statement_kind`, else ACTION where it reads the calls, COMMUNICATE where it reads the
    messages, and ENV_ASSERTION for the rest (a fact of the database or of the task's values).

    >>> native_kind("require count(c in calls where c.writes and c.ok) == 0")
    'ACTION'
    >>> native_kind('require db.orders[order_id].status == "cancelled"')
    'ENV_ASSERTION'
    """
    kind = statement_kind(statement)
    if kind is not None:
        return kind
    if re.search(r"\bcalls\b", statement):
        return "ACTION"
    return "COMMUNICATE" if re.search(r"\bmessages\b", statement) else "ENV_ASSERTION"


# a tool-call check: `called tool(...)`, or tau2's match of a call with its arguments
_CALLED = re.compile(
    r'^require (?:called |any\(c in calls where c\.tool == "(?=\w+": c\.args ==))(\w+)'
)


def _said_text(statement: str) -> str | None:
    """What a statement ``said X`` (``require`` or ``score``) wants the agent to say: its text (a
    literal without its quotes); None for any other statement (``all(... user_said ...)``).

    >>> _said_text('require said "cancelled"'), _said_text("score 0.5: said abs(difference)")
    ('cancelled', 'abs(difference)')
    >>> _said_text('require all(c in calls where c.writes: user_said "yes" before c)') is None
    True
    """
    match = _SAID.match(statement.strip())
    if match is None:
        return None
    text = match.group(1)
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, str) else text


_SAID = re.compile(r"^(?:require|score [0-9.]+:)\s+said\s+(.+)$", re.DOTALL)


def _said(messages: list[dict[str, Any]], info: Any) -> bool:
    """tau2's CommunicateEvaluator: ``info`` in an assistant message, case and commas aside."""
    wanted = str(info).lower()
    return any(
        m.get("role") == "assistant"
        and isinstance(m.get("content"), str)
        and wanted in m["content"].lower().replace(",", "")
        for m in messages
    )


def call_parts(call: dict[str, Any]) -> tuple[str, Any]:
    """An episode message's tool call as its name and arguments: decoded from the JSON text an
    OpenAI message carries them as, or that text as it is where it is not JSON."""
    function = call.get("function", call)
    args = function.get("arguments", {})
    if isinstance(args, str):
        try:
            args = json.loads(args)
        except json.JSONDecodeError:
            pass
    return function.get("name", ""), args


def _made(messages: list[dict[str, Any]], action: dict[str, Any]) -> bool:
    """tau2's ActionEvaluator: a call (refused or not) of the action's tool whose compared
    arguments (``compare_args``, all by default) equal the action's."""
    wanted = action.get("arguments") or {}
    compared = action.get("compare_args")
    names = list(wanted) if compared is None else list(compared)
    gold = {k: wanted.get(k) for k in names}
    for message in messages:
        for call in message.get("tool_calls") or ():
            name, args = call_parts(call)
            if name != action.get("name") or not isinstance(args, dict):
                continue
            if {k: args[k] for k in names if k in args} == gold:
                return True
    return False


def _failed_actions(
    failed: dict[str, dict[str, Any]],
    listed: set[str],
    gold: bool,
    kind_of: Callable[[str], str | None] = native_kind,
) -> list[dict[str, Any]]:
    """Action checks for the failed ACTION statements that no tau2 action of the task stands for
    (``listed``: the statements its actions are checked by). Without tau2's actions (``gold``
    false), a ``require called tool(...)`` is its tool; any other statement, or one beside tau2's
    actions, is named by its own text (tau2 computes ACTION from these checks, so a failed
    statement about calls that listed nothing would read as a failure without a cause).

    >>> why = {"reason": "r"}
    >>> failed = {'require called cancel(id="1")': why, "forbid called refund": why}
    >>> [c["action"]["name"] for c in _failed_actions(failed, set(), False)]
    ['cancel', 'forbid called refund']
    """
    checks: list[dict[str, Any]] = []
    for statement, failure in failed.items():
        if kind_of(statement) != "ACTION" or statement in listed:
            continue
        called = None if gold else _CALLED.match(statement)
        checks.append(
            {
                "action": {
                    "action_id": f"eigendsl-{len(checks)}",
                    "requestor": "assistant",
                    "name": called.group(1) if called else statement,
                    "arguments": {},
                    "info": f"{statement}: {failure['reason']}" if called else failure["reason"],
                },
                "action_match": False,
                "action_reward": 0.0,
            }
        )
    return checks


def reward_info(
    verdict: dict[str, Any],
    task: dict[str, Any] | None,
    messages: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """tau2's ``RewardInfo`` for one verdict; per-item checks need the tau2 ``task``.

    As tau2's ALL evaluation, the per-action and per-string checks are filled whether or not
    ACTION and COMMUNICATE are in the reward basis: from the verdict where they are, from the
    episode's ``messages`` where they are not (they then count for nothing in the reward)."""
    failed = {f["statement"]: f for f in verdict.get("failures") or []}  # null reads as none
    noted = {f["statement"]: f for f in verdict.get("notes") or []}
    # a tau2 task's statements are its criteria's; a hand-written spec's may be of no tau2 kind
    kind_of: Callable[[str], str | None] = statement_kind if task is not None else native_kind
    kinds = {kind_of(s) for s in failed}
    if task is not None:
        basis = reward_basis(task)
    else:
        basis = sorted(k for k in kinds | {statement_kind(s) for s in noted} | {"DB"} if k)
    criteria = (task or {}).get("evaluation_criteria") or {}
    info: dict[str, Any] = {
        "source": "eigendsl",
        "passed": bool(verdict.get("passed")),
        "score": verdict.get("score"),
        "failures": [{"statement": f["statement"], "reason": f["reason"]} for f in failed.values()],
    }
    if verdict.get("not_judged"):
        info["not_judged"] = list(verdict["not_judged"])
    result: dict[str, Any] = {
        "reward": 1.0 if verdict.get("passed") else 0.0,
        "reward_basis": basis,
        "db_check": None,
        "env_assertions": None,
        "action_checks": None,
        "nl_assertions": None,
        "communicate_checks": None,
        "info": info,
    }
    if "DB" in basis:
        match = "DB" not in kinds
        result["db_check"] = {"db_match": match, "db_reward": 1.0 if match else 0.0}
    if "ACTION" in basis:
        actions = criteria.get("actions") or []
        checks = []
        for action in actions:
            match = not {f"require {called_text(action)}", f"require {tried_text(action)}"} & set(
                failed
            )
            checks.append(
                {
                    "action": {"requestor": "assistant", **action},
                    "action_match": match,
                    "action_reward": 1.0 if match else 0.0,
                }
            )
        listed = {f"require {f(a)}" for a in actions for f in (called_text, tried_text)}
        result["action_checks"] = checks + _failed_actions(failed, listed, bool(actions), kind_of)
    if "COMMUNICATE" in basis and task is None:  # the failed `said` statements, each as its text
        result["communicate_checks"] = [
            {
                "info": statement if (wanted := _said_text(statement)) is None else wanted,
                "met": False,
                "justification": failure["reason"],
            }
            for statement, failure in failed.items()
            if kind_of(statement) == "COMMUNICATE"
        ]
    elif "COMMUNICATE" in basis:
        infos = criteria.get("communicate_info") or []
        said = [s for s in failed if statement_kind(s) == "COMMUNICATE"]
        result["communicate_checks"] = [
            {
                "info": i,
                "met": not any(json.dumps(str(i), ensure_ascii=False) in s for s in said),
                "justification": next(
                    (
                        failed[s]["reason"]
                        for s in said
                        if json.dumps(str(i), ensure_ascii=False) in s
                    ),
                    "said",
                ),
            }
            for i in infos
        ] + [
            {"info": s, "met": False, "justification": failed[s]["reason"]}
            for s in said
            if not any(json.dumps(str(i), ensure_ascii=False) in s for i in infos)
        ]
    if messages is not None and "ACTION" not in basis and criteria.get("actions"):
        result["action_checks"] = [
            {
                "action": {"requestor": "assistant", **action},
                "action_match": (made := _made(messages, action)),
                "action_reward": 1.0 if made else 0.0,
            }
            for action in criteria["actions"]
        ]
    if messages is not None and "COMMUNICATE" not in basis and criteria.get("communicate_info"):
        result["communicate_checks"] = [
            {
                "info": i,
                "met": (met := _said(messages, i)),
                "justification": "Information communicated to the user"
                if met
                else "Information not communicated",
            }
            for i in criteria["communicate_info"]
        ]
    if "ENV_ASSERTION" in basis and task is None:  # each failed fact as an assertion of its text
        result["env_assertions"] = [
            {
                "env_assertion": {
                    "env_type": "assistant",
                    "func_name": statement,
                    "arguments": {},
                    "assert_value": True,
                    "message": failure["reason"],
                },
                "met": False,
                "reward": 0.0,
            }
            for statement, failure in failed.items()
            if kind_of(statement) == "ENV_ASSERTION"
        ]
    if "NL_ASSERTION" in basis:
        checks = []
        judged = {**noted, **failed}
        for statement, failure in judged.items():
            if statement_kind(statement) == "NL_ASSERTION":
                assertion = (failure.get("values") or {}).get("assertion", statement)
                checks.append(
                    {"nl_assertion": assertion, "met": False, "justification": failure["reason"]}
                )
        missing = {c["nl_assertion"] for c in checks}
        for assertion in criteria.get("nl_assertions") or []:
            if assertion not in missing:
                checks.append(
                    {"nl_assertion": assertion, "met": True, "justification": "judged met"}
                )
        result["nl_assertions"] = checks
    breakdown = {}
    for part in basis:
        if part == "DB":
            breakdown[part] = result["db_check"]["db_reward"]
        else:
            breakdown[part] = 0.0 if part in kinds else 1.0
    result["reward_breakdown"] = breakdown
    return result


__all__ = ["NOT_JUDGED", "native_kind", "reward_info", "statement_kind"]
