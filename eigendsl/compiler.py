"""The compile pipeline: spec folder → validated, resolved domain → ``generated/<domain>/``.

Reads like the pipeline it is::

    loaded   = load_spec(spec_dir)            # YAML + pydantic + files
    seed     = normalize_seed(...)            # seed data against the schema
    resolved = Analyzer(...).declarations()   # names and types of the checker DSL
    tasks    = check_templates(...) + sample  # templates, gold plans, concrete tasks
    files    = generate(...)                  # verifiers, prompts, tools.json, tasks, manifest

Every stage adds to one :class:`Diagnostics`; errors are raised together at the end.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import yaml

from eigendsl import support as rt
from eigendsl.codegen import artifacts
from eigendsl.codegen.pymodule import render
from eigendsl.codegen.verifiers import VerifierBuilder
from eigendsl.domain import check_python_tools, check_training, declarative_tools, normalize_seed
from eigendsl.dsl.analysis import Analyzer, Resolved
from eigendsl.dsl.transformer import too_deep_as_error
from eigendsl.errors import Diagnostic, Diagnostics, EigenError, Span, did_you_mean, first_few
from eigendsl.loader import LoadedSpec, load_spec
from eigendsl.spec import value_matches
from eigendsl.task_spec import TemplateParam
from eigendsl.tasks import TemplateInfo, check_templates, render_task, sample_params, template_rng
from eigendsl.yamlload import MarkedDict, to_plain

SCHEMA_VERSION = 1


@dataclass
class CompiledDomain:
    name: str
    files: dict[str, str]  # path relative to the output folder -> text
    warnings: list[Diagnostic] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    spec_dir: Path | None = None  # the spec folder, which no output may overwrite


def analyze(
    spec_dir: Path | str, extra: list[Path] | None = None
) -> tuple[LoadedSpec, dict[str, Any], Resolved, dict[str, TemplateInfo], Any, Diagnostics]:
    """Load and check a spec (plus ``extra`` checker and task files); raise :class:`EigenError`
    with every error found."""
    loaded = load_spec(spec_dir, extra)
    diag = Diagnostics()
    seed = normalize_seed(loaded, diag)
    check_python_tools(loaded, diag)
    check_training(loaded, diag)
    analyzer = Analyzer(loaded.spec, diag)
    with too_deep_as_error(loaded.modules, loaded.raw.span):
        resolved = analyzer.declarations(loaded.modules)
        bodies = declarative_tools(loaded, analyzer, diag)
        templates = check_templates(loaded, analyzer, diag)
    diag.raise_if_errors()
    return loaded, seed, resolved, templates, bodies, diag


def _source_span(info: TemplateInfo, param: str) -> Span:
    """Where a template parameter's source is written (its ``from``), else the parameter."""
    params = info.raw.get("params")
    entry = params.get(param) if isinstance(params, MarkedDict) else None
    if isinstance(entry, MarkedDict) and "from" in entry:
        return entry.value_span("from")
    return params.position(param) if isinstance(params, MarkedDict) else info.raw.span


def _with_derived(
    info: TemplateInfo, params: dict[str, Any], seed: dict[str, Any]
) -> dict[str, Any]:
    """A written task's parameters, with each derived one it leaves out worked out from its
    source and the parameters before it (a task gives an offset; its date follows)."""
    for name in info.template.params:
        if name in params or name not in info.derived:
            continue
        earlier = list(info.template.params)[: list(info.template.params).index(name)]
        if any(p not in params for p in earlier):
            break  # left out, and reported so
        try:
            values = info.sources[name](seed, **{f"p_{p}": params[p] for p in earlier})
        except Exception:  # noqa: BLE001 - reported by _unsourced once the value is given
            break
        if len(values) == 1 and values[0] is not None:
            params[name] = to_plain(values[0])
    return params


def _unsourced(info: TemplateInfo, params: dict[str, Any], seed: dict[str, Any]) -> list[str]:
    """The first derived parameter of a written task (its source is one expression of the seed
    and the parameters before it) that is not what its source gives for the values written. A
    parameter chosen among candidates may be another one: lint tells whether the task holds."""
    earlier: dict[str, Any] = {}
    for name in info.template.params:  # in the template's order, which the sources follow
        value = params[name]
        source = info.sources.get(name)
        if source is not None and name in info.derived:
            given = ", ".join(f"{k}={v!r}" for k, v in earlier.items())
            try:
                candidates = source(seed, **{f"p_{k}": v for k, v in earlier.items()})
            except Exception as exc:  # noqa: BLE001 - the expression may fail on these values
                return [f"{name}: its source fails ({rt.describe_error(exc)})"]
            if value not in candidates:
                gives = (
                    f"gives {candidates[0]!r}"
                    if len(candidates) == 1
                    else "does not give it"
                    if candidates
                    else "gives no value"
                )
                given = f" for {given}" if given else ""
                return [f"{name} is {value!r}, but its source {gives}{given}"]
        earlier[name] = value
    return []


