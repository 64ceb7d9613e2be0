"""Task templates: validate them against tools and checks, and render concrete tasks (user
scenario, gold plan) for ``tasks.jsonl``; :mod:`eigendsl.task_set` draws and checks the tasks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eigendsl import support as rt
from eigendsl.change_mind import check_change_mind, first_value_context
from eigendsl.codegen.pyexpr import ExprCompiler, param_local
from eigendsl.domain import parse_embedded
from eigendsl.dsl import ast as A
from eigendsl.dsl.analysis import Analyzer, Scope
from eigendsl.dsl.render import render_expr
from eigendsl.dsl.types import STRING, Type, assignable, from_field
from eigendsl.errors import Diagnostics, did_you_mean
from eigendsl.field_values import value_matches
from eigendsl.gold_plans import check_gold
from eigendsl.loader import LoadedSpec
from eigendsl.task_spec import Template
from eigendsl.template_text import check_text, render_text, render_value
from eigendsl.yaml_places import locate
from eigendsl.yamlload import MarkedDict, to_plain

SCHEMA_VERSION = 1


@dataclass
class TemplateInfo:
    name: str
    template: Template
    raw: MarkedDict
    path: str
    param_types: dict[str, Type]
    sources: dict[str, Any]  # param -> compiled candidate function, or None
    # params whose source is one expression (a value derived from the seed and earlier params),
    # not a choice among candidates
    derived: frozenset[str] = frozenset()
    today: str | None = None  # the domain's date, YYYY-MM-DD: {{ today }} in the template's text
    now: str | None = None  # the domain's time of day, HH:MM: {{ now }} in the template's text
    # no error was found in the template: its sources and texts can be run (a source that
    # failed its checks has no function, and a text that failed them fails to render again)
    sound: bool = True
    # no error was found in its parameters: a task's values can be checked against their types
    # and sources, and parameters drawn, though its gold plan or texts have errors
    params_sound: bool = True

    @property
    def clock(self) -> dict[str, str]:
        """The domain's date and time of day, by the names the template's text reads them."""
        return {k: v for k, v in (("today", self.today), ("now", self.now)) if v}

    @property
    def text_types(self) -> dict[str, Type]:
        """The names the template's text may use: its parameters, the domain's date and time."""
        return self.param_types | dict.fromkeys(self.clock, STRING)

    def text_context(self, params: dict[str, Any]) -> dict[str, Any]:
        """What the template's text is rendered with: ``params``, the domain's date and time."""
        return params | self.clock if self.clock else params


def _compile_source(query: A.Query, analyzer: Analyzer, earlier: list[str]) -> Any:
    """A function ``(db, p_<earlier param>=...) -> candidates`` built from the query's AST; the
    spec's constants it reads are bound once, before it, being the same in every draw."""
    import ast as pyast

    compiler = ExprCompiler(
        analyzer.resolved.table_rows,
        analyzer.resolved.constants,
        env={p: param_local(p) for p in earlier},  # a parameter, not a constant of its name
        optional_reads=analyzer.resolved.optional_reads,
        spec_constants=analyzer.resolved.spec_constants,
    )
    expr = compiler.query(query)
    names = ["db", *(param_local(p) for p in earlier)]
    lam = pyast.Lambda(
        args=pyast.arguments(
            posonlyargs=[],
            args=[pyast.arg(arg=n) for n in names],
            kwonlyargs=[],
            kw_defaults=[],
            defaults=[],
        ),
        body=expr,
    )
    source = pyast.Assign(targets=[pyast.Name(id="source", ctx=pyast.Store())], value=lam)
    module = pyast.Module(body=[*compiler.prelude, source], type_ignores=[])
    found: dict[str, Any] = {"rt": rt}
    # code built from our own AST, literals are constants
    exec(compile(pyast.fix_missing_locations(module), "<param source>", "exec"), found)  # noqa: S102
    return found["source"]


def _hidden_constants(query: A.Query, params: dict[str, Type], analyzer: Analyzer) -> None:
    """An error at each read of a parameter in ``query`` that is named like a constant of the
    spec: the source reads the parameter, and its reader may take it for the constant."""
    for node in A.walk(query):
        if isinstance(node, A.Name) and node.id in params:
            analyzer.hidden_constant(
                node.id, node.span, "this reads the template's parameter, which is", "source"
            )


