"""``eigendsl play``: a person plays the agent or the user in a terminal, to debug a domain.

As the agent, type a message for the user, or a tool call::

    /call get_order_details {"order_id": "#W1000001"}

``/tools`` lists the tools, ``/quit`` ends the episode. As the user, type what the user says;
``/stop`` ends the conversation. A blank line is skipped, and a line that starts with ``/`` but
is no command as typed (``/bogus``, ``/tools extra``, ``/quit now``, ``/call`` with no tool) is
refused with the commands or the command's usage (it went to the other side as a message, which
ended the episode). Ctrl-C ends the episode where it is, in either role. At the end the verdict is
shown with its reasons.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from eigendsl.runtime.call_values import decode_arguments
from eigendsl.runtime.domain import Domain
from eigendsl.runtime.environment import Environment
from eigendsl.runtime.episodes import (
    Episode,
    GoldCache,
    add_user_turn,
    apply_agent_turn,
    judge_episode,
)
from eigendsl.runtime.rows import failure_text, row_from_here
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.scripted_user import ScriptedUser
from eigendsl.runtime.turns import AgentTurn
from eigendsl.support import is_score_term

HELP = (
    "Type a message for the user, or '/call TOOL {json arguments}' to call a tool; "
    "'/tools' lists the tools, '/quit' ends."
)
# Each role's commands; any other line that starts with "/" is refused, not sent.
COMMANDS = {"agent": ("/call", "/tools", "/quit"), "user": ("/stop", "/quit")}


# How each command is typed, for a line that starts with one but misuses it.
USAGE = {
    "/call": "'/call TOOL {json arguments}' ('/tools' lists the tools)",
    "/tools": "'/tools' alone, to list the tools",
    "/quit": "'/quit' alone, to end the episode",
    "/stop": "'/stop' alone, to end the conversation",
}


def command_refusal(line: str, role: str) -> str | None:
    """What to say of a line that starts with ``/`` but is none of ``role``'s commands as it is
    typed (None for any other line): an unknown word, or a known one misused (``/tools extra``,
    ``/quit now``, ``/call`` with no tool), which would otherwise go to the other side as a
    message or call a tool named ''."""
    if not line.strip().startswith("/"):
        return None
    word, *rest = line.split(maxsplit=1)
    if word not in COMMANDS[role]:
        return (
            f"unknown command {word!r}; the commands are {', '.join(COMMANDS[role])} (a message "
            "may not start with '/'). Nothing was sent."
        )
    if word == "/call" and (not rest or rest[0].startswith("{")):
        return f"'/call' needs a tool's name; type {USAGE[word]}. Nothing was sent."
    if word != "/call" and rest:
        return f"'{word}' takes nothing after it; type {USAGE[word]}. Nothing was sent."
    return None


def known_facts(task: dict[str, Any]) -> str:
    """The banner's lines of what the user knows, each as the scripted agent recognises it."""
    known = task["user"].get("known", {})
    if not known:
        return "You know nothing the agent will ask for."
    lines = "\n".join(f"  {name}: {value}" for name, value in known.items())
    return (
        "You know (the scripted agent recognises a fact only as it is written here: type it "
        f"so):\n{lines}"
    )


def tool_list(domain: Domain) -> str:
    lines = []
    for tool in domain.tools.values():
        params = tool.parameters.get("properties", {})
        required = set(tool.parameters.get("required", []))
        args = ", ".join(f"{p}{'' if p in required else '?'}" for p in params)
        lines.append(f"  {tool.name}({args}){' [writes]' if tool.writes else ''}")
    return "\n".join(lines)


def parse_agent_input(line: str) -> AgentTurn | None:
    """A person's line as an agent turn; None for '/quit'. Arguments that cannot be read (bad JSON,
    too long a number, too deep a nesting) become a readable error, as a model's would."""
    text = line.strip()
    if text == "/quit":
        return None
    if text.split(maxsplit=1)[:1] == ["/call"]:
        rest = text[len("/call") :].strip()
        name, _, raw = rest.partition(" ")
        args, error = decode_arguments(raw)
        if args is None:
            return AgentTurn(errors=[error or "arguments must be a JSON object"], raw=text)
        return AgentTurn(tool_calls=[{"name": name, "arguments": args}])
    return AgentTurn(content=text)


