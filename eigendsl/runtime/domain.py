"""Load a compiled domain: its tools, guards, verifiers, tasks and seed database.

Accepts a generated folder (``generated/<domain>/``) or a spec folder, which is compiled in
memory first. Generated modules are executed from their text, so nothing is written.
"""

from __future__ import annotations

import types
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Any

from eigendsl.errors import Diagnostic, EigenError, did_you_mean, first_few
from eigendsl.runtime.compiled import (
    CompiledFiles,
    changed_inputs,
    check_outputs,
    key_line,
    shown,
    spec_folder,
)
from eigendsl.runtime.confirm_words import read_confirm_words
from eigendsl.runtime.python_tools import given_clock, python_tool
from eigendsl.runtime.row_schema import read_schemas
from eigendsl.runtime.task_rows import row_problems
from eigendsl.support import SCHEMA_VERSION, Trace

KNOWN_SCHEMA_VERSIONS = {1}
# The manifest's keys of the domain's date and time of day, where it sets them (eigendsl.spec's
# DOMAIN_CLOCK, which the runtime does not import: that module builds every spec model).
CLOCK = ("today", "now")


@dataclass
class ToolInfo:
    name: str
    schema: dict[str, Any]  # OpenAI function format
    writes: bool
    tags: tuple[str, ...]
    impl: Callable[..., Any]
    declared: bool  # a declarative tool takes (db, args) rather than (db, **args)
    origin: Path | None = None  # a Python tool's spec folder, where its exceptions are placed
    #: How its parameters' ids may be named in words (``named_by`` in domain.yaml), by parameter.
    named_by: dict[str, Any] = field(default_factory=dict)

    @property
    def parameters(self) -> dict[str, Any]:
        return self.schema["function"]["parameters"]