def _param_problem(value: Any, param: TemplateParam) -> str | None:
    """Why a concrete task's value does not fit its template parameter (type, choices), or None."""
    problem = value_matches(value, param)
    if problem is None and param.choices is not None and value not in param.choices:
        problem = f"is {value!r}, not one of the choices {', '.join(map(repr, param.choices))}"
    return problem


def concrete_tasks(
    loaded: LoadedSpec, seed: dict[str, Any], templates: dict[str, TemplateInfo], diag: Diagnostics
) -> list[dict[str, Any]]:
    """Authored tasks plus ``sampling.per_template`` sampled ones per template."""
    tasks: list[dict[str, Any]] = []
    seen_ids: set[str] = set()
    authored: list[tuple[str, dict[str, Any]]] = []  # (template, params) of the tasks written
    for _path, task_file, raw in loaded.task_files:
        for index, task in enumerate(task_file.tasks):
            span = raw["tasks"].position(index)
            info = templates.get(task.template)
            if info is None:
                diag.error(
                    span,
                    f"task '{task.id}' uses unknown template '{task.template}'"
                    f"{did_you_mean(task.template, templates)}",
                )
                continue
            if task.id in seen_ids:
                diag.error(span, f"task id '{task.id}' is used twice")
                continue
            given = _with_derived(info, dict(task.params), seed)
            missing = [p for p in info.param_types if p not in given]
            extra = [p for p in given if p not in info.param_types]
            if missing or extra:
                problem = (
                    f"lacks {', '.join(missing)}"
                    if missing
                    else f"has unknown parameter {extra[0]}"
                )
                diag.error(
                    span,
                    f"task '{task.id}' {problem} (template '{task.template}' takes "
                    f"{', '.join(info.param_types) or 'no parameters'})",
                )
                continue
            wrong = [
                f"{name} {param_problem}"
                for name, param in info.template.params.items()
                if (param_problem := _param_problem(given[name], param))
            ] or _unsourced(info, given, seed)
            if wrong:
                diag.error(
                    span, f"task '{task.id}': parameter {wrong[0]} (template '{task.template}')"
                )
                continue
            seen_ids.add(task.id)
            authored.append((task.template, given))
            override = task.user.model_dump() if task.user else None
            try:
                tasks.append(render_task(info, task.id, given, task.split or "train", override))
            except Exception as exc:  # noqa: BLE001 - Jinja expressions can raise anything (1/0, "a" + 1)
                diag.error(span, f"task '{task.id}' cannot be rendered: {_render_problem(exc)}")
    sampling = loaded.spec.sampling
    for name, info in templates.items():
        if not info.template.sample:
            continue
        rng = template_rng(sampling.seed, name)
        drawn: list[dict[str, Any]] = []
        attempts = 0
        while len(drawn) < sampling.per_template and attempts < sampling.per_template * 20:
            attempts += 1
            why: list[tuple[str, str]] = []
            params = sample_params(info, seed, rng, why)
            if params is None:
                param, problem = why[0]
                diag.error(
                    _source_span(info, param), f"template '{name}' cannot be sampled: {problem}"
                )
                break
            if params not in drawn and (name, params) not in authored:  # one task, one split
                drawn.append(params)
        held = round(len(drawn) * sampling.held_out_fraction)
        if sampling.held_out_fraction > 0 and len(drawn) >= 2:
            held = max(held, 1)  # every template keeps at least one unseen parameter set
        for i, params in enumerate(drawn):
            split = "held-out" if i >= len(drawn) - held else "train"
            try:
                tasks.append(render_task(info, f"{name}-{i:03d}", params, split))
            except Exception as exc:  # noqa: BLE001 - as above
                diag.error(
                    info.raw.span,
                    f"template '{name}' cannot be rendered with {params}: {_render_problem(exc)}",
                )
                break
    return tasks


