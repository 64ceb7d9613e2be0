"""``eigendsl lint``: prove every task solvable and every check strong.

    report = lint("specs/retail", samples=3)
    for finding in report.findings:
        print(finding)                      # path:line:col: [warning: ]sentence
    report.scores["order_cancelled"]        # (caught, counted) mutations

The passes run in order over one :class:`~eigendsl.lint.context.LintContext`:

1. solvability (:mod:`.solvability`): every task's gold plan, played by the scripted agent and
   user, runs without a tool error and passes its check and every policy rule; unstated
   values (:mod:`.unstated`): a gold argument's value neither the user nor a tool stated;
   unsourced amounts (:mod:`.amounts`): a gold ``say`` amount no tool result, nor the user,
   gave;
2. recovery (:mod:`.recovery`): statements that fail a gold plan played with its first write
   refused once and then made right;
3. check strength (:mod:`.strength`): mutations of each passing gold trajectory that the check
   still accepts (and the idle agents of :mod:`.idle`), and a strength score per check;
4. coverage (:mod:`.coverage`): tools no gold plan calls, rules no mutation breaks, guard
   conditions that never fail on the seed data, template parameters nothing reads, checks no
   template uses;
5. consistency (:mod:`.consistency`): ``said`` requirements no agent utterance can meet, and
   checks that cannot pass together when two templates' gold plans share one conversation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eigendsl.lint.allow import allows, apply_allows
from eigendsl.lint.amounts import check_sourced_amounts
from eigendsl.lint.consistency import check_consistency
from eigendsl.lint.context import Finding, LintContext, lint_tasks, quoted, template_spans
from eigendsl.lint.coverage import check_coverage
from eigendsl.lint.recovery import check_recoverable
from eigendsl.lint.solvability import check_synthesizable
from eigendsl.lint.strength import check_strength
from eigendsl.lint.tool_audit import check_solvable_audited
from eigendsl.lint.unstated import check_unstated_values
from eigendsl.lint.values import ValueIndex
from eigendsl.runtime.episodes import GoldCache

if TYPE_CHECKING:
    from eigendsl.compiler import CompiledDomain

# The passes, in order: later ones read what earlier ones found (passing episodes, exercised rules).
PASSES = (
    check_solvable_audited,
    check_synthesizable,
    check_unstated_values,
    check_sourced_amounts,
    check_recoverable,
    check_strength,
    check_coverage,
    check_consistency,
)
DEFAULT_SAMPLES = 3


@dataclass
class LintReport:
    """What ``eigendsl lint`` found: findings sorted by position, unsolvable task ids, and
    per check the mutations it caught and the mutations counted."""

    domain: str
    tasks: int
    unsolvable: list[str]
    scores: dict[str, tuple[int, int]]  # check -> (caught, counted) mutations
    findings: list[Finding] = field(default_factory=list)
    # warnings and notes a ``lint: allow KIND`` comment on their line accepts (:mod:`.allow`)
    allowed: list[Finding] = field(default_factory=list)
    # checks mutation-tested with no mutation counted (each one a note's, or changing nothing)
    unmeasured: list[str] = field(default_factory=list)
    # of ``tasks``: the tasks files' own, and those drawn from the templates (``samples`` each)
    written: int = 0
    templates: int = 0
    samples: int = 0
    # of the drawn: those lint drew itself beyond the compiled tasks (``--samples`` above
    # ``sampling.per_template``, ids ``lint-<template>-NNN``); and how many tasks compile made,
    # with its draws a template (0: not known)
    extra: int = 0
    compiled: int = 0
    per_template: int = 0

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def strength(self, check: str) -> float:
        caught, counted = self.scores[check]
        return round(caught / counted, 3) if counted else 1.0

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object. ``check_strength`` maps every check that was mutation-tested
        to its strength (1.0: every counted mutation caught), ``weak_checks`` only those below
        1.0 (a mutation survived: the findings say which); ``mutations`` gives the counts;
        ``unmeasured_checks`` those no mutation counted for (no strength, not 1.0)."""
        strength = {name: self.strength(name) for name in sorted(self.scores)}
        return {
            "domain": self.domain,
            "tasks": self.tasks,
            "unsolvable": self.unsolvable,
            "check_strength": strength,
            "weak_checks": {name: value for name, value in strength.items() if value < 1.0},
            "mutations": {
                name: {"caught": c, "counted": n} for name, (c, n) in sorted(self.scores.items())
            },
            "unmeasured_checks": self.unmeasured,
            "findings": [f.to_dict() for f in self.findings],
            "allowed": [f.to_dict() for f in self.allowed],
        }


