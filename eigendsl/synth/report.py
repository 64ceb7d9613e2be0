"""A generation's report: how much was accepted and why not, what the accepted dialogues cover
(tools, rules) and how varied they are; the next generation's planner chooses from it."""

from __future__ import annotations

from collections import Counter
from typing import Any

from eigendsl.runtime.domain import Domain
from eigendsl.runtime.environment import is_refusal
from eigendsl.synth import roles as R
from eigendsl.synth.quality import ngrams, reason_kind, tool_sequence, user_text
from eigendsl.synth.records import SCHEMA_VERSION

REASON_EXAMPLES = 3  # reasons kept whole for each kind of rejection


def generation_report(
    base: Domain,
    k: int,
    plan: list[R.PlanItem],
    rows: list[dict[str, Any]],
    near: int,
    infeasible: set[str],
    previous: dict[str, Any] | None,
    engineer: R.PromptEngineer,
    decisions: Any,
) -> dict[str, Any]:
    """The report of generation ``k`` of ``base``'s synthesis from its judged ``rows`` (``near``
    of them rejected as near duplicates), carrying forward what ``previous`` learned."""
    accepted = [r for r in rows if r["accepted"]]
    rejected = [r for r in rows if not r["accepted"]]
    by_template: dict[str, list[bool]] = {}
    by_kind: dict[str, list[bool]] = {}
    by_variant: dict[str, dict[str, list[bool]]] = {}
    by_recovery: dict[str, list[bool]] = {}
    for row in rows:
        key = "+".join(row["parts"]) if row["kind"] == "compose" else row["parts"][0]
        by_template.setdefault(key, []).append(row["accepted"])
        by_kind.setdefault(row["kind"], []).append(row["accepted"])
        by_variant.setdefault(key, {}).setdefault(row["kind"], []).append(row["accepted"])
        if row["kind"] == "recover":  # a recovery counts where a write was refused, then put right
            by_recovery.setdefault(key, []).append(
                row["accepted"] and any(map(is_refusal, row["messages"]))
            )
    tools = sorted(
        {
            c["function"]["name"]
            for r in accepted
            for m in r["messages"]
            for c in m.get("tool_calls") or []
        }
        & set(base.tools)
    )
    rules = sorted({name for r in accepted for name in r.get("rules_exercised", [])})
    grams: set[tuple[str, ...]] = set()
    for r in accepted:
        grams |= ngrams(user_text(r))
    # each rejected dialogue counted once, by its first reason's kind, so the counts add up to
    # the rejected; the reasons themselves of a few, for the kinds that leave out the details
    firsts = [r["reasons"][0] for r in rejected if r["reasons"]]
    reasons = Counter(reason_kind(reason) for reason in firsts)
    examples: dict[str, list[str]] = {}
    for reason in firsts:
        kind = reason_kind(reason)
        shown = examples.setdefault(kind, []) if kind != reason else []
        if kind != reason and reason not in shown and len(shown) < REASON_EXAMPLES:
            shown.append(reason)
    known_infeasible = {tuple(x) for x in (previous or {}).get("infeasible_compositions", [])}
    for name in infeasible:
        if "__and__" in name:
            known_infeasible.add(tuple(name.split("__and__")))
    rate = lambda v: round(sum(v) / len(v), 4) if v else 0.0  # noqa: E731
    return {
        "schema_version": SCHEMA_VERSION,
        "generation": k,
        "plan": [i.to_dict() for i in plan],
        "dialogues": len(rows),
        "accepted": len(accepted),
        "rejected": len(rejected),
        "acceptance_rate": rate([r["accepted"] for r in rows]),
        "acceptance_by_template": {key: rate(v) for key, v in sorted(by_template.items())},
        "acceptance_by_kind": {key: rate(v) for key, v in sorted(by_kind.items())},
        # acceptance_by_template covers every variant played from a template (a refusal, where
        # its write is never called, too); this says which variants those were
        "acceptance_by_variant": {
            key: {kind: rate(v) for kind, v in sorted(kinds.items())}
            for key, kinds in sorted(by_variant.items())
        },
        # templates whose recoveries all failed before stay out of the plan
        "acceptance_by_recovery": {
            **{
                key: 0.0
                for key, r in (previous or {}).get("acceptance_by_recovery", {}).items()
                if r == 0
            },
            **{key: rate(v) for key, v in sorted(by_recovery.items())},
        },
        "tools_covered": tools,
        "tool_coverage": round(len(tools) / len(base.tools), 4),
        "rules_covered": rules,
        "rule_coverage": round(len(rules) / max(len(base.rules.RULES), 1), 4),
        "distinct_tool_sequences": len({tool_sequence(r) for r in accepted}),
        "distinct_user_ngrams": len(grams),
        "near_duplicate_rate": round(near / len(rows), 4) if rows else 0.0,
        "rejection_reasons": dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        "rejection_examples": dict(sorted(examples.items())),
        "infeasible_compositions": sorted(list(x) for x in known_infeasible),
        "infeasible_this_generation": sorted(infeasible),
        "prompt_engineer": {
            "pools": engineer.pools,
            "dropped": engineer.dropped,
            "decisions": decisions,
        },
    }
