"""The gold actions of tau2 tasks checked against the domain's tools before anything is written:
each unknown tool, unknown or missing argument and value of the wrong type is an error at its
place in tasks.json (as compile would refuse the gold plan made of it); and the ids
``split_tasks.json`` names that tasks.json has not, warned of."""

from __future__ import annotations

import json
from typing import Any

from eigendsl.errors import Diagnostic, Diagnostics, Span, did_you_mean
from eigendsl.tau2.domain_folder import JsonPlaces, Tau2Domain, json_kind

#: What a tool parameter's type takes, as a JSON value: the type's name in words, and a test.
_TAKES: dict[str, tuple[str, Any]] = {
    "string": ("a string", lambda v: isinstance(v, str)),
    "int": ("a whole number", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    "float": ("a number", lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)),
    "bool": ("true or false", lambda v: isinstance(v, bool)),
    "list": ("a list", lambda v: isinstance(v, list)),
    "object": ("an object", lambda v: isinstance(v, dict)),
}


def _misfit(value: Any, param: dict[str, Any]) -> str | None:
    """What a gold argument's JSON value is where its parameter takes another type (None when it
    fits): "takes a string, but this value is a number"."""
    kind = param.get("type", "any")
    if kind not in _TAKES or (value is None and param.get("optional")):
        return None
    takes, fits = _TAKES[kind]
    items = param.get("items")
    if fits(value) and isinstance(items, dict) and items.get("type") in _TAKES:
        item_takes, item_fits = _TAKES[items["type"]]
        wrong = [v for v in value if not item_fits(v)]
        return (
            f"takes a list, each {item_takes}, but this one holds {json_kind(wrong[0])}"
            if wrong
            else None
        )
    return None if fits(value) else f"takes {takes}, but this value is {json_kind(value)}"


def check_actions(domain: Tau2Domain, known_tools: dict[str, Any]) -> None:
    """Every gold action names a tool of the domain, is the agent's and gives that tool's
    arguments (names, required ones, types): all problems together, each at tasks.json's line
    and column. tau2 would run a mistyped gold call as a failing one, but the spec's gold plan is
    checked against the tools, so the import reports it where it can be fixed."""
    diag = Diagnostics()
    path = str(domain.root / "tasks.json")
    places = domain.places or JsonPlaces("")

    def span(offset: int) -> Span:
        line, col = places.line_col(offset)
        return Span(path, line, col)

    for task, start in zip(domain.tasks, places.task_offsets(domain.tasks), strict=True):
        for index, action in enumerate(
            (task.get("evaluation_criteria") or {}).get("actions") or ()
        ):
            name = str(action.get("name"))
            found = places.find("name", action.get("name"), start)
            start = max(found, start)
            at = f"task {task['id']}: evaluation_criteria.actions[{index}]"
            if name not in known_tools:
                diag.error(
                    span(found),
                    f"{at} calls unknown tool '{name}'"
                    + did_you_mean(
                        name,
                        known_tools,
                        f"the {domain.name} domain's tools are {', '.join(sorted(known_tools))}",
                    ),
                )
                continue
            if action.get("requestor", "assistant") != "assistant":
                diag.error(
                    span(found),
                    f"{at} ({name}) is made by the {action.get('requestor')}; EigenDSL imports "
                    "agent-side actions only",
                )
                continue
            params = known_tools[name]["params"]
            arguments = action.get("arguments") or {}
            for arg, value in arguments.items():
                where = places.find(arg, value, start)
                arg_span = span(where if where >= 0 else found)
                if arg not in params:
                    diag.error(
                        arg_span,
                        f"{at} gives '{name}' the argument '{arg}', which it has no parameter "
                        f"for{did_you_mean(arg, params)}; its parameters are "
                        f"{', '.join(params) or 'none'}",
                    )
                elif (why := _misfit(value, params[arg])) is not None:
                    diag.error(
                        arg_span,
                        f"{at}: parameter '{arg}' of '{name}' {why} ({json.dumps(value)}); "
                        "write the value as the tool takes it",
                    )
            missing = [
                p for p, spec in params.items() if not spec.get("optional") and p not in arguments
            ]
            if missing:
                diag.error(
                    span(found),
                    f"{at} calls '{name}' without its required argument"
                    f"{'s' if len(missing) > 1 else ''} {', '.join(repr(m) for m in missing)}; "
                    "add it to the action's arguments",
                )
    diag.raise_if_errors()


# ---------------------------------------------------------------------------- the spec folder


def split_warnings(domain: Tau2Domain) -> list[Diagnostic]:
    """A warning at each id ``split_tasks.json`` names that ``tasks.json`` has not (tau2 reads
    such a file without a word; a typo there would leave a held-out task in training)."""
    path = domain.root / "split_tasks.json"
    known = {str(task["id"]) for task in domain.tasks}
    missing = [
        (name, task_id)
        for name, ids in domain.splits.items()
        for task_id in ids
        if task_id not in known
    ]
    if not missing:
        return []
    places = JsonPlaces(path.read_text(encoding="utf-8") if path.is_file() else "")
    warnings = []
    for name, task_id in missing:
        offset = places.text.find(json.dumps(task_id))
        line, col = places.line_col(offset) if offset >= 0 else (1, 1)
        warnings.append(
            Diagnostic(
                Span(str(path), line, col),
                f"split '{name}' names task {task_id!r}, which tasks.json has not; the split "
                "leaves it out (correct the id, or remove it)",
                "warning",
            )
        )
    return warnings
