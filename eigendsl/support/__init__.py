"""The small, stable support package that generated verifiers import (stdlib only).

Generated code imports nothing else from EigenDSL, so a ``generated/<domain>/verifiers`` folder
plus this package can be vendored into any trainer. It defines the trace a verifier reads
(:class:`Trace`, :class:`Call`, :class:`Message`), the :class:`Verdict` it returns, and the
helpers the generated code calls, all re-exported here: verifiers read them as ``rt.<name>``
(``import eigendsl.support as rt``), whichever module of the package holds them.

>>> trace = Trace.from_messages(
...     [{"role": "user", "content": "Cancel #W1"},
...      {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
...        "function": {"name": "cancel", "arguments": '{"order_id": "#W1"}'}}]},
...      {"role": "tool", "tool_call_id": "c1", "content": "ok"},
...      {"role": "assistant", "content": "Your order is cancelled."}], db={})
>>> called(trace.calls, "cancel", {"order_id": "#W1"}), said(trace, "assistant", "CANCELLED")
(True, True)
"""

from __future__ import annotations

from eigendsl.support.amounts_beside import beside
from eigendsl.support.amounts_said import amounts
from eigendsl.support.calls import _same as _same  # lint reads it as rt._same
from eigendsl.support.calls import (
    before,
    called,
    called_positions,
    explain_called,
    explain_forbidden_call,
    positions,
)
from eigendsl.support.conversions import float_of, int_of, text_of
from eigendsl.support.dates import (
    TIME_PATTERN,
    WEEKDAYS,
    add_days,
    add_minutes,
    clock_sentence,
    date_problem,
    day_of,
    days_between,
    minutes_between,
    minutes_of,
    time_out_of_day,
    time_problem,
    weekday,
)
from eigendsl.support.days_in_words import days_or_times, is_day_or_time
from eigendsl.support.errors import (
    EvalError,
    GuardFault,
    NothingFound,
    ToolError,
    describe_error,
    divide,
    guard_error,
    read_from_null,
)
from eigendsl.support.events import Call, CallArguments, Message, MissingArgument
from eigendsl.support.expressions import (
    FailedLet,
    contains,
    elements,
    field_of,
    first,
    found,
    greatest,
    item,
    last,
    least,
    let_failed,
    let_value,
    member,
    none_in,
    number,
    optional_field,
    row,
    update,
)
from eigendsl.support.identity import identified
from eigendsl.support.numerals import normalize_text, numbers
from eigendsl.support.places import (
    KEPT_DIFFERENCES,
    SHOWN_DIFFERENCES,
    compare_values,
    diff,
    key_step,
    named,
    place,
    show,
    summarize,
)
from eigendsl.support.plainly import said_plainly
from eigendsl.support.proposals import confirmed, declined, unproposed
from eigendsl.support.reasons import (
    NOT_JUDGED,
    any_reason,
    changed_reason,
    compare_reason,
    condition_reason,
    counterexample_reason,
    judge,
    judge_reason,
    said_reason,
)
from eigendsl.support.replies import reply_answer
from eigendsl.support.saying import said, said_positions, says, sentences, text_says, words
from eigendsl.support.shares_said import percentages, vague_money
from eigendsl.support.trace import Trace
from eigendsl.support.verdict import (
    SCHEMA_VERSION,
    Failure,
    Verdict,
    combine,
    finish,
    is_score_term,
)

__all__ = [
    "Call",
    "CallArguments",
    "EvalError",
    "FailedLet",
    "Failure",
    "GuardFault",
    "KEPT_DIFFERENCES",
    "Message",
    "MissingArgument",
    "NOT_JUDGED",
    "NothingFound",
    "SCHEMA_VERSION",
    "SHOWN_DIFFERENCES",
    "TIME_PATTERN",
    "ToolError",
    "Trace",
    "Verdict",
    "WEEKDAYS",
    "add_days",
    "add_minutes",
    "amounts",
    "any_reason",
    "before",
    "beside",
    "called",
    "called_positions",
    "changed_reason",
    "clock_sentence",
    "combine",
    "compare_reason",
    "compare_values",
    "condition_reason",
    "confirmed",
    "contains",
    "counterexample_reason",
    "date_problem",
    "day_of",
    "days_between",
    "days_or_times",
    "declined",
    "describe_error",
    "diff",
    "divide",
    "elements",
    "explain_called",
    "explain_forbidden_call",
    "field_of",
    "finish",
    "first",
    "float_of",
    "found",
    "greatest",
    "guard_error",
    "identified",
    "int_of",
    "is_day_or_time",
    "is_score_term",
    "item",
    "judge",
    "judge_reason",
    "key_step",
    "last",
    "least",
    "let_failed",
    "let_value",
    "member",
    "minutes_between",
    "minutes_of",
    "named",
    "none_in",
    "normalize_text",
    "number",
    "numbers",
    "optional_field",
    "percentages",
    "place",
    "positions",
    "read_from_null",
    "reply_answer",
    "row",
    "said",
    "said_plainly",
    "said_positions",
    "said_reason",
    "says",
    "sentences",
    "show",
    "summarize",
    "text_of",
    "text_says",
    "time_out_of_day",
    "time_problem",
    "unproposed",
    "update",
    "vague_money",
    "weekday",
    "words",
]
