"""The records a synthesis run keeps on disk, and reads back when it resumes.

A record is written atomically (to a temporary file, then renamed over the old one), so a run
killed at any moment leaves either the old record or the new one. A damaged record read back is
a user error that names the file and says how to go on; the run's other files stay as they are.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from eigendsl.errors import EigenError
from eigendsl.output_folders import LOCK, refuse_other_files, refuse_spec_folder
from eigendsl.yaml_files import jsonl_rows

SCHEMA_VERSION = 1
# The errors of a file that cannot be written: a read-only disk, a folder without permission.
NOT_WRITABLE = (errno.EROFS, errno.EACCES, errno.EPERM)


@contextlib.contextmanager
def folder_lock(folder: Path, command: str) -> Iterator[None]:
    """One ``eigendsl COMMAND`` at a time in ``folder`` (two would write the same files): an
    exclusive ``flock`` on ``folder/.lock``, which the system releases when the process ends,
    however it ends, so a killed run leaves no lock to clear and no process id to be reused. The
    file holds the holder's process id, for the message, and is removed when the run ends.

    A folder this process cannot write (a finished run on a read-only disk) is read without a
    lock: nothing in it can be changed from here, and a stage that would write stops before it
    runs (``eigendsl.train.runfolder.disk_errors``). (The folder itself is not what is locked:
    over NFS an exclusive ``flock`` needs a file open for writing.)"""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # under /proc, a file in the way, no permission: said with the fix
        raise EigenError(
            f"cannot make the output folder {folder} ({exc.filename or folder}: "
            f"{exc.strerror or exc}); give --out a folder that can be made and written to"
        ) from None
    path = folder / LOCK
    handle = _locked(path, f"{folder} is in use by another eigendsl {command}")
    if handle is None:
        yield
        return
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        path.unlink(missing_ok=True)
        handle.close()


def _locked(path: Path, busy: str) -> TextIO | None:
    """``path`` opened and locked (``busy``: the start of the message when another process holds
    it); None where the file cannot be made or written."""
    while True:
        try:
            handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held until the run ends
        except OSError as exc:
            if exc.errno not in NOT_WRITABLE:
                raise
            return None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise EigenError(
                f"{busy} (process {holder}); wait for it to end, or give --out another folder"
            ) from None
        with contextlib.suppress(FileNotFoundError):
            if os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino:
                return handle
        handle.close()  # the run before removed the file this one locked: lock the new one


UNPLAYED = ("plan.json", "probe/tasks.yaml", "probe/checks.chk", "tasks.yaml", "checks.chk")
"""What a generation writes before its first dialogue is played: the seed makes them again."""


@contextlib.contextmanager
def removed_unless_played(gen_dir: Path) -> Iterator[None]:
    """A generation that stops before any dialogue is played (its tasks do not compile) leaves
    no folder behind: a plan and tasks alone would read as a generation synthesized."""
    try:
        yield
    except BaseException:
        if not any(gen_dir.glob("shards/*.jsonl")):
            for name in UNPLAYED:
                (gen_dir / name).unlink(missing_ok=True)
            for folder in (gen_dir / "probe", gen_dir / "shards", gen_dir):
                with contextlib.suppress(OSError):  # not there, or holds what we did not write
                    folder.rmdir()
        raise


def write_text(path: Path, text: str) -> None:
    _write(path, text.encode("utf-8"))


def write_if_changed(path: Path, data: bytes) -> None:
    """:func:`write_text`'s atomic write of ``data``, unless ``path`` holds it already: a finished
    run read again writes nothing, and so can be read on a read-only disk."""
    with contextlib.suppress(OSError):
        if path.read_bytes() == data:
            return
    _write(path, data)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:  # said of the file being written, not of the temporary one (nor of
        # none, as a full disk's error is)
        if exc.filename in (None, str(tmp)):
            exc.filename = str(path)
        raise


@contextlib.contextmanager
def writable(folder: Path) -> Iterator[None]:
    """A write into ``folder`` that the disk refuses (read-only, no permission) is a user error in
    the words a stage of ``train`` uses for it, not the OSError of the file it began with."""
    try:
        yield
    except OSError as exc:
        inside = exc.filename is None or Path(os.path.abspath(exc.filename)).is_relative_to(
            os.path.abspath(folder)
        )
        if exc.errno not in NOT_WRITABLE or not inside:  # a spec file it could not read
            raise
        raise EigenError(
            f"{folder} cannot be written ({exc.strerror}); make it writable (or give --out "
            "another folder) and run the same command again"
        ) from None


def write_json(path: Path, data: Any) -> None:
    """``data`` as JSON in ``path``, unless the file holds it already (:func:`write_if_changed`):
    a finished synthesis run again, its ``split.json`` the same, writes nothing."""
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    write_if_changed(path, text.encode("utf-8"))


def read_json(path: Path, fix: str, keys: tuple[str, ...] = ()) -> Any:
    """A JSON record a run wrote earlier; a damaged one (or one without ``keys``) is a user error
    that names it and says how to go on (``fix``): the run's other files stay as they are."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EigenError(f"{path}: damaged ({exc}); {fix}") from None
    if keys and not (isinstance(data, dict) and all(k in data for k in keys)):
        raise EigenError(f"{path}: damaged (it lacks {', '.join(keys)}); {fix}")
    return data


