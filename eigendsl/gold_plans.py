"""A task template's gold plan, checked against the tools: each step's tool and arguments, an
argument's literal value against its type (an enum's values, a date), the choices of a
parameter that feeds an enum argument, and the steps a declined write leaves unplayed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eigendsl.change_mind import unfit_text
from eigendsl.dsl.functions import an
from eigendsl.dsl.types import ANY, STRING, Type, assignable, from_field
from eigendsl.errors import Diagnostics, Span, closest, did_you_mean
from eigendsl.loader import LoadedSpec
from eigendsl.template_text import WHOLE_REF, check_text
from eigendsl.yaml_places import locate
from eigendsl.yamlload import MarkedDict

if TYPE_CHECKING:
    from eigendsl.tasks import TemplateInfo


def _value_type(value: Any, params: dict[str, Type]) -> Type:
    if isinstance(value, str):
        whole = WHOLE_REF.match(value)
        if whole:
            return params.get(whole.group(1), ANY)
        return STRING
    if isinstance(value, bool):
        return Type("bool")
    if isinstance(value, int):
        return Type("int")
    if isinstance(value, float):
        return Type("float")
    if isinstance(value, list):
        return Type("list", elem=ANY)
    if isinstance(value, dict):
        return Type("object")
    return ANY


def check_gold(info: TemplateInfo, loaded: LoadedSpec, diag: Diagnostics) -> None:
    """Each step of ``info``'s gold plan against the tools: tool, argument names and types,
    literal values (an enum's values, dates) and the choices of parameters that feed enums."""
    tools = loaded.spec.tools
    steps_raw = info.raw["gold"]
    writes = [s.tool for s in info.template.gold if s.tool in tools and tools[s.tool].writes]
    if not info.template.user.confirm and not writes and "user" in info.raw:
        user_raw = info.raw["user"]
        diag.warning(
            user_raw.position("confirm") if "confirm" in user_raw else user_raw.span,
            "user.confirm is false, but the gold plan makes no write for the user to decline, so "
            "it changes nothing; drop it, or add the write the user declines",
        )
    if not info.template.user.confirm and writes:
        _warn_declined_tail(info, set(writes), diag)
    for index, step in enumerate(info.template.gold):
        step_raw = steps_raw[index]
        span = steps_raw.position(index)
        if step.say is not None:
            check_text(step.say, span, info.text_types, diag, "this 'say' step")
            continue
        assert step.tool is not None
        tool = tools.get(step.tool)
        if tool is None:
            diag.error(
                span,
                f"gold step {index + 1} calls unknown tool '{step.tool}'"
                f"{diag.did_you_mean('tool', step.tool, tools)}",
            )
            continue
        args_raw = step_raw.get(step.tool) if step.tool in step_raw else step_raw.get("args", {})
        for arg, value in step.args.items():
            arg_span = args_raw.position(arg) if isinstance(args_raw, MarkedDict) else span
            if arg not in tool.params:
                diag.error(
                    arg_span,
                    f"tool '{step.tool}' has no parameter '{arg}'{did_you_mean(arg, tool.params)}",
                )
                continue
            _check_arg_text(value, arg_span, info, diag)
            expected = from_field(tool.params[arg])
            got = _value_type(value, info.text_types)
            if not assignable(got, expected):
                diag.error(
                    arg_span,
                    f"parameter '{arg}' of '{step.tool}' takes {an(expected)}, but this value "
                    f"is {an(got)}",
                )
            elif expected.values and isinstance(value, str) and (whole := WHOLE_REF.match(value)):
                target = f"{step.tool}'s '{arg}'"
                _check_choices(info, whole.group(1), expected.values, target, diag)
            elif isinstance(value, str) and "{{" not in value and "{%" not in value:
                target = f"{step.tool}'s '{arg}'"
                then = (
                    "the tool would refuse it in every task of the template; give a value it takes"
                )
                if (why := unfit_text(value, expected, target, then)) is not None:
                    diag.error(
                        locate(args_raw, [arg], arg_span, value=True)
                        if isinstance(args_raw, MarkedDict)
                        else arg_span,
                        f"argument '{arg}' of gold step {index + 1} is {value!r}, {why}",
                    )
        misspelt = {closest(arg, tool.params) for arg in step.args if arg not in tool.params}
        for p_name, param in tool.params.items():
            given = p_name in step.args or p_name in misspelt  # "did you mean" says it
            if not given and not param.optional and param.default is None:
                diag.error(
                    span,
                    f"gold step {index + 1} misses required argument '{p_name}' of '{step.tool}'",
                )


def _warn_declined_tail(info: TemplateInfo, writes: set[str], diag: Diagnostics) -> None:
    """With ``confirm: false`` the user declines the plan's first write; the agent answers with
    the `say` steps right after it, and nothing later is played."""
    gold = info.template.gold
    declined = next(i for i, step in enumerate(gold) if step.tool in writes)
    after = declined + 1
    while after < len(gold) and gold[after].say is not None:
        after += 1
    if after < len(gold):
        diag.warning(
            info.raw["gold"].position(after),
            f"with user.confirm false the user declines the write of gold step {declined + 1}, "
            f"and the agent answers with the 'say' steps right after it: gold step {after + 1} "
            f"and any after it are never played; drop {'it' if after + 1 == len(gold) else 'them'}"
            ", or let the user confirm",
        )


def _check_choices(
    info: TemplateInfo, name: str, allowed: tuple[str, ...], target: str, diag: Diagnostics
) -> None:
    """Each choice of parameter ``name`` that feeds an enum argument is one of its values (the
    tool would refuse it in every task drawn with it)."""
    param = info.template.params.get(name)
    if param is None or param.type != "string":  # another type's choices are checked as such
        return
    for index, choice in enumerate(param.choices or ()):
        if choice not in allowed:
            at = info.raw["params"].position(name)
            diag.error(
                locate(info.raw["params"][name], ["choices", index], at, value=True),
                f"choice {index + 1} of '{name}' is {choice!r}, which {target} does not take; it "
                f"takes {', '.join(allowed)}{did_you_mean(str(choice), allowed)}",
            )


def _check_arg_text(value: Any, span: Span, info: TemplateInfo, diag: Diagnostics) -> None:
    if isinstance(value, str):
        check_text(value, span, info.text_types, diag, "this argument")
    elif isinstance(value, list):
        for item in value:
            _check_arg_text(item, span, info, diag)
    elif isinstance(value, dict):
        for item in value.values():
            _check_arg_text(item, span, info, diag)
