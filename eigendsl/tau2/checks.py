"""Checker-DSL text for tau2 tasks: one check per task from its ``evaluation_criteria``.

Each part of the reward basis becomes statements with tau2's meaning:

* ``DB`` → ``require db == gold`` (the final database equals the gold actions replayed);
* ``ACTION`` → ``require called name(arg=value, ...)`` per gold action (only the arguments in
  ``compare_args`` when tau2 gives them); a gold action tau2's own tools refuse is matched as
  tau2 matches it, a refused call counted (:func:`tried_text`), since ``called`` counts only
  calls that ran and would make the task unsolvable;
* ``COMMUNICATE`` → ``require said "info"`` per string;
* ``NL_ASSERTION`` → ``judge "assertion"`` (``judge "assertion" advisory`` in advisory mode),
  which needs a judge model and is reported as not judged without one.

Strings are written as DSL string literals with every quote, backslash and control character
escaped; the compiler parses them with ``ast.literal_eval`` and never executes them.

>>> dsl_literal('say "hi"\\n')
'"say \\\\"hi\\\\"\\\\n"'
>>> dsl_literal({"a b": [1, 2.5, None, True]})
'{"a b": [1, 2.5, null, true]}'
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

NlMode = Literal["gate", "advisory"]
#: tau2's ``RewardType`` values.
REWARD_PARTS = ("DB", "ENV_ASSERTION", "ACTION", "COMMUNICATE", "NL_ASSERTION")


def dsl_string(text: str) -> str:
    """A DSL string literal for ``text`` (JSON escapes are valid Python string escapes)."""
    return json.dumps(str(text), ensure_ascii=False)


def dsl_literal(value: Any) -> str:
    """A DSL literal (string, number, bool, null, list or object) for a JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if value >= 0 else f"-{-value}"
    if isinstance(value, float):
        text = repr(abs(value)) if "e" not in repr(value) else format(abs(value), "f")
        return text if value >= 0 else f"-{text}"
    if isinstance(value, str):
        return dsl_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(dsl_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{dsl_string(k)}: {dsl_literal(v)}" for k, v in value.items()) + "}"
    raise ValueError(f"cannot write {value!r} as a DSL literal")


def check_name(task: dict[str, Any]) -> str:
    """The check (and template) name of a tau2 task: ``tau2_<id>`` as an identifier."""
    return "tau2_" + re.sub(r"\W", "_", str(task["id"]))


def reward_basis(task: dict[str, Any]) -> list[str]:
    """The task's reward basis (tau2's default is DB and COMMUNICATE when absent)."""
    basis = (task.get("evaluation_criteria") or {}).get("reward_basis")
    return list(basis) if basis is not None else ["DB", "COMMUNICATE"]


def called_text(action: dict[str, Any]) -> str:
    args = action.get("arguments") or {}
    compared = action.get("compare_args")
    if compared is not None:
        args = {k: v for k, v in args.items() if k in compared}
    if not args:
        return f"called {action['name']}"
    return (
        f"called {action['name']}("
        + ", ".join(f"{k}={dsl_literal(v)}" for k, v in args.items())
        + ")"
    )


def tried_text(action: dict[str, Any]) -> str:
    """tau2's match of a gold action, refused calls counted (``called`` counts only calls that
    ran): a call of the tool whose arguments equal the action's, or, with ``compare_args``,
    agree on those (one given on one side only is a difference, as in tau2).

    >>> tried_text({"name": "get_user_details", "arguments": {"user_id": "u1"}})
    'any(c in calls where c.tool == "get_user_details": c.args == {"user_id": "u1"})'
    """
    head = f"any(c in calls where c.tool == {dsl_string(action['name'])}"
    args = action.get("arguments") or {}
    compared = action.get("compare_args")
    if compared is None:
        return f"{head}: c.args == {dsl_literal(args)})"
    terms = []
    for key in dict.fromkeys(str(k) for k in compared):
        read = f"c.args.{key}" if key.isidentifier() else f"c.args[{dsl_string(key)}]"
        if key in args:
            terms.append(f"{dsl_string(key)} in c.args and {read} == {dsl_literal(args[key])}")
        else:
            terms.append(f"{dsl_string(key)} not in c.args")
    return f"{head}: {' and '.join(terms)})" if terms else f"{head})"


