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
from typing import Any, Literal

import yaml

from eigendsl.errors import Diagnostic, Diagnostics, EigenError, Span, did_you_mean
from eigendsl.tau2.checks import NlMode, check_name, checks_file
from eigendsl.tau2.schema import infer_tables

#: tau2 domains whose tool semantics EigenDSL implements: domain name → module with ``TOOLS``,
#: ``TOOL_SCHEMAS``, ``WRITES`` and ``READS``.
KNOWN_DOMAINS = {"retail": "eigendsl.tau2.retail_tools"}

TASKS_FILE = "tasks/tau2.yaml"
CHECKS_FILE = "checks/tau2.chk"
HEADER = (
    "# Generated from tau2-bench by `eigendsl import tau2` from {source}.\n"
    "# Re-run the import rather than editing by hand.\n"
)

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


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EigenError(
            Diagnostic(
                Span(str(path), 0, 0),
                f"{path.name} is missing; a tau2 domain folder "
                "holds db.json, policy.md and tasks.json",
            )
        ) from None
    except json.JSONDecodeError as exc:
        raise EigenError(
            Diagnostic(Span(str(path), exc.lineno, exc.colno), f"invalid JSON: {exc.msg}")
        ) from None


def read_domain(domain_dir: Path | str) -> Tau2Domain:
    """Read a tau2 domain folder; its name is the folder's name (or the tasks' ``domain``)."""
    root = Path(domain_dir)
    if not root.is_dir():
        raise EigenError(
            f"{root} is not a folder; give a tau2 domain folder (db.json, policy.md, tasks.json)"
        )
    tasks_path = root / "tasks.json"
    tasks = _read_json(tasks_path)
    if not isinstance(tasks, list):
        raise EigenError(
            Diagnostic(Span(str(tasks_path), 1, 1), "tasks.json must be a list of tasks")
        )
    db = _read_json(root / "db.json")
    if not (root / "policy.md").is_file():
        raise EigenError(
            f"{root / 'policy.md'} is missing; a tau2 domain folder holds db.json, policy.md "
            "and tasks.json"
        )
    splits = _read_json(root / "split_tasks.json") if (root / "split_tasks.json").is_file() else {}
    name = root.resolve().name
    if name not in KNOWN_DOMAINS:
        named = {
            str(((t.get("user_scenario") or {}).get("instructions") or {}).get("domain"))
            for t in tasks
            if isinstance(t, dict)
        }
        name = next((n for n in named if n in KNOWN_DOMAINS), name)
    if name not in KNOWN_DOMAINS:
        raise EigenError(
            f"no tool implementation for the tau2 domain '{name}' ({root}); EigenDSL implements "
            f"the tools of: {', '.join(sorted(KNOWN_DOMAINS))}"
        )
    return Tau2Domain(root, name, db, tasks, splits, tasks_path.read_text(encoding="utf-8"))


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
    description = (
        (task.get("description") or {}).get("purpose")
    ) or f"tau2-bench task {task['id']}"
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


def import_tau2(domain_dir: Path | str, spec_dir: Path | str, nl: NlMode = "gate") -> ImportResult:
    """Convert a tau2 domain folder into a spec folder; see the module docstring.

    ``nl`` says what NL assertions become: ``gate`` (``judge "..."``, failing the task when not
    met or not judged) or ``advisory`` (``judge "..." advisory``: reported, never gating)."""
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
    for rel, text in files.items():
        _write(out / rel, text)
    return ImportResult(out, spec["name"], len(domain.tasks), sorted(files))


__all__ = [
    "ImportResult",
    "KNOWN_DOMAINS",
    "Tau2Domain",
    "import_tau2",
    "read_domain",
    "tool_specs",
]
