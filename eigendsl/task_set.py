"""The task list a compile writes: the tasks a spec's files write, checked against their
templates (a derived parameter worked out or checked), and those sampled from the seed data,
each in its split.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from typing import Any

import jinja2

from eigendsl import support as rt
from eigendsl.domain import UNCHECKED
from eigendsl.errors import Diagnostics, Span, first_few
from eigendsl.field_values import value_matches
from eigendsl.loader import LoadedSpec
from eigendsl.task_spec import TemplateParam
from eigendsl.tasks import TemplateInfo, TextRenderError, render_task
from eigendsl.yamlload import MarkedDict, MarkedList, to_plain


def _source_span(info: TemplateInfo, param: str) -> Span:
    """Where a template parameter's source is written (its ``from``), else the parameter."""
    params = info.raw.get("params")
    entry = params.get(param) if isinstance(params, MarkedDict) else None
    if isinstance(entry, MarkedDict) and "from" in entry:
        return entry.value_span("from")
    return params.position(param) if isinstance(params, MarkedDict) else info.raw.span


def _derived(
    info: TemplateInfo, written: dict[str, Any], seed: dict[str, Any]
) -> tuple[dict[str, Any], list[tuple[str, str]], dict[str, str]]:
    """A written task's parameters, each derived one (its source one expression of the seed and
    the parameters before it) worked out once: filled in where the task leaves it out (a task
    gives an offset; its date follows), and where the task gives it, each one that is not what
    its source gives for the values written, as a problem (the parameter and why). A wrong one
    is judged no further: the sources after it are worked out with the value its source gives,
    so that a wrong value is said once and not again as the next one's consequence. A parameter
    chosen among candidates may be another one: lint tells whether the task holds. Last, why
    each derived parameter left out could not be worked out (a written id the seed lacks)."""
    params, problems, unworked = dict(written), [], {}
    truth = dict(written)  # the written values, each wrong derived one as its source gives it
    names = list(info.template.params)  # in the template's order, which the sources follow
    for index, name in enumerate(names):
        earlier = names[:index]
        if name not in info.derived or any(p not in params for p in earlier):
            continue  # a parameter left out is reported as such
        given = ", ".join(f"{p}={rt.named(truth[p])}" for p in earlier)
        given = f" for {given}" if given else ""
        try:
            values = info.sources[name](seed, **{f"p_{p}": truth[p] for p in earlier})
        except Exception as exc:  # noqa: BLE001 - the expression may fail on these values
            if name in params:
                problems.append((name, f": its source fails ({rt.describe_error(exc)})"))
            else:
                unworked[name] = f"its source fails{given} ({rt.describe_error(exc)})"
            continue
        if name not in params:
            if len(values) == 1 and values[0] is not None:
                params[name] = truth[name] = to_plain(values[0])
            elif not values or values == [None]:
                unworked[name] = f"its source finds no value{given}"
        elif params[name] not in values:
            value, gives = rt.named(params[name]), rt.named(values[0])
            problems.append((name, f" is {value}, but its source gives {gives}{given}"))
            truth[name] = to_plain(values[0])
    return params, problems, unworked


def _param_span(raw_task: Any, name: str, fallback: Span) -> Span:
    """Where a written task gives parameter ``name`` its value, else ``fallback`` (the task)."""
    params = raw_task.get("params") if isinstance(raw_task, MarkedDict) else None
    if not isinstance(params, MarkedDict) or name not in params:
        return fallback  # a derived value the task leaves out: the task
    return params.value_span(name)


def _param_problem(value: Any, param: TemplateParam) -> str | None:
    """Why a concrete task's value does not fit its template parameter (type, choices), or None."""
    problem = value_matches(value, param)
    if problem is None and param.choices is not None and value not in param.choices:
        choices = first_few([rt.named(c) for c in param.choices], 10)
        problem = f"is {rt.named(value)}, not one of the choices {choices}"
    return problem


