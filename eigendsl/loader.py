"""Load a spec folder: ``domain.yaml``, its task files, checker files, policy and seed data.

Pydantic errors are mapped back to ``file:line:col`` through the YAML marks; every file a spec
names is checked to exist, and a missing one is reported where it was named.
"""

from __future__ import annotations

import os
import re
import types
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from eigendsl.dsl import ast as A
from eigendsl.dsl.parser import parse_file
from eigendsl.errors import (
    Diagnostic,
    Diagnostics,
    EigenError,
    Span,
    ValueAt,
    did_you_mean,
)
from eigendsl.salvage import (
    DOMAIN_CUTS,
    TASK_CUTS,
    Cut,
    cut_at,
    cut_broken_parts,
    follows_from_cuts,
    plain_path,
)
from eigendsl.spec import DomainSpec, yaml_type_hint
from eigendsl.spec_files import expand_patterns, leave_out_declarations
from eigendsl.task_spec import TaskFile
from eigendsl.yaml_files import load_file, read_text
from eigendsl.yaml_places import comma_hint, locate
from eigendsl.yamlload import YAML_BOOL_TEXT, MarkedDict, is_yaml11_bool

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

M = TypeVar("M", bound=BaseModel)


@dataclass
class LoadedSpec:
    """A validated spec with everything it references, and the marks to point back into it."""

    root: Path
    spec: DomainSpec
    raw: MarkedDict
    policy: str
    seed: dict[str, Any]
    seed_raw: Any
    task_files: list[tuple[str, TaskFile, MarkedDict]] = field(default_factory=list)
    modules: list[A.Module] = field(default_factory=list)
    inputs: dict[str, bytes] = field(default_factory=dict)  # relative path -> content, for hashes
    seed_read: bool = True  # false: the seed file could not be read as a mapping (seed is empty)
    # false: a part of the database schema was cut out for its errors (eigendsl.salvage), so the
    # seed data is not judged whole against it
    schema_whole: bool = True

    def display(self, relative: str) -> str:
        return str(self.root / relative)


def _validation_error(
    errors: list[ErrorDetails], raw: Any, fallback: Span, model: Any
) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for error in errors:
        loc = tuple(error["loc"])
        at, value = loc, error["type"] != "extra_forbidden"
        if isinstance(part := error.get("ctx", {}).get("error"), ValueAt):
            at, value = loc + part.at, not part.key  # the part of the value refused
        span = locate(raw, at, fallback, value=value)
        message = _sentence(error, loc, model)
        if error["type"] == "extra_forbidden":
            message = comma_hint(raw, loc) or message
            if any(d.message == message for d in out):
                continue  # another piece of a value cut at its commas
        out.append(Diagnostic(span, message))
    return out


def _sentence(error: ErrorDetails, loc: tuple[Any, ...], model: Any) -> str:
    said = _said(error, loc, model)
    return said if error["type"] == "missing" else said + _indented_under(loc, model)


def _indented_under(loc: tuple[Any, ...], model: Any) -> str:
    """A hint where the key at ``loc`` is wrong under its mapping but is a key of the mapping
    above it, beside its parent: most likely indented one level too deep (``unknown:`` under
    ``known:`` was "known.unknown must be text", with nothing about the indentation)."""
    if len(loc) < 3 or not isinstance(loc[-1], str) or not isinstance(loc[-2], str):
        return ""
    owner = _model_at(model, loc[:-2])
    if not (isinstance(owner, type) and issubclass(owner, BaseModel)):
        return ""
    key, parent = loc[-1], loc[-2]
    if key == parent or key not in {f.alias or n for n, f in owner.model_fields.items()}:
        return ""
    return (
        f"; '{key}' is a key of {'.'.join(map(str, loc[:-2]))}, beside '{parent}': if this is "
        f"that key, indent it as deep as '{parent}', not under it"
    )


