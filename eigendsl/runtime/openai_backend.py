"""The ``openai:BASE_URL[#model]`` backend: any OpenAI-compatible chat-completions endpoint with
tool calling (a vLLM server, a hosted API), over httpx, with retries and timeouts. The server's
``tool_calls`` are read by :func:`~eigendsl.runtime.turns.turn_from_openai`, which never raises.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from eigendsl.errors import EigenError
from eigendsl.runtime.call_values import without_surrogates
from eigendsl.runtime.turns import AgentTurn, turn_from_openai


class OpenAIBackend:
    """Any OpenAI-compatible chat-completions endpoint with tool calling (e.g. a vLLM server)."""

    def __init__(
        self,
        base_url: str,
        model: str = "default",
        api_key: str | None = None,
        timeout: float = 60.0,
        retries: int = 3,
        temperature: float = 0.0,
        max_tokens: int = 512,
    ):
        import httpx

        if not re.match(r"https?://[^\s/]+", base_url) or re.search(r"\s", base_url):
            raise EigenError(
                f"openai:{base_url} does not name a server; write its base URL, such as "
                "openai:http://localhost:8000/v1#model"
            )
        self.url = base_url.rstrip("/")
        if not self.url.endswith("/chat/completions"):
            self.url += "/chat/completions"
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(timeout=timeout, headers=headers)
        self.model, self.retries = model, retries
        self.temperature, self.max_tokens = temperature, max_tokens

    def _post(self, payload: dict[str, Any]) -> dict[str, Any]:
        import httpx

        try:
            # Built here, not by httpx inside the retry loop: a request that cannot be written
            # is EigenDSL's fault, not the server's, and retrying it would not help.
            body = json.dumps(
                payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False
            ).encode("utf-8")
        except (TypeError, ValueError, RecursionError) as exc:
            raise EigenError(
                f"the request to {self.url} was not sent: the conversation cannot be written as "
                f"JSON ({exc}); the runtime should never put such a value in it, please report it"
            ) from None
        headers = {"Content-Type": "application/json"}
        delay = 0.5
        last = ""
        for attempt in range(self.retries + 1):
            try:
                response = self.client.post(self.url, content=body, headers=headers)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                last = type(exc).__name__
            else:
                if response.status_code == 429 or response.status_code >= 500:
                    last = f"HTTP {response.status_code}"
                elif response.status_code >= 400:
                    raise EigenError(
                        f"{self.url} refused the request: HTTP {response.status_code}: "
                        f"{response.text[:200]}"
                    )
                else:
                    try:
                        return without_surrogates(response.json())
                    except (ValueError, RecursionError):  # not JSON, or past what it decodes
                        last = "a response that could not be read as JSON"
            if attempt < self.retries:
                time.sleep(delay)
                delay *= 2
        raise EigenError(
            f"{self.url} did not answer after {self.retries + 1} attempts (last: {last}); "
            "is the server running?"
        )

    def generate(
        self,
        chats: list[list[dict[str, Any]]],
        tools: list[dict[str, Any]] | None,
        *,
        keys: list[str] | None = None,
    ) -> list[AgentTurn]:
        """One request a chat; the server samples as it does (``keys`` are not sent: not every
        OpenAI-compatible server takes a request's seed)."""
        turns = []
        for chat in chats:
            payload: dict[str, Any] = {
                "model": self.model,
                "messages": chat,
                "temperature": self.temperature,
                "max_tokens": self.max_tokens,
            }
            if tools:
                payload["tools"] = tools
            data = self._post(payload)
            try:
                message = data["choices"][0]["message"]
            except (KeyError, IndexError, TypeError):
                turns.append(AgentTurn(content=None, errors=["the endpoint returned no message"]))
                continue
            turns.append(turn_from_openai(message))
        return turns
