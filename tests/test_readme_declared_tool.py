"""The README's example of declared tools (a ``returns`` read, an ``update``/``set`` write with a
text value quoted for the DSL), taken from the README itself, compiles in the mini spec and does
what its comments say; written unquoted, the text is an error that says to quote it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eigendsl.compiler import compile_domain
from eigendsl.errors import EigenError
from eigendsl.runtime.domain import load_domain
from eigendsl.runtime.environment import Environment
from tests.conftest import ROOT, edit


def _readme_tools() -> str:
    """The README's one YAML block with a ``declare:`` body: its lines under ``tools:``."""
    blocks = re.findall(r"```yaml\n(.*?)```", (ROOT / "README.md").read_text("utf-8"), re.S)
    declared = [b for b in blocks if "declare:" in b]
    assert len(declared) == 1, "the README shows one block of declared tools"
    head, tools = declared[0].split("\n", 1)
    assert head == "tools:"
    return tools


def _with_readme_tools(mini: Path, tools: str) -> None:
    edit(mini, "domain.yaml", "tools:\n", "tools:\n" + tools)


def test_the_readme_s_declared_tools_compile_and_run_as_its_comments_say(
    mini: Path, tmp_path: Path
) -> None:
    _with_readme_tools(mini, _readme_tools())
    compile_domain(mini, tmp_path / "out")
    env = Environment(load_domain(mini))
    assert env.call_tool("order_status", {"order_id": "#1"}) == ("pending", True)
    assert env.call_tool("mark_cancelled", {"order_id": "#1"}) == ("cancelled", True)
    assert env.db["orders"]["#1"]["status"] == "cancelled"
    text, ok = env.call_tool("mark_cancelled", {"order_id": "#9"})
    assert not ok and text.startswith("Error:")


def test_the_readme_s_text_value_unquoted_is_an_error_that_says_to_quote_it(
    mini: Path, tmp_path: Path
) -> None:
    tools = _readme_tools()
    assert "status: '\"cancelled\"'" in tools
    _with_readme_tools(mini, tools.replace("status: '\"cancelled\"'", "status: cancelled"))
    with pytest.raises(EigenError, match=r"quote"):
        compile_domain(mini, tmp_path / "out")
