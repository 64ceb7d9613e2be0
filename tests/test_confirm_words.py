"""The words a write's proposal may name it by, as the verifiers' ``confirmed(c, words)`` list
them, reach the scripted user however the spec writes the list: written out, a spec constant, a
check's let or a block's argument. The user says yes only to a proposal a verifier would count
(:func:`~eigendsl.runtime.user_proposals.unconfirmable`), so a list it did not read made it
stricter than the verifier: it asked again a proposal the verifier counts.

The compiler reads the words from the checker AST (:mod:`eigendsl.dsl.confirm_words`) and writes
them into ``verifiers/index.json``; the runtime reads them there, never the generated code, and
refuses a folder compiled before, saying to compile again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from eigendsl.dsl.confirm_words import confirm_words
from eigendsl.dsl.parser import parse
from eigendsl.errors import EigenError
from eigendsl.runtime.domain import load_domain
from eigendsl.runtime.utterances import USER_YES
from tests.conftest import MINI, ROOT, copy_spec, edit
from tests.hand_agents import ListAgent, play_row, turn

RULE = """\
rule confirm_writes:
    require all(c in calls where c.writes: user_said "yes" before c)
"""

# each spec's rule (and check) reads "drop" through a name, never as a list written out
BY_NAME = {
    "constant": """\
let BASE = ["scrap"]
let WORDS = BASE + ["drop"]

rule confirm_writes:
    require all(c in calls where c.writes: confirmed(c, WORDS))
""",
    "let": """\
rule confirm_writes:
    let words = ["drop", "scrap"]
    require all(c in calls where c.writes: confirmed(c, words))
""",
    "block": """\
block confirms(words: list[string]):
    require all(c in calls where c.writes: confirmed(c, words))

rule confirm_writes:
    use confirms(["drop"])
""",
}

PROPOSAL = "Shall I drop order #1 (no longer needed)?"


def _spec(tmp_path: Path, rule: str) -> Path:
    root = copy_spec(MINI, tmp_path / "mini")
    edit(root, "checks/main.chk", RULE, rule)
    return root


def _agent() -> ListAgent:
    return ListAgent(
        [
            turn("What is your email, please?"),
            turn(None, ("find_user", {"email": "ann@example.com"})),
            turn(None, ("get_order", {"order_id": "#1"})),
            turn(PROPOSAL),
            turn(None, ("cancel_order", {"order_id": "#1", "reason": "no longer needed"})),
            turn("Your order #1 is cancelled."),
        ]
    )


def _reply_to(row: dict[str, Any], proposal: str) -> str:
    messages = row["messages"]
    at = next(i for i, m in enumerate(messages) if m.get("content") == proposal)
    return next(m["content"] for m in messages[at + 1 :] if m["role"] == "user")


@pytest.mark.parametrize("how", sorted(BY_NAME))
def test_a_proposal_in_words_listed_through_a_name_gets_its_yes(tmp_path: Path, how: str) -> None:
    domain = load_domain(_spec(tmp_path, BY_NAME[how]))
    assert "drop" in (domain.confirm_words or {})["cancel_order"]
    row = play_row(domain, "cancel-ann", _agent())
    assert _reply_to(row, PROPOSAL) in USER_YES
    assert row["verdict"]["passed"], row["verdict"]["failures"]


def test_a_proposal_in_no_listed_word_is_still_asked_again(tmp_path: Path) -> None:
    rule = BY_NAME["constant"].replace('+ ["drop"]', '+ ["axe"]')
    domain = load_domain(_spec(tmp_path, rule))
    assert domain.confirm_words == {"cancel_order": ("scrap", "axe"), "set_email": ("scrap", "axe")}
    reply = _reply_to(play_row(domain, "cancel-ann", _agent()), PROPOSAL)
    assert reply not in USER_YES
    assert reply.startswith("Sorry, what exactly should I confirm?")


def _words(text: str, writes: list[str]) -> dict[str, tuple[str, ...]] | None:
    return confirm_words(parse(text, "x.chk").declarations, writes)


def test_words_that_read_the_episode_add_none() -> None:
    # a list of the trace's or the task's values is not known before the episode
    check = """\
