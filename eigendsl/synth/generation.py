"""Generations of self-evolving synthesis, resumable and spread over processes.

Each generation K writes into ``OUT/gen-K/``:

- ``plan.json``      what the workflow planner chose (from the previous report);
- ``tasks.yaml``, ``checks.chk``  the synthesized tasks and their checks, in the spec language;
- ``shards/*.jsonl`` the judged dialogues, a shard at a time (written atomically);
- ``accepted.jsonl``, ``rejected.jsonl`` (with the judge's reasons) and ``report.json``.

A run killed at any moment resumes from what is on disk: finished generations are kept, a
finished shard is never played again, and everything is a pure function of the seed, so the
output is the same byte for byte with one worker or several, interrupted or not.
A generation that stops before any of its dialogues is played (its tasks do not compile) leaves
no ``gen-K/`` behind.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from eigendsl.codegen.artifacts import digest
from eigendsl.compiler import analyze, compile_domain
from eigendsl.dsl.ast import Check
from eigendsl.errors import EigenError
from eigendsl.runtime.domain import Domain, load_compiled
from eigendsl.runtime.episodes import run_episodes
from eigendsl.runtime.rows import row_from_here, write_jsonl
from eigendsl.runtime.scripted_agent import ScriptedAgent
from eigendsl.runtime.scripted_user import ScriptedUser
from eigendsl.synth import roles as R
from eigendsl.synth.facts import template_facts
from eigendsl.synth.llm_roles import LLMJudge, LLMPlanner, LLMPromptEngineer, LLMUserIntent
from eigendsl.synth.planner import PlanItem, WorkflowPlanner, nothing_to_sample
from eigendsl.synth.quality import NearDuplicates
from eigendsl.synth.records import (
    SCHEMA_VERSION,
    check_run_record,
    claim_synth_folder,
    dialogue_record,
    read_json,
    refuse_another_agent,
    removed_unless_played,
    write_json,
    write_text,
)
from eigendsl.synth.report import generation_report
from eigendsl.synth.shard_worker import prepare_workers
from eigendsl.synth.shards import play_shards
from eigendsl.synth.variants import SynthTask, composed_template, refusal_template, task_file


@dataclass
class SynthSettings:
    generations: int = 3
    per_generation: int = 300
    seed: int = 0
    workers: int = 1
    shard_size: int = 50
    planner: str = "programmatic"
    user_intent: str = "programmatic"
    trajectory: str = "scripted"
    judge: str = "programmatic"
    prompt_engineer: str = "programmatic"
    # Share of each generation planned as recoveries (the agent's write refused once, then made
    # right; eigendsl.runtime.mistakes, ``recover``). Off by default.
    recover: float = 0.0

    def identity(self) -> dict[str, Any]:
        """What must match for a run to resume an existing output folder. The trajectory agent
        may change from one generation to the next (each records its own): a model trained on
        the first generations plays the next, and its verified dialogues join them."""
        data = asdict(self)
        for per_run in ("workers", "generations", "trajectory"):
            data.pop(per_run)
        if not data["recover"]:
            data.pop("recover")  # as a run saved before the setting existed
        return data


class Synthesis:
    def __init__(
        self,
        spec_dir: Path,
        out: Path,
        settings: SynthSettings,
        progress: Callable[[int, int], None] | None = None,
    ):
        self.spec_dir, self.out, self.settings, self.progress = spec_dir, out, settings, progress
        loaded, seed, resolved, templates, _, _ = analyze(spec_dir)
        self.loaded, self.seed_db, self.resolved, self.templates = loaded, seed, resolved, templates
        self.base = load_compiled(compile_domain(spec_dir).files, spec_dir)
        self.held_out = {
            R.param_key(t["template"], t["params"])
            for t in self.base.tasks
            if t["split"] == "held-out"
        }
        self.writes = {name for name, tool in self.base.tools.items() if tool.writes}
        self.facts = template_facts(
            templates,
            self.base,
            seed,
            self.held_out,
            settings.per_generation,
            settings.recover > 0,
        )
        if not self.facts and settings.generations > 0 and settings.per_generation > 0:
            raise EigenError(nothing_to_sample(spec_dir, templates))
        self.checks = {
            c.name: c for m in loaded.modules for c in m.declarations if isinstance(c, Check)
        }
        self._roles()

    def _backend(self, spec: str) -> Any:
        from eigendsl.runtime.backends import make_backend

        return make_backend(spec, "programmatic")

    def _role_prompt(self, role: str) -> str:
        from eigendsl.codegen.artifacts import ROLES

        title, purpose, output = ROLES[role]
        return self.base.files.get(f"prompts/roles/{role}.md") or f"{title}\n{purpose}\n{output}"

    def _roles(self) -> None:
        """Every role's backend, made (a misspelt one refused) before settings.json is written."""
        from eigendsl.runtime.model_roles import make_agent

        s = self.settings
        self.agent = make_agent(s.trajectory) if s.trajectory != "scripted" else None
        self.judge_backend = self._backend(s.judge) if s.judge != "programmatic" else None
        if s.planner == "programmatic":
            self.planner: WorkflowPlanner = WorkflowPlanner(self.facts, s.seed, s.recover)
        else:
            self.planner = LLMPlanner(
                self.facts,
                self._backend(s.planner),
                self._role_prompt("workflow_planner"),
                s.seed,
                s.recover,
            )
        if s.user_intent == "programmatic":
            self.intent: R.UserIntent = R.UserIntent(
                self.templates, self.seed_db, self.held_out, s.seed, writes=self.writes
            )
        else:
            self.intent = LLMUserIntent(
                self.templates,
                self.seed_db,
                self.held_out,
                self._backend(s.user_intent),
                self._role_prompt("user_intent"),
                s.seed,
                writes=self.writes,
            )
        if s.prompt_engineer == "programmatic":
            self.engineer: R.PromptEngineer = R.PromptEngineer(s.seed)
        else:
            self.engineer = LLMPromptEngineer(
                self._backend(s.prompt_engineer), self._role_prompt("prompt_engineer"), s.seed
            )

    # ------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        start = time.perf_counter()
        claim_synth_folder(self.spec_dir, self.out)
        self.out.mkdir(parents=True, exist_ok=True)
        self._check_settings()
        write_json(
            self.out / "split.json",
            {
                "schema_version": SCHEMA_VERSION,
                "held_out_tasks": sorted(
                    t["id"] for t in self.base.tasks if t["split"] == "held-out"
                ),
                "held_out_params": sorted(self.held_out),
                "rule": "held-out tasks come from `eigendsl compile`; their parameter sets are "
                "never used in synthesis",
            },
        )
        previous: dict[str, Any] | None = None
        reports = []
        for generation in range(1, self.settings.generations + 1):
            report = self.generation(generation, previous)
            reports.append(report)
            previous = report
        accepted_total = sum(r["accepted"] for r in reports)
        return {
            "generations": [
                {
                    k: r[k]
                    for k in (
                        "generation",
                        "dialogues",
                        "accepted",
                        "rejected",
                        "acceptance_rate",
                        "tool_coverage",
                        "rule_coverage",
                        "distinct_tool_sequences",
                        "distinct_user_ngrams",
                        "near_duplicate_rate",
                    )
                }
                | {"trajectory": r.get("trajectory", self.recorded_trajectory)}
                for r in reports
            ],
            "accepted_total": accepted_total,
            "seconds": round(time.perf_counter() - start, 3),
            "out_dir": str(self.out),
        }

    def _check_settings(self) -> None:
        spec_inputs = {rel: digest(data) for rel, data in sorted(self.loaded.inputs.items())}
        # a run recorded before the trajectory agent was a generation's own played them all
        self.recorded_trajectory = check_run_record(
            self.out, {"spec": self.base.name, **self.settings.identity()}, spec_inputs
        ).get("trajectory", "scripted")

    def generation(self, k: int, previous: dict[str, Any] | None) -> dict[str, Any]:
        gen_dir = self.out / f"gen-{k}"
        report_path = gen_dir / "report.json"
        if report_path.is_file():
            report = read_json(
                report_path,
                f"delete {gen_dir} to synthesize that generation again",
                ("prompt_engineer", "dialogues"),
            )
            self.engineer.pools = report["prompt_engineer"]["pools"]
            self.engineer.dropped = report["prompt_engineer"]["dropped"]
            if self.progress:
                self.progress(report["dialogues"], report["dialogues"])
            return report
        if previous is not None:
            self.engineer.pools = previous["prompt_engineer"]["pools"]
            self.engineer.dropped = previous["prompt_engineer"]["dropped"]
        refuse_another_agent(gen_dir, self.settings.trajectory, self.recorded_trajectory)
        with removed_unless_played(gen_dir):
            plan = self.planner.plan(k, self.settings.per_generation, previous)
            pools = self.engineer.propose(k)
            tasks: list[SynthTask] = []
            offset = 0
            for item in plan:
                tasks += self.intent.tasks(item, k, offset)
                offset += item.count
            write_json(
                gen_dir / "plan.json",
                {
                    "generation": k,
                    "plan": [i.to_dict() for i in plan],
                    "pools": pools,
                    "trajectory": self.settings.trajectory,
                },
            )
            infeasible = self._infeasible(gen_dir, tasks)
            planned = [t for t in tasks if t.template not in infeasible]
            planned += self._refill(plan, k, offset, self.settings.per_generation - len(planned))
            extra_templates, checks = self._variants(planned)
            write_text(
                gen_dir / "checks.chk",
                "# Checks of synthesized tasks (generated).\n" + "\n".join(checks),
            )
            write_text(gen_dir / "tasks.yaml", task_file(extra_templates, planned))
            domain = self._compile(gen_dir / "tasks.yaml", gen_dir / "checks.chk")
        by_id = {t["id"]: t for t in domain.tasks}
        recover = {t.id for t in planned if t.kind == "recover"}
        rows = play_shards(
            domain,
            gen_dir,
            [by_id[t.id] for t in planned],
            pools,
            k,
            recover,
            size=self.settings.shard_size,
            seed=self.settings.seed,
            workers=self.settings.workers if self.settings.trajectory == "scripted" else 1,
            prepare=self._prepare_workers,
            progress=self.progress,
        )
        kinds = {t.id: t for t in planned}
        report = self._merge(gen_dir, rows, kinds, k, plan, infeasible, previous)
        report["trajectory"] = self.settings.trajectory
        write_json(report_path, report)
        return report

    def _refill(self, plan: list[PlanItem], k: int, offset: int, missing: int) -> list[SynthTask]:
        """Single-request tasks that take the place of dropped ones (infeasible compositions,
        parameters that could not be sampled), so that a generation plays what was asked."""
        singles = [i for i in plan if i.kind == "single"]
        extra: list[SynthTask] = []
        attempts = 0
        while len(extra) < missing and singles and attempts < missing * 3:
            item = singles[attempts % len(singles)]
            attempts += 1
            got = self.intent.tasks(PlanItem("single", item.templates, 1), k, offset)
            offset += 1
            extra += got
        return extra

    def _variants(self, tasks: list[SynthTask]) -> tuple[dict[str, Any], list[str]]:
        templates: dict[str, Any] = {}
        checks: list[str] = []
        for task in tasks:
            if task.template in templates or task.kind not in ("refuse", "compose"):
                continue
            if task.kind == "refuse":
                (base,) = task.parts
                entry, check = refusal_template(base, self.templates[base].template, self.writes)
            else:
                a, b = task.parts
                ta, tb = self.templates[a].template, self.templates[b].template
                entry, check = composed_template(
                    a, ta, self.checks[ta.check], b, tb, self.checks[tb.check]
                )
            templates[task.template] = entry
            checks.append(check)
        return templates, checks

    def _compile(self, tasks_file: Path, checks_file: Path) -> Domain:
        return load_compiled(
            compile_domain(self.spec_dir, extra=[tasks_file, checks_file]).files, self.spec_dir
        )

    def _infeasible(self, gen_dir: Path, tasks: list[SynthTask]) -> set[str]:
        """Synthesized templates whose gold plan fails (a tool error, a guard, an unsatisfiable
        combined check): one task of each is played with the scripted agent first."""
        first: dict[str, SynthTask] = {}
        for task in tasks:
            if task.kind in ("compose", "refuse") and task.template not in first:
                first[task.template] = task
        if not first:
            return set()
        templates, checks = self._variants(list(first.values()))
        probe = gen_dir / "probe"
        write_text(probe / "tasks.yaml", task_file(templates, list(first.values())))
        write_text(probe / "checks.chk", "\n".join(checks))
        domain = self._compile(probe / "tasks.yaml", probe / "checks.chk")
        ids = {t.id for t in first.values()}
        rows = run_episodes(
            domain,
            [t for t in domain.tasks if t["id"] in ids],
            ScriptedAgent(),
            ScriptedUser(domain.stop_marker),
        )
        return {row["template"] for row in rows if not row["verdict"]["passed"]}

    def _prepare_workers(self, domain: Domain) -> None:
        if self.judge_backend is None:
            judge: R.Judge = R.Judge(domain)
        else:
            judge = LLMJudge(domain, self.judge_backend, self._role_prompt("judge"))
        prepare_workers(domain, self.settings.trajectory, judge, self.agent)

    def _merge(
        self,
        gen_dir: Path,
        rows: list[dict[str, Any]],
        kinds: dict[str, SynthTask],
        k: int,
        plan: list[PlanItem],
        infeasible: set[str],
        previous: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """Reject near duplicates, let the prompt engineer review the judged dialogues, write the
        accepted and rejected ones; returns the generation's report."""
        duplicates = NearDuplicates()
        near = 0
        for row in rows:
            task = kinds[row["task_id"]]
            row["kind"], row["parts"] = task.kind, list(task.parts) or [row["template"]]
            if row["accepted"]:
                duplicate = duplicates.check(row)
                if duplicate:
                    near += 1
                    row["accepted"], row["reasons"] = False, [duplicate]
        decisions = self.engineer.review(rows)
        write_jsonl([dialogue_record(r) for r in rows if r["accepted"]], gen_dir / "accepted.jsonl")
        # The rejections name the spec's files from here, as `run` does (the accepted dialogues,
        # training data, stay the same bytes wherever the spec folder was named from).
        rows = [r if r["accepted"] else row_from_here(r, self.spec_dir) for r in rows]
        write_jsonl(
            [dialogue_record(r, reasons=True) for r in rows if not r["accepted"]],
            gen_dir / "rejected.jsonl",
        )
        return generation_report(
            self.base, k, plan, rows, near, infeasible, previous, self.engineer, decisions
        )


def run_synthesis(
    spec_dir: Path | str,
    out: Path | str,
    settings: SynthSettings,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Run (or resume) synthesis; returns the summary."""
    return Synthesis(Path(spec_dir), Path(out), settings, progress).run()
