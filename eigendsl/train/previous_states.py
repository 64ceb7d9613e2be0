"""The earlier states of a training run: what a change of the spec or of a setting replaces goes
into a numbered ``previous/<n>/`` of the run folder, beside the run's ``run.json``, report,
summary and plots as they were (:func:`keep_run_aside`, :func:`put_aside`), never deleted.

Two small records say where things are:

- ``previous/<n>/where.json``: where each stage of that state is now, in the run folder or in a
  ``previous/<m>/`` (the ones the change kept stay in the run folder, and move into a later
  ``previous/<m>/`` if a later change makes them again: the record follows them). The summary
  kept there lists the same paths (``stage_outputs``) and the report kept there ends with them.
- ``previous/last_change.json``: the last change taken, the folder that holds the run as it was
  before it and the digests of the stages' records then. A stage whose record is still the same
  was kept through the change; a command that resumes one cut short writes the report that one
  would have (:func:`kept_through_change`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from eigendsl.synth.records import write_if_changed, write_text

SCHEMA_VERSION = 1
WHERE = "where.json"
LAST_CHANGE = "last_change.json"
# The section a report kept in previous/<n>/ ends with: where that state's stages are.
WHERE_HEADING = "## Where this state's stages are"
_WHERE_MARK = f"\n\n{WHERE_HEADING}\n"


def _digest(path: Path) -> str | None:
    with contextlib.suppress(OSError):
        return hashlib.sha256(path.read_bytes()).hexdigest()
    return None


def stage_records(out: Path) -> dict[str, str]:
    """The digest of each finished stage's record in the run folder ``out``, by stage."""
    found = {p.stem: _digest(p) for p in sorted((out / "stages").glob("*.json"))}
    return {stage: digest for stage, digest in found.items() if digest is not None}


def _read(path: Path) -> dict[str, Any] | None:
    with contextlib.suppress(OSError, ValueError):
        data = json.loads(path.read_text())
        if isinstance(data, dict):
            return data
    return None


def own_report(folder: Path) -> str | None:
    """The report in ``folder`` without the section a ``previous/<n>/`` adds to it (None: no
    report): what the run's report was when it was kept aside."""
    with contextlib.suppress(OSError, UnicodeDecodeError):
        return (folder / "report.md").read_text().split(_WHERE_MARK)[0].rstrip("\n")
    return None


def previous_folder(out: Path, stage: str | None = None) -> Path:
    """The folder of ``previous/`` that what ``stage`` replaces goes into: the newest, unless it
    already holds that stage's record (then a new one). ``stage`` None: a new one."""
    numbers = [int(p.name) for p in (out / "previous").glob("*") if p.name.isdigit()]
    newest = out / "previous" / str(max(numbers, default=0))
    if stage is not None and numbers and not (newest / "stages" / f"{stage}.json").exists():
        return newest
    return out / "previous" / str(max(numbers, default=0) + 1)


def keep_run_aside(out: Path, folder: Path | None = None) -> Path:
    """Copy the run's ``run.json``, report, summary and plots into ``folder`` (None: a new
    ``previous/<n>/``), before a stage is made again or the run is taken under a changed spec;
    where it went. ``where.json`` there names the folder of each finished stage (the run folder,
    until :func:`put_aside` moves it), and ``previous/last_change.json`` this change."""
    from eigendsl.train.runfolder import RUN_STAGES, stage_files

    folder = folder if folder is not None else previous_folder(out)
    folder.mkdir(parents=True)
    for name in ("run.json", "report.md", "summary.json"):
        if (out / name).is_file():
            shutil.copy2(out / name, folder / name)
    if (out / "plots").is_dir():
        shutil.copytree(out / "plots", folder / "plots")
    records = stage_records(out)
    grpo_steps = ((_read(out / "run.json") or {}).get("settings") or {}).get("grpo_steps")
    order = {stage: n for n, stage in enumerate(RUN_STAGES)}
    where = {
        stage: {"in": ".", "files": list(stage_files(out, stage, grpo_steps)), "record": digest}
        for stage, digest in sorted(records.items(), key=lambda i: order.get(i[0], len(order)))
    }
    write_text(
        folder / WHERE, json.dumps({"schema_version": SCHEMA_VERSION, "stages": where}, indent=2)
    )
    _show_where(out, folder)
    change = {"schema_version": SCHEMA_VERSION, "previous": _relative(out, folder)}
    write_text(out / "previous" / LAST_CHANGE, json.dumps({**change, "records": records}, indent=2))
    return folder


def _relative(out: Path, folder: Path) -> str:
    return folder.relative_to(out).as_posix()


