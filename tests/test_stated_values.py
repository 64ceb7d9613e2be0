"""Numbers the agent states out of tool results (eigendsl.train.stated_values): permuted in SFT
dialogues so that only reading the result gets them right, and one token each in the embedded
tokenizer."""

from __future__ import annotations

import copy
import doctest
import random
import re

import pytest

from eigendsl.train import stated_values
from eigendsl.train.renaming import _strings
from eigendsl.train.stated_values import (
    copied_numbers,
    field_values,
    number_words,
    numeric_fields,
    permute_numbers,
    word_pattern,
)

_NUMBER = re.compile(r"(?<![\w.])\d+\.\d+(?![\w]|\.\d)")


@pytest.fixture(scope="module")
def numbers(retail_domain):
    return numeric_fields(field_values(retail_domain.seed))


def test_doctests():
    assert doctest.testmod(stated_values).failed == 0


def test_the_numeric_fields_are_the_seeds_numbers(numbers):
    assert set(numbers) == {"amount", "balance", "exchange_price_difference", "price"}
    assert numbers["balance"] == ["120.0", "200.0", "350.0", "40.0", "75.0"]
    # words are not permuted (the policy reads a status), nor whole numbers (a card's last four)


def test_the_agent_copies_balances_and_refunds(retail_scripted, numbers):
    """What the scripted agent states out of a result is found: the gift card's balance, a
    return's refund; a number the user said first is not the agent's copy."""
    by_family: dict[str, set[str]] = {}
    for row in retail_scripted:
        by_family.setdefault(row["family"], set()).update(copied_numbers(row, numbers).values())
    assert "balance" in by_family["balance"]
    assert by_family["return"] & {"amount", "price"}
    said = {"role": "user", "content": "My balance is 40.0, right?"}
    result = {"role": "tool", "content": "gift_1: {kind: gift_card, balance: 40.0}"}
    told = {"role": "assistant", "content": "Your balance is 40.0."}
    assert copied_numbers({"messages": [result, told]}, numbers) == {"40.0": "balance"}
    assert copied_numbers({"messages": [said, result, told]}, numbers) == {}


def test_permuted_numbers_are_read_where_the_agent_read_them(retail_scripted, numbers):
    """Each copied number becomes another value of its field, one the dialogue did not hold, in
    every turn but the system prompt: the permuted dialogue's agent copies the new values out of
    the results, no two numbers merge, and nothing but the copied numbers changes."""
    changed = 0
    for number, row in enumerate(retail_scripted):
        original = copy.deepcopy(row)
        permuted = permute_numbers(row, numbers, random.Random(number))
        assert row == original and permuted["messages"][0] == row["messages"][0]
        before, after = copied_numbers(row, numbers), copied_numbers(permuted, numbers)
        assert len(before) == len(after)  # in the order the agent writes them
        held = " ".join(_strings(row["messages"][1:]))
        for old, new in zip(before, after, strict=True):
            assert new in numbers[before[old]]
            assert new == old or not word_pattern(new).search(held)
            changed += new != old
        mapping = dict(zip(before, after, strict=True))
        for text, new_text in zip(
            _strings(row["messages"]), _strings(permuted["messages"]), strict=True
        ):
            expected = text
            for old, new in mapping.items():
                expected = word_pattern(old).sub(new, expected)
            assert new_text == (text if text is row["messages"][0]["content"] else expected)
        assert len(set(_NUMBER.findall(held))) == len(
            set(_NUMBER.findall(" ".join(_strings(permuted["messages"][1:]))))
        )
    assert changed > 20


def test_every_stated_number_is_one_token(retail_domain, retail_scripted, numbers):
    """The numbers the dialogues repeat are one token each (without the tokens, digits are
    spelled one by one), a number said once is not, and the dialogues decode back unchanged; the
    numbers a permuted dialogue may state are among them."""
    from eigendsl.train.chat import render_chat
    from eigendsl.train.tokenizer import train_tokenizer

    texts = [render_chat(row["messages"]) for row in retail_scripted]
    words = number_words(texts)
    assert {"40.0", "350.0", "86.5", "104.25"} <= set(words)
    assert all(re.fullmatch(r"\d+\.\d+", word) for word in words)
    counts = {
        w: sum(len(re.findall(rf"(?<![\w.]){re.escape(w)}(?!\w|\.\d)", t)) for t in texts)
        for w in words
    }
    assert min(counts.values()) >= 2
    pool = numeric_fields(field_values(retail_domain.seed), words)
    assert {v.removeprefix("-") for vs in pool.values() for v in vs} <= set(words)
    assert pool["balance"] == numbers["balance"]
    tok = train_tokenizer(texts, 600, words=words)
    plain = train_tokenizer(texts, 600)
    spelled = tok.tokenize("gift_8832: {kind: gift_card, balance: 350.0}, price: 104.25.")
    assert {"350.0", "104.25"} <= set(spelled)
    assert "350.0" not in plain.tokenize("balance: 350.0") and "1350.0" not in spelled
    assert "350.0" not in tok.tokenize("balance: 1350.05")  # not inside a longer number
    for text in texts[:20]:
        assert tok.decode(tok.encode(text, add_special_tokens=False)) == text


