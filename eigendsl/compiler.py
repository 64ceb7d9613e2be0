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

import yaml

from eigendsl.codegen import artifacts
from eigendsl.codegen.pymodule import render
from eigendsl.codegen.verifiers import VerifierBuilder
from eigendsl.domain import (
    check_list_items,
    check_python_tools,
    check_tool_tags,
    normalize_seed,
)
from eigendsl.dsl.analysis import Analyzer, Resolved
from eigendsl.dsl.depth import too_deep_as_error
from eigendsl.errors import Diagnostic, Diagnostics, EigenError, first_few
from eigendsl.loader import LoadedSpec, load_spec
from eigendsl.namings import check_namings
from eigendsl.output_folders import refuse_spec_folder
from eigendsl.settings_checks import check_policy, check_stop_marker, check_training
from eigendsl.task_set import concrete_tasks
from eigendsl.tasks import TemplateInfo, check_templates
from eigendsl.tool_bodies import declarative_tools
from eigendsl.tool_keys import check_tool_keys
from eigendsl.tool_param_types import check_tool_param_types

SCHEMA_VERSION = 1


#: What :func:`analyze` gives: the loaded spec, the seed, the resolved checks, the templates,
#: the declared tools' bodies and the diagnostics so far.
Analysis = tuple[LoadedSpec, dict[str, Any], Resolved, dict[str, TemplateInfo], Any, Diagnostics]


@dataclass
class CompiledDomain:
    name: str
    files: dict[str, str]  # path relative to the output folder -> text
    warnings: list[Diagnostic] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    spec_dir: Path | None = None  # the spec folder, which no output may overwrite
    # what analyze found, which lint reads again rather than analyzing the spec a second time
    analysis: Analysis | None = field(default=None, repr=False, compare=False)


def analyze(spec_dir: Path | str, extra: list[Path] | None = None) -> Analysis:
    """Load and check a spec (plus ``extra`` checker and task files); raise :class:`EigenError`
    with every error found."""
    analysis, _seed_sound = _analyze(spec_dir, extra)
    check_tool_keys(analysis[0], analysis[-1])
    check_tool_param_types(analysis[0], analysis[2], analysis[-1])
    analysis[-1].raise_if_errors()
    return analysis


def _analyze(spec_dir: Path | str, extra: list[Path] | None) -> tuple[Analysis, bool]:
    """What :func:`analyze` gives, its errors not raised yet, and whether the seed data had
    none (what is judged against the seed data is only judged right then)."""
    diag = Diagnostics()
    loaded = load_spec(spec_dir, extra, later=diag)
    errors_before = len(diag.errors)  # the policy file's and the seed file's
    seed = normalize_seed(loaded, diag)
    seed_sound = loaded.seed_read and loaded.schema_whole and len(diag.errors) == errors_before
    check_python_tools(loaded, diag)
    check_training(loaded, diag)
    check_stop_marker(loaded, diag)
    check_policy(loaded, diag)
    check_list_items(loaded, diag)
    check_namings(loaded, diag)
    analyzer = Analyzer(loaded.spec, diag)
    with too_deep_as_error(loaded.modules, loaded.raw.span):
        resolved = analyzer.declarations(loaded.modules)
        bodies = declarative_tools(loaded, analyzer, diag, seed, seed_sound)
        templates = check_templates(loaded, analyzer, diag)
        analyzer.unread_constants()  # the templates' parameter sources read them too
    check_tool_tags(loaded, analyzer.tags_named, diag)
    return (loaded, seed, resolved, templates, bodies, diag), seed_sound


def compile_domain(
    spec_dir: Path | str, out_dir: Path | str | None = None, extra: list[Path] | None = None
) -> CompiledDomain:
    """Compile a spec folder to the files of ``generated/<domain>/`` (not written yet).

    ``extra`` adds checker (``.chk``) and task (``.yaml``) files from outside the spec folder,
    such as the tasks synthesis writes with their checks."""
    analysis, seed_sound = _analyze(spec_dir, extra)
    loaded, seed, resolved, templates, bodies, diag = analysis
    # the tasks are checked whatever the errors so far: one compile reports them all
    tasks = concrete_tasks(loaded, seed, templates, diag, seed_sound)
    check_tool_keys(loaded, diag)  # from the errors of every use of a tool
    check_tool_param_types(loaded, resolved, diag)  # and of every use of a tool's parameter
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
        "confirm_words": builder.confirm_words(),  # what the scripted user reads of them
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
        blocks = builder.blocks_module()  # after the checks and rules, whose uses call them
        if blocks is not None:
            files["verifiers/blocks.py"] = render(blocks, "the checker blocks")
    files["verifiers/__init__.py"] = (
        "# Generated by EigenDSL. Verifier modules of this domain; see index.json.\n"
    )
    for path, text in files.items():
        if path.endswith(".py"):
            index["source_map"][path] = _source_map(text)
    files["verifiers/index.json"] = json.dumps(index, indent=2, sort_keys=True) + "\n"
    # The table schemas travel with the seed: the runtime checks what a Python tool writes.
    db = {"schema_version": SCHEMA_VERSION, "schema": artifacts.table_schemas(spec), "tables": seed}
    files["db.json"] = json.dumps(db, indent=1, ensure_ascii=False) + "\n"
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
    return CompiledDomain(spec.name, files, diag.warnings, tasks, loaded.root, analysis)


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
        refuse_spec_folder(compiled.spec_dir, out, "compiling", "-o", "generated/<domain>/")
    _refuse_a_file_on_the_way(out)
    if not out.is_dir():
        return []
    present = files_in(out)
    if not present:
        return []
    if "manifest.yaml" in present:
        _refuse_another_domain(out, compiled.name)
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


def _refuse_a_file_on_the_way(out: Path) -> None:
    for folder in (out, *out.parents):
        if folder.exists() and not folder.is_dir():
            raise EigenError(
                f"{folder} is a file, not a folder, so {out} cannot be written; give -o a folder"
            )


def _refuse_another_domain(out: Path, domain: str) -> None:
    """Raise :class:`EigenError` when the manifest in ``out`` is a compile's of another domain:
    compiling would replace that domain's files (they share the names)."""
    try:
        data = yaml.safe_load((out / "manifest.yaml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return  # _earlier_outputs says what is wrong with it
    earlier = data.get("domain") if isinstance(data, dict) else None
    if isinstance(earlier, str) and earlier != domain:
        raise EigenError(
            f"{out} holds the compiled domain '{earlier}' (its manifest.yaml says so), not "
            f"'{domain}': compiling '{domain}' there would replace its files. Give -o another "
            f"folder (the default is generated/{domain}/), or delete {out} first if '{earlier}' "
            "may go"
        )


def other_spec_compiled_in(out: Path | str, spec_dir: Path | None) -> Path | None:
    """Another spec folder of the same domain name, still there, whose compile ``out`` holds (its
    manifest's ``spec_dir``): compiling ``spec_dir`` there replaces that compile. None if not."""
    manifest = Path(out) / "manifest.yaml"
    if spec_dir is None or not manifest.is_file():
        return None
    try:
        data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    recorded = data.get("spec_dir") if isinstance(data, dict) else None
    if not isinstance(recorded, str):
        return None
    other = (Path(out) / recorded).resolve()
    if other == spec_dir.resolve() or not (other / "domain.yaml").is_file():
        return None
    return other


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


__all__ = [
    "compile_domain",
    "write_output",
    "analyze",
    "other_spec_compiled_in",
    "CompiledDomain",
    "EigenError",
]
