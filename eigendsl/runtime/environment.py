"""The environment of one episode: the database, tool dispatch with guards, and the trace.

Every call is recorded (tool, arguments, result or error, position among the messages). A bad
call (unknown tool, wrong or missing arguments, a failed guard, a tool error) returns an error
message the model can read and leaves the database exactly as it was.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from typing import Any

from eigendsl import support as rt
from eigendsl.runtime import tool_faults as faults
from eigendsl.runtime.database import Staged, fresh
from eigendsl.runtime.domain import Domain, ToolInfo
from eigendsl.runtime.row_schema import argument_refusal, as_stored, write_problems
from eigendsl.runtime.tool_results import json_result
from eigendsl.yamlload import to_plain

TOOL_ERROR = "Error: "  # starts the tool turn of a call that could not run, then the reason


def is_refusal(message: dict[str, Any]) -> bool:
    """Whether ``message`` is the tool turn of a call that could not run (refused or unreadable).

    >>> (is_refusal({"role": "tool", "content": "Error: no such order"}),
    ...  is_refusal({"role": "tool", "content": "{}"}))
    (True, False)
    """
    return message.get("role") == "tool" and str(message.get("content") or "").startswith(
        TOOL_ERROR
    )


def refused_call_ids(messages: list[dict[str, Any]]) -> set[str]:
    """The ids of the calls whose tool turn is a refusal (:func:`is_refusal`)."""
    return {m["tool_call_id"] for m in messages if is_refusal(m) and m.get("tool_call_id")}


MAX_RESULT_CHARS = 20_000


def left_out(tool: ToolInfo, args: dict[str, Any]) -> dict[str, Any]:
    """``args`` without the optional parameters given as null: a call that sends null for an
    argument it leaves out (as OpenAI's strict mode has models do, every parameter present) is
    the call that leaves it out, the default then given."""
    optional = set(tool.parameters.get("properties", {})) - set(tool.parameters.get("required", ()))
    if all(value is not None or name not in optional for name, value in args.items()):
        return args
    return {k: v for k, v in args.items() if v is not None or k not in optional}


def check_arguments(tool: ToolInfo, args: Any) -> str | None:
    """None when ``args`` fit the tool's parameter schema, else a sentence for the model."""
    if not isinstance(args, dict):
        return f"arguments of {tool.name} must be a JSON object, not {type(args).__name__}"
    schema = tool.parameters
    properties = schema.get("properties", {})
    for name in args:
        if name not in properties:
            known = ", ".join(properties) or "none"
            return f"{tool.name} has no parameter '{name}' (parameters: {known})"
    for name in schema.get("required", []):
        if name not in args:
            return f"{tool.name} needs the argument '{name}'"
    for name, value in args.items():
        problem = _check_value(value, properties[name], name)
        if problem:
            return f"argument {problem}"
    return None


_JSON_TYPES = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def _check_value(value: Any, schema: dict[str, Any], where: str) -> str | None:
    kind = schema.get("type")
    if kind is not None:
        allowed = _JSON_TYPES.get(kind, (object,))
        if (
            value is None
            or not isinstance(value, allowed)
            or (isinstance(value, bool) and kind in ("integer", "number"))
        ):
            return f"'{where}' must be {_kind(schema)}, not {json.dumps(value)[:60]}"
        if isinstance(value, float) and not math.isfinite(value):  # a caller not of toolcalls
            return f"'{where}' must be a finite number, not {value}"
    if schema.get("format") == "date" and (problem := rt.date_problem(value)) is not None:
        return f"'{where}' must be a date written YYYY-MM-DD: {problem}"
    if schema.get("pattern") == rt.TIME_PATTERN and (problem := rt.time_problem(value)):
        return f"'{where}' must be a time of day: {problem}"
    if "enum" in schema and value not in schema["enum"]:
        return (
            f"'{where}' must be one of {', '.join(map(str, schema['enum']))}, "
            f"not {json.dumps(value)[:60]}"
        )
    if kind == "array" and schema.get("items"):
        for i, item in enumerate(value):
            problem = _check_value(item, schema["items"], f"{where}[{i}]")
            if problem:
                return problem
    if kind == "object" and "properties" in schema:
        for key in schema.get("required", []):
            if key not in value:
                return f"'{where}' lacks '{key}'"
        for key, item in value.items():
            if key in schema["properties"]:
                problem = _check_value(item, schema["properties"][key], f"{where}.{key}")
                if problem:
                    return problem
    return None


TRUNCATED = "...(truncated)"  # ends a result cut at MAX_RESULT_CHARS


def _kind(schema: dict[str, Any]) -> str:
    """A parameter's type as its spec names it: a date, a time and an enum are strings in
    JSON."""
    if schema.get("format") == "date":
        return "a date written YYYY-MM-DD"
    if schema.get("pattern") == rt.TIME_PATTERN:
        return "a time of day written HH:MM"
    if "enum" in schema:
        return f"one of {', '.join(map(str, schema['enum']))}"
    return str(schema.get("type"))


def encode_result(value: Any) -> str:
    """A tool result as the text the model reads: JSON for data, its fields in the order the tool
    returns them (a record's description before its id helps a small model find the id); the
    environment cuts it at :data:`MAX_RESULT_CHARS`."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


class Environment:
    """One episode: a copy-on-write database, the messages and the tool calls so far."""

    def __init__(self, domain: Domain, task: dict[str, Any] | None = None):
        self.domain = domain
        self.task = task or {}
        faults.time_limit.take()  # the stops of Python tool calls that never end
        faults.interrupts.take()  # Ctrl-C told apart from a tool raising KeyboardInterrupt
        self.reset()

    def reset(self) -> None:
        self.db = fresh(self.domain.seed)
        self.messages: list[dict[str, Any]] = []
        self.faults: list[faults.ToolFault] = []  # bugs of the tools found in this episode
        self._call_id = ""
        namings = {name: t.named_by for name, t in self.domain.tools.items() if t.named_by}
        params = dict(self.task.get("params", {}))
        self.trace = rt.Trace(self.db, self.domain.seed, {}, params, namings=namings)
        self.add_message({"role": "system", "content": self.domain.agent_prompt})

    # ------------------------------------------------------------------ messages

    def add_message(self, message: dict[str, Any]) -> None:
        self.messages.append(message)
        content = message.get("content")
        self.trace.messages.append(
            rt.Message(
                message["role"], content if isinstance(content, str) else "", len(self.messages) - 1
            )
        )
        self.trace._texts = None

    # ------------------------------------------------------------------ tools

    def call_tool(self, name: str, args: Any, call_id: str = "") -> tuple[str, bool]:
        """Run one call and record it; returns (text for the model, whether it succeeded).

        The caller has already appended the assistant message that made the call; the tool
        message with the result is appended here.
        """
        tool = self.domain.tools.get(name)
        if tool is not None and isinstance(args, dict):
            args = left_out(tool, args)
        record = rt.Call(
            name,
            args if isinstance(args, dict) else {},
            position=len(self.messages),
            index=len(self.trace.calls),
            writes=bool(tool and tool.writes),
            tags=tool.tags if tool else (),
            id=call_id,
            named_by=tool.named_by if tool else None,
        )
        error: str | None
        result: Any = None
        if tool is None:
            error = f"unknown tool '{name}'; available tools: {', '.join(self.domain.tools)}"
        else:
            error = check_arguments(tool, args)
            if error is None:
                self._call_id = call_id
                error, result = self._run(tool, args)
        text = ""
        if error is None:
            try:  # a Python tool's result is JSON already (tool_results); a declared one's is
                text = encode_result(result)  # the database's: JSON, unless a test made it not
            except (ValueError, TypeError, RecursionError) as exc:
                error = f"tool '{name}' returned a result that cannot be written as JSON ({exc})"
                result = None
        if len(text) > MAX_RESULT_CHARS:  # the model reads the start only
            if self.domain.audit is not None:
                self._fault(faults.long_result(name, len(text), MAX_RESULT_CHARS))
            text = text[:MAX_RESULT_CHARS] + TRUNCATED
        record.error, record.result = error, result
        self.trace.calls.append(record)
        text = f"{TOOL_ERROR}{error}" if error is not None else text
        self.add_message({"role": "tool", "tool_call_id": call_id, "name": name, "content": text})
        return text, error is None

    def _run(self, tool: ToolInfo, args: dict[str, Any]) -> tuple[str | None, Any]:
        guard = self.domain.guards.get(tool.name)
        self.trace.db = self.db
        if guard is not None:
            try:
                message = guard(self.trace, args)
            except rt.GuardFault as exc:  # a bug of the spec's condition, not a refusal
                self._fault(faults.guard_fault(tool.name, exc))
                return faults.guard_text(tool.name), None
            except Exception as exc:  # noqa: BLE001 - a guard must never crash the episode
                message = rt.describe_error(exc)
            if message is not None:
                return str(message), None
        # Python tools' results are audited while lint replays gold plans (the DSL's cannot err
        # so). A write tool works on staged rows, applied when it succeeds; so does a Python read
        # tool, whose changes are a fault and dropped: the rows it reads may be the seed's, which
        # every later episode starts from. A declared read tool cannot change anything.
        audit = self.domain.audit is not None and not tool.declared
        view: Any = Staged(self.db) if tool.writes or not tool.declared else self.db
        interrupts = faults.interrupts.count
        try:
            if tool.declared:
                result = tool.impl(view, args)
            else:  # a call that never ends is stopped, at the line it is stuck on
                with faults.time_limit(faults.CALL_SECONDS):
                    result = tool.impl(view, **args)
        except rt.ToolError as exc:
            return str(exc) or "the tool failed", None
        except rt.EvalError as exc:
            return str(exc), None
        except BaseException as exc:  # noqa: BLE001 - one call's sys.exit(), GeneratorExit, a
            # KeyboardInterrupt it raises itself would end the whole command; Ctrl-C still does
            if faults.interrupts.stops(exc, interrupts):
                raise
            if tool.declared:  # a bug of the spec's body (a division by zero), as a guard's
                self._fault(faults.body_fault(tool.name, exc))
                return faults.model_text(tool.name), None
            self._fault(faults.exception_fault(tool.name, exc, tool.origin))
            return faults.model_text(tool.name, exc), None
        changed = view.changed() if view is not self.db else {}
        if changed and not tool.writes:
            self._fault(faults.undeclared_write(tool.name, faults.first_change(changed, self.db)))
        elif changed and self.domain.schemas:  # a declared tool's too: its values are args
            problems = write_problems(tool.name, changed, self.domain.schemas, view, self.db)
            for problem in problems:
                self._fault(faults.bad_write(tool.name, problem))
            if problems:  # a declared body's value from an argument: said of the argument
                said = tool.declared and argument_refusal(
                    args, changed, self.domain.schemas, view, self.db
                )
                return said or faults.model_text(tool.name), None
        if tool.declared:
            result = to_plain(result) if tool.writes else result  # it may hold staged rows
        else:  # JSON values, what the model, the checks and the episode files all read
            found = json_result(result)
            if found.fatal:  # the call fails, and its writes are dropped
                self._fault(faults.unwritable(tool.name, found.fatal))
                return faults.model_text(tool.name), None
            result = found.value
            if audit:
                for problem in found.problems:
                    self._fault(faults.not_json(tool.name, problem))
        if tool.writes:
            view.commit(as_stored(changed, self.domain.schemas))
            self.trace.states.append((len(self.messages), dict(self.db)))  # tables are replaced
        self.trace.db = self.db
        return None, result

    def _fault(self, fault: faults.ToolFault) -> None:
        """Record a bug of a tool found on the call being made (its id set by call_tool)."""
        task, tool = str(self.task.get("id", "")), self.domain.tools.get(fault.tool)
        fault = replace(fault, task=task, call_id=self._call_id, defined=faults.defined_at(tool))
        self.faults.append(fault)
        if self.domain.audit is not None:
            self.domain.audit.append(fault)

    def final_trace(self, gold: dict[str, Any]) -> rt.Trace:
        self.trace.db = self.db
        self.trace.gold = gold
        return self.trace


def replay_gold(domain: Domain, task: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The database after the task's gold plan (write steps skipped when the user refuses)."""
    env = Environment(domain, task)
    errors: list[str] = []
    confirm = task.get("user", {}).get("confirm", True)
    for i, step in enumerate(task.get("gold", [])):
        if "tool" not in step:
            continue
        tool = domain.tools.get(step["tool"])
        if tool is not None and tool.writes and not confirm:
            continue
        env.add_message(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": f"gold{i}",
                        "type": "function",
                        "function": {"name": step["tool"], "arguments": json.dumps(step["args"])},
                    }
                ],
            }
        )
        text, ok = env.call_tool(step["tool"], step["args"], f"gold{i}")
        if not ok:
            errors.append(f"gold step {i + 1} ({step['tool']}): {text}")
    return env.db, errors
