"""Reading the files of a compiled domain (``generated/<domain>/``, or the same files in memory):
each reader turns a missing or broken file into a user error at that file and line."""

from __future__ import annotations

import builtins
import hashlib
import json
import os
import re
import traceback
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from eigendsl.errors import Diagnostic, EigenError, Span
from eigendsl.yaml_files import jsonl_rows


def diagnostic(path: str, message: str, line: int = 0, col: int = 0) -> Diagnostic:
    """A diagnostic at ``path:line:col``; without a line the message starts with the path, as
    the CLI prints only the message of a diagnostic that has no line."""
    if line <= 0:
        return Diagnostic(Span(path, 0, 0), f"{path}: {message}")
    return Diagnostic(Span(path, line, max(col, 1)), message)


def error_line(exc: BaseException, filename: str) -> tuple[int, int]:
    """Where in ``filename`` ``exc`` arose: a SyntaxError's own position, else the innermost
    frame of its traceback that ran there; (0, 0) when neither is known."""
    here = os.path.abspath(filename)
    if (
        isinstance(exc, SyntaxError)
        and exc.filename
        and exc.lineno
        and os.path.abspath(exc.filename) == here
    ):
        return exc.lineno, exc.offset or 1
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.lineno and os.path.abspath(frame.filename) == here:
            return frame.lineno, (getattr(frame, "colno", None) or 0) + 1
    return 0, 0


def describe(exc: BaseException) -> str:
    # A SyntaxError's str() repeats the file and line the diagnostic already shows.
    if isinstance(exc, SyntaxError) and exc.msg:
        return f"SyntaxError: {exc.msg}"
    return f"{type(exc).__name__}: {exc}"


