"""Generate the code of a policy rule's statements once, as a function of
``verifiers/blocks.py`` that each ``use`` of the rule calls, and the rule's own verdict too.

The function, ``policy_rule_<name>``, takes the trace and the verdict's counts (and gives them
back), as a block's function does (:mod:`eigendsl.codegen.blocks`). A rule takes no arguments
and reads no name of the check that uses it, so its code is the same at every use: no use keeps
its statements written out. Its failures read as where they were written out: the reason starts
with ``policy rule <name>: ``, the text of a statement of a rule a block uses ends with the
blocks and uses it stands in (`` (in block b, used at f.chk:3)``). Only the function of a rule
some block uses takes that text, ``_within`` ("" where a check uses it); the others' texts are
constants.

The functions stand beside the blocks' rather than in ``rules.py`` because a block may use a
rule and a rule may use a block: in two modules, each would import the other.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace

from eigendsl.codegen.blocks import (
    TRACE_PARTS,
    BlockCompiler,
    Place,
    StatementCode,
    text_of,
)
from eigendsl.codegen.pyexpr import ExprCompiler, const, name
from eigendsl.codegen.pymodule import assign, attribute, function_def, without_unused_bindings
from eigendsl.dsl import ast as A
from eigendsl.dsl.render import render_statement

# The helpers of a rule's function that a block uses: its caller's `_within` is "" outside any
# block, where a statement's text ends with nothing.
WITHIN_HELPERS = {
    "_in": function_def(
        "_in",
        ["within"],
        ast.parse("return ' (in ' + within + ')' if within else ''").body,
        "` (in block b, used at f.chk:3)`: where a rule's statement is judged, if in a block.",
    ),
    "_inside": function_def(
        "_inside",
        ["used", "within"],
        ast.parse("return used + '; ' + within if within else used").body,
        "The block ``used`` (and its use) in a rule's function, then the caller's blocks.",
    ),
}


@dataclass
class RuleFunction:
    """A rule's function and what a use counts of it."""

    function: ast.FunctionDef
    hard: int
    soft: float
    notes: bool
    within: bool  # takes `_within`: some block uses the rule


class RuleCompiler(BlockCompiler):
    """The ``use`` of a rule, for :class:`eigendsl.codegen.statements.StatementCompiler`."""

    rule_functions: dict[str, RuleFunction]

    def _use_rule(self, stmt: A.Use, comp: ExprCompiler, at: Place) -> StatementCode:
        """A call of the function of the rule ``stmt`` uses, after a marker of the use."""
        span = stmt.span
        marker = f"{self.relative(span.path)}:{span.line}:{span.col}: {render_statement(stmt)}"
        code = self.rule_code(stmt.name, comp, replace(at, rule=stmt.name, caller_rule=False))
        code.body.insert(0, ast.Expr(value=const(marker)))
        return code

    def rule_code(self, rule: str, comp: ExprCompiler, at: Place) -> StatementCode:
        """The code of ``rule``'s statements judged at ``at``, in a function ``comp`` compiles:
        ``_hard, _soft = policy_rule_x(trace, _failures, _hard, _soft[, _within])``, which
        counts them into the caller's verdict and reads none of its names (tests write the
        statements out here instead, with ``comp``, to compare the verdicts)."""
        function = self.rule_function(rule)
        counts = ["_failures", *(["_notes"] if function.notes else []), "_hard", "_soft"]
        within = [text_of(at.within_text())] if function.within else []
        call_ = ast.Call(
            func=name(function.function.name),
            args=[name("trace"), *map(name, counts), *within],
            keywords=[],
        )
        target = ast.Tuple(
            elts=[name("_hard", ast.Store()), name("_soft", ast.Store())], ctx=ast.Load()
        )
        body: list[ast.stmt] = [ast.Assign(targets=[target], value=call_, lineno=0)]
        return StatementCode(body, function.hard, function.soft, function.notes)

    def rule_function(self, rule: str) -> RuleFunction:
        """The function of ``rule``, built the first time a use (or its verdict) asks."""
        if rule in self.rule_functions:
            return self.rule_functions[rule]
        decl = self.resolved.rules[rule]
        in_blocks = any(
            isinstance(s, A.Use) and s.name == rule
            for block in self.resolved.blocks.values()
            for s in block.body
        )
        comp = self.compiler()
        at = Place(rule=rule, caller_within=in_blocks, caller_outside=in_blocks)
        code = self.gathered(decl.body, comp, at)
        body = [*comp.prelude, *code.body]
        body.append(
            ast.Return(value=ast.Tuple(elts=[name("_hard"), name("_soft")], ctx=ast.Load()))
        )
        bindings = [assign(n, attribute("trace", n)) for n in TRACE_PARTS]
        counts = ["_failures", *(["_notes"] if code.notes else []), "_hard", "_soft"]
        doc = f"Policy rule '{rule}' ({self.relative(decl.span.path)}:{decl.span.line})."
        function = function_def(
            f"policy_rule_{rule}",
            ["trace", *counts, *(["_within"] if in_blocks else [])],
            without_unused_bindings(bindings, body) + body,
            doc,
        )
        made = RuleFunction(function, code.hard, code.soft, code.notes, in_blocks)
        self.rule_functions[rule] = made
        return made

    def blocks_module_body(self) -> list[ast.stmt]:
        """The blocks' functions and the rules', with the helpers they call (none: no module)."""
        body = super().blocks_module_body()
        rules = [f.function for _, f in sorted(self.rule_functions.items())]
        if not rules:
            return body
        read = {n.id for f in (*body, *rules) for n in ast.walk(f) if isinstance(n, ast.Name)}
        helpers = [f for helper, f in WITHIN_HELPERS.items() if helper in read]
        return [*helpers, *body, *rules]

    def called_functions(self) -> set[str]:
        """The names of the functions ``verifiers/blocks.py`` defines for the uses."""
        return {f"block_{b}" for b in self.functions} | {
            f.function.name for f in self.rule_functions.values()
        }
