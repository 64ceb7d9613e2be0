"""`lint: allow KIND` comments: a true, meant warning or note accepted where it points, so that
`compile --strict` can pass; errors stay, and an allow that allows nothing is a note."""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

from click.testing import CliRunner

from eigendsl.cli import main
from eigendsl.lint import lint
from tests.conftest import edit

ROOT = Path(__file__).resolve().parent.parent
PLANTED = ROOT / "tests" / "fixtures" / "lint" / "planted"
WEAK = "check cancelled(order_id: string, reason: string):\n"
UNUSED_TOOL = "  set_email:\n"


def kinds(findings: list) -> list[tuple[int, str, str]]:
    return sorted((f.span.line, f.severity, f.kind) for f in findings)


def test_an_allow_comment_accepts_the_finding_of_its_kind_on_its_line(mini: Path) -> None:
    before = lint(mini)
    assert (10, "warning", "weak_check") in kinds(before.findings)
    # above the line, in a .chk file; at the end of the line, in YAML
    edit(
        mini,
        "checks/main.chk",
        WEAK,
        "# lint: allow weak_check: a refusal is judged by rule\n" + WEAK,
    )
    edit(mini, "domain.yaml", UNUSED_TOOL, "  set_email:  # lint: allow unused_tool: for later\n")
    after = lint(mini)
    assert [f.kind for f in after.findings if f.severity == "warning"] == []
    assert kinds(after.allowed) == [(11, "warning", "weak_check"), (45, "warning", "unused_tool")]
    assert "unused_allow" not in {f.kind for f in after.findings}
    # the rest of the report is as it was
    assert after.scores == before.scores and after.tasks == before.tasks


def test_strict_compile_passes_with_allowed_warnings_and_json_lists_them(mini: Path) -> None:
    runner = CliRunner()
    failed = runner.invoke(main, ["compile", str(mini), "-o", "out", "--strict"])
    assert failed.exit_code == 1
    assert "[weak_check]" in failed.output and "[unused_tool]" in failed.output  # the kinds named
    edit(mini, "checks/main.chk", WEAK, "# lint: allow weak_check\n" + WEAK)
    edit(mini, "domain.yaml", UNUSED_TOOL, "  set_email:  # lint: allow unused_tool\n")
    passed = runner.invoke(main, ["compile", str(mini), "-o", "out", "--strict"])
    assert passed.exit_code == 0, passed.output
    report = json.loads(runner.invoke(main, ["lint", str(mini), "--json"]).stdout)
    assert [(f["kind"], f["line"]) for f in report["allowed"]] == [
        ("weak_check", 11),
        ("unused_tool", 45),
    ]
    text = runner.invoke(main, ["lint", str(mini)]).stdout.splitlines()
    assert text[-1].endswith("0 errors, 0 warnings, 1 note (2 allowed by `lint: allow`)")


def test_an_allow_that_allows_nothing_is_a_note_at_the_comment(mini: Path) -> None:
    # a misspelt kind leaves the warning and says what the line's finding is
    edit(mini, "checks/main.chk", WEAK, "# lint: allow weak_checks\n" + WEAK)
    # a finding that is gone, or was never there
    edit(
        mini,
        "checks/main.chk",
        "    unchanged db.users\n",
        "    unchanged db.users  # lint: allow weak_check\n",
    )
    report = lint(mini)
    assert (11, "warning", "weak_check") in kinds(report.findings)
    notes = {f.span.line: f for f in report.findings if f.kind == "unused_allow"}
    assert sorted(notes) == [10, 17]
    assert (notes[10].severity, notes[17].severity) == ("warning", "info")  # a kind lint lacks
    assert notes[10].span.col == 1
    assert notes[10].message == (
        '"lint: allow weak_checks" allows nothing: lint has no kind "weak_checks"; the findings '
        'it is about are of kind weak_check; did you mean "weak_check"?'
    )
    assert "no finding is on the line it is about" in notes[17].message
    assert report.allowed == []


def test_an_allow_naming_a_kind_lint_does_not_have_says_so(mini: Path) -> None:
    """`# lint: allow bogus_kind` on a line with no finding read "no finding is on the line it
    is about (the finding was fixed...)": the kind, a typo most likely, is what is wrong."""
    edit(
        mini,
        "checks/main.chk",
        "    unchanged db.users\n",
        "    unchanged db.users  # lint: allow bogus_kind, unused_tol\n",
    )
    notes = [f.message for f in lint(mini).findings if f.kind == "unused_allow"]
    assert sorted(notes) == [
        '"lint: allow bogus_kind" allows nothing: lint has no kind "bogus_kind"; write the kind '
        "lint prints at the end of the finding, such as [weak_check]",
        '"lint: allow unused_tol" allows nothing: lint has no kind "unused_tol"; did you mean '
        '"unused_tool"?',
    ]


def test_compile_shows_an_allow_of_a_misspelt_kind_beside_the_warning_it_meant(
    mini: Path,
) -> None:
    """Newcomer F's M8: `compile` shows warnings and not notes, so `# lint: allow weak_chek`
    left the weak_check warning shown and nothing saying why it was not allowed."""
    edit(mini, "checks/main.chk", WEAK, "# lint: allow weak_chek\n" + WEAK)
    result = CliRunner().invoke(main, ["compile", str(mini), "-o", "out"])
    assert result.exit_code == 0, result.output
    assert (
        'mini/checks/main.chk:10:1: warning: "lint: allow weak_chek" allows nothing: lint has '
        'no kind "weak_chek"; the findings it is about are of kind weak_check; did you mean '
        '"weak_check"? [unused_allow]'
    ) in result.output
    assert "[weak_check]" in result.output


