"""``eigendsl import tau2``: a tau2-bench domain folder → an EigenDSL spec folder.

A tau2 domain folder holds ``db.json`` (tables keyed by id), ``policy.md``, ``tasks.json`` and
optionally ``split_tasks.json``. The spec written to ``SPEC_DIR``:

* ``domain.yaml``: the schema inferred from ``db.json`` (:mod:`eigendsl.tau2.schema`), the seed
  and the policy *referenced* where they are (a relative path when the two folders share more
  than the file-system root, else absolute; nothing of tau2's data is copied), and the tools of
  the domain with tau2's names, parameters and write flags;
* ``tools.py``: one ``(db, **params)`` wrapper per tool over the re-implemented tool semantics
  (:mod:`eigendsl.tau2.retail_tools` for ``retail``), chosen by name;
* ``tasks/tau2.yaml``: one ``sample: false`` template per tau2 task (user scenario, gold plan from
  its ``actions``) and the concrete task ``tau2-<id>`` with tau2's split;
* ``checks/tau2.chk``: one check per task, generated from its ``evaluation_criteria`` and reward
  basis (:mod:`eigendsl.tau2.checks`).
"""

from __future__ import annotations

import ast
import importlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, Tag, TypeAdapter, ValidationError

from eigendsl.compiler import files_in
from eigendsl.errors import Diagnostic, Diagnostics, EigenError, Span, did_you_mean, first_few
from eigendsl.tau2.checks import NlMode, check_name, checks_file
from eigendsl.tau2.schema import infer_tables

#: tau2 domains whose tool semantics EigenDSL implements: domain name → module with ``TOOLS``,
#: ``TOOL_SCHEMAS``, ``WRITES`` and ``READS``.
KNOWN_DOMAINS = {"retail": "eigendsl.tau2.retail_tools"}

TASKS_FILE = "tasks/tau2.yaml"
CHECKS_FILE = "checks/tau2.chk"
#: The first line of every file the import writes starts so; a re-import replaces such files.
MARK = "# Generated from tau2-bench by `eigendsl import tau2`"
HEADER = MARK + " from {source}.\n# Re-run the import rather than editing by hand.\n"

#: tau2 split names that mean "held out" in EigenDSL; a task in none of the splits is train.
HELD_OUT_SPLITS = ("test", "held-out", "held_out", "dev", "val", "validation")


@dataclass
class Tau2Domain:
    """A tau2-bench domain folder, read."""

    root: Path
    name: str
    db: dict[str, Any]
    tasks: list[dict[str, Any]]
    splits: dict[str, list[str]] = field(default_factory=dict)
    tasks_text: str = ""

    @property
    def policy(self) -> Path:
        return self.root / "policy.md"


@dataclass
class ImportResult:
    """What :func:`import_tau2` wrote."""

    spec_dir: Path
    domain: str
    tasks: int
    files: list[str]


def read_json(path: Path) -> tuple[Any, str]:
    """The JSON value of a file of the tau2 domain folder, and its text."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EigenError(
            Diagnostic(
                Span(str(path), 0, 0),
                f"{path.name} is missing; a tau2 domain folder "
                "holds db.json, policy.md and tasks.json",
            )
        ) from None
    except UnicodeDecodeError as exc:
        raise EigenError(
            f"{path} is not UTF-8 text (byte {exc.start} cannot be decoded); save it as UTF-8"
        ) from None
    except OSError as exc:
        raise EigenError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return json.loads(text), text
    except json.JSONDecodeError as exc:
        raise EigenError(
            Diagnostic(Span(str(path), exc.lineno, exc.colno), f"invalid JSON: {exc.msg}")
        ) from None


def json_kind(value: Any) -> str:
    """The JSON kind of ``value``, with its article: ``a string``, ``an object``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


# ---------------------------------------------------------------------------- input shapes
# What the import reads of tau2's files (absent and null alike); other fields are not read.

TaskId = str | int


