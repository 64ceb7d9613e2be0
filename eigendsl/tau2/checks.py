"""Checker-DSL text for tau2 tasks: one check per task from its ``evaluation_criteria``.

Each part of the reward basis becomes statements with tau2's meaning:

* ``DB`` → ``require db == gold`` (the final database equals the gold actions replayed);
* ``ACTION`` → ``require called name(arg=value, ...)`` per gold action (only the arguments in
  ``compare_args`` when tau2 gives them);
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


def check_lines(task: dict[str, Any], nl: NlMode = "gate") -> list[str]:
    """The check of one task, as DSL lines (with comments saying what each part is)."""
    criteria = task.get("evaluation_criteria") or {}
    basis = reward_basis(task)
    lines = [f"# tau2 task {task['id']}: reward basis {', '.join(basis) or '(none)'}"]
    ignored = [part for part in basis if part not in REWARD_PARTS or part == "ENV_ASSERTION"]
    if ignored:
        lines.append(f"# not expressible, left out: {', '.join(ignored)}")
    lines.append(f"check {check_name(task)}():")
    body: list[str] = []
    if "DB" in basis:
        body.append("require db == gold")
    if "ACTION" in basis:
        body += [f"require {called_text(a)}" for a in criteria.get("actions") or ()]
    if "COMMUNICATE" in basis:
        body += [
            f"require said {dsl_string(info)}" for info in criteria.get("communicate_info") or ()
        ]
    if "NL_ASSERTION" in basis:
        suffix = " advisory" if nl == "advisory" else ""
        body += [f"judge {dsl_string(a)}{suffix}" for a in criteria.get("nl_assertions") or ()]
    if not body:
        body.append("require true  # nothing in the reward basis to check: tau2 gives reward 1")
    return lines + ["    " + line for line in body]


def checks_file(tasks: list[dict[str, Any]], nl: NlMode, header: str) -> str:
    """``checks/tau2.chk``: a header, then one check per task separated by blank lines."""
    kind = "advisory judge statements" if nl == "advisory" else "gating judge statements"
    intro = (
        f"{header}# One check per tau2 task, from its evaluation_criteria and reward_basis; "
        f"NL assertions are {kind}.\n"
    )
    return intro + "\n" + "\n\n".join("\n".join(check_lines(t, nl)) for t in tasks) + "\n"


__all__ = [
    "NlMode",
    "called_text",
    "check_lines",
    "check_name",
    "checks_file",
    "dsl_literal",
    "dsl_string",
    "reward_basis",
]
