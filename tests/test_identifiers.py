"""Fresh identifiers for SFT (eigendsl.train.identifiers): a renamed dialogue is the same dialogue
played on a database whose ids were renamed the same way."""

from __future__ import annotations

import copy
import doctest
import json
import random
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from eigendsl.runtime.environment import Environment
from eigendsl.train import copy_drills, identifiers, renaming, vocabulary
from eigendsl.train.identifiers import Identifiers
from eigendsl.train.vocabulary import name_tokens, schema_names

RETAIL = Path(__file__).resolve().parents[1] / "specs" / "retail"


@pytest.fixture(scope="module")
def retail(retail_domain):
    return retail_domain


@pytest.fixture(scope="module")
def dialogues(retail_scripted):
    return retail_scripted


def test_doctests():
    for module in (identifiers, renaming, copy_drills, vocabulary):
        assert doctest.testmod(module).failed == 0, module.__name__


def test_identifiers_are_found_from_the_seed_data(retail):
    fresh = Identifiers(retail.seed)
    some = {"#W1000815", "usr_rufusadeyemi", "card_9264", "I10702", "P107", "97310"}
    assert some <= fresh.known
    # Dates, emails, names, enum values, 4-digit strings and field names are not identifiers.
    not_ids = {"2026-07-13", "rufus.adeyemi@inbox.example", "Rufus", "pending", "3713", "address1"}
    assert not not_ids & fresh.known
    # Ids stand in for ids of the same shape, or for keys of the same table.
    orders = fresh.groups[fresh.group_of["#W1000815"]]
    assert len(orders) == 40 and all(re.fullmatch(r"#W\d{7}", o) for o in orders)
    assert fresh.group_of["usr_rufusadeyemi"] == fresh.group_of["usr_bramvos"] == "table users"


def test_keys_that_are_words_are_kept():
    fresh = Identifiers(
        {
            "tiers": {"gold": {"name": "gold"}, "silver": {"name": "silver"}},
            "users": {"u_ann": {}, "u_bob": {}},
        }
    )
    assert fresh.known == {"u_ann", "u_bob"}


