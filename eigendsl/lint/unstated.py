"""Values the scripted agent is handed: a gold-plan argument that is a template parameter
(``"{{ dob }}"``) whose value neither the user said nor a tool returned before the call.

The scripted agent copies the gold plan's arguments, so its episode passes and synthesis keeps
the dialogue; a model trained on it learns to write a date of birth nobody told it. Identifiers
(keys of the seed's tables) are synthesis's quality filter's, reported by
:func:`eigendsl.lint.solvability.check_synthesizable`; this pass takes the other values. An enum
argument is not looked for: the agent picks it from the user's words ("I lost my phone": lost).
"""

from __future__ import annotations

from typing import Any

from eigendsl.lint.context import LintContext, LintTask, quoted, value_text
from eigendsl.lint.solvability import tool_step_indexes
from eigendsl.synth.quality import stated
from eigendsl.template_text import WHOLE_REF


def check_unstated_values(ctx: LintContext) -> None:
    """A warning at each gold step whose parameter value no one gave the agent before it, once
    per template, step and argument."""
    ids = {str(key) for table in ctx.domain.seed.values() for key in table}
    seen: set[tuple[str, int, str]] = set()
    for lint_task in ctx.passing():
        for step, arg, param, value in _unstated(ctx, lint_task, ids):
            key = (lint_task.id if lint_task.authored else lint_task.info.name, step, arg)
            if key in seen:
                continue
            seen.add(key)
            ctx.add(
                lint_task.span if lint_task.authored else lint_task.step_span(step),
                f"gold step {step + 1} gives {quoted(lint_task.info.template.gold[step].tool)}'s "
                f"{quoted(arg)} the value of {quoted(param)} ({value_text(value)} in "
                f"{lint_task.id}), which neither the user nor an earlier tool result states: "
                "the agent is handed a value nobody told it, and synthesis keeps the dialogue; "
                "give the user the fact (user.known, or its request), or have a tool return it "
                "before the call",
                "warning",
                "unstated_value",
            )


def _unstated(
    ctx: LintContext, lint_task: LintTask, ids: set[str]
) -> list[tuple[int, str, str, str]]:
    """(gold step, argument, parameter, value) of each value not stated before its call."""
    template_gold = lint_task.info.template.gold
    steps = tool_step_indexes(lint_task.task)
    tools = ctx.loaded.spec.tools
    found = []
    seen_text, number = "", 0
    for message in ctx.gold_rows[lint_task.id]["messages"]:
        if message["role"] in ("user", "tool"):
            seen_text += " " + str(message.get("content") or "")
        for _ in message.get("tool_calls") or ():
            step = steps[number] if number < len(steps) else None
            number += 1
            if step is None or step >= len(template_gold):
                continue
            tool = tools.get(str(template_gold[step].tool))
            for arg, written in template_gold[step].args.items():
                whole = WHOLE_REF.match(written) if isinstance(written, str) else None
                if whole is None or tool is None or arg not in tool.params:
                    continue
                if tool.params[arg].type == "enum":
                    continue
                value = lint_task.task["gold"][step]["args"].get(arg)
                for text in _texts(value):
                    if text not in ids and not stated(text, seen_text):
                        found.append((step, arg, whole.group(1), text))
                        break
    return found


def _texts(value: Any) -> list[str]:
    """The text values of an argument worth looking for: not empty, not a lone character."""
    items = value if isinstance(value, list) else [value]
    return [v for v in items if isinstance(v, str) and len(v.strip()) > 1]
