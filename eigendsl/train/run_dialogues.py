"""The dialogues and tasks synthesis verified in a training run's folder (``OUT/synth``): each
generation's ``accepted.jsonl`` read with what training needs of a row checked, and the tasks
GRPO rolls out on."""

from __future__ import annotations

import contextlib
import json
import random
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from eigendsl.errors import EigenError
from eigendsl.runtime.domain import Domain, load_domain
from eigendsl.synth import rejections
from eigendsl.synth.roles import param_key
from eigendsl.yaml_files import jsonl_rows

# GRPO on synthesized tasks: at most this many of each template (distinct parameters), so the
# templates synthesis favours do not crowd out the rest.
GRPO_TASKS_PER_TEMPLATE = 8


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class _Function(_Shape):
    name: str
    arguments: str | dict[str, Any]


class _Call(_Shape):
    function: _Function


class _Message(_Shape):
    role: Literal["system", "user", "assistant", "tool"]
    content: str | None = None
    tool_calls: list[_Call] | None = None


class _Dialogue(_Shape):
    """What training reads of an accepted row (the data contract has more; extra keys pass)."""

    messages: list[_Message]
    tools: list[dict[str, Any]] = []


_DIALOGUE = TypeAdapter(_Dialogue)


def read_dialogues(path: Path) -> list[dict[str, Any]]:
    """The dialogues of a synthesis generation's ``accepted.jsonl``; a damaged line is a user
    error that names it (and the field, where the line is JSON of another shape)."""

    def damaged(number: int, why: Any = None) -> EigenError:
        reason = why if isinstance(why, str) else "a line cut short?"
        return EigenError(
            f"{path}:{number}: not a dialogue ({reason}); delete the line, or the run's synth "
            "folder and stages/synth.json to synthesize again"
        )

    rows = jsonl_rows(path.read_text(errors="replace"), damaged)
    for number, row in rows:
        try:
            _DIALOGUE.validate_python(row)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "the line"
            raise damaged(number, f"{where}: {first['msg']}") from None
    report = path.parent / "report.json"
    with contextlib.suppress(OSError, ValueError, AttributeError):  # no report: not counted
        counted = json.loads(report.read_text()).get("accepted")
        if isinstance(counted, int) and counted != len(rows):
            raise EigenError(
                f"{path} holds {len(rows)} dialogues where its report.json counts {counted} (a "
                f"file cut short, or edited?); delete {path.parent} and the run's "
                "stages/synth.json to synthesize that generation again"
            )
    return [row for _, row in rows]


def accepted_files(out: Path) -> list[Path]:
    """Each synthesis generation's ``accepted.jsonl`` in the run folder ``out``, in generation
    order (gen-2 before gen-10)."""
    return sorted(
        (out / "synth").glob("gen-*/accepted.jsonl"),
        key=lambda path: int(path.parent.name.split("-")[1]),
    )


def none_accepted(out: Path, spec_dir: Path) -> EigenError:
    """Synthesis in the run folder ``out`` accepted no dialogue: why, by the reasons its verifier
    gave the dialogues that played the gold plan as written, one entry per failing statement, the
    most frequent first, and how to go on (as ``eigendsl synth`` says it)."""
    return rejections.none_accepted(
        out / "synth",
        spec_dir,
        "run the same command again: synthesis is made again, nothing after it has run",
    )


def synthesized_tasks(spec_dir: Path, out: Path, seed: int) -> tuple[Domain, list[dict[str, Any]]]:
    """The tasks the last synthesis generation of the run in ``out`` verified (the last that
    accepted any), with the domain compiled with that generation's task and check files (its
    composed and refusal templates): one per distinct parameter set and at most
    ``GRPO_TASKS_PER_TEMPLATE`` per template, drawn with ``seed``. Their values are fresh: on the
    fixed train split GRPO rewarded writing a train task's own values (a held-out account got the
    address of ``update_user_address-001``)."""
    rows: list[dict[str, Any]] = []
    for path in reversed(accepted_files(out)):
        rows = read_dialogues(path)
        if rows:
            break
    if not rows:
        raise EigenError(
            f"no accepted dialogues in {out / 'synth'}; GRPO's tasks come from synthesis "
            "(or set training.grpo.tasks: train)"
        )
    gen_dir = path.parent
    domain = load_domain(spec_dir, extra=[gen_dir / "tasks.yaml", gen_dir / "checks.chk"])
    by_id = {t["id"]: t for t in domain.tasks}
    rng = random.Random(f"grpo-tasks:{seed}")
    chosen: dict[str, list[dict[str, Any]]] = {}
    seen: set[str] = set()
    for row in rng.sample(rows, len(rows)):
        task = by_id.get(row["task_id"])
        key = param_key(row["template"], row["params"])
        if (
            task is None
            or key in seen
            or len(chosen.get(row["template"], [])) >= GRPO_TASKS_PER_TEMPLATE
        ):
            continue
        seen.add(key)
        chosen.setdefault(row["template"], []).append(task)
    return domain, [task for name in sorted(chosen) for task in chosen[name]]