@dataclass
class Domain:
    """Everything the runtime needs to play and judge episodes of one domain."""

    name: str
    root: Path
    manifest: dict[str, Any]
    tools: dict[str, ToolInfo]
    tool_schemas: list[dict[str, Any]]
    guards: dict[str, Callable[..., Any]]
    checks: dict[str, types.ModuleType]
    rules: types.ModuleType
    tasks: list[dict[str, Any]]
    seed: dict[str, dict[str, Any]]
    agent_prompt: str
    user_prompt: str
    stop_marker: str = "###STOP###"
    max_turns: int = 30
    files: dict[str, str] = field(default_factory=dict)
    #: A judge model for `judge` statements, (trace, assertion) -> bool; set on every trace judged
    #: here that has none. Without one, those statements are reported as not judged.
    judge_model: Callable[[Trace, str], bool] | None = None
    #: Each table's key and field types (``db.json``'s ``schema``), for what Python tools write.
    schemas: dict[str, Any] = field(default_factory=dict)
    #: A list while lint replays gold plans: calls are audited (:class:`.environment.Environment`)
    audit: list[Any] | None = None
    #: The spec folder a compiled folder on disk was made from and its files changed since the
    #: compile (None when none changed): the domain is the folder as compiled.
    spec_changes: tuple[Path, list[str]] | None = None
    #: The words the verifiers' ``confirmed(c, [...])`` list as naming what each write does
    #: (``{"modify_pending_order_address": ("change", "ship")}``), by the tool's name: the
    #: scripted user says yes only to a proposal they would count. None when no verifier reads
    #: a confirmation. Compiled as data (``verifiers/index.json``, ``confirm_words``).
    confirm_words: dict[str, tuple[str, ...]] | None = None

    @cached_property
    def id_kinds(self) -> dict[str, tuple[list[str], bool]]:
        """:func:`eigendsl.runtime.mistakes.id_kinds` of the seed database, computed once."""
        from eigendsl.runtime.mistakes import id_kinds

        return id_kinds(self.seed)

    @cached_property
    def parameter_share(self) -> dict[str, int]:
        """How many tools take a parameter of each name."""
        return dict(
            Counter(n for t in self.tools.values() for n in t.parameters.get("properties", {}))
        )

    def said_order(self, args: dict[str, Any]) -> dict[str, Any]:
        """A call's ``args`` in the order the agent says them when it proposes the call: the
        parameters fewest tools take first (ties keep their order).

        What comes first after the tool's name tells the tool apart: "exchange ... with new item
        ids ..., item ids ..." rather than "item ids ..., new item ids ...", where a small model
        must recall the tool named many tokens back to choose the second clause (and left it out
        in every held-out exchange on some seeds, docs/training.md, *Said first*).
        """
        share = self.parameter_share
        return dict(sorted(args.items(), key=lambda kv: share.get(kv[0], 0)))

    @property
    def tool_meta(self) -> dict[str, dict[str, Any]]:
        return {
            n: {"writes": t.writes, "tags": t.tags, "named_by": t.named_by}
            for n, t in self.tools.items()
        }

    def task(self, task_id: str) -> dict[str, Any]:
        for task in self.tasks:
            if task["id"] == task_id:
                return task
        ids = [t["id"] for t in self.tasks]
        raise EigenError(
            f"no task '{task_id}' in domain {self.name}"
            + did_you_mean(task_id, ids, f"its tasks are {first_few(ids, 8)}")
        )

    def judge(self, trace: Trace, task: dict[str, Any]) -> dict[str, Any]:
        """The task's check and every policy rule on ``trace``: one verdict dict."""
        if self.judge_model is not None and trace.judge is None:
            model = self.judge_model
            trace.judge = lambda assertion: model(trace, assertion)
        check = self.checks[task["check"]].verify(trace)
        policy = self.rules.verify(trace)
        failures = [f.to_dict() | {"verifier": check.name} for f in check.failures]
        # A rule the check `use`s fails in both: it is one failure, reported once (as the check's).
        found = {(f["path"], f["line"], f["col"], f["reason"]) for f in failures}
        failures += [
            f.to_dict() | {"verifier": "policy"}
            for f in policy.failures
            if (f.path, f.line, f.col, f.reason) not in found
        ]
        verdict = {
            "schema_version": SCHEMA_VERSION,
            "passed": check.passed and policy.passed,
            # The check's score, halved when the policy was broken.
            "score": round(check.score if policy.passed else check.score / 2, 6),
            "check": {"name": check.name, "passed": check.passed, "score": check.score},
            "policy": {"passed": policy.passed, "score": policy.score},
            "failures": failures,
        }
        # `judge` statements: advisory ones that did not hold, and every one no judge model ran on.
        notes = [f.to_dict() | {"verifier": check.name} for f in check.notes]
        notes += [f.to_dict() | {"verifier": "policy"} for f in policy.notes]
        if notes:
            verdict["notes"] = notes
        not_judged = [f.values["assertion"] for f in check.not_judged + policy.not_judged]
        if not_judged:
            verdict["not_judged"] = not_judged
        return verdict


def load_domain(path: Path | str, extra: list[Path] | None = None) -> Domain:
    """Load ``generated/<domain>/`` or compile a spec folder (plus ``extra`` checker and task
    files) in memory and load that."""
    root = Path(path)
    if root.name in ("domain.yaml", "manifest.yaml") and root.is_file():  # a file for its folder
        root = root.parent
    if (root / "domain.yaml").is_file():
        from eigendsl.compiler import compile_domain

        return load_compiled(compile_domain(root, extra=extra).files, root)
    if not (root / "manifest.yaml").is_file():
        raise EigenError(
            f"{root} is neither a spec folder (domain.yaml) nor a compiled domain (manifest.yaml)"
        )
    if extra:
        raise EigenError("extra checker and task files need a spec folder, not a compiled domain")
    return load_compiled(None, root)


def unknown_version(version: Any) -> str:
    """Why a compiled file's ``schema_version`` is refused (``run`` and ``train`` alike)."""
    return (
        f"schema_version must be one this EigenDSL reads ({sorted(KNOWN_SCHEMA_VERSIONS)}), "
        f"not {shown(version)}"
    )


