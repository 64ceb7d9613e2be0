"""Specs at the edges of what the compiler takes: file patterns outside the spec folder, long
and deeply nested checker expressions, deeply nested YAML and JSON. Each is compiled or refused
with a ``file:line:col`` error, never a Python traceback."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from eigendsl import compiler
from eigendsl.compiler import compile_domain
from eigendsl.dsl import ast as A
from eigendsl.dsl.depth import LONG_CHAIN, expression_depth
from eigendsl.dsl.parser import parse
from eigendsl.errors import EigenError
from eigendsl.yamlload import loads
from tests.conftest import MINI, copy_spec, edit

CHK = "checks/main.chk"
DOMAIN = "domain.yaml"


def _error(spec: Path, out: Path) -> str:
    with pytest.raises(EigenError) as info:
        compile_domain(spec, out)
    assert len(info.value.diagnostics) == 1, info.value.render()
    return str(info.value.diagnostics[0])


# ---------------------------------------------------------------------------- file patterns


def test_absolute_pattern_is_refused_and_a_relative_one_outside_the_folder_kept(
    mini: Path, tmp_path: Path
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (mini / CHK).rename(shared / "main.chk")
    absolute = f"{shared.resolve()}/*.chk"
    edit(mini, DOMAIN, "checkers: [checks/*.chk]", f"checkers: [../shared/*.chk, {absolute}]")
    assert _error(mini, tmp_path / "out") == (
        f"mini/domain.yaml:54:29: '{absolute}' is an absolute path; write it relative to the "
        "spec folder mini ('../' reaches outside it)"
    )
    edit(mini, DOMAIN, f", {absolute}]", "]")
    compiled = compile_domain(mini, tmp_path / "out")
    assert "verifiers/check_cancelled.py" in compiled.files


def test_a_file_listed_before_a_glob_that_matches_it_is_read_once_and_first(
    mini: Path, tmp_path: Path
) -> None:
    # newcomer F's M2: the compiler's advice for a constant read before its file is bound
    # ("list mini/checks/zz.chk before this file in `checkers:`") read zz.chk twice with the glob
    # after it, and each constant of it was then "declared twice" at one and the same place
    edit(mini, CHK, "guard cancel_order:\n", 'let more = names + ["b"]\n\nguard cancel_order:\n')
    edit(mini, "checks/zz.chk", None, 'let names = ["a"]\n')
    edit(mini, CHK, "    require db == gold\n", "    require db == gold and len(more) == 2\n")
    assert "before this file in `checkers:`" in _error(mini, tmp_path / "out")
    edit(mini, DOMAIN, "checkers: [checks/*.chk]", "checkers: [checks/zz.chk, checks/*.chk]")
    compiled = compile_domain(mini, tmp_path / "out")
    assert compiled.warnings == []
    # a pattern whose every file is read before it moves none: a warning at it
    edit(mini, DOMAIN, "[checks/zz.chk, checks/*.chk]", "[checks/*.chk, ./checks/zz.chk]")
    with pytest.raises(EigenError):  # zz.chk is read at the glob's place, after main.chk
        compile_domain(mini, tmp_path / "out")
    edit(
        mini, DOMAIN, "[checks/*.chk, ./checks/zz.chk]", "[checks/zz.chk, checks/*.chk, checks/z*]"
    )
    warnings = [str(w) for w in compile_domain(mini, tmp_path / "out").warnings]
    assert warnings == [
        "mini/domain.yaml:54:41: warning: every file 'checks/z*' matches is read already, at "
        "the place of the earlier pattern 'checks/zz.chk' in `checkers:`; remove this pattern, "
        "or, to read its files first, move it before that one"
    ]


def test_spec_folder_whose_name_is_a_pattern(tmp_path: Path) -> None:
    spec = copy_spec(MINI, tmp_path / "mini[1]")
    compiled = compile_domain(spec, tmp_path / "out")
    assert compiled.tasks and "verifiers/check_cancelled.py" in compiled.files


# ---------------------------------------------------------------------------- checker expressions


def _terms(e: A.Expr, op: str) -> list[A.Expr]:
    if isinstance(e, A.BoolOp) and e.op == op:
        return _terms(e.left, op) + _terms(e.right, op)
    return [e]


def _condition(text: str) -> A.Expr:
    module = parse(f"rule r:\n    require {text}\n", "limits.chk")
    statement = module.declarations[0].body[0]
    assert isinstance(statement, A.Require)
    return statement.expr


def test_long_chains_parse_shallow_in_order() -> None:
    names = [f"x{i}" for i in range(1000)]
    chain = _condition(" or ".join(f"{n} and {n}" for n in names))
    assert expression_depth(chain) <= 25
    terms = _terms(chain, "or")
    assert all(isinstance(t, A.BoolOp) and t.op == "and" for t in terms)
    assert [t.left.id for t in terms if isinstance(t, A.BoolOp) and isinstance(t.left, A.Name)] == (
        names
    )
    # A chain no longer than LONG_CHAIN nests to the left, as it always did.
    short = _condition(" and ".join(names[:LONG_CHAIN]))
    assert expression_depth(short) == LONG_CHAIN
    assert isinstance(short, A.BoolOp) and isinstance(short.right, A.Name)
    assert short.right.id == names[LONG_CHAIN - 1]


def test_long_chains_compile_to_one_flat_python_operator(mini: Path, tmp_path: Path) -> None:
    condition = " or ".join(["db == gold"] * 300) + " and " + " and ".join(['said "x"'] * 300)
    edit(mini, CHK, "require db == gold", f"require {condition}")
    code = compile_domain(mini, tmp_path / "out").files["verifiers/check_cancelled.py"]
    ast.parse(code)  # Python's own parser takes it (no more than 200 nested brackets)
    line = next(x for x in code.splitlines() if x.strip().startswith("_v = db == gold or"))
    assert line.count(" or ") == 299 and "((" not in line
    assert line.count("rt.said(trace, 'assistant', 'x')") == 300


@pytest.mark.parametrize("stage", ["analysis", "codegen"])
def test_recursion_in_a_later_stage_is_an_error_at_the_deepest_statement(
    mini: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str
) -> None:
    def too_deep(*args: object, **kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    if stage == "analysis":
        monkeypatch.setattr(compiler.Analyzer, "declarations", too_deep)
    else:
        monkeypatch.setattr(compiler, "render", too_deep)
    edit(mini, CHK, "require db == gold", "require not not not not not (db == gold)")
    assert _error(mini, tmp_path / "out") == (
        "mini/checks/main.chk:12:5: this expression is nested too deeply (7 levels); split it "
        "into several statements"
    )


# ---------------------------------------------------------------------------- YAML and JSON


def test_json_nested_too_deeply(mini: Path, tmp_path: Path) -> None:
    edit(mini, DOMAIN, "seed: data/seed.yaml", "seed: data/seed.json")
    prefix = '{"a\\"[[": 0, "users": '  # brackets in a string do not count
    edit(mini, "data/seed.json", None, prefix + "[" * 2000 + "]" * 2000 + "}\n")
    assert _error(mini, tmp_path / "out") == (
        f"mini/data/seed.json:1:{len(prefix) + 100}: this value is nested more than 100 levels "
        "deep, deeper than EigenDSL reads; flatten it"
    )


def test_yaml_nested_too_deeply_through_aliases() -> None:
    text = "l0: &l0 [1]\n" + "".join(f"l{i}: &l{i} [*l{i - 1}]\n" for i in range(1, 150))
    with pytest.raises(EigenError, match=r"^deep\.yaml:1:1: values of this file are nested more "):
        loads(text, "deep.yaml")


def test_yaml_whose_aliases_expand_past_what_is_read() -> None:
    """Ten aliases of the level below, eleven levels: a few hundred bytes that a copy or JSON of
    the data would hold as 10^12 values ("billion laughs")."""
    text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 12)
    )
    with pytest.raises(EigenError, match=r"^bomb\.yaml:1:1: this file's aliases \(\*name\) expand"):
        loads(text, "bomb.yaml")
    shared = "a: &a [1, 2, 3]\nb: *a\nc: *a\n"  # aliases within reason are read as before
    assert loads(shared, "shared.yaml") == {"a": [1, 2, 3], "b": [1, 2, 3], "c": [1, 2, 3]}


# ---------------------------------------------------------------------------- numbers

HUGE = "9" * 5000  # past the 4300 digits Python reads as an int


def test_a_number_too_long_for_python_in_the_seed_is_an_error_at_it(
    mini: Path, tmp_path: Path
) -> None:
    edit(mini, "data/seed.yaml", "total: 7.0", f"total: {HUGE}")
    assert _error(mini, tmp_path / "out") == (
        "mini/data/seed.yaml:7:59: this number has more digits than an int can hold (4300 "
        "decimal digits); write a smaller one"
    )
    with pytest.raises(EigenError, match=r"^hex\.yaml:1:4: this number has more digits"):
        loads("a: 0x" + "f" * 4000 + "\n", "hex.yaml")  # read, but never written as decimal
    edit(mini, DOMAIN, "seed: data/seed.yaml", "seed: data/seed.json")
    edit(mini, "data/seed.json", None, '{"users": [],\n "orders": [' + HUGE + "]}\n")
    assert _error(mini, tmp_path / "out").startswith(
        "mini/data/seed.json:2:13: this number has more digits than an int can hold"
    )


def test_a_lone_surrogate_in_spec_text_is_an_error_at_it_and_a_pair_one_character(
    mini: Path, tmp_path: Path
) -> None:
    # compile wrote a traceback (UnicodeEncodeError) when it hashed its outputs
    edit(mini, "data/seed.yaml", "name: Bob", 'name: "Bo\\ud800b"')
    assert _error(mini, tmp_path / "out") == (
        "mini/data/seed.yaml:3:49: this text holds a lone surrogate (\\ud800), which is no "
        "character and cannot be written as UTF-8; write the character itself, or both halves "
        "of its pair (\\ud83d\\ude00)"
    )
    with pytest.raises(EigenError, match=r"^k\.json:1:2: this text holds a lone surrogate"):
        loads('{"\\udc00": 1}', "k.json")  # a key, in JSON
    assert loads('a: "x\\ud83d\\ude00y"\n', "t.yaml") == {"a": "x\U0001f600y"}
    edit(mini, "data/seed.yaml", 'name: "Bo\\ud800b"', 'name: "Bo\\ud83d\\ude00b"')
    compiler.write_output(compile_domain(mini, tmp_path / "out"), tmp_path / "out")
    assert '"Bo\U0001f600b"' in (tmp_path / "out" / "db.json").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "literal", [HUGE, "1" * 400 + ".5"], ids=["int-digits", "float-past-the-largest"]
)
def test_a_number_too_long_for_python_in_a_check_is_an_error_at_it(
    mini: Path, tmp_path: Path, literal: str
) -> None:
    edit(mini, CHK, "require db == gold", f"require len(order_id) < {literal}")
    digits = len(literal.split(".")[0])
    # no exponent (1.8e308) in the advice: the DSL reads none
    problem = (
        f"{digits} digits before its '.', more than a float can hold; write a smaller one (at "
        "most 308 digits before its '.')"
        if "." in literal
        else f"{digits} digits, more than an int can hold; write a smaller one (at most 4300 "
        "digits)"
    )
    assert _error(mini, tmp_path / "out") == (
        f"mini/checks/main.chk:12:29: this number has {problem}"
    )


def test_yaml_11_booleans_stay_text_and_a_bool_field_says_so(mini: Path, tmp_path: Path) -> None:
    # `values: [yes, no]` read as [true, false] ("values.0 must be text, not true"), a key `on:`
    # as true, Norway's code NO as false; "phone: yes" as "is True, expected string"
    from eigendsl.field_values import value_matches
    from eigendsl.spec import FieldType

    data = loads("a: [yes, no, NO, On, off]\nb: [true, False, TRUE]\non: 1\n", "t.yaml")
    assert data == {"a": ["yes", "no", "NO", "On", "off"], "b": [True, False, True], "on": 1}
    assert value_matches(True, FieldType(type="string")) == "is true, expected string"
    assert value_matches("yes", FieldType(type="bool")) == (
        "is 'yes', expected bool; yes, no, on and off are text in EigenDSL's YAML (as in YAML "
        "1.2 and JSON): write true or false"
    )
    edit(mini, DOMAIN, "values: [pending, delivered, cancelled]", "values: [pending, no, yes]")
    edit(
        mini,
        DOMAIN,
        "    writes: true\n    python: tools:cancel_order",
        "    writes: on\n    python: tools:cancel_order",
    )
    with pytest.raises(EigenError) as info:  # with the errors of 'yes' and 'no' as values
        compile_domain(mini, tmp_path / "out")
    assert (
        "mini/domain.yaml:43:13: tools.cancel_order.writes must be true or false, not 'on'; yes, "
        "no, on and off are text in EigenDSL's YAML (as in YAML 1.2 and JSON): write true or false"
    ) in [str(d) for d in info.value.diagnostics]
