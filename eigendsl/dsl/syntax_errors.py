"""Lark's syntax errors in checker text as sentences at the place to fix: what was expected in
words, a statement cut at a line end, a bracket never closed, a ``\\`` that joins its line to
nothing, ``=`` written for ``==``, Python's ``is not null`` for ``!= null``."""

from __future__ import annotations

import re
from decimal import Decimal
from difflib import get_close_matches
from typing import cast

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from eigendsl.dsl.lets import word_taken
from eigendsl.dsl.transformer import Positions
from eigendsl.errors import Diagnostic, EigenError, Span
from eigendsl.spec import EXPRESSION_WORDS, reserved_name

_TOKEN_WORDS = {
    "NAME": "a name",
    "STRING": "a string",
    "NUMBER": "a number",
    "_NL": "the end of the line",
    "_INDENT": "an indented block",
    "_DEDENT": "the end of the block",
    "COMP_OP": "a comparison",
    "ADD_OP": "'+' or '-'",
    "MUL_OP": "'*', '/' or '%'",
    "QUANT": "a quantifier (all, any, count, sum, first, last)",
    "SAID": "said",
    "ADVISORY": "'advisory'",
    "$END": "the end of the text",
    "COLON": "':'",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "COMMA": "','",
    "DOT": "'.'",
    "EQUAL": "'='",
    "MINUS": "'-'",
}


def _describe(names: set[str]) -> str:
    words = []
    for name in sorted(names):
        if name in _TOKEN_WORDS:
            words.append(_TOKEN_WORDS[name])
        elif name.isupper():
            words.append(f"'{name.lower()}'")
        else:
            words.append(name)
    words = sorted(set(words))
    if len(words) > 8:
        words = words[:8] + ["..."]
    return ", ".join(words)


# The words that begin a statement or a declaration (grammar/checker.lark).
_STATEMENT_WORDS = frozenset(
    {"require", "forbid", "unchanged", "score", "use", "judge", "let", "guard", "rule", "check"}
)


# What a single '=' does in the DSL, for the error at one written where '==' was meant.
_SINGLE_EQUALS = "(a single '=' only names an argument of 'called' or binds the name of a 'let')"

_CONDITION_WORDS = frozenset({"require", "forbid", "unchanged", "score", "let"})


def _cut_statement(exc: UnexpectedToken, text: str) -> str | None:
    """What a statement holds (``condition``, or a let's ``expression``) when it seems to go on to
    the next line without a ``\\``: its line ends in the middle of it, or the next line, indented
    deeper, is read as a new block; None otherwise."""
    if exc.token.type == "_NL":
        line = exc.token.line
    elif exc.token.type == "_INDENT" and {e.lower() for e in exc.expected} & _STATEMENT_WORDS:
        line = (exc.token.end_line or 2) - 1
    else:
        return None
    lines = text.splitlines()
    if not line or line > len(lines):
        return None
    if exc.token.type == "_INDENT" and line < len(lines):
        deeper = lines[line].split()
        if deeper and deeper[0] in _STATEMENT_WORDS:
            return None  # a statement of its own, indented too deep
    # back to the statement's first line: over blank lines and lines a '\\' continued
    while line > 1 and (not lines[line - 1].strip() or lines[line - 2].rstrip().endswith("\\")):
        line -= 1
    words = lines[line - 1].split()
    if not words or words[0] not in _CONDITION_WORDS:
        return None
    return "expression" if words[0] == "let" else "condition"


def _dangling_backslash(text: str, line: int) -> tuple[int, str] | None:
    """The line (and what follows it) of a ``\\`` that ends the last line with text at or before
    ``line`` and joins it to a blank line or to the end of the file; None if there is none."""
    lines = text.splitlines()
    at = min(line, len(lines))
    while at > 1 and not lines[at - 1].strip():
        at -= 1
    if not 0 < at <= len(lines) or not lines[at - 1].rstrip().endswith("\\"):
        return None
    if at == len(lines) or not "".join(lines[at:]).strip():
        return at, "the file ends there"
    if not lines[at].strip():
        return at, "the next line is blank"
    return None


_LET_WITH_EQUALS = re.compile(r"\s*let\s+\w+\s*==")
_NEGATIVE_WEIGHT = re.compile(r"\s*score\s*-")
# What the analysis says of a weight of 0 or above 100 (a weight below 0 is no NUMBER to parse).
SCORE_WEIGHT = "a score weight must be a number above 0 (and at most 100)"