def _said(error: ErrorDetails, loc: tuple[Any, ...], model: Any) -> str:
    kind = error["type"]
    where = ".".join(str(p) for p in loc if not str(p).startswith("function-")) or "the file"
    if kind == "missing":
        return (
            f"'{loc[-1]}' is required in {'.'.join(map(str, loc[:-1])) or 'the top level'}; add it"
        )
    if kind == "extra_forbidden":
        return f"unknown key '{loc[-1]}'{_expected_keys(error, loc, model)}"
    if kind in (
        "string_type",
        "int_type",
        "float_type",
        "bool_type",
        "dict_type",
        "list_type",
        "int_parsing",
        "float_parsing",
        "bool_parsing",
        "model_type",
    ):
        expected = {
            "string_type": "text",
            "int_type": "a whole number",
            "int_parsing": "a whole number",
            "float_type": "a number",
            "float_parsing": "a number",
            "bool_type": "true or false",
            "bool_parsing": "true or false",
            "dict_type": "a mapping (key: value lines)",
            "model_type": "a mapping (key: value lines)",
            "list_type": "a list (- item lines)",
        }[kind]
        given = error.get("input")
        hint = f"; {YAML_BOOL_TEXT}" if kind.startswith("bool") and is_yaml11_bool(given) else ""
        if kind == "dict_type" and loc and loc[-1] == "params" and isinstance(given, list):
            # a list of names where each wants its type: show the form with the first name
            first = next((str(g) for g in given if isinstance(g, str)), "order_id")
            hint = f"; write one 'name: type' line for each, as params: {{{first}: string}}"
        return f"{where} must be {expected}, not {_given(given)}{hint}"
    if kind == "literal_error":  # one of fixed words: the closest to a misspelt one
        given, expected = error.get("input"), str((error.get("ctx") or {}).get("expected", ""))
        hint = (
            did_you_mean(given, re.findall(r"'([^']*)'", expected))
            if isinstance(given, str)
            else ""
        )
        if loc[-1] == "type" and (written := yaml_type_hint(given)) is not None:
            hint = f"; {written}"
        return f"{where}: {error['msg'].lower()}{hint}"
    if kind in _BOUNDS:  # pydantic's "Input should be greater than or equal to 2"
        bound = next(iter((error.get("ctx") or {}).values()), "?")
        return f"{where} is {_given(error.get('input'))}; write a number {_BOUNDS[kind]} {bound}"
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return f"{where}: {message}"


# How a number's bound reads in a sentence, by pydantic's error type.
_BOUNDS = {
    "greater_than_equal": "of at least",
    "greater_than": "above",
    "less_than_equal": "of at most",
    "less_than": "below",
}


def _model_at(model: Any, loc: tuple[Any, ...]) -> Any:
    """The pydantic model class found by following ``loc`` through fields, dicts and lists."""
    current = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(str(part))
            if info is None:
                info = next((f for f in current.model_fields.values() if f.alias == part), None)
            if info is None:
                return None
            current = info.annotation
        elif get_origin(current) in (dict, list):
            current = get_args(current)[-1]
        else:
            return None
    return _unwrap(current)


def _unwrap(t: Any) -> Any:
    if get_origin(t) in (Union, types.UnionType):
        options = [a for a in get_args(t) if a is not type(None)]
        return options[0] if len(options) == 1 else t
    return t


def _given(value: Any) -> str:
    """A wrong value as a message shows it: a scalar as written, a mapping or list by its kind."""
    if isinstance(value, dict):
        return f"a mapping ({', '.join(map(str, value))})" if value else "an empty mapping"
    if isinstance(value, list):
        return f"a list of {len(value)}" if value else "an empty list"
    if isinstance(value, bool) or value is None:  # as YAML writes it
        return {True: "true", False: "false", None: "null"}[value]
    return repr(value)