def check_templates(
    loaded: LoadedSpec, analyzer: Analyzer, diag: Diagnostics
) -> dict[str, TemplateInfo]:
    infos: dict[str, TemplateInfo] = {}
    for path, task_file, raw in loaded.task_files:
        for name, template in task_file.templates.items():
            t_raw = raw["templates"][name]
            errors_at_start = len(diag.errors)
            if name in infos:
                diag.error(
                    raw["templates"].position(name),
                    f"template '{name}' is defined twice (also in {infos[name].path})",
                )
                continue
            param_types: dict[str, Type] = {}
            sources: dict[str, Any] = {}
            derived: set[str] = set()
            for p_name, param in template.params.items():
                p_raw = t_raw["params"][p_name]
                declared = from_field(param)
                if param.source is not None:
                    query = parse_embedded(p_raw, "from", diag, query=True)
                    if query is not None:
                        errors_before = len(diag.errors)
                        names = list(template.params)
                        later = tuple(names[names.index(p_name) + 1 :])
                        owner = f"a parameter of template '{name}'"
                        scope = Scope(
                            "query",
                            tuple(param_types.items()),
                            later,
                            owner=owner,
                            constants=analyzer.constant_types,
                        )
                        got = analyzer.query(query, scope)
                        _hidden_constants(query, param_types, analyzer)
                        if not assignable(got, declared):
                            diag.error(
                                query.span,
                                f"parameter '{p_name}' is {declared.name}, "
                                f"but this gives {got.name}{_one_of_list(query, got, declared)}",
                            )
                        if (
                            len(diag.errors) == errors_before
                        ):  # code is built from sound queries only
                            sources[p_name] = _compile_source(query, analyzer, list(param_types))
                            if query.var is None:
                                derived.add(p_name)
                elif param.choices is not None:
                    for index, choice in enumerate(param.choices):
                        problem = value_matches(choice, param)
                        if problem:  # at the choice itself, in the list
                            at = t_raw["params"].position(p_name)
                            diag.error(
                                locate(p_raw, ["choices", index], at, value=True),
                                f"choice {index + 1} of '{p_name}' {problem}",
                            )
                    sources[p_name] = None
                param_types[p_name] = declared
            params_sound = len(diag.errors) == errors_at_start
            today = loaded.spec.today.isoformat() if loaded.spec.today else None
            info = TemplateInfo(
                name,
                template,
                t_raw,
                path,
                param_types,
                sources,
                frozenset(derived),
                today,
                loaded.spec.now,
            )
            _check_check_binding(info, analyzer, diag)
            check_gold(info, loaded, diag)
            _check_scenario(info, _write_arguments(loaded), diag)
            info.sound = len(diag.errors) == errors_at_start
            info.params_sound = params_sound
            infos[name] = info
    return infos


def _check_check_binding(info: TemplateInfo, analyzer: Analyzer, diag: Diagnostics) -> None:
    check = info.template.check
    span = info.raw.value_span("check")
    if check not in analyzer.resolved.checks:
        diag.error(
            span,
            f"unknown check '{check}'"
            + diag.did_you_mean(
                "check",
                check,
                analyzer.resolved.checks,
                "declare it with 'check NAME(...)' in a checker file",
            ),
        )
        return
    for p_name, p_type in analyzer.resolved.check_params.get(check, {}).items():
        if p_name not in info.param_types:
            diag.error(
                span,
                f"check '{check}' needs parameter '{p_name}', which template '{info.name}' "
                "does not define; add it under params",
            )
        elif not assignable(given := info.param_types[p_name], p_type) or (
            given.kind == "string"
            and ((p_type.date and not given.date) or (p_type.time and not given.time))
        ):  # text that is no day would compare as letters ("RES1001" < "2025-06-10")
            diag.error(
                span,
                f"check '{check}' takes '{p_name}' as {p_type.name}, but the template's "
                f"'{p_name}' is {given.name}"
                + (
                    f"; declare it type: {p_type.name}"
                    if (p_type.date or p_type.time) and given.kind == "string"
                    else ""
                ),
            )


def _one_of_list(query: A.Query, got: Type, declared: Type) -> str:
    """How to draw one value from a list comprehension whose list a parameter of one value was
    given: the same text without its brackets is a source that draws one of its items."""
    body = query.body
    if query.var is not None or not isinstance(body, A.ListComp):
        return ""
    if got.elem is None or not assignable(got.elem, declared):
        return ""
    text = render_expr(body)[1:-1]
    return f"; to draw one of its values, drop the brackets: {text}"


def _write_arguments(loaded: LoadedSpec) -> dict[str, dict[str, Type]]:
    """The types of the arguments of each tool that writes."""
    return {
        name: {arg: from_field(field) for arg, field in tool.params.items()}
        for name, tool in loaded.spec.tools.items()
        if tool.writes
    }


