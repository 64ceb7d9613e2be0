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
from typing import Any

from eigendsl.errors import EigenError
from eigendsl.yamlload import jsonl_rows

SCHEMA_VERSION = 1
# The errors of a file that cannot be written: a read-only disk, a folder without permission.
NOT_WRITABLE = (errno.EROFS, errno.EACCES, errno.EPERM)


@contextlib.contextmanager
def folder_lock(folder: Path, command: str) -> Iterator[None]:
    """One ``eigendsl COMMAND`` at a time in ``folder`` (two would write the same files): an
    exclusive ``flock`` on the folder itself, which the system releases when the process ends,
    however it ends, so a killed run leaves no lock to clear and no process id to be reused.
    ``folder/.lock`` holds the holder's process id, for the message, where the folder can be
    written (a finished run on a read-only disk is read without it), and is removed when the run
    ends."""
    folder.mkdir(parents=True, exist_ok=True)
    note = folder / ".lock"
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(handle)
        try:
            holder = note.read_text(encoding="utf-8").strip() or "unknown"
        except (OSError, UnicodeDecodeError):
            holder = "unknown"
        raise EigenError(
            f"{folder} is in use by another eigendsl {command} (process {holder}); wait for it to "
            "end, or give --out another folder"
        ) from None
    try:
        with contextlib.suppress(OSError):
            note.write_text(str(os.getpid()), encoding="utf-8")
        yield
    finally:
        with contextlib.suppress(OSError):
            note.unlink(missing_ok=True)
        os.close(handle)


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_if_changed(path: Path, data: bytes) -> None:
    """:func:`write_text`'s atomic write of ``data``, unless ``path`` holds it already: a finished
    run read again writes nothing, and so can be read on a read-only disk."""
    with contextlib.suppress(OSError):
        if path.read_bytes() == data:
            return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_json(path: Path, data: Any) -> None:
    write_text(path, json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


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
