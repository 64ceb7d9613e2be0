"""The events of a trace a verifier reads: a tool :class:`Call` (its arguments as
:class:`CallArguments`, which name the call in a :class:`MissingArgument`) and a
:class:`Message`."""

from __future__ import annotations

from typing import Any

from eigendsl.support.brief import _brief, _json_text


class Call:
    """One tool call of a trace: what was called, with what, what came back, and when."""

    __slots__ = (
        "tool",
        "args",
        "result",
        "error",
        "position",
        "index",
        "writes",
        "tags",
        "id",
        "named_by",
    )

    def __init__(
        self,
        tool: str,
        args: dict[str, Any],
        result: Any = None,
        error: str | None = None,
        position: int = 0,
        index: int = 0,
        writes: bool = False,
        tags: tuple[str, ...] = (),
        id: str = "",
        named_by: dict[str, Any] | None = None,
    ):
        self.tool, self.args, self.result, self.error = tool, args, result, error
        self.position, self.index, self.writes, self.tags, self.id = (
            position,
            index,
            writes,
            tags,
            id,
        )
        #: How the tool's parameters' ids may be named in words (``named_by`` in domain.yaml,
        #: :func:`~eigendsl.support.naming.naming_sentences`), by parameter: the tool's, not
        #: the call's, so no part of :meth:`to_dict`.
        self.named_by = named_by or {}

    @property
    def ok(self) -> bool:
        return self.error is None

    def __getitem__(self, name: str) -> Any:
        # Verifiers read fields as `c["tool"]`; the analysis admits only field names, so this is
        # a plain attribute read (the hottest line of a verdict).
        if name == "args":
            return CallArguments(self)
        try:
            return getattr(self, name)
        except AttributeError:
            raise KeyError(name) from None

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={_brief(v)}" for k, v in self.args.items())
        return f"{self.tool}({args})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "tool": self.tool,
            "args": self.args,
            "result": self.result,
            "error": self.error,
            "position": self.position,
            "index": self.index,
            "writes": self.writes,
            "tags": list(self.tags),
            "id": self.id,
        }


class CallArguments(dict[str, Any]):
    """A call's arguments as a verifier reads them: ``c.args.plan_id`` of a call that was not
    given ``plan_id`` raises :class:`MissingArgument`, which names the call.

    >>> CallArguments(Call("get_line", {"line_id": "L-1"}))["plan_id"]
    Traceback (most recent call last):
    eigendsl.support.events.MissingArgument: 'plan_id'
    """

    __slots__ = ("call",)

    def __init__(self, call: Call):
        super().__init__(call.args)
        self.call = call

    def __missing__(self, name: str) -> Any:
        raise MissingArgument(name, self.call)


class MissingArgument(KeyError):
    """An argument read from a call that was not given it. Still a ``KeyError`` (a guard that
    reads one is a bug of the spec, as before), with the call to name in a verdict's reason."""

    def __init__(self, name: str, call: Call):
        super().__init__(name)
        self.call = call

    def reason(self) -> str:
        name = self.args[0]
        return (
            f"call {self.call.index + 1}, {self.call!r}, has no argument {_json_text(name)} (a "
            f"call's args are the arguments it was given): read .{name} only of the calls of a "
            "tool that takes it, with a where on the call's tool"
        )


class Message:
    """One message of a trace, with its position among all messages."""

    __slots__ = ("role", "content", "position")

    def __init__(self, role: str, content: str, position: int):
        self.role, self.content, self.position = role, content, position

    def __getitem__(self, name: str) -> Any:
        # Verifiers read fields as `m["role"]`; the analysis admits only field names, so this is
        # a plain attribute read (the hottest line of a verdict).
        try:
            return getattr(self, name)
        except AttributeError:
            raise KeyError(name) from None

    def __repr__(self) -> str:
        return f"{self.role}@{self.position}: {self.content[:60]!r}"