def _check_scenario(
    info: TemplateInfo, writes: dict[str, dict[str, Type]], diag: Diagnostics
) -> None:
    user_raw = info.raw["user"]
    scenario = info.template.user
    for key in ("reason", "forbidden_request"):
        if key in user_raw and not str(getattr(scenario, key) or "").strip():
            diag.error(
                user_raw.value_span(key),
                f"user.{key} is empty, so the user says nothing"
                + (" in its request" if key == "reason" else " the policy forbids")
                + f"; write it, or leave user.{key} out"
                + (" for the stock opening" if key == "reason" else ""),
            )
    for key in ("reason", "instructions", "forbidden_request"):
        if key in user_raw and getattr(scenario, key):
            check_text(
                getattr(scenario, key),
                user_raw.value_span(key),
                info.text_types,
                diag,
                f"user.{key}",
            )
    for key, text in scenario.known.items():
        if not str(text).strip():
            diag.error(
                user_raw["known"].value_span(key),
                f"user.known.{key} is empty, so the user can say nothing when asked for it, and "
                "the gold plan's value reaches the call unsaid; give the value, or leave the fact "
                "out (user.unknown, if the user does not know it)",
            )
            continue
        check_text(
            text, user_raw["known"].value_span(key), info.text_types, diag, f"user.known.{key}"
        )
    for index, thing in enumerate(scenario.unknown):
        # The scripted user says it does not know a thing when the agent's question names it:
        # an entry with no word in it ("." in two of tau2's retail tasks) matches every question.
        if not any(character.isalnum() for character in thing):
            diag.error(
                user_raw["unknown"].value_span(index),
                f"user.unknown entry {thing!r} names nothing; write what the user does not know "
                "(e.g. 'email'), or leave the entry out",
            )
    for key in scenario.reveal_late:
        if key not in scenario.known:
            diag.error(
                user_raw.value_span("reveal_late"),
                f"reveal_late names '{key}', which is not in user.known"
                f"{did_you_mean(key, scenario.known)}",
            )
    if scenario.change_mind is not None:
        check_change_mind(
            scenario.change_mind,
            user_raw.value_span("change_mind"),
            info.template,
            info.param_types,
            writes,
            diag,
        )


# ---------------------------------------------------------------------------- rendering


class TextRenderError(Exception):
    """A template's text that fails to render with a task's parameters: ``where`` is the text's
    key in the template (``("user", "reason")``, ``("gold", 1, "book_slot")``), or in the task's
    own ``user:`` when ``in_task``; ``cause`` is the error Jinja or Python raised."""

    def __init__(self, where: tuple[Any, ...], cause: Exception, in_task: bool = False) -> None:
        super().__init__(f"{'.'.join(map(str, where))}: {cause}")
        self.where, self.cause, self.in_task = where, cause, in_task


def render_task(
    info: TemplateInfo,
    task_id: str,
    params: dict[str, Any],
    split: str,
    override: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A concrete task: scenario and gold plan rendered with ``params``; ``override`` replaces
    scenario fields (as written in a task file's ``user:``). A text that fails to render raises
    :class:`TextRenderError`, which says which text."""
    t = info.template
    context = info.text_context(params)
    overridden = {k for k, v in (override or {}).items() if v is not None}

    def rendered(
        where: tuple[Any, ...], value: Any, with_context: dict[str, Any], args: bool = False
    ) -> Any:
        if not value:
            return value
        try:  # a gold step's arguments keep a whole "{{ name }}"'s type; a text is text
            return render_value(value, with_context) if args else render_text(value, with_context)
        except Exception as exc:  # noqa: BLE001 - Jinja expressions can raise anything (1/0)
            in_task = where[0] == "user" and where[1] in overridden
            raise TextRenderError(where, exc, in_task) from exc

    gold = []
    for number, step in enumerate(t.gold):
        if step.say is not None:
            gold.append({"say": rendered(("gold", number, "say"), step.say, context)})
        else:
            args = rendered(("gold", number, step.tool), to_plain(step.args), context, True)
            gold.append({"tool": step.tool, "args": args})
    scenario = t.user.model_dump()
    scenario.update({k: v for k, v in (override or {}).items() if v is not None})
    text = lambda key, s: rendered(("user", key), s, context)  # noqa: E731
    # the request and the facts the user gives: with a change of mind's first value
    change, said_context = first_value_context(
        text("change_mind", scenario["change_mind"]), params, context, info.param_types
    )
    said = lambda key, s: rendered(key, s, said_context)  # noqa: E731
    return {
        "schema_version": SCHEMA_VERSION,
        "id": task_id,
        "template": info.name,
        "family": t.family or info.name,
        "split": split,
        "params": params,
        "check": t.check,
        "user": {
            "reason": said(("user", "reason"), scenario["reason"]),
            "known": {k: said(("user", "known", k), v) for k, v in scenario["known"].items()},
            "unknown": list(scenario["unknown"]),
            "instructions": text("instructions", scenario["instructions"]),
            "confirm": scenario["confirm"],
            "change_mind": change,
            "reveal_late": list(scenario["reveal_late"]),
            "forbidden_request": text("forbidden_request", scenario["forbidden_request"]),
        },
        "gold": gold,
    }
