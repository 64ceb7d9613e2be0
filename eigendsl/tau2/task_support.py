"""What of a tau2 task the import can express, said per task before the spec is written.

tau2 grades a task by the parts of its ``reward_basis``; the import writes a check for each part
it can express (:mod:`eigendsl.tau2.checks`). What it cannot express is said on the terminal, at
the place in ``tasks.json`` (:func:`task_problems`), and never becomes a check that passes
every agent where tau2 grades:

* a ``reward_basis`` entry that is not one of tau2's reward types is an error at it (tau2's
  models refuse such a task), :func:`basis_errors`;
* graded environment assertions (``ENV_ASSERTION`` with ``env_assertions``) have no
  implementation: a warning, and the task is left out where they are all its check would have;
* a non-empty ``initial_state`` (data updates, initialization actions, a message history that
  tau2 applies before the episode) is a warning and the task is left out: every task of a spec
  starts from the one seed database, with no messages, so it would start elsewhere than tau2's;
* a field tau2 does not define, on a task or its ``evaluation_criteria``, is a warning: tau2's
  models ignore it, and so does the import.

:func:`refused_gold_steps` replays each task's gold actions with the domain's tools, as tau2's
evaluator does, and returns the steps the tools refuse: an ACTION check matches those as tau2
does (a refused call counts), and the import names them in its summary.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eigendsl.errors import Diagnostic, Span, did_you_mean
from eigendsl.tau2.checks import REWARD_PARTS, env_assertions, reward_basis, statements
from eigendsl.tau2.domain_folder import JsonPlaces

#: The fields of tau2's ``Task`` and ``EvaluationCriteria`` models; others are ignored by tau2.
TASK_FIELDS = (
    "id",
    "description",
    "user_scenario",
    "ticket",
    "initial_state",
    "evaluation_criteria",
    "issues",
    "required_documents",
    "user_tools",
)
CRITERIA_FIELDS = ("actions", "env_assertions", "communicate_info", "nl_assertions", "reward_basis")


@dataclass(frozen=True)
class TaskProblem:
    """One thing of a task the import cannot express: a warning, and whether the task is left
    out of the spec."""

    task_id: str
    warning: Diagnostic
    left_out: bool


class _Text:
    """tasks.json's text (indexed: :class:`~eigendsl.tau2.domain_folder.JsonPlaces`), for
    positions inside one task's part of it."""

    def __init__(self, path: Path, places: JsonPlaces, tasks: list[dict[str, Any]]):
        self.path, self.places, self.tasks = str(path), places, tasks

    def span(self, index: int, *needles: str) -> Span:
        """Where the last of ``needles`` is, searched in order after the id of task ``index``
        and before the next task's id (the task's id where one is not found)."""
        start = self.places.find("id", self.tasks[index]["id"])
        if start < 0:
            return Span(self.path, 0, 0)
        end = -1
        if index + 1 < len(self.tasks):
            end = self.places.find("id", self.tasks[index + 1]["id"], start + 1)
        text = self.places.text
        offset = found = start
        for needle in needles:
            found = text.find(needle, offset, end if end >= 0 else len(text))
            if found < 0:
                found = start
                break
            offset = found
        return Span(self.path, *self.places.line_col(found))

    def diagnostic(self, span: Span, message: str, severity: str = "warning") -> Diagnostic:
        # a position not found: the file's path starts the message, as check_tasks writes it
        return Diagnostic(span, message if span.line else f"{self.path}: {message}", severity)


def basis_errors(path: Path, places: JsonPlaces, tasks: list[dict[str, Any]]) -> list[Diagnostic]:
    """A ``reward_basis`` entry that is not one of tau2's reward types, at the entry."""
    where = _Text(path, places, tasks)
    errors = []
    for index, task in enumerate(tasks):
        basis = (task.get("evaluation_criteria") or {}).get("reward_basis") or []
        for position, entry in enumerate(basis):
            if entry in REWARD_PARTS:
                continue
            span = where.span(index, '"reward_basis"', json.dumps(entry))
            errors.append(
                where.diagnostic(
                    span,
                    f"task {task['id']}: evaluation_criteria.reward_basis[{position}] is "
                    f"{json.dumps(entry)}, not one of tau2's reward types "
                    f"({', '.join(REWARD_PARTS)}){did_you_mean(str(entry), REWARD_PARTS)}; "
                    "tau2 refuses such a task. Write one of them, or remove the entry",
                    "error",
                )
            )
    return errors


def _set_parts(state: Any) -> list[str]:
    """The parts of an ``initial_state`` that set something (absent, null and empty set none)."""
    if not isinstance(state, dict):
        return ["initial_state"] if state else []
    parts = []
    data = state.get("initialization_data")
    if isinstance(data, dict):
        parts += [f"initialization_data.{k}" for k, v in data.items() if v]
    elif data:
        parts.append("initialization_data")
    parts += [k for k, v in state.items() if k != "initialization_data" and v]
    return parts


