"""Checks of ``domain.yaml``'s settings and policy that need the loaded spec, each at the
setting's line: a training setting misspelt, of the wrong kind or a value its stage does not
take (``epochs: 0``), a catalog naming no table, a stop marker that a user says without meaning
to end the conversation, and a policy file with nothing in it.

A stop marker ends an episode wherever a user's message holds it (``stop_marker in text``,
:mod:`eigendsl.runtime.episodes`): ``"yes"`` ends it at "yes, confirmed", ``"415"`` at every phone
number the user reads out. Such a marker is a warning, not an error: a spec whose users never say
it works, which compile cannot know.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from eigendsl.errors import Diagnostics, Span, did_you_mean
from eigendsl.loader import LoadedSpec
from eigendsl.settings_spec import DEFAULT_STOP_MARKER
from eigendsl.training_spec import STAGE_DEFAULTS, kind_problem, unknown_setting, value_problem
from eigendsl.yaml_places import locate


def check_training(loaded: LoadedSpec, diag: Diagnostics) -> None:
    """Each training setting is one of its stage's (a misspelt one, at its key, with a
    suggestion), of its kind (``yes`` for a bool, text for a number) and a value its stage takes
    (``epochs: 0``, ``tasks: heldout`` are refused here, not when ``eigendsl train`` reaches
    them), and ``training.sft.catalog`` names tables of the database. Every setting is checked,
    each reported once, beside the spec's other errors (pydantic takes any mapping of settings,
    so that a misspelt one does not stop the compile alone)."""
    at_file = Span(loaded.display("domain.yaml"), 1, 1)
    training = loaded.spec.training
    for stage in STAGE_DEFAULTS:
        for key, given in getattr(training, stage).items():
            if (unknown := unknown_setting(stage, str(key))) is not None:
                span = locate(loaded.raw, ["training", stage, key], at_file, value=False)
                diag.error(span, f"training.{stage}: {unknown}")
            elif (kind := kind_problem(stage, str(key), given)) is not None:
                span = locate(loaded.raw, ["training", stage, key], at_file, value=True)
                diag.error(span, f"training.{stage}: {kind}")
            elif (problem := value_problem(stage, key, given)) is not None:
                path = ["training", stage, key, *problem.at]
                diag.error(locate(loaded.raw, path, at_file, value=True), problem.sentence)
    tables = loaded.spec.database.tables
    catalog = training.sft.get("catalog", [])
    for at, table in enumerate(catalog if isinstance(catalog, list) else []):
        if isinstance(table, str) and table not in tables:  # a non-string: value_problem
            diag.error(
                locate(loaded.raw, ["training", "sft", "catalog", at], at_file, value=True),
                f"training.sft.catalog names {table!r}, which is not a table"
                + (did_you_mean(str(table), tables) or f"; the tables are {', '.join(tables)}"),
            )


def check_stop_marker(loaded: LoadedSpec, diag: Diagnostics) -> None:
    """A warning at ``user_simulator.stop_marker`` when a user may say it without meaning to end
    the conversation: it is only letters, digits and spaces (an ordinary word or number), or a
    value of the seed data or a template's user text holds it (a fact the user states)."""
    marker = loaded.spec.user_simulator.stop_marker
    at_file = Span(loaded.display("domain.yaml"), 1, 1)
    span = locate(loaded.raw, ["user_simulator", "stop_marker"], at_file, value=True)
    fix = (
        f"write text no one says otherwise, such as '{DEFAULT_STOP_MARKER}' (the default)"
        if marker != DEFAULT_STOP_MARKER
        else "write another stop_marker under user_simulator"
    )
    if all(char.isalnum() or char.isspace() for char in marker):
        diag.warning(
            span,
            f"the stop marker {marker!r} is an ordinary word or number (only letters, digits and "
            "spaces), and an episode ends at the first user message that holds it, such as "
            f"'{marker}, confirmed'; {fix}",
        )
        return
    said = next((where for where, text in _user_texts(loaded) if marker in text), None)
    if said is not None:
        diag.warning(
            span,
            f"the stop marker {marker!r} occurs in {said}, so a user who says it ends the "
            f"conversation there; {fix}",
        )


def check_policy(loaded: LoadedSpec, diag: Diagnostics) -> None:
    """A warning at ``policy:`` when the policy file holds nothing but blanks: the agent's prompt
    then has no rule to follow, while the checks still judge it by the rules."""
    if loaded.policy.strip():
        return
    at_file = Span(loaded.display("domain.yaml"), 1, 1)
    diag.warning(
        locate(loaded.raw, ["policy"], at_file, value=True),
        f"the policy file '{loaded.spec.policy}' is empty, so the agent's prompt states no "
        "policy while the checks and rules still judge it by one; write the policy the agent "
        "must follow in it",
    )


def _user_texts(loaded: LoadedSpec) -> Iterator[tuple[str, str]]:
    """Each text a user may say, with where it is written: the seed data's values (the facts a
    user reads out) and the templates' and tasks' user scenarios."""
    for table, rows in loaded.seed.items() if isinstance(loaded.seed, dict) else ():
        for text in _strings(rows):
            shown = text if len(text) <= 40 else f"{text[:37]}..."
            yield f"the seed data's '{table}' ({shown!r})", text
    for path, task_file, _raw in loaded.task_files:
        for name, template in task_file.templates.items():
            for text in _strings(template.user.model_dump()):
                yield f"the user text of template '{name}' ({path})", text
        for task in task_file.tasks:
            if task.user is not None:
                for text in _strings(task.user.model_dump()):
                    yield f"the user text of task '{task.id}' ({path})", text


def _strings(value: Any) -> Iterator[str]:
    """The texts in a value, at any depth; a number as it is written (a user reads it out)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, (int, float)):
        yield str(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)
