"""How deep a checker expression may nest, and the errors of one nested deeper.

The stages after the parser recurse into expressions (the analysis, the code generator, Python's
own compiler), so the parser refuses a statement past :data:`MAX_DEPTH` levels and builds a long
and/or chain as a balanced tree; a stage that runs out of recursion all the same reports the
deepest statement (:func:`too_deep_as_error`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from eigendsl.dsl import ast as A
from eigendsl.errors import Diagnostic, EigenError, Span

# An and/or chain of up to this many terms nests to the left, as written; a longer one is built
# as a balanced tree, so that a chain of hundreds of terms nests only a few levels (the analysis,
# the code generator and Python's own compiler all recurse into nested expressions).
LONG_CHAIN = 32
# The deepest expression a statement may hold. The stages after the parser recurse (Python's
# recursion limit), and generated code may open two or three brackets a level (Python's parser
# refuses more than 200 nested brackets).
MAX_DEPTH = 64


def expression_depth(node: A.Node) -> int:
    """How many levels ``node``'s tree nests (1 for a name or a literal), counted without
    recursion, so that it works on the deepest tree.

    >>> expression_depth(A.Unary(Span("x", 1, 1), "not", A.Name(Span("x", 1, 5), "ok")))
    2
    """
    deepest = 0
    stack = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        for value in vars(current).values():
            children = value if isinstance(value, tuple) else (value,)
            stack.extend((child, depth + 1) for child in children if isinstance(child, A.Node))
    return deepest


def too_deep(span: Span, depth: int, fix: str = "split it into several statements") -> Diagnostic:
    """The error for an expression nested ``depth`` levels, too deep to compile."""
    limit = f"; EigenDSL compiles up to {MAX_DEPTH}" if depth > MAX_DEPTH else ""
    return Diagnostic(span, f"this expression is nested too deeply ({depth} levels{limit}); {fix}")


def deepest_statement(modules: Sequence[A.Module], fallback: Span) -> Diagnostic:
    """The error for a stage that ran out of Python's recursion limit all the same: at the most
    deeply nested statement of ``modules`` (at ``fallback`` when they have none)."""
    statements = [
        s
        for m in modules
        for d in m.declarations
        for s in (d.body if not isinstance(d, A.Constant) else (d,))
    ]
    if not statements:
        return Diagnostic(fallback, "an expression is nested too deeply to compile; simplify it")
    deepest = max(statements, key=expression_depth)
    return too_deep(deepest.span, expression_depth(deepest) - 1)  # less the statement itself


@contextmanager
def too_deep_as_error(modules: Sequence[A.Module], fallback: Span) -> Iterator[None]:
    """Report a :class:`RecursionError` of the code inside as :func:`deepest_statement`.

    :data:`MAX_DEPTH` is meant to keep it from happening; this is what the user sees if it does.
    """
    try:
        yield
    except RecursionError:
        raise EigenError(deepest_statement(modules, fallback)) from None