def env_assertions(task: dict[str, Any]) -> list[Any]:
    """The task's environment assertions that its reward basis grades (none: ``[]``)."""
    criteria = task.get("evaluation_criteria") or {}
    graded = "ENV_ASSERTION" in reward_basis(task)
    return list(criteria.get("env_assertions") or ()) if graded else []


def statements(
    task: dict[str, Any], nl: NlMode = "gate", refused: frozenset[int] = frozenset()
) -> list[str]:
    """The statements of a task's check, one per graded item of its reward basis (``refused``:
    the indices of the gold actions tau2's own tools refuse, matched as tau2 does, by
    :func:`tried_text`). ENV_ASSERTION has none: EigenDSL cannot check tau2's assertions."""
    criteria = task.get("evaluation_criteria") or {}
    basis = reward_basis(task)
    body: list[str] = []
    if "DB" in basis:
        body.append("require db == gold")
    if "ACTION" in basis:
        body += [
            f"require {tried_text(a) if i in refused else called_text(a)}"
            for i, a in enumerate(criteria.get("actions") or ())
        ]
    if "COMMUNICATE" in basis:
        body += [
            f"require said {dsl_string(info)}" for info in criteria.get("communicate_info") or ()
        ]
    if "NL_ASSERTION" in basis:
        suffix = " advisory" if nl == "advisory" else ""
        body += [f"judge {dsl_string(a)}{suffix}" for a in criteria.get("nl_assertions") or ()]
    return body


def check_lines(
    task: dict[str, Any], nl: NlMode = "gate", refused: frozenset[int] = frozenset()
) -> list[str]:
    """The check of one task, as DSL lines (with comments saying what each part is).

    A task whose graded environment assertions are all there is to check is not imported
    (:mod:`eigendsl.tau2.task_support`), so ``require true`` stands only where tau2 gives
    reward 1 too: an empty basis, or parts that list nothing to check."""
    basis = reward_basis(task)
    lines = [f"# tau2 task {task['id']}: reward basis {', '.join(basis) or '(none)'}"]
    if assertions := env_assertions(task):
        lines.append(
            f"# not checked: ENV_ASSERTION ({len(assertions)} environment assertion"
            f"{'s' if len(assertions) > 1 else ''}; EigenDSL cannot check them)"
        )
    if refused and "ACTION" in basis:
        steps = ", ".join(str(i + 1) for i in sorted(refused))
        lines.append(
            f"# gold step{'s' if len(refused) > 1 else ''} {steps} "
            f"{'fail' if len(refused) > 1 else 'fails'} in tau2's own replay: matched as "
            "tau2's action check matches, a refused call counted"
        )
    lines.append(f"check {check_name(task)}():")
    body = statements(task, nl, refused)
    if not body:
        why = "an empty reward basis" if not basis else "a reward basis that lists nothing"
        body.append(f"require true  # {why} to check: tau2 gives reward 1")
    return lines + ["    " + line for line in body]


def checks_file(
    tasks: list[dict[str, Any]],
    nl: NlMode,
    header: str,
    refused: dict[str, frozenset[int]] | None = None,
) -> str:
    """``checks/tau2.chk``: a header, then one check per task separated by blank lines
    (``refused``: by task id, the indices of the gold actions tau2's own tools refuse)."""
    kind = "advisory judge statements" if nl == "advisory" else "gating judge statements"
    intro = (
        f"{header}# One check per tau2 task, from its evaluation_criteria and reward_basis; "
        f"NL assertions are {kind}.\n"
    )
    refused = refused or {}
    return (
        intro
        + "\n"
        + "\n\n".join(
            "\n".join(check_lines(t, nl, refused.get(str(t["id"]), frozenset()))) for t in tasks
        )
        + "\n"
    )


__all__ = [
    "NlMode",
    "called_text",
    "check_lines",
    "check_name",
    "checks_file",
    "dsl_literal",
    "dsl_string",
    "env_assertions",
    "reward_basis",
    "statements",
    "tried_text",
]