def play(
    domain: Domain,
    task: dict[str, Any],
    role: str,
    read: Callable[[str], str],
    write: Callable[[str], None],
    max_turns: int | None = None,
) -> dict[str, Any]:
    """Play one episode with a person in ``role`` ("agent" or "user"); return the judged row.
    Ctrl-C (``read`` or a scripted turn raising KeyboardInterrupt) ends the episode where it is,
    in either role: it is judged as it stands, its ``end_reason`` "interrupted"."""
    episode = Episode(task, Environment(domain, task), max_turns=max_turns or domain.max_turns)
    write(f"Task {task['id']} ({task.get('template')}); you play the {role}.")
    if role == "agent":
        write(HELP)
        write("Tools:\n" + tool_list(domain))
    else:
        write(f"Your scenario: {task['user']['reason']}")
        write(known_facts(task))
        write("Type '/stop' to end.")
    try:
        _turns(domain, episode, role, read, write, episode.max_turns or domain.max_turns)
    except KeyboardInterrupt:
        write("\ninterrupted: the episode ends here, judged as it stands")
        episode.done, episode.end_reason = True, "interrupted"
    if not episode.end_reason:
        episode.end_reason = "turn_limit"
    # the spec's files as paths from here, as `run` names them
    row = row_from_here(judge_episode(domain, episode, GoldCache(domain)), domain.root)
    verdict = row["verdict"]
    write(f"verdict: {'PASSED' if verdict['passed'] else 'FAILED'} (score {verdict['score']})")
    for failure in verdict["failures"]:
        missed = "score term not earned: " if is_score_term(failure) else ""
        where = failure_text(failure).removesuffix(failure["reason"])  # path:line:col: or none
        write(f"  {where}{missed}{failure['reason']}{_block_use(failure)}")
    return row


# A block's statement's text ends with where the block is used (codegen/statements.py).
_IN_BLOCK = re.compile(r" \(in block [^()]*\)\Z")


def _block_use(failure: dict[str, Any]) -> str:
    """`` (in block NAME, used at FILE:LINE)`` for a block's statement, as its text ends: the
    block's line alone would not say which use failed (a check may use a block twice).

    >>> _block_use({"statement": "require said w (in block said_it, used at x/a.chk:7)"})
    ' (in block said_it, used at x/a.chk:7)'
    >>> _block_use({"statement": "require said w"})
    ''
    """
    found = _IN_BLOCK.search(str(failure.get("statement", "")))
    return found.group(0) if found else ""


def _read_line(role: str, read: Callable[[str], str], write: Callable[[str], None]) -> str:
    """The person's next line: a blank one is skipped, an unknown command refused."""
    while True:
        line = read(f"{role}> ")
        if not line.strip():
            continue
        refusal = command_refusal(line, role)
        if refusal is None:
            return line
        write(refusal)


def _turns(
    domain: Domain,
    episode: Episode,
    role: str,
    read: Callable[[str], str],
    write: Callable[[str], None],
    limit: int,
) -> None:
    """The episode's turns until it ends (a stop, /quit, the turn limit)."""
    user, agent = ScriptedUser(domain.stop_marker), ScriptedAgent()
    while not episode.done and episode.turns < limit:
        if episode.waiting_for == "user":
            if role == "user":
                text = _read_line(role, read, write)
                if text.strip() in ("/stop", "/quit"):
                    text = f"Thanks, bye. {domain.stop_marker}"
            else:
                text = user.respond([episode])[0]
                write(f"user: {text}")
            add_user_turn(episode, text, domain.stop_marker)
            continue
        if role == "agent":
            line = _read_line(role, read, write)
            if line.strip() == "/tools":
                write(tool_list(domain))
                continue
            turn = parse_agent_input(line)
            if turn is None:
                episode.done, episode.end_reason = True, "quit"
                break
        else:
            turn = agent.act([episode])[0]
        start = len(episode.messages)
        apply_agent_turn(episode, turn)
        for message in episode.messages[start:]:
            if message["role"] == "assistant" and message.get("content") and role == "user":
                write(f"agent: {message['content']}")
            elif message["role"] == "assistant" and message.get("tool_calls") and role == "user":
                for call in message["tool_calls"]:
                    write(
                        f"agent calls {call['function']['name']}({call['function']['arguments']})"
                    )
            elif message["role"] == "tool":
                write(f"tool: {message['content'][:500]}")
        if role == "agent" and turn.tool_calls:
            episode.waiting_for = "agent"
