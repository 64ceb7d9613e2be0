"""Property tests: a mutated spec either compiles or fails with an :class:`EigenError`, never with
any other exception (a traceback would reach the user).

Mutations are random character insertions, deletions and replacements, and swaps of two tokens,
in the YAML files and the checker DSL of the mini fixture, and in checks made of a few DSL
statements (lets among them), parsed alone and compiled with the mini spec. The runs are
derandomized, so the suite is deterministic; set ``EIGENDSL_FUZZ_EXAMPLES=5000`` for a longer,
random campaign.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eigendsl.compiler import compile_domain
from eigendsl.dsl.parser import parse, parse_expression, parse_query
from eigendsl.errors import EigenError
from tests.conftest import MINI

DEEP = int(os.environ.get("EIGENDSL_FUZZ_EXAMPLES", "0"))
FILES = ("domain.yaml", "data/seed.yaml", "tasks/cancel.yaml", "checks/main.chk", "tools.py")
ORIGINAL = {name: (MINI / name).read_text(encoding="utf-8") for name in FILES}
# Characters that matter to YAML, the DSL, Jinja and Python, plus a few ordinary ones.
# "\udce9" is written as the raw byte 0xe9 (not UTF-8), through surrogateescape.
ALPHABET = list(":{}[]()\"'#\n\t -=.,*&|!\\%<>@?0129aZ_") + [
    "\r\n",
    "{{",
    "}}",
    "\u00e9",
    "\x00",
    "\udce9",
]
TOKEN = re.compile(r"\w+|[^\w\s]+")


def _settings(examples: int):
    return settings(
        max_examples=DEEP or examples,
        deadline=None,
        derandomize=not DEEP,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


@st.composite
def mutation(draw, text: str) -> str:
    kind = draw(st.sampled_from(["insert", "delete", "replace", "swap", "duplicate_line"]))
    if kind == "swap":
        tokens = list(TOKEN.finditer(text))
        if len(tokens) >= 2:
            i, j = sorted(
                draw(st.lists(st.integers(0, len(tokens) - 1), min_size=2, max_size=2, unique=True))
            )
            a, b = tokens[i], tokens[j]
            return (
                text[: a.start()]
                + b.group()
                + text[a.end() : b.start()]
                + a.group()
                + text[b.end() :]
            )
        kind = "insert"
    if kind == "duplicate_line":
        lines = text.splitlines(keepends=True)
        if lines:
            k = draw(st.integers(0, len(lines) - 1))
            return "".join(lines[: k + 1] + lines[k:])
        kind = "insert"
    at = draw(st.integers(0, len(text)))
    if kind == "insert":
        return text[:at] + draw(st.sampled_from(ALPHABET)) + text[at:]
    length = draw(st.integers(1, 12))
    if kind == "delete":
        return text[:at] + text[at + length :]
    return text[:at] + draw(st.sampled_from(ALPHABET)) + text[at + length :]


@st.composite
def mutated_spec(draw) -> dict[str, str]:
    files = dict(ORIGINAL)
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(FILES))
        files[name] = draw(mutation(files[name]))
    return files


_WORKDIR = Path(tempfile.mkdtemp(prefix="eigendsl_fuzz_"))
atexit.register(shutil.rmtree, _WORKDIR, ignore_errors=True)


def _compile(files: dict[str, str]) -> None:
    # One folder for all examples (a fresh copy each time would double the run time).
    root = _WORKDIR / "mini"
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(MINI, root, ignore=shutil.ignore_patterns("__pycache__"))
    for name, text in files.items():
        (root / name).write_bytes(text.encode("utf-8", errors="surrogateescape"))
    try:
        compile_domain(root, _WORKDIR / "out")
    except EigenError as exc:
        rendered = exc.render()  # rendering must not fail either
        assert rendered and exc.diagnostics
        for diagnostic in exc.diagnostics:
            assert diagnostic.message


@_settings(100)
@given(mutated_spec())
def test_mutated_spec_compiles_or_reports(files: dict[str, str]) -> None:
    _compile(files)


DSL_SNIPPETS = [
    'require db.orders[order_id].status == "pending" else "no"',
    "require all(c in calls where c.writes: user_said 'yes' before c)",
    "score 0.5: count(o in db.orders where o.total > 1) >= 2",
    "forbid called cancel_order(order_id=order_id)",
    "require sum(o in db.orders: o.total) > 10 and not (x in [1, 2])",
    "unchanged db.users",
    "use identify_first",
    "let order = db.orders[order_id]",
    'require order.status == "pending" or x in order.items',
]


@st.composite
def dsl_text(draw) -> str:
    body = draw(st.lists(st.sampled_from(DSL_SNIPPETS), min_size=1, max_size=4))
    text = "check c(order_id: string, x):\n" + "".join(f"    {line}\n" for line in body)
    for _ in range(draw(st.integers(1, 4))):
        text = draw(mutation(text))
    return text


@_settings(300)
@given(dsl_text())
def test_mutated_dsl_parses_or_reports(text: str) -> None:
    for parser in (
        lambda t: parse(t, "f.chk"),
        lambda t: parse_expression(t, "f.yaml", 3, 7),
        lambda t: parse_query(t, "f.yaml"),
    ):
        try:
            parser(text)
        except EigenError as exc:
            assert exc.render()


@_settings(100)
@given(dsl_text())
def test_mutated_checks_compile_or_report(text: str) -> None:
    """The same texts as a check of the mini spec: the analysis and the code generation (of
    lets read before, after or never, bound twice...) report, never raise anything else."""
    _compile({**ORIGINAL, "checks/fuzzed.chk": text})