def task_problems(path: Path, places: JsonPlaces, tasks: list[dict[str, Any]]) -> list[TaskProblem]:
    """What the import cannot express of each task (see the module docstring), in task order."""
    where = _Text(path, places, tasks)
    problems: list[TaskProblem] = []

    def add(index: int, span: Span, message: str, left_out: bool = False) -> None:
        task_id = str(tasks[index]["id"])
        warning = where.diagnostic(span, f"task {task_id}: {message}")
        problems.append(TaskProblem(task_id, warning, left_out))

    for index, task in enumerate(tasks):
        for key in task:
            if key not in TASK_FIELDS:
                add(
                    index,
                    where.span(index, f'"{key}"'),
                    f"{key} is not a field of a tau2 task{did_you_mean(key, TASK_FIELDS)}; "
                    "the import ignored it, as tau2 does",
                )
        criteria = task.get("evaluation_criteria") or {}
        for key in criteria:
            if key not in CRITERIA_FIELDS:
                add(
                    index,
                    where.span(index, '"evaluation_criteria"', f'"{key}"'),
                    f"evaluation_criteria.{key} is not a field of tau2's evaluation criteria"
                    f"{did_you_mean(key, CRITERIA_FIELDS)}; the import ignored it, as tau2 "
                    "does, so nothing of it is checked",
                )
        if parts := _set_parts(task.get("initial_state")):
            add(
                index,
                where.span(index, '"initial_state"'),
                f"initial_state sets {', '.join(parts)}, which tau2 applies before the "
                "episode; an EigenDSL task starts from the spec's one seed database "
                "(db.json) with no messages, so the task would start elsewhere than tau2's "
                "and is left out. To import it, give it a folder of its own whose db.json "
                "has the state applied, and remove its initial_state there",
                left_out=True,
            )
        if assertions := env_assertions(task):
            span = where.span(index, '"reward_basis"', '"ENV_ASSERTION"')
            count = f"{len(assertions)} environment assertion{'s' if len(assertions) > 1 else ''}"
            rest = [part for part in reward_basis(task) if part != "ENV_ASSERTION"]
            if not statements(task):
                add(
                    index,
                    span,
                    f"ENV_ASSERTION ({count}) is all its reward basis grades"
                    f"{' that lists anything' if rest else ''}, and EigenDSL cannot check "
                    "tau2's environment assertions; the task is left out (its check would "
                    "pass every agent, where tau2 grades the assertions)",
                    left_out=True,
                )
            else:
                add(
                    index,
                    span,
                    f"ENV_ASSERTION ({count}) is not checked: EigenDSL cannot check tau2's "
                    f"environment assertions. The task is imported with the rest of its "
                    f"reward basis ({', '.join(rest)}), so its check passes episodes that "
                    "fail an assertion, which tau2 fails",
                )
    return problems


class _RowsCopiedOnLookup:
    """A table whose rows are copied when looked up by key, as the tools look up the rows they
    change; a scan (``items``, ``values``) reads the rows as they are. A gold replay so costs a
    few rows' copies, not the database's."""

    def __init__(self, rows: dict[str, Any]):
        self._rows, self._copies = rows, {}  # type: dict[str, Any], dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        if key not in self._copies:
            self._copies[key] = copy.deepcopy(self._rows[key])
        return self._copies[key]

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self._rows else default

    def keys(self) -> Any:
        return self._rows.keys()

    def items(self) -> Iterator[tuple[str, Any]]:
        return ((key, self._copies.get(key, row)) for key, row in self._rows.items())

    def values(self) -> Iterator[Any]:
        return (self._copies.get(key, row) for key, row in self._rows.items())


def refused_gold_steps(
    db: dict[str, Any], tasks: list[dict[str, Any]], tools: dict[str, Any]
) -> dict[str, list[tuple[int, str, str]]]:
    """By task id, the gold actions the domain's ``tools`` refuse when the task's actions are
    replayed in order on a fresh ``db`` (which is not changed): ``(index, tool, message)``."""
    refused: dict[str, list[tuple[int, str, str]]] = {}
    for task in tasks:
        state = {
            name: _RowsCopiedOnLookup(rows) if isinstance(rows, dict) else copy.deepcopy(rows)
            for name, rows in db.items()
        }
        for index, action in enumerate(
            (task.get("evaluation_criteria") or {}).get("actions") or ()
        ):
            name = str(action.get("name"))
            try:
                tools[name](state, **(action.get("arguments") or {}))
            except Exception as exc:  # noqa: BLE001 - a refusal, as tau2's replay swallows it
                refused.setdefault(str(task["id"]), []).append((index, name, str(exc)))
    return refused


__all__ = ["TaskProblem", "basis_errors", "refused_gold_steps", "task_problems"]
