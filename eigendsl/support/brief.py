"""A value written short, as JSON writes it: the text a call's repr, a reason and an error's
sentence give a value (bounded work, even for a whole database)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping
from typing import Any


def _brief(value: Any, depth: int = 2, quote: Callable[[str], str] | None = None) -> str:
    """A value as JSON writes it (``null``, ``["I1"]``, ``"text"``, ``true``), looking at most
    a few entries a few levels deep (cheap on a whole database); ``quote`` writes text another
    way (``repr``, for the sentences of an error that name one value).

    >>> _brief({"items": ["I1", None], "paid": True, "total": 68.1})
    '{"items": ["I1", null], "paid": true, "total": 68.1}'
    """
    quoted = quote or _json_text
    if isinstance(value, Mapping):
        if depth == 0:
            return "{...}" if value else "{}"
        # islice, not list(items)[:3]: a whole table's rows were listed for each reason
        first = list(itertools.islice(value.items(), 4))
        keys = [quoted(k) if isinstance(k, str) else repr(k) for k, _ in first[:3]]
        items = [
            f"{k}: {_brief(v, depth - 1, quote)}" for k, (_, v) in zip(keys, first, strict=False)
        ]
        return "{" + ", ".join(items) + (", ..." if len(first) > 3 else "") + "}"
    if isinstance(value, (list, tuple)):
        if depth == 0:
            return "[...]" if value else "[]"
        items = [_brief(v, depth - 1, quote) for v in value[:4]]
        return "[" + ", ".join(items) + (", ..." if len(value) > 4 else "") + "]"
    if isinstance(value, str):
        return quoted(value[:77] + "..." if len(value) > 80 else value)
    if value is None or isinstance(value, bool):  # as the DSL, YAML and JSON write them
        return _json_text(value)
    return repr(value)


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