def concrete_tasks(
    loaded: LoadedSpec,
    seed: dict[str, Any],
    templates: dict[str, TemplateInfo],
    diag: Diagnostics,
    seed_sound: bool = True,
) -> list[dict[str, Any]]:
    """Authored tasks plus ``sampling.per_template`` sampled ones per template.

    Whatever the errors found before, each task is checked as far as they allow: the tasks of
    a template whose parameters have errors are checked only for their ids and template names
    (its parameters and sources may be those errors); those of a template with errors elsewhere
    (its gold plan, texts or check) are checked but not rendered, and its draws are not either
    (its texts may be those errors); where the seed data has errors
    (``seed_sound`` false), a problem found with it (a derived parameter, a draw) may be only
    theirs, so it is a note, not an error; where the seed file could not be read at all, it is
    not said."""

    def seed_problem(span: Span, message: str) -> None:
        if seed_sound:
            diag.error(span, message)
        elif loaded.seed_read:  # rows with errors: what is found with them may be theirs
            diag.note(span, f"{message}; {UNCHECKED}")
        # a seed file not read at all: nothing is judged against its empty stand-in (a note
        # on every task that reads a row would bury the file's one error)

    tasks: list[dict[str, Any]] = []
    seen_ids: set[str] = set()
    authored: list[tuple[str, dict[str, Any]]] = []  # (template, params) of the tasks written
    unrendered: set[tuple[Span, str]] = set()  # the texts that failed to render, each said once
    for _path, task_file, raw in loaded.task_files:
        for index, task in enumerate(task_file.tasks):
            span = raw["tasks"].position(index)
            info = templates.get(task.template)
            if info is None:
                raw_task = raw["tasks"][index]
                diag.error(
                    raw_task.value_span("template") if isinstance(raw_task, MarkedDict) else span,
                    f"task '{task.id}' uses unknown template '{task.template}'"
                    f"{diag.did_you_mean('template', task.template, templates)}",
                )
                continue
            if task.id in seen_ids:
                diag.error(span, f"task id '{task.id}' is used twice")
                continue
            if not info.params_sound:  # its parameters or sources may be its errors: no more
                seen_ids.add(task.id)
                continue
            # a value written wrong is said as such first: a parameter derived from it (its
            # source fails on it, or gives another value) is only its consequence
            direct = [
                (name, problem)
                for name, param in info.template.params.items()
                if name in task.params and (problem := _param_problem(task.params[name], param))
            ]
            for name, problem in direct:
                diag.error(
                    _param_span(raw["tasks"][index], name, span),
                    f"task '{task.id}': parameter '{name}' {problem} (template '{task.template}')",
                )
            if direct:
                continue
            if not seed_sound:
                # what the task writes is judged now; what its template's sources give from the
                # seed is judged once the seed has no errors
                left_out = [
                    p
                    for p in info.param_types
                    if p not in task.params and p in info.sources and p not in info.derived
                ]
                unknown = [p for p in task.params if p not in info.param_types]
                if left_out or unknown:
                    diag.error(span, _shape_problem(task, info, left_out, unknown))
                    continue
                seen_ids.add(task.id)  # a second task of its id is an error whatever the seed
            given, unsourced, unworked = _derived(info, task.params, seed)
            missing = [p for p in info.param_types if p not in given]
            extra = [p for p in given if p not in info.param_types]
            cause = next((p for p in missing if p in unworked), None)
            if cause is not None:  # the others follow from it: a written value is wrong
                seed_problem(
                    span,
                    f"task '{task.id}': {cause} cannot be worked out from the values written: "
                    f"{unworked[cause]}",
                )
                continue
            if missing or extra:  # of those left out, only a derived one's is the seed's doing
                seed_problem(span, _shape_problem(task, info, missing, extra))
                continue
            wrong = [
                (name, f" {param_problem}")
                for name, param in info.template.params.items()
                if (param_problem := _param_problem(given[name], param))
            ] or unsourced
            for name, problem in wrong:  # the written values fit (above): derived from the seed
                seed_problem(
                    _param_span(raw["tasks"][index], name, span),
                    f"task '{task.id}': parameter '{name}'{problem} (template '{task.template}')",
                )
            if wrong:
                continue
            seen_ids.add(task.id)
            authored.append((task.template, given))
            if not info.sound:  # its texts or gold plan may be its errors: not rendered
                continue
            override = task.user.model_dump() if task.user else None
            try:
                tasks.append(render_task(info, task.id, given, task.split or "train", override))
            except TextRenderError as exc:
                where = _text_where(info, raw["tasks"][index] if exc.in_task else None, exc, span)
                if where not in unrendered:
                    unrendered.add(where)
                    report = diag.error if given == task.params else seed_problem
                    report(where[0], f"task '{task.id}': {_text_failure(exc, given)}")
            except Exception as exc:  # noqa: BLE001 - Jinja expressions can raise anything (1/0, "a" + 1)
                report = diag.error if given == task.params else seed_problem
                report(span, f"task '{task.id}' cannot be rendered: {_render_problem(exc)}")
    sampling = loaded.spec.sampling
    for name, info in templates.items():
        if not info.template.sample:
            if not any(template == name for template, _ in authored):
                diag.warning(
                    info.raw.position("sample") if "sample" in info.raw else info.raw.span,
                    f"template '{name}' has sample: false and no task in the tasks files, so it "
                    "gives no task to compile, run or synthesize; write a task for it, or let "
                    "it be sampled",
                )
            continue
        if not info.params_sound:  # a source with errors has no function to draw with
            continue
        rng = template_rng(sampling.seed, name)
        drawn: list[dict[str, Any]] = []
        failures: list[tuple[str, str]] = []
        attempts = 0
        while len(drawn) < sampling.per_template and attempts < sampling.per_template * 20:
            attempts += 1
            why: list[tuple[str, str]] = []
            params = sample_params(info, seed, rng, why, failures)
            if params is None:
                param, problem = why[0]
                seed_problem(
                    _source_span(info, param), f"template '{name}' cannot be sampled: {problem}"
                )
                break
            if params not in drawn and (name, params) not in authored:  # one task, one split
                drawn.append(params)
        if drawn and failures and seed_sound:  # drawn again, but a source that fails on the
            # seed is a slip
            param, problem = failures[0]
            diag.warning(
                _source_span(info, param),
                f"template '{name}': {problem}; such a draw is skipped and another drawn; "
                "keep such values out of the source (a 'where' in its 'from') so every draw fits",
            )
        held = round(len(drawn) * sampling.held_out_fraction)
        if sampling.held_out_fraction > 0 and len(drawn) >= 2:
            held = max(held, 1)  # every template keeps at least one unseen parameter set
        for i, params in enumerate(drawn if info.sound else ()):  # as a written task's
            split = "held-out" if i >= len(drawn) - held else "train"
            try:
                tasks.append(render_task(info, f"{name}-{i:03d}", params, split))
            except TextRenderError as exc:  # said once: a written task may have met it already
                where = _text_where(info, None, exc, info.raw.span)
                if where not in unrendered:
                    unrendered.add(where)
                    seed_problem(where[0], f"template '{name}': {_text_failure(exc, params)}")
                break
            except Exception as exc:  # noqa: BLE001 - as above
                seed_problem(
                    info.raw.span,
                    f"template '{name}' cannot be rendered with {params}: {_render_problem(exc)}",
                )
                break
    return tasks