def _manifest(compiled: CompiledFiles) -> dict[str, Any]:
    rel = "manifest.yaml"
    manifest = compiled.need(rel, compiled.yaml(rel), dict, "the manifest")
    at = partial(key_line, compiled.text(rel))
    version = manifest.get("schema_version")
    # A list or a mapping cannot be looked up in a set, and true would pass for 1.
    if type(version) is not int or version not in KNOWN_SCHEMA_VERSIONS:
        raise compiled.error(rel, unknown_version(version), at("schema_version"))
    compiled.field(rel, manifest, "domain", str, line=at("domain"))
    for name in CLOCK:
        if name in manifest:
            compiled.field(rel, manifest, name, str, line=at(name))
    settings = manifest.get("user_simulator") or {}
    compiled.need(rel, settings, dict, "'user_simulator'", at("user_simulator"))
    compiled.need(rel, settings.get("stop_marker", ""), str, "'stop_marker'", at("stop_marker"))
    compiled.need(rel, settings.get("max_turns", 30), int, "'max_turns'", at("max_turns"))
    return manifest


def _tools(
    compiled: CompiledFiles,
    declared: dict[str, Any],
    spec_dir: Callable[[], Path],
    clock: dict[str, str] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, ToolInfo]]:
    rel = "tools.json"
    doc = compiled.need(rel, compiled.json(rel), dict, "the top level")
    schemas = compiled.field(rel, doc, "tools", list)
    meta = compiled.field(rel, doc, "meta", dict)
    tools: dict[str, ToolInfo] = {}
    for schema in schemas:
        schema = compiled.need(rel, schema, dict, "each entry of 'tools'")
        function = compiled.field(rel, schema, "function", dict, "a tool")
        name = compiled.field(rel, function, "name", str, "a tool's 'function'")
        compiled.field(rel, function, "parameters", dict, f"the function of tool '{name}'")
        info = compiled.field(rel, meta, name, dict, "'meta'")
        writes = compiled.field(rel, info, "writes", bool, f"the meta of tool '{name}'")
        tags = compiled.field(rel, info, "tags", list, f"the meta of tool '{name}'")
        named_by = compiled.need(
            rel, info.get("named_by", {}), dict, f"'named_by' of the meta of tool '{name}'"
        )
        for param, naming in named_by.items():
            what = f"the naming of parameter '{param}' of tool '{name}'"
            compiled.field(rel, compiled.need(rel, naming, dict, what), "fields", list, what)
        if name in declared:
            impl, is_declared, origin = declared[name], True, None
        else:
            target = info.get("python")
            if not isinstance(target, str) or target.count(":") != 1:
                raise compiled.error(
                    rel,
                    f"tool '{name}' has no implementation (no 'python': 'module:function' in "
                    "its meta, nor a declarative body)",
                )
            origin = spec_dir()
            impl, is_declared = python_tool(origin, target, name), False
            if clock:
                impl = given_clock(impl, clock)
        tools[name] = ToolInfo(
            name, schema, writes, tuple(tags), impl, is_declared, origin, named_by
        )
    return schemas, tools


#: How many problems of a damaged tasks.jsonl are reported: the first ones tell what happened.
MAX_TASK_PROBLEMS = 10


def _tasks(
    compiled: CompiledFiles, checks: dict[str, Any], tools: dict[str, ToolInfo]
) -> list[dict[str, Any]]:
    """The rows of tasks.jsonl, each checked against
    :class:`~eigendsl.runtime.task_rows.TaskRow` and the domain's checks and tools; the problems
    found (the first ten) are reported in one error."""
    rel = "tasks.jsonl"
    tasks = []
    problems: list[Diagnostic] = []
    first_line: dict[str, int] = {}
    for line, task in compiled.jsonl(rel):
        task = compiled.need(rel, task, dict, "each line", line)
        task_id = compiled.field(rel, task, "id", str, "this task", line)
        found = row_problems(task)
        if not found:
            found = _cross_problems(task, checks, tools)
        if task_id in first_line:
            found.append(f"its id is used already by the task on line {first_line[task_id]}")
        first_line.setdefault(task_id, line)
        problems += [compiled.problem(rel, f"task '{task_id}': {p}", line) for p in found]
        if len(problems) >= MAX_TASK_PROBLEMS:
            break
        tasks.append(task)
    if problems:
        raise EigenError(problems[:MAX_TASK_PROBLEMS])
    return tasks


