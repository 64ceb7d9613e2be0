"""The words a domain's compiled verifiers count as naming what a write does, in
``confirmed(c, words)``: the scripted user says yes only to a proposal the verifier would count,
so it reads the same words, for each write tool (:func:`read_confirm_words`).

The compiler works them out from the checker AST (:mod:`eigendsl.dsl.confirm_words`) and writes
them as data, the ``confirm_words`` key of ``verifiers/index.json``; the runtime reads that key
and never the generated code.
"""

from __future__ import annotations

from typing import Any

from eigendsl.runtime.compiled import CompiledFiles, shown

INDEX = "verifiers/index.json"


def read_confirm_words(
    compiled: CompiledFiles, index: dict[str, Any]
) -> dict[str, tuple[str, ...]] | None:
    """The words of ``index`` (``verifiers/index.json``, read) by write tool; None where no
    verifier calls ``confirmed``.

    A folder compiled before the key existed is an error that says to compile again: its words
    could only be had by reading its generated code back and evaluating it, which the runtime
    no longer does, and without them the scripted user would answer other proposals than the
    verifiers count (a recompile is one command and gives the same verifiers).
    """
    if "confirm_words" not in index:
        raise compiled.error(
            INDEX,
            "this folder was compiled by an earlier EigenDSL: its index lacks the key "
            "'confirm_words' (the words the verifiers' confirmed(c, words) counts for each "
            "write, which the scripted user reads)",
        )
    words = index["confirm_words"]
    if words is None:
        return None
    compiled.need(INDEX, words, dict, "'confirm_words' of the top level")
    out: dict[str, tuple[str, ...]] = {}
    for tool, listed in words.items():
        what = f"the words of tool '{tool}' in 'confirm_words'"
        compiled.need(INDEX, listed, list, what)
        for word in listed:
            if not isinstance(word, str):
                raise compiled.error(INDEX, f"{what} must be strings, not {shown(word)}")
        out[tool] = tuple(listed)
    return out