# A conditional's `else` is what is missing: the statement's own `else` ("require x else ...")
# is expected only where the statement may also end, so that one comes with the line's end.
_MISSING_ELSE = (
    "this 'if' has no 'else': a conditional is written A if C else B; add 'else' and the value "
    "it has when the condition is false"
)


def _missing_else(expected: set[str]) -> bool:
    return "ELSE" in expected and not expected & {"_NL", "$END"}


def _word_for_else(exc: UnexpectedToken) -> str | None:
    """The sentence for a word written where a conditional's ``else`` goes (``x if y > 0 z``,
    ``1 if ok els 2``); None when the word stands elsewhere (``x if y is null else 0``)."""
    if exc.token.type != "NAME" or exc.interactive_parser is None:
        return None
    word = str(exc.token)
    # The line reads on as a conditional with 'else' in place of the word, or before it.
    instead, before = _reads_on(exc, ()), _reads_on(exc, (exc.token,))
    if not (instead or before):
        return None
    if instead and (not before or get_close_matches(word, ["else"], cutoff=0.6)):
        fix = f"write 'else' for '{word}'"
    else:
        fix = f"add 'else' before '{word}'"
    return (
        f"unexpected '{word}' where this conditional's 'else' goes: a conditional is written "
        f"A if C else B, with 'else' before its second value; {fix}"
    )


def _reads_on(exc: UnexpectedToken, then: tuple[Token, ...]) -> bool:
    """Whether the parser takes a conditional's ``else`` where ``exc`` stopped it, then
    ``then`` and the rest of the line (the statement's own ``else`` takes only its text)."""
    parser = exc.interactive_parser.copy()
    try:
        parser.feed_token(Token("ELSE", "else"))
        if "NAME" not in parser.choices():
            return False
        for token in then:
            parser.feed_token(token)
    except UnexpectedInput:
        return False
    # the lexer under the indenter: the rest of one line has no indentation to track. Lark's
    # lexer thread is not its documented API: if a release moves it, the generic message stays.
    try:
        thread = parser.lexer_thread
        lexer = getattr(thread.lexer, "lexer", thread.lexer)
        tokens = lexer.lex(thread.state, parser.parser_state)
    except (AttributeError, TypeError):
        return False
    while True:
        try:
            token = next(tokens)
        except (StopIteration, UnexpectedCharacters):  # the line ends, or a character no token has
            return True
        except (UnexpectedToken, AttributeError, TypeError):  # a token the parser cannot
            return False  # take there (or, as above, a Lark whose lexer thread moved)
        if token.line != exc.token.line or token.type == "_NL":
            return True
        try:
            parser.feed_token(token)
        except UnexpectedInput:
            return False


# Python's identity test where a comparison may go: `x is not null`, `x is None`.
_IS_TEST = re.compile(r"is(?:[ \t]+(not))?(?:[ \t]+(null|None|nil)\b)?")


def _is_test(exc: UnexpectedToken, text: str, pos: Positions) -> tuple[Span, str] | None:
    """The place and sentence for Python's ``is`` / ``is not`` written where a comparison may
    go; the DSL tests null (and anything) with ``==`` and ``!=``. None for another word."""
    token = exc.token
    if token.type != "NAME" or str(token) != "is" or "COMP_OP" not in exc.expected:
        return None
    match = _IS_TEST.match(text, token.start_pos or 0)
    if match is None or token.line is None or token.column is None:
        return None
    negated, null = match.group(1) is not None, match.group(2) is not None
    written = match.group(0)
    op = "!=" if negated else "=="
    instead = f"{op} null" if null else op
    span = pos.at(token.line, token.column, token.line, token.column + len(written))
    return span, (
        f"unexpected '{written}'; the DSL has no 'is': it compares with '==' and '!=', null as "
        f"any other value; write '{instead}'"
    )


# The tokens that compare two values, and what they are called in a sentence.
_COMPARING = frozenset({"COMP_OP", "IN", "NOT", "CONTAINS"})
# A comparison written after another: `1 < 2 < 3`, `"a" in b == false`.
_CHAINED = (
    "the DSL takes one comparison at a time (a < b < c is no chain, and a in b == false does "
    "not compare what 'in' gives): put the first comparison in brackets, (a in b) == false, or "
    "join two with 'and', (a < b) and (b < c)"
)
_CHAINED_BEFORE = (
    "'before' orders two events, no more (A before B before C is no chain): join two with "
    "'and', (A before B) and (B before C)"
)