def _cross_problems(
    task: dict[str, Any], checks: dict[str, Any], tools: dict[str, ToolInfo]
) -> list[str]:
    """Names in a well-formed row that the other compiled files do not define."""
    found = []
    if task["schema_version"] not in KNOWN_SCHEMA_VERSIONS:
        found.append(unknown_version(task["schema_version"]))
    if task["check"] not in checks:
        found.append(
            f"it names the check '{task['check']}', which verifiers/index.json does not list"
            f"{did_you_mean(task['check'], checks)}"
        )
    for index, step in enumerate(task["gold"]):
        if "tool" in step and step["tool"] not in tools:
            found.append(
                f"gold[{index}] calls the tool '{step['tool']}', which tools.json does not "
                f"define{did_you_mean(step['tool'], tools)}"
            )
    return found


def load_compiled(files: dict[str, str] | None, root: Path) -> Domain:
    """A domain from compiled files in memory (``files``, with ``root`` the spec folder), or
    from the compiled folder ``root`` when ``files`` is None.

    A missing or broken compiled file is an EigenError at that file that says to compile again.
    """
    compiled = CompiledFiles(root, files)
    manifest = _manifest(compiled)
    found: list[Path] = []

    def spec_dir() -> Path:  # looked for only when a tool is Python, and then once
        if not found:
            found.append(root if files is not None else spec_folder(compiled, manifest))
        return found[0]

    prefix = f"eigendsl_generated_{manifest['domain']}"

    # the functions of the checker blocks, which the checks and rules that use them import
    blocks_rel = "verifiers/blocks.py"
    siblings = {}
    if compiled.has(blocks_rel):
        siblings["blocks"] = compiled.module(blocks_rel, f"{prefix}.blocks")

    def load(rel: str, attribute: str, kind: type | None) -> types.ModuleType:
        module = compiled.module(rel, f"{prefix}.{Path(rel).stem}", siblings)
        compiled.attribute(rel, module, attribute, kind)
        return module

    index_rel = "verifiers/index.json"
    index = compiled.need(index_rel, compiled.json(index_rel), dict, "the top level")
    checks = {}
    for name, info in compiled.field(index_rel, index, "checks", dict).items():
        info = compiled.need(index_rel, info, dict, f"the entry of check '{name}'")
        module = compiled.field(index_rel, info, "module", str, f"the entry of check '{name}'")
        checks[name] = load(f"verifiers/{module}.py", "verify", None)
    declared = load("verifiers/tools_declared.py", "TOOLS", dict).TOOLS
    guards = load("verifiers/guards.py", "GUARDS", dict).GUARDS
    rules = load("verifiers/rules.py", "verify", None)
    tool_schemas, tools = _tools(
        compiled, declared, spec_dir, {k: manifest[k] for k in CLOCK if k in manifest}
    )
    tasks = _tasks(compiled, checks, tools)
    db = compiled.need("db.json", compiled.json("db.json"), dict, "the top level")
    seed = compiled.field("db.json", db, "tables", dict)
    for table, rows in seed.items():
        compiled.need("db.json", rows, dict, f"table '{table}'")
    schemas = read_schemas(compiled, db.get("schema", {}))
    user_settings = manifest.get("user_simulator") or {}
    domain = Domain(
        name=manifest["domain"],
        root=root,
        manifest=manifest,
        tools=tools,
        tool_schemas=tool_schemas,
        guards=guards,
        checks=checks,
        rules=rules,
        tasks=tasks,
        seed=seed,
        agent_prompt=compiled.text("prompts/agent_system.md"),
        user_prompt=compiled.text("prompts/user_simulator.md"),
        stop_marker=user_settings.get("stop_marker", "###STOP###"),
        max_turns=user_settings.get("max_turns", 30),
        files=files or {},
        schemas=schemas,
        confirm_words=read_confirm_words(compiled, index),
    )
    check_outputs(compiled, manifest)  # after the reads that place a broken file
    spec, changed = changed_inputs(compiled, manifest)
    domain.spec_changes = (spec, changed) if changed else None
    return domain