def _expected_keys(error: ErrorDetails, loc: tuple[Any, ...], model: Any) -> str:
    owner = _model_at(model, loc[:-1])
    if isinstance(owner, type) and issubclass(owner, BaseModel):
        keys = [f.alias or name for name, f in owner.model_fields.items()]
        return did_you_mean(str(loc[-1]), keys, f"expected one of {', '.join(keys)}")
    return "; remove it or check its spelling"


#: The most times a file is validated again, its broken parts cut out (each time may find a part
#: whose own checks only ran once the parts in it were sound).
_ROUNDS = 8


def validate_parts(
    model: type[M], raw: MarkedDict, fallback: Span, diag: Diagnostics, cuts: tuple[Cut, ...]
) -> tuple[M | None, list[tuple[Any, ...]]]:
    """``raw`` validated as ``model``, its errors reported; where it has errors, the parts
    that hold them are cut out of it (as ``cuts`` says) and the rest validated again, so that
    the stages after it check what is sound. Gives the model (None when no cut makes it valid)
    and the places cut. A later round's errors are reported too (pydantic checks a part as a
    whole only once the parts in it are sound: a key that names no field of a table whose field
    has a misspelt type), but for those that may be the cuts' consequences
    (:func:`~eigendsl.salvage.follows_from_cuts`: a tool without its misspelt key 'pyhton' has
    no implementation)."""
    done: list[tuple[Any, ...]] = []
    removed: list[tuple[Any, ...]] = []
    said: set[str] = set()
    for _ in range(_ROUNDS):
        try:
            return model.model_validate(raw), done
        except ValidationError as exc:
            errors = [
                e
                for e in exc.errors()
                if not follows_from_cuts(plain_path(_error_place(e)[0]), done, removed)
            ]
            for found in _validation_error(errors, raw, fallback, model):
                if str(found) not in said:  # a part no rule cuts is found again each round
                    said.add(str(found))
                    diag.extend([found])
            # a key indented under its sibling (the error's hint says so) is read where the hint
            # says it belongs: cut as a broken part, a tool's `writes:` under its `params:` was
            # a parameter named 'writes', which the tool's Python function was then told to take
            moved = [e for e in exc.errors() if _move_beside_parent(e, raw, model, removed)]
            done += [plain_path(e["loc"]) for e in moved]
            left = [e for e in exc.errors() if e not in moved]
            cut = cut_broken_parts(map(_error_place, left), raw, cuts, diag, removed)
            if not cut and not moved:
                break
            done += cut
    return None, done


def _move_beside_parent(
    error: ErrorDetails, raw: MarkedDict, model: Any, removed: list[tuple[Any, ...]]
) -> bool:
    """Where ``error`` is a key indented under its sibling (:func:`_indented_under`), move it in
    ``raw`` beside that sibling, as the error's hint says it belongs (left out, and added to
    ``removed``, where the mapping there has that key already); whether it was."""
    loc = plain_path(error["loc"])
    if error["type"] == "missing" or not _indented_under(loc, model):
        return False
    owner: Any = raw
    for part in loc[:-2]:
        owner = owner.get(part) if isinstance(owner, dict) else None
    under, key = owner.get(loc[-2]) if isinstance(owner, dict) else None, loc[-1]
    if not (isinstance(owner, MarkedDict) and isinstance(under, MarkedDict) and key in under):
        return False
    value = under.pop(key)
    if key in owner:
        removed.append(loc)
        return True
    owner[key] = value
    for spans in ("key_spans", "value_spans", "value_styles"):
        if key in getattr(under, spans):
            getattr(owner, spans)[key] = getattr(under, spans).pop(key)
    return True


def _error_place(error: ErrorDetails) -> tuple[tuple[Any, ...], str]:
    """Where a pydantic error is, and what is wrong there (for :func:`cut_broken_parts`)."""
    loc = tuple(error["loc"])
    if isinstance(part := error.get("ctx", {}).get("error"), ValueAt):
        return loc + part.at, "key" if part.key else "value"
    return loc, "extra" if error["type"] == "extra_forbidden" else "value"


