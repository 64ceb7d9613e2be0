"""``eigendsl import tau2``: a tau2-bench domain folder → an EigenDSL spec folder.

A tau2 domain folder holds ``db.json`` (tables keyed by id), ``policy.md``, ``tasks.json`` and
optionally ``split_tasks.json``. The spec written to ``SPEC_DIR``:

* ``domain.yaml``: the schema inferred from ``db.json`` (:mod:`eigendsl.tau2.schema`), the seed
  and the policy *referenced* where they are (a relative path when the two folders share more
  than the file-system root, else absolute; nothing of tau2's data is copied), and the tools of
  the domain with tau2's names, parameters and write flags (:mod:`eigendsl.tau2.spec_tools`);
* ``tools.py``: one ``(db, **params)`` wrapper per tool over the re-implemented tool semantics
  (:mod:`eigendsl.tau2.retail_tools` for ``retail``), chosen by name;
* ``tasks/tau2.yaml``: one ``sample: false`` template per tau2 task (user scenario, gold plan from
  its ``actions``) and the concrete task ``tau2-<id>`` with tau2's split;
* ``checks/tau2.chk``: one check per task, generated from its ``evaluation_criteria`` and reward
  basis (:mod:`eigendsl.tau2.checks`).

The domain folder is read and checked by :mod:`eigendsl.tau2.domain_folder`; this module converts
its tasks and writes the spec folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from eigendsl.compiler import files_in
from eigendsl.errors import Diagnostic, Diagnostics, EigenError, Span, first_few
from eigendsl.tau2.checks import NlMode, check_name, checks_file
from eigendsl.tau2.domain_folder import (
    IMPORTED_PREFIX,
    KNOWN_DOMAINS,
    JsonPlaces,
    domain_tools,
    read_domain,
)
from eigendsl.tau2.gold_actions import check_actions, split_warnings
from eigendsl.tau2.scenario import known_facts, opening, unknown_things
from eigendsl.tau2.schema import infer_tables
from eigendsl.tau2.spec_tools import tool_specs, tools_module
from eigendsl.tau2.task_support import basis_errors, refused_gold_steps, task_problems

TASKS_FILE = "tasks/tau2.yaml"
CHECKS_FILE = "checks/tau2.chk"
#: The first line of every file the import writes starts so; a re-import replaces such files.
MARK = "# Generated from tau2-bench by `eigendsl import tau2`"
HEADER = MARK + " from {source}.\n# Re-run the import rather than editing by hand.\n"

#: tau2 split names that mean "held out" in EigenDSL; a task in none of the splits is train.
HELD_OUT_SPLITS = ("test", "held-out", "held_out", "dev", "val", "validation")


@dataclass
class ImportResult:
    """What :func:`import_tau2` wrote, and what it could not express: ``warnings`` at their
    place in tasks.json, the ids of the tasks ``left_out`` of the spec, and by task id the gold
    steps tau2's own tools refuse (``(index, tool, message)``)."""

    spec_dir: Path
    domain: str
    tasks: int
    files: list[str]
    warnings: list[Diagnostic] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    refused: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)


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
    reason = str(instructions.get("reason_for_call") or "Hi, I need some help.")
    user: dict[str, Any] = {"reason": _jinja_safe(opening(reason) or reason)}
    known_info = str(instructions.get("known_info") or "")
    unknown_info = str(instructions.get("unknown_info") or "")
    if facts := known_facts(known_info):
        user["known"] = {key: _jinja_safe(value) for key, value in facts.items()}
    elif known_info:  # nothing the scripted user could answer with read from it: as it is
        user["known"] = {"known_info": _jinja_safe(known_info)}
    if things := unknown_things(unknown_info):
        user["unknown"] = things
    elif any(character.isalnum() for character in unknown_info):  # tasks 37 and 106 have "."
        user["unknown"] = [unknown_info]
    behaviour = [f"Persona: {scenario['persona']}"] if scenario.get("persona") else []
    # tau2's own words, for a model playing the user: the request in full, and the sentences
    # the facts above were read from
    told = [("Your request", reason if user["reason"] != _jinja_safe(reason) else "")]
    told += [
        ("What you know", known_info if facts else ""),
        ("What you do not know", unknown_info if things else ""),
    ]
    behaviour += [f"{what}, as tau2 words it: {text}" for what, text in told if text]
    if instructions.get("task_instructions"):
        behaviour.append(str(instructions["task_instructions"]))
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