class Action(BaseModel):
    name: str
    arguments: dict[str, Any] | None = None
    compare_args: list[Any] | None = None


class Criteria(BaseModel):
    actions: list[Action] | None = None
    communicate_info: list[Any] | None = None
    nl_assertions: list[Any] | None = None
    reward_basis: list[str] | None = None


class Instructions(BaseModel):
    reason_for_call: Any = None
    known_info: Any = None
    unknown_info: Any = None
    task_instructions: Any = None


class Scenario(BaseModel):
    instructions: str | Instructions | None = None
    persona: Any = None


class Purpose(BaseModel):
    purpose: Any = None


class Task(BaseModel):
    id: TaskId
    user_scenario: Scenario | None = None
    description: str | Purpose | None = None
    evaluation_criteria: Criteria | None = None


KINDS = {str: "a string", int: "a whole number", dict: "an object", list: "a list"}


def _options(shape: Any) -> list[Any]:
    """The types ``shape`` allows, less ``Annotated`` and ``None``."""
    while get_origin(shape) is Annotated:
        shape = get_args(shape)[0]
    union = get_origin(shape) in (Union, UnionType)
    return [o for o in get_args(shape) if o is not type(None)] if union else [shape]


def _expected(shape: Any) -> str:
    """What ``shape`` asks for, in words: ``a string or an object with "purpose"``."""
    if len(options := _options(shape)) > 1:
        return " or ".join(_expected(option) for option in options)
    if fields := getattr(options[0], "model_fields", None):
        return "an object with " + ", ".join(f'"{name}"' for name in fields)
    return KINDS.get(get_origin(options[0]) or options[0], "any value")


def _at(shape: Any, loc: tuple[Any, ...]) -> tuple[str, Any]:
    """The path to ``loc`` in a value of ``shape``, and the type there (a union's member named
    in ``loc`` is read into where tagged, else the union is what is expected)."""
    path = ""
    for key in loc:
        options = _options(shape)
        one = options[0] if len(options) == 1 else None
        fields = getattr(one, "model_fields", {})
        if isinstance(key, int) or key in fields or get_origin(one) is dict:
            path += f"[{key}]" if isinstance(key, int) else f".{key}"
            shape = fields[key].annotation if key in fields else get_args(one)[-1]
        elif tagged := [o for o in options if Tag(key) in get_args(o)[1:]]:
            shape = tagged[0]
        else:
            break
    return path.lstrip("."), shape


def shape_problems(shape: Any, value: Any) -> list[str]:
    """What is wrong with ``value`` for the pydantic ``shape`` (nothing: ``[]``): each problem's
    path, what is there and what to write.

    >>> shape_problems(Action, {"arguments": []})
    ['it has no "name"; give it a string', 'arguments is a list; write an object']
    """
    try:
        TypeAdapter(shape).validate_python(value, strict=True)
        return []
    except ValidationError as exc:
        errors = exc.errors()
    problems = []
    for error in errors:
        path, there = _at(shape, error["loc"])
        if error["type"] == "missing":
            text = f'{path.rpartition(".")[0] or "it"} has no "{error["loc"][-1]}"; give it'
        else:
            text = f"{path or 'it'} is {json_kind(error['input'])}; write"
        problems.append(f"{text} {_expected(there)}")
    return list(dict.fromkeys(problems))  # a union's members fail alike: one problem