def key_line(text: str, key: str) -> int:
    """The line of the first ``key:`` in YAML ``text``, or 0: positions for the error messages."""
    match = re.search(rf"^[ \t]*{re.escape(key)}[ \t]*:", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else 0


#: How error messages name the kinds of JSON and YAML values.
KINDS = {
    dict: "a mapping",
    list: "a list",
    str: "a string",
    int: "a whole number",
    bool: "true or false",
}


def shown(value: Any) -> str:
    """A value as an error message names it: its kind when it is a mapping or a list."""
    if isinstance(value, (dict, list)):
        return KINDS[type(value)]
    if isinstance(value, bool):  # as JSON and YAML write it
        return "true" if value else "false"
    return "nothing" if value is None else repr(value)


@dataclass
class CompiledFiles:
    """The files of a compiled domain: the folder ``root``, or ``files`` in memory.

    Each reader turns a missing or broken file into an EigenError at that file (and line) that
    says to compile again: these files are compiler output, not meant to be edited by hand.
    """

    root: Path
    files: dict[str, str] | None

    def path(self, rel: str) -> str:
        return str(self.root / rel)

    def problem(self, rel: str, message: str, line: int = 0, col: int = 0) -> Diagnostic:
        """A diagnostic at ``rel`` (and line) that says to compile again."""
        out = self.root if self.files is None else "OUT"
        hint = (
            f"this folder is compiler output: compile the spec again with "
            f"`eigendsl compile SPEC_DIR -o {out}`"
        )
        return diagnostic(self.path(rel), f"{message}; {hint}", line, col)

    def error(self, rel: str, message: str, line: int = 0, col: int = 0) -> EigenError:
        return EigenError(self.problem(rel, message, line, col))

    def text(self, rel: str) -> str:
        if self.files is not None:
            if rel not in self.files:
                raise self.error(rel, "the compiled domain lacks this file")
            return self.files[rel]
        path = self.root / rel
        if not path.is_file():
            raise self.error(
                rel,
                f"this file does not exist; is {self.root} a folder written by `eigendsl compile`?",
            )
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise self.error(rel, f"cannot read this file ({exc.strerror})") from None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            before = data[: exc.start]
            col = len(before.rsplit(b"\n", 1)[-1].decode("utf-8", errors="replace")) + 1
            raise self.error(
                rel,
                f"this file is not UTF-8 text (byte 0x{data[exc.start]:02x} here)",
                before.count(b"\n") + 1,
                col,
            ) from None

    def yaml(self, rel: str) -> Any:
        try:
            return yaml.safe_load(self.text(rel))
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
            problem = exc.problem or exc.context or "a broken construct"
            raise self.error(rel, f"invalid YAML: {problem}", line, col) from None
        except yaml.YAMLError as exc:
            raise self.error(rel, f"invalid YAML: {exc}") from None

    def json(self, rel: str) -> Any:
        try:
            return json.loads(self.text(rel))
        except json.JSONDecodeError as exc:
            raise self.error(rel, f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None

    def jsonl(self, rel: str) -> list[tuple[int, Any]]:
        """The JSON value of each non-blank line, with its line number."""
        return jsonl_rows(
            self.text(rel),
            lambda number, exc: self.error(rel, f"invalid JSON: {exc.msg}", number, exc.colno),
        )

    def has(self, rel: str) -> bool:
        """Whether the compiled domain holds the file ``rel``."""
        return rel in self.files if self.files is not None else (self.root / rel).is_file()

    def module(
        self, rel: str, name: str, siblings: dict[str, types.ModuleType] | None = None
    ) -> types.ModuleType:
        """A generated module, executed from its text (nothing is imported or written); its
        ``from .x import y`` reads the generated module ``x`` of ``siblings`` (``blocks``)."""
        filename = self.path(rel)
        text = self.text(rel)
        module = types.ModuleType(name)
        module.__file__ = filename
        if siblings:
            module.__dict__["__builtins__"] = {
                **vars(builtins),
                "__import__": _sibling_import(siblings),
            }
        try:
            # Our own generated code.
            exec(compile(text, filename, "exec"), module.__dict__)  # noqa: S102
        except Exception as exc:  # noqa: BLE001 - any failure of a generated module is reported
            line, col = error_line(exc, filename)
            raise self.error(
                rel, f"this generated module fails to load ({describe(exc)})", line, col
            ) from None
        return module

    def need(self, rel: str, value: Any, kind: type, what: str, line: int = 0) -> Any:
        """``value`` when it is of ``kind``, else an error that says what ``what`` must be."""
        if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            return value
        raise self.error(rel, f"{what} must be {KINDS[kind]}, not {shown(value)}", line)

    def field(
        self,
        rel: str,
        doc: dict[str, Any],
        key: str,
        kind: type,
        owner: str = "the top level",
        line: int = 0,
    ) -> Any:
        """``doc[key]``, which must exist and be of ``kind``."""
        if key not in doc:
            raise self.error(rel, f"{owner} lacks the key '{key}'", line)
        return self.need(rel, doc[key], kind, f"'{key}' of {owner}", line)

    def attribute(self, rel: str, module: types.ModuleType, name: str, kind: type | None) -> Any:
        value = getattr(module, name, None)
        if (
            value is None
            or (kind is not None and not isinstance(value, kind))
            or (kind is None and not callable(value))
        ):
            what = "a function" if kind is None else KINDS[kind]
            raise self.error(rel, f"this generated module defines no {name} ({what})")
        return value


def check_outputs(compiled: CompiledFiles, manifest: dict[str, Any]) -> None:
    """An error at the first compiled file on disk whose content is not what the manifest
    records compile wrote (a hand-edited ``db.json``: the run would play another database than
    the spec's, and say nothing). Line endings do not count: a checkout may turn them to CRLF."""
    outputs = manifest.get("outputs")
    if compiled.files is not None or not isinstance(outputs, dict):
        return
    for rel, recorded in outputs.items():
        path = compiled.root / str(rel)
        if not path.is_file():
            continue
        if _hashes_to(path.read_bytes().replace(b"\r\n", b"\n"), recorded) is False:
            raise compiled.error(
                str(rel),
                "this file is not the one compile wrote (its hash is not the one manifest.yaml "
                "records): compiled files are not edited by hand; change the spec instead",
            )


def changed_inputs(compiled: CompiledFiles, manifest: dict[str, Any]) -> tuple[Path, list[str]]:
    """The spec folder a compiled folder on disk names (``spec_dir``) and the files of it that
    changed or went since the compile (the manifest's ``inputs`` hash otherwise): a run then plays
    the folder as compiled, not the spec as it is. No files when the folder is in memory, or the
    spec is not where the manifest says (a moved or vendored folder)."""
    recorded, inputs = manifest.get("spec_dir"), manifest.get("inputs")
    if compiled.files is not None or not isinstance(recorded, str) or not isinstance(inputs, dict):
        return compiled.root, []
    spec = (compiled.root / recorded).resolve()
    if not (spec / "domain.yaml").is_file():
        return spec, []
    changed = []
    for rel, digest in sorted(inputs.items(), key=lambda item: str(item[0])):
        try:
            data = (spec / str(rel)).read_bytes()
        except OSError:
            changed.append(str(rel))
            continue
        # line endings do not count: a checkout may turn them to CRLF
        same = any(_hashes_to(d, digest) is not False for d in (data, data.replace(b"\r\n", b"\n")))
        if not same:
            changed.append(str(rel))
    return spec, changed


def _matches(folder: Path, digests: dict[str, str]) -> bool:
    """Whether ``folder`` is a spec folder whose files hash to ``digests`` (``sha256:HEX``)."""
    if not (folder / "domain.yaml").is_file():
        return False
    for rel, recorded in digests.items():
        try:
            if not _hashes_to((folder / rel).read_bytes(), recorded):
                return False
        except OSError:
            return False
    return True


def _hashes_to(data: bytes, recorded: Any) -> bool | None:
    """Whether ``data`` hashes to ``recorded`` as the manifest writes it (``sha256:HEX``); None
    when its algorithm is not one this Python has."""
    algorithm, _, expected = str(recorded).partition(":")
    if algorithm not in hashlib.algorithms_available:
        return None
    return hashlib.new(algorithm, data).hexdigest() == expected


def spec_folder(compiled: CompiledFiles, manifest: dict[str, Any]) -> Path:
    """The spec folder that a compiled folder on disk was made from, for its Python tools.

    The compiler writes ``spec_dir`` relative to the compiled folder. A compiled folder moved or
    copied elsewhere looks for the same path without its ``..`` steps (``specs/retail``) in the
    folders above it and above the working directory, and takes the first one whose Python
    files hash as the manifest recorded.
    """
    rel = "manifest.yaml"
    line = key_line(compiled.text(rel), "spec_dir")
    recorded = compiled.field(rel, manifest, "spec_dir", str, line=line)
    written = (compiled.root / recorded).resolve()
    if (written / "domain.yaml").is_file():
        return written
    inputs = manifest.get("inputs")
    digests = (
        {str(k): str(v) for k, v in inputs.items() if str(k).endswith(".py")}
        if isinstance(inputs, dict)
        else {}
    )
    tail = [part for part in PurePosixPath(recorded).parts if part not in ("..", ".", "/")]
    if tail:
        here, cwd = compiled.root.resolve(), Path.cwd()
        for base in dict.fromkeys([here, *here.parents, cwd, *cwd.parents]):
            if _matches(base.joinpath(*tail), digests):
                return base.joinpath(*tail)
    raise compiled.error(
        rel,
        f"spec_dir '{recorded}' points at {written} (relative to this "
        f"folder), which holds no spec (domain.yaml), and no copy of the "
        f"spec was found above this folder or the working directory: the "
        f"domain's Python tools live there, so a compiled folder moved "
        f"away from its spec cannot run",
        line,
    )


def _sibling_import(siblings: dict[str, types.ModuleType]) -> Callable[..., Any]:
    """``__import__`` that gives a relative import of one of ``siblings`` that module, as the
    package of the verifiers would, and leaves any other import to Python."""

    def load(
        name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0
    ) -> Any:
        if level == 1 and name in siblings:
            return siblings[name]
        return builtins.__import__(name, globals, locals, fromlist, level)

    return load