def _shape_problem(task: Any, info: TemplateInfo, missing: list[str], extra: list[str]) -> str:
    """What a written task's parameters lack, or the first one too many its template has not."""
    problem = f"lacks {', '.join(missing)}" if missing else f"has unknown parameter {extra[0]}"
    return (
        f"task '{task.id}' {problem} (template '{task.template}' takes "
        f"{', '.join(info.param_types) or 'no parameters'})"
    )


def _render_problem(exc: Exception) -> str:
    if isinstance(exc, jinja2.TemplateError):
        return str(exc)
    return rt.describe_error(exc)  # "division by zero", not ZeroDivisionError's name


def _text_name(where: tuple[Any, ...]) -> str:
    """A text's key as its writer finds it: ``user.reason``, ``gold step 2 (book_slot)``."""
    if where[0] == "gold":
        return f"gold step {where[1] + 1} ({where[2]})"
    return ".".join(map(str, where))


def _text_where(
    info: TemplateInfo, raw_task: Any, exc: TextRenderError, fallback: Span
) -> tuple[Span, str]:
    """Where the text that failed is written (the template's key, or the task's own ``user:``),
    with the problem: what one error says once."""
    part = raw_task if raw_task is not None else info.raw
    where = fallback
    for step in exc.where:
        if not isinstance(part, (MarkedDict, MarkedList)):
            break
        try:
            where = part.value_span(step)
            part = part[step]
        except (KeyError, IndexError, TypeError):
            break
    return where, _render_problem(exc.cause)


def _text_failure(exc: TextRenderError, params: dict[str, Any]) -> str:
    given = ", ".join(f"{k}={rt.named(v)}" for k, v in params.items())
    return (
        f"{_text_name(exc.where)} cannot be rendered (with {given}): {_render_problem(exc.cause)}"
    )


DRAW_TRIES = 50
"""Draws of a template's parameters before finding none that fits the seed data is an error."""


@dataclass(frozen=True)
class _Miss:
    """Why one draw of a template's parameters has no value for ``param``."""

    param: str
    problem: str
    given: str  # the parameters drawn before it, as a message shows them
    by_chance: bool  # its source found nothing for these values (or failed); others may give one
    failed: bool = False  # its source raised an error for these values, not found nothing