def _show_where(out: Path, folder: Path) -> None:
    """The summary and report kept in ``folder`` name their own folder and where each stage of
    that state is now (``where.json``)."""
    where = (_read(folder / WHERE) or {}).get("stages") or {}
    paths = {
        stage: [str(out / entry["in"] / name) for name in entry["files"]]
        for stage, entry in where.items()
    }
    summary = _read(folder / "summary.json")
    if summary is not None:
        summary.update(
            {"report": str(folder / "report.md"), "out_dir": str(folder), "stage_outputs": paths}
        )
        write_if_changed(folder / "summary.json", json.dumps(summary, indent=2).encode())
    report = own_report(folder)
    if report is None:
        return
    lines = [
        report,
        "",
        WHERE_HEADING,
        "",
        f"This is the run in {out} as it was before a change made some of its stages again. "
        f"Where each of its stages is now (`{WHERE}` beside this report lists the same): what "
        "the change made again is in this folder; a stage it kept is in the run folder, and "
        "moves into a later previous/<n>/ if a later change makes it again (this list follows "
        "it).",
        "",
        *(f"- {stage}: {', '.join(f'`{p}`' for p in found)}" for stage, found in paths.items()),
    ]
    write_if_changed(folder / "report.md", ("\n".join(lines) + "\n").encode())


def aside_folder(out: Path, stage: str) -> Path:
    """The folder of ``previous/`` that what this command makes again replaces goes into, the
    first time it makes a stage again (``stage``): the newest where it holds the run's report as
    it is now and not ``stage``'s record (a command cut short after it kept the run aside), else
    a new one, into which the run's report, summary and plots are copied first
    (:func:`keep_run_aside`): a report is never overwritten without a copy."""
    folder = previous_folder(out, stage)
    if folder.exists() and own_report(folder) != own_report(out):
        folder = previous_folder(out)
    if not folder.exists():
        keep_run_aside(out, folder)
    return folder


def put_aside(out: Path, stage: str, names: tuple[str, ...], folder: Path | None = None) -> Path:
    """Move what a stage made again replaces into ``folder`` (None: :func:`previous_folder`): its
    record, its started marker and its ``names`` (folders, its episodes file); where they went.
    An episodes file that another finished evaluation records as its own is copied, not moved
    (with no GRPO steps, eval_sft and eval_grpo share one), once into each folder. An empty
    folder (a stage stopped before it wrote anything) is removed, not kept aside. Each
    ``where.json`` that had the stage in the run folder names ``folder`` now."""
    from eigendsl.train.runfolder import written_by

    folder = folder if folder is not None else previous_folder(out, stage)
    record = _digest(out / "stages" / f"{stage}.json")
    for name in (f"stages/{stage}.json", f"stages/started/{stage}.json", *names):
        path, target = out / name, folder / name
        if not path.exists():
            continue
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if name.startswith("eval/") and path.is_file():
            data = path.read_bytes()
            if (data.count(b"\n"), hashlib.sha256(data).hexdigest()) in written_by(out, name):
                if not target.exists():
                    shutil.copy2(path, target)
                continue
        shutil.move(path, target)
    if record is not None:
        _moved(out, stage, record, folder)
    return folder


def _moved(out: Path, stage: str, record: str, folder: Path) -> None:
    """The stage whose record had digest ``record`` moved from the run folder into ``folder``:
    the ``where.json`` of each earlier state that had it there says so."""
    for where_file in sorted((out / "previous").glob(f"*/{WHERE}")):
        where = _read(where_file)
        entry = ((where or {}).get("stages") or {}).get(stage)
        if where is None or not isinstance(entry, dict):
            continue
        if entry.get("in") == "." and entry.get("record") == record:
            entry["in"] = _relative(out, folder)
            write_text(where_file, json.dumps(where, indent=2))
            _show_where(out, where_file.parent)


def kept_through_change(out: Path, stages: list[str]) -> tuple[list[str], Path] | None:
    """After a change of the spec or of a setting (``previous/last_change.json``): those of
    ``stages`` whose records are the ones they had before it (kept through it, in this command or
    in one cut short before it), and the folder of ``previous/`` that holds the run as it was.
    None where the run has taken no change."""
    change = _read(out / "previous" / LAST_CHANGE)
    if change is None or not isinstance(change.get("previous"), str):
        return None
    records = change.get("records")
    before = records if isinstance(records, dict) else {}
    now = stage_records(out)
    kept = [stage for stage in stages if stage in now and now[stage] == before.get(stage)]
    return kept, out / change["previous"]