def _with_written_fields(tables: dict[str, Any], module: Any) -> dict[str, Any]:
    """The inferred tables, with the optional order fields the domain's tools write that no row
    of the data has yet (``cancel_reason`` where no order was cancelled): what a Python tool
    writes is checked against the schema."""
    orders = tables.get("orders", {}).get("fields")
    for name in getattr(module, "ORDER_OPTIONAL_FIELDS", ()) if orders is not None else ():
        orders.setdefault(name, "any?")
    return tables


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
    tasks_path = domain.root / "tasks.json"
    diag = Diagnostics()
    places = domain.places or JsonPlaces("")
    diag.extend(basis_errors(tasks_path, places, domain.tasks))
    diag.raise_if_errors()
    problems = task_problems(tasks_path, places, domain.tasks)
    left_out = list(dict.fromkeys(p.task_id for p in problems if p.left_out))
    tasks = [task for task in domain.tasks if str(task["id"]) not in left_out]
    if not tasks:
        raise EigenError(
            [p.warning for p in problems]
            + [
                Diagnostic(
                    Span(str(tasks_path), 0, 0),
                    f"{tasks_path}: none of its {len(domain.tasks)} tasks can be imported (see "
                    "above); there is no spec to write",
                )
            ]
        )
    refused = refused_gold_steps(domain.db, tasks, module.TOOLS)
    out = Path(spec_dir)
    source = _reference(domain.root, out)
    spec: dict[str, Any] = {
        "name": IMPORTED_PREFIX + domain.name,
        "description": f"tau2-bench's {domain.name} domain, imported by `eigendsl import tau2` "
        f"from {source}.",
        "policy": _reference(domain.policy, out),
        "database": {
            "seed": _reference(domain.root / "db.json", out),
            "tables": _with_written_fields(
                infer_tables(domain.db, str(domain.root / "db.json")), module
            ),
        },
        "tools": tools,
        "checkers": ["checks/*.chk"],
        "tasks": ["tasks/*.yaml"],
        "user_simulator": {"persona": "A customer contacting customer support.", "max_turns": 60},
        "sampling": {"per_template": 0},
    }
    templates = {check_name(task): template_for(task, tools) for task in tasks}
    instances = [
        {
            "id": f"tau2-{task['id']}",
            "template": check_name(task),
            "split": task_split(str(task["id"]), domain.splits),
        }
        for task in tasks
    ]
    header = HEADER.format(source=source)
    files = {
        "domain.yaml": header + _dump(spec),
        "tools.py": header + tools_module(KNOWN_DOMAINS[domain.name], tools),
        TASKS_FILE: header
        + "# One template per tau2 task (sample: false) and the task itself, id tau2-<id>.\n"
        + _dump({"templates": templates, "tasks": instances}),
        CHECKS_FILE: checks_file(
            tasks,
            nl,
            header,
            {task_id: frozenset(i for i, _, _ in steps) for task_id, steps in refused.items()},
        ),
    }
    stale = _stale_imported_files(out, files, force)
    for rel, text in files.items():
        _write(out / rel, text)
    for rel in stale:
        (out / rel).unlink()
    return ImportResult(
        out,
        spec["name"],
        len(tasks),
        sorted(files),
        [p.warning for p in problems] + split_warnings(domain),
        left_out,
        refused,
    )


def import_summary(result: ImportResult) -> str:
    """What ``eigendsl import tau2`` prints when it wrote the spec: the tasks, those left out
    (the warnings above say why) and the gold steps tau2's own tools refuse, which compile's
    lint reports one by one among its other findings (``refused_step``)."""
    lines = [
        f"imported {result.domain}: {result.tasks} tasks into {result.spec_dir} "
        f"({', '.join(result.files)}); next: eigendsl compile {result.spec_dir} -o <out>"
    ]
    if result.left_out:
        lines.append(
            f"left out {len(result.left_out)} task{'s' if len(result.left_out) > 1 else ''} "
            f"that cannot be imported as tau2 grades {'them' if len(result.left_out) > 1 else 'it'}"
            f" (the warnings above say why): {first_few(result.left_out, 10)}"
        )
    if result.refused:
        steps = sum(len(s) for s in result.refused.values())
        named = "; ".join(
            f"{task_id}: " + ", ".join(f"step {i + 1} {tool} ({message})" for i, tool, message in s)
            for task_id, s in list(result.refused.items())[:10]
        )
        more = f"; and {len(result.refused) - 10} more tasks" if len(result.refused) > 10 else ""
        lines.append(
            f"tau2's own tools refuse {steps} gold step{'s' if steps > 1 else ''} of "
            f"{len(result.refused)} task{'s' if len(result.refused) > 1 else ''} (tau2 replays "
            "them so too; compile's lint warns of each, as refused_step; where ACTION is "
            f"graded, the check counts a refused call, as tau2 does): {named}{more}"
        )
    return "\n".join(lines)


__all__ = ["ImportResult", "import_summary", "import_tau2"]
