"""A tau2-bench domain folder, read and checked: what ``eigendsl import tau2`` reads of it.

A tau2 domain folder holds ``db.json`` (tables keyed by id), ``policy.md``, ``tasks.json`` and
optionally ``split_tasks.json``. :func:`read_domain` reads it into a :class:`Tau2Domain`; the
input shapes (:class:`Task` and its parts) say what is read of ``tasks.json``, and
:func:`shape_problems` says, in words, what is wrong with a value for such a shape.
"""

from __future__ import annotations

import importlib
import json
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, Tag, TypeAdapter, ValidationError

from eigendsl.errors import Diagnostic, Diagnostics, EigenError, Span
from eigendsl.tau2.checks import check_name
from eigendsl.yaml_files import json_value

#: tau2 domains whose tool semantics EigenDSL implements: domain name → module with ``TOOLS``,
#: ``TOOL_SCHEMAS``, ``WRITES`` and ``READS``.
KNOWN_DOMAINS = {"retail": "eigendsl.tau2.retail_tools"}
#: The spec ``eigendsl import tau2`` writes of tau2's domain ``retail`` is named ``tau2_retail``.
IMPORTED_PREFIX = "tau2_"


@dataclass
class Tau2Domain:
    """A tau2-bench domain folder, read."""

    root: Path
    name: str
    db: dict[str, Any]
    tasks: list[dict[str, Any]]
    splits: dict[str, list[str]] = field(default_factory=dict)
    places: JsonPlaces | None = None  # tasks.json's text, indexed

    @property
    def policy(self) -> Path:
        return self.root / "policy.md"


