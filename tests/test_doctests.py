"""Every module's doctests hold: they are the examples the docstrings show a reader, and one
that went stale (a float's last digit) was found only by running it by hand."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import eigendsl

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(eigendsl.__path__, "eigendsl.")
    if not info.name.startswith("eigendsl.templates") and not info.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_the_examples_in_a_modules_docstrings_hold(name: str) -> None:
    try:
        module = importlib.import_module(name)
    except ImportError as exc:  # an optional extra's module (vllm) where it is not installed
        pytest.skip(f"{name} needs {exc.name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} fail"
