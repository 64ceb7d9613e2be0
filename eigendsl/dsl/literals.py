"""Checks of the literals an expression compares or stores: text that must be a day or a time
of day, one of an
enum's values (in a list written out too), a tag some tool declares, text (not a number) looked
for in text; and how to write a word as text where the DSL read it as a name. A mixin of
:class:`~eigendsl.dsl.expressions.ExpressionTyper`, whose analyzer sets the state below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eigendsl.dsl import ast as A
from eigendsl.dsl.functions import an
from eigendsl.dsl.render import render_expr
from eigendsl.dsl.types import BOOL, FLOAT, INT, NULL, STRING, Type, comparable
from eigendsl.dsl.uses import left_out_said
from eigendsl.errors import Diagnostics, did_you_mean
from eigendsl.support import EvalError, day_of, time_problem

if TYPE_CHECKING:
    from eigendsl.dsl.analysis import Scope
    from eigendsl.spec import DomainSpec


# Other languages' words for the DSL's null, true and false, lower-cased (the DSL's own are
# keywords, never names): a name spelt so meant the DSL's.
OTHER_LANGUAGES_WORDS = {
    "none": "null",
    "nil": "null",
    "null": "null",
    "true": "true",
    "false": "false",
}


def literal_type(value: object) -> Type:
    """The type of a literal's value (``"x"``, ``3``, ``2.5``, ``true``, ``null``)."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOL
    return INT if isinstance(value, int) else FLOAT if isinstance(value, float) else STRING


class LiteralChecks:
    """The literal checks, reporting to ``diag``."""

    diag: Diagnostics
    spec: DomainSpec
    row_types: dict[str, Type]
    tags_named: set[str]  # the tags named in a test of `c.tags` ("auth" in c.tags)

    def name_hint(self, word: str, names: list[str], scope: Scope) -> str:
        """What an unknown name ``word`` was likely meant as, among the ``names`` visible here:
        another language's null, true or false (None, nil, True), a name, or text."""
        if word.lower() in OTHER_LANGUAGES_WORDS:
            return f"; the DSL writes it {OTHER_LANGUAGES_WORDS[word.lower()]}"
        said = f"names here are {', '.join(names)}"
        # a constant left out for a syntax error in its declaration is a likely meaning too
        hint = self.diag.did_you_mean("let", word, names, said)
        left = left_out_said(self.diag, ("let",), "the constant")
        if left and "was left out" not in hint:
            hint += f"; {left}"
        return hint + self.text_hint(word, scope)

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

    def time_literal(self, t: Type, other: A.Expr) -> None:
        """Text compared with a time of day must be one written HH:MM ("" aside): "9:30"
        compares as text, letter by letter, after "10:00"."""
        if t.time and isinstance(other, A.Literal) and isinstance(other.value, str) and other.value:
            if (problem := time_problem(other.value)) is not None:
                self.diag.error(
                    other.span,
                    f"{problem}; a time compared with other text compares letters, not times",
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

    def item_literal(self, t: Type, other: A.Expr) -> None:
        """Text compared with a value of type ``t`` is one such a value can be: an enum's
        value, a day, a time of day."""
        self.enum_literal(t, other)
        self.date_literal(t, other)
        self.time_literal(t, other)

    def listed_literals(self, t: Type, items: A.ListLit) -> None:
        """Each literal of a list written out that a value of type ``t`` is looked for in is
        one such a value can be, as ``==`` would check it: a misspelt enum value or a number
        among an enum's values never matches."""
        for item in items.items:
            if not isinstance(item, A.Literal):
                continue
            if not comparable(t, literal_type(item.value)):
                each = f"one of its values ({', '.join(t.values)})" if t.values else an(t)
                self.diag.error(
                    item.span,
                    f"{an(t)} can never be {render_expr(item)}: each value of the list is "
                    f"compared with it, so write each as {each}",
                )
            else:
                self.item_literal(t, item)

    def number_in_text(self, side: A.Expr, t: Type) -> None:
        """A number looked for in text is matched as digits anywhere in it (the 5 of 15 or of
        L5017; 5.0 is not in "5"): written out, it is text that was meant (an error); read from
        elsewhere, it may be meant (a warning)."""
        if t.kind not in ("int", "float"):
            return
        if isinstance(side, A.Literal):
            self.diag.error(
                side.span,
                f"text is searched for text, but {render_expr(side)} is a number: quote it, "
                f'"{render_expr(side)}" (or use said / user_said, which find a number said as a '
                "number, not the digits of another one)",
            )
        else:
            self.diag.warning(
                side.span,
                f"this is {an(t)}, looked for in text as its digits anywhere (the 5 of 15, and "
                f"40.0 is not in $40): write str({render_expr(side)}) if that is meant, or use "
                "said / user_said, which find a number said as a number",
            )


def written_number(e: A.Expr) -> float | None:
    """The number ``e`` writes out (``2``, ``-0.5``, ``(0)``); None if it is no number literal."""
    if isinstance(e, A.Unary) and e.op == "-":
        value = written_number(e.operand)
        return None if value is None else -value
    if isinstance(e, A.Literal) and isinstance(e.value, (int, float)):
        return None if isinstance(e.value, bool) else e.value
    return None


def is_zero(e: A.Expr) -> bool:
    """Whether ``e`` is the number 0 written out (``0``, ``0.0``, ``-0``, ``(0)``)."""
    return written_number(e) == 0