def test_the_shuffled_passes_permute_the_copied_numbers(retail_domain, retail_scripted, numbers):
    """With ``sft_fresh_numbers`` (the default) the passes with shuffled ids also give the numbers
    the agent copies new values; the passes as synthesized keep theirs, and with the setting off
    every number stays."""
    from eigendsl.train.settings import TrainSettings
    from eigendsl.train.sft_dialogues import sft_schedule
    from eigendsl.training_spec import STAGE_DEFAULTS

    assert TrainSettings().sft_fresh_numbers is STAGE_DEFAULTS["sft"]["fresh_numbers"] is True
    assert TrainSettings().number_tokens is True

    def numbers_of(one: list[dict]) -> list[list[str]]:
        return [_NUMBER.findall(" ".join(_strings(r["messages"][1:]))) for r in one]

    rows = retail_scripted[:30]
    settings = {"sft_epochs": 2, "sft_fresh_ids": 0.5, "sft_pass_size": 0, "sft_balance": False}
    seed = retail_domain.seed
    _, plain = sft_schedule(rows, seed, TrainSettings(sft_fresh_numbers=False, **settings))
    _, fresh = sft_schedule(rows, seed, TrainSettings(**settings))
    assert fresh[0] == plain[0] == rows  # the first pass as synthesized
    assert numbers_of(plain[1]) == numbers_of(rows)  # ids renamed, numbers kept
    moved = sum(a != b for a, b in zip(numbers_of(fresh[1]), numbers_of(rows), strict=True))
    copied = sum(bool(copied_numbers(r, numbers)) for r in rows)
    assert moved == copied > 5


def test_the_shuffled_passes_give_the_users_percentage_another(retail_domain, retail_scripted):
    """The percentage a customer asks for, which the transfer summary repeats, is a number the
    user says first: the passes with shuffled ids give it another of as many digits, in the
    user's turn and the summary alike (recalling the usual 15% gets it wrong); the passes as
    synthesized, and every pass with ``sft_fresh_numbers`` off, keep it."""
    from eigendsl.train.identifiers import Identifiers
    from eigendsl.train.settings import TrainSettings
    from eigendsl.train.sft_dialogues import sft_schedule
    from eigendsl.train.stated_values import said_number_words

    percent = re.compile(r"(\d+)% refund")

    def asked_and_summed(row: dict) -> tuple[list[str], list[str]]:
        said = [
            p for m in row["messages"] if m["role"] == "user" for p in percent.findall(m["content"])
        ]
        calls = [c for m in row["messages"] for c in m.get("tool_calls") or []]
        summed = [p for c in calls for p in percent.findall(c["function"]["arguments"])]
        return said, summed

    rows = [r for r in retail_scripted if r["family"] == "transfer"] * 2  # each said twice
    assert len(rows) >= 6
    words = said_number_words(rows, Identifiers(retail_domain.seed).known)
    assert len(words) >= 2
    settings = {"sft_epochs": 2, "sft_fresh_ids": 0.5, "sft_pass_size": 0, "sft_balance": False}
    seed = retail_domain.seed
    _, plain = sft_schedule(rows, seed, TrainSettings(sft_fresh_numbers=False, **settings))
    _, fresh = sft_schedule(rows, seed, TrainSettings(**settings))
    assert fresh[0] == rows
    for before, kept, moved in zip(rows, plain[1], fresh[1], strict=True):
        said, summed = asked_and_summed(before)
        assert said[:1] == summed[:1] and said and asked_and_summed(kept) == (said, summed)
        new_said, new_summed = asked_and_summed(moved)
        assert new_said[0] == new_summed[0] != said[0] and len(new_said[0]) == len(said[0])
        assert new_said[0] in words  # a token of the embedded tokenizer: copied in one step


def test_a_number_a_result_or_the_database_holds_is_not_the_users():
    """Only the user's own numbers move: one a tool result holds (a house number the address
    change echoes, a day of a date) or an id of the database (a zip code) stays."""
    from eigendsl.train.stated_values import said_numbers

    user = {"role": "user", "content": "Move it to 22 Pilot Street, 98225, and refund 20%."}
    call = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "function": {
                    "arguments": '{"address1": "22 Pilot Street", "zip": "98225", "note": "20%"}'
                }
            }
        ],
    }
    echo = {"role": "tool", "content": "address1: 22 Pilot Street, placed_on: 2026-03-16"}
    assert said_numbers({"messages": [user, call]}, known={"98225"}) == ["20", "22"]
    assert said_numbers({"messages": [user, call, echo]}, known={"98225"}) == ["20"]


def test_the_users_numbers_are_tokens_of_the_embedded_tokenizer(retail_domain, retail_scripted):
    """With ``number_tokens`` the percentages customers ask for are words of the vocabulary, so
    the summary copies one token, not two digits; inside a longer number they stay digits."""
    from eigendsl.train.settings import TrainSettings
    from eigendsl.train.tokenizer import train_tokenizer
    from eigendsl.train.vocabulary import embedded_vocabulary

    rows = [r for r in retail_scripted if r["family"] == "transfer"] * 2
    vocabulary = embedded_vocabulary(retail_domain, rows, TrainSettings())
    percent = re.search(r"(\d+)% refund", rows[0]["messages"][1]["content"])
    assert percent and percent.group(1) in vocabulary.words
    plain = embedded_vocabulary(retail_domain, rows, TrainSettings(number_tokens=False))
    assert percent.group(1) not in plain.words
    tok = train_tokenizer(vocabulary.texts, 600, words=vocabulary.words)
    assert percent.group(1) in tok.tokenize(f"asks for a {percent.group(1)}% refund")
    assert percent.group(1) not in tok.tokenize(f"order 1{percent.group(1)}7")