def check_tasks(tasks: Any, path: Path, text: str) -> None:
    """Every task of tasks.json has the shape of :class:`Task`; all problems together, each
    naming the task by its id (or its index where it has none)."""
    if problems := shape_problems(list[Any], tasks):
        raise EigenError(f"{path}: {problems[0]} of tasks, each {_expected(Task)}")
    diag = Diagnostics()
    lines = text.splitlines()
    names: dict[str, int] = {}
    for index, task in enumerate(tasks):
        has_id = isinstance(task, dict) and not shape_problems(TaskId, task.get("id"))
        label = f"task {task['id']}" if has_id else f"the task at index {index}"
        line = _line_of(text, f'"id": {json.dumps(task["id"])}') if has_id else 0
        problems = shape_problems(Task, task)
        if not problems and has_id:
            first = names.setdefault(check_name(task), index)
            if first != index:
                # the line found may be the first task's: name this one by its index too
                label, line = f"{label} (index {index})", 0
                problems.append(
                    f"its check would be {check_name(task)}, as would that of the "
                    f"task at index {first}; give every task its own id (ids must "
                    "differ in more than punctuation)"
                )
        for problem in problems:
            if line:
                col = lines[line - 1].find('"id"') + 1
                diag.error(Span(str(path), line, col), f"{label}: {problem}")
            else:
                diag.error(Span(str(path), 0, 0), f"{path}: {label}: {problem}")
    diag.raise_if_errors()


def check_splits(splits: Any, path: Path) -> None:
    """split_tasks.json maps split names to lists of task ids."""
    if problems := shape_problems(dict[str, list[TaskId]], splits):
        raise EigenError(
            f"{path}: {problems[0]}. The file maps split names to lists of task "
            'ids, like {"train": ["0", "1"], "test": ["2"]}'
        )


def read_domain(domain_dir: Path | str) -> Tau2Domain:
    """Read a tau2 domain folder; its name is the folder's name (or the tasks' ``domain``)."""
    root = Path(domain_dir)
    if not root.is_dir():
        raise EigenError(
            f"{root} is not a folder; give a tau2 domain folder (db.json, policy.md, tasks.json)"
        )
    tasks_path = root / "tasks.json"
    tasks, tasks_text = read_json(tasks_path)
    check_tasks(tasks, tasks_path, tasks_text)
    db, _ = read_json(root / "db.json")
    if not (root / "policy.md").is_file():
        raise EigenError(
            f"{root / 'policy.md'} is missing; a tau2 domain folder holds db.json, policy.md "
            "and tasks.json"
        )
    splits: Any = {}
    if (root / "split_tasks.json").is_file():
        splits, _ = read_json(root / "split_tasks.json")
        check_splits(splits, root / "split_tasks.json")
    name = root.resolve().name
    if name not in KNOWN_DOMAINS:
        instructions = [(t.get("user_scenario") or {}).get("instructions") for t in tasks]
        named = {str(i.get("domain")) for i in instructions if isinstance(i, dict)}
        name = next((n for n in named if n in KNOWN_DOMAINS), name)
    if name not in KNOWN_DOMAINS:
        raise EigenError(
            f"no tool implementation for the tau2 domain '{name}' ({root}); EigenDSL implements "
            f"the tools of: {', '.join(sorted(KNOWN_DOMAINS))}"
        )
    return Tau2Domain(root, name, db, tasks, splits, tasks_text)


def domain_tools(name: str) -> Any:
    """The module implementing a known tau2 domain's tools."""
    return importlib.import_module(KNOWN_DOMAINS[name])


# ---------------------------------------------------------------------------- tools


def _param(schema: dict[str, Any], required: bool) -> dict[str, Any] | str:
    kinds = {
        "string": "string",
        "integer": "int",
        "number": "float",
        "boolean": "bool",
        "array": "list",
        "object": "object",
    }
    spec: dict[str, Any] = {"type": kinds.get(schema.get("type", ""), "any")}
    if spec["type"] == "list" and isinstance(schema.get("items"), dict):
        item = _param(schema["items"], True)
        spec["items"] = item
    if schema.get("description"):
        spec["description"] = schema["description"]
    if not required:
        spec["optional"] = True
    return spec