def _render_problem(exc: Exception) -> str:
    if isinstance(exc, jinja2.TemplateError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def compile_domain(
    spec_dir: Path | str, out_dir: Path | str | None = None, extra: list[Path] | None = None
) -> CompiledDomain:
    """Compile a spec folder to the files of ``generated/<domain>/`` (not written yet).

    ``extra`` adds checker (``.chk``) and task (``.yaml``) files from outside the spec folder,
    such as the tasks synthesis writes with their checks."""
    loaded, seed, resolved, templates, bodies, diag = analyze(spec_dir, extra)
    tasks = concrete_tasks(loaded, seed, templates, diag)
    diag.raise_if_errors()
    spec = loaded.spec
    out = Path(out_dir) if out_dir is not None else Path("generated") / spec.name
    builder = VerifierBuilder(spec, resolved, str(loaded.root.resolve().parent))
    files: dict[str, str] = {}
    index: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "checks": {},
        "rules": sorted(resolved.rules),
        "guards": sorted(resolved.guards),
        "declared_tools": sorted(bodies),
        "source_map": {},
    }
    with too_deep_as_error(loaded.modules, loaded.raw.span):
        for name, check in sorted(resolved.checks.items()):
            module = f"check_{name}"
            source = builder.relative(check.span.path)
            files[f"verifiers/{module}.py"] = render(builder.check_module(check), source)
            index["checks"][name] = {
                "module": module,
                "params": [p.name for p in check.params],
                "source": f"{source}:{check.span.line}",
            }
        files["verifiers/rules.py"] = render(builder.rules_module(), "the policy rules")
        files["verifiers/guards.py"] = render(builder.guards_module(), "the tool guards")
        files["verifiers/tools_declared.py"] = render(
            builder.declared_tools_module(bodies), "declarative tools"
        )
    files["verifiers/__init__.py"] = (
        "# Generated by EigenDSL. Verifier modules of this domain; see index.json.\n"
    )
    for path, text in files.items():
        if path.endswith(".py"):
            index["source_map"][path] = _source_map(text)
    files["verifiers/index.json"] = json.dumps(index, indent=2, sort_keys=True) + "\n"
    files["db.json"] = (
        json.dumps({"schema_version": SCHEMA_VERSION, "tables": seed}, indent=1, ensure_ascii=False)
        + "\n"
    )
    files["tools.json"] = artifacts.tools_json(spec)
    files.update(artifacts.prompts(spec, loaded.policy, sorted(resolved.rules), list(templates)))
    files["tasks.jsonl"] = artifacts.tasks_jsonl(tasks)
    spec_rel = os.path.relpath(loaded.root.resolve(), out.resolve())
    counts = {
        "tools": len(spec.tools),
        "templates": len(templates),
        "tasks": len(tasks),
        "checks": len(resolved.checks),
        "rules": len(resolved.rules),
        "guards": len(resolved.guards),
    }
    inputs = dict(loaded.inputs)
    files["manifest.yaml"] = artifacts.manifest(
        spec, spec_rel.replace(os.sep, "/"), inputs, files, counts
    )
    return CompiledDomain(spec.name, files, diag.warnings, tasks, loaded.root)


def _source_map(text: str) -> dict[str, str]:
    """Generated line → DSL position, from the marker strings above each statement."""
    mapping: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("'") and ": " in stripped and ".chk:" in stripped:
            mapping[str(number)] = stripped.strip("'").split(": ", 1)[0]
    return mapping


def write_output(compiled: CompiledDomain, out_dir: Path | str, check: bool = False) -> list[str]:
    """Write the files (atomically, one by one) or, with ``check``, list those that would change.

    Files that an earlier compile wrote into the output folder (its ``manifest.yaml`` lists them)
    and that this compile no longer produces count as changes and are removed when writing; any
    other file there is left alone. A folder that holds files but no manifest of a compile, and
    one that is, holds or lies in the spec folder, is refused: writing there could lose files.
    """
    out = Path(out_dir)
    stale = _stale_files(compiled, out)
    pending: dict[str, bytes] = {}
    for rel, text in sorted(compiled.files.items()):
        target = out / rel
        data = text.encode("utf-8")
        if not (target.is_file() and target.read_bytes() == data):
            pending[rel] = data
    if not check:
        # The manifest last: until it is replaced, the earlier one names every file that the
        # earlier compile wrote, so a compile cut short can run again and clean up after it.
        manifest = pending.pop("manifest.yaml", None)
        for rel, data in pending.items():
            _write_file(out, out / rel, data)
        for rel in stale:
            (out / rel).unlink(missing_ok=True)
        if manifest is not None:
            _write_file(out, out / "manifest.yaml", manifest)
            pending["manifest.yaml"] = manifest
    return sorted(pending) + stale


