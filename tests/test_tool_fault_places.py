"""``eigendsl run``'s table of errors in the spec's tools names where each is: a result that is
not JSON (a set) had no place at all, where an exception had ``tools.py:38``; it now names the
line that defines the tool's function."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from eigendsl.cli import main
from tests.conftest import ROOT

DESK = ROOT / "tests" / "fixtures" / "library_desk"


def test_a_result_that_is_not_json_is_placed_at_the_tools_function(tmp_path):
    spec = tmp_path / "library"
    shutil.copytree(DESK, spec, ignore=shutil.ignore_patterns("__pycache__"))
    tools = spec / "tools.py"
    text = tools.read_text()
    returned = '"status": loan["status"],\n            })\n    return out'
    assert returned in text
    tools.write_text(
        text.replace(
            returned, returned.replace("return out", 'return {"loans": out, "ids": {"x"}}')
        )
    )
    loans = spec / "tasks" / "loans.yaml"
    lookup = '      - get_loan: {loan_id: "{{ loan_id }}"}\n      - say: "Loan {{ loan_id }} is due'
    assert lookup in loans.read_text()
    loans.write_text(
        loans.read_text().replace(
            lookup,
            lookup.replace("get_loan: {loan_id: ", "list_member_loans: {member_id: ").replace(
                '"{{ loan_id }}"}\n', '"{{ member_id }}"}\n', 1
            ),
        )
    )
    checks = spec / "checks" / "tasks.chk"
    checks.write_text(
        checks.read_text().replace(
            "    require called get_loan(loan_id=loan_id)\n    require said due",
            "    require said due",
        )
    )
    defined = next(
        n for n, line in enumerate(text.splitlines(), 1) if "def list_member_loans" in line
    )
    out = tmp_path / "episodes.jsonl"
    result = CliRunner().invoke(
        main, ["run", str(spec), "--task", "due_date-000", "--out", str(out), "--json"]
    )
    assert "Traceback" not in result.output, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    faults = list(summary["tool_faults"])
    assert faults, summary
    assert faults[0].startswith(
        f'{spec}/tools.py:{defined}: tool "list_member_loans" returned a'
    ), faults
    row = json.loads(out.read_text().splitlines()[0])
    assert row["tool_faults"][0]["defined"] == f"{spec}/tools.py:{defined}"
