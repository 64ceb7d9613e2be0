"""Invalid specs and their pinned diagnostics.

Each case is a small edit of a private copy of ``tests/fixtures/mini`` and the first line the
user sees (``path:line:col: sentence``). ``at`` is the text that must start at that line and
column of the edited file, so a case also proves that the position points at the offending
token, not merely somewhere. ``count`` pins how many errors the compile reports (no cascades).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from eigendsl.cli import main
from eigendsl.compiler import compile_domain
from eigendsl.errors import SHOWN_WIDTH, EigenError
from tests.conftest import MINI, copy_spec, edit

CHK = "checks/main.chk"
DOMAIN = "domain.yaml"
SEED = "data/seed.yaml"
TASKS = "tasks/cancel.yaml"
TOOLS = "tools.py"


@dataclass(frozen=True)
class Case:
    id: str
    edits: tuple[tuple[str, str | None, str | None], ...]
    message: str  # first line of the rendered diagnostics
    at: str | None = None  # text found at the reported line:col of the edited file
    count: int | None = 1  # number of errors reported; None: not pinned


def case(
    id: str,
    file: str,
    old: str | None,
    new: str | None,
    message: str,
    at: str | None = None,
    count: int | None = 1,
) -> Case:
    return Case(id, ((file, old, new),), message, at, count)


# A check's first `use`, its last statement, and a block to use after it.
_USED = "    use identify_first\n"
_LAST = "    score 0.5: called get_order(order_id=order_id)\n"
_SAID_IT = "\nblock said_it(word: string):\n    require said word\n"

# What an error that leaves domain.yaml unread adds: the rest of the spec was not checked.
UNREAD = (
    ". Nothing else of the spec was checked (domain.yaml names its policy, seed data, checker "
    "and task files); try again once this is fixed"
)

CASES = [
    # ------------------------------------------------------------ checker DSL: syntax
    case(
        "syntax-missing-colon",
        CHK,
        "reason: string):",
        "reason: string)",
        "mini/checks/main.chk:10:50: unexpected end of the line; expected ':'",
        "",
    ),
    case(
        "syntax-missing-comma",
        CHK,
        "order_id: string, reason",
        "order_id: string reason",
        "mini/checks/main.chk:10:34: unexpected 'reason'; expected ')', ',', '['",
        "reason",
    ),
    case(
        "syntax-ampersands",
        CHK,
        'require said "cancelled"',
        'require said "cancelled" && true',
        "mini/checks/main.chk:15:30: unexpected character '&'; write 'and', 'or', 'not' for "
        "boolean logic (and '!=' for inequality)",
        "&&",
    ),
    case(
        "syntax-single-equals",
        CHK,
        'status == "cancelled"',
        'status = "cancelled"',
        "mini/checks/main.chk:14:40: unexpected '='; compare with '==' (a single '=' only names an "
        "argument of 'called' or binds the name of a 'let')",
        "= ",
    ),
    case(
        "syntax-unclosed-string",
        CHK,
        'require said "cancelled"',
        'require said "cancelled',
        "mini/checks/main.chk:15:18: this string is not closed; end it with the same quote on the "
        "same line",
        '"cancelled',
    ),
    case(
        "syntax-bad-dedent",
        CHK,
        "    unchanged db.users",
        "   unchanged db.users",
        "mini/checks/main.chk:16:1: this line's indentation matches no enclosing block; indent "
        "statements by the same amount as the first one",
        "   unchanged",
    ),
    case(
        "syntax-misspelled-keyword",
        CHK,
        "require db == gold",
        "requires db == gold",
        "mini/checks/main.chk:12:5: unexpected 'requires'; expected 'forbid', 'judge', 'let', "
        "'require', 'score', 'unchanged', 'use', the end of the block",
        "requires",
    ),
    case(
        "syntax-condition-cut-after-operator",
        CHK,
        'status == "cancelled"',
        'status == "cancelled" and\n        called cancel_order',
        "mini/checks/main.chk:14:58: unexpected end of the line; expected '(', '-', '[', "
        "'called', 'false', 'not', 'null', 'true', ...; to go on with the condition on the next "
        "line, end this line with '\\' (or put the condition in brackets)",
        "",
    ),
    case(
        "syntax-condition-cut-before-operator",
        CHK,
        'status == "cancelled"',
        'status == "cancelled"\n        and called cancel_order',
        "mini/checks/main.chk:15:9: unexpected change of indentation; expected 'forbid', 'judge', "
        "'let', 'require', 'score', 'unchanged', 'use', the end of the block; if this line goes on "
        "with the condition above, end the line above with '\\' (or put the condition in brackets)",
        "and called",
    ),
    case(
        "syntax-ends-early",
        CHK,
        "order_id=order_id)\n",
        "order_id=order_id)\n\ncheck extra(x):\n",
        "mini/checks/main.chk:19:16: the text ends too early; expected an indented block",
        "",
    ),
    case(
        "syntax-bad-escape",
        CHK,
        'require said "cancelled"',
        'require said "\\xZZ"',
        "mini/checks/main.chk:15:18: invalid escape in string: 'unicodeescape' codec can't decode "
        "bytes in position 0-1: truncated \\xXX escape; write a backslash as '\\\\'",
        '"\\xZZ"',
    ),
    case(
        "syntax-embedded-in-yaml",
        DOMAIN,
        "returns: db.orders[order_id]",
        "returns: db.orders[order_id",
        "mini/domain.yaml:37:34: the text ends too early; expected ']'",
        "",
    ),
    case(
        "syntax-embedded-single-quoted",
        TASKS,
        'where o.status == "pending"',
        'where o.status = "pending"',
        "mini/tasks/cancel.yaml:5:84: unexpected '='; compare with '==' (a single '=' only names "
        "an argument of 'called' or binds the name of a 'let')",
        '= "pending"',
    ),
    # ------------------------------------------------------------ checker DSL: unknown names
    case(
        "unknown-tool",
        CHK,
        "require called cancel_order(",
        "require called cancel_ordr(",
        "mini/checks/main.chk:13:20: unknown tool 'cancel_ordr'; did you mean 'cancel_order'?",
        "cancel_ordr",
    ),
    case(
        "unknown-tool-none-close",
        CHK,
        "require called cancel_order(",
        "require called zap(",
        "mini/checks/main.chk:13:20: unknown tool 'zap'; tools are find_user, get_order, "
        "cancel_order, set_email",
        "zap",
    ),
    case(  # YAML took the quotes off: the text is a name to the DSL
        "unquoted-text-in-a-declared-tool",
        DOMAIN,
        "set: {email: email}",
        "set: {email: nobody}",
        "mini/domain.yaml:53:20: unknown name 'nobody'; names here are user_id, email, db; text is "
        "quoted inside the YAML value: '\"nobody\"'",
        "nobody",
    ),
    case(
        "unquoted-enum-value",
        CHK,
        'db.orders[order_id].status == "cancelled"',
        "db.orders[order_id].status == cancelled",
        "mini/checks/main.chk:14:43: unknown name 'cancelled'; names here are order_id, reason, "
        "calls, db, gold, initial, messages; 'cancelled' is a value of orders.status: quote it, "
        '"cancelled"',
        "cancelled",
    ),
    case(
        "said-takes-one-value",
        CHK,
        'require said "cancelled"',
        'require said reason + "!"',
        "mini/checks/main.chk:15:13: '+' needs numbers, but this is a bool; 'said' takes only the "
        "value right after it: put what it should say in brackets, said (a + b)",
        "said reason",
    ),
    case(
        "unknown-tool-in-guard",
        CHK,
        "guard cancel_order:",
        "guard cancel_ordr:",
        "mini/checks/main.chk:1:7: guard for unknown tool 'cancel_ordr'; did you mean "
        "'cancel_order'?",
        "cancel_ordr",
    ),
    case(
        "unknown-tool-parameter",
        CHK,
        "reason=reason)",
        "reasn=reason)",
        "mini/checks/main.chk:13:52: tool 'cancel_order' has no parameter 'reasn'; did you mean "
        "'reason'?",
        "reasn",
    ),
    case(
        "unknown-table",
        CHK,
        'db.orders[order_id].status == "cancelled"',
        'db.order[order_id].status == "cancelled"',
        "mini/checks/main.chk:14:16: unknown table 'order'; did you mean 'orders'? Tables are "
        "orders, users",
        "order[",
    ),
    case(
        "unknown-field",
        CHK,
        'status == "cancelled"',
        'stat == "cancelled"',
        "mini/checks/main.chk:14:33: unknown field 'stat' of table 'orders'; did you mean "
        "'status'?",
        "stat ",
    ),
    case(
        "unknown-call-field",
        CHK,
        "c.tags",
        "c.tagz",
        "mini/checks/main.chk:5:75: a tool call has no field 'tagz'; did you mean 'tags'? Fields "
        "are tool, args, result, error, ok, writes, position, index, tags, id",
        "tagz",
    ),
    case(  # the rule selected no call, and said nothing
        "unknown-tag",
        CHK,
        '"account" in c.tags',
        '"acount" in c.tags',
        "mini/checks/main.chk:5:60: no tool has the tag 'acount', so no call matches it; did you "
        "mean 'account'? The tools' tags are account, auth",
        '"acount"',
    ),
    case(
        "unknown-rule",
        CHK,
        "use identify_first",
        "use identify",
        "mini/checks/main.chk:11:9: unknown rule or block 'identify'; did you mean "
        "'identify_first'?",
        "identify",
    ),
    case(
        "use-a-check",
        CHK,
        "use identify_first",
        "use cancelled",
        "mini/checks/main.chk:11:9: 'cancelled' is a check; 'use' takes a rule (declared with "
        "'rule') or a block (declared with 'block')",
        "cancelled",
    ),
    case(
        "blank-stop-marker",
        DOMAIN,
        "sampling: {per_template: 2, seed: 1}",
        "sampling: {per_template: 2, seed: 1}\nuser_simulator: {stop_marker: ' '}",
        "mini/domain.yaml:57:31: user_simulator.stop_marker: the stop marker is blank, so no "
        "episode could end by the user; write a marker the user says to end the conversation, "
        "such as '###STOP###'",
        "' '",
    ),
    case(
        "too-many-sampled-tasks",
        DOMAIN,
        "sampling: {per_template: 2, seed: 1}",
        "sampling: {per_template: 100000000, seed: 1}",
        "mini/domain.yaml:56:26: sampling.per_template is 100000000; write a number of at most "
        "1000",
        "100000000",
    ),
    case(
        "unknown-variable",
        CHK,
        "get_order(order_id=order_id)",
        "get_order(order_id=order_idd)",
        "mini/checks/main.chk:17:42: unknown name 'order_idd'; did you mean 'order_id'? Names "
        "here are order_id, reason, calls, db, gold, initial, messages",
        "order_idd",
    ),
    case(
        "unknown-variable-none-close",
        CHK,
        'require said "cancelled"',
        "require refund > 0",
        "mini/checks/main.chk:15:13: unknown name 'refund'; names here are order_id, reason, "
        "calls, db, gold, initial, messages",
        "refund",
    ),
    case(
        "unknown-function",
        CHK,
        'require said "cancelled"',
        "require lenn(calls) > 0",
        "mini/checks/main.chk:15:13: unknown function 'lenn'; did you mean 'len'? Functions are "
        "abs, add_days, add_minutes, amounts, beside, confirmed, days_between, declined, float, "
        "int, keys, len, lower, max, min, minutes_between, numbers, percentages, round, "
        "said_plainly, says, sentences, str, upper, vague_money, weekday, words",
        "lenn(",
    ),
    case(
        "unknown-type",
        CHK,
        "reason: string)",
        "reason: strng)",
        "mini/checks/main.chk:10:43: unknown type 'strng'; expected one of string, int, float, "
        "bool, date, time, any, list[...]; did you mean 'string'?",
        "strng",
    ),
    case(
        "context-not-in-guard",
        CHK,
        'require db.orders[order_id].status == "pending"',
        'require gold.orders[order_id].status == "pending"',
        "mini/checks/main.chk:2:13: 'gold' is not available in a guard; it can read order_id, "
        "reason, calls, db",
        "gold.",
    ),
    case(
        "empty-else",
        CHK,
        'else "Only pending orders can be cancelled"',
        'else ""',
        "mini/checks/main.chk:2:58: this 'else' text is empty, and it is what the agent reads "
        "when the statement fails (or the verdict's reason); say why, or leave 'else' out to "
        "show the condition",
        '""',
    ),
    case(
        "list-plus-one-value",
        CHK,
        'require db.orders[order_id].status == "cancelled"',
        "require len(db.orders[order_id].items + reason) == 2",
        "mini/checks/main.chk:14:45: '+' joins two lists, but this is a string: put it in a "
        "list, db.orders[order_id].items + [reason]",
        "reason)",
    ),
    case(
        "python-none",
        CHK,
        'status == "cancelled"',
        "status != None",
        "mini/checks/main.chk:14:43: unknown name 'None'; the DSL writes it null",
        "None",
    ),
    case(
        "capitalized-false",
        CHK,
        'status == "cancelled"',
        'status == "cancelled" or False',
        "mini/checks/main.chk:14:58: unknown name 'False'; the DSL writes it false",
        "False",
    ),
    # A list written out is checked item by item, as `==` checks one value.
    case(
        "enum-misspelt-in-list",
        CHK,
        'status == "cancelled"',
        'status in ["pending", "canceled"]',
        "mini/checks/main.chk:14:55: 'canceled' is not one of the allowed values (pending, "
        "delivered, cancelled); did you mean 'cancelled'?",
        '"canceled"',
    ),
    case(
        "number-in-list-of-enum",
        CHK,
        'status == "cancelled"',
        'status in ["cancelled", 3]',
        "mini/checks/main.chk:14:57: an enum can never be 3: each value of the list is compared "
        "with it, so write each as one of its values (pending, delivered, cancelled)",
        "3]",
    ),
    case(
        "text-contains-number",
        CHK,
        'require said "cancelled"',
        "require any(m in messages: m.content contains 5)",
        "mini/checks/main.chk:15:51: text is searched for text, but 5 is a number: quote it, "
        '"5" (or use said / user_said, which find a number said as a number, not the digits of '
        "another one)",
        "5)",
    ),
    # The gold plan is replayed with no conversation: a guard reading it refused the gold calls,
    # so the gold database stayed the initial one and `db == gold` failed perfect episodes.
    case(
        "guard-reads-user-said",
        CHK,
        'else "Only pending orders can be cancelled"\n',
        'else "Only pending orders can be cancelled"\n    require user_said "yes" else "Ask"\n',
        "mini/checks/main.chk:3:13: 'user_said' is not available in a guard; a guard sees the "
        "call, the database and the calls before it, not the conversation: the gold plan is "
        "replayed with no conversation, so such a guard would refuse the gold calls; put the "
        "condition in a policy rule, such as require all(c in calls where c.writes and c.ok: "
        "confirmed(c))",
        'user_said "yes"',
    ),
    case(
        "guard-reads-messages",
        CHK,
        'else "Only pending orders can be cancelled"\n',
        'else "Only pending orders can be cancelled"\n'
        '    forbid any(m in messages: m.content contains "ICCID")\n',
        "mini/checks/main.chk:3:21: 'messages' is not available in a guard; a guard sees the "
        "call, the database and the calls before it, not the conversation: the gold plan is "
        "replayed with no conversation, so such a guard would refuse the gold calls; put the "
        "condition in a policy rule, such as require all(c in calls where c.writes and c.ok: "
        "confirmed(c))",
        "messages:",
    ),
    case(
        "unknown-field-in-tool-body",
        DOMAIN,
        "u.email == email).user_id",
        "u.mail == email).user_id",
        "mini/domain.yaml:30:44: unknown field 'mail' of table 'users'; did you mean 'email'?",
        "mail",
    ),
    case(
        "unknown-field-in-tool-set",
        DOMAIN,
        "set: {email: email}",
        "set: {mail: email}",
        "mini/domain.yaml:53:13: table 'users' has no field 'mail'; did you mean 'email'?",
        "mail",
    ),
    case(
        "unknown-check",
        TASKS,
        "check: cancelled",
        "check: cancel",
        "mini/tasks/cancel.yaml:17:12: unknown check 'cancel'; did you mean 'cancelled'? Declare "
        "it with 'check NAME(...)' in a checker file",
        "cancel",
    ),
    case(
        "unknown-template",
        TASKS,
        "template: cancel,",
        "template: cancle,",
        "mini/tasks/cancel.yaml:19:32: task 'cancel-ann' uses unknown template 'cancle'; did you "
        "mean 'cancel'?",
        "cancle",
    ),
    case(
        "unknown-template-param-in-gold",
        TASKS,
        '- get_order: {order_id: "{{ order_id }}"}',
        '- get_order: {order_id: "{{ order }}"}',
        "mini/tasks/cancel.yaml:14:35: this argument uses '{{ order }}', which is not a parameter "
        "of the template; did you mean 'order_id'?",
        "order }}",
    ),
    case(
        "unknown-field-in-folded-query",
        TASKS,
        "order_id: {type: string, from: 'o.order_id for o in db.orders where "
        'o.status == "pending"\'}',
        "order_id:\n        type: string\n        from: >-\n"
        "          o.order_id for o in db.orders\n"
        '          where o.stat == "pending"',
        "mini/tasks/cancel.yaml:9:19: unknown field 'stat' of table 'orders'; did you mean "
        "'status'?",
        "stat ",
    ),
    case(
        "unknown-field-in-literal-block",
        DOMAIN,
        "returns: first(u in db.users where u.email == email).user_id",
        "returns: |\n        first(u in db.users\n              where u.mail == email).user_id",
        "mini/domain.yaml:32:23: unknown field 'mail' of table 'users'; did you mean 'email'?",
        "mail",
    ),
    case(
        "syntax-in-multi-line-plain-scalar",
        DOMAIN,
        "returns: first(u in db.users where u.email == email).user_id",
        "returns: first(u in db.users\n        where u.email = email).user_id",
        "mini/domain.yaml:31:23: unexpected '='; compare with '==' (a single '=' only names an "
        "argument of 'called' or binds the name of a 'let')",
        "= email",
    ),
    # ------------------------------------------------------------ checker DSL: types
    case(
        "type-compare-string-int",
        CHK,
        'require said "cancelled"',
        "require db.orders[order_id].user_id == 3",
        "mini/checks/main.chk:15:13: cannot compare a string with an int using '=='; the two sides "
        "must have the same type",
        "db.orders",
    ),
    case(
        "type-arithmetic-on-text",
        CHK,
        'require said "cancelled"',
        "require db.orders[order_id].total + db.orders[order_id].user_id > 1",
        "mini/checks/main.chk:15:41: '+' needs numbers, but this is a string",
        "db.orders[order_id].user_id",
    ),
    case(
        "type-len-of-a-number",
        CHK,
        'require said "cancelled"',
        "require len(db.orders[order_id].total) > 1",
        "mini/checks/main.chk:15:17: len() needs a list, a table, a string or a mapping, not a "
        "float",
        "db.orders[order_id].total",
    ),
    case(
        "type-days-between-a-number",
        CHK,
        'require said "cancelled"',
        'require days_between(db.orders[order_id].total, "2025-06-10") > 1',
        "mini/checks/main.chk:15:26: days_between() needs a date (text YYYY-MM-DD), not a float",
        "db.orders[order_id].total",
    ),
    case(
        "date-literal-not-a-date",
        CHK,
        'require said "cancelled"',
        'require days_between("2025-02-30", "2025-06-10") > 1',
        "mini/checks/main.chk:15:26: there is no day 2025-02-30",
        '"2025-02-30"',
    ),
    case(
        "type-add-days-a-fraction",
        CHK,
        'require said "cancelled"',
        'require add_days("2025-06-10", 1.5) == "2025-06-11"',
        "mini/checks/main.chk:15:36: add_days() adds a whole number of days, not a float",
        "1.5",
    ),
    case(  # a guard with it refused every call, no place given (today 9999-12-20)
        "add-days-past-the-last-date",
        CHK,
        'require said "cancelled"',
        'require add_days("9999-12-20", 30) > "2025-06-11"',
        "mini/checks/main.chk:15:13: 30 days after 9999-12-20 is past 9999-12-31, the last date "
        "there is, so this fails whenever it is evaluated (in a guard, it refuses every call); "
        "move the date, or add fewer days",
        'add_days("9999-12-20", 30)',
    ),
    case(
        "add-days-before-the-first-date",
        CHK,
        'require said "cancelled"',
        'require add_days("0001-01-02", -2) > "2025-06-11"',
        "mini/checks/main.chk:15:13: 2 days before 0001-01-02 is before 0001-01-01, the first "
        "date there is, so this fails whenever it is evaluated (in a guard, it refuses every "
        "call); move the date, or add fewer days",
        'add_days("0001-01-02", -2)',
    ),
    case(
        "today-not-set",
        CHK,
        'require said "cancelled"',
        'require days_between(today, "2025-06-10") > 1',
        "mini/checks/main.chk:15:26: 'today' is not set: give the domain's date in domain.yaml "
        "(today: YYYY-MM-DD)",
        "today,",
    ),
    case(
        "today-not-a-date",
        DOMAIN,
        "policy: policy.md",
        "policy: policy.md\ntoday: 2025-02-30",
        "mini/domain.yaml:4:8: today: there is no day 2025-02-30",
        "2025-02-30",
    ),
    case(
        "division-by-literal-zero",
        CHK,
        'require said "cancelled"',
        "require db.orders[order_id].total / -0.0 > 1",
        "mini/checks/main.chk:15:41: '/' by zero fails whenever it is evaluated: divide by another "
        "number",
        "-0.0",
    ),
    case(
        "type-require-not-boolean",
        CHK,
        'require said "cancelled"',
        "require db.orders[order_id].total",
        "mini/checks/main.chk:15:13: 'require' needs a true/false condition, but this is a float; "
        "compare it with something (==, <, in ...)",
        "db.orders",
    ),
    case(
        "type-enum-value",
        CHK,
        'status == "cancelled"',
        'status == "canceled"',
        "mini/checks/main.chk:14:43: 'canceled' is not one of the allowed values (pending, "
        "delivered, cancelled); did you mean 'cancelled'?",
        '"canceled"',
    ),
    case(
        "type-called-argument",
        CHK,
        "cancel_order(order_id=order_id,",
        "cancel_order(order_id=1,",
        "mini/checks/main.chk:13:42: parameter 'order_id' of 'cancel_order' takes a string, but "
        "this value is an int",
        "1,",
    ),
    case(
        "type-called-enum-value",
        CHK,
        "reason=reason)",
        'reason="whatever")',
        "mini/checks/main.chk:13:59: 'whatever' is not one of the allowed values of 'reason' "
        "(no longer needed, ordered by mistake)",
        '"whatever"',
    ),
    case(
        "type-row-key",
        CHK,
        'db.orders[order_id].status == "cancelled"',
        'db.orders[1].status == "cancelled"',
        "mini/checks/main.chk:14:23: rows of 'orders' are keyed by strings, not by an int",
        "1]",
    ),
    case(
        "type-said-table",
        CHK,
        'require said "cancelled"',
        "require said db.users",
        "mini/checks/main.chk:15:18: 'said' needs text (or a number), not the table users",
        "db.users",
    ),
    case(
        "type-before-non-event",
        CHK,
        'require said "cancelled"',
        'require said "x" before 2',
        "mini/checks/main.chk:15:29: 'before' compares events: called ..., said ..., user_said "
        "..., a call, a message, or first(...)/last(...) of calls or messages",
        "2",
    ),
    case(
        "type-count-with-body",
        CHK,
        'require said "cancelled"',
        "require count(c in calls: c.ok) > 0",
        "mini/checks/main.chk:15:31: count(...) takes no ': expression'; put the condition after "
        "'where'",
        "c.ok",
    ),
    case(
        "type-param-source",
        TASKS,
        '{type: string, from: "db.users',
        '{type: int, from: "db.users',
        "mini/tasks/cancel.yaml:6:33: parameter 'email' is int, but this gives string",
        "db.users",
        2,
    ),
    case(
        "type-gold-argument",
        TASKS,
        'cancel_order: {order_id: "{{ order_id }}"',
        "cancel_order: {order_id: 5",
        "mini/tasks/cancel.yaml:15:24: parameter 'order_id' of 'cancel_order' takes a string, but "
        "this value is an int",
        "order_id: 5",
    ),
    # ------------------------------------------------------------ checker DSL: statements
    case(
        "duplicate-rule",
        CHK,
        "rule confirm_writes:",
        "rule identify_first:",
        "mini/checks/main.chk:7:6: rule 'identify_first' is declared twice (first at "
        "mini/checks/main.chk:4:6); merge them or rename one",
        "identify_first",
    ),
    case(  # "'identify_first' is a check; 'use' takes a rule" at each use, the rule declared
        "check-named-like-a-rule",
        CHK,
        "rule confirm_writes:",
        "check identify_first(order_id: string):\n    require true\n\nrule confirm_writes:",
        "mini/checks/main.chk:7:7: 'identify_first' is declared twice, as a rule (at "
        "mini/checks/main.chk:4:6) and as a check; rules, checks and blocks share their names "
        "(`use identify_first` would not say which), so rename one",
        "identify_first",
    ),
    case(
        "use-in-rule",
        CHK,
        "    require all(c in calls where c.writes",
        "    use identify_first\n    require all(c in calls where c.writes",
        "mini/checks/main.chk:8:9: a rule cannot use a rule (each rule is judged on its own, in "
        "every task); put the statements they share in a block, and use it in both",
        "identify_first",
    ),
    case(
        "unchanged-not-db",
        CHK,
        "unchanged db.users",
        "unchanged calls",
        "mini/checks/main.chk:16:15: 'unchanged' needs a part of the database, such as db.users or "
        "db.orders[order_id].status",
        "calls",
    ),
    case(
        "score-weight",
        CHK,
        "score 0.5",
        "score 0",
        "mini/checks/main.chk:17:5: a score weight must be a number above 0 (and at most 100)",
        "score 0",
    ),
    case(  # a parse error, "unexpected '-'; expected a name, a number", said nothing of weights
        "score-weight-negative",
        CHK,
        "score 0.5",
        "score -1",
        "mini/checks/main.chk:17:11: a score weight must be a number above 0 (and at most 100)",
        "-1",
    ),
    case(  # it compiled to a refusal: the call was refused when the term did not hold
        "score-in-a-guard",
        CHK,
        '    require db.orders[order_id].status == "pending"',
        '    score 1: order_id != ""\n    require db.orders[order_id].status == "pending"',
        "mini/checks/main.chk:2:5: 'score' is not available in a guard (a guard allows or "
        "refuses a call, and has no reward to add to); write require to refuse, or put the "
        "score in a check or a rule",
        "score 1",
    ),
    case(
        "reserved-check-param",
        CHK,
        "reason: string):",
        "reason: string, calls: int):",
        "mini/checks/main.chk:10:51: parameter name 'calls' is reserved (checker expressions read "
        "'calls' from the trace); rename the parameter",
        "calls: int",
        2,
    ),
    # A check's parameter named by a word of expressions: where it is read, the parser read the
    # word, and the only error was that line's syntax error, which did not say why.
    case(
        "check-param-a-word-of-expressions",
        CHK,
        "reason: string):\n    use identify_first\n",
        "reason: string, count: int):\n    use identify_first\n    require count > 0\n",
        "mini/checks/main.chk:10:51: parameter name 'count' is a word of the checker DSL's "
        "expressions, so no expression could read the parameter; rename the parameter",
        "count",
        2,
    ),
    # ------------------------------------------------------------ checker DSL: let
    case(
        "let-double-equals",
        CHK,
        "    require db == gold\n",
        "    let order == db.orders[order_id]\n    require db == gold\n",
        "mini/checks/main.chk:12:16: unexpected '='; a 'let' binds its name with a single '=' "
        "(let order = db.orders[order_id]), '==' compares two values",
        "= db.orders",
    ),
    case(  # the let's name read below it was a syntax error there, and the only error
        "let-a-word-of-expressions-read-below",
        CHK,
        "    require db == gold\n",
        "    let first = 1\n    require first == 1\n",
        "mini/checks/main.chk:12:9: 'first' is a word of the DSL's expressions, so nothing could "
        "read this let; give it another name",
        "first = 1",
        2,
    ),
    case(
        "let-takes-a-check-parameter",
        CHK,
        "    require db == gold\n",
        "    let reason = 1\n    require db == gold\n",
        "mini/checks/main.chk:12:9: 'reason' is already a parameter of check 'cancelled', which "
        "this let would hide; give the let another name",
        "reason = 1",
    ),
    case(
        "let-takes-a-tool-argument",
        CHK,
        '    require db.orders[order_id].status == "pending"',
        '    let order_id = "#1"\n    require db.orders[order_id].status == "pending"',
        "mini/checks/main.chk:2:9: 'order_id' is already an argument of tool 'cancel_order', "
        "which this let would hide; give the let another name",
        'order_id = "#1"',
    ),
    case(
        "let-takes-a-provided-name",
        CHK,
        "    require db == gold\n",
        "    let gold = db\n    require db == gold\n",
        "mini/checks/main.chk:12:9: 'gold' is a name the DSL provides (the database after the gold "
        "plan), which this let would hide; give the let another name",
        "gold = db",
    ),
    # ------------------------------------------------------------ spec constants and blocks
    case(
        "constant-reads-the-database",
        CHK,
        "guard cancel_order:\n",
        "let states = [o.status for o in db.orders]\n\nguard cancel_order:\n",
        "mini/checks/main.chk:1:33: a constant is the same in every episode, so its expression "
        "reads only literals, operators, functions and the constants above it, but 'db' is the "
        "database after the episode; bind it with a let in the check, rule or block that needs it",
        "db.orders",
    ),
    case(
        "constant-declared-twice",
        CHK,
        "guard cancel_order:\n",
        'let words = ["a"]\nlet words = ["b"]\n\nguard cancel_order:\n',
        "mini/checks/main.chk:2:5: constant 'words' is declared twice (first at "
        "mini/checks/main.chk:1:5); rename one, or remove one",
        "words",
    ),
    Case(
        "constant-hidden-by-a-parameter",
        (
            (CHK, "guard cancel_order:\n", 'let note = "x"\n\nguard cancel_order:\n'),
            (CHK, "reason: string):", "reason: string, note: string):"),
        ),
        "mini/checks/main.chk:12:51: this parameter is named 'note' like the constant at "
        "mini/checks/main.chk:1:5, which it would hide in this check; rename one of them",
        "note: string",
        2,  # and the template, which gives no note
    ),
    Case(
        "constant-hidden-by-a-let",
        (
            (CHK, "guard cancel_order:\n", "let total = 1\n\nguard cancel_order:\n"),
            (CHK, "    require db == gold\n", "    let total = 2\n    require db == gold\n"),
        ),
        "mini/checks/main.chk:14:9: 'total' is a constant of the spec (at "
        "mini/checks/main.chk:1:5), which this let would hide; give the let another name, or "
        "rename the constant",
        "total = 2",
        1,
    ),
    case(
        "constant-hidden-by-a-tool-argument",
        CHK,
        "guard cancel_order:\n",
        'let reason = "x"\n\nguard cancel_order:\n',
        "mini/checks/main.chk:3:7: tool 'cancel_order' has an argument named 'reason' like the "
        "constant at mini/checks/main.chk:1:5, which it would hide in this guard; rename one of "
        "them",
        "cancel_order",
        2,  # and the check's parameter
    ),
    Case(  # newcomer Y3's C3: "(line 1) ... move the let above this statement" named aa.chk's
        # line 1 in main.chk, and the fix is the order of the files
        "constant-reads-a-constant-of-a-later-file",
        (
            (CHK, "guard cancel_order:\n", 'let more = names + ["lost"]\n\nguard cancel_order:\n'),
            ("checks/zz.chk", None, 'let names = ["a"]\n'),
            (CHK, _LAST, _LAST + "    require len(more) > 0\n"),
        ),
        "mini/checks/main.chk:1:12: 'names' is read before the constant that binds it "
        "(mini/checks/zz.chk:1:5), in a file bound after this one: constants are bound in the "
        "order of the files `checkers:` lists (those of a glob in name order), then of their "
        "lines; list mini/checks/zz.chk before this file in `checkers:`, or move this constant "
        "below 'names' in that file",
        "names",
        1,  # and not '+' needs numbers (its 'names' unknown, it may be a list)
    ),
    Case(  # newcomer Y3's C2: a constant left out made '+' say it needs numbers
        "constant-left-out-is-not-a-wrong-type",
        (
            (CHK, "guard cancel_order:\n", 'let more = names + ["lost"]\n\nguard cancel_order:\n'),
            ("checks/aa.chk", None, 'let names = ["a"]\n\ncheck broken(:\n    require true\n'),
            (CHK, _LAST, _LAST + "    require len(more) > 0\n"),
        ),
        "mini/checks/aa.chk:3:14: unexpected ':'; expected ')', a name, the end of the line",
        ":",
        1,  # and not '+' needs numbers, but this is a list[string]
    ),
    Case(
        "use-block-argument-of-another-type",
        ((CHK, _USED, _USED + "    use said_it(1)\n"), (CHK, _LAST, _LAST + _SAID_IT)),
        "mini/checks/main.chk:12:17: this argument is an int, but parameter 'word' of block "
        "'said_it' is a string; pass a string (or change the parameter's type)",
        "1)",
        1,
    ),
    Case(  # newcomer Y3's M1: an untyped parameter took an argument its statements refuse
        "block-parameter-without-a-type",
        (
            (CHK, _USED, _USED + '    use said_it("a")\n'),
            (CHK, _LAST, _LAST + _SAID_IT.replace("word: string", "word")),
        ),
        "mini/checks/main.chk:20:15: block parameter 'word' has no type, so no use's argument "
        "could be checked against what the block does with it; give it one: word: string (int, "
        "float, bool, date, time, list[...], or any to take every type)",
        "word",
        1,
    ),
    Case(  # newcomer Y3's L3: "unknown name 'o'; did you mean 'gold'?"
        "block-reads-a-name-of-the-check",
        (
            (CHK, _USED, _USED + "    use said_reason\n"),
            (CHK, _LAST, _LAST + "\nblock said_reason:\n    require said reason\n"),
        ),
        "mini/checks/main.chk:21:18: unknown name 'reason' in block 'said_reason' (a parameter "
        "of check 'cancelled', which uses the block): a block sees only its parameters, its own "
        "lets and the spec's constants, not the names of the check that uses it; pass it as an "
        "argument, block said_reason(..., reason: TYPE) and use said_reason(..., reason)",
        "reason",
        1,
    ),
    Case(
        "use-block-too-many-arguments",
        ((CHK, _USED, _USED + '    use said_it("a", "b")\n'), (CHK, _LAST, _LAST + _SAID_IT)),
        "mini/checks/main.chk:12:22: block 'said_it' takes 1 argument (word), and this is "
        "argument 2; remove it",
        '"b")',
        1,
    ),
    Case(
        "use-block-too-few-arguments",
        ((CHK, _USED, _USED + "    use said_it()\n"), (CHK, _LAST, _LAST + _SAID_IT)),
        "mini/checks/main.chk:12:9: block 'said_it' takes 1 argument (word), but this use gives "
        "0; add word",
        "said_it()",
        1,
    ),
    Case(
        "use-block-without-arguments",
        ((CHK, _USED, _USED + "    use said_it\n"), (CHK, _LAST, _LAST + _SAID_IT)),
        "mini/checks/main.chk:12:9: block 'said_it' takes 1 argument (word); give them in "
        "brackets: use said_it(word)",
        "said_it",
        1,
    ),
    Case(
        "use-unknown-block",
        ((CHK, _USED, _USED + '    use said_itt("a")\n'), (CHK, _LAST, _LAST + _SAID_IT)),
        "mini/checks/main.chk:12:9: unknown rule or block 'said_itt'; did you mean 'said_it'?",
        "said_itt",
        1,
    ),
    Case(
        "block-cycle",
        (
            (CHK, _USED, _USED + "    use a\n"),
            (CHK, _LAST, _LAST + "\nblock a:\n    use b\n\nblock b:\n    use a\n"),
        ),
        "mini/checks/main.chk:24:9: block 'a' uses itself (a -> b -> a); a block's statements are "
        "written out where it is used, so the writing would never end: remove one of these uses",
        "a",
        1,
    ),
    case(
        "use-in-a-guard",
        CHK,
        '    require db.orders[order_id].status == "pending"',
        '    use identify_first\n    require db.orders[order_id].status == "pending"',
        "mini/checks/main.chk:2:9: 'use' is not available in a guard (a guard refuses a call "
        "before it runs, sees no conversation, and writes its statements itself); write the "
        "statements in the guard",
        "identify_first",
    ),
    case(
        "use-rule-with-arguments",
        CHK,
        _USED,
        "    use identify_first(1)\n",
        "mini/checks/main.chk:11:9: rule 'identify_first' takes no arguments (a rule is judged "
        "the same way in every task); write 'use identify_first', or make it a block to give it "
        "arguments",
        "identify_first(1)",
    ),
    case(
        "let-takes-today",
        CHK,
        '    require db.orders[order_id].status == "pending"',
        '    let today = "2025-01-01"\n    require db.orders[order_id].status == "pending"',
        "mini/checks/main.chk:2:9: 'today' is a name the DSL provides (the domain's date), which "
        "this let would hide; give the let another name",
        "today =",
    ),
    case(
        "let-bound-twice",
        CHK,
        '    require db.orders[order_id].status == "cancelled"',
        "    let order = db.orders[order_id]\n    let order = initial.orders[order_id]\n"
        '    require order.status == "cancelled"',
        "mini/checks/main.chk:15:9: 'order' is already bound by the let at line 14; a name is "
        "bound once in a block: give this let another name",
        "order = initial",
    ),
    case(
        "let-named-by-a-keyword",
        CHK,
        "    require db == gold\n",
        "    let count = 1\n    require db == gold\n",
        "mini/checks/main.chk:12:9: 'count' is a word of the DSL's expressions, so nothing could "
        "read this let; give it another name",
        "count = 1",
    ),
    case(
        "let-read-before-it",
        CHK,
        '    require db.orders[order_id].status == "cancelled"',
        '    require order.status == "cancelled"\n    let order = db.orders[order_id]\n'
        '    require order.user_id == "u1"',
        "mini/checks/main.chk:14:13: 'order' is read before the let that binds it (line 15); a "
        "let binds its name for the statements after it: move the let above this statement",
        "order.status",
    ),
    case(
        "let-reads-itself",
        CHK,
        "    require db == gold\n",
        "    let total = total + 1\n    require total > 0\n    require db == gold\n",
        "mini/checks/main.chk:12:17: 'total' is read in its own let; a let's expression reads only "
        "the names bound above it",
        "total + 1",
    ),
    case(
        "let-with-nothing-after-it",
        CHK,
        "score 0.5: called get_order(order_id=order_id)",
        "score 0.5: called get_order(order_id=order_id)\n    let total = 1",
        "mini/checks/main.chk:18:5: nothing follows 'let total', so nothing can read it (a let "
        "binds its name for the statements after it in the same block); add the statements that "
        "use it below it, or remove it",
        "let total",
    ),
    case(
        "let-unknown-name-lists-the-lets",
        CHK,
        "    require db == gold\n",
        "    let order = db.orders[order_id]\n    let paid = zzz + order.total\n"
        "    require paid > 0\n    require db == gold\n",
        "mini/checks/main.chk:13:16: unknown name 'zzz'; names here are order_id, reason, order, "
        "calls, db, gold, initial, messages",
        "zzz",
    ),
    Case(
        "let-of-a-rule-is-its-own",
        (
            (
                CHK,
                "    require called find_user before",
                "    let identified = called find_user\n    require identified before",
            ),
            (CHK, "    require db == gold\n", "    require identified\n    require db == gold\n"),
        ),
        "mini/checks/main.chk:13:13: unknown name 'identified'; names here are order_id, reason, "
        "calls, db, gold, initial, messages",
        "identified",
    ),
    case(
        "let-unknown-field-of-its-row",
        CHK,
        '    require db.orders[order_id].status == "cancelled"',
        '    let order = db.orders[order_id]\n    require order.stat == "cancelled"',
        "mini/checks/main.chk:15:19: unknown field 'stat' of table 'orders'; did you mean "
        "'status'?",
        "stat ==",
    ),
    case(
        "let-typed-by-its-expression",
        CHK,
        '    require db.orders[order_id].status == "cancelled"',
        '    let order = db.orders[order_id]\n    require order.total == "high"',
        "mini/checks/main.chk:15:13: cannot compare a float with a string using '=='; the two "
        "sides must have the same type",
        "order.total",
    ),
    case(
        "unchanged-a-let",
        CHK,
        "    unchanged db.users",
        "    let users = db.users\n    unchanged users",
        "mini/checks/main.chk:17:15: 'unchanged' reads its path in the final and in the initial "
        "database, so the path starts at db; 'users' is a let, one value read from the final "
        "database: write the path from db (users = db.users)",
        "users",
    ),
    # ------------------------------------------------------------ YAML
    case(
        "yaml-bad-indentation",
        DOMAIN,
        "  seed: data/seed.yaml",
        "   seed: data/seed.yaml",
        "mini/domain.yaml:6:3: invalid YAML: this line is indented 2 spaces, line 5 above it 3 "
        "and line 4 0: no block here is indented 2; indent this line like one of them, or line 5 "
        "like this one" + UNREAD,
        "tables:",
    ),
    case(  # PyYAML finds it on the next line, where the mapping's value would be
        "yaml-missing-colon-before-a-key",
        DOMAIN,
        "    description: Read an order.",
        "    description Read an order.",
        "mini/domain.yaml:32:5: invalid YAML: this line has no ':' after its key, so YAML reads "
        "it and the next line as one text; write 'key: value'" + UNREAD,
        "description Read",
    ),
    case(  # PyYAML finds it where the next key starts
        "yaml-missing-colon-before-a-dedent",
        DOMAIN,
        "        user_id: string\n        email: string",
        "        user_id: string\n        email string",
        "mini/domain.yaml:11:9: invalid YAML: this line has no ':' after its key; write 'key: "
        "value', or quote it if it is a list's text" + UNREAD,
        "email string",
    ),
    case(  # PyYAML finds it at the end of the file
        "yaml-unclosed-quote",
        TASKS,
        "reason: no longer needed}}",
        'reason: "no longer needed}}',
        "mini/tasks/cancel.yaml:19:97: invalid YAML: this quoted text is never closed; end it "
        "with the same quote",
        '"no longer',
    ),
    case(
        "yaml-key-as-deep-as-the-dash",
        TASKS,
        "    check: cancelled\ntasks:",
        "    check: cancelled\ntasks:\n  - id: x\n  template: cancel",
        "mini/tasks/cancel.yaml:20:3: invalid YAML: this line is indented as far as the '-' of "
        "line 19 but starts no list item; indent it like the item's keys (4 spaces), or start an "
        "item with '- '",
        "template: cancel",
    ),
    case(  # a list item's key: its '- ' line is not the block to name
        "yaml-misindented-key-of-a-list-item",
        TASKS,
        "    check: cancelled\ntasks:",
        "    check: cancelled\ntasks:\n  - id: x\n    params:\n      a: 1\n   template: cancel",
        "mini/tasks/cancel.yaml:22:4: invalid YAML: this line is indented 3 spaces and line 20 "
        "above it 4: no block here is indented 3; indent the two alike",
        "template: cancel",
    ),
    case(
        "yaml-unquoted-colon-in-value",
        DOMAIN,
        "    description: Read an order.",
        "    description: Note: reads an order.",
        "mini/domain.yaml:32:22: invalid YAML: mapping values are not allowed here (a value "
        "holding ': ' must be quoted); check the indentation and quoting here" + UNREAD,
        ": reads",
    ),
    case(
        "yaml-unclosed-flow",
        SEED,
        "name: Ann}",
        "name: Ann",
        "mini/data/seed.yaml:3:5: invalid YAML: expected ',' or '}', but got '{' (while parsing a "
        "flow mapping at line 2); check the indentation and quoting here",
        "{user_id: u2",
    ),
    case(
        "yaml-duplicate-key",
        DOMAIN,
        "description: A tiny",
        "name: again\ndescription: A tiny",
        "mini/domain.yaml:2:1: duplicate key 'name' (first defined at line 1); remove one of them"
        + UNREAD,
        "name: again",
    ),
    case(
        "yaml-unknown-key",
        DOMAIN,
        "description: A tiny",
        "descripton: A tiny",
        "mini/domain.yaml:2:1: unknown key 'descripton'; did you mean 'description'? Expected one "
        "of name, description, policy, today, now, database, tools, checkers, tasks, "
        "user_simulator, sampling, training",
        "descripton",
    ),
    case(
        "yaml-unknown-nested-key",
        DOMAIN,
        "    tags: [auth]",
        "    tag: [auth]",
        "mini/domain.yaml:28:5: unknown key 'tag'; did you mean 'tags'? Expected one of "
        "description, params, writes, tags, python, declare",
        "tag:",
    ),
    case(
        # two commas in an unquoted value: one error, the whole value quoted in its fix
        "yaml-comma-in-flow-value",
        DOMAIN,
        "{type: string, description: The user's email.}",
        "{type: string, description: The user's email, as given, or none}",
        "mini/domain.yaml:27:60: the value of 'description' ends at a comma: inside { } a comma "
        "ends an entry and what follows it reads as a key; quote the value: description: "
        '"The user\'s email, as given, or none"',
        "as given",
    ),
    case(  # an unquoted DSL expression with a '[' in a { } mapping: quote the expression
        "yaml-unquoted-expression-in-flow-value",
        TASKS,
        """from: "db.users[db.orders[order_id].user_id].email"}""",
        "from: db.users[db.orders[order_id].user_id].email}",
        "mini/tasks/cancel.yaml:6:35: invalid YAML: the 'from:' expression is not quoted as a "
        "whole, and inside { } YAML reads an unquoted value only up to a '[', ']', '{', '}' or "
        "','; quote the expression: from: 'db.users[db.orders[order_id].user_id].email'",
        "db.users",
    ),
    case(
        "yaml-unquoted-jinja",
        TASKS,
        '- get_order: {order_id: "{{ order_id }}"}',
        "- get_order: {order_id: {{ order_id }}}",
        "mini/tasks/cancel.yaml:14:32: an unquoted {{ order_id }} is a mapping in YAML, not text; "
        "quote it: '{{ order_id }}'",
        "{ order_id }",
    ),
    case(
        "yaml-missing-key",
        DOMAIN,
        "policy: policy.md\n",
        "",
        "mini/domain.yaml:1:1: 'policy' is required in the top level; add it",
        "name: mini",
    ),
    case(
        "yaml-missing-nested-key",
        TASKS,
        "    check: cancelled\n",
        "",
        "mini/tasks/cancel.yaml:2:3: 'check' is required in templates.cancel; add it",
        "cancel:",
    ),
    case(
        "yaml-wrong-type",
        DOMAIN,
        "per_template: 2",
        "per_template: two",
        "mini/domain.yaml:56:26: sampling.per_template must be a whole number, not 'two'",
        "two",
    ),
    case(  # 5.0 was taken as 5, and true as 1: compile quietly made a fifth of the tasks
        "yaml-whole-float-for-a-count",
        DOMAIN,
        "per_template: 2",
        "per_template: 5.0",
        "mini/domain.yaml:56:26: sampling.per_template must be a whole number, not 5.0",
        "5.0",
    ),
    case(
        "yaml-true-for-a-seed",
        DOMAIN,
        "seed: 1}",
        "seed: true}",
        "mini/domain.yaml:56:35: sampling.seed must be a whole number, not true",
        "true",
    ),
    case(
        "yaml-mapping-for-text",  # the mapping by its kind and keys, not as Python prints it
        TASKS,
        "    check: cancelled",
        "    check: {name: cancelled}",
        "mini/tasks/cancel.yaml:17:5: templates.cancel.check must be text, not a mapping (name)",
        "check",
    ),
    case(
        "yaml-wrong-literal",
        TASKS,
        "template: cancel,",
        "template: cancel, split: test,",
        "mini/tasks/cancel.yaml:19:47: tasks.0.split: input should be 'train' or 'held-out'",
        "test",
    ),
    case(
        "yaml-unknown-field-type",
        DOMAIN,
        "email: string\n        name",
        "email: strin\n        name",
        "mini/domain.yaml:11:16: database.tables.users.fields.email: unknown type 'strin'; "
        "did you mean 'string'? Expected one of string, int, float, bool, date, time, any, "
        "enum, list, object, map",
        "strin",
    ),
    case(  # newcomer Y3's L4: a misspelt type got no did-you-mean
        "yaml-unknown-field-type-long-form",
        DOMAIN,
        "total: float",
        "total: {type: flaot}",
        "mini/domain.yaml:19:23: database.tables.orders.fields.total.type: input should be "
        "'string', 'int', 'float', 'bool', 'date', 'time', 'any', 'enum', 'list', 'object' or "
        "'map'; did you mean 'float'?",
        "flaot",
    ),
    case(
        "yaml-two-implementations",
        DOMAIN,
        "    tags: [auth]\n",
        "    tags: [auth]\n    python: tools:x\n",
        "mini/domain.yaml:24:3: tools.find_user: a tool needs exactly one implementation: 'python' "
        "or 'declare'",
        "find_user",
    ),
    case(
        "yaml-param-not-identifier",
        DOMAIN,
        "      email: {type: string, description",
        "      e-mail: {type: string, description",
        "mini/domain.yaml:27:7: tools.find_user.params: parameter name 'e-mail' must be an "
        "identifier: ASCII letters (a-z, A-Z), digits and '_', not starting with a digit; it "
        "holds '-'",
        "e-mail:",
    ),
    case(
        "tool-writes-text",  # a bool setting took any text pydantic reads as one ("yes")
        DOMAIN,
        "    writes: true\n    python: tools:cancel_order",
        '    writes: "yes"\n    python: tools:cancel_order',
        "mini/domain.yaml:43:13: tools.cancel_order.writes must be true or false, not 'yes'; "
        "yes, no, on and off are text in EigenDSL's YAML (as in YAML 1.2 and JSON): write true "
        "or false",
        '"yes"',
    ),
    case(
        "field-optional-yes",  # pydantic took yes as true where writes: yes was refused
        DOMAIN,
        "      email: {type: string, description: The user's email.}",
        "      email: {type: string, description: The user's email., optional: yes}",
        "mini/domain.yaml:27:71: tools.find_user.params.email.optional must be true or false, not "
        "'yes'; yes, no, on and off are text in EigenDSL's YAML (as in YAML 1.2 and JSON): write "
        "true or false",
        "yes}",
    ),
    case(
        "template-confirm-no",
        TASKS,
        "      unknown: [user id]",
        "      unknown: [user id]\n      confirm: no",
        "mini/tasks/cancel.yaml:12:16: templates.cancel.user.confirm must be true or false, not "
        "'no'; yes, no, on and off are text in EigenDSL's YAML (as in YAML 1.2 and JSON): write "
        "true or false",
        "no",
    ),
    case(
        "template-sample-off",
        TASKS,
        "    check: cancelled",
        "    check: cancelled\n    sample: off",
        "mini/tasks/cancel.yaml:18:13: templates.cancel.sample must be true or false, not 'off'; "
        "yes, no, on and off are text in EigenDSL's YAML (as in YAML 1.2 and JSON): write true or "
        "false",
        "off",
    ),
    case(
        "task-confirm-yes",
        TASKS,
        "reason: no longer needed}}",
        "reason: no longer needed}, user: {confirm: yes}}",
        "mini/tasks/cancel.yaml:19:132: tasks.0.user.confirm must be true or false, not 'yes'; "
        "yes, no, on and off are text in EigenDSL's YAML (as in YAML 1.2 and JSON): write true or "
        "false",
        "yes}",
    ),
    case(
        "max-turns-zero",  # pydantic's words: "Input should be greater than or equal to 2"
        DOMAIN,
        "sampling: {per_template: 2, seed: 1}",
        "sampling: {per_template: 2, seed: 1}\nuser_simulator: {max_turns: 0}",
        "mini/domain.yaml:57:29: user_simulator.max_turns is 0; write a number of at least 2",
        "0}",
    ),
    case(
        "held-out-above-one",
        DOMAIN,
        "sampling: {per_template: 2, seed: 1}",
        "sampling: {per_template: 2, seed: 1, held_out_fraction: 2}",
        "mini/domain.yaml:56:57: sampling.held_out_fraction is 2; write a number of at most 1.0",
        "2}",
    ),
    case(
        "enum-value-repeated",
        DOMAIN,
        "values: [pending, delivered, cancelled]",
        "values: [pending, delivered, cancelled, pending]",
        "mini/domain.yaml:18:9: database.tables.orders.fields.status: the enum's values list "
        "'pending' more than once; list each value once",
        "status:",
    ),
    case(
        "tool-name-not-identifier",  # at the name's own line, not at 'tools:'
        DOMAIN,
        "  set_email:\n",
        "  set email:\n",
        "mini/domain.yaml:45:3: tools: tool name 'set email' must be an identifier: ASCII "
        "letters (a-z, A-Z), digits and '_', not starting with a digit; it holds ' '",
        "set email:",
    ),
    case(  # "must be an identifier (letters, ...)": é is a letter
        "tool-name-with-an-accent",
        DOMAIN,
        "  set_email:\n",
        "  sét_email:\n",
        "mini/domain.yaml:45:3: tools: tool name 'sét_email' must be an identifier: ASCII "
        "letters (a-z, A-Z), digits and '_', not starting with a digit; 'é' is not ASCII (the "
        "name goes into Python and into tool-calling schemas), so write it without accents",
        "sét_email:",
    ),
    case(
        "tool-param-today-reserved",  # the agent would choose the date the guards count from
        DOMAIN,
        "      user_id: string\n      email: string",
        "      user_id: string\n      today: string",
        "mini/domain.yaml:49:7: tools.set_email.params: parameter name 'today' is reserved "
        "(checker expressions read 'today' as the domain's date); rename the parameter",
        "today:",
    ),
    case(  # its body could not read it: `count` there is a quantifier missing its brackets
        "tool-param-a-word-of-expressions",
        DOMAIN,
        "      user_id: string\n      email: string",
        "      user_id: string\n      count: string",
        "mini/domain.yaml:49:7: tools.set_email.params: parameter name 'count' is a word of the "
        "checker DSL's expressions, so no expression could read the parameter; rename the "
        "parameter",
        "count:",
    ),
    case(
        "yaml-param-reserved",
        TASKS,
        "      email: {type: string, from",
        "      gold: {type: string, from",
        "mini/tasks/cancel.yaml:6:7: templates.cancel.params: parameter name 'gold' is reserved "
        "(checker expressions read 'gold' from the trace); rename the parameter",
        "gold:",
    ),
    case(
        "jinja-dsl-function",
        TASKS,
        '"Your order {{ order_id }} is cancelled."',
        '"Your order {{ upper(order_id) }} is cancelled."',
        "mini/tasks/cancel.yaml:16:29: this 'say' step uses '{{ upper }}', which is not a "
        "parameter of the template; a template's text sees its parameters, not the checker DSL's "
        "functions or db: give the value a parameter whose source computes it (amount: "
        "{type: float, from: 'abs(difference)'}), or use a Jinja filter ({{ difference | abs }})",
        "upper(",
    ),
    case(
        # one error: the misspelt argument's "did you mean" says the required one is missing
        "gold-misspelt-argument",
        TASKS,
        '- get_order: {order_id: "{{ order_id }}"}',
        '- get_order: {order: "{{ order_id }}"}',
        "mini/tasks/cancel.yaml:14:21: tool 'get_order' has no parameter 'order'; did you mean "
        "'order_id'?",
        "order:",
    ),
    case(
        "fact-known-and-unknown",
        TASKS,
        "unknown: [user id]",
        "unknown: [user id, email]",
        "mini/tasks/cancel.yaml:11:26: templates.cancel.user: 'email' is in both user.known and "
        "user.unknown; keep it in one of them",
        "email]",
    ),
    case(
        "declared-write-that-only-returns",
        DOMAIN,
        "      update: db.users[user_id]\n      set: {email: email}",
        "      returns: db.users[user_id]",
        "mini/domain.yaml:50:5: tool 'set_email' says 'writes: true', but its declare body only "
        "returns a value and changes nothing; add 'update' and 'set', or drop 'writes: true'",
        "writes: true",
    ),
    case(  # it said the task "lacks email", which the task may leave out
        "task-derives-nothing-from-a-missing-row",
        TASKS,
        '{order_id: "#1", email: ann@example.com, reason: no longer needed}',
        '{order_id: "#9", reason: no longer needed}',
        "mini/tasks/cancel.yaml:19:5: task 'cancel-ann': email cannot be worked out from the "
        "values written: its source fails for order_id='#9' (orders has no row with key '#9')",
        "{id: cancel-ann",
    ),
    case(  # a run stored it, and nothing noticed
        "declared-write-of-a-value-the-enum-lacks",
        DOMAIN,
        "      update: db.users[user_id]\n      set: {email: email}",
        "      update: db.orders[user_id]\n      set: {status: '\"gone\"'}",
        "mini/domain.yaml:53:22: 'gone' is not one of the allowed values (pending, delivered, "
        "cancelled)",
        '"gone"',
    ),
    case(
        "tool-param-reference-to-unknown-table",
        DOMAIN,
        "      order_id: string\n    tags: [account]",
        "      order_id: {type: string, ref: order}\n    tags: [account]",
        "mini/domain.yaml:34:7: parameter 'order_id' of tool 'get_order' refers to unknown table "
        "'order'; did you mean 'orders'?",
        "order_id:",
    ),
    case(
        # a choice the tool's enum refuses fails every task drawn with it (lint: unsolvable)
        "choice-outside-the-tool-enum",
        TASKS,
        "choices: [no longer needed, ordered by mistake]",
        "choices: [no longer needed, ordered by error]",
        "mini/tasks/cancel.yaml:7:58: choice 2 of 'reason' is 'ordered by error', which "
        "cancel_order's 'reason' does not take; it takes no longer needed, ordered by mistake; "
        "did you mean 'ordered by mistake'?",
        "ordered by error",
    ),
    case(
        "jinja-today-is-no-parameter",
        TASKS,
        "because it is {{ reason }}",
        "because it is {{ reason }} on {{ today }}",
        "mini/tasks/cancel.yaml:9:87: user.reason uses '{{ today }}', which is not a parameter of "
        "the template; the domain sets no date: add 'today: YYYY-MM-DD' to domain.yaml",
        "today }}",
    ),
    case(
        "template-source-reads-a-later-parameter",
        TASKS,
        "db.users[db.orders[order_id].user_id].email",
        "db.users[db.orders[order_id].user_id].email + reason",
        "mini/tasks/cancel.yaml:6:82: 'reason' is a parameter listed after this one; parameters "
        "are drawn in the order they are listed, so list 'reason' first",
        "reason",
    ),
    case(
        "task-param-not-from-its-source",  # a derived value must be what it derives from gives
        TASKS,
        "email: ann@example.com, reason",
        "email: bob@example.com, reason",
        "mini/tasks/cancel.yaml:19:72: task 'cancel-ann': parameter 'email' is 'bob@example.com', "
        "but its source gives 'ann@example.com' for order_id='#1' (template 'cancel')",
        "bob@example.com",  # at the value, not the task's start
    ),
    case(
        "task-param-not-a-choice",
        TASKS,
        "reason: no longer needed}}",
        "reason: too slow}}",
        "mini/tasks/cancel.yaml:19:97: task 'cancel-ann': parameter 'reason' is 'too slow', not "
        "one of the choices 'no longer needed', 'ordered by mistake' (template 'cancel')",
        "too slow}}",  # at the value, not the task's start
    ),
    case(
        "choice-no-such-day",  # written YYYY-MM-DD, but the day does not exist; at the choice
        TASKS,
        "reason: {type: string, choices: [no longer needed, ordered by mistake]}",
        'reason: {type: date, choices: ["2024-02-29", "2025-02-29"]}',
        "mini/tasks/cancel.yaml:7:52: choice 2 of 'reason' is '2025-02-29', but there is no day "
        "2025-02-29",
        '"2025-02-29"',
    ),
    case(
        "choice-not-a-date",
        TASKS,
        "reason: {type: string, choices: [no longer needed, ordered by mistake]}",
        "reason: {type: date, choices: [2025-02-28, 28/02/2025]}",
        "mini/tasks/cancel.yaml:7:50: choice 2 of 'reason' is '28/02/2025', not a day written "
        "YYYY-MM-DD",
        "28/02/2025",
    ),
    case(
        "task-param-wrong-type",
        TASKS,
        'order_id: "#1", email',
        "order_id: 7, email",
        "mini/tasks/cancel.yaml:19:59: task 'cancel-ann': parameter 'order_id' is 7, expected "
        "string (template 'cancel')",
        "7, email",
    ),
    # ------------------------------------------------------------ missing files
    case(
        "missing-spec-folder",
        DOMAIN,
        None,
        None,
        "no domain.yaml in mini; a spec folder starts with domain.yaml",
    ),
    case(
        "missing-policy",
        DOMAIN,
        "policy: policy.md",
        "policy: rules.md",
        "mini/domain.yaml:3:9: policy file 'rules.md' does not exist in mini; create it or fix the "
        "path",
        "rules.md",
    ),
    case(
        "default-of-another-type",
        DOMAIN,
        "email: {type: string, description: The user's email.}",
        "email: {type: string, description: The user's email., optional: true, default: 5}",
        "mini/domain.yaml:27:7: tools.find_user.params.email: the default is 5, expected string",
        "email",
    ),
    case(
        "policy-is-a-folder",
        DOMAIN,
        "policy: policy.md",
        "policy: checks",
        "mini/domain.yaml:3:9: policy file 'checks' is a folder in mini; name the policy's "
        "Markdown file in it",
        "checks",
    ),
    case(
        "missing-seed",
        DOMAIN,
        "seed: data/seed.yaml",
        "seed: data/seeds.yaml",
        "mini/domain.yaml:5:9: file 'mini/data/seeds.yaml' does not exist; create it or fix the "
        "path",
        "data/seeds.yaml",
    ),
    case(
        "seed-is-a-folder",
        DOMAIN,
        "seed: data/seed.yaml",
        "seed: data",
        "mini/domain.yaml:5:9: file 'mini/data' is a folder, not a file; create it or fix the path",
        "data",
    ),
    case(
        "missing-checker-glob",
        DOMAIN,
        "checkers: [checks/*.chk]",
        "checkers: [checks/*.dsl]",
        "mini/domain.yaml:54:12: no file matches 'checks/*.dsl' (looked in mini); the checker "
        "files there are checks/main.chk; fix the path or create the file",
        "checks/*.dsl",
    ),
    case(
        "missing-python-module",
        DOMAIN,
        "python: tools:cancel_order",
        "python: tool:cancel_order",
        "mini/domain.yaml:44:13: module 'tool' not found: mini/tool.py does not exist",
        "tool:",
    ),
    case(
        "missing-python-function",
        DOMAIN,
        "python: tools:cancel_order",
        "python: tools:cancel",
        "mini/domain.yaml:44:13: 'tools.py' defines no function 'cancel'; did you mean "
        "'cancel_order'?",
        "tools:cancel",
    ),
    case(
        "python-tool-signature",
        TOOLS,
        "def cancel_order(db, order_id, reason):",
        "def cancel_order(db, order_id):",
        "mini/domain.yaml:44:13: 'cancel_order' (def at mini/tools.py:4:1) has no parameter "
        "'reason', which tool 'cancel_order' declares",
        "tools:cancel_order",
    ),
    case(  # every call without it was "internal error (TypeError)"
        "python-tool-optional-parameter-without-a-default",
        DOMAIN,
        "      reason: {type: enum, values: [no longer needed, ordered by mistake]}",
        "      reason: {type: enum, values: [no longer needed, ordered by mistake], "
        "optional: true}",
        "mini/domain.yaml:42:7: parameter 'reason' is optional, so a call may leave it out, but "
        "'cancel_order' requires it; give the Python parameter a default (reason=None): every "
        "call without it would fail with a TypeError",
        "reason:",
    ),
    Case(
        "python-tool-parameter-with-a-default-only-in-the-spec",
        (
            (
                DOMAIN,
                "      reason: {type: enum, values: [no longer needed, ordered by mistake]}",
                "      reason: {type: enum, values: [no longer needed, ordered by mistake], "
                "default: ordered by mistake}",
            ),
            (TOOLS, "order_id, reason):", "order_id, *, reason):"),
        ),
        "mini/domain.yaml:42:7: parameter 'reason' is given a default ('ordered by mistake'), so "
        "a call may leave it out, but 'cancel_order' requires it; give the Python parameter a "
        "default (reason='ordered by mistake'): every call without it would fail with a TypeError",
        "reason:",
    ),
    Case(
        # a default that is no text is written as the spec writes it (true), not as Python (True)
        "python-tool-parameter-with-a-true-default-only-in-the-spec",
        (
            (
                DOMAIN,
                "      reason: {type: enum, values: [no longer needed, ordered by mistake]}",
                "      reason: {type: enum, values: [no longer needed, ordered by mistake]}\n"
                "      notify: {type: bool, default: true}",
            ),
            (TOOLS, "order_id, reason):", "order_id, reason, notify):"),
        ),
        "mini/domain.yaml:43:7: parameter 'notify' is given a default (true), so a call may leave "
        "it out, but 'cancel_order' requires it; give the Python parameter a default "
        "(notify=True): every call without it would fail with a TypeError",
        "notify:",
    ),
    Case(
        # the value is written as the spec writes it (true), not as Python (True)
        "seed-table-that-is-no-list",
        (
            (
                SEED,
                "users:\n  - {user_id: u1, email: ann@example.com, name: Ann}\n"
                "  - {user_id: u2, email: bob@example.com, name: Bob}",
                "users: true",
            ),
        ),
        "mini/data/seed.yaml:1:8: table 'users' must be a list (or a map) of rows, not true",
        "true",
        None,
    ),
    case(
        "python-tool-takes-today-the-domain-lacks",
        TOOLS,
        "def cancel_order(db, order_id, reason):",
        "def cancel_order(db, order_id, reason, today):",
        "mini/domain.yaml:44:13: 'cancel_order' takes 'today' (at mini/tools.py:4:40), which tool "
        "'cancel_order' does not declare; to pass it the domain's date, set today: YYYY-MM-DD in "
        "domain.yaml",
        "tools:cancel_order",
    ),
    case(
        "python-tool-syntax",
        TOOLS,
        "    order = db",
        "    order = = db",
        "mini/tools.py:5:13: Python syntax error: invalid syntax",
        "= db",
    ),
    case(
        "python-tools-import-missing",  # found without running the file: not at the first episode
        TOOLS,
        "from eigendsl.support import ToolError",
        "from eigendsl.support import ToolError\nimport numpyy.linalg",
        "mini/tools.py:2:1: 'tools.py' imports 'numpyy', which is not installed; install it in "
        "this environment or fix the name",
        "import numpyy",
    ),
    # ------------------------------------------------------------ seed data
    case(
        "seed-wrong-type",
        SEED,
        "total: 20.0",
        "total: twenty",
        "mini/data/seed.yaml:5:59: row '#1' of 'orders' field 'total' is 'twenty', expected float",
        "twenty",
    ),
    case(  # a number in quotes is text: the fix is to drop them
        "seed-quoted-number",
        SEED,
        "total: 20.0",
        'total: "20.0"',
        "mini/data/seed.yaml:5:59: row '#1' of 'orders' field 'total' is '20.0', expected float; "
        "write it without quotes",
        '"20.0"',
    ),
    case(
        "seed-enum-value",
        SEED,
        "status: delivered",
        "status: shipped",
        "mini/data/seed.yaml:6:43: row '#2' of 'orders' field 'status' is 'shipped', not one of "
        "pending, delivered, cancelled",
        "shipped",
    ),
    case(
        "seed-nested-type",
        SEED,
        "{item_id: i2, price: 5.5}",
        "{item_id: i2, price: cheap}",
        "mini/data/seed.yaml:6:95: row '#2' of 'orders' field 'items' item 1 field 'price' is "
        "'cheap', expected float",
        "cheap}",  # at the value at fault, not at the field holding it
    ),
    case(  # stored, a NaN made every tool that returned it look broken
        "seed-nan",
        SEED,
        "total: 5.5",
        "total: .nan",
        "mini/data/seed.yaml:6:61: row '#2' of 'orders' field 'total' is nan, which JSON cannot "
        "hold; write a finite number",
        ".nan",
    ),
    case(
        "seed-nested-infinity",
        SEED,
        "{item_id: i2, price: 5.5}",
        "{item_id: i2, price: -.inf}",
        "mini/data/seed.yaml:6:95: row '#2' of 'orders' field 'items' item 1 field 'price' is "
        "-inf, which JSON cannot hold; write a finite number",
        "-.inf}",
    ),
    case(
        "seed-unknown-field",
        SEED,
        "name: Bob}",
        "name: Bob, age: 3}",
        "mini/data/seed.yaml:3:54: row 'u2' of 'users' has unknown field 'age'",
        "age",
    ),
    case(
        "seed-missing-field",
        SEED,
        ", name: Bob}",
        "}",
        "mini/data/seed.yaml:3:5: row 'u2' of 'users' lacks field 'name'",
        "{user_id: u2",
    ),
    case(
        "seed-row-without-key",  # named by its place, counted from 1, as it has no key
        SEED,
        '{order_id: "#3", user_id: u2,',
        "{user_id: u2,",
        "mini/data/seed.yaml:7:5: row 3 of 'orders' lacks field 'order_id'",
        "{user_id: u2",
    ),
    case(
        "seed-unknown-table",
        SEED,
        "orders:",
        "orderz:",
        "mini/data/seed.yaml:4:1: seed data has unknown table 'orderz'; did you mean 'orders'? "
        "Declare it under database.tables",
        "orderz",
    ),
    case(
        "seed-dangling-reference",
        SEED,
        "user_id: u2, status: pending",
        "user_id: u9, status: pending",
        "mini/data/seed.yaml:7:31: orders[\"#3\"].user_id is 'u9', which is not a key of 'users'",
        "u9",
    ),
    Case(
        "seed-nested-dangling-reference",  # at the value, not later at a template's source
        (
            (
                DOMAIN,
                "{item_id: string, price: float}",
                "{item_id: string, price: float, by: {type: string, ref: users}}",
            ),
            (SEED, "{item_id: i1, price: 20.0}", "{item_id: i1, price: 20.0, by: u1}"),
            (SEED, "{item_id: i2, price: 5.5}", "{item_id: i2, price: 5.5, by: u9}"),
        ),
        "mini/data/seed.yaml:6:104: orders[\"#2\"].items[0].by is 'u9', which is not a key of "
        "'users'",
        "u9",
    ),
    case(
        "seed-duplicate-key",
        SEED,
        'order_id: "#2"',
        'order_id: "#1"',
        "mini/data/seed.yaml:6:16: 'orders' has two rows with key '#1'",
        '"#1"',
    ),
    case(
        "seed-invalid-json",
        DOMAIN,
        "seed: data/seed.yaml",
        "seed: data/seed.json",
        "mini/data/seed.json:2:19: invalid JSON: Expecting ',' delimiter",
        "] }",
    ),
    # ------------------------------------------------------------ task templates and gold plans
    case(
        "gold-unknown-tool",
        TASKS,
        "- find_user: {email",
        "- find_usr: {email",
        "mini/tasks/cancel.yaml:13:9: gold step 1 calls unknown tool 'find_usr'; did you mean "
        "'find_user'?",
        "find_usr",
    ),
    case(
        "gold-unknown-argument",
        TASKS,
        '{email: "{{ email }}"}',
        '{email: "{{ email }}", mail: x}',
        "mini/tasks/cancel.yaml:13:43: tool 'find_user' has no parameter 'mail'; did you mean "
        "'email'?",
        "mail",
    ),
    case(
        "gold-missing-argument",
        TASKS,
        ', reason: "{{ reason }}"}',
        "}",
        "mini/tasks/cancel.yaml:15:9: gold step 3 misses required argument 'reason' of "
        "'cancel_order'",
        "cancel_order",
    ),
    case(
        "gold-say-undefined",
        TASKS,
        "Your order {{ order_id }}",
        "Your order {{ order_number }}",
        "mini/tasks/cancel.yaml:16:29: this 'say' step uses '{{ order_number }}', which is not a "
        "parameter of the template; did you mean 'order_id'?",
        "order_number",
    ),
    case(
        "check-param-not-provided",
        CHK,
        "reason: string):",
        "reason: string, note: string):",
        "mini/tasks/cancel.yaml:17:12: check 'cancelled' needs parameter 'note', which template "
        "'cancel' does not define; add it under params",
        "cancelled",
    ),
    case(
        "check-param-type",
        TASKS,
        "reason: {type: string, choices: [no longer needed, ordered by mistake]}",
        "reason: {type: int, choices: [1, 2]}",
        "mini/tasks/cancel.yaml:15:52: parameter 'reason' of 'cancel_order' takes an enum, but "
        "this value is an int",
        "reason",
        3,  # and the task's reason, text, is no int: its template's parameters are sound
    ),
    case(
        "jinja-undefined-in-scenario",
        TASKS,
        "because it is {{ reason }}",
        "because it is {{ reasn }}",
        "mini/tasks/cancel.yaml:9:71: user.reason uses '{{ reasn }}', which is not a parameter of "
        "the template; did you mean 'reason'?",
        "reasn",
    ),
    case(
        "jinja-undefined-in-known",
        TASKS,
        'email: "{{ email }}", order_id',
        'email: "{{ emial }}", order_id',
        "mini/tasks/cancel.yaml:10:26: user.known.email uses '{{ emial }}', which is not a "
        "parameter of the template; did you mean 'email'?",
        "emial",
    ),
    case(
        "jinja-syntax",
        TASKS,
        "because it is {{ reason }}",
        "because it is {{ reason }",
        "mini/tasks/cancel.yaml:9:78: the template text has a syntax error: unexpected '}'; "
        "write a parameter as {{ name }} and a statement as {% if name %}...{% endif %}",
        "}",
    ),
    case(
        "jinja-unclosed-before-char",
        TASKS,
        "because it is {{ reason }}.",
        "because it is {{ reason ?",
        "mini/tasks/cancel.yaml:9:78: the template text has a syntax error: '?' cannot stand "
        "inside '{{ }}', which holds a parameter's name, with filters after '|' "
        "({{ email | upper }}); close the block with '}}' before the '?'",
        "?",
    ),
    case(
        "jinja-unclosed-at-end",
        TASKS,
        "because it is {{ reason }}.",
        "because it is {{ reason",
        "mini/tasks/cancel.yaml:9:68: the template text has a syntax error: this '{{' is never "
        "closed, which "
        "holds a parameter's name, with filters after '|' ({{ email | upper }}); add '}}' after "
        "it",
        "{{ reason",
    ),
    case(
        "jinja-render-error",
        TASKS,
        "because it is {{ reason }}",
        "because it is {{ reason + 1 }}",
        "mini/tasks/cancel.yaml:9:15: task 'cancel-ann': user.reason cannot be rendered (with "
        "order_id='#1', email='ann@example.com', reason='no longer needed'): values of the wrong "
        "type: '+' cannot combine text and a number",
        '"I want to cancel',
        1,  # at the text, once: the sampled tasks' failure of the same text is not said again
    ),
    case(
        "jinja-filter-unknown",
        TASKS,
        "because it is {{ reason }}",
        "because it is {{ reason | shout }}",
        "mini/tasks/cancel.yaml:9:80: the template text uses 'shout', which is no filter of "
        "Jinja's; use one such as upper, lower or title",
        "shout",
    ),
    case(
        "jinja-filter-misspelt",
        TASKS,
        "because it is {{ reason }}",
        "because it is {{ reason | uper }}",
        "mini/tasks/cancel.yaml:9:80: the template text uses 'uper', which is no filter of "
        "Jinja's; did you mean 'upper'?",
        "uper",
    ),
    case(
        "jinja-parser-token",
        TASKS,
        "because it is {{ reason }}",
        "because it is {{ reason reason }}",
        "mini/tasks/cancel.yaml:9:71: the template text has a syntax error: expected token 'end of "
        "print statement', got 'reason'; write a parameter as {{ name }} and a statement as "
        "{% if name %}...{% endif %}",
        "reason",
    ),
    case(
        "jinja-syntax-second-line",
        TASKS,
        'reason: "I want to cancel order {{ order_id }} because it is {{ reason }}."',
        "reason: |-\n        I want to cancel order {{ order_id }}\n        because {{ reason }.",
        "mini/tasks/cancel.yaml:11:27: the template text has a syntax error: unexpected '}'; "
        "write a parameter as {{ name }} and a statement as {% if name %}...{% endif %}",
        "}",
    ),
    case(
        "task-missing-param",
        TASKS,
        ", reason: no longer needed}}",
        "}}",
        "mini/tasks/cancel.yaml:19:5: task 'cancel-ann' lacks reason (template 'cancel' takes "
        "order_id, email, reason)",
        "{id: cancel-ann",
    ),
    case(
        "duplicate-template",
        "tasks/more.yaml",
        None,
        "templates:\n  cancel:\n    user: {reason: again}\n    gold: []\n    check: cancelled\n",
        "mini/tasks/more.yaml:2:3: template 'cancel' is defined twice (also in "
        "mini/tasks/cancel.yaml)",
        "cancel:",
    ),
    case(
        "duplicate-task-id",
        TASKS,
        "reason: no longer needed}}\n",
        "reason: no longer needed}}\n  - {id: cancel-ann, template: cancel, params: {order_id: "
        "'#3', email: bob@example.com, reason: ordered by mistake}}\n",
        "mini/tasks/cancel.yaml:20:5: task id 'cancel-ann' is used twice",
        "{id: cancel-ann",
    ),
    case(
        "gold-short-form-not-a-mapping",
        TASKS,
        '- get_order: {order_id: "{{ order_id }}"}',
        "- get_order: [1]",
        "mini/tasks/cancel.yaml:14:9: templates.cancel.gold.1: the short form 'get_order: ...' "
        "calls the tool get_order with the arguments that follow, which must be a mapping (name: "
        "value), not a list",
        "get_order",
    ),
    case(
        "reveal-late-unknown",
        TASKS,
        "unknown: [user id]",
        "unknown: [user id]\n      reveal_late: [phone]",
        "mini/tasks/cancel.yaml:12:20: reveal_late names 'phone', which is not in user.known",
        "[phone]",
    ),
    case(
        "unknown-names-nothing",
        TASKS,
        "unknown: [user id]",
        "unknown: [user id, '.']",
        "mini/tasks/cancel.yaml:11:26: user.unknown entry '.' names nothing; write what the user "
        "does not know (e.g. 'email'), or leave the entry out",
        "'.'",
    ),
    case(
        "change-mind-unknown-param",
        TASKS,
        "unknown: [user id]",
        "unknown: [user id]\n      change_mind: color=red",
        "mini/tasks/cancel.yaml:12:20: change_mind must be 'name=first value', with name a "
        "template parameter: the value the user asks for first, before changing its mind to the "
        "task's own",
        "color=red",
    ),
    case(  # the change was silently never played: no write proposes the email
        "change-mind-not-a-write-argument",
        TASKS,
        "unknown: [user id]",
        "unknown: [user id]\n      change_mind: email=x@example.com",
        "mini/tasks/cancel.yaml:12:20: change_mind names 'email', which no write of the gold plan "
        "takes as a whole argument ('{{ email }}'): the agent never proposes the first value, so "
        "the user never changes its mind; name a parameter a write takes, or drop change_mind",
        "email=x@example.com",
    ),
    case(  # the user said "I want the new plan id to be pl_unlimited instead", unknown to it
        "change-mind-to-an-unknown-value",
        TASKS,
        "unknown: [user id]",
        "unknown: [user id, Reason]\n      change_mind: reason=ordered by mistake",
        "mini/tasks/cancel.yaml:12:20: change_mind names 'reason', which user.unknown lists "
        "('Reason'): the user says the value it changes its mind to (\"I want the reason to be "
        '... instead"), which it is not supposed to know; take it out of unknown if the user may '
        "say it, or drop change_mind",
        "reason=ordered",
    ),
    case(  # the agent was scripted to propose a reason cancel_order refuses
        "change-mind-to-a-value-the-write-refuses",
        TASKS,
        "unknown: [user id]",
        "unknown: [user id]\n      change_mind: reason=bored",
        "mini/tasks/cancel.yaml:12:20: change_mind's first value for 'reason' is 'bored', which "
        "is not one of the values cancel_order's 'reason' takes (no longer needed, ordered by "
        "mistake); the agent would propose it and cancel_order would refuse it; give a first "
        "value it takes",
        "reason=bored",
    ),
    case(  # no message at compile time; in a declined write, none at all
        "gold-literal-not-an-enum-value",
        TASKS,
        'reason: "{{ reason }}"}',
        "reason: by mistake}",
        "mini/tasks/cancel.yaml:15:60: argument 'reason' of gold step 3 is 'by mistake', which "
        "is not one of the values cancel_order's 'reason' takes (no longer needed, ordered by "
        "mistake); did you mean 'ordered by mistake'? The tool would refuse it in every task of "
        "the template; give a value it takes",
        "by mistake}",
        None,
    ),
    Case(  # found only by lint's replay, as an unsolvable template
        "gold-literal-not-a-date",
        (
            (
                DOMAIN,
                "      reason: {type: enum",
                "      when: {type: date, optional: true}\n      reason: {type: enum",
            ),
            (
                TOOLS,
                "def cancel_order(db, order_id, reason):",
                "def cancel_order(db, order_id, reason, when=None):",
            ),
            (TASKS, 'reason: "{{ reason }}"}', 'reason: "{{ reason }}", when: next week}'),
        ),
        "mini/tasks/cancel.yaml:15:82: argument 'when' of gold step 3 is 'next week', but "
        "cancel_order's 'when' is a date: 'next week' is not a date (dates are written "
        "YYYY-MM-DD); the tool would refuse it in every task of the template; give a value it "
        "takes",
        "next week}",
    ),
    Case(  # "I changed my mind: ... ordered by mistake instead" after asking for it
        "change-mind-to-the-same-value",
        (
            (TASKS, "[no longer needed, ordered by mistake]", "[ordered by mistake]"),
            (
                TASKS,
                "unknown: [user id]",
                "unknown: [user id]\n      change_mind: reason=ordered by mistake",
            ),
        ),
        "mini/tasks/cancel.yaml:12:20: change_mind's first value for 'reason' is 'ordered by "
        "mistake', the only value 'reason' takes: the user would change its mind to the value it "
        "first asked for; give another first value, or another choice",
        "reason=ordered",
        None,
    ),
    case(  # "unknown key 'get_order'; expected one of tool, args, say"
        "gold-step-holds-two-tools",
        TASKS,
        '      - get_order: {order_id: "{{ order_id }}"}\n      - cancel_order',
        '      - get_order: {order_id: "{{ order_id }}"}\n        cancel_order',
        "mini/tasks/cancel.yaml:14:9: templates.cancel.gold.1: this step holds two tools "
        "(get_order, cancel_order): a step calls one; check the indentation (each tool is an "
        "item of its own, starting with '- ')",
        "get_order:",
    ),
    case(
        "user-reason-empty",
        TASKS,
        'reason: "I want to cancel order {{ order_id }} because it is {{ reason }}."',
        'reason: ""',
        "mini/tasks/cancel.yaml:9:15: user.reason is empty, so the user says nothing in its "
        "request; write it, or leave user.reason out for the stock opening",
        '""',
    ),
    case(
        "forbidden-request-empty",
        TASKS,
        "unknown: [user id]",
        'unknown: [user id]\n      forbidden_request: ""',
        "mini/tasks/cancel.yaml:12:26: user.forbidden_request is empty, so the user says nothing "
        "the policy forbids; write it, or leave user.forbidden_request out",
        '""',
    ),
    case(  # it was placed at the template's description line, with a dict dump
        "forbidden-request-jinja",
        TASKS,
        "unknown: [user id]",
        'unknown: [user id]\n      forbidden_request: "refund {{ ordr_id }} twice"',
        "mini/tasks/cancel.yaml:12:37: user.forbidden_request uses '{{ ordr_id }}', which is not "
        "a parameter of the template; did you mean 'order_id'?",
        "ordr_id }}",
    ),
    case(  # the scripted agent called find_user with the gold email, never asked for
        "known-fact-empty",
        TASKS,
        'known: {email: "{{ email }}"',
        'known: {email: ""',
        "mini/tasks/cancel.yaml:10:22: user.known.email is empty, so the user can say nothing when "
        "asked for it, and the gold plan's value reaches the call unsaid; give the value, or leave "
        "the fact out (user.unknown, if the user does not know it)",
        '""',
    ),
    case(  # the choices were drawn, and the source never read
        "param-from-and-choices",
        TASKS,
        "reason: {type: string, choices:",
        "reason: {type: string, from: '\"x\"', choices:",
        "mini/tasks/cancel.yaml:7:43: templates.cancel.params.reason: a parameter takes its "
        "values from 'from' or from 'choices', not both; keep one",
        "choices:",
    ),
    case(  # text compared with days compares letters: "RES1001" < "2025-06-10"
        "check-date-param-given-text",
        CHK,
        "reason: string):",
        "reason: date):",
        "mini/tasks/cancel.yaml:17:12: check 'cancelled' takes 'reason' as date, but the "
        "template's 'reason' is string; declare it type: date",
        "cancelled",
    ),
    Case(  # the dialogue said "call ... with count lots"
        "change-mind-value-unfit",
        (
            (
                TASKS,
                "      reason: {type: string",
                "      count: {type: int, choices: [1, 2]}\n      reason: {type: string",
            ),
            (TASKS, "unknown: [user id]", "unknown: [user id]\n      change_mind: count=lots"),
        ),
        "mini/tasks/cancel.yaml:13:20: change_mind's first value for 'count' is 'lots', which is "
        "not a number, and the parameter is int",
        "count=lots",
        2,  # and the task lacks count: its template's parameters are sound
    ),
    case(
        "table-key-not-a-field",
        DOMAIN,
        "key: user_id",
        "key: id",
        "mini/domain.yaml:8:12: database.tables.users: key 'id' is not one of the table's fields"
        "; did you mean 'user_id'? The fields are user_id, email, name",
        "id",
    ),
    case(
        "reference-to-unknown-table",
        DOMAIN,
        "{type: string, ref: users}",
        "{type: string, ref: user}",
        "mini/domain.yaml:17:9: field 'user_id' refers to unknown table 'user'; did you mean "
        "'users'?",
        "user_id: {type",
    ),
    case(
        "nested-reference-to-unknown-table",  # a ref on an object field inside a list's items
        DOMAIN,
        "{item_id: string, price: float}",
        "{item_id: {type: string, ref: user}, price: float}",
        "mini/domain.yaml:22:42: field 'item_id' of each item of 'items' refers to unknown table "
        "'user'; did you mean 'users'?",
        "item_id: {type",
    ),
    case(
        "template-unsampleable",
        TASKS,
        'o.status == "pending"',
        'o.status == "cancelled"',
        "mini/tasks/cancel.yaml:5:38: template 'cancel' cannot be sampled: the source of "
        "'order_id' finds no value in the seed data",
        "'o.order_id",
    ),
    case(
        "template-source-fails-on-the-seed",  # said, and where: not "finds no value"
        TASKS,
        '"db.users[db.orders[order_id].user_id].email"',
        """'db.users["u" + order_id].email'""",
        "mini/tasks/cancel.yaml:6:35: template 'cancel' cannot be sampled: the source of 'email' "
        "fails on the seed data: users has no row with key 'u#1' (with order_id='#1'; it fails on "
        "all 2 combinations tried)",
        "'db.users",
        2,  # and the written task's email, derived by that source
    ),
    case(
        "tool-writes-undeclared",
        DOMAIN,
        "    writes: true\n    declare",
        "    declare",
        "mini/domain.yaml:50:5: tool 'set_email' updates the database, so it must say 'writes: "
        "true'",
        "declare",
    ),
    # ------------------------------------------------------------ limits of what a spec holds
    case(
        "choices-empty",
        TASKS,
        "choices: [no longer needed, ordered by mistake]",
        "choices: []",
        "mini/tasks/cancel.yaml:7:39: templates.cancel.params.reason.choices: an empty list of "
        "choices leaves nothing to sample; list at least one value, or drop 'choices'",
        "[]",
    ),
    case(
        "yaml-nested-too-deeply",
        DOMAIN,
        "sampling: {per_template: 2, seed: 1}",
        "sampling: {per_template: 2, seed: 1}\nx: " + "[" * 200 + "]" * 200,
        "mini/domain.yaml:57:103: this value is nested more than 100 levels deep, deeper than "
        "EigenDSL reads; flatten it" + UNREAD,
        "[" * 101 + "]",  # the 100th of the 200 lists, inside the file's mapping: the 101st level
    ),
    case(
        "statement-nested-too-deeply",
        CHK,
        "require db == gold",
        "require " + "not " * 3000 + "db == gold",
        "mini/checks/main.chk:12:5: this expression is nested too deeply (3002 levels; EigenDSL "
        "compiles up to 64); split it into several statements",
        "require not not",
    ),
    case(
        "parameter-source-nested-too-deeply",
        TASKS,
        'from: "db.users[db.orders[order_id].user_id].email"',
        'from: "' + "-" * 70 + '1"',
        "mini/tasks/cancel.yaml:6:36: this expression is nested too deeply (71 levels; EigenDSL "
        "compiles up to 64); simplify it",
        "---",
    ),
]


def _apply(root: Path, c: Case) -> None:
    for file, old, new in c.edits:
        edit(root, file, old, new)


def test_enough_distinct_cases() -> None:
    assert len({c.id for c in CASES}) == len(CASES) >= 25
    assert len({c.message for c in CASES}) == len(CASES)


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_error(mini: Path, tmp_path: Path, c: Case) -> None:
    if c.id == "missing-spec-folder":
        edit(mini, DOMAIN, None, None)
    elif c.id == "seed-invalid-json":
        edit(mini, "data/seed.json", None, '{"users": [\n  {"user_id": "u1"] }\n')
    if c.id != "missing-spec-folder":
        _apply(mini, c)
    with pytest.raises(EigenError) as info:
        compile_domain(mini, tmp_path / "out")
    rendered = info.value.render()
    assert rendered.splitlines()[0] == c.message
    if c.count is not None:
        errors = [d for d in info.value.diagnostics if d.severity == "error"]
        assert len(errors) == c.count, rendered
    if c.at is not None:
        where = re.match(r"^(.+?):(\d+):(\d+): ", c.message)
        assert where, c.message
        path, line, col = where.group(1), int(where.group(2)), int(where.group(3))
        text = Path(path).read_text(encoding="utf-8").splitlines()
        source = text[line - 1] if line <= len(text) else ""
        assert source[col - 1 :].startswith(c.at), f"{path}:{line}:{col} is {source[col - 1 :]!r}"
        # The rendered diagnostic shows that line with a caret under the column (a long line,
        # a window of it around the column).
        lines = rendered.splitlines()
        if line <= len(text) and len(source) <= SHOWN_WIDTH:
            assert lines[1] == "    " + source
            assert lines[2].index("^") == 4 + col - 1
        elif line <= len(text):
            assert len(lines[1]) <= 4 + SHOWN_WIDTH + 6 and "..." in lines[1]
            assert lines[1][lines[2].index("^") :].startswith(c.at)


def test_references_at_any_depth(mini: Path, tmp_path: Path) -> None:
    """A ref on the list items of a map's values: its table is checked (at the key whose value
    holds the ref), and each seed value where it is written."""
    import doctest

    from eigendsl import references

    assert doctest.testmod(references).failed == 0
    watchers = "{type: map, optional: true, of: {type: list, items: {type: string, ref: user}}}"
    edit(
        mini,
        DOMAIN,
        "        total: float\n",
        f"        total: float\n        watchers: {watchers}\n",
    )
    edit(mini, SEED, "status: delivered,", "status: delivered, watchers: {gift: [u1, u7]},")
    with pytest.raises(EigenError) as info:
        compile_domain(mini, tmp_path / "out")
    assert [str(d).split("\n")[0] for d in info.value.diagnostics] == [
        "mini/domain.yaml:20:64: each item of each value of field 'watchers' refers to unknown "
        "table 'user'; did you mean 'users'?"
    ]
    assert (mini / DOMAIN).read_text().splitlines()[19][63:].startswith("items: {type: string")
    edit(mini, DOMAIN, "ref: user}", "ref: users}")
    with pytest.raises(EigenError) as info:
        compile_domain(mini, tmp_path / "out")
    assert [str(d).split("\n")[0] for d in info.value.diagnostics] == [
        "mini/data/seed.yaml:6:76: orders[\"#2\"].watchers.gift[1] is 'u7', which is not a key of "
        "'users'"
    ]
    assert (mini / SEED).read_text().splitlines()[5][75:].startswith("u7]")


def test_all_errors_reported_together(mini: Path, tmp_path: Path) -> None:
    edit(mini, CHK, "require called cancel_order(", "require called cancel_ordr(")
    edit(mini, CHK, 'status == "cancelled"', 'status == "canceled"')
    edit(mini, SEED, "total: 20.0", "total: twenty")
    edit(mini, TASKS, "- find_user: {email", "- find_usr: {email")
    edit(mini, DOMAIN, "u.email == email).user_id", "u.mail == email).user_id")
    with pytest.raises(EigenError) as info:
        compile_domain(mini, tmp_path / "out")
    firsts = [str(d) for d in info.value.diagnostics]
    assert [f.split(": ")[0] for f in firsts] == [
        "mini/checks/main.chk:13:20",
        "mini/checks/main.chk:14:43",
        "mini/data/seed.yaml:5:59",
        "mini/domain.yaml:30:44",
        "mini/tasks/cancel.yaml:13:9",
    ]
    assert info.value.render().splitlines()[-1] == "5 errors"


def test_errors_of_several_checker_statements(mini: Path, tmp_path: Path) -> None:
    # The analysis goes on after an error: every bad statement of every declaration is reported.
    edit(mini, CHK, "c.tags", "c.tagz")
    edit(mini, CHK, "use identify_first", "use identify")
    edit(mini, CHK, "require db == gold", "require db == 1")
    edit(mini, CHK, "unchanged db.users", "unchanged db.user")
    with pytest.raises(EigenError) as info:
        compile_domain(mini, tmp_path / "out")
    assert [str(d).split(": ")[0] for d in info.value.diagnostics] == [
        "mini/checks/main.chk:5:75",
        "mini/checks/main.chk:11:9",
        "mini/checks/main.chk:12:13",
        "mini/checks/main.chk:16:18",
    ]


def test_cli_reports_errors_without_traceback(mini: Path, tmp_path: Path) -> None:
    edit(mini, CHK, "require called cancel_order(", "require called cancel_ordr(")
    edit(mini, SEED, "status: delivered", "status: shipped")
    result = CliRunner().invoke(main, ["compile", str(mini), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert (
        lines[0]
        == "mini/checks/main.chk:13:20: unknown tool 'cancel_ordr'; did you mean 'cancel_order'?"
    )
    assert lines[1] == "        require called cancel_ordr(order_id=order_id, reason=reason)"
    assert lines[2] == " " * 23 + "^" * len("cancel_ordr")
    assert lines[3].startswith("mini/data/seed.yaml:6:43: row '#2' of 'orders' field 'status'")
    assert lines[-1] == "2 errors"
    assert not (tmp_path / "out").exists()


def test_cli_missing_spec_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["compile", "nowhere"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr.strip() == (
        "no domain.yaml in nowhere (the folder nowhere does not exist); a spec folder starts with "
        "domain.yaml"
    )


def test_synth_of_a_compiled_folder_names_the_spec_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``run``, ``play`` and ``lint`` take a compiled folder; ``synth`` given one said only "no
    domain.yaml": it now says that it reads the spec folder, and names the one the compiled
    folder's manifest records."""
    copy_spec(MINI, tmp_path / "mini")
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["compile", "mini", "-o", "out", "--no-lint"]).exit_code == 0
    result = CliRunner().invoke(main, ["synth", "out", "--out", "runs"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr.strip() == (
        "no domain.yaml in out: it is a compiled folder (it holds manifest.yaml), which run, play "
        "and lint take; compile and synth read the spec folder it was compiled from: mini"
    )
    (tmp_path / "mini" / "domain.yaml").unlink()  # the spec is gone: no folder to name
    result = CliRunner().invoke(main, ["synth", "out", "--out", "runs"])
    assert result.stderr.strip().endswith("read the spec folder it was compiled from")


def test_change_mind_doctests() -> None:
    import doctest

    from eigendsl import change_mind

    assert doctest.testmod(change_mind).failed == 0
