"""What each stage of a training run is made from, and what becomes of a finished stage when that
changes.

Each finished stage records ``made_from`` in ``stages/<stage>.json``: digests of the parts of the
compiled spec it reads, of synthesis's output and of the stage whose model it reads
(:data:`READS`). A stage whose record says it was made from other inputs than the run has now is
made again; one made from the same inputs is kept, even when the spec changed in a part it does
not read: a changed check redoes the evaluations and GRPO (the old verdicts are not the new
reward's), not synthesis's dialogues when they come out the same byte for byte, nor the base model
and SFT trained on them. What a stage made again replaces (its record, its folder, its episodes)
is moved into ``previous/<n>/``, beside the run's earlier ``run.json`` and report, never deleted
(:mod:`eigendsl.train.previous_states`).
The settings a stage is made with are ``run.json``'s, compared by
:func:`eigendsl.train.runfolder.claim_run_folder`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import uuid
from pathlib import Path
from typing import Any

from eigendsl.synth.records import write_text

# The compiled files a model is shown and trained on (the agent's and the user's prompts, the seed
# data its ids and values come from), beside synthesis's dialogues, and of tools.json the tool
# schemas (its ``tools``): its ``meta`` (which tools write, their tags, their Python
# implementation, their parameters' namings) is read to play and judge an episode, never shown.
SHOWN = ("prompts/agent_system.md", "prompts/user_simulator.md", "db.json")
TOOLS = "tools.json"
# The manifest's keys a model's prompt reads (the compact prompt names the domain and its clock).
_CLOCK = ("domain", "today", "now")

# What each stage reads besides the model of the stages its pipeline names: "spec", every input
# file; "shown", what a model is shown (SHOWN and the tool schemas); "played", what an episode is
# played and judged with (every compiled file, the Python tools, the user simulator), the verifiers
# without the source locations they cite; "located", those locations (the lines of the checks a
# failure cites: an evaluation's failure lists show them, GRPO's reward does not read them);
# "dialogues", synthesis's accepted dialogues; "synth_tasks", the task and check files of its
# generations (GRPO's tasks). Neither digest holds the spec folder's name, which the locations begin
# with.
READS: dict[str, tuple[str, ...]] = {
    "synth": ("spec",),
    "base": ("dialogues", "shown"),
    "sft": ("dialogues", "shown"),
    "user_sft": ("dialogues", "shown"),
    "grpo": ("dialogues", "synth_tasks", "played"),
    "eval": ("dialogues", "played", "located"),
}
# Why a stage is made again, by the first part that differs.
CHANGED = {
    "spec": "the spec changed since it ran",
    "dialogues": "the dialogues synthesis made differ from those it was made from",
    "shown": "what the model is shown changed (the agent's or the user's prompt, the tool schemas "
    "or the data)",
    "played": "what its episodes are played and judged with changed (the verifiers, tasks, tools, "
    "prompts or data)",
    "synth_tasks": "the tasks synthesis verified changed",
    "located": "only source locations changed: the lines of the checks its failure lists cite "
    "(a line added or removed above them); the verdicts and rewards are the same",
}
# Why a stage made from the same inputs is kept, after a change of the spec.
KEPT = {
    "dialogues": "the same dialogues, byte for byte",
    "shown": "the same prompts, tool schemas and data",
    "played": "the same verifiers, tasks, tools and data",
    "synth_tasks": "the same synthesized tasks",
    "located": "the same source locations",
}


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


# A source location the compiled verifiers cite, ``<spec folder>/checks/x.chk`` and a line and
# column after it (``:12:5``, ``', 12, 5``, ``:12``): the folder's name and the numbers.
_LOCATION = re.compile(r"([\w.-]+)/([\w./-]+\.chk)((?::\d+)+|', \d+, \d+)?")


def _unlocated(match: re.Match[str], lines: bool) -> str:
    path, numbers = match.group(2), match.group(3) or ""
    if not lines:
        numbers = re.sub(r"\d+", "0", numbers)
    return path + numbers


def compiled_text(domain: Any, name: str) -> str:
    """The compiled file ``name`` of ``domain`` (a :class:`~eigendsl.runtime.domain.Domain`):
    compiled in memory, or read from its compiled folder ("" where it cannot be read)."""
    text = domain.files.get(name)
    if text is None:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            text = (Path(domain.root) / name).read_text()
    return text if text is not None else ""


def verifier_texts(domain: Any) -> dict[str, str]:
    """The compiled verifiers of ``domain`` by their path (:func:`compiled_text`)."""
    names = [n for n in (domain.manifest.get("outputs") or {}) if n.startswith("verifiers/")]
    return {name: compiled_text(domain, name) for name in names}


def tool_schemas_digest(tools_json: str) -> str | None:
    """The digest of the tool schemas of a compiled ``tools.json``'s text, in their order and
    with their keys in theirs, as a chat template shows them (None: no schemas could be read).

    >>> schemas = '[{"type": "function", "function": {"name": "find"}}]'
    >>> with_meta = '{"tools": %s, "meta": {"find": {"tags": ["auth"]}}}' % schemas
    >>> tool_schemas_digest(with_meta) == tool_schemas_digest('{"tools": %s}' % schemas)
    True
    """
    with contextlib.suppress(ValueError, AttributeError):
        schemas = json.loads(tools_json).get("tools")
        if isinstance(schemas, list):
            return hashlib.sha256(json.dumps(schemas).encode()).hexdigest()
    return None


def spec_parts(
    manifest: dict[str, Any], verifiers: dict[str, str], tools_json: str = ""
) -> dict[str, str]:
    """The digests of the parts of a compiled spec that stages read, from its manifest's digests
    of its input files and of its compiled files, from the text of its compiled ``verifiers``
    (:data:`READS`; :func:`verifier_texts`) and from that of its ``tools.json``, of which a
    model is shown the tool schemas (:func:`tool_schemas_digest`). ``shown_whole_tools`` is the
    ``shown`` of a record made before: with the whole ``tools.json`` (:data:`FORMER`)."""
    inputs = manifest.get("inputs") or {}
    outputs = manifest.get("outputs") or {}
    clock = {key: manifest.get(key) for key in _CLOCK}
    code = {name: digest for name, digest in inputs.items() if name.endswith(".py")}
    judged = {
        name: hashlib.sha256(
            _LOCATION.sub(lambda m: _unlocated(m, lines=False), text).encode()
        ).hexdigest()
        for name, text in verifiers.items()
    }
    located = {
        name: [_unlocated(m, lines=True) for m in _LOCATION.finditer(text)]
        for name, text in verifiers.items()
    }
    shown = {name: outputs.get(name) for name in SHOWN}
    schemas = tool_schemas_digest(tools_json)
    return {
        "spec": _digest(inputs),
        # tools.json's whole digest where its schemas cannot be read
        "shown": _digest({**shown, "tool_schemas": schemas or outputs.get(TOOLS), **clock}),
        "shown_whole_tools": _digest({**shown, TOOLS: outputs.get(TOOLS), **clock}),
        "played": _digest(
            {
                "outputs": {**outputs, **judged},
                "code": code,
                "user_simulator": manifest.get("user_simulator"),
                **clock,
            }
        ),
        "located": _digest(located),
    }


# The files of a synthesis generation each digest of synth_parts covers.
_SYNTH_FILES = {
    "accepted.jsonl": "dialogues",
    "tasks.yaml": "synth_tasks",
    "checks.chk": "synth_tasks",
}


def synth_parts(out: Path) -> dict[str, str]:
    """The digests of what synthesis made in the run folder ``out``: its accepted dialogues, byte
    for byte (``dialogues``), and its generations' task and check files (``synth_tasks``)."""
    found = {"dialogues": hashlib.sha256(), "synth_tasks": hashlib.sha256()}
    for path in sorted((out / "synth").glob("gen-*/*"), key=lambda p: p.as_posix()):
        part = _SYNTH_FILES.get(path.name)
        if part is not None and path.is_file():
            found[part].update(f"{path.parent.name}/{path.name}\n".encode())
            found[part].update(path.read_bytes())
    return {name: digest.hexdigest() for name, digest in found.items()}


