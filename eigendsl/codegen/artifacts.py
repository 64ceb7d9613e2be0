"""Non-Python outputs: tool schemas (OpenAI function format), prompts (Jinja2, StrictUndefined),
compiled tasks and the versioned training manifest."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import jinja2
import yaml

from eigendsl import __version__
from eigendsl.namings import namings
from eigendsl.spec import DomainSpec, FieldType, Param
from eigendsl.support import TIME_PATTERN, clock_sentence
from eigendsl.training_spec import STAGE_DEFAULTS
from eigendsl.yamlload import to_plain

SCHEMA_VERSION = 1
PROMPTS = jinja2.Environment(
    loader=jinja2.PackageLoader("eigendsl", "templates"),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    autoescape=False,
)

ROLES = {
    "workflow_planner": (
        "Workflow planner",
        "Decide what the next generation of synthetic dialogues should cover: which task "
        "templates, which compositions of templates into one multi-intent conversation, and "
        "how many of each, from the previous generation's report (coverage of tools and policy "
        "rules, acceptance rates, failure reasons). Favour what is under-covered or often "
        "rejected.",
        'A JSON object: {"plan": [{"templates": ["name", ...], "count": N}, ...]}.',
    ),
    "prompt_engineer": (
        "Prompt engineer",
        "Propose variants of the user simulator's and the agent's utterances (paraphrases, "
        "personas, styles, levels of detail) that keep their meaning. A variant is kept when it "
        "raises acceptance or diversity and dropped when it lowers them.",
        'A JSON object: {"variants": ["utterance", ...]}.',
    ),
    "user_intent": (
        "User intent",
        "Write the scenario of a user for a task: the reason for the call, what the user knows "
        "and does not know, and how they behave (including hard cases: changing their mind, "
        "revealing information late, asking for something the policy forbids).",
        'A JSON object: {"reason": "...", "instructions": "..."}.',
    ),
    "trajectory_agent": (
        "Trajectory agent",
        "Play the customer-service agent in a dialogue with the user simulator, calling tools "
        "as the policy requires.",
        "Messages in the chat format, with tool calls where needed.",
    ),
    "judge": (
        "Judge",
        "Judge a finished dialogue: did the agent follow the policy and complete the task? The "
        "compiled verifier has already checked the database and the calls; judge what it cannot "
        "(tone, natural-language assertions).",
        'A JSON object: {"passed": true|false, "reasons": ["..."]}.',
    ),
}


# How a tool schema tells the model what a time parameter takes.
TIME_FORMAT = "a time of day written HH:MM on a 24-hour clock, such as 09:30 or 17:45"


def json_schema(field: FieldType) -> dict[str, Any]:
    """JSON Schema of a typed value, as OpenAI function parameters expect it."""
    kind = field.type
    schema: dict[str, Any]
    if kind == "enum":
        schema = {"type": "string", "enum": list(field.values or [])}
    elif kind == "list":
        schema = {"type": "array", "items": json_schema(field.items) if field.items else {}}
    elif kind == "object":
        schema = {"type": "object"}
        if field.fields is not None:
            schema["properties"] = {k: json_schema(v) for k, v in field.fields.items()}
            schema["required"] = [k for k, v in field.fields.items() if not v.optional]
    elif kind == "map":
        schema = {
            "type": "object",
            "additionalProperties": json_schema(field.of) if field.of else {},
        }
    elif kind == "any":
        schema = {}
    elif kind == "date":
        schema = {"type": "string", "format": "date"}
    elif kind == "time":
        # Not JSON Schema's "format": "time", which is RFC 3339's full time, with seconds and an
        # offset (09:30:00+02:00): a field of type time holds the time of day as HH:MM.
        schema = {"type": "string", "pattern": TIME_PATTERN}
    else:
        schema = {
            "type": {"string": "string", "int": "integer", "float": "number", "bool": "boolean"}[
                kind
            ]
        }
    if kind == "time":  # the model reads the format here: the pattern alone is hard to read
        told = field.description.rstrip()
        schema["description"] = (
            f"{told.removesuffix('.')} ({TIME_FORMAT}){'.' if told.endswith('.') else ''}"
            if told
            else f"{TIME_FORMAT[0].upper()}{TIME_FORMAT[1:]}."
        )
    elif field.description:
        schema["description"] = field.description
    return schema


def param_schema(param: Param) -> dict[str, Any]:
    """A tool parameter's JSON Schema, with its ``default`` where it has one (as pydantic writes
    a Python function's, tau2's tools among them): the value a call that leaves it out gets, a
    declared tool's body and a Python tool's alike, which the model reads nowhere else."""
    schema = json_schema(param)
    if param.default is not None:
        schema["default"] = to_plain(param.default)
    return schema


def field_schema(field: FieldType) -> dict[str, Any]:
    """A field's type as ``db.json`` records it for the runtime's check of what Python tools
    write: the type and, where they apply, ``optional``, ``values``, ``items``, ``fields``,
    ``of`` and ``ref`` (descriptions left out)."""
    out: dict[str, Any] = {"type": field.type}
    if field.optional:
        out["optional"] = True
    if field.values is not None:
        out["values"] = list(field.values)
    if field.items is not None:
        out["items"] = field_schema(field.items)
    if field.fields is not None:
        out["fields"] = {k: field_schema(v) for k, v in field.fields.items()}
    if field.of is not None:
        out["of"] = field_schema(field.of)
    if field.ref is not None:
        out["ref"] = field.ref
    return out


def table_schemas(spec: DomainSpec) -> dict[str, Any]:
    """Each table's key field and field types, for ``db.json``."""
    return {
        name: {"key": table.key, "fields": {k: field_schema(v) for k, v in table.fields.items()}}
        for name, table in spec.database.tables.items()
    }


