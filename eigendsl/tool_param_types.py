"""A tool parameter declared with the wrong type, found from its uses.

``loan_id: {type: int}`` under a tool's ``params`` is a sound declaration of its own; what is
wrong shows only where the tool's guard reads ``db.loans[loan_id]`` ("rows of 'loans' are keyed
by strings, not by an int") and where checks and gold plans pass it a string ("parameter
'loan_id' of 'renew_loan' takes an int, but this value is a string"): six errors at the uses of
one parameter, none at the line to fix (review nS1, L6). When two places or more agree on the
type the parameter should have, the declaration is the likelier mistake:
:func:`check_tool_param_types` reports it there, with the type its uses take first among the
accepted type names, and the errors at the uses are folded into it (their places are listed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from eigendsl.dsl.analysis import Resolved
from eigendsl.errors import Diagnostic, Diagnostics, Span, first_few, source_line
from eigendsl.loader import LoadedSpec
from eigendsl.spec import TYPE_NAMES
from eigendsl.yamlload import MarkedDict

#: A use that passes the parameter a value of another type (checks' ``called`` and gold plans).
_TAKES = re.compile(
    r"^parameter '([^']+)' of '([^']+)' takes an? (\w+), but this value is an? (\w+)$"
)
#: A use that indexes a table's rows with the parameter (the tool's guard).
_KEYED = re.compile(r"^rows of '[^']+' are keyed by strings, not by an? (\w+)$")
#: The scalar types a use may tell; a list's or an object's is not told by one word.
_SCALARS = ("string", "int", "float", "bool", "date", "time")


def check_tool_param_types(loaded: LoadedSpec, resolved: Resolved, diag: Diagnostics) -> None:
    """An error at each tool parameter's type in ``domain.yaml`` that two uses or more agree
    is another (see the module's docstring); the errors at those uses are then not shown."""
    tools = loaded.raw.get("tools")
    if not isinstance(tools, MarkedDict):
        return
    uses: dict[tuple[str, str], list[tuple[Diagnostic, str]]] = {}
    for error in diag.errors:
        use = _use(loaded, resolved, error)
        if use is not None:
            tool, param, wanted = use
            uses.setdefault((tool, param), []).append((error, wanted))
    for (tool, param), found in sorted(uses.items()):
        agreed = {w for _, w in found}
        places = sorted({error.span for error, _ in found})
        if len(agreed) != 1 or len(places) < 2:
            continue  # one use may be the mistake, or the uses disagree: their own errors say
        [should] = agreed
        declared = loaded.spec.tools[tool].params[param].type
        at = _type_span(tools, tool, param)
        if at is None:
            continue
        first = found[0][0]
        article = "an" if should[0] in "aeiou" else "a"
        accepted = [should, *(t for t in TYPE_NAMES if t != should)]
        diag.error(
            at,
            f"parameter '{param}' of tool '{tool}' is declared {declared}, but its "
            f"{len(places)} uses take {article} {should} ({first.span}: {first.message}; "
            "the others at "
            f"{first_few([_short(p) for p in places if p != first.span])}); declare it "
            f"'{param}: {should}' (the type names are {', '.join(accepted)})",
        )
        folded = {error for error, _ in found}
        diag.items[:] = [d for d in diag.items if d not in folded]


def _use(loaded: LoadedSpec, resolved: Resolved, error: Diagnostic) -> tuple[str, str, str] | None:
    """The tool, parameter and type a use of a tool parameter takes where ``error`` says it is
    given another type; None for any other error."""
    if match := _TAKES.match(error.message):
        param, tool, declared, given = match.groups()
        params = loaded.spec.tools.get(tool)
        if params is None or param not in params.params or given not in _SCALARS:
            return None
        return (tool, param, given) if params.params[param].type == declared else None
    if match := _KEYED.match(error.message):
        name = _text_at(loaded, error.span)
        for tool in _guarding(resolved, error.span):
            spec = loaded.spec.tools.get(tool)
            if spec is not None and name in spec.params and spec.params[name].type == match[1]:
                return tool, name, "string"
    return None


def _guarding(resolved: Resolved, at: Span) -> list[str]:
    """The tools whose guard blocks hold the place ``at``."""
    out = []
    for tool, guards in resolved.guards.items():
        for guard in guards:
            end = max((s.span.end_line or s.span.line for s in guard.body), default=0)
            if guard.span.path == at.path and guard.span.line <= at.line <= end:
                out.append(tool)
    return out


def _text_at(loaded: LoadedSpec, at: Span) -> str:
    """The text of one line that the span ``at`` covers (a parameter's name)."""
    line = source_line(at) or ""
    end = at.end_col if at.end_col and at.end_line in (None, at.line) else at.col + 1
    return line[at.col - 1 : end - 1]


def _type_span(tools: Mapping[str, object], tool: str, param: str) -> Span | None:
    """Where ``domain.yaml`` writes the type of ``tool``'s parameter ``param``: the short
    form's value (``loan_id: int``) or the long form's ``type:`` value."""
    entry = tools.get(tool)
    params = entry.get("params") if isinstance(entry, MarkedDict) else None
    if not isinstance(params, MarkedDict) or param not in params:
        return None
    declared = params[param]
    if isinstance(declared, MarkedDict) and "type" in declared:
        return declared.value_span("type")
    return params.value_span(param)


def _short(at: Span) -> str:
    """A place named by its file's name alone (the first place names the whole path)."""
    return f"{Path(at.path).name}:{at.line}:{at.col}"