def model_digest(made_from: dict[str, Any] | None, made: str | None = None) -> str:
    """What a stage that reads a model records of it: the digest of what that model was made
    from and of ``made``, the mark its stage's record was given when it ran (:func:`new_mark`),
    so that a model trained again from the same inputs (after a kill, or a change put back) is
    another model to the stages that read it. A record of an earlier release, with neither:
    the same digest every time."""
    return _digest(made_from) if made is None else _digest({"made_from": made_from, "made": made})


def new_mark() -> str:
    """The mark of one making of a stage's model (:func:`model_digest`)."""
    return uuid.uuid4().hex


def recorded_made_from(out: Path, stage: str) -> dict[str, Any] | None:
    """What a finished stage of the run in ``out`` records it was made from; None where it is not
    finished or its record has none (an earlier release's) or cannot be read (which
    :func:`eigendsl.train.runfolder.finished_stage` reports)."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        made_from = json.loads((out / "stages" / f"{stage}.json").read_text()).get("made_from")
        if isinstance(made_from, dict):
            return made_from
    return None


# The parts whose digest a record of an earlier release took otherwise, and the part of
# spec_parts that takes it so: such a record is compared the old way, so that an update makes no
# stage of a run folder again (a stage kept keeps its record as it was).
FORMER = {"shown": "shown_whole_tools"}


def changes(
    before: dict[str, Any], now: dict[str, Any], spec: dict[str, str] | None = None
) -> list[str]:
    """The parts (and model stages) ``now`` reads that differ from ``before``'s, in ``now``'s
    order; ``spec``, the :func:`spec_parts` ``now`` is of, whose :data:`FORMER` digests a part
    recorded by an earlier release is compared with.

    >>> changes({"shown": "old", "played": "a"}, {"shown": "new", "played": "b"})
    ['shown', 'played']
    >>> changes({"shown": "old"}, {"shown": "new"}, {"shown": "new", "shown_whole_tools": "old"})
    []
    """
    former = {key: (spec or {}).get(part) for key, part in FORMER.items()}
    return [key for key in now if before.get(key) not in (now[key], former.get(key) or now[key])]


def why_made_again(changed: list[str], accepted: tuple[Any, Any] = (None, None)) -> str:
    """Why a stage is made again, in words, from its :func:`changes`; ``accepted``, how many
    dialogues synthesis accepted before it was made again in this command and how many now
    (None where not known), which the dialogues' reason gives.

    >>> why_made_again(["dialogues", "shown"], (19, 20))
    'the dialogues synthesis made differ from those it was made from (19 accepted before, 20 now)'
    """
    first = changed[0]
    reason = CHANGED.get(first, f"the {first} stage it reads was made again")
    before, now = accepted
    if first == "dialogues" and isinstance(before, int) and isinstance(now, int):
        if before != now:
            return f"{reason} ({before} accepted before, {now} now)"
        return f"{reason} (as many accepted, {now}, not the same text)"
    return reason


def accepted_total(out: Path) -> Any:
    """How many dialogues the finished synthesis of the run in ``out`` records it accepted (None:
    not finished, or a record that does not say)."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        return json.loads((out / "stages" / "synth.json").read_text()).get("accepted_total")
    return None


def why_kept(made_from: dict[str, Any]) -> str:
    """Why a stage is kept after a change of the spec: what it was made from is the same."""
    same = [KEPT[key] for key in made_from if key in KEPT]
    same += [f"the same {key} model" for key in made_from if key not in KEPT and key != "spec"]
    return "made from " + ", ".join(same) if same else "made from the same inputs"


def started_marker(out: Path, stage: str) -> Path:
    """Where a stage that has started records what it is made from, until it finishes: its
    leftovers (checkpoints, shards, episodes) are resumed only under the same inputs."""
    return out / "stages" / "started" / f"{stage}.json"


def mark_started(out: Path, stage: str, made_from: dict[str, Any]) -> None:
    write_text(started_marker(out, stage), json.dumps(made_from, indent=2, sort_keys=True))


def started_from(out: Path, stage: str) -> dict[str, Any] | None:
    """What an unfinished stage was started from (None: not started by this release)."""
    with contextlib.suppress(OSError, ValueError):
        made_from = json.loads(started_marker(out, stage).read_text())
        if isinstance(made_from, dict):
            return made_from
    return None
