"""Where in a spec's YAML a validation error points: the entry a pydantic error path reaches
(:func:`locate`), and why an unknown key in a ``{…}`` mapping is there (:func:`comma_hint`)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from eigendsl.errors import Span
from eigendsl.yamlload import MarkedDict, MarkedList


def locate(root: Any, loc: Iterable[Any], fallback: Span, value: bool = False) -> Span:
    """The span of the deepest container entry reachable along ``loc`` (a pydantic error path).

    With ``value``, an entry whose value is a scalar is located at the value, not at its key
    (``per_template: two`` points at ``two``).
    """
    span = getattr(root, "span", fallback)
    node = root
    loc = list(loc)
    for depth, key in enumerate(loc):
        if isinstance(node, (MarkedDict, MarkedList)):
            try:
                present = key in node if isinstance(node, MarkedDict) else 0 <= int(key) < len(node)
            except (TypeError, ValueError):
                present = False
            if not present:
                return span
            parent = node
            span = node.position(key) if isinstance(node, MarkedDict) else node.position(int(key))
            node = node[key] if isinstance(node, MarkedDict) else node[int(key)]
            if value and depth == len(loc) - 1 and not isinstance(node, (MarkedDict, MarkedList)):
                return parent.value_span(key if isinstance(parent, MarkedDict) else int(key))
            if isinstance(node, (MarkedDict, MarkedList)) and isinstance(node, MarkedList):
                span = node.span if not node else span
        else:
            return span
    return span


def comma_hint(root: Any, loc: Iterable[Any]) -> str:
    """Why an unknown key that is a bare word in a ``{…}`` mapping is there: a comma inside the
    value before it, which YAML reads as the end of that entry ('' when it is not so). The pieces
    of one value cut at several commas all get the same sentence."""
    *path, key = loc
    owner = root
    for part in path:
        try:
            owner = owner[part]
        except (LookupError, TypeError):
            return ""
    if not isinstance(owner, MarkedDict) or key not in owner.bare_keys:
        return ""
    keys = list(owner)
    first = keys.index(key)
    while first > 0 and keys[first] in owner.bare_keys:
        first -= 1  # back over the other pieces of the same value ("a, b, c")
    start = keys[first]
    if start in owner.bare_keys or not isinstance(owner[start], str):
        return f"unknown key '{key}': inside {{ }} a comma ends an entry; quote a value with one"
    pieces = itertools.takewhile(lambda k: k in owner.bare_keys, keys[first + 1 :])
    whole = ", ".join([owner[start], *map(str, pieces)])
    return (
        f"the value of '{start}' ends at a comma: inside {{ }} a comma ends an entry and what "
        f"follows it reads as a key; quote the value: {start}: {whole!r}"
    )
