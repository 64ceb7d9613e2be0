"""Load a compiled domain: its tools, guards, verifiers, tasks and seed database.

Accepts a generated folder (``generated/<domain>/``) or a spec folder, which is compiled in
memory first. Generated modules are executed from their text, so nothing is written.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import types
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable

import yaml

from eigendsl.errors import EigenError
from eigendsl.support import SCHEMA_VERSION, Trace

KNOWN_SCHEMA_VERSIONS = {1}


def _module(name: str, text: str, filename: str) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__file__ = filename
    exec(compile(text, filename, "exec"), module.__dict__)  # noqa: S102 - our own generated code
    return module


@dataclass
class ToolInfo:
    name: str
    schema: dict[str, Any]  # OpenAI function format
    writes: bool
    tags: tuple[str, ...]
    impl: Callable[..., Any]
    declared: bool  # a declarative tool takes (db, args) rather than (db, **args)

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

    @cached_property
    def id_kinds(self) -> dict[str, tuple[list[str], bool]]:
        """:func:`eigendsl.runtime.scripted.id_kinds` of the seed database, computed once."""
        from eigendsl.runtime.scripted import id_kinds

        return id_kinds(self.seed)

    @property
    def tool_meta(self) -> dict[str, dict[str, Any]]:
        return {n: {"writes": t.writes, "tags": t.tags} for n, t in self.tools.items()}

    def task(self, task_id: str) -> dict[str, Any]:
        for task in self.tasks:
            if task["id"] == task_id:
                return task
        known = ", ".join(t["id"] for t in self.tasks[:8])
        raise EigenError(f"no task '{task_id}' in domain {self.name} (tasks include {known}, ...)")

    def judge(self, trace: Trace, task: dict[str, Any]) -> dict[str, Any]:
        """The task's check and every policy rule on ``trace``: one verdict dict."""
        if self.judge_model is not None and trace.judge is None:
            model = self.judge_model
            trace.judge = lambda assertion: model(trace, assertion)
        check = self.checks[task["check"]].verify(trace)
        policy = self.rules.verify(trace)
        failures = [f.to_dict() | {"verifier": check.name} for f in check.failures]
        failures += [f.to_dict() | {"verifier": "policy"} for f in policy.failures]
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


def _read(root: Path, files: dict[str, str] | None, rel: str) -> str:
    if files is not None:
        if rel not in files:
            raise EigenError(f"compiled domain lacks {rel}")
        return files[rel]
    path = root / rel
    if not path.is_file():
        raise EigenError(f"{path} does not exist; is {root} a folder written by `eigendsl compile`?")
    return path.read_text(encoding="utf-8")


def _python_tool(spec_dir: Path, target: str) -> Callable[..., Any]:
    module_name, function = target.split(":")
    path = spec_dir / (module_name.replace(".", "/") + ".py")
    key = f"eigendsl_spec_{abs(hash(str(path.resolve())))}_{module_name.replace('.', '_')}"
    module = sys.modules.get(key)
    if module is None:
        spec = importlib.util.spec_from_file_location(key, path)
        if spec is None or spec.loader is None:
            raise EigenError(f"cannot load tool module {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return getattr(module, function)


def load_domain(path: Path | str, extra: list[Path] | None = None) -> Domain:
    """Load ``generated/<domain>/`` or compile a spec folder (plus ``extra`` checker and task
    files) in memory and load that."""
    root = Path(path)
    if (root / "domain.yaml").is_file():
        from eigendsl.compiler import compile_domain

        return load_compiled(compile_domain(root, extra=extra).files, root)
    if not (root / "manifest.yaml").is_file():
        raise EigenError(f"{root} is neither a spec folder (domain.yaml) nor a compiled domain (manifest.yaml)")
    if extra:
        raise EigenError("extra checker and task files need a spec folder, not a compiled domain")
    return load_compiled(None, root)


def load_compiled(files: dict[str, str] | None, root: Path) -> Domain:
    """A domain from compiled files in memory (``files``, with ``root`` the spec folder), or
    from the compiled folder ``root`` when ``files`` is None."""
    spec_dir = root
    manifest = yaml.safe_load(_read(root, files, "manifest.yaml"))
    version = manifest.get("schema_version")
    if version not in KNOWN_SCHEMA_VERSIONS:
        raise EigenError(f"{root}/manifest.yaml has schema_version {version}; this EigenDSL reads "
                         f"{sorted(KNOWN_SCHEMA_VERSIONS)}. Recompile with `eigendsl compile`.")
    if files is None:
        spec_dir = (root / manifest["spec_dir"]).resolve()
    tools_doc = json.loads(_read(root, files, "tools.json"))
    prefix = f"eigendsl_generated_{manifest['domain']}"
    load = lambda rel: _module(f"{prefix}.{Path(rel).stem}", _read(root, files, rel), str(root / rel))  # noqa: E731
    index = json.loads(_read(root, files, "verifiers/index.json"))
    declared = load("verifiers/tools_declared.py").TOOLS
    guards = load("verifiers/guards.py").GUARDS
    rules = load("verifiers/rules.py")
    checks = {name: load(f"verifiers/{info['module']}.py") for name, info in index["checks"].items()}
    tools: dict[str, ToolInfo] = {}
    for schema in tools_doc["tools"]:
        name = schema["function"]["name"]
        meta = tools_doc["meta"][name]
        if name in declared:
            impl, is_declared = declared[name], True
        else:
            target = meta.get("python")
            if target is None:
                raise EigenError(f"tool '{name}' has no implementation; recompile the domain")
            impl, is_declared = _python_tool(spec_dir, target), False
        tools[name] = ToolInfo(name, schema, meta["writes"], tuple(meta["tags"]), impl, is_declared)
    tasks = [json.loads(line) for line in _read(root, files, "tasks.jsonl").splitlines() if line.strip()]
    seed = json.loads(_read(root, files, "db.json"))["tables"]
    user_settings = manifest.get("user_simulator") or {}
    return Domain(
        name=manifest["domain"], root=root, manifest=manifest, tools=tools,
        tool_schemas=tools_doc["tools"], guards=guards, checks=checks, rules=rules, tasks=tasks,
        seed=seed, agent_prompt=_read(root, files, "prompts/agent_system.md"),
        user_prompt=_read(root, files, "prompts/user_simulator.md"),
        stop_marker=user_settings.get("stop_marker", "###STOP###"),
        max_turns=int(user_settings.get("max_turns", 30)), files=files or {},
    )