def read_rows(path: Path, fix: str) -> list[dict[str, Any]]:
    """The rows of a JSONL record; a damaged line is a user error naming the file and line."""
    text = path.read_text(encoding="utf-8", errors="replace")
    return [
        row
        for _, row in jsonl_rows(
            text, lambda number, _: EigenError(f"{path}:{number}: damaged (not a JSON line); {fix}")
        )
    ]


def claim_synth_folder(spec_dir: Path, out: Path) -> None:
    """Refuse ``out`` as a synthesis run's folder where it is, lies in or holds the spec folder,
    or holds files but no synthesis run (as ``compile -o`` and ``train --out`` refuse theirs)."""
    refuse_spec_folder(spec_dir, out, "synthesizing", "--out")
    refuse_other_files(
        out,
        lambda folder: (
            any((folder / name).exists() for name in ("settings.json", "split.json"))
            or any(folder.glob("gen-*/"))
        ),
        "no synthesis run (settings.json, split.json or gen-*/)",
        "--out",
    )


def _shown(value: Any) -> str:
    """A setting's value as JSON writes it (``40``, ``null``, ``"held-out"``), cut short."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def check_run_record(
    out: Path, identity: dict[str, Any], spec_inputs: dict[str, str]
) -> dict[str, Any]:
    """Refuse to resume the run in ``out`` if it was made with other settings (``identity``) or
    from another version of the spec (``spec_inputs``: each spec file's digest, as the compiled
    manifest's ``inputs``), since its generations were planned and judged by those; write both
    into ``settings.json`` for a new run. A run recorded before the digests were resumes.
    Returns what an earlier release recorded that ``identity`` no longer holds (``trajectory``,
    now each generation's own)."""
    path = out / "settings.json"
    if not path.is_file():
        write_json(path, {**identity, "spec_inputs": spec_inputs})
        return {}
    saved = read_json(path, "delete it to resume with this command's settings")
    saved = dict(saved) if isinstance(saved, dict) else {}
    recorded_inputs = saved.pop("spec_inputs", None)
    earlier = {k: saved.pop(k) for k in _PER_GENERATION if k in saved}
    if saved != identity:
        diff = sorted(k for k in identity.keys() | saved.keys() if saved.get(k) != identity.get(k))
        told = "; ".join(
            f"{k} {_shown(saved.get(k))} there, {_shown(identity.get(k))} now" for k in diff
        )
        raise EigenError(
            f"{out} holds a synthesis run with other settings ({told}); resume with the same "
            "settings (its values, named first) or choose another --out"
        )
    if isinstance(recorded_inputs, dict) and recorded_inputs != spec_inputs:
        raise EigenError(
            f"{out} holds a synthesis run of spec '{identity['spec']}' as it was before "
            f"{spec_changes(recorded_inputs, spec_inputs)}: its generations were planned and "
            "judged by that version, and more generations would mix the two; choose another "
            f"--out to synthesize from the spec as it is, or remove {out} to start over (or "
            "put the spec back as it was to resume the run)"
        )
    return earlier


# Settings an earlier release recorded for the whole run, which each generation records now.
_PER_GENERATION = ("trajectory",)


def refuse_another_agent(gen_dir: Path, agent: str, recorded: str) -> None:
    """Refuse to finish with ``agent`` (``--trajectory``) a generation cut short that another
    began (``recorded``: the run's agent where its plan names none): its played shards and the
    rest would be two agents' dialogues under one generation."""
    plan = gen_dir / "plan.json"
    if not plan.is_file() or not any(gen_dir.glob("shards/*.jsonl")):
        return
    began = read_json(plan, f"delete {gen_dir} to synthesize that generation again")
    first = began.get("trajectory", recorded) if isinstance(began, dict) else recorded
    if first != agent:
        raise EigenError(
            f"{gen_dir} was begun with --trajectory {first} and cut short; finish it with "
            f"--trajectory {first} (then add generations with {agent}), or delete {gen_dir} to "
            f"play it with {agent}"
        )


def spec_changes(before: dict[str, Any], now: dict[str, str]) -> str:
    """The spec files that differ, in one phrase, those changed first, then those added and
    those removed.

    >>> spec_changes({"a.chk": 1, "b.md": 1, "c.yaml": 1}, {"a.chk": 2, "b.md": 2, "d.yaml": 1})
    'a.chk and b.md changed, d.yaml added, c.yaml removed'
    """
    differ = sorted(rel for rel in before.keys() | now.keys() if before.get(rel) != now.get(rel))
    kinds = {
        "changed": [rel for rel in differ if rel in before and rel in now],
        "added": [rel for rel in differ if rel not in before],
        "removed": [rel for rel in differ if rel not in now],
    }
    return ", ".join(f"{listed(names)} {kind}" for kind, names in kinds.items() if names)


def listed(names: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def dialogue_record(row: dict[str, Any], reasons: bool = False) -> dict[str, Any]:
    """What ``accepted.jsonl`` keeps of a judged dialogue (``rejected.jsonl``: and the judge's
    reasons); the rest of the row is the run's own bookkeeping."""
    keys = [
        "schema_version",
        "task_id",
        "template",
        "family",
        "kind",
        "parts",
        "params",
        "generation",
        "messages",
        "tools",
        "verdict",
        "mistake",
    ]
    out = {k: row.get(k) for k in keys}
    if reasons:
        out["reasons"] = row["reasons"]
    return out