def tool_schemas(spec: DomainSpec) -> list[dict[str, Any]]:
    out = []
    for name, tool in spec.tools.items():
        required = [p for p, f in tool.params.items() if not f.optional and f.default is None]
        out.append(
            {
                "type": "function",
                "function": {
                    "name": name,
                    "description": tool.description.strip(),
                    "parameters": {
                        "type": "object",
                        "properties": {p: param_schema(f) for p, f in tool.params.items()},
                        "required": required,
                        "additionalProperties": False,
                    },
                },
            }
        )
    return out


def tools_json(spec: DomainSpec) -> str:
    named = namings(spec)
    payload = {
        "schema_version": SCHEMA_VERSION,
        "domain": spec.name,
        "tools": tool_schemas(spec),
        "meta": {
            n: {"writes": t.writes, "tags": list(t.tags), "python": t.python}
            # how its parameters' ids may be named in words, where the spec says
            | ({"named_by": named[n]} if n in named else {})
            for n, t in spec.tools.items()
        },
    }
    return json.dumps(payload, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def _tool_view(spec: DomainSpec) -> list[dict[str, Any]]:
    return [
        {
            "name": n,
            "description": t.description.strip(),
            "writes": t.writes,
            "params": [
                {
                    "name": p,
                    "type": f.type,
                    # a call may leave it out: optional, or given a default (not required)
                    "optional": f.optional or f.default is not None,
                    "default": None
                    if f.default is None
                    else json.dumps(f.default, ensure_ascii=False),
                    "description": f.description,
                    # an enum's values: the prompt is where a model without the schemas reads them
                    "values": [json.dumps(v, ensure_ascii=False) for v in f.values or ()],
                }
                for p, f in t.params.items()
            ],
        }
        for n, t in spec.tools.items()
    ]


def prompts(
    spec: DomainSpec, policy: str, rules: list[str], templates: list[str]
) -> dict[str, str]:
    common = {
        "schema_version": SCHEMA_VERSION,
        "domain": spec.name,
        "description": spec.description.strip(),
        "clock": clock_sentence(spec.today.isoformat() if spec.today else None, spec.now),
    }
    tools = _tool_view(spec)
    out = {
        "prompts/agent_system.md": PROMPTS.get_template("agent_system.md.j2").render(
            **common,
            tools=tools,
            policy=policy.strip(),
            write_tools=[t["name"] for t in tools if t["writes"]] or ["none"],
        ),
        "prompts/user_simulator.md": PROMPTS.get_template("user_simulator.md.j2").render(
            **common,
            persona=spec.user_simulator.persona.strip(),
            stop_marker=spec.user_simulator.stop_marker,
        ),
    }
    role = PROMPTS.get_template("role.md.j2")
    for key, (title, purpose, output) in ROLES.items():
        out[f"prompts/roles/{key}.md"] = role.render(
            **common,
            title=title,
            purpose=purpose,
            output=output,
            tools=tools,
            templates=templates,
            rules=rules,
        )
    return out


def tasks_jsonl(tasks: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(t, sort_keys=True, ensure_ascii=False) + "\n" for t in tasks)


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def manifest(
    spec: DomainSpec,
    spec_dir_rel: str,
    inputs: dict[str, bytes],
    outputs: dict[str, str],
    counts: dict[str, int],
) -> str:
    training = spec.training
    stages = []
    overrides = {
        "synth": training.synth,
        "sft": training.sft,
        "grpo": training.grpo,
        "eval": training.eval,
    }
    data = {
        "synth": {"inputs": ["tasks.jsonl", "tools.json", "prompts/"], "outputs": ["synth/"]},
        "sft": {"inputs": ["synth/"], "outputs": ["sft/"]},
        "grpo": {"inputs": ["sft/", "tasks.jsonl", "verifiers/"], "outputs": ["grpo/"]},
        "eval": {"inputs": ["grpo/", "tasks.jsonl", "verifiers/"], "outputs": ["eval/"]},
    }
    for stage, defaults in STAGE_DEFAULTS.items():
        settings = to_plain({**defaults, **overrides[stage]})
        stages.append({"name": stage, "settings": settings, **data[stage]})
    payload = {
        "schema_version": SCHEMA_VERSION,
        "eigendsl_version": __version__,
        "domain": spec.name,
        **({"today": spec.today.isoformat()} if spec.today else {}),
        **({"now": spec.now} if spec.now else {}),
        "spec_dir": spec_dir_rel,
        "model": training.model,
        "seed": training.seed,
        "context": training.context,
        "counts": counts,
        "user_simulator": spec.user_simulator.model_dump(),
        "inputs": {k: digest(v) for k, v in sorted(inputs.items())},
        "outputs": {k: digest(v.encode()) for k, v in sorted(outputs.items())},
        "stages": stages,
    }
    return yaml.safe_dump(payload, sort_keys=False, allow_unicode=True, width=100)