def _is_check_module(rel: str) -> bool:
    """A module the compiler names after a check: one that this compile does not produce is
    stale even where the manifest does not list it (the verifiers folder is the compiler's)."""
    folder, _, name = rel.rpartition("/")
    return folder == "verifiers" and name.startswith("check_") and name.endswith(".py")


def _stale_files(compiled: CompiledDomain, out: Path) -> list[str]:
    """Files of ``out`` that an earlier compile wrote and this one does not; raises
    :class:`EigenError` where ``out`` is not a folder this compile may write into."""
    if compiled.spec_dir is not None:
        _refuse_spec_folder(compiled.spec_dir, out)
    _refuse_a_file_on_the_way(out)
    if not out.is_dir():
        return []
    present = files_in(out)
    if not present:
        return []
    own = {*compiled.files, *(rel + ".tmp" for rel in compiled.files)}
    if set(present) <= own and any(rel.startswith(("prompts/", "verifiers/")) for rel in present):
        # only files this compile writes, its own folders among them: an earlier compile cut
        # short (the manifest is written last, so it may be missing or half written); its
        # temporary files go
        return [rel for rel in present if rel.endswith(".tmp")]
    written = _earlier_outputs(out, present)
    return [
        rel
        for rel in present
        if rel not in compiled.files and (rel in written or _is_check_module(rel))
    ]


def files_in(folder: Path) -> list[str]:
    """The files under ``folder`` (none if it is not a folder), as sorted paths relative to it
    with ``/`` separators, Python's caches left out."""
    if not folder.is_dir():
        return []
    return sorted(
        str(p.relative_to(folder)).replace(os.sep, "/")
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )


def _refuse_spec_folder(spec_dir: Path, out: Path) -> None:
    spec, target = spec_dir.resolve(), out.resolve()
    shown = spec_dir if spec_dir.name else spec  # not "." when run inside the spec folder
    if target == spec:
        relation = "is the spec folder"
    elif spec in target.parents:
        relation = f"is inside the spec folder {shown}"
    elif target in spec.parents:
        relation = f"contains the spec folder {shown}"
    else:
        return
    raise EigenError(
        f"the output folder {out} {relation}; compiling there would overwrite or delete files "
        "of the spec. Give -o a folder outside the spec (the default is generated/<domain>/ "
        "under the working directory; run from outside the spec folder to use it)"
    )


def _refuse_a_file_on_the_way(out: Path) -> None:
    for folder in (out, *out.parents):
        if folder.exists() and not folder.is_dir():
            raise EigenError(
                f"{folder} is a file, not a folder, so {out} cannot be written; give -o a folder"
            )


def _earlier_outputs(out: Path, present: list[str]) -> set[str]:
    """The files an earlier compile wrote into ``out``: its manifest and the manifest's outputs.

    Raises :class:`EigenError` when ``out`` has no such manifest."""
    manifest = out / "manifest.yaml"
    if "manifest.yaml" not in present:
        raise EigenError(
            f"{out} holds files ({first_few(present)}) but no manifest.yaml of an earlier "
            "compile, so it is not a compile's output folder and compiling into it could "
            "overwrite or mix with them. Give -o a new or empty folder, or move those files "
            "out of it"
        )
    try:
        data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        data = None
    version = data.get("schema_version") if isinstance(data, dict) else None
    outputs = data.get("outputs") if isinstance(data, dict) else None
    if not isinstance(version, int) or not isinstance(outputs, dict):
        raise EigenError(
            f"{manifest} is not the manifest of an `eigendsl compile` (it needs schema_version "
            f"and outputs), so {out} is not a compile's output folder and compiling into it "
            "could overwrite its files. Give -o a new or empty folder"
        )
    if not 1 <= version <= SCHEMA_VERSION:
        raise EigenError(
            f"{manifest} has schema_version {version}, which this EigenDSL (schema version "
            f"{SCHEMA_VERSION}) does not know, so it cannot tell which files of {out} are its "
            "own. Compile with the EigenDSL that wrote it, or give -o a new or empty folder"
        )
    return {"manifest.yaml", *(str(rel) for rel in outputs)}


def _write_file(out: Path, target: Path, data: bytes) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except OSError as exc:
        raise EigenError(
            f"cannot write {target} ({exc.strerror or exc}); give -o a folder you "
            f"can write, or make {out} writable"
        ) from None


__all__ = ["compile_domain", "write_output", "analyze", "CompiledDomain", "EigenError"]