def read_json(path: Path) -> tuple[Any, str]:
    """The JSON value of a file of the tau2 domain folder, and its text."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EigenError(
            f"{path} is missing; a tau2 domain folder holds db.json, policy.md and tasks.json"
        ) from None
    except UnicodeDecodeError as exc:
        raise EigenError(
            f"{path} is not UTF-8 text (byte {exc.start} cannot be decoded); save it as UTF-8"
        ) from None
    except OSError as exc:
        raise EigenError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return json_value(text, str(path)), text
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

TaskId = str  # tau2's Task.id is a string (pydantic does not take a number for it)


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
    instructions: str | Instructions  # as tau2's UserScenario, which requires it
    persona: Any = None


class Purpose(BaseModel):
    purpose: Any = None


class Task(BaseModel):
    id: TaskId
    user_scenario: Scenario  # as tau2's Task, which requires it
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


class JsonPlaces:
    """Where things are in a JSON file's text, found without rescanning it: the line starts are
    indexed once (a position's line is a bisection), and a search starts where the last one of
    the same walk ended (tasks.json lists its tasks in order), so locating every task and action
    of a file is linear in its size.

    >>> places = JsonPlaces('[{"id": "a"},\\n {"id":"b", "name": "x"}]')
    >>> places.line_col(places.find("id", "b"))
    (2, 3)
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts = [0, *(match.end() for match in re.finditer("\n", text))]

    def line_col(self, offset: int) -> tuple[int, int]:
        """The 1-based line and column of ``offset`` (``(0, 0)`` for a negative one)."""
        if offset < 0:
            return 0, 0
        line = bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1

    def find(self, key: str, value: Any, start: int = 0) -> int:
        """The offset of the first ``"key": value`` at or after ``start``, with any spacing
        (a minified file's too); -1 when there is none."""
        start = max(start, 0)
        found = self.text.find(f"{json.dumps(key)}: {json.dumps(value)}", start)  # json.dump's
        if found >= 0:
            return found
        values = {json.dumps(value), json.dumps(value, ensure_ascii=False)}
        pattern = re.escape(json.dumps(key)) + r"\s*:\s*(?:" + "|".join(map(re.escape, values))
        match = re.compile(pattern + ")").search(self.text, start)
        return match.start() if match else -1

    def task_offsets(self, tasks: list[Any]) -> list[int]:
        """The offset of each task's ``"id"`` (-1 where it has none or it is not found), each
        searched for after the previous task's."""
        offsets, after = [], 0
        for task in tasks:
            task_id = task.get("id") if isinstance(task, dict) else None
            found = -1
            if isinstance(task_id, (str, int)) and not isinstance(task_id, bool):
                found = self.find("id", task_id, after)
                if found < 0:  # out of order: the first anywhere, as before
                    found = self.find("id", task_id)
                else:
                    after = found + 1
            offsets.append(found)
        return offsets


def import_problems(task: dict[str, Any]) -> list[str]:
    """What keeps a task of the shape of :class:`Task` from being imported: a request that
    says nothing (the import made one up: "Hi, I need some help."), and no evaluation criteria
    (tau2 rewards such a task 1 whatever the agent does; imported, a do-nothing agent passed
    it)."""
    problems = []
    instructions = task["user_scenario"]["instructions"]
    if isinstance(instructions, dict):
        reason = instructions.get("reason_for_call")
        where = "user_scenario.instructions.reason_for_call"
    else:
        reason, where = instructions, "user_scenario.instructions"
    if not isinstance(reason, str) or not reason.strip():
        said = "missing" if reason is None else f"{json_kind(reason)}, not what the user asks for"
        if isinstance(reason, str):
            said = "empty"
        problems.append(
            f"{where} is {said}; write the user's request as a string (the user's first "
            "message, which the import does not make up)"
        )
    if task.get("evaluation_criteria") is None:
        problems.append(
            "it has no evaluation_criteria (tau2 gives such a task reward 1 whatever the agent "
            "does, so it would neither train nor measure anything); give it evaluation_criteria "
            '(its "actions" and "reward_basis"), or remove the task'
        )
    return problems


def check_tasks(tasks: Any, path: Path, text: str | JsonPlaces, importing: bool = False) -> None:
    """Every task of tasks.json has the shape of :class:`Task`; all problems together, each
    naming the task by its id (or its index where it has none). ``importing``: also what keeps
    a task from being imported (:func:`import_problems`), and an empty list."""
    if problems := shape_problems(list[Any], tasks):
        raise EigenError(f"{path}: {problems[0]} of tasks, each {_expected(Task)}")
    if importing and not tasks:
        raise EigenError(
            f"{path} holds no tasks (an empty list); an import needs at least one task, each "
            f"{_expected(Task)}"
        )
    diag = Diagnostics()
    places = text if isinstance(text, JsonPlaces) else JsonPlaces(text)
    offsets = places.task_offsets(tasks)
    names: dict[str, int] = {}
    for index, task in enumerate(tasks):
        has_id = isinstance(task, dict) and not shape_problems(TaskId, task.get("id"))
        label = f"task {task['id']}" if has_id else f"the task at index {index}"
        line, col = places.line_col(offsets[index]) if has_id else (0, 0)
        problems = shape_problems(Task, task)
        if importing and not problems:
            problems = import_problems(task)
        if not problems and has_id:
            first = names.setdefault(check_name(task), index)
            if first != index:
                label = f"{label} (index {index})"
                problems.append(
                    f"its check would be {check_name(task)}, as would that of the "
                    f"task at index {first}; give every task its own id (ids must "
                    "differ in more than punctuation)"
                )
        for problem in problems:
            if line:
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
    places = JsonPlaces(tasks_text)
    check_tasks(tasks, tasks_path, places, importing=True)
    db, _ = read_json(root / "db.json")
    if not isinstance(db, dict) or not db:
        what = "an empty object" if isinstance(db, dict) else json_kind(db)
        raise EigenError(
            f"{root / 'db.json'} is {what}; it must be an object mapping table names to tables "
            'of rows keyed by id, like {"users": {"u1": {"user_id": "u1", ...}}}'
        )
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
    return Tau2Domain(root, name, db, tasks, splits, places)


def domain_tools(name: str) -> Any:
    """The module implementing a known tau2 domain's tools."""
    return importlib.import_module(KNOWN_DOMAINS[name])


__all__ = [
    "KNOWN_DOMAINS",
    "JsonPlaces",
    "Tau2Domain",
    "check_splits",
    "check_tasks",
    "domain_tools",
    "import_problems",
    "json_kind",
    "read_domain",
    "read_json",
    "shape_problems",
]
