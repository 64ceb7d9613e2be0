"""What of a malformed spec file a compile can still check: the broken parts cut out of it.

A tool entry that is a string, ``tables:`` written as text, a field of a misspelt type: each
is an error, and the rest of the file is sound. :func:`cut_broken_parts` takes pydantic's errors
and leaves out, in the YAML as loaded, the smallest part that holds each of them, as a rule of
:data:`DOMAIN_CUTS` or :data:`TASK_CUTS` says, so that the file validates again and the stages
after it check everything else in the same compile. A part left out leaves its names unknown
(the tool ``get_order``, every table): :meth:`Diagnostics.left_out` records them, and what then
calls them unknown is not reported, being only the first error's consequence.

>>> from eigendsl.yamlload import loads
>>> raw = loads("tools:\\n  a: {description: A}\\n  b: oops\\n", "domain.yaml")
>>> diag = Diagnostics()
>>> cut_broken_parts([(("tools", "b"), "value")], raw, DOMAIN_CUTS, diag)
[('tools', 'b')]
>>> list(raw["tools"])
['a']
>>> diag.error(Span("a.chk", 3, 5), "unknown tool 'b'")  # b is left out: its own error says why
>>> diag.error(Span("a.chk", 4, 5), "no tool has the tag 'refund'")  # b's tags are unread
>>> diag.error(Span("a.chk", 5, 5), "unknown tool 'c'")
>>> diag.raise_if_errors()
Traceback (most recent call last):
  ...
eigendsl.errors.EigenError: a.chk:5:5: unknown tool 'c'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from eigendsl.errors import Diagnostics, Span
from eigendsl.yamlload import MarkedDict, MarkedList

#: A part of a path that matches any key or index.
EACH = "*"


class _LeftOut:
    """The :attr:`Cut.becomes` that removes the part (its default, if it has one, applies)."""

    def __repr__(self) -> str:
        return "LEFT_OUT"


LEFT_OUT: Any = _LeftOut()


@dataclass(frozen=True)
class Cut:
    """What is cut out of a file for an error at or under the place ``at``.

    ``becomes`` is what takes the part's place (a fresh copy each time; a function makes it of
    what was written there), or :data:`LEFT_OUT`.
    The cut leaves unknown the part's own name (its key: the tool ``get_order``) as each kind
    in ``unknown``, and every name of each kind in ``unknown_all`` (every tag, where a tool
    whose tags could not be read is left out).
    """

    at: tuple[str, ...]
    becomes: Any = LEFT_OUT
    unknown: tuple[str, ...] = ()
    unknown_all: tuple[str, ...] = ()

    def matches(self, loc: tuple[Any, ...]) -> bool:
        return len(loc) >= len(self.at) and all(
            want in (EACH, got) for want, got in zip(self.at, loc, strict=False)
        )


def _any_type(written: Any) -> dict[str, Any]:
    """A value whose type could not be read: it takes anything, so what reads it is still
    checked and nothing it holds is called wrong. It is optional as written (``string?``,
    ``optional: true``), and where that cannot be read either, optional: nothing is required
    of it that it may not require.

    >>> _any_type("strng?"), _any_type({"type": "enum", "default": "a"})
    ({'type': 'any', 'optional': True}, {'type': 'any', 'optional': False, 'default': 'a'})
    """
    if isinstance(written, str):
        return {"type": "any", "optional": written.endswith("?")}
    if not isinstance(written, dict):
        return {"type": "any", "optional": True}
    optional = written.get("optional", False)
    default = {"default": written["default"]} if "default" in written else {}
    return {"type": "any", "optional": optional if isinstance(optional, bool) else True, **default}


#: domain.yaml, most specific first: a field or tool parameter whose type is broken becomes a
#: value of any type; any other error leaves out the table or tool that holds it; a broken
#: section leaves all of its names unknown. The policy and the seed data are not read where
#: their place is cut (:func:`cut_at`).
DOMAIN_CUTS = (
    Cut(("database", "tables", EACH, "fields", EACH), _any_type),
    Cut(("database", "tables", EACH), unknown=("table",)),
    Cut(("database", "tables"), {}, unknown_all=("table",)),
    Cut(("database", "seed"), ""),
    Cut(("database",), {"seed": "", "tables": {}}, unknown_all=("table",)),
    Cut(("tools", EACH, "params", EACH), _any_type),
    Cut(("tools", EACH), unknown=("tool",), unknown_all=("tag",)),
    Cut(("tools",), {}, unknown_all=("tool", "tag")),
    # the checker files are not found: no check or rule is known
    Cut(("checkers",), [], unknown_all=("check", "rule")),
    Cut(("tasks",), []),
    Cut(("name",), "domain"),
    Cut(("policy",), ""),
    Cut(("today",), unknown=("setting",)),
    Cut(("now",), unknown=("setting",)),
    Cut((EACH,)),  # the other sections have defaults
)

#: A task file: an error leaves out the template or the task that holds it.
TASK_CUTS = (
    Cut(("templates", EACH), unknown=("template",)),
    Cut(("templates",), {}, unknown_all=("template",)),
    Cut(("tasks", EACH)),
    Cut(("tasks",), []),
    Cut((EACH,)),
)


def cut_broken_parts(
    errors: Iterable[tuple[tuple[Any, ...], str]],
    raw: MarkedDict,
    cuts: tuple[Cut, ...],
    diag: Diagnostics,
    removed: list[tuple[Any, ...]] | None = None,
) -> list[tuple[Any, ...]]:
    """Cut out of ``raw`` (in place) the part that holds each error, given as its path and what
    is wrong there: ``value``, the ``key`` that ends the path (a tool's name), or an ``extra``
    key; the places cut (none where no rule covers an error). ``removed`` gets those of them
    left out (:data:`LEFT_OUT`), not given another value."""
    places: dict[tuple[Any, ...], Cut] = {}
    renamed: set[tuple[Any, ...]] = set()  # parts whose own name is wrong
    for loc, what in errors:
        loc = plain_path(loc)
        owner = _holder(raw, loc[:-1])
        if what == "extra" and isinstance(owner, MarkedDict) and loc[-1] not in owner.bare_keys:
            # an unknown key alone (not a piece of a value cut at a comma, {a: one, two}, which
            # leaves that value wrong too): without it, the rest was validated and is sound
            places[loc] = Cut(loc)
            continue
        key = what != "value"
        cut = next((c for c in cuts if c.matches(loc) and not (key and _replaces(c, loc))), None)
        if cut is not None:
            places.setdefault(loc[: len(cut.at)], cut)
            if key and len(loc) == len(cut.at):
                renamed.add(loc)
    # a part inside another part cut goes with it; list items go last to first
    done = []
    for place in sorted(places, key=lambda p: (len(p), _order(p)), reverse=True):
        if any(place[: len(other)] == other for other in places if len(other) < len(place)):
            continue
        if _apply(raw, place, places[place], diag, place in renamed):
            done.append(place)
            if removed is not None and places[place].becomes is LEFT_OUT:
                removed.append(place)
    return sorted(done, key=_order)


def plain_path(loc: Iterable[Any]) -> tuple[Any, ...]:
    """A pydantic error's path without the names of the validators on the way."""
    return tuple(p for p in loc if not (isinstance(p, str) and p.startswith("function-")))


def follows_from_cuts(
    place: tuple[Any, ...], done: list[tuple[Any, ...]], removed: list[tuple[Any, ...]]
) -> bool:
    """Whether an error found at ``place`` once the parts ``done`` were cut may be only their
    consequence: it lies in a part cut (what took its place, a required part now missing), or
    in a part that held one left out (a tool whose unknown key 'pyhton' is gone has no
    implementation). Elsewhere it was hidden behind the first errors (pydantic checks a
    tool's implementation only once its parameters are sound), and is the spec's own.

    >>> follows_from_cuts(("tools", "a"), [("tools", "a", "pyhton")], [("tools", "a", "pyhton")])
    True
    >>> follows_from_cuts(("tools", "a"), [("tools", "a", "params", "x")], [])
    False
    """
    for cut in done:
        # the items after an item left out of a list moved up: its index is another item's now
        moved = cut in removed and isinstance(cut[-1], int)
        if not moved and place[: len(cut)] == cut:
            return True
    return any(len(place) < len(cut) and cut[: len(place)] == place for cut in removed)


def cut_at(done: Iterable[tuple[Any, ...]], *place: str) -> bool:
    """Whether a place cut is ``place`` or holds it."""
    return any(place[: len(cut)] == cut for cut in done)


def _replaces(cut: Cut, loc: tuple[Any, ...]) -> bool:
    """A cut that puts a value in place of the key ``loc`` names: a wrong name stays wrong."""
    return cut.becomes is not LEFT_OUT and len(loc) == len(cut.at)


def _order(place: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple(f"{p:09d}" if isinstance(p, int) else str(p) for p in place)


def _holder(raw: Any, path: tuple[Any, ...]) -> Any:
    node = raw
    for part in path:
        try:
            node = node[part]
        except (LookupError, TypeError):
            return None
    return node


def _apply(
    raw: MarkedDict, place: tuple[Any, ...], cut: Cut, diag: Diagnostics, renamed: bool
) -> bool:
    """Cut ``place`` out of ``raw``; ``renamed``: its name is what is wrong, and the names that
    it is used by may be any (``get_order`` for ``get-order``)."""
    owner, key = _holder(raw, place[:-1]), place[-1]
    if isinstance(owner, MarkedList) and isinstance(key, int) and 0 <= key < len(owner):
        if cut.becomes is not LEFT_OUT:
            owner[key] = _marked(_value(cut, owner[key]), owner.position(key))
        else:
            del owner[key], owner.item_spans[key : key + 1], owner.item_styles[key : key + 1]
    elif isinstance(owner, MarkedDict):
        if cut.becomes is not LEFT_OUT:
            owner[key] = _marked(_value(cut, owner.get(key)), owner.value_span(key))
        elif key in owner:
            del owner[key]
        else:
            return False  # a required part missing, which no rule gives a value
    else:
        return False
    for kind in cut.unknown:
        diag.left_out(kind, None if renamed else str(key))
    for kind in cut.unknown_all:
        diag.left_out(kind)
    return True


def _value(cut: Cut, written: Any) -> Any:
    return cut.becomes(written) if callable(cut.becomes) else cut.becomes


def _marked(value: Any, span: Span) -> Any:
    """A fresh copy of ``value`` whose mappings and lists point at ``span``."""
    if isinstance(value, dict):
        marked = MarkedDict({k: _marked(v, span) for k, v in value.items()})
        marked.span = span
        marked.key_spans = dict.fromkeys(value, span)
        marked.value_spans = dict.fromkeys(value, span)
        return marked
    if isinstance(value, list):
        items = MarkedList(_marked(v, span) for v in value)
        items.span = span
        items.item_spans = [span] * len(value)
        items.item_styles = [None] * len(value)
        return items
    return value