def _chained(exc: UnexpectedToken) -> str | None:
    """The sentence for a comparison (or ``before``) written right after a finished one:
    ``1 < 2 < 3``, ``"a" in b == false``, ``A before B before C``; None otherwise."""
    token, expected = exc.token, set(exc.expected)
    if token.type in _COMPARING and "COMP_OP" not in expected and "BEFORE" in expected:
        return f"unexpected '{token}' after a comparison; {_CHAINED}"
    if token.type == "BEFORE" and "BEFORE" not in expected and "AND" in expected:
        return f"unexpected 'before' after a 'before'; {_CHAINED_BEFORE}"
    return None


_CLOSERS = {"LPAR": "RPAR", "LSQB": "RSQB", "LBRACE": "RBRACE"}


def _expected(exc: UnexpectedToken, open_bracket: Token | None) -> set[str]:
    """What the parser expected at ``exc``, less the brackets it could not close there: only
    the innermost open one (``open_bracket``) closes, and none when none is open."""
    closes = _CLOSERS.get(open_bracket.type) if open_bracket is not None else None
    return {e for e in exc.expected if e not in _CLOSERS.values() or e == closes}


# `check NAME:`, a check written as a rule or a block is, with no parameter list.
_CHECK_WITHOUT_PARAMS = re.compile(r"[ \t]*check[ \t]+(\w+)[ \t]*:")
# A number written with an exponent, `1.5e3`: the 'e' and what follows it.
_EXPONENT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)([eE][-+]?\d+)")


def _exponent(exc: UnexpectedToken, text: str) -> str | None:
    """The sentence for a number written with an exponent (``1.5e3``, read as ``1.5`` and then
    the name ``e3``); None when the word is not an exponent's."""
    if exc.token.type != "NAME" or exc.token.start_pos is None:
        return None
    for match in _EXPONENT.finditer(_line(text, exc.token.line)):
        start = exc.token.start_pos - (exc.token.column or 1) + 1  # the line's offset
        if start + match.start(2) == exc.token.start_pos:
            value = format(Decimal(match.group(0)), "f")
            value = value.rstrip("0").rstrip(".") if "." in value else value
            return (
                f"unexpected '{match.group(2)}' after the number {match.group(1)}: the DSL "
                f"writes numbers in digits, with no exponent; write {value} for {match.group(0)}"
            )
    return None


def _line(text: str, number: int | None) -> str:
    lines = text.splitlines()
    return lines[number - 1] if number and 0 < number <= len(lines) else ""


