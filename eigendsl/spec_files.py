"""The files of a spec that ``domain.yaml``'s ``checkers:`` and ``tasks:`` patterns name.

A pattern that matches no file is an error at its place, which names the files there that it
may be a misspelling of; the names those files would declare are unknown to the rest of the
compile (:meth:`~eigendsl.errors.Diagnostics.left_out`), which goes on with the files found.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Sequence
from pathlib import Path

from eigendsl.errors import Diagnostics, Span, did_you_mean, first_few
from eigendsl.yamlload import MarkedDict, MarkedList

#: A declaration's first line in a checker file: its kind and its name.
_DECLARATION = re.compile(r"^([a-z]+)[ \t]+([A-Za-z_]\w*)", re.MULTILINE)


def leave_out_declarations(parts: Sequence[tuple[str, Span]] | None, diag: Diagnostics) -> None:
    """The names the declarations of a checker file that could not be parsed declare are
    unknown, each for its syntax error (``parts``: each one's text and the place of its error;
    None: the file could not be read, and any check, rule, block or constant may be in it)."""
    if parts is None:
        for kind in ("check", "rule", "block", "let"):
            diag.left_out(kind)
        return
    for text, at in parts:
        for kind, name in _DECLARATION.findall(text):
            diag.left_out(kind, name, at)


#: What the files of a ``checkers:`` or ``tasks:`` pattern are called, and their suffixes.
_FILE_KINDS = {"checkers": ("checker files", (".chk",)), "tasks": ("YAML files", (".yaml", ".yml"))}


def expand_patterns(
    root: Path, patterns: MarkedList | list[str], raw: MarkedDict, key: str, diag: Diagnostics
) -> list[tuple[str, Path]]:
    """The files each pattern of ``checkers:`` or ``tasks:`` matches, each once, at the place of
    the first pattern that matches it: ``[checks/base.chk, checks/*.chk]`` reads ``base.chk``
    first and then the others (read twice, its names would be declared twice). A pattern that
    is absolute or matches nothing is an error at its place, and what its files would declare
    is unknown (the others are read: one compile reports the errors of them all); one whose
    files are all matched before it is a warning, as it moves none of them."""
    found: list[tuple[str, Path]] = []
    seen: dict[Path, str] = {}  # each file found, by its resolved path: the pattern it is read for
    for index, pattern in enumerate(patterns):
        span = (
            raw[key].position(index) if isinstance(raw.get(key), MarkedList) else raw.position(key)
        )
        if Path(pattern).is_absolute():
            # Files are named (in the manifest, in generated code) relative to the spec folder,
            # so that the output does not depend on where the spec lives.
            diag.error(
                span,
                f"'{pattern}' is an absolute path; write it relative to the spec folder {root} "
                "('../' reaches outside it)",
            )
            _leave_out_files(key, diag)
            continue
        # root_dir: a spec folder whose name holds [, * or ? is not read as a pattern.
        matches = sorted(m for m in glob.glob(pattern, root_dir=root) if (root / m).is_file())
        if not matches:
            hint = _nearby(root, pattern, key, [str(p) for p in patterns])
            diag.error(span, f"no file matches '{pattern}' (looked in {root}){hint}")
            _leave_out_files(key, diag)
        fresh = [m for m in matches if (root / m).resolve() not in seen]
        if matches and not fresh:
            first = seen[(root / matches[0]).resolve()]
            diag.warning(
                span,
                f"every file '{pattern}' matches is read already, at the place of the earlier "
                f"pattern '{first}' in `{key}:`; remove this pattern, or, to read its files "
                "first, move it before that one",
            )
        seen.update({(root / m).resolve(): pattern for m in fresh})
        found += [(match, root / match) for match in fresh]
    return found


def _leave_out_files(key: str, diag: Diagnostics) -> None:
    """The names that files of ``checkers:`` or ``tasks:`` not read would declare are unknown."""
    if key == "checkers":
        leave_out_declarations(None, diag)
    else:
        diag.left_out("template")


def _nearby(root: Path, pattern: str, key: str, listed: list[str]) -> str:
    """What to say after a pattern that matches no file: the file (or the same pattern in a
    folder) of the spec folder it may be a misspelling of, but those ``listed`` already (or
    matched by them), and the files of its kind there."""
    kind, suffixes = _FILE_KINDS[key]
    files = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [s for s in subfolders if not s.startswith((".", "__"))]  # .git, caches
        for name in names:
            if name.endswith(suffixes) and name != "domain.yaml":
                files.append(Path(folder, name).relative_to(root).as_posix())
    files.sort()
    # a folder misspelt in a pattern (chekcs/*.chk): the pattern in each folder of such files
    last = Path(pattern).name
    shapes = {f"{Path(f).parent.as_posix()}/{last}".removeprefix("./") for f in files}
    guesses = [g for g in sorted(shapes) if glob.has_magic(pattern)] + files
    taken = {m for p in listed if not Path(p).is_absolute() for m in glob.glob(p, root_dir=root)}
    guesses = [g for g in guesses if g not in listed and g not in taken]
    there = (
        f"the {kind} there are {first_few(files, 5)}"
        if files
        else f"it holds no {' or '.join(suffixes)} file"
    )
    return f"{did_you_mean(pattern, guesses, there)}; fix the path or create the file"