def lint(
    spec_dir: Path | str,
    samples: int = DEFAULT_SAMPLES,
    domain: Any = None,
    warnings: list[Any] | None = None,
    analysis: Any = None,
) -> LintReport:
    """Run every lint pass on a spec folder. ``domain``: the spec already compiled and loaded,
    with the compile's ``warnings`` and ``analysis`` (:attr:`CompiledDomain.analysis`, so the spec
    is analyzed once). The warnings are findings too (``compile_warning``): a spec's warnings are
    told by lint as by compile."""
    from eigendsl.compiler import analyze, compile_domain
    from eigendsl.runtime.domain import load_compiled

    if domain is None:
        compiled = compile_domain(spec_dir)
        domain = load_compiled(compiled.files, Path(compiled.spec_dir or spec_dir))
        warnings, analysis = compiled.warnings, compiled.analysis
    loaded, seed, resolved, templates, _bodies, _diag = analysis or analyze(spec_dir)
    tasks = lint_tasks(loaded, seed, templates, domain, samples)
    ctx = LintContext(
        loaded,
        seed,
        resolved,
        templates,
        domain,
        tasks,
        template_spans(loaded),
        GoldCache(domain),
        ValueIndex(loaded.spec, domain.seed, [t.task for t in tasks]),
    )
    # A judge model is not run here: lint assumes every `judge` assertion holds and measures the
    # rest of each check (otherwise every gold plan would fail as "not judged").
    unjudged = domain.judge_model is None
    if unjudged:
        domain.judge_model = lambda _trace, _assertion: True
    for warning in warnings or []:
        ctx.add(warning.span, warning.message, "warning", "compile_warning")
    try:
        for run_pass in PASSES:
            run_pass(ctx)
    finally:
        if unjudged:
            domain.judge_model = None
    if unjudged:
        _note_judge_statements(ctx)
    findings, allowed = apply_allows(ctx.findings, allows(loaded.inputs, loaded.display))
    return LintReport(
        domain.name,
        len(tasks),
        ctx.unsolvable,
        ctx.scores,
        sorted(findings, key=_position),
        allowed=sorted(allowed, key=_position),
        unmeasured=sorted(ctx.unmeasured),
        written=sum(t.authored for t in tasks),
        templates=len({t.info.name for t in tasks if not t.authored}),
        samples=samples,
        extra=sum(t.id.startswith("lint-") and not t.authored for t in tasks),
        compiled=len(domain.tasks),
        per_template=loaded.spec.sampling.per_template,
    )


def _note_judge_statements(ctx: LintContext) -> None:
    """A gating ``judge`` fails every episode of its check's templates where no judge model is
    given ("not judged: needs a judge model"): a warning at each; advisory ones are a note."""
    from eigendsl.dsl import ast as A

    for check in ctx.resolved.checks.values():
        judged = [st for st in check.body if isinstance(st, A.Judge)]
        for statement in judged:
            if not statement.advisory:
                ctx.add(
                    statement.span,
                    f"this judge statement gates check {quoted(check.name)}: without a judge model "
                    "(`--judge BACKEND`) every episode of the templates that use the check fails "
                    'it ("not judged: needs a judge model"); mark it `advisory`, or run with a '
                    "judge (lint assumed it holds and tested the rest of the check)",
                    "warning",
                    "needs_judge",
                )
        advisory = [st for st in judged if st.advisory]
        if advisory:
            ctx.add(
                advisory[0].span,
                f"check {quoted(check.name)} has {len(advisory)} advisory natural-language "
                f"assertion{'s' if len(advisory) > 1 else ''} for a judge model; lint assumed "
                f"{'they hold' if len(advisory) > 1 else 'it holds'} and tested the rest of "
                "the check",
                "info",
                "needs_judge",
            )


def _position(finding: Finding) -> tuple[str, int, int, str]:
    return (finding.span.path, finding.span.line, finding.span.col, finding.message)


def lint_compiled(
    spec_dir: Path | str, compiled: CompiledDomain, strict: bool, echo: Callable[[str], None]
) -> None:
    """The lint step of ``eigendsl compile``, over the ``compiled`` domain's files in memory
    (not yet written): findings (notes aside; the compile's
    warnings among them) as warnings, or with ``strict`` as errors (raised together as one
    :class:`EigenError`, which ``compile --strict`` raises before it writes anything)."""
    from eigendsl.errors import EigenError
    from eigendsl.lint.report import summary
    from eigendsl.runtime.domain import load_compiled

    warnings = compiled.warnings
    root = compiled.spec_dir or Path(spec_dir)
    try:
        report = lint(
            spec_dir,
            domain=load_compiled(compiled.files, root),
            warnings=warnings,
            analysis=compiled.analysis,
        )
    except EigenError:
        raise
    except Exception as exc:  # noqa: BLE001 - a lint bug must not break the compile that already succeeded
        message = (
            f"lint could not run ({type(exc).__name__}: {exc}); "
            f"`eigendsl lint {spec_dir}` shows the traceback"
        )
        if strict:
            raise EigenError(message) from exc
        for early in warnings or []:
            echo(early.render())
        echo(f"warning: {message}")
        return
    shown = [f for f in report.findings if f.severity != "info"]
    if strict and shown:
        raise EigenError([f.diagnostic("error") for f in shown])
    for finding in shown:  # the compile's own warnings with their source line, as compile shows
        warning = finding.diagnostic("warning")
        echo(warning.render() if finding.kind == "compile_warning" else str(warning))
    if shown:
        errors = len(report.errors)
        kinds = Counter(finding.kind for finding in shown).most_common()
        echo(
            f"lint: {summary(report)}"
            + (
                " (shown above by kind: "
                + ", ".join(f"{count} {kind}" for kind, count in kinds)
                + ")"
                if len(kinds) > 1
                else ""
            )
            + (
                (
                    " (the error is shown as a warning: the output is written; with `--strict` "
                    "it fails the compile and nothing is written)"
                    if errors == 1
                    else " (the errors are shown as warnings: the output is written; with "
                    "`--strict` they fail the compile and nothing is written)"
                )
                if errors
                else ""
            )
            + f"; `eigendsl lint {spec_dir}` shows every finding and the check strengths"
        )


__all__ = ["lint", "lint_compiled", "LintReport", "Finding", "DEFAULT_SAMPLES"]
