"""``use``: a rule's statements, or a block's, judged where the ``use`` stands.

A check uses rules and blocks; a rule and a block use blocks (a block may use rules too, when
no rule reaches it); a guard uses nothing (it refuses a call before it runs, with statements of
its own). ``use name(a, b)`` gives a block its arguments, each read where the use stands and
checked against the type of its parameter. A block that uses itself, directly or through other
blocks, is an error that names the cycle: its statements are written out at each use, so the
writing would never end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eigendsl.dsl import ast as A
from eigendsl.dsl.functions import an
from eigendsl.dsl.types import ANY, Type, assignable
from eigendsl.errors import Diagnostics

if TYPE_CHECKING:  # analysis.py imports this module: a runtime import back would be circular
    from eigendsl.dsl.analysis import Resolved, Scope


def left_out_said(diag: Diagnostics, kinds: tuple[str, ...], what: str = "") -> str:
    """The names of ``kinds`` left out for an error, each with the error it was left out for,
    as a clause ("" when none was); ``what`` goes before them (``the constant``).

    >>> from eigendsl.errors import Span
    >>> diag = Diagnostics()
    >>> diag.left_out("rule", "r", Span("a.chk", 2, 7))
    >>> diag.left_out("block", "b", Span("a.chk", 5, 1))
    >>> left_out_said(diag, ("rule", "block"))
    'b was left out for the syntax error at a.chk:5:1, r for the syntax error at a.chk:2:7'
    """
    left = sorted({(n, k) for k in kinds for n in diag.left_out_names.get(k, [])})
    said = [f"{n} for {diag.left_out_for(k, n)}" for n, k in left]
    if not said:
        return ""
    first = said[0].replace(" for ", " was left out for ", 1)
    return ", ".join([f"{what} {first}".lstrip(), *said[1:]])


# The declarations that share one namespace: `use NAME` must say which one it means.
USE_KINDS = ("rule", "check", "block")


class UseChecker:
    """The checks of ``use`` statements, for the :class:`~eigendsl.dsl.analysis.Analyzer`."""

    # Analyzer.__init__ sets these: the analysis state belongs to the analyzer.
    resolved: Resolved
    diag: Diagnostics
    block_uses: dict[str, list[A.Use]]  # a block's uses (of blocks and rules), by block
    rule_uses: list[A.Use]  # the uses of blocks in rules
    blocks_used: set[str]  # the blocks some check, rule or block uses
    param_reads: set[tuple[str, str]]  # (block, parameter) read in the block

    if TYPE_CHECKING:  # the expression typer's, a later base of the Analyzer

        def infer(self, expr: A.Expr, scope: Scope) -> Type: ...

    def use(self, stmt: A.Use, scope: Scope, uses: dict[str, A.Use], decl: str, name: str) -> None:
        """A ``use`` in a declaration of kind ``decl`` (a block: named ``name``); ``uses``
        holds the declaration's earlier uses of rules, by rule."""
        target = stmt.name
        if decl == "guard":
            self.diag.error(
                stmt.span,
                "'use' is not available in a guard (a guard refuses a call before it runs, sees "
                "no conversation, and writes its statements itself); write the statements in "
                "the guard",
            )
            return
        if target in self.resolved.blocks:
            self.blocks_used.add(target)
            self._arguments(stmt, scope)
            if decl == "block":
                self.block_uses.setdefault(name, []).append(stmt)
            elif decl == "rule":
                self.rule_uses.append(stmt)
            return
        for arg in stmt.args or ():
            self.infer(arg, scope)
        checks_left_out = self.diag.left_out_names.get("check", [])
        if target in self.resolved.rules:
            self._rule(stmt, uses, decl, name)
        elif target in self.resolved.checks or target in checks_left_out:
            # a check left out for its error is no unknown name: it is still a check
            left = f" (left out for {self.diag.left_out_for('check', target)})"
            self.diag.error(
                stmt.span,
                f"'{target}' is a check{left if target in checks_left_out else ''}; 'use' takes "
                "a rule (declared with 'rule') or a block (declared with 'block')",
            )
        else:
            known = [*self.resolved.rules, *self.resolved.blocks]
            hint = self.diag.did_you_mean(("rule", "block"), target, known)
            self.diag.error(
                stmt.span, f"unknown rule or block '{target}'{hint or '; ' + self._declared()}"
            )

    def _declared(self) -> str:
        """The rules and blocks a ``use`` may name, in words."""
        kinds = (("rules", self.resolved.rules), ("blocks", self.resolved.blocks))
        named = [f"{kind} are {', '.join(sorted(names))}" for kind, names in kinds if names]
        # a declaration with a syntax error declares nothing
        named += filter(None, [left_out_said(self.diag, ("rule", "block"))])
        return "; ".join(named) or "this spec declares no rule and no block"

    def _rule(self, stmt: A.Use, uses: dict[str, A.Use], decl: str, name: str) -> None:
        target = stmt.name
        if stmt.args is not None:
            self.diag.error(
                stmt.span,
                f"rule '{target}' takes no arguments (a rule is judged the same way in every "
                f"task); write 'use {target}', or make it a block to give it arguments",
            )
        if decl == "rule":
            self.diag.error(
                stmt.span,
                "a rule cannot use a rule (each rule is judged on its own, in every task); "
                "put the statements they share in a block, and use it in both",
            )
        elif decl == "block":
            self.block_uses.setdefault(name, []).append(stmt)
        elif target in uses:
            # not an error: the rule's statements just run twice, and fail (or score) twice
            self.diag.warning(
                stmt.span,
                f"rule '{target}' is already used in this check (line "
                f"{uses[target].span.line}); a second 'use' judges it again, each failure "
                "reported and each score counted twice: remove this one",
            )
        else:
            uses[target] = stmt

    def _arguments(self, stmt: A.Use, scope: Scope) -> None:
        """A block's arguments against its parameters: their number, and each one's type."""
        block = self.resolved.blocks[stmt.name]
        params = block.params
        types = self.resolved.block_params.get(block.name, {})
        args = stmt.args or ()
        found = [self.infer(arg, scope) for arg in args]
        listed = ", ".join(p.name for p in params)
        takes = f"block '{block.name}' takes {len(params)} argument{_s(params)} ({listed})"
        if stmt.args is None and params:
            self.diag.error(
                stmt.span, f"{takes}; give them in brackets: use {block.name}({listed})"
            )
            return
        for arg, t, param in zip(args, found, params, strict=False):
            expected = types.get(param.name, ANY)
            if not assignable(t, expected):
                self.diag.error(
                    arg.span,
                    f"this argument is {an(t)}, but parameter '{param.name}' of block "
                    f"'{block.name}' is {an(expected)}; pass {an(expected)} (or change the "
                    "parameter's type)",
                )
        if len(args) > len(params):
            self.diag.error(
                args[len(params)].span,
                f"{takes}, and this is argument {len(params) + 1}; remove it",
            )
        elif len(args) < len(params):
            missing = ", ".join(p.name for p in params[len(args) :])
            self.diag.error(stmt.span, f"{takes}, but this use gives {len(args)}; add {missing}")

    def unused_blocks(self) -> None:
        """A warning for each block nothing uses, and each parameter its block never reads (as
        for a constant nothing reads): it is judged nowhere, or its argument is passed for
        nothing."""
        for block in self.resolved.blocks.values():
            if block.name not in self.blocks_used:
                self.diag.warning(
                    block.name_span,
                    f"block '{block.name}' is used by no check, rule or block, so its "
                    f"statements are judged nowhere; use it (use {block.name}"
                    f"{'(...)' if block.params else ''}), or remove it",
                )
            for param in block.params:
                if (block.name, param.name) not in self.param_reads:
                    self.diag.warning(
                        param.span,
                        f"parameter '{param.name}' of block '{block.name}' is read by none of "
                        "its statements; read it, or remove it (and its argument at each use)",
                    )

    def use_cycles(self) -> None:
        """Report each cycle of blocks that use each other once, at the use that closes it;
        and each rule that reaches a rule through blocks, at its use of the first block."""
        reported: set[frozenset[str]] = set()

        def visit(block: str, path: list[str]) -> None:
            for use in self.block_uses.get(block, []):
                if use.name not in self.resolved.blocks:
                    continue
                if use.name in path:
                    cycle = [*path[path.index(use.name) :], use.name]
                    if frozenset(cycle) not in reported:
                        reported.add(frozenset(cycle))
                        self.diag.error(
                            use.span,
                            f"block '{use.name}' uses itself ({' -> '.join(cycle)}); a block's "
                            "statements are written out where it is used, so the writing "
                            "would never end: remove one of these uses",
                        )
                    continue
                visit(use.name, [*path, use.name])

        for name in self.resolved.blocks:
            visit(name, [name])
        for use in self.rule_uses:
            rule = self._rule_reached(use.name, set())
            if rule is not None:
                self.diag.error(
                    use.span,
                    f"block '{use.name}' uses rule '{rule.name}' (at {rule.span}), and a rule "
                    "cannot use a rule, even through a block; use the rule in the checks instead",
                )

    def _rule_reached(self, block: str, seen: set[str]) -> A.Use | None:
        """The first use of a rule that ``block`` makes, itself or through the blocks it uses."""
        seen.add(block)
        for use in self.block_uses.get(block, []):
            if use.name in self.resolved.rules:
                return use
            if use.name in self.resolved.blocks and use.name not in seen:
                found = self._rule_reached(use.name, seen)
                if found is not None:
                    return found
        return None


def _s(items: tuple[object, ...]) -> str:
    return "" if len(items) == 1 else "s"
