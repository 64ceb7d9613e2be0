"""The spec's Python tools: each ``module:function`` of ``tools.py`` (or another module beside
it), its module imported once a process, and given the domain's date or time of day when it
takes ``today`` or ``now``. A module that fails to import, or a function that is not there,
is an error at its file.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from eigendsl.errors import EigenError
from eigendsl.runtime import tool_faults
from eigendsl.runtime.compiled import describe, diagnostic, error_line


def import_python_tools(spec_dir: Path, tools_json: str) -> None:
    """Import the spec's Python tools that a compiled ``tools.json`` names, as a run will: a
    module that fails to import is an error at its line (compile reports it before it writes)."""
    meta = json.loads(tools_json).get("meta", {})
    for name, info in meta.items():
        target = info.get("python") if isinstance(info, dict) else None
        if isinstance(target, str) and target.count(":") == 1:
            python_tool(spec_dir, target, name)


def python_tool(spec_dir: Path, target: str, tool: str) -> Callable[..., Any]:
    """The function ``module:function`` of the spec's Python tools, its module imported once."""
    module_name, function = target.split(":")
    path = spec_dir / (module_name.replace(".", "/") + ".py")
    key = _module_key(path, module_name)
    module = sys.modules.get(key)
    if module is None:
        if not path.is_file():
            raise EigenError(
                diagnostic(
                    str(path),
                    f"this file does not exist, but tools.json implements the tool '{tool}' "
                    "in it; restore it, or compile the spec again",
                )
            )
        spec = importlib.util.spec_from_file_location(key, path)
        if spec is None or spec.loader is None:
            raise EigenError(diagnostic(str(path), "cannot load this file as a Python module"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        tool_faults.interrupts.take()
        interrupts = tool_faults.interrupts.count
        try:
            with tool_faults.time_limit(tool_faults.CALL_SECONDS), _beside(spec_dir):
                spec.loader.exec_module(module)  # an import that never ends is stopped
        except BaseException as exc:  # noqa: BLE001 - all told but Ctrl-C
            sys.modules.pop(key, None)  # a half-loaded module must not be found next time
            if tool_faults.interrupts.stops(exc, interrupts):
                raise
            line, col = error_line(exc, str(path))
            raise EigenError(
                diagnostic(
                    str(path),
                    f"importing {path.name} {exc} and was stopped here: a loop that never "
                    "ends? fix the module's top-level code"
                    if isinstance(exc, tool_faults.ToolTimeout)
                    else f"importing {path.name} failed: {describe(exc)}; fix the spec's "
                    f"Python tools so that the module imports",
                    line,
                    col,
                )
            ) from None
    impl = getattr(module, function, None)
    if not callable(impl):
        raise EigenError(
            diagnostic(
                str(path),
                f"defines no function '{function}', which implements the tool '{tool}'; add "
                "it, or compile the spec again if the tool was renamed",
            )
        )
    return impl


def _module_key(path: Path, module_name: str) -> str:
    """The name a spec's module has in ``sys.modules``: one per file, so that two spec folders'
    ``tools.py`` (or a module named like the standard library's) never meet."""
    return f"eigendsl_spec_{abs(hash(str(path.resolve())))}_{module_name.replace('.', '_')}"


@contextmanager
def _beside(spec_dir: Path) -> Iterator[None]:
    """While a spec's module is imported, the modules beside it can be imported too (``from
    helpers import shout``), as when Python runs a script there. After, the spec folder leaves
    ``sys.path``, and each module imported from it leaves ``sys.modules`` under its plain name
    for its own key (:func:`_module_key`): another spec's ``helpers.py`` is its own, and
    ``python: helpers:fn`` finds the module ``tools.py`` imported."""
    folder = str(spec_dir.resolve())
    before = set(sys.modules)
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        if folder in sys.path:
            sys.path.remove(folder)
        for name in set(sys.modules) - before:
            file = getattr(sys.modules[name], "__file__", None) or ""
            if name.startswith("eigendsl_spec_") or not file:
                continue
            if os.path.abspath(file).startswith(folder + os.sep):
                module = sys.modules.pop(name)
                if "." not in name:
                    sys.modules.setdefault(_module_key(Path(file), name), module)


def given_clock(impl: Callable[..., Any], clock: dict[str, str]) -> Callable[..., Any]:
    """A Python tool that takes ``today`` or ``now`` is given the domain's date or time of day
    from ``clock`` (no tool declares a parameter of either name: compile refuses it)."""
    try:
        takes = inspect.signature(impl).parameters
    except (TypeError, ValueError):  # a callable without a signature Python can read
        return impl
    given = {name: value for name, value in clock.items() if name in takes}
    return partial(impl, **given) if given else impl