def _rename_db(value: Any, mapping: dict[str, str]) -> Any:
    """The seed database with its ids renamed (keys and values), as the dialogue's world."""
    if isinstance(value, str):
        return mapping.get(value, value)
    if isinstance(value, dict):
        return {mapping.get(k, k): _rename_db(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [_rename_db(v, mapping) for v in value]
    return value


def _as_permutation(fresh: Identifiers, mapping: dict[str, str]) -> dict[str, str]:
    """``mapping`` made a bijection of the whole database: table keys that were swapped in take the
    place of the ones that left (the dialogue never mentions them)."""
    full = dict(mapping)
    for members in fresh.groups.values():
        if any(new not in members for old, new in mapping.items() if old in members):
            continue  # invented ids: new names, no id of the database takes an old one's place
        sources = [k for k in members if k not in mapping]
        targets = [k for k in members if k not in set(mapping.values())]
        full.update(zip(sources, targets, strict=True))
    return full


def _parse(text: str) -> Any:
    """A tool result as data. Lists of ids are compared as sets: a tool that sorts them (the
    returned items of an order) sorts new ids in another order."""
    try:
        return _unordered(json.loads(text))
    except ValueError:
        return text


def _unordered(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _unordered(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_unordered(v) for v in value]
        return sorted(items) if all(isinstance(v, str) for v in items) else items
    return value


def _permute_db(value: Any, permuted: dict[str, dict[str, str]], under: bool = False) -> Any:
    """The database with the attribute values under ``options`` permuted as ``permuted`` says."""
    if isinstance(value, dict):
        if under:
            return {
                k: permuted.get(k, {}).get(v, v) if isinstance(v, str) else v
                for k, v in value.items()
            }
        return {k: _permute_db(v, permuted, k == "options") for k, v in value.items()}
    if isinstance(value, list):
        return [_permute_db(v, permuted) for v in value]
    return value


@pytest.mark.parametrize(
    ("invent", "values", "catalog"),
    [(False, False, ()), (True, False, ()), (False, True, ()), (False, False, ("products",))],
)
def test_a_renamed_dialogue_replays_on_the_renamed_database(
    retail, dialogues, invent, values, catalog
):
    """Every tool call of the renamed dialogue, run against the database renamed the same way,
    gives the renamed dialogue's tool result: the rename is consistent across all turns. Invented
    ids have the shape of the ids they replace and are none of the database's. With ``values``
    the attribute values are permuted too, and the database's the same way. The ids of a
    ``catalog`` table (products and their variants' item ids) stay as they are."""
    fresh = Identifiers(retail.seed, ["options"], catalog=catalog)
    assert bool(catalog) == ({"P101", "I10101", "I10903"} <= fresh.kept)
    assert not fresh.kept & {"#W1000815", "usr_rufusadeyemi", "card_9264"}
    rng = random.Random(7)
    checked = changed = 0
    for row in dialogues:
        mapping = fresh.plan(row, rng, invent)
        assert len(set(mapping.values())) == len(mapping)  # never two ids into one
        assert not fresh.kept & (set(mapping) | set(mapping.values()))
        for old, new in mapping.items():
            if invent and re.search(r"\d", old):
                assert new not in fresh.known and re.sub(r"\d", "0", new) == re.sub(r"\d", "0", old)
            else:
                assert fresh.group_of[new] == fresh.group_of[old]
        renamed = fresh.apply(row, mapping)
        changed += sum(new != old for old, new in mapping.items())
        world_seed = _rename_db(retail.seed, _as_permutation(fresh, mapping))
        if values:
            permuted = fresh.plan_values(rng)
            assert all(sorted(p) == sorted(p.values()) for p in permuted.values())  # permutations
            renamed = fresh.apply_values(renamed, permuted)
            world_seed = _permute_db(world_seed, permuted)
        world = replace(retail, seed=world_seed)
        env = Environment(world, {})
        messages = renamed["messages"]
        assert messages[0] == row["messages"][0]  # the system prompt is kept
        for i, message in enumerate(messages):
            for call in message.get("tool_calls") or []:
                result = next(m for m in messages[i + 1 :] if m.get("tool_call_id") == call["id"])
                args = json.loads(call["function"]["arguments"])
                text, _ = env.call_tool(call["function"]["name"], args, call["id"])
                assert _parse(text) == _parse(result["content"]), (row["task_id"], call)
                checked += 1
    assert checked > 200 and changed > 200


def test_attribute_values_are_renamed_only_where_their_name_states_them(retail, dialogues):
    """With attribute values permuted, the dialogue changes only in the values stated with their
    name ("color: navy", '"size": "M"'), never in the system prompt, and many of them change."""
    fresh = Identifiers(retail.seed, ["options"])
    assert fresh.attributes["size"] == ["41", "42", "43", "44", "L", "M", "S"]
    assert "matte black" in fresh.attributes["finish"]
    stated = re.compile(
        r'"?('
        + "|".join(fresh.attributes)
        + r')"?: "?('
        + "|".join(
            re.escape(v)
            for vs in fresh.attributes.values()
            for v in sorted(vs, key=len, reverse=True)
        )
        + ")"
    )
    changed = 0
    for number, row in enumerate(dialogues):
        original = copy.deepcopy(row)
        permuted = fresh.permute_values(row, random.Random(number))
        assert row == original and permuted["messages"][0] == row["messages"][0]
        for before, after in zip(
            renaming._strings(row["messages"]),
            renaming._strings(permuted["messages"]),
            strict=True,
        ):
            assert stated.sub("VALUE", before) == stated.sub("VALUE", after)
            changed += sum(
                a != b for a, b in zip(stated.findall(before), stated.findall(after), strict=True)
            )
    assert changed > 100
    # ids alone, unless asked
    assert fresh.rename(dialogues[0], random.Random(1)) == Identifiers(retail.seed).rename(
        dialogues[0], random.Random(1)
    )


def test_attribute_fields_are_the_schemas_maps_of_strings():
    from eigendsl.loader import load_spec
    from eigendsl.spec import Table
    from eigendsl.train.renaming import attribute_fields

    assert attribute_fields(load_spec(RETAIL).spec.database.tables) == ["options"]
    table = Table.model_validate(
        {
            "key": "id",
            "fields": {
                "id": "string",
                "tags": {"type": "map", "of": "string"},
                "lines": {
                    "type": "list",
                    "items": {
                        "type": "object",
                        "fields": {"specs": {"type": "map", "of": "string"}},
                    },
                },
                "cards": {"type": "map", "of": {"type": "object", "fields": {"kind": "string"}}},
                "name": {"type": "object", "fields": {"first": "string"}},
            },
        }
    )
    assert attribute_fields({"things": table}) == ["specs", "tags"]


def test_only_identifiers_change(retail, dialogues):
    """With digits and user ids masked, the renamed dialogue is the original, character for
    character."""
    fresh = Identifiers(retail.seed)
    users = "|".join(map(re.escape, fresh.groups["table users"]))

    def mask(row: dict[str, Any]) -> str:
        text = json.dumps(row["messages"][1:], sort_keys=True)
        return re.sub(r"\d", "0", re.sub(users, "USER", text))

    for number, row in enumerate(dialogues):
        original = copy.deepcopy(row)
        renamed = fresh.rename(row, random.Random(number))
        assert row == original  # the input row is not changed
        assert mask(renamed) == mask(row)


def test_passes_are_deterministic_and_differ(retail, dialogues):
    fresh = Identifiers(retail.seed)
    rows = dialogues[:20]
    first = [row for number in range(2) for row in fresh.fresh_pass(rows, number, seed=3)]
    again = [row for number in range(2) for row in fresh.fresh_pass(rows, number, seed=3)]
    assert first == again
    assert len(first) == 40
    assert first[:20] != first[20:]  # each pass has its own ids


def test_id_tokens_are_prefix_and_body_or_whole(retail):
    """Ids with a prefix that starts only ids are split into prefix and body; user ids give their
    table's prefix and stay in word pieces; an id without such a prefix stays whole; ids mentioned
    once give no token (a token never trained)."""
    fresh = Identifiers(retail.seed)
    text = (
        "usr_rufusadeyemi asked about #W1000815 (I10702, P107) paid with card_9264; "
        "usr_bramvos too."
    )
    assert fresh.frequent([text, text]) == sorted(
        ["usr_rufusadeyemi", "usr_bramvos", "#W1000815", "I10702", "P107", "card_9264"]
    )
    assert fresh.id_tokens([text, text]) == (
        ["#W", "card_", "usr_"],
        ["1000815", "9264"],
        ["I10702", "P107"],
    )
    assert fresh.id_tokens([text]) == ([], [], [])
    # "card_" also starts a word that is no id: no key, its ids stay whole
    assert fresh.id_tokens([text, text + " card_holder"]).words == ["I10702", "P107", "card_9264"]


def test_id_tokens_make_each_id_body_follow_a_key_that_starts_only_ids(retail, dialogues):
    """Prefixed ids become prefix + body tokens, the rest stay whole; in the dialogues rendered by
    a tokenizer with those tokens, every prefix token is followed by the body or the name of an id,
    the text decodes back unchanged, and the assistant mask still falls on token boundaries."""
    from eigendsl.train.chat import render_chat
    from eigendsl.train.tokenizer import train_tokenizer

    fresh = Identifiers(retail.seed)
    texts = [render_chat(row["messages"]) for row in dialogues]
    tokens = fresh.id_tokens(texts)
    assert {"#W", "usr_", "card_"} <= set(tokens.prefixes)
    assert "I10702" in tokens.words or not any("I10702" in t for t in texts)
    assert not set(tokens.words) & {p + b for p in tokens.prefixes for b in tokens.bodies}
    tok = train_tokenizer(texts, 600, words=tokens.words, pieces=tokens.prefixes + tokens.bodies)
    prefixes = {tok.convert_tokens_to_ids(p) for p in tokens.prefixes}
    followers = 0
    for text in texts[:20]:
        ids = tok.encode(text, add_special_tokens=False)
        assert tok.decode(ids) == text
        for here, after in zip(ids, ids[1:], strict=False):
            if here in prefixes:
                name = tok.convert_ids_to_tokens(here) + tok.decode([after])
                assert any(known.startswith(name) for known in fresh.known), name
                followers += 1
    assert followers > 20
    order = next(t for t in fresh.frequent(texts) if t.startswith("#W"))
    assert tok.tokenize(f'"order_id": "{order}"')[-3:] == ["#W", order[2:], '"']


def test_prefix_tokens_alone_spell_every_id_digit_by_digit(retail, dialogues):
    """With ``bodies=False`` the prefixes are still tokens, but no token holds more than one digit:
    a held-out order's id or tracking number is spelled with the same ten digit tokens as every
    id the agent was trained to write, never with a token of its own it was never trained to
    write."""
    from eigendsl.train.chat import render_chat
    from eigendsl.train.tokenizer import train_tokenizer

    fresh = Identifiers(retail.seed)
    texts = [render_chat(row["messages"]) for row in dialogues]
    tokens = fresh.id_tokens(texts, bodies=False)
    assert tokens.prefixes == fresh.id_tokens(texts).prefixes and "#W" in tokens.prefixes
    assert tokens.bodies == [] and tokens.words == []
    tok = train_tokenizer(texts, 600, pieces=tokens.prefixes)
    assert not [t for t in tok.get_vocab() if sum(c.isdigit() for c in t) > 1]
    assert tok.tokenize("#W1000815 TRK6772467592")[:3] == ["#W", "1", "0"]


def _called_ids(fresh: Identifiers, call: dict[str, Any]) -> set[str]:
    args = [json.loads(c["function"]["arguments"]) for c in call["tool_calls"]]
    return {v for a in args for v in a.values() if isinstance(v, str) and v in fresh.known}


def test_copy_drills_state_every_id_of_their_call_just_before_it(retail, dialogues):
    fresh = Identifiers(retail.seed)
    drills = [drill for row in dialogues for drill in fresh.copy_drills(row)]
    shapes = {tuple(m["role"] for m in d["messages"]) for d in drills}
    assert shapes == {("user", "assistant"), ("user", "assistant", "tool", "assistant")}
    # The user id an account call uses comes from the lookup's result, the id alone.
    by_lookup = [d for d in drills if len(d["messages"]) == 4]
    assert {d["messages"][-1]["tool_calls"][0]["function"]["name"] for d in by_lookup} >= {
        "get_user_details"
    }
    passes = [drills] + [fresh.fresh_pass(drills, number) for number in range(2)]
    for one in passes:
        for drill in one:
            *before, call = drill["messages"]
            stated = (
                before[-1]["content"] if len(before) > 1 else " ".join(m["content"] for m in before)
            )
            assert call["role"] == "assistant" and _called_ids(fresh, call)
            assert all(name in stated for name in _called_ids(fresh, call))
    # Each pass has its own ids, so the drills can only be got right by copying.
    called = [[sorted(_called_ids(fresh, d["messages"][-1])) for d in one] for one in passes]
    assert called[0] != called[1] != called[2]


def test_ids_from_long_tool_results_make_no_drill(retail, dialogues):
    """A write copies the order id from the order's details (many ids): no drill."""
    fresh = Identifiers(retail.seed)
    writes = {
        "cancel_pending_order",
        "modify_pending_order_address",
        "return_delivered_order_items",
    }
    calls = [
        c["function"]["name"]
        for row in dialogues
        for m in row["messages"]
        for c in m.get("tool_calls") or []
    ]
    assert len([name for name in calls if name in writes]) >= 5
    for row in dialogues:
        for drill in fresh.copy_drills(row):
            assert drill["messages"][-1]["tool_calls"][0]["function"]["name"] not in writes


def test_the_embedded_vocabulary_holds_each_kind_of_token_its_setting_asks_for(retail, dialogues):
    """``embedded_vocabulary``: the dialogues and the agent prompt as the tokenizer's corpus; id
    prefixes and bodies, names, a call's pieces and the numbers the turns state as its tokens, each
    kind only while its setting is on."""
    from eigendsl.train.chat import CALL_PIECES
    from eigendsl.train.settings import TrainSettings
    from eigendsl.train.vocabulary import embedded_vocabulary

    rows = [{**row, "tools": []} for row in dialogues[:40]]
    every = TrainSettings(call_tokens=True)  # on by default: ids' bodies, names, numbers
    full = embedded_vocabulary(retail, rows, every)
    assert len(full.texts) == len(rows) + 1 and full.texts[-1] == retail.agent_prompt
    assert {"#W", "usr_", "1000001"} <= set(full.pieces) and set(CALL_PIECES) <= set(full.pieces)
    assert " get_order_details" in full.pieces and "get_order_details" in full.words
    assert any(re.fullmatch(r"\d+\.\d+", word) for word in full.words)  # a price, a total
    off = TrainSettings(id_tokens="none", name_tokens=False, number_tokens=False)
    bare = embedded_vocabulary(retail, rows, off)
    assert bare.texts == full.texts and bare.words == [] and bare.pieces == []
    prefixes = embedded_vocabulary(retail, rows, replace(off, id_tokens="prefixes"))
    assert "#W" in prefixes.pieces and "1000001" not in prefixes.pieces
    default = embedded_vocabulary(retail, rows, TrainSettings())
    assert " get_order_details" in default.words and not set(CALL_PIECES) & set(default.pieces)


def test_schema_names_are_tokens_of_their_own(retail, dialogues):
    """The tools', parameters' and record fields' snake-case names (no id among them) become one
    token each, after a space or not (after a word only with ``after_words``), the plain name only
    as a whole word; the dialogues decode back unchanged, ids keep their tokens, and the dialogues
    take fewer tokens."""
    from eigendsl.train.chat import render_chat
    from eigendsl.train.tokenizer import train_tokenizer

    fresh = Identifiers(retail.seed)
    names = schema_names(retail.seed, retail.tool_schemas, fresh.known)
    assert {"get_order_details", "find_user_id_by_email", "payment_method_id", "item_id"} <= set(
        names
    )
    assert not set(names) & fresh.known
    assert all("_" in name and " " not in name for name in names)
    texts = [render_chat(row["messages"]) for row in dialogues]
    tokens = fresh.id_tokens(texts)
    pieces = tokens.prefixes + tokens.bodies
    words, spaced = name_tokens(names, after_words=True)
    tok = train_tokenizer(texts, 600, words=tokens.words + words, pieces=pieces + spaced)
    plain = train_tokenizer(texts, 600, words=tokens.words, pieces=pieces)
    call = '{"name": "get_order_details", "arguments": {"order_id": "#W1000815"}}'
    spelled = tok.tokenize(call)
    assert {"get_order_details", "order_id"} <= set(spelled) and "_" not in spelled
    assert spelled[-3:-1] == ["#W", "1000815"]
    assert {" get_user_details", " list_user_orders"} <= set(
        tok.tokenize("Tools: get_user_details, list_user_orders.")
    )
    after_word = "I will call cancel_pending_order now."
    assert " cancel_pending_order" in tok.tokenize(after_word)
    words, spaced = name_tokens(names)  # the default: the spaced form a word, not after a letter
    assert spaced == [] and " get_user_details" in words
    default = train_tokenizer(texts, 600, words=tokens.words + words, pieces=pieces)
    assert " cancel_pending_order" not in default.tokenize(after_word)
    listed = "Tools: get_user_details, cancel_pending_order."
    assert " cancel_pending_order" in default.tokenize(listed)
    assert "order_id" not in tok.tokenize("reorder_id order_ids")  # whole words only
    for text in texts[:20]:
        assert tok.decode(tok.encode(text, add_special_tokens=False)) == text
    lengths = [
        sum(len(t.encode(text, add_special_tokens=False)) for text in texts) for t in (tok, plain)
    ]
    assert lengths[0] < 0.95 * lengths[1]


def test_the_shuffled_passes_leave_the_catalogs_ids(retail, dialogues):
    """With ``sft_catalog`` (retail's spec: products) the passes with shuffled ids keep every
    product and item id and still shuffle the rest; without it the item ids move too."""
    from eigendsl.train.settings import TrainSettings
    from eigendsl.train.sft_dialogues import sft_schedule

    rows = [r for r in dialogues if re.search(r"\bI1\d{4}\b", json.dumps(r["messages"][1:]))]
    settings = {"sft_epochs": 2, "sft_fresh_ids": 0.5, "sft_pass_size": 0, "sft_balance": False}

    def catalog_ids(one: list[dict]) -> list[list[str]]:
        return [re.findall(r"\b(?:I1\d{4}|P1\d\d)\b", json.dumps(r["messages"])) for r in one]

    _, kept = sft_schedule(rows, retail.seed, TrainSettings(sft_catalog=("products",), **settings))
    _, moved = sft_schedule(rows, retail.seed, TrainSettings(**settings))
    assert len(rows) > 5 and kept[0] == moved[0] == rows
    assert catalog_ids(kept[1]) == catalog_ids(rows) and kept[1] != rows
    assert catalog_ids(moved[1]) != catalog_ids(rows)
