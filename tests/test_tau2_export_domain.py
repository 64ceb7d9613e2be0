"""`export tau2` named every run's domain `retail` (`--domain` defaulted to it), even given
`--spec` of another domain: a clinic's results claimed to be retail's. The name is now the spec's
given `--spec`, else the one the episodes name (their system message is the compiled agent prompt,
whose first line names its spec), else `unknown` with a note; an imported tau2 domain keeps
tau2's own name (`tau2_retail` is tau2's `retail`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from eigendsl.cli import main
from eigendsl.runtime.domain import load_domain
from eigendsl.runtime.episodes import run_episodes
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.scripted_user import ScriptedUser
from eigendsl.tau2.export import export_results, tau2_domain
from eigendsl.tau2.importer import import_tau2
from tests.test_tau2_import import TAU2_RETAIL, needs_tau2

MINI = Path(__file__).resolve().parent / "fixtures" / "mini"


@pytest.fixture(scope="module")
def traces(tmp_path_factory: pytest.TempPathFactory) -> Path:
    mini = load_domain(MINI)
    rows = run_episodes(mini, mini.tasks[:2], ScriptedAgent(), ScriptedUser(mini.stop_marker))
    path = tmp_path_factory.mktemp("export_domain") / "ep.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _export(tmp_path: Path, traces: Path, *options: str) -> tuple[dict[str, Any], str]:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["export", "tau2", str(traces), "-o", str(out), *options])
    assert result.exit_code == 0, result.output
    return json.loads((out / "results.json").read_text()), result.stderr


def _named(results: dict[str, Any]) -> tuple[str, set[str]]:
    """The domain name of ``info`` and those of the tasks' user scenarios."""
    users = {t["user_scenario"]["instructions"]["domain"] for t in results["tasks"]}
    return results["info"]["environment_info"]["domain_name"], users


def test_the_spec_names_the_domain(tmp_path: Path, traces: Path) -> None:
    results, stderr = _export(tmp_path, traces, "--spec", str(MINI))
    assert _named(results) == ("mini", {"mini"})
    assert stderr == ""


def test_without_the_spec_the_episodes_name_it(tmp_path: Path, traces: Path) -> None:
    results, stderr = _export(tmp_path, traces)
    assert results["info"]["environment_info"]["domain_name"] == "mini"
    assert "domain_name" not in stderr


def test_episodes_that_name_no_domain_are_unknown_and_a_note_says_so(
    tmp_path: Path, traces: Path
) -> None:
    rows = [json.loads(line) for line in traces.read_text().splitlines()]
    bare = tmp_path / "bare.jsonl"
    bare.write_text("".join(json.dumps({**r, "messages": r["messages"][1:]}) + "\n" for r in rows))
    results, stderr = _export(tmp_path, bare)
    assert results["info"]["environment_info"]["domain_name"] == "unknown"
    assert "note: domain_name is 'unknown'" in stderr and "--domain NAME" in stderr
    again, stderr = _export(tmp_path, bare, "--domain", "clinic")
    assert again["info"]["environment_info"]["domain_name"] == "clinic"
    assert "domain_name" not in stderr
    # the library call names it as the command does
    assert export_results(rows)["info"]["environment_info"]["domain_name"] == "mini"
    assert export_results(rows, domain_name="x")["info"]["environment_info"]["domain_name"] == "x"


def test_an_imported_tau2_domain_keeps_tau2s_name() -> None:
    assert tau2_domain("tau2_retail") == "retail"
    assert tau2_domain("tau2_clinic") == "tau2_clinic"  # not a tau2 domain: the spec's own name


@needs_tau2
def test_an_imported_tau2_run_exports_as_retail(tmp_path: Path) -> None:
    spec = tmp_path / "spec"
    import_tau2(TAU2_RETAIL, spec, nl="advisory")
    domain = load_domain(spec)
    rows = run_episodes(domain, domain.tasks[:1], ScriptedAgent(), ScriptedUser(domain.stop_marker))
    traces = tmp_path / "ep.jsonl"
    traces.write_text(json.dumps(rows[0]) + "\n")
    for options in ((), ("--spec", str(spec)), ("--tau2-tasks", str(TAU2_RETAIL))):
        results, _ = _export(tmp_path, traces, *options)
        assert results["info"]["environment_info"]["domain_name"] == "retail", options