def tool_specs(module: Any) -> dict[str, Any]:
    """``tools:`` of domain.yaml: tau2's names, descriptions, parameters and write flags."""
    tools: dict[str, Any] = {}
    for schema in module.TOOL_SCHEMAS:
        function = schema["function"]
        name = function["name"]
        parameters = function.get("parameters") or {}
        required = set(parameters.get("required") or ())
        writes = name in module.WRITES
        tags = ["write"] if writes else ["read"] if name in module.READS else ["generic"]
        if name.startswith("transfer_to_human"):
            tags.append("transfer")
        tools[name] = {
            "description": function.get("description", ""),
            "params": {
                p: _param(s, p in required) for p, s in (parameters.get("properties") or {}).items()
            },
            "writes": writes,
            "tags": tags,
            "python": f"tools:{name}",
        }
    return tools


def tools_module(module_name: str, tools: dict[str, Any]) -> str:
    """``tools.py`` of the spec: a typed wrapper per tool over ``module_name`` (via ``ast``)."""
    body: list[ast.stmt] = [
        ast.Expr(
            ast.Constant(
                f"Tools of the imported tau2 domain: wrappers over {module_name}.\n\n"
                "Generated by `eigendsl import tau2`; re-run the import rather than editing.\n"
            )
        ),
        ast.ImportFrom("__future__", [ast.alias("annotations")], 0),
        ast.Import([ast.alias("typing")]),
        ast.Import([ast.alias(module_name, "impl")])
        if "." not in module_name
        else ast.ImportFrom(
            module_name.rsplit(".", 1)[0], [ast.alias(module_name.rsplit(".", 1)[1], "impl")], 0
        ),
    ]
    py = {
        "string": "str",
        "int": "int",
        "float": "float",
        "bool": "bool",
        "list": "list",
        "object": "dict",
    }
    for name, tool in tools.items():
        params = tool["params"]
        args = [ast.arg("db", ast.Attribute(ast.Name("typing"), "Any"))]
        for pname, pspec in params.items():
            kind = pspec["type"] if isinstance(pspec, dict) else str(pspec).rstrip("?")
            args.append(ast.arg(pname, ast.Name(py.get(kind, "typing.Any"))))
        call = ast.Call(
            ast.Attribute(ast.Name("impl"), name),
            [ast.Name("db")],
            [ast.keyword(p, ast.Name(p)) for p in params],
        )
        doc = tool["description"].split(". ")[0].rstrip(".") + "."
        body.append(
            ast.FunctionDef(
                name=name,
                args=ast.arguments([], args, None, [], [], None, []),
                body=[ast.Expr(ast.Constant(doc)), ast.Return(call)],
                decorator_list=[],
                returns=ast.Attribute(ast.Name("typing"), "Any"),
                type_params=[],
            )
        )
    module = ast.fix_missing_locations(ast.Module(body, []))
    return ast.unparse(module).replace("\n\ndef ", "\n\n\ndef ") + "\n"


# ---------------------------------------------------------------------------- tasks


def _jinja_safe(text: str) -> str:
    """Text that renders to itself through the spec's Jinja (scenario text and gold arguments)."""
    if any(marker in text for marker in ("{{", "{%", "{#")):
        return (
            "{% raw %}"
            + text.replace("{% endraw %}", "{% endraw %}{{ '{% endraw %}' }}{% raw %}")
            + "{% endraw %}"
        )
    return text


def _jinja_value(value: Any) -> Any:
    if isinstance(value, str):
        return _jinja_safe(value)
    if isinstance(value, list):
        return [_jinja_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _jinja_value(v) for k, v in value.items()}
    return value


def _line_of(text: str, *needles: str) -> int:
    """1-based line of the first ``needles[-1]`` after the earlier needles (0 when not found)."""
    offset = 0
    for needle in needles:
        found = text.find(needle, offset)
        if found < 0:
            return 0
        offset = found
    return text.count("\n", 0, offset) + 1


def task_split(task_id: str, splits: dict[str, list[str]]) -> Literal["train", "held-out"]:
    """tau2's split of a task: ``test`` (and similar) → held-out, anything else → train."""
    for name, ids in splits.items():
        if name.lower() in HELD_OUT_SPLITS and task_id in {str(i) for i in ids}:
            return "held-out"
    return "train"


