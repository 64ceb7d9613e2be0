"""A key written twice in one object of a JSON file a spec reads (seed data, a tau2 domain
folder's files) is an error at each repeat, all of them in one run, as a YAML file's duplicate
keys are: Python's decoder would keep the last value and say nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from eigendsl.compiler import compile_domain
from eigendsl.errors import EigenError
from eigendsl.tau2.domain_folder import read_json
from tests.conftest import edit

SEED_JSON = """{
  "users": [
    {"user_id": "u1", "email": "ann@example.com", "name": "Ann", "name": "Anne"},
    {"user_id": "u2", "email": "bob@example.com", "name": "Bob"}
  ],
  "orders": [
    {"order_id": "#1", "user_id": "u1", "status": "pending", "total": 20.0,
     "items": [{"item_id": "i1", "price": 20.0, "price": 2.0}]},
    {"order_id": "#2", "user_id": "u2", "status": "delivered", "total": 5.5, "items": []}
  ],
  "users": []
}
"""


def test_every_duplicate_key_of_a_json_seed_is_reported(mini: Path) -> None:
    edit(mini, "domain.yaml", "seed: data/seed.yaml", "seed: data/seed.json")
    edit(mini, "data/seed.json", None, SEED_JSON)
    with pytest.raises(EigenError) as caught:
        compile_domain(mini)
    assert [str(d) for d in caught.value.diagnostics] == [
        "mini/data/seed.json:3:66: duplicate key 'name' (first defined at line 3); remove one "
        "of them",
        "mini/data/seed.json:8:49: duplicate key 'price' (first defined at line 8); remove one "
        "of them",
        "mini/data/seed.json:11:3: duplicate key 'users' (first defined at line 2); remove one "
        "of them",
    ]


def test_keys_alike_in_other_objects_or_spelt_apart_are_no_duplicates(mini: Path) -> None:
    # the same keys in different objects, and escapes that spell different keys, are no repeat
    once = SEED_JSON.replace(', "name": "Anne"', "").replace(', "price": 2.0', "")
    once = once.replace(',\n  "users": []', ',\n  "us\\u0065rs2": [], "x\\"y": {"users": 1}')
    edit(mini, "domain.yaml", "seed: data/seed.yaml", "seed: data/seed.json")
    edit(mini, "data/seed.json", None, once)
    with pytest.raises(EigenError) as caught:  # only the tables no schema declares
        compile_domain(mini)
    assert [d.message.split(";")[0] for d in caught.value.diagnostics] == [
        "seed data has unknown table 'users2'",
        "seed data has unknown table 'x\"y'",
    ]


def test_a_duplicate_key_of_a_tau2_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "tasks.json"
    path.write_text('[{"id": "t1",\n  "id": "t2", "note": "a \\"id\\": here"}]\n', encoding="utf-8")
    with pytest.raises(EigenError) as caught:
        read_json(path)
    assert [str(d) for d in caught.value.diagnostics] == [
        f"{path}:2:3: duplicate key 'id' (first defined at line 1); remove one of them"
    ]
