"""`eigendsl schema`: the JSON Schema an editor checks spec files against takes every form the
loader takes (the short `city: string`, `order_id: string?` and `- tool_name: {args}` too), so
no spec that compiles is flagged in an editor.

The files are checked with the `jsonschema` package where it is installed, else with the small
validator below (the keywords the printed schemas use)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from eigendsl.cli import main
from tests.conftest import FIXTURES, ROOT

SPECS = [
    ROOT / "specs" / "retail",
    FIXTURES / "mini",
    FIXTURES / "lint" / "planted",
    *sorted(p.parent for p in (FIXTURES / "golden").glob("*/spec/domain.yaml")),
]
TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
    "integer": int,
    "number": (int, float),
}


def schema(kind: str) -> dict[str, Any]:
    printed = CliRunner().invoke(main, ["schema", "--kind", kind])
    assert printed.exit_code == 0, printed.output
    return json.loads(printed.output)


def _is(value: Any, kind: str) -> bool:
    if isinstance(value, bool) and kind in ("integer", "number"):
        return False
    return isinstance(value, TYPES[kind])


def problems(value: Any, node: dict[str, Any], root: dict[str, Any], at: str = "") -> list[str]:
    """What keeps ``value`` from matching ``node`` (empty: it matches), for the keywords
    ``eigendsl schema`` prints."""
    if "$ref" in node:
        node = {
            **root["$defs"][node["$ref"].rsplit("/", 1)[-1]],
            **{k: v for k, v in node.items() if k != "$ref"},
        }
    out: list[str] = []
    if "anyOf" in node and all(problems(value, n, root, at) for n in node["anyOf"]):
        out.append(f"{at}: matches none of anyOf")
    if "not" in node and not problems(value, node["not"], root, at):
        out.append(f"{at}: matches what 'not' excludes")
    if "type" in node:
        kinds = node["type"] if isinstance(node["type"], list) else [node["type"]]
        if not any(_is(value, k) for k in kinds):
            return [*out, f"{at}: {value!r} is not {kinds}"]
    if "enum" in node and value not in node["enum"]:
        out.append(f"{at}: {value!r} not in {node['enum']}")
    if "const" in node and value != node["const"]:
        out.append(f"{at}: {value!r} is not {node['const']!r}")
    if "pattern" in node and isinstance(value, str) and not re.search(node["pattern"], value):
        out.append(f"{at}: {value!r} does not match {node['pattern']}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        for key, holds in (
            ("minimum", lambda b: value >= b),
            ("maximum", lambda b: value <= b),
            ("exclusiveMinimum", lambda b: value > b),
            ("exclusiveMaximum", lambda b: value < b),
        ):
            if key in node and not holds(node[key]):
                out.append(f"{at}: {value!r} breaks {key} {node[key]}")
    if isinstance(value, dict):
        if len(value) < node.get("minProperties", 0) or len(value) > node.get(
            "maxProperties", len(value)
        ):
            out.append(f"{at}: {len(value)} properties")
        out += [f"{at}: lacks {k}" for k in node.get("required", ()) if k not in value]
        properties = node.get("properties", {})
        extra = node.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                out += problems(item, properties[key], root, f"{at}.{key}")
            elif extra is False:
                out.append(f"{at}: unknown key {key!r}")
            elif isinstance(extra, dict):
                out += problems(item, extra, root, f"{at}.{key}")
    if isinstance(value, list) and "items" in node:
        for i, item in enumerate(value):
            out += problems(item, node["items"], root, f"{at}[{i}]")
    return out


def validate(value: Any, root: dict[str, Any]) -> list[str]:
    try:
        import jsonschema
    except ImportError:
        return problems(value, root, root)
    return [e.message for e in jsonschema.Draft202012Validator(root).iter_errors(value)]


def as_editor_reads(path: Path) -> Any:
    """A YAML file as JSON values (an unquoted day is text to an editor's YAML 1.2 reader)."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value.isoformat() if isinstance(value, dt.date) else value

    return plain(yaml.safe_load(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("kind", ["domain", "tasks"])
def test_the_schema_names_the_draft_it_is_written_for(kind: str) -> None:
    """Without `$schema`, an editor that picks its validator by it validated with none; pydantic
    writes JSON Schema draft 2020-12 (its `$defs`, for one)."""
    printed = schema(kind)
    assert next(iter(printed)) == "$schema"
    assert printed["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "$defs" in printed


@pytest.mark.parametrize("spec", SPECS, ids=[str(p.relative_to(ROOT)) for p in SPECS])
def test_every_spec_file_the_loader_takes_matches_the_schema(spec: Path) -> None:
    domain, tasks = schema("domain"), schema("tasks")
    written = as_editor_reads(spec / "domain.yaml")
    assert validate(written, domain) == []
    for path in sorted(p for glob in written.get("tasks", []) for p in spec.glob(glob)):
        assert validate(as_editor_reads(path), tasks) == [], path


def test_the_short_forms_match_and_a_misspelt_type_does_not() -> None:
    domain, tasks = schema("domain"), schema("tasks")
    field = {"$ref": "#/$defs/FieldType", "$defs": domain["$defs"]}
    for good in ("string", "date?", {"type": "list", "items": "string"}):
        assert problems(good, field, domain) == [], good
    for bad in ("strng", "string??", {"type": "string", "city": 1}):
        assert problems(bad, field, domain), bad
    step = {"$ref": "#/$defs/Step", "$defs": tasks["$defs"]}
    for good in ({"get_order": {"order_id": "#1"}}, {"get_order": None}, {"say": "Done."}):
        assert problems(good, step, tasks) == [], good
    for bad in ({"get_order": ["#1"]}, {"a": {}, "b": {}}, {"tool": ["x"]}):
        assert problems(bad, step, tasks), bad