def template_for(task: dict[str, Any], known_tools: dict[str, Any]) -> dict[str, Any]:
    """A ``sample: false`` template: the user scenario and the gold plan of one tau2 task."""
    scenario = task.get("user_scenario") or {}
    instructions = scenario.get("instructions") or {}
    if isinstance(instructions, str):
        instructions = {"task_instructions": instructions}
    user: dict[str, Any] = {
        "reason": _jinja_safe(str(instructions.get("reason_for_call") or "Hi, I need some help."))
    }
    if instructions.get("known_info"):
        user["known"] = {"known_info": _jinja_safe(str(instructions["known_info"]))}
    if instructions.get("unknown_info"):
        user["unknown"] = [str(instructions["unknown_info"])]
    behaviour = (
        [str(instructions["task_instructions"])] if instructions.get("task_instructions") else []
    )
    if scenario.get("persona"):
        behaviour.insert(0, f"Persona: {scenario['persona']}")
    if behaviour:
        user["instructions"] = _jinja_safe("\n\n".join(behaviour))
    criteria = task.get("evaluation_criteria") or {}
    gold: list[dict[str, Any]] = [
        {"tool": action["name"], "args": _jinja_value(action.get("arguments") or {})}
        for action in criteria.get("actions") or ()
    ]
    info = [str(i) for i in criteria.get("communicate_info") or ()]
    if info:
        gold.append({"say": _jinja_safe("For your information: " + "; ".join(info) + ".")})
    purpose = task.get("description")
    if isinstance(purpose, dict):
        purpose = purpose.get("purpose")
    description = str(purpose or "") or f"tau2-bench task {task['id']}"
    return {
        "description": description,
        "family": "tau2",
        "sample": False,
        "user": user,
        "gold": gold,
        "check": check_name(task),
    }


def check_actions(domain: Tau2Domain, known_tools: dict[str, Any]) -> None:
    """Every gold action names a tool of the domain and is the agent's; all problems together."""
    diag = Diagnostics()
    path = str(domain.root / "tasks.json")
    for task in domain.tasks:
        for index, action in enumerate(
            (task.get("evaluation_criteria") or {}).get("actions") or ()
        ):
            name = str(action.get("name"))
            span = Span(
                path, _line_of(domain.tasks_text, f'"id": "{task["id"]}"', f'"name": "{name}"'), 1
            )
            if name not in known_tools:
                diag.error(
                    span,
                    f"task {task['id']}: action {index + 1} calls unknown tool '{name}'"
                    f"{did_you_mean(name, known_tools)}; the {domain.name} domain's tools are "
                    f"{', '.join(sorted(known_tools))}",
                )
            elif action.get("requestor", "assistant") != "assistant":
                diag.error(
                    span,
                    f"task {task['id']}: action {index + 1} ({name}) is made by the "
                    f"{action.get('requestor')}; EigenDSL imports agent-side actions only",
                )
    diag.raise_if_errors()


# ---------------------------------------------------------------------------- the spec folder


def _reference(target: Path, spec_dir: Path) -> str:
    """``target`` as seen from ``spec_dir``: relative when the two share more than the root."""
    target, base = target.resolve(), spec_dir.resolve()
    common = Path(os.path.commonpath([target, base]))
    if common == Path(common.anchor):
        return str(target)
    return os.path.relpath(target, base).replace(os.sep, "/")