def test_every_kind_lint_adds_is_one_an_allow_may_name() -> None:
    """A kind missing from KINDS would make an allow of it read "lint has no kind"."""
    from eigendsl.lint.context import KINDS

    added = set()
    for module in (ROOT / "eigendsl" / "lint").glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            last = None
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
                if (
                    name in ("add", "Finding")
                    and len(node.args) == 4
                    or name == "_report_survivors"
                ):
                    last = node.args[-1]  # ctx.add(span, text, severity, kind) and the like
            elif isinstance(node, ast.Tuple) and len(node.elts) == 4:
                last = node.elts[-1]  # solvability's (group, span, sentence, kind)
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.IfExp):
                if ast.unparse(node.targets[0]) == "refused":  # refused_step or unsolvable
                    added |= {
                        ast.literal_eval(node.value.body),
                        ast.literal_eval(node.value.orelse),
                    }
            if isinstance(last, ast.Constant) and isinstance(last.value, str):
                added.add(last.value)
    faults = (ROOT / "eigendsl" / "runtime" / "tool_faults.py").read_text(encoding="utf-8")
    audit = (ROOT / "eigendsl" / "lint" / "tool_audit.py").read_text(encoding="utf-8")
    tools = {
        f"tool_{k}"
        for k in re.findall(r'ToolFault\(tool, "(\w+)"', faults)
        + [k for pair in re.findall(r'kind = "(\w+)" if \w+ else "(\w+)"', audit) for k in pair]
    }
    assert len(added) > 15 and len(tools) > 5
    assert added | tools == KINDS


def test_an_allow_in_capitals_allows_and_one_naming_no_kind_is_a_note(mini: Path) -> None:
    # both were ignored without a word: the warning stayed, and nothing said why
    edit(
        mini,
        "checks/main.chk",
        WEAK,
        "# LINT: ALLOW WEAK_CHECK (a refusal is judged by rule)\n" + WEAK,
    )
    edit(mini, "domain.yaml", UNUSED_TOOL, "  set_email:  # lint: allow\n")
    report = lint(mini)
    assert kinds(report.allowed) == [(11, "warning", "weak_check")]
    assert (45, "warning", "unused_tool") in kinds(report.findings)
    notes = [f for f in report.findings if f.kind == "unused_allow"]
    assert [(f.span.line, f.message) for f in notes] == [
        (
            45,
            '"lint: allow" names no kind, so it allows nothing; write the kind lint prints after '
            'the finding, "lint: allow unused_tool" (the findings on its line are of kind '
            "unused_tool)",
        )
    ]


def test_an_allow_copied_from_a_message_in_double_quotes_allows(mini: Path) -> None:
    # lint's messages quote the comment and the kinds they suggest in double quotes; a comment
    # copied from one allows as the bare form does (which test_..._on_its_line covers)
    edit(mini, "checks/main.chk", WEAK, '# lint: allow "weak_check" (a refusal is judged)\n' + WEAK)
    edit(mini, "domain.yaml", UNUSED_TOOL, '  set_email:  # "lint: allow unused_tool"\n')
    report = lint(mini)
    assert kinds(report.allowed) == [(11, "warning", "weak_check"), (45, "warning", "unused_tool")]
    assert "unused_allow" not in {f.kind for f in report.findings}


def test_an_error_is_never_allowed(tmp_path: Path) -> None:
    spec = shutil.copytree(PLANTED, tmp_path / "planted")
    [error] = [f for f in lint(spec).errors if "cancel-bob-delivered" in f.message]
    tasks = Path(error.span.path)
    lines = tasks.read_text(encoding="utf-8").splitlines(keepends=True)
    line = lines[error.span.line - 1]
    lines[error.span.line - 1] = line.rstrip("\n") + f"  # lint: allow {error.kind}\n"
    tasks.write_text("".join(lines), encoding="utf-8")
    report = lint(spec)
    assert any("cancel-bob-delivered" in f.message for f in report.errors)
    [note] = [f for f in report.findings if f.kind == "unused_allow"]
    assert note.span.line == error.span.line
    assert note.message == (
        f'"lint: allow {error.kind}" cannot allow an error: fix what the error there says'
    )


def test_retail_accepts_its_four_warnings_and_strict_compile_passes(tmp_path: Path) -> None:
    """Retail's seed has no gift card short of a price difference: the two guards' balance
    conditions never refuse there, which its guards.chk says with an allow comment each; and
    one_user_per_conversation fails a recovery whose wrong id is another customer's, as meant,
    as an allow comment each in rules.chk says."""
    runner = CliRunner()
    result = runner.invoke(
        main, ["compile", str(ROOT / "specs" / "retail"), "-o", str(tmp_path / "out"), "--strict"]
    )
    assert result.exit_code == 0, result.output
    report = lint(ROOT / "specs" / "retail", samples=1)
    assert [(f.kind, Path(f.span.path).name) for f in report.allowed] == [
        ("guard_never_fails", "guards.chk"),
        ("guard_never_fails", "guards.chk"),
        ("fails_recovery", "rules.chk"),
        ("fails_recovery", "rules.chk"),
    ]
