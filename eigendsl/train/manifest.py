"""A training manifest as ``eigendsl train`` reads it (``generated/<domain>/manifest.yaml``):
its version, its keys and each stage's settings, checked with the checks compile gives the same
settings in ``domain.yaml``'s ``training:``, so that a hand-edited manifest is refused what the
spec would be ('3' for a number, 8.0 for a count, yes for true), each error at its value.

The manifest is compiler output: an error says where in it the value is, and the value may be
fixed there or in ``domain.yaml`` (then compiled again)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eigendsl.errors import UNKNOWN, Diagnostic, EigenError, Span, closest, did_you_mean
from eigendsl.runtime.compiled import CompiledFiles
from eigendsl.runtime.domain import KNOWN_SCHEMA_VERSIONS, unknown_version
from eigendsl.training_spec import (
    STAGE_DEFAULTS,
    Context,
    Seed,
    kind_problem,
    setting_kind_problem,
    setting_value_problem,
    unknown_setting,
    value_problem,
)
from eigendsl.yaml_files import read_text
from eigendsl.yaml_places import locate
from eigendsl.yamlload import loads, to_plain

# The keys `eigendsl compile` writes at a manifest's top (eigendsl.codegen.artifacts.manifest).
TOP_KEYS = (
    "schema_version",
    "eigendsl_version",
    "domain",
    "today",
    "now",
    "spec_dir",
    "model",
    "seed",
    "context",
    "counts",
    "user_simulator",
    "inputs",
    "outputs",
    "stages",
)
STAGE_KEYS = ("name", "settings", "inputs", "outputs")  # a stage entry's
# The settings at a manifest's top that a run reads: (default, the values each takes).
TOP_SETTINGS: dict[str, tuple[Any, Any]] = {
    "model": ("tiny", str),
    "seed": (0, Seed),
    "context": ("compact", Context),
}
_NOT_A_MANIFEST = "is not a training manifest written by `eigendsl compile`"


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest at ``path``, with the marks of its keys and values, or a user error where it
    is no manifest or one of a version this EigenDSL does not read (in the words of ``run``)."""
    try:
        manifest = loads(read_text(path), str(path))
    except EigenError as exc:
        raise EigenError(
            [
                Diagnostic(d.span, f"{d.message}; {path} {_NOT_A_MANIFEST}: compile the spec again")
                for d in exc.diagnostics
            ]
        ) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("spec_dir"), str):
        raise EigenError(f"{path} {_NOT_A_MANIFEST}")
    version = manifest.get("schema_version")
    # A list or a mapping cannot be looked up in a set, and true would pass for 1.
    if type(version) is not int or version not in KNOWN_SCHEMA_VERSIONS:
        span = _at(manifest, ["schema_version"])
        raise CompiledFiles(path.parent, None).error(
            path.name, unknown_version(version), span.line, span.col
        )
    return manifest


def manifest_stages(manifest: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], list[Diagnostic]]:
    """Each stage's settings (``{"sft": {"epochs": 48, ...}}``) and every problem of the
    manifest, each at its place: a key compile does not write, a stage entry misspelt, repeated
    or missing, a setting misspelt, of the wrong kind or a value its stage does not take."""
    problems = [*_top_problems(manifest)]
    listed = manifest.get("stages", [])
    if not isinstance(listed, list):
        problems.append(_error(manifest, ["stages"], _NOT_STAGES))
        return {}, problems
    stages: dict[str, dict[str, Any]] = {}
    first: dict[str, int] = {}  # the entry of each stage named, read or not
    for index, entry in enumerate(listed):
        stage = _stage_entry(manifest, index, entry, problems)
        if stage is None:
            continue
        if stage in first:
            line = _at(manifest, ["stages", first[stage], "name"]).line
            since = f" (first at line {line})" if line else ""
            problems.append(
                _error(
                    manifest,
                    ["stages", index, "name"],
                    f"the manifest lists the {stage} stage twice{since}; keep one entry: a run "
                    "would take one's settings and leave the other's out",
                )
            )
            continue
        first[stage] = index
        settings = entry.get("settings", {})
        if isinstance(settings, dict):
            stages[stage] = to_plain(settings)
            problems.extend(_settings_problems(manifest, index, stage, settings))
    missing = [stage for stage in STAGE_DEFAULTS if stage not in first]
    if missing and not problems:  # a misspelt stage's error says which it may be
        skip = "; to skip GRPO keep its stage with steps: 0" if "grpo" in missing else ""
        problems.append(
            _error(
                manifest,
                ["stages"],
                f"the manifest lists no {', '.join(missing)} stage: a run has "
                f"{', '.join(STAGE_DEFAULTS)}{skip} (compile the spec again for a whole manifest)",
                value=False,
            )
        )
    return stages, problems


_NOT_STAGES = (
    "the manifest's stages are not a list of entries with a name and settings; compile the "
    "spec again (eigendsl compile SPEC_DIR)"
)


