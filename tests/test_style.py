"""The code keeps the rules ARCHITECTURE.md states: imports flow one way down the stages, ruff's
lint and format pass, and mypy passes over the package."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "eigendsl"

# The stages in the order ARCHITECTURE.md's table gives them: a module imports only from its own
# stage or an earlier one. Names are the first part of a module's path under eigendsl/.
LAYERS = (
    ("support",),  # stdlib only: the package generated verifiers import
    ("errors",),
    ("yaml_errors", "yamlload", "yaml_files", "yaml_places"),
    ("spec", "field_values", "task_spec", "training_spec", "settings_spec"),
    ("dsl",),
    (
        "salvage",
        "spec_files",
        "loader",
        "domain",
        "references",
        "namings",
        "tool_bodies",
        "tool_keys",
        "tool_param_types",
        "settings_checks",
    ),
    ("codegen",),
    ("tasks", "task_set", "template_text", "template_syntax", "change_mind", "gold_plans"),
    ("compiler", "output_folders"),
    ("runtime",),
    ("lint", "synth", "tau2"),
    ("train",),
    ("cli",),
)
DATA = {"grammar", "templates", "__init__"}  # package data and the package's own __init__
LAYER = {name: index for index, names in enumerate(LAYERS) for name in names}


def stage_of(module: str) -> str:
    """``eigendsl.runtime.backends`` → ``runtime``; ``eigendsl.spec`` → ``spec``."""
    return module.split(".")[1] if module.count(".") else module


def imported_stages(path: Path) -> list[tuple[int, str]]:
    """Every EigenDSL module ``path`` imports, at any depth (lazy imports in functions too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        stages = {stage_of(name) for name in names if name.startswith("eigendsl.")}
        found += [(node.lineno, stage) for stage in sorted(stages)]
    return found


def test_the_layers_name_every_stage():
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert modules | packages <= set(LAYER) | DATA


def test_imports_flow_one_way():
    backwards = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        own = parts[0]
        if own in DATA:
            continue
        for line, stage in imported_stages(path):
            if stage in LAYER and LAYER[stage] > LAYER[own]:
                backwards.append(f"{path.relative_to(ROOT)}:{line}: {own} imports {stage}")
    assert not backwards, "imports against the stages' order:\n" + "\n".join(backwards)


def test_the_layer_check_sees_a_lazy_backward_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from eigendsl.train.model import build_model\n")
    assert imported_stages(module) == [(2, "train")]


def _tool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_ruff_lint_passes():
    pytest.importorskip("ruff", reason="ruff comes with the dev extra")
    result = _tool("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_passes():
    pytest.importorskip("ruff", reason="ruff comes with the dev extra")
    result = _tool("ruff", "format", "--check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_passes_over_the_package():
    pytest.importorskip("mypy", reason="mypy comes with the dev extra")
    result = _tool("mypy", "--cache-dir", "/dev/null")
    assert result.returncode == 0, result.stdout + result.stderr
