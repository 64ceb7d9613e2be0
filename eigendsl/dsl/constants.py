"""The spec's constants: ``let NAME = expr`` outside any declaration.

A constant is bound once for the whole spec, in the order of the files and then of the lines,
and every guard, rule, check, block and declared tool's body reads it (a constant reads the
constants above it). Its
expression is the same in every episode: literals, operators, functions and earlier constants,
never the database, the trace, the conversation, a parameter or the domain's clock. No name
bound elsewhere (a parameter, a let, a variable, a tool's argument in a guard or a declared
body) may take a
constant's name: the reader would take the one for the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eigendsl.dsl import ast as A
from eigendsl.dsl.lets import PROVIDED, name_taken
from eigendsl.dsl.proposals import PROPOSAL_FUNCTIONS
from eigendsl.dsl.types import ANY, Type
from eigendsl.errors import Diagnostics, Span

if TYPE_CHECKING:  # analysis.py imports this module: a runtime import back would be circular
    from eigendsl.dsl.analysis import Resolved, Scope


class ConstantChecker:
    """The checks of the spec's constants, for the :class:`~eigendsl.dsl.analysis.Analyzer`."""

    # Analyzer.__init__ sets these: the analysis state belongs to the analyzer.
    resolved: Resolved
    diag: Diagnostics
    constant_types: tuple[tuple[A.Constant, Type], ...]
    let_reads: set[A.Let]

    if TYPE_CHECKING:  # the expression typer's, a later base of the Analyzer

        def infer(self, expr: A.Expr, scope: Scope) -> Type: ...

    def spec_constants(self, constants: list[A.Constant]) -> None:
        """Check ``constants`` in the order they are bound, and make them visible."""
        from eigendsl.dsl.analysis import Scope  # a cycle at import time, not at run time

        bound: list[tuple[A.Constant, Type]] = []
        for index, constant in enumerate(constants):
            scope = Scope(
                "constant",
                (),
                constants=tuple(bound),
                pending=tuple(constants[index:]),
                defining=constant,
            )
            first = self.resolved.spec_constants.get(constant.name)
            taken = name_taken(constant.name, scope)
            reads = _episode_reads(constant.expr)
            for node, what in reads:
                self.diag.error(
                    node.span,
                    f"a constant is the same in every episode, so its expression reads only "
                    f"literals, operators, functions and the constants above it, but {what}; "
                    "bind it with a let in the check, rule or block that needs it",
                )
            t = ANY if reads else self.infer(constant.expr, scope)
            if first is not None:
                self.diag.error(
                    constant.name_span,
                    f"constant '{constant.name}' is declared twice (first at "
                    f"{first.name_span}); rename one, or remove one",
                )
            elif taken is not None:
                self.diag.error(constant.name_span, taken)
            else:
                self.resolved.spec_constants[constant.name] = constant
                bound.append((constant, t))
        self.constant_types = tuple(bound)

    def hidden_constant(self, name: str, span: Span, what: str, kind: str) -> None:
        """An error at ``span`` when ``name`` (``what``: "this parameter is") is a constant's:
        in a ``kind`` declaration, it would hide the constant."""
        constant = self.resolved.spec_constants.get(name)
        if constant is not None:
            self.diag.error(
                span,
                f"{what} named '{name}' like the constant at {constant.name_span}, which it "
                f"would hide in this {kind}; rename one of them",
            )

    def unread_constants(self) -> None:
        for constant in self.resolved.spec_constants.values():
            if constant not in self.let_reads:
                self.diag.warning(
                    constant.name_span,
                    f"constant '{constant.name}' is read by no guard, rule, check, block, "
                    "constant, declared tool's body or template parameter's source; read it, "
                    "or remove it",
                )


def _episode_reads(expr: A.Expr) -> list[tuple[A.Node, str]]:
    """The parts of ``expr`` that read an episode (or the domain's clock), with what they read."""
    found: list[tuple[A.Node, str]] = []
    for node in A.walk(expr):
        if isinstance(node, A.Name) and node.id in PROVIDED:
            found.append((node, f"'{node.id}' is {PROVIDED[node.id]}"))
        elif isinstance(node, A.Called):
            found.append((node, "'called' reads the episode's tool calls"))
        elif isinstance(node, A.Said):
            word = "said" if node.role == "assistant" else "user_said"
            found.append((node, f"'{word}' reads the episode's messages"))
        elif isinstance(node, A.Func) and node.name in PROPOSAL_FUNCTIONS:
            found.append((node, f"{node.name}() reads the episode's messages"))
    return found
