"""A tool's name misspelt where ``domain.yaml`` declares it, found from its uses.

A key ``find_user_id_by_emial`` under ``tools:`` is a sound tool of its own; what is wrong shows
only where the checker and task files call ``find_user_id_by_email``, each an "unknown tool"
error that suggests the misspelling (18 of them in retail, none at the key). When two places
or more name one unknown tool, the same way, and the declared tool closest to it is named by no
checker or task file, the key is the likelier mistake: :func:`check_tool_keys` reports it there,
with the name its uses agree on, and their errors are its consequences (not shown, as those of
a tool left out for an error in its entry are not: :meth:`Diagnostics.left_out`).
"""

from __future__ import annotations

import re

from eigendsl.errors import Diagnostic, Diagnostics, closest
from eigendsl.loader import LoadedSpec
from eigendsl.yamlload import MarkedDict

#: How each stage calls a tool unknown ("gold step 1 calls unknown tool 'x'; did you mean...").
_UNKNOWN_TOOL = re.compile(r"unknown tool '([^']+)'")


def check_tool_keys(loaded: LoadedSpec, diag: Diagnostics) -> None:
    """An error at each tool key of ``domain.yaml`` that its uses, all spelt alike, name
    otherwise (see the module's docstring); the errors at those uses are then not shown."""
    tools = loaded.raw.get("tools")
    if not isinstance(tools, MarkedDict):
        return
    uses: dict[str, list[Diagnostic]] = {}
    for error in diag.errors:
        match = _UNKNOWN_TOOL.search(error.message)
        if match and match.group(1) not in loaded.spec.tools:
            uses.setdefault(match.group(1), []).append(error)
    if not uses:
        return
    not_uses = ("domain.yaml", loaded.spec.database.seed)
    texts = [
        content.decode("utf-8", errors="replace")
        for relative, content in loaded.inputs.items()
        if relative.endswith((".chk", ".yaml", ".yml")) and relative not in not_uses
    ]
    for name, found in sorted(uses.items()):
        key = closest(name, list(loaded.spec.tools))
        places = {error.span for error in found}
        if key is None or len(places) < 2 or diag.is_left_out("tool", name):
            continue  # one use may be the misspelling; its own error says so
        if any(re.search(rf"\b{re.escape(key)}\b", text) for text in texts):
            continue  # the key is used as written: the uses of the other name are wrong
        first = min(places, key=lambda span: (span.path, span.line, span.col))
        diag.error(
            tools.position(key),
            f"tool '{key}' is named by no checker or task file, while {len(places)} places "
            f"name the tool '{name}', which the spec does not declare (the first at {first}); "
            f"did you mean '{name}'? Rename this tool to it, or those places to '{key}'",
        )
        diag.left_out("tool", name)  # their errors are this one's consequences
