"""What every lint pass reads: the analyzed spec, the loaded domain, the tasks to lint with
their source positions, and the findings collected so far.

Tasks are the spec's authored tasks plus ``samples`` tasks of every sampled template: the
compiled ones (``eigendsl compile``'s ``per_template`` draws, under their ids), and where
``samples`` is larger, sets lint draws itself under ids of their own (``lint-renew-003``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eigendsl.dsl import ast as A
from eigendsl.dsl.analysis import Resolved
from eigendsl.dsl.render import dsl_string
from eigendsl.errors import Diagnostic, Span
from eigendsl.lint.values import ValueIndex
from eigendsl.loader import LoadedSpec
from eigendsl.runtime.domain import Domain
from eigendsl.runtime.episodes import GoldCache
from eigendsl.support import show
from eigendsl.task_set import sample_params, template_rng
from eigendsl.tasks import TemplateInfo, render_task

SEVERITIES = ("error", "warning", "info")  # info: a property worth knowing, not a defect

#: Every kind of finding, as a finding ends with it (``[weak_check]``) and a ``lint: allow``
#: comment names it: a comment naming another is told there is no such kind. The tool_* kinds are
#: the tools' faults (runtime/tool_faults.py, tool_audit.py); tests/test_lint_allow.py checks
#: that each kind the passes add is here.
KINDS = frozenset(
    {
        "compile_warning",
        "contradictory_checks",
        "fails_recovery",
        "guard_never_fails",
        "guard_without_message",
        "idle_agent",
        "needs_judge",
        "no_change_of_mind",
        "no_recovery",
        "policy_violation",
        "refused_step",
        "unearned_score",
        "unexercised_rule",
        "unread_message",
        "unsatisfiable_said",
        "unsolvable",
        "unsourced_amount",
        "unstated_value",
        "unsynthesizable",
        "untested_argument",
        "unused_allow",
        "unused_check",
        "unused_param",
        "unused_tool",
        "weak_check",
        *(
            f"tool_{kind}"
            for kind in (
                "bad_write",
                "body_exception",
                "exception",
                "guard_exception",
                "long_result",
                "nondeterministic",
                "nondeterministic_result",
                "not_json",
                "undeclared_write",
                "unwritable_result",
            )
        ),
    }
)


@dataclass(frozen=True)
class Finding:
    """One lint result: where, what, how bad, and which analysis found it."""

    span: Span
    message: str
    severity: str  # "error", "warning" or "info"
    kind: str  # unsolvable, policy_violation, weak_check, unused_tool, ...

    def __str__(self) -> str:
        prefix = "" if self.severity == "error" else f"{self.severity}: "
        return f"{self.span}: {prefix}{self.message} [{self.kind}]"

    def diagnostic(self, severity: str | None = None) -> Diagnostic:
        """The finding as compile shows it; its kind last, for a ``lint: allow`` comment."""
        return Diagnostic(self.span, f"{self.message} [{self.kind}]", severity or self.severity)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.span.path,
            "line": self.span.line,
            "col": self.span.col,
            "severity": self.severity,
            "message": self.message,
            "kind": self.kind,
        }


@dataclass
class LintTask:
    """A concrete task to lint and the place in the spec that made it."""

    task: dict[str, Any]
    info: TemplateInfo
    span: Span  # the task's entry in a task file, or the template's name
    authored: bool

    @property
    def id(self) -> str:
        return str(self.task["id"])

    def label(self) -> str:
        if self.authored:
            return f"task {quoted(self.id)}"
        name = quoted(self.info.name)
        return f"template {name} (sampled task {self.id} with {self.params_text()})"

    def params_text(self, limit: int = 160) -> str:
        """The task's parameters, those drawn first (what tells the task apart; those derived
        from them follow), each value cut to 40 characters."""
        params = self.task.get("params", {})
        order = sorted(params, key=lambda k: k in self.info.derived)
        shown = ", ".join(f"{k}={_short(value_text(params[k]), 40)}" for k in order)
        return _short(shown, limit)

    def step_span(self, index: int) -> Span:
        """Where gold step ``index`` (0-based) is written in the template."""
        return self.info.raw["gold"].position(index)


def quoted(text: Any) -> str:
    """A name or DSL text in a finding, in double quotes as the DSL writes text.

    >>> print(quoted("cancel_order"), quoted('say "hi"'))
    "cancel_order" "say \\"hi\\""
    """
    return dsl_string(str(text))


def value_text(value: Any) -> str:
    """A value in a finding, as JSON writes it (bounded, as verdict reasons show values).

    >>> print(value_text("1990-01-01"), value_text({"a": [1, None]}))
    "1990-01-01" {"a": [1, null]}
    """
    return show(value)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class LintContext:
    loaded: LoadedSpec
    seed: dict[str, Any]
    resolved: Resolved
    templates: dict[str, TemplateInfo]
    domain: Domain
    tasks: list[LintTask]
    template_spans: dict[str, Span]
    gold: GoldCache  # gold databases per task, replayed once
    index: ValueIndex  # plausible argument values from the seed
    findings: list[Finding] = field(default_factory=list)
    # filled by the passes
    gold_rows: dict[str, dict[str, Any]] = field(
        default_factory=dict
    )  # task id -> passing episode row
    unsolvable: list[str] = field(default_factory=list)
    scores: dict[str, tuple[int, int]] = field(default_factory=dict)  # check -> (caught, counted)
    # checks whose passing tasks were mutated, but no mutation counted toward a strength
    unmeasured: set[str] = field(default_factory=set)
    exercised_rules: set[str] = field(default_factory=set)

    def add(self, span: Span, message: str, severity: str, kind: str) -> None:
        self.findings.append(Finding(span, message, severity, kind))

    def passing(self) -> list[LintTask]:
        return [t for t in self.tasks if t.id in self.gold_rows]

    def statement_owner(self, path: str, line: int, col: int) -> tuple[str, str, A.Node] | None:
        """(kind, name, statement) of the DSL statement at a verdict failure's position.

        Failure paths are relative to the spec folder's parent; AST spans carry the path the
        spec was loaded with, so paths are compared by suffix.
        """
        for kind, decls in (
            ("rule", self.resolved.rules),
            ("check", self.resolved.checks),
            ("block", self.resolved.blocks),
            ("guard", self.resolved.guards),
        ):
            for name, decl in decls.items():
                blocks = decl if isinstance(decl, tuple) else (decl,)
                for stmt in (s for block in blocks for s in block.body):
                    s = stmt.span
                    if (
                        s.line == line
                        and s.col == col
                        and (s.path == path or s.path.endswith("/" + path))
                    ):
                        return kind, name, stmt
        return None


def template_spans(loaded: LoadedSpec) -> dict[str, Span]:
    spans: dict[str, Span] = {}
    for _path, _file, raw in loaded.task_files:
        if "templates" in raw:
            for name in raw["templates"]:
                spans[name] = raw["templates"].position(name)
    return spans


def lint_tasks(
    loaded: LoadedSpec,
    seed: dict[str, Any],
    templates: dict[str, TemplateInfo],
    domain: Domain,
    samples: int,
) -> list[LintTask]:
    """The authored tasks (as compiled) and ``samples`` tasks of each sampled template: its
    compiled tasks first, under their ids (``run --task renew-000`` plays the task lint names
    ``renew-000``), then, where ``samples`` asks for more than compile drew, sets lint draws
    itself, other than those, under ids no compiled task has (``lint-renew-003``)."""
    compiled = {t["id"]: t for t in domain.tasks}
    spans = template_spans(loaded)
    out: list[LintTask] = []
    for _path, task_file, raw in loaded.task_files:
        for index, instance in enumerate(task_file.tasks):
            task = compiled.get(instance.id)
            info = templates.get(instance.template)
            if task is not None and info is not None:
                out.append(LintTask(task, info, raw["tasks"].position(index), True))
    written = {t.id for t in out}
    sampling = loaded.spec.sampling
    for name, info in templates.items():
        if not getattr(info.template, "sample", True) or samples <= 0:
            continue
        span = spans.get(name, info.raw.span)
        made = [t for t in domain.tasks if t.get("template") == name and t["id"] not in written]
        out.extend(LintTask(task, info, span, False) for task in made[:samples])
        if len(made) >= samples or len(made) < sampling.per_template:
            continue  # compile drew all it could (fewer: the template has no more sets)
        # a written task's set too: compile leaves it out of the draws
        taken = [t["params"] for t in domain.tasks if t.get("template") == name]
        rng = template_rng(sampling.seed, name)
        extra = 0
        attempts = 0
        while len(made) + extra < samples and attempts < samples * 20:
            attempts += 1
            params = sample_params(info, seed, rng)
            if params is None:
                break  # reported by the compiler
            if params not in taken:
                taken.append(params)
                task = render_task(info, f"lint-{name}-{len(made) + extra:03d}", params, "train")
                out.append(LintTask(task, info, span, False))
                extra += 1
    return out
