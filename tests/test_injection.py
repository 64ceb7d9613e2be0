"""DSL string literals that look like Python code stay data: the generated verifiers compile and
import, nothing in the literals runs, and every literal round-trips exactly into ``said``, ``==``
and the messages of ``else``."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from eigendsl.support import Trace
from tests.conftest import MINI, Verifiers, compile_to, copy_spec

SENTINEL = "SENTINEL_PATH"

# (the literal as written in the DSL, the value it must produce)
PAYLOADS = [
    (
        r'''"\"); import os; os.system('touch SENTINEL_PATH') #"''',
        """"); import os; os.system('touch SENTINEL_PATH') #""",
    ),
    (
        r"""'\'); __import__("os").system("touch SENTINEL_PATH"); #'""",
        """'); __import__("os").system("touch SENTINEL_PATH"); #""",
    ),
    (
        '''\'""" + __import__("os").system("touch SENTINEL_PATH") + """\'''',
        '''""" + __import__("os").system("touch SENTINEL_PATH") + """''',
    ),
    (
        '''"\'\'\' ; open('SENTINEL_PATH', 'w') ; \'\'\'"''',
        """''' ; open('SENTINEL_PATH', 'w') ; '''""",
    ),
    (r'"trailing backslash \\"', "trailing backslash \\"),
    (r'"C:\\new\\table \\\" quoted"', 'C:\\new\\table \\" quoted'),
    (
        "\"{__import__('os').system('touch SENTINEL_PATH')} {0} {{x}}\"",
        "{__import__('os').system('touch SENTINEL_PATH')} {0} {{x}}",
    ),
    (r'"line one\nline two\r\n\ttabbed \x41\u00e9"', "line one\nline two\r\n\ttabbed A\u00e9"),
    (
        '"{{ 7*7 }} {% if true %}x{% endif %} %s %(x)s $HOME `id`"',
        "{{ 7*7 }} {% if true %}x{% endif %} %s %(x)s $HOME `id`",
    ),
    (
        "\"# not a comment: exec(compile('1', 'x', 'exec'))\"",
        "# not a comment: exec(compile('1', 'x', 'exec'))",
    ),
]


def _checker(sentinel: Path) -> str:
    lines = []
    for i, (literal, _) in enumerate(PAYLOADS):
        literal = literal.replace(SENTINEL, str(sentinel))
        lines += [
            f"check said_{i}():",
            f"    require said {literal}",
            "",
            f"check equals_{i}(x: string):",
            f"    require x == {literal} else {literal}",
            f"    require [{literal}] contains x",
            f"    require {{key: {literal}}}.key == x",
            "",
        ]
    return "\n".join(lines) + "\n"


def _value(i: int, sentinel: Path) -> str:
    return PAYLOADS[i][1].replace(SENTINEL, str(sentinel))


@pytest.fixture(scope="module")
def injected(tmp_path_factory: pytest.TempPathFactory) -> tuple[Verifiers, Path]:
    base = tmp_path_factory.mktemp("injection")
    sentinel = base / "pwned"
    spec = copy_spec(MINI, base / "inject")
    (spec / "checks" / "inject.chk").write_text(_checker(sentinel), encoding="utf-8")
    verifiers = compile_to(spec, base / "out")
    assert not sentinel.exists()
    return verifiers, sentinel


def _trace(text: str, params: dict[str, str] | None = None) -> Trace:
    messages = [{"role": "user", "content": "hello"}, {"role": "assistant", "content": text}]
    return Trace.from_messages(messages, db={}, params=params or {})


def test_literals_are_constants_in_the_generated_code(injected: tuple[Verifiers, Path]) -> None:
    verifiers, sentinel = injected
    for i in range(len(PAYLOADS)):
        source = (verifiers.out / "verifiers" / f"check_equals_{i}.py").read_text(encoding="utf-8")
        tree = ast.parse(source)
        constants = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
        assert _value(i, sentinel) in constants
        # The only import is the support module; no call to exec, eval, open or system.
        imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
        assert [a.name for n in imports for a in n.names] == ["eigendsl.support"]
        called = {
            n.func.id
            for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
        }
        assert called <= {
            "bool",
            "all",
            "any",
            "sum",
            "len",
            "str",
            "list",
            "min",
            "max",
            "abs",
            "round",
            "int",
            "float",
        }


@pytest.mark.parametrize("i", range(len(PAYLOADS)))
def test_said_round_trips(injected: tuple[Verifiers, Path], i: int) -> None:
    verifiers, sentinel = injected
    value = _value(i, sentinel)
    module = verifiers.check(f"said_{i}")
    verdict = module.verify(_trace(f"Sure. {value} Anything else?"))
    assert verdict.passed and verdict.score == 1.0, verdict.failures
    failed = module.verify(_trace("something else entirely"))
    assert not failed.passed
    assert failed.reasons == [f"the agent never said {json.dumps(value, ensure_ascii=False)}"]
    assert not sentinel.exists()


@pytest.mark.parametrize("i", range(len(PAYLOADS)))
def test_comparison_and_message_round_trip(injected: tuple[Verifiers, Path], i: int) -> None:
    verifiers, sentinel = injected
    value = _value(i, sentinel)
    module = verifiers.check(f"equals_{i}")
    verdict = module.verify(_trace("hi", {"x": value}))
    assert verdict.passed, verdict.failures
    failed = module.verify(_trace("hi", {"x": value + "!"}))
    assert not failed.passed
    # The `else` message is the literal itself, verbatim.
    assert failed.failures[0].reason == value
    assert failed.failures[0].statement.startswith("require x == ")
    assert len(failed.failures) == 3
    assert not sentinel.exists()


def test_guard_message_round_trips(tmp_path: Path) -> None:
    sentinel = tmp_path / "pwned"
    literal = PAYLOADS[0][0].replace(SENTINEL, str(sentinel))
    spec = copy_spec(MINI, tmp_path / "inject")
    chk = spec / "checks" / "main.chk"
    text = chk.read_text(encoding="utf-8")
    chk.write_text(
        text.replace('"Only pending orders can be cancelled"', literal), encoding="utf-8"
    )
    verifiers = compile_to(spec, tmp_path / "out")
    db = {"orders": {"#2": {"status": "delivered"}}}
    message = verifiers.guards.guard_cancel_order(Trace(db=db), {"order_id": "#2"})
    assert message == _value(0, sentinel)
    assert not sentinel.exists()
