"""The agent and the user played by a model backend (:class:`ModelAgent`, :class:`ModelUser`), and
an episode's two roles made from a spec: ``scripted`` or a backend's (``hf:``, ``openai:``,
``vllm:``, see :func:`~eigendsl.runtime.backends.make_backend`).
"""

from __future__ import annotations

from typing import Any

from eigendsl.errors import EigenError
from eigendsl.runtime.backends import Backend, HFBackend, make_backend
from eigendsl.runtime.keyed_sampling import episode_key
from eigendsl.runtime.model_view import agent_context, model_view
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.scripted_user import ScriptedUser
from eigendsl.runtime.turns import AgentTurn


class ModelAgent:
    """The agent role played by a backend: sees the episode's messages and the tools.

    ``context="compact"`` gives the model :func:`model_view`'s compact form and no tool schemas,
    the form the embedded model is trained on; ``"full"`` gives the compiled prompt and schemas."""

    def __init__(
        self, backend: Backend, name: str, context: str = "full", constrain_calls: bool = False
    ):
        if constrain_calls and not isinstance(backend, HFBackend):
            raise EigenError(
                f"constrained tool calls work with the hf backend only, not {name}; an "
                "OpenAI-compatible server holds calls to the tools' schemas itself (vLLM: "
                "structured outputs). Leave the constraint off for this agent."
            )
        self.backend, self.name, self.context, self.constrain_calls = (
            backend,
            name,
            context,
            constrain_calls,
        )

    def act(self, episodes: list[Any]) -> list[AgentTurn]:
        if not episodes:
            return []
        domain = episodes[0].env.domain
        chats = [model_view(e.messages, domain, self.context) for e in episodes]
        tools = None if self.context == "compact" else domain.tool_schemas
        keys = [episode_key("agent", e) for e in episodes]
        if self.constrain_calls:
            # the schemas constrain the calls even where the prompt leaves them out (compact)
            return self.backend.generate(chats, tools, call_tools=domain.tool_schemas, keys=keys)  # type: ignore[call-arg]
        return self.backend.generate(chats, tools, keys=keys)


class ModelUser:
    """An LLM-backed user simulator: the compiled user prompt plus the task's scenario, with
    roles flipped so that the model writes the user's turns."""

    def __init__(self, backend: Backend, user_prompt: str, stop_marker: str, name: str):
        self.backend, self.user_prompt, self.stop_marker, self.name = (
            backend,
            user_prompt,
            stop_marker,
            name,
        )

    def chat(self, episode: Any) -> list[dict[str, Any]]:
        scenario = episode.task.get("user", {})
        known = "\n".join(f"- {k}: {v}" for k, v in scenario.get("known", {}).items())
        unknown = "\n".join(f"- {u}" for u in scenario.get("unknown", []))
        system = (
            f"{self.user_prompt}\n# Your scenario\n"
            f"Reason for calling: {scenario.get('reason', '')}\n"
            f"What you know:\n{known or '- nothing'}\n"
            f"What you do not know:\n{unknown or '- nothing'}\n"
            f"{scenario.get('instructions', '')}\n"
            f"When asked to confirm, answer {'yes' if scenario.get('confirm', True) else 'no'}."
        )
        chat = [{"role": "system", "content": system}]
        for message in episode.messages:
            if message["role"] == "assistant" and message.get("content"):
                chat.append({"role": "user", "content": message["content"]})
            elif message["role"] == "user":
                chat.append({"role": "assistant", "content": message["content"]})
        if len(chat) == 1:
            chat.append({"role": "user", "content": "Hello, how can I help you today?"})
        return chat

    def respond(self, episodes: list[Any]) -> list[str | None]:
        """The user's turns, as the model wrote them: an empty one stays empty (the runner ends
        that episode as ``user_empty``), never taken for the stop marker; None where the
        conversation has outgrown the model's positions (``context_full``)."""
        keys = [episode_key("user", e) for e in episodes]
        turns = self.backend.generate([self.chat(e) for e in episodes], None, keys=keys)
        return [None if t.context_full else (t.content or t.raw or "").strip() for t in turns]


def make_agent(
    spec: str,
    mistakes: tuple[str, ...] = (),
    seed: int = 0,
    constrain_calls: bool = False,
    context: str | None = None,
    **options: Any,
) -> Any:
    """The agent ``spec`` names. A model agent is shown ``context`` (compact or full), by default
    the one its checkpoint was trained on (:func:`agent_context`)."""
    if spec == "scripted":
        for given, option in (
            (constrain_calls, "--constrain-calls holds a model's tool calls to the schemas"),
            (context, "--context chooses what a model is shown"),
        ):
            if given:
                raise EigenError(
                    f"{option}; the scripted agent writes its calls from the gold plan. Use it "
                    "with --agent hf:PATH_OR_ID."
                )
        return ScriptedAgent(mistakes, seed)
    if mistakes:
        raise EigenError(
            f"--mistake makes the scripted agent err on purpose; the agent {spec} "
            "writes its own turns. Leave --mistake out, or use --agent scripted"
        )
    backend = make_backend(spec, "scripted", **options)
    return ModelAgent(
        backend, spec, context=agent_context(spec, context), constrain_calls=constrain_calls
    )


def make_user(spec: str, domain: Any, seed: int = 0, **options: Any) -> Any:
    if spec == "scripted":
        return ScriptedUser(domain.stop_marker, seed)
    backend = make_backend(spec, "scripted", **options)
    return ModelUser(backend, domain.user_prompt, domain.stop_marker, spec)