def _top_problems(manifest: dict[str, Any]) -> list[Diagnostic]:
    """A key at the manifest's top that compile does not write (a misspelt one would be left
    out unnoticed), and a model, seed or context a run does not take."""
    problems = []
    for key in manifest:
        if str(key) not in TOP_KEYS:
            then = (
                "each stage's settings are under stages (- name: sft, settings: ...), as "
                "compile writes them"
                if closest(str(key), ["training"])
                else f"the keys are {', '.join(TOP_KEYS)}"
            )
            problems.append(
                _error(
                    manifest,
                    [key],
                    f"unknown key '{key}' in the manifest{did_you_mean(str(key), TOP_KEYS, then)}",
                    value=False,
                )
            )
    for key, (default, kind) in TOP_SETTINGS.items():
        if key in manifest:
            sentence = setting_kind_problem(kind, default, manifest[key], key)
            if sentence is None and (found := setting_value_problem(kind, manifest[key], key)):
                sentence = found.sentence
            if sentence is not None:
                problems.append(_error(manifest, [key], sentence))
    return problems


def _stage_entry(
    manifest: dict[str, Any], index: int, entry: Any, problems: list[Diagnostic]
) -> str | None:
    """The stage an entry of ``stages`` names, or None where the entry is not one a run reads
    (its problem added to ``problems``)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        problems.append(_error(manifest, ["stages", index], _NOT_STAGES))
        return None
    stage = entry["name"]
    for key in entry:
        if str(key) not in STAGE_KEYS:
            problems.append(
                _error(
                    manifest,
                    ["stages", index, key],
                    f"the manifest's {stage} stage: unknown key '{key}'"
                    + did_you_mean(str(key), STAGE_KEYS, f"the keys are {', '.join(STAGE_KEYS)}"),
                    value=False,
                )
            )
    if stage not in STAGE_DEFAULTS:
        problems.append(
            _error(
                manifest,
                ["stages", index, "name"],
                f"the manifest's stage '{stage}' is not one of {', '.join(STAGE_DEFAULTS)}"
                f"{did_you_mean(stage, STAGE_DEFAULTS)}",
            )
        )
        return None
    if not isinstance(entry.get("settings", {}), dict):
        problems.append(
            _error(
                manifest,
                ["stages", index, "settings"],
                f"the manifest's {stage} stage: its settings are not key: value lines; write "
                f"them so, or leave settings out for the {stage} stage's defaults",
            )
        )
    return stage


def _settings_problems(
    manifest: dict[str, Any], index: int, stage: str, settings: dict[str, Any]
) -> list[Diagnostic]:
    """Each setting of a stage that is misspelt, of the wrong kind or a value its stage does
    not take, at the setting, in compile's words for ``domain.yaml``'s ``training:``."""
    problems = []
    for key, value in settings.items():
        at = ["stages", index, "settings", key]
        if (unknown := unknown_setting(stage, str(key))) is not None:
            problems.append(_error(manifest, at, f"the manifest's {stage} stage: {unknown}", False))
        elif (wrong := kind_problem(stage, str(key), value)) is not None:
            problems.append(_error(manifest, at, f"training.{stage}: {wrong}"))
        elif (problem := value_problem(stage, str(key), value)) is not None:
            problems.append(_error(manifest, [*at, *problem.at], problem.sentence))
    return problems


def _at(manifest: dict[str, Any], loc: list[Any], value: bool = True) -> Span:
    """Where ``loc`` is in the manifest's file (its value, or its key), or nowhere for a
    manifest given as a plain mapping."""
    return locate(manifest, loc, getattr(manifest, "span", UNKNOWN), value=value)


def _error(
    manifest: dict[str, Any], loc: list[Any], message: str, value: bool = True
) -> Diagnostic:
    return Diagnostic(_at(manifest, loc, value), message)


def resolve(target: Path) -> tuple[Path, dict[str, Any] | None]:
    """A spec folder, or a manifest (``generated/<d>/manifest.yaml``) pointing at one, read with
    the marks of its values (its settings' errors are at them)."""
    if (
        target.is_file()
        and target.name.endswith((".yaml", ".yml"))
        and target.name != "domain.yaml"
    ):
        manifest = read_manifest(target)
        spec_dir = (target.parent / manifest["spec_dir"]).resolve()
        if not (spec_dir / "domain.yaml").is_file():
            raise EigenError(
                f"{target}: its spec_dir, {manifest['spec_dir']}, names {spec_dir}, which holds "
                "no domain.yaml (was the manifest moved away from its spec?); train the spec "
                "folder itself, or compile it again to write a manifest beside it"
            )
        _warn_if_stale(target, manifest)
        return spec_dir, manifest
    if (
        target.is_dir()
        and (target / "manifest.yaml").is_file()
        and not (target / "domain.yaml").is_file()
    ):
        return resolve(target / "manifest.yaml")
    if target.is_file() and target.name == "domain.yaml":
        target = target.parent
    return target, None


def _warn_if_stale(path: Path, manifest: dict[str, Any]) -> None:
    """A warning on stderr when the spec a manifest was compiled from changed since: train reads
    the spec as it is now (its tools, checks, tasks), with the settings the manifest holds."""
    import sys

    from eigendsl.errors import first_few
    from eigendsl.runtime.compiled import CompiledFiles, changed_inputs

    spec, changed = changed_inputs(CompiledFiles(path.parent, None), manifest)
    if changed:
        print(
            f"warning: {path} is stale: its spec {spec} changed since the compile "
            f"({first_few(changed)}); train reads the spec as it is now, with this manifest's "
            f"settings; run: eigendsl compile {spec} -o {path.parent}",
            file=sys.stderr,
        )