def _compiled_folder(root: Path) -> str:
    """What to say when a compiled folder (it holds manifest.yaml) is given where a spec folder
    is read: name the spec its manifest records (``spec_dir``, relative to it) when it is there."""
    text = f"no domain.yaml in {root}: it is a compiled folder (it holds manifest.yaml), which "
    text += "run, play and lint take; compile and synth read the spec folder"
    try:
        raw = load_file(root / "manifest.yaml", str(root / "manifest.yaml"))
    except EigenError:
        raw = None
    recorded = raw.get("spec_dir") if isinstance(raw, dict) else None
    spec = root / recorded if isinstance(recorded, str) else None
    if spec is None or not (spec / "domain.yaml").is_file():
        return text + " it was compiled from"
    shown = spec.resolve() if root.is_absolute() else os.path.relpath(spec.resolve())
    return text + f" it was compiled from: {shown}"


def _nothing_else(message: str) -> str:
    """An error that leaves ``domain.yaml`` unread, saying that the files it names (and so the
    rest of the spec) were not checked either."""
    end = "" if message.endswith((".", "?")) else "."
    return (
        f"{message}{end} Nothing else of the spec was checked (domain.yaml names its policy, "
        "seed data, checker and task files); try again once this is fixed"
    )


def load_spec(
    spec_dir: Path | str, extra: list[Path] | None = None, later: Diagnostics | None = None
) -> LoadedSpec:
    """Load and validate a spec folder, collecting every error before raising.

    ``extra`` files (``.chk`` checkers, ``.yaml`` task files) are loaded as if the spec named them.
    ``later`` takes the errors that the load can go on after: a policy file missing or
    unreadable (the policy is then empty), a seed file missing, not valid YAML or not a mapping
    (the seed is then empty and ``seed_read`` false), a part of ``domain.yaml`` or of a task
    file of the wrong shape (the part is cut out: :mod:`eigendsl.salvage`), a checker file that
    does not parse or a ``checkers:`` or ``tasks:`` pattern that matches no file (what they
    would declare is unknown), so the checks that follow report theirs too; without it
    they are raised with the rest (training never runs on an empty seed).
    """
    root = Path(spec_dir)
    if root.name == "domain.yaml" and root.is_file():  # the spec's file for its folder
        root = root.parent
    domain_file = root / "domain.yaml"
    if not domain_file.is_file():
        if (root / "manifest.yaml").is_file():
            raise EigenError(Diagnostic(Span(str(domain_file), 0, 0), _compiled_folder(root)))
        hint = (
            ""
            if root.is_dir()
            else f" ({root} is a file; name the folder that holds domain.yaml)"
            if root.exists()
            else f" (the folder {root} does not exist)"
        )
        raise EigenError(
            Diagnostic(
                Span(str(domain_file), 0, 0),
                f"no domain.yaml in {root}{hint}; a spec folder starts with domain.yaml",
            )
        )
    diag = Diagnostics()
    later_diag = later if later is not None else diag
    inputs: dict[str, bytes] = {"domain.yaml": domain_file.read_bytes()}
    try:
        raw = load_file(domain_file, str(domain_file))
    except EigenError as exc:  # not UTF-8, not YAML, nested too deep
        # said once, after the last of the file's errors (each duplicate key is one)
        *errors, last = exc.diagnostics
        raise EigenError([*errors, replace(last, message=_nothing_else(last.message))]) from None
    if not isinstance(raw, MarkedDict):
        given = "an empty file" if raw is None else _given(raw)
        raise EigenError(
            Diagnostic(
                Span(str(domain_file), 1, 1),
                _nothing_else(
                    "domain.yaml must be a mapping of keys to values (name:, database:, tools: "
                    f"...), not {given}"
                ),
            )
        )
    spec, cut = validate_parts(DomainSpec, raw, raw.span, later_diag, DOMAIN_CUTS)
    if spec is None:  # no part to cut holds its errors (they are reported)
        later_diag.raise_if_errors()
    assert spec is not None

    policy = ""
    policy_path = root / spec.policy
    if cut_at(cut, "policy"):
        pass  # its error is reported, and the policy is empty
    elif policy_path.is_file():
        try:
            policy = read_text(policy_path, str(policy_path))
        except EigenError as exc:
            later_diag.extend(exc)
        inputs[spec.policy] = policy_path.read_bytes()
    else:
        what = (
            "is a folder in {root}; name the policy's Markdown file in it"
            if policy_path.is_dir()
            else "does not exist in {root}; create it or fix the path"
        )
        later_diag.error(
            raw.value_span("policy"), f"policy file '{spec.policy}' " + what.format(root=root)
        )

    seed: dict[str, Any] = {}
    seed_raw: Any = {}
    seed_read = False
    seed_path = root / spec.database.seed
    seed_span = raw["database"].value_span("seed")
    try:
        if not cut_at(cut, "database", "seed"):  # where it is, its error is reported
            seed_raw = load_file(seed_path, str(seed_path), referenced_at=seed_span)
            inputs[spec.database.seed] = seed_path.read_bytes()
            if not isinstance(seed_raw, dict):
                later_diag.error(
                    Span(str(seed_path), 1, 1),
                    "seed data must map table names to lists (or maps) of rows",
                )
            else:
                seed, seed_read = seed_raw, True
    except EigenError as exc:
        later_diag.extend(exc)

    loaded = LoadedSpec(root, spec, raw, policy, seed, seed_raw, inputs=inputs, seed_read=seed_read)
    loaded.schema_whole = not any(place[0] == "database" for place in cut)
    extra_files = [(str(p), Path(p)) for p in extra or []]
    task_paths = expand_patterns(root, raw.get("tasks") or [], raw, "tasks", later_diag)
    task_paths += [(r, p) for r, p in extra_files if p.suffix in (".yaml", ".yml")]
    for relative, path in task_paths:
        # a file's errors do not stop the load; the templates of a file that is not read are
        # unknown, to the tasks of the other files that use them
        try:
            task_raw = load_file(path, str(path))
        except EigenError as exc:
            later_diag.extend(exc)
            later_diag.left_out("template")
            continue
        inputs[relative] = path.read_bytes()
        if not isinstance(task_raw, MarkedDict):
            later_diag.error(
                Span(str(path), 1, 1),
                "a task file must be a mapping with 'templates' and/or 'tasks'",
            )
            later_diag.left_out("template")
            continue
        task_file, _ = validate_parts(TaskFile, task_raw, task_raw.span, later_diag, TASK_CUTS)
        if task_file is not None:
            loaded.task_files.append((str(path), task_file, task_raw))
        else:
            later_diag.left_out("template")
    checker_paths = expand_patterns(root, raw.get("checkers") or [], raw, "checkers", later_diag)
    checker_paths += [(r, p) for r, p in extra_files if p.suffix == ".chk"]
    for relative, path in checker_paths:
        inputs[relative] = path.read_bytes()
        try:
            text = read_text(path, str(path))
        except EigenError as exc:  # the other files are checked; this one's names are unknown
            later_diag.extend(exc)
            leave_out_declarations(None, later_diag)
            continue
        # a declaration with a syntax error is left out, its names unknown; the others are read
        parsed = parse_file(text, str(path))
        loaded.modules.append(parsed.module)
        later_diag.extend(list(parsed.errors))
        leave_out_declarations(parsed.left_out, later_diag)
    for tool in spec.tools.values():
        if tool.python:
            module = tool.python.split(":")[0]
            relative = module.replace(".", "/") + ".py"
            if (root / relative).is_file():
                inputs[relative] = (root / relative).read_bytes()
    diag.raise_if_errors()
    return loaded