def syntax_error(
    exc: UnexpectedInput, text: str, pos: Positions, open_bracket: Token | None = None
) -> EigenError:
    line, col = getattr(exc, "line", 1) or 1, getattr(exc, "column", 1) or 1
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        lines = text.splitlines() or [""]
        line, col = len(lines), len(lines[-1]) + 1
    if isinstance(exc, UnexpectedToken) and exc.token.type in ("_INDENT", "_DEDENT"):
        # These borrow the position of the line end before them; point at the next line instead.
        line, col = exc.token.end_line or line, exc.token.end_column or col
    span = pos.at(line, col)
    if isinstance(exc, UnexpectedToken) and (dangling := _dangling_backslash(text, line)):
        at, follows = dangling
        return EigenError(
            Diagnostic(
                pos.at(at, text.splitlines()[at - 1].rstrip().rindex("\\") + 1),
                f"this '\\' joins its line to the next one, but {follows}: remove the '\\', "
                "or go on with the statement on the very next line",
            )
        )
    if open_bracket is not None and (
        isinstance(exc, UnexpectedEOF)
        or isinstance(exc, UnexpectedToken)
        and (
            exc.token.type in ("$END", "_DEDENT")
            # the next statement read as more of the bracket's, line ends being no tokens there
            or str(exc.token) in _STATEMENT_WORDS
            and (exc.token.line or 0) > (open_bracket.line or 0)
        )
    ):
        span = pos.token(open_bracket)
        return EigenError(
            Diagnostic(
                span,
                f"this '{open_bracket}' is never closed; close it before the end of the statement",
            )
        )
    if isinstance(exc, UnexpectedCharacters):
        # Lark declares pos_in_stream only as ``= None`` on UnexpectedInput (so mypy types it
        # None); UnexpectedCharacters always sets it to the lexer's position, an int.
        offset = cast(int, exc.pos_in_stream)
        char = text[offset] if offset < len(text) else "?"
        message = f"unexpected character '{char}'"
        if char in "&|!":
            message += "; write 'and', 'or', 'not' for boolean logic (and '!=' for inequality)"
        elif char in "\"'":
            message = "this string is not closed; end it with the same quote on the same line"
        elif char == "=":
            message += f"; compare with '==' {_SINGLE_EQUALS}"
        else:
            message += "; expected " + _describe(set(exc.allowed or ()))
    elif isinstance(exc, UnexpectedToken):
        found = "end of the line" if exc.token.type == "_NL" else f"'{exc.token}'"
        if exc.token.type in ("_INDENT", "_DEDENT"):
            found = "change of indentation"
        message = f"unexpected {found}; expected {_describe(_expected(exc, open_bracket))}"
        held = _cut_statement(exc, text)
        if held is not None:
            message += (
                f"; to go on with the {held} on the next line, end this line with '\\' "
                f"(or put the {held} in brackets)"
                if exc.token.type == "_NL"
                else f"; if this line goes on with the {held} above, end the line above with "
                f"'\\' (or put the {held} in brackets)"
            )
        if str(exc.token) == "=" and "COMP_OP" in exc.expected:
            message = f"unexpected '='; compare with '==' {_SINGLE_EQUALS}"
        elif str(exc.token) == "=" and _LET_WITH_EQUALS.match(_line(text, exc.token.line)):
            message = (
                "unexpected '='; a 'let' binds its name with a single '=' "
                "(let order = db.orders[order_id]), '==' compares two values"
            )
        elif str(exc.token) == "-" and _NEGATIVE_WEIGHT.match(_line(text, exc.token.line)):
            message = SCORE_WEIGHT
        elif (chained := _chained(exc)) is not None:
            message = chained
        elif (exponent := _exponent(exc, text)) is not None:
            message = exponent
        elif str(exc.token) == ":" and (
            check := _CHECK_WITHOUT_PARAMS.match(_line(text, exc.token.line))
        ):
            message = (
                "unexpected ':'; a check takes a list of parameters in brackets, even an empty "
                f"one: check {check.group(1)}(): (a rule and a block need none)"
            )
        if exc.token.type == "$END":
            message = f"the text ends too early; expected {_describe(set(exc.expected))}"
        if _missing_else(set(exc.expected)):
            message = _MISSING_ELSE
        elif (is_test := _is_test(exc, text, pos)) is not None:
            span, message = is_test
        elif (word := _word_for_else(exc)) is not None:
            span, message = pos.token(exc.token), word
    elif isinstance(exc, UnexpectedEOF):
        message = f"the text ends too early; expected {_describe(set(exc.expected))}"
    else:  # pragma: no cover - Lark has no other kinds today
        message = "syntax error"
    return EigenError(Diagnostic(span, message))


_LET_NAME = re.compile(r"[ \t]*let[ \t]+([A-Za-z_]\w*)[ \t]*=")
_CHECK_PARAMS = re.compile(r"[ \t]*check[ \t]+\w+[ \t]*\(([^)]*)\)")
_PARAM_NAME = re.compile(r"(?:^|,)[ \t]*([A-Za-z_]\w*)")


def words_bound(text: str, pos: Positions, before: int) -> list[Diagnostic]:
    """The lets and check parameters above line ``before`` named by a word of expressions
    (``let count = 1``): where the name is read, the parser reads the word, and the syntax error
    it reports there (``unexpected '=='; expected '('``) does not say why."""
    found = []
    for number, line in enumerate(text.splitlines()[: max(before - 1, 0)], start=1):
        for name, start in _names_bound(line):
            why = word_taken(name) if line.lstrip().startswith("let") else reserved_name(name)
            if name in EXPRESSION_WORDS and why is not None:
                found.append(
                    Diagnostic(pos.at(number, start + 1, number, start + len(name) + 1), why)
                )
    return found


def _names_bound(line: str) -> list[tuple[str, int]]:
    """The names a line binds, a let's or a check's parameters, with their offsets in it."""
    if let := _LET_NAME.match(line):
        return [(let.group(1), let.start(1))]
    if check := _CHECK_PARAMS.match(line):
        params = _PARAM_NAME.finditer(check.group(1))
        return [(m.group(1), check.start(1) + m.start(1)) for m in params]
    return []
