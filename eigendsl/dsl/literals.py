"""Checks of the literals an expression compares or stores: text that must be a day, one of an
enum's values, a tag some tool declares; and how to write a word as text where the DSL read it
as a name. A mixin of :class:`~eigendsl.dsl.expressions.ExpressionTyper`, whose analyzer sets
the state below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eigendsl.dsl import ast as A
from eigendsl.dsl.types import Type
from eigendsl.errors import Diagnostics, did_you_mean
from eigendsl.support import EvalError, day_of

if TYPE_CHECKING:
    from eigendsl.dsl.analysis import Scope
    from eigendsl.spec import DomainSpec


class LiteralChecks:
    """The literal checks, reporting to ``diag``."""

    diag: Diagnostics
    spec: DomainSpec
    row_types: dict[str, Type]
    tags_named: set[str]  # the tags named in a test of `c.tags` ("auth" in c.tags)

    def text_hint(self, word: str, scope: Scope) -> str:
        """How to write ``word`` as text where it was likely meant as text: in a tool's YAML body,
        whose quotes YAML takes off, or when it is a value of an enum field."""
        if scope.kind == "tool":
            return f"; text is quoted inside the YAML value: '\"{word}\"'"
        enums = [
            f"{table}.{name}"
            for table, t in self.row_types.items()
            for name, field in t.fields or ()
            if field.values and word in field.values
        ]
        return f"; '{word}' is a value of {enums[0]}: quote it, \"{word}\"" if enums else ""

    def date_literal(self, t: Type, other: A.Expr) -> None:
        """Text compared with a date must be a day ("" aside: no date): "June 10" compares as
        text, letter by letter."""
        if t.date and isinstance(other, A.Literal) and isinstance(other.value, str) and other.value:
            try:
                day_of(other.value)
            except EvalError as exc:
                self.diag.error(
                    other.span, f"{exc}; a date compared with other text compares letters, not days"
                )

    def tag_literal(self, e: A.Expr) -> None:
        """A tag tested on a call is one some tool declares: a misspelt one never matches."""
        if not (isinstance(e, A.Literal) and isinstance(e.value, str)):
            return
        self.tags_named.add(e.value)
        tags = sorted({tag for tool in self.spec.tools.values() for tag in tool.tags})
        if e.value not in tags:
            self.diag.error(
                e.span,
                f"no tool has the tag '{e.value}', so no call matches it"
                + did_you_mean(
                    e.value,
                    tags,
                    f"the tools' tags are {', '.join(tags)}"
                    if tags
                    else "tag tools in domain.yaml (tags: [...])",
                ),
            )

    def enum_literal(self, t: Type, other: A.Expr) -> None:
        if t.values and isinstance(other, A.Literal) and isinstance(other.value, str):
            if other.value not in t.values:
                self.diag.error(
                    other.span,
                    f"'{other.value}' is not one of the allowed values ({', '.join(t.values)})"
                    + did_you_mean(other.value, t.values),
                )
