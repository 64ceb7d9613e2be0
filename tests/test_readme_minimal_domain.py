"""The README's minimal domain (its *A minimal domain* section), taken from the README itself:
its files compile without a warning, lint finds every task solvable, and the scripted agent
passes them, so the example a new author starts from cannot drift from what the compiler takes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eigendsl.compiler import compile_domain
from tests.conftest import ROOT

FILES = {"domain.yaml", "data/seed.yaml", "tools.py", "checks/desk.chk", "tasks/close.yaml"}


def readme_files() -> dict[str, str]:
    """Each file of the README's minimal domain: its path (the `path`: line above its block)
    and the block's text."""
    text = (ROOT / "README.md").read_text("utf-8")
    start = text.index("### A minimal domain\n")
    section = text[start : text.index("\n### ", start + 1)]
    files = re.findall(
        r"^`([\w/.]+)`[^\n]*\n(?:[^\n]+\n)*?\n```\w*\n(.*?)```", section, re.M | re.S
    )
    return dict(files)


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "desk"
    for path, body in readme_files().items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(body, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return Path("desk")


def test_the_readme_shows_each_file_of_a_domain() -> None:
    assert FILES | {"policy.md"} == set(readme_files())


def test_the_readme_s_minimal_domain_compiles_without_a_warning(desk: Path, tmp_path: Path):
    compiled = compile_domain(desk, tmp_path / "out")
    assert [str(w) for w in compiled.warnings] == []
    assert len(compiled.tasks) >= 2


def test_the_readme_s_minimal_domain_lints_clean_and_the_scripted_agent_passes(desk: Path):
    from eigendsl.lint import lint
    from eigendsl.runtime.domain import load_domain
    from eigendsl.runtime.episodes import run_episodes
    from eigendsl.runtime.scripted_agent import ScriptedAgent
    from eigendsl.runtime.scripted_user import ScriptedUser

    report = lint(desk)
    assert report.unsolvable == [] and report.errors == []
    domain = load_domain(desk)
    user = ScriptedUser(domain.stop_marker, 0)
    rows = run_episodes(domain, domain.tasks, ScriptedAgent((), 0), user, trials=1)
    assert rows and all(r["verdict"]["passed"] for r in rows)