check k(verb: string):
    let words = [verb]
    let more = words + ["ship"]
    require all(c in calls: confirmed(c, more))
    require all(c in calls: confirmed(c, [c.args.reason]))
    require all(c in calls: confirmed(c, [m.content for m in messages]))
"""
    assert _words(check, ["cancel"]) == {"cancel": ()}
    # a let of another declaration is not this one's
    other = (
        'rule r:\n    let w = ["drop"]\ncheck k():\n    require all(c in calls: confirmed(c, w))\n'
    )
    assert _words(other, ["cancel"]) == {"cancel": ()}
    assert _words(other.replace("check k():\n", ""), ["cancel"]) == {"cancel": ("drop",)}


def test_words_through_names_conditions_and_comprehensions() -> None:
    text = """\
let BASE = ["scrap"]
let BY_TOOL = {cancel: BASE + ["drop"], move: ["ship"]}

block confirms(words: list[string]):
    require all(c in calls where c.writes: confirmed(c, words))

rule r:
    require all(c in calls: confirmed(c, BY_TOOL[c.tool]))

check k():
    let extra = [w for w in ["axe", "x", "bin"] where w != "x"]
    use confirms(extra + ["nix"])
    require all(d in calls: confirmed(d, ["pay"] if d.tool == "pay" else []))
"""
    assert _words(text, ["cancel", "move", "pay"]) == {
        "cancel": ("scrap", "drop", "axe", "bin", "nix"),
        "move": ("ship", "axe", "bin", "nix"),
        "pay": ("axe", "bin", "nix", "pay"),
    }
    # a block no check or rule uses is judged nowhere: its words count for nothing
    assert _words(text.replace('    use confirms(extra + ["nix"])\n', ""), ["pay"]) == {
        "pay": ("pay",)
    }


# The words retail's verifiers count, as the reading of the generated code gave them before
# they were compiled as data (runtime/confirm_words.py at 70f9fcb).
RETAIL = {
    "cancel_pending_order": ("cancellation",),
    "modify_pending_order_address": ("change", "update", "ship", "move", "send", "redirect", "set"),
    "modify_pending_order_payment": ("change", "update", "pay", "charge", "switch", "use"),
    "modify_pending_order_items": ("change", "update", "swap", "replace", "switch"),
    "return_delivered_order_items": ("refund",),
    "exchange_delivered_order_items": ("swap", "replace", "switch"),
    "modify_user_address": ("change", "update", "move", "save", "set", "replace"),
}


def test_retail_s_words_are_compiled_as_data() -> None:
    index = json.loads((ROOT / "generated/retail/verifiers/index.json").read_text())
    assert {tool: tuple(words) for tool, words in index["confirm_words"].items()} == RETAIL
    assert load_domain(ROOT / "generated/retail").confirm_words == RETAIL


def test_a_domain_without_confirmed_records_null(tmp_path: Path) -> None:
    domain = load_domain(_spec(tmp_path, RULE))
    assert domain.confirm_words is None
    assert json.loads(domain.files["verifiers/index.json"])["confirm_words"] is None


def test_a_folder_compiled_before_the_words_says_to_compile_again(tmp_path: Path) -> None:
    out = tmp_path / "retail"
    shutil.copytree(ROOT / "generated/retail", out)
    index = out / "verifiers/index.json"
    data = json.loads(index.read_text())
    del data["confirm_words"]
    index.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    with pytest.raises(
        EigenError, match=r"index.json: this folder was compiled by an earlier"
    ) as e:
        load_domain(out)
    assert "lacks the key 'confirm_words'" in str(e.value)
    assert f"compile the spec again with `eigendsl compile SPEC_DIR -o {out}`" in str(e.value)
    data["confirm_words"] = {"cancel_pending_order": ["cancel", 3]}
    index.write_text(json.dumps(data))
    with pytest.raises(EigenError, match="must be strings, not 3"):
        load_domain(out)