class _Dumper(yaml.SafeDumper):
    """Block style for long or multi-line text, so generated YAML stays readable."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _imported(path: Path) -> bool:
    """Whether ``path`` was written by an import (its first line is the import's header)."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(MARK.encode())) == MARK.encode()
    except OSError:
        return False


def _stale_imported_files(out: Path, files: dict[str, str], force: bool) -> list[str]:
    """Files of ``out`` that an earlier import wrote and this one does not write.

    Raises :class:`EigenError`, unless ``force``, where ``out`` holds files and is not an
    earlier import's output (its domain.yaml carries the import's header), or where a file this
    import writes is there but was not written by an import."""
    if out.exists() and not out.is_dir():
        raise EigenError(f"{out} is a file; give -o a new folder, or one an import wrote")
    present = files_in(out)
    imported = [rel for rel in present if _imported(out / rel)]
    if present and not force:
        if "domain.yaml" not in imported:
            raise EigenError(
                f"{out} holds files ({first_few(present)}) and is not the output of an earlier "
                "`eigendsl import tau2` (its domain.yaml does not start with the import's "
                "header); the import would overwrite domain.yaml and tools.py and mix its tasks "
                "with the folder's. Give -o a new or empty folder, or add --force to write into it "
                "anyway "
                "(files the import does not write stay as they are)"
            )
        own = [rel for rel in files if rel in present and rel not in imported]
        if own:
            raise EigenError(
                f"{', '.join(str(out / rel) for rel in own)} of the earlier import "
                f"{'was' if len(own) == 1 else 'were'} replaced by hand (no import header); the "
                "import would overwrite it. Move it away, or add --force to overwrite it"
            )
    return [rel for rel in imported if rel not in files]


def import_tau2(
    domain_dir: Path | str, spec_dir: Path | str, nl: NlMode = "gate", force: bool = False
) -> ImportResult:
    """Convert a tau2 domain folder into a spec folder; see the module docstring.

    ``nl`` says what NL assertions become: ``gate`` (``judge "..."``, failing the task when not
    met or not judged) or ``advisory`` (``judge "..." advisory``: reported, never gating).
    ``spec_dir`` must be new, empty or an earlier import's output (whose files that this import
    no longer writes are removed); ``force`` writes into any folder, keeping its other files."""
    domain = read_domain(domain_dir)
    module = domain_tools(domain.name)
    tools = tool_specs(module)
    check_actions(domain, tools)
    out = Path(spec_dir)
    source = _reference(domain.root, out)
    spec = {
        "name": f"tau2_{domain.name}",
        "description": f"tau2-bench's {domain.name} domain, imported by `eigendsl import tau2` "
        f"from {source}.",
        "policy": _reference(domain.policy, out),
        "database": {
            "seed": _reference(domain.root / "db.json", out),
            "tables": infer_tables(domain.db),
        },
        "tools": tools,
        "checkers": ["checks/*.chk"],
        "tasks": ["tasks/*.yaml"],
        "user_simulator": {"persona": "A customer contacting customer support.", "max_turns": 60},
        "sampling": {"per_template": 0},
    }
    templates = {check_name(task): template_for(task, tools) for task in domain.tasks}
    instances = [
        {
            "id": f"tau2-{task['id']}",
            "template": check_name(task),
            "split": task_split(str(task["id"]), domain.splits),
        }
        for task in domain.tasks
    ]
    header = HEADER.format(source=source)
    files = {
        "domain.yaml": header + _dump(spec),
        "tools.py": header + tools_module(KNOWN_DOMAINS[domain.name], tools),
        TASKS_FILE: header
        + "# One template per tau2 task (sample: false) and the task itself, id tau2-<id>.\n"
        + _dump({"templates": templates, "tasks": instances}),
        CHECKS_FILE: checks_file(domain.tasks, nl, header),
    }
    stale = _stale_imported_files(out, files, force)
    for rel, text in files.items():
        _write(out / rel, text)
    for rel in stale:
        (out / rel).unlink()
    return ImportResult(out, spec["name"], len(domain.tasks), sorted(files))


__all__ = [
    "ImportResult",
    "KNOWN_DOMAINS",
    "Tau2Domain",
    "check_splits",
    "check_tasks",
    "import_tau2",
    "json_kind",
    "read_domain",
    "read_json",
    "shape_problems",
    "tool_specs",
]