def sample_params(
    info: TemplateInfo,
    db: dict[str, Any],
    rng: random.Random,
    why: list[tuple[str, str]] | None = None,
    failures: list[tuple[str, str]] | None = None,
) -> dict[str, Any] | None:
    """One parameter set drawn from the seed database. A draw for which a later source finds
    nothing (the reservation drawn has no free suite) or fails (23:30 plus 30 minutes) is
    skipped and another one drawn, up to ``DRAW_TRIES``; None when no draw fits, or when a
    source is wrong whatever is drawn (``why`` then gets the parameter and a sentence).
    ``failures`` gets each skipped draw a source failed on, as parameter and sentence."""
    tried: dict[str, set[str]] = {}  # for each source, the draws it found nothing for
    miss: _Miss | None = None
    for _ in range(DRAW_TRIES):
        drawn = _draw(info, db, rng)
        if not isinstance(drawn, _Miss):
            return drawn
        miss = drawn
        if not miss.by_chance:
            break
        if miss.failed and failures is not None:
            failures.append((miss.param, f"{miss.problem} (with {miss.given})"))
        tried.setdefault(miss.param, set()).add(miss.given)
    if why is not None and miss is not None:
        why.append((miss.param, _missed(miss, len(tried.get(miss.param, ())))))
    return None


def param_sets(info: TemplateInfo, db: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    """The template's distinct parameter sets the seed data gives, at most ``limit`` of them:
    each parameter's choices or its source's values (those that fit it) for the values before
    it, as :func:`sample_params` draws them, in order. A source that fails for some values gives
    none for them."""
    names = list(info.template.params)
    found: list[dict[str, Any]] = []

    def walk(params: dict[str, Any]) -> None:
        if len(params) == len(names):
            found.append(params)
            return
        name = names[len(params)]
        param = info.template.params[name]
        if param.choices is not None:
            values = [to_plain(c) for c in param.choices]
        else:
            source = info.sources.get(name)
            try:
                values = (
                    [] if source is None else source(db, **{f"p_{k}": v for k, v in params.items()})
                )
            except Exception:  # noqa: BLE001 - as in _draw: no value for these parameters
                return
            values = [v for v in values if v is not None and value_matches(v, param) is None]
        seen: list[Any] = []
        for value in values:
            if len(found) >= limit:
                return
            if value not in seen:
                seen.append(value)
                walk(params | {name: value})

    if limit > 0:
        walk({})
    return found


def _draw(info: TemplateInfo, db: dict[str, Any], rng: random.Random) -> dict[str, Any] | _Miss:
    """One draw of every parameter in the template's order, or why one of them has no value."""
    params: dict[str, Any] = {}

    def miss(name: str, problem: str, by_chance: bool = False, failed: bool = False) -> _Miss:
        given = ", ".join(f"{k}={rt.named(v)}" for k, v in params.items())
        return _Miss(name, problem, given, by_chance and bool(given), failed)

    for name, param in info.template.params.items():
        if param.choices is not None:
            params[name] = to_plain(rng.choice(param.choices))
            continue
        source = info.sources.get(name)
        if source is None:
            return miss(name, f"parameter '{name}' has no 'from' or 'choices'")
        local = {f"p_{k}": v for k, v in params.items()}
        try:
            candidates = source(db, **local)
        except Exception as exc:  # noqa: BLE001 - the seed data may break any expression
            problem = f"the source of '{name}' fails on the seed data: {rt.describe_error(exc)}"
            # on the values drawn before it (23:30 plus 30 minutes): another draw may fit
            return miss(name, problem, by_chance=True, failed=not rt.read_from_null(exc))
        candidates = [c for c in candidates if c is not None]
        if not candidates:
            return miss(
                name, f"the source of '{name}' finds no value in the seed data", by_chance=True
            )
        value = rng.choice(candidates)
        if (unfit := value_matches(value, param)) is not None:  # a weekday for a date, say
            return miss(name, f"the source of '{name}' gives a value that {unfit}")
        params[name] = value
    return params


def _missed(miss: _Miss, draws: int) -> str:
    """The sentence for a template none of whose draws fits: with the last draw's values."""
    if not miss.by_chance:
        return f"{miss.problem} (with {miss.given})" if miss.given else miss.problem
    if draws == 1:
        return f"{miss.problem} (with {miss.given}; {DRAW_TRIES} draws gave no other values)"
    if miss.failed:
        return f"{miss.problem} (with {miss.given}; it fails on all {draws} combinations tried)"
    return f"{miss.problem} for any of the {draws} combinations tried; the last: {miss.given}"


def template_rng(seed: int, name: str) -> random.Random:
    return random.Random(seed * 1_000_003 + zlib.crc32(name.encode()))
