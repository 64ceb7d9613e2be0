"""GRPO rollouts (token in, token out), the verifier reward, resuming, and the train pipeline."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from eigendsl.runtime.domain import load_domain  # noqa: E402
from eigendsl.runtime.episodes import GoldCache  # noqa: E402
from eigendsl.runtime.scripted_user import ScriptedUser  # noqa: E402
from eigendsl.support import Trace  # noqa: E402
from eigendsl.train.chat import render_chat  # noqa: E402
from eigendsl.train.model import load_model  # noqa: E402
from eigendsl.train.rollout import Renderer, play_rollouts  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini"


@pytest.fixture(scope="module")
def mini():
    return load_domain(MINI)


@pytest.fixture(scope="module")
def micro(mini):
    texts = [mini.agent_prompt] + [
        render_chat([{"role": "user", "content": t["user"]["reason"]}]) for t in mini.tasks
    ] * 10
    return load_model("micro", texts, vocab_size=400, seed=0)


class Scripted(torch.nn.Module):
    """A stand-in policy that 'generates' fixed texts (tokenized canonically), one per turn."""

    def __init__(self, tokenizer, turns, end=None):
        super().__init__()
        self.tokenizer, self.turns, self.calls = tokenizer, turns, 0
        self.end = end or tokenizer.eos_token  # the token that ends each turn
        self.weight = torch.nn.Parameter(torch.zeros(1))

    def generate(self, input_ids, attention_mask, max_new_tokens, **kwargs):
        vocab = len(self.tokenizer)
        rows, scores = [], []
        for _ in range(input_ids.shape[0]):
            text = self.turns[min(self.calls, len(self.turns) - 1)]
            rows.append(self.tokenizer(text + self.end, add_special_tokens=False)["input_ids"])
        self.calls += 1
        width = max(len(r) for r in rows)
        pad = self.tokenizer.pad_token_id
        new = torch.tensor([r + [pad] * (width - len(r)) for r in rows])
        for step in range(width):
            logits = torch.zeros(len(rows), vocab)
            logits[torch.arange(len(rows)), new[:, step]] = 5.0
            scores.append(logits)
        sequences = torch.cat([input_ids, new], dim=1)
        return type("Out", (), {"sequences": sequences, "scores": tuple(scores)})()


GOOD_TURNS = [
    "What is your email?",
    '<tool_call>\n{"name": "find_user", "arguments": {"email": "ann@example.com"}}\n</tool_call>',
    '<tool_call>\n{"name": "get_order", "arguments": {"order_id": "#1"}}\n</tool_call>',
    "I will cancel order #1 because it is no longer needed. Do you confirm? (yes/no)",
    '<tool_call>\n{"name": "cancel_order", "arguments": '
    '{"order_id": "#1", "reason": "no longer needed"}}\n</tool_call>',
    "Your order #1 is cancelled.",
]


def test_token_in_token_out_and_reward_is_the_verifier_score(mini, micro):
    _, tokenizer = micro
    task = mini.task("cancel-ann")
    policy = Scripted(tokenizer, GOOD_TURNS)
    gold = GoldCache(mini)
    (rollout,) = play_rollouts(
        policy, tokenizer, mini, [task], ScriptedUser(mini.stop_marker), gold, max_turns=12
    )
    assert len(rollout.completion_ids) == len(rollout.env_mask) == len(rollout.logprobs)
    # The ids trained on are the rollout's; rendering the final conversation gives the same ids.
    messages = rollout.row["messages"]
    last_agent = max(i for i, m in enumerate(messages) if m["role"] == "assistant")
    shown = [
        {"role": m["role"], "content": m["content"]} if m["role"] != "assistant" else m
        for m in messages[: last_agent + 1]
    ]
    renderer = Renderer(tokenizer, mini, "compact")
    full = renderer.ids(renderer.render(_as_generated(shown, GOOD_TURNS), False))
    assert (
        rollout.prompt_ids + rollout.completion_ids
        == full[: len(rollout.prompt_ids) + len(rollout.completion_ids)]
    )
    assert (
        len(full) == len(rollout.prompt_ids) + len(rollout.completion_ids) + 1
    )  # + the template's final "\n"
    # env_mask marks exactly the generated turns.
    generated = [i for i, m in zip(rollout.completion_ids, rollout.env_mask, strict=True) if m]
    assert tokenizer.decode(generated).count(tokenizer.eos_token) == len(GOOD_TURNS)
    # The reward is the compiled verifier's score on the same trace.
    trace = Trace.from_messages(
        messages,
        _final_db(mini, messages),
        mini.seed,
        gold.get(task)[0],
        task["params"],
        mini.tool_meta,
    )
    assert mini.judge(trace, task)["score"] == rollout.reward == 1.0 and rollout.passed


# A Llama-3-style template with generation marks, whose turns end with <|eot_id|> while the
# tokenizer's end of sequence is another token (Llama-3-Instruct's <|end_of_text|>); the
# checkpoint's generation_config.json names both.
EOT_TEMPLATE = (
    "{%- for message in messages %}"
    "<|start_header_id|>{{ message.role }}<|end_header_id|>\n\n"
    "{% if message.role == 'assistant' %}{% generation %}"
    "{%- for call in message.tool_calls or [] %}<tool_call>\n"
    '{"name": "{{ call.function.name }}", "arguments": {{ call.function.arguments }}}'
    "\n</tool_call>{%- endfor %}{{ message.content or '' }}<|eot_id|>{% endgeneration %}"
    "{{ '\\n' }}{%- else %}{{ message.content }}<|eot_id|>{{ '\\n' }}{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n"
    "{% endif %}"
)
EOT_TOKENS = ["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]


def _eot_tokenizer(tokenizer):
    import copy

    tokenizer = copy.deepcopy(tokenizer)
    tokenizer.add_special_tokens(
        {"extra_special_tokens": EOT_TOKENS}, replace_extra_special_tokens=False
    )
    tokenizer.chat_template = EOT_TEMPLATE
    return tokenizer


def test_a_template_whose_turns_end_before_eos_plays_and_trains_as_eval_plays_it(mini, micro):
    """GRPO's rollout ends a turn where run and eval do: at any of generation_config.json's
    eos_token_id too, keeping the id the turn ended with as generated."""
    from transformers import GenerationConfig

    tokenizer = _eot_tokenizer(micro[1])
    eot = tokenizer.convert_tokens_to_ids("<|eot_id|>")
    policy = Scripted(tokenizer, GOOD_TURNS, end="<|eot_id|>")
    policy.generation_config = GenerationConfig(eos_token_id=[eot, tokenizer.eos_token_id])
    task = mini.task("cancel-ann")
    (rollout,) = play_rollouts(
        policy, tokenizer, mini, [task], ScriptedUser(mini.stop_marker), GoldCache(mini)
    )
    assert not rollout.truncated and rollout.reward == 1.0 and rollout.passed
    generated = [i for i, m in zip(rollout.completion_ids, rollout.env_mask, strict=True) if m]
    assert generated == [
        i
        for text in GOOD_TURNS
        for i in tokenizer(text + "<|eot_id|>", add_special_tokens=False)["input_ids"]
    ]
    # Between turns, what the template writes after <|eot_id|> ("\n" here): rendering the
    # conversation gives the ids trained on, and the template's final "\n".
    messages = rollout.row["messages"]
    last_agent = max(i for i, m in enumerate(messages) if m["role"] == "assistant")
    renderer = Renderer(tokenizer, mini, "compact")
    shown = _as_generated(messages[: last_agent + 1], GOOD_TURNS)
    full = renderer.ids(renderer.render(shown, False))
    assert rollout.prompt_ids + rollout.completion_ids == full[:-1]
    assert tokenizer.decode(full[-1:]) == "\n"


def test_grpo_refuses_a_template_whose_turns_end_at_no_end_token(
    mini, micro, tmp_path, monkeypatch
):
    """Before synthesis: a kept template whose turns end with a token neither the tokenizer nor
    generation_config.json ends a turn at would have GRPO train on nothing."""
    import copy

    from eigendsl.errors import EigenError
    from eigendsl.train.pipeline import Pipeline
    from eigendsl.train.settings import TrainSettings

    model, tokenizer = copy.deepcopy(micro[0]), _eot_tokenizer(micro[1])
    model.resize_token_embeddings(len(tokenizer))
    folder = tmp_path / "llama-like"
    model.save_pretrained(folder)  # generation_config.json: eos_token_id only <|im_end|>
    tokenizer.save_pretrained(folder)
    run = tmp_path / "run"
    pipeline = Pipeline(MINI, run, TrainSettings(model=str(folder)), log=lambda _: None)
    monkeypatch.setattr(Pipeline, "stages", lambda self, s: pytest.fail("the stages started"))
    with pytest.raises(
        EigenError,
        match=r"cannot be trained with GRPO: its chat template ends an assistant's turn with "
        r"none of the tokens a turn ends at \(<\|im_end\|>, <\|endoftext\|>: .* add the id of "
        r"the token the template writes after an assistant's turn to eos_token_id",
    ):
        pipeline.run()
    assert not run.exists()
    # Named in generation_config.json, <|eot_id|> ends a turn: the same checkpoint is taken.
    model.generation_config.eos_token_id = [
        tokenizer.convert_tokens_to_ids("<|eot_id|>"),
        tokenizer.eos_token_id,
    ]
    model.save_pretrained(folder)
    from eigendsl.train.rollout import check_turn_ends

    check_turn_ends(str(folder))


def _as_generated(messages, turns):
    """The conversation with each assistant turn written exactly as the policy wrote it."""
    out, turn = [], iter(turns)
    for message in messages:
        out.append(
            {"role": "assistant", "content": next(turn)}
            if message["role"] == "assistant"
            else message
        )
    return out


def _final_db(domain, messages):
    from eigendsl.runtime.environment import Environment

    env = Environment(domain, domain.tasks[0])
    for message in messages:
        for call in message.get("tool_calls") or []:
            env.call_tool(
                call["function"]["name"], json.loads(call["function"]["arguments"]), call["id"]
            )
    return env.db


class FakeVLLM:
    """Stands in for TRL's ``trainer.vllm_generation``: the same ``generate`` signature and
    return shapes, ranked log-probabilities with the sampled token second."""

    def __init__(self, tokenizer, turns):
        self.tokenizer, self.turns, self.calls, self.prompts = tokenizer, turns, 0, []
        self.max_completion_length, self.generation_kwargs = 2048, None

    def generate(self, prompts, images, num_generations):
        assert images is None and num_generations == 1
        self.prompts.append([list(p) for p in prompts])
        text = self.turns[min(self.calls, len(self.turns) - 1)]
        self.calls += 1
        ids = self.tokenizer(text + self.tokenizer.eos_token, add_special_tokens=False)["input_ids"]
        ranked = [[[-0.5, -1.0 - i / 100] for i in range(len(ids))] for _ in prompts]
        ranked_ids = [[[(t + 1) % len(self.tokenizer), t] for t in ids] for _ in prompts]
        return prompts, [list(ids) for _ in prompts], ranked, ranked_ids


def test_rollouts_generate_with_vllm_when_the_trainer_uses_it(mini, micro):
    from eigendsl.train.rollout import vllm_generate

    _, tokenizer = micro
    engine, policy = FakeVLLM(tokenizer, GOOD_TURNS), Scripted(tokenizer, ["never used"])
    generate = vllm_generate(engine, tokenizer, max_new_tokens=96)
    assert engine.max_completion_length == 96
    assert engine.generation_kwargs["stop_token_ids"] == [
        tokenizer.convert_tokens_to_ids(tokenizer.eos_token),
        tokenizer.pad_token_id,
    ]
    (rollout,) = play_rollouts(
        policy,
        tokenizer,
        mini,
        [mini.task("cancel-ann")],
        ScriptedUser(mini.stop_marker),
        GoldCache(mini),
        max_turns=12,
        generate=generate,
    )
    assert policy.calls == 0 and engine.calls == len(GOOD_TURNS)
    assert rollout.reward == 1.0 and rollout.passed
    # Token in: each call continues exactly the ids of the episode so far.
    for turn, (prompt,) in enumerate(engine.prompts):
        assert prompt == (rollout.prompt_ids + rollout.completion_ids)[: len(prompt)]
        assert turn == 0 or len(prompt) > len(engine.prompts[turn - 1][0])
    # The sampled token's log-probability, not the top-ranked one's.
    generated = [lp for lp, m in zip(rollout.logprobs, rollout.env_mask, strict=True) if m]
    assert generated and all(-1.0 >= lp > -2.0 for lp in generated)


def test_use_vllm_without_vllm_is_a_clear_error(mini, micro, tmp_path, monkeypatch):
    import importlib.util

    from eigendsl.errors import EigenError
    from eigendsl.train.grpo import GRPOSettings, run_grpo

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "vllm" else real(name, *a)
    )
    model, tokenizer = micro
    with pytest.raises(EigenError, match=r"use_vllm needs vLLM: pip install 'eigendsl\[vllm\]'"):
        run_grpo(
            model,
            tokenizer,
            mini,
            mini.tasks,
            tmp_path / "grpo",
            GRPOSettings(max_steps=1, use_vllm=True),
        )


def test_use_vllm_without_vllm_stops_train_before_synthesis(tmp_path, monkeypatch):
    """The pipeline asks for vLLM before its first stage, not when GRPO starts after SFT."""
    import importlib.util

    from eigendsl.errors import EigenError
    from eigendsl.train.pipeline import Pipeline
    from eigendsl.train.settings import TrainSettings

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "vllm" else real(name, *a)
    )
    run = tmp_path / "run"
    pipeline = Pipeline(MINI, run, TrainSettings(model="micro", use_vllm=True), log=lambda _: None)
    with pytest.raises(EigenError, match="use_vllm needs vLLM"):
        pipeline.run()
    assert not run.exists()


def test_garbage_gets_reward_zero_without_crashing(mini, micro):
    _, tokenizer = micro
    garbage = Scripted(
        tokenizer,
        ["<tool_call>{{{not json", "}}}</tool_call> ###", '<tool_call>\n{"name": 7}\n</tool_call>'],
    )
    rollouts = play_rollouts(
        garbage,
        tokenizer,
        mini,
        mini.tasks[:2],
        ScriptedUser(mini.stop_marker),
        GoldCache(mini),
        max_turns=6,
    )
    assert [r.reward for r in rollouts] == [0.0, 0.0]
    assert all(not r.passed for r in rollouts)


def test_episode_cut_at_the_length_limit_is_masked_out(mini, micro):
    model, tokenizer = micro
    rollouts = play_rollouts(
        model,
        tokenizer,
        mini,
        mini.tasks[:1],
        ScriptedUser(mini.stop_marker),
        GoldCache(mini),
        max_new_tokens=8,
        max_length=40,
        temperature=1.0,
    )
    assert rollouts[0].truncated and not any(rollouts[0].env_mask) and rollouts[0].reward == 0.0


def test_dynamic_filtering_replaces_flat_groups_in_one_batch(mini):
    """A group whose episodes all score alike is played again with another task; all flat
    groups of a step are replayed together, and the step's log counts them."""
    from types import SimpleNamespace

    from eigendsl.train import grpo
    from eigendsl.train.rollout import Rollout

    first, *rest = [t["id"] for t in mini.tasks]
    batches = []

    class Scored(grpo.EpisodeRollout):
        def _play(
            self, model, tasks, worlds
        ):  # the first task always scores 1: its groups are flat
            batches.append([t["id"] for t in tasks])
            return [
                Rollout(
                    t["id"], [1], [2], [1], [-0.1], reward=1.0 if t["id"] == first else float(i % 2)
                )
                for i, t in enumerate(tasks)
            ]

    settings = grpo.GRPOSettings(num_generations=2, resample_tries=2)
    rollout = Scored(mini, None, mini.tasks, settings)
    rollout.pool = rest  # replacements are never flat
    prompts = [
        [{"role": "user", "content": grpo.TASK_PREFIX + t}]
        for t in (first, first, rest[0], rest[0], first, first)
    ]
    out = rollout(prompts, SimpleNamespace(model=None, state=SimpleNamespace(global_step=3)))
    assert (
        len(batches) == 2 and len(batches[0]) == 6 and len(batches[1]) == 4
    )  # one replay of both flat groups
    groups = [out["episode_task_id"][i : i + 2] for i in range(0, 6, 2)]
    assert groups[1] == [rest[0]] * 2 and all(
        first not in g and len(set(g)) == 1 for g in (groups[0], groups[2])
    )
    assert [
        len({out["verifier_score"][i], out["verifier_score"][i + 1]}) for i in range(0, 6, 2)
    ] == [2, 2, 2]
    assert (
        rollout.log[-1]["step"] == 4  # the step it feeds: 3 taken before it
        and rollout.log[-1]["flat_groups"] == 2
        and rollout.log[-1]["replaced"] == 2
        and rollout.log[-1]["flat_kept"] == 0
    )
    # without dynamic filtering the flat groups are trained on as they are, and counted
    batches.clear()
    unfiltered = Scored(
        mini, None, mini.tasks, grpo.GRPOSettings(num_generations=2, resample_tries=0)
    )
    unfiltered(prompts, SimpleNamespace(model=None, state=SimpleNamespace(global_step=0)))
    assert len(batches) == 1 and unfiltered.log[-1]["flat_kept"] == 2
    assert unfiltered.log[-1]["flat_groups"] == unfiltered.log[-1]["replaced"] == 0
    assert rollout.log[-1]["rollout_seconds"] >= 0


def test_fresh_ids_give_each_group_its_task_on_a_database_with_permuted_ids():
    """``GRPOSettings.fresh_ids``: each group plays its task renamed on the seed database renamed
    alike, so the gold plan passes there; the episodes of a group share one database."""
    import random
    from types import SimpleNamespace

    from eigendsl.runtime.environment import replay_gold
    from eigendsl.runtime.episodes import run_episodes
    from eigendsl.runtime.scripted_agent import ScriptedAgent
    from eigendsl.train import grpo
    from eigendsl.train.rollout import Rollout

    retail = load_domain(ROOT / "specs" / "retail")
    fresh = grpo.FreshIds(retail)
    tasks = [t for t in retail.tasks if t["split"] == "train"]
    rng = random.Random(0)
    worlds = [fresh(task, rng) for task in tasks]
    renamed = [task for _, task in worlds]
    # the same task on another database: the gold plan passes there, and not on the seed database
    rows = [
        run_episodes(world, [task], ScriptedAgent(), ScriptedUser(retail.stop_marker))[0]
        for world, task in worlds
    ]
    assert all(r["verdict"]["passed"] for r in rows)
    moved = [t for t, u in zip(tasks, renamed, strict=True) if t["params"] != u["params"]]
    assert len(moved) >= 0.9 * len(tasks) and len({t["id"] for t in renamed}) == len(tasks)
    on_seed = run_episodes(retail, renamed[:20], ScriptedAgent(), ScriptedUser(retail.stop_marker))
    assert sum(r["verdict"]["passed"] for r in on_seed) < 10
    order = next(t for t in renamed if "order_id" in t["params"])
    world = next(w for w, t in worlds if t is order)
    assert (
        world.seed["orders"][order["params"]["order_id"]]["order_id"] == order["params"]["order_id"]
    )
    assert (
        world.seed["orders"].keys() == retail.seed["orders"].keys()
    )  # a permutation: the same ids
    assert (
        world.seed["orders"] != retail.seed["orders"]
        and retail.seed == load_domain(ROOT / "specs" / "retail").seed
    )
    # a catalog's ids (training.sft.catalog) stay, as in SFT's shuffled passes
    world, _ = grpo.FreshIds(retail, ("products",))(tasks[0], random.Random(1))
    assert world.seed["products"] == retail.seed["products"]
    assert world.seed["orders"] != retail.seed["orders"]
    # a permutation that would give a held-out task's parameters is drawn again; the task as it
    # is when every draw would
    keys = iter(["held-out", "held-out", "new"])
    fresh.avoid, fresh.key = {"held-out"}, lambda template, params: next(keys, "held-out")
    world, task = fresh(tasks[0], random.Random(1), tries=3)  # the third draw
    assert task["params"] != tasks[0]["params"] and world is not retail
    assert fresh(tasks[0], random.Random(1), tries=3) == (retail, tasks[0])
    # a refusal variant of a held-out task's parameters counts as that task
    fresh = grpo.FreshIds(retail)
    fresh.ids.permutation = lambda rng: {}  # every draw leaves the ids as they are
    held = next(t for t in retail.tasks if t["split"] == "held-out")
    refusal = {**held, "id": "refusal", "template": held["template"] + "__refuse", "split": "train"}
    assert fresh(refusal, random.Random(0), tries=2) == (retail, refusal)

    played = []

    class Recorded(grpo.EpisodeRollout):
        def _play(self, model, tasks, worlds):
            played.append((tasks, worlds))
            assert all(
                self.gold.get(t, w) == replay_gold(w, t) for t, w in zip(tasks, worlds, strict=True)
            )
            return [
                Rollout(t["id"], [1], [2], [1], [-0.1], reward=float(i % 2))
                for i, t in enumerate(tasks)
            ]

    rollout = Recorded(retail, None, tasks, grpo.GRPOSettings(num_generations=2, fresh_ids=True))
    prompts = [
        [{"role": "user", "content": grpo.TASK_PREFIX + t["id"]}]
        for t in (tasks[0], tasks[0], tasks[1], tasks[1])
    ]
    out = rollout(prompts, SimpleNamespace(model=None, state=SimpleNamespace(global_step=0)))
    ((step_tasks, step_worlds),) = played
    assert (
        step_tasks[0] is step_tasks[1] and step_worlds[0] is step_worlds[1]
    )  # one database per group
    assert step_worlds[0] is not step_worlds[2] and retail not in step_worlds
    assert [i.split("~")[0] for i in out["episode_task_id"]] == [tasks[0]["id"]] * 2 + [
        tasks[1]["id"]
    ] * 2
    assert not rollout.gold.cache  # each permuted task is played once: its gold database is let go


def test_grpo_rolls_out_on_the_tasks_synthesis_verified_last(tmp_path):
    from eigendsl.errors import EigenError
    from eigendsl.runtime.episodes import run_episodes
    from eigendsl.runtime.scripted_agent import ScriptedAgent
    from eigendsl.synth.generation import SynthSettings, run_synthesis
    from eigendsl.synth.roles import param_key
    from eigendsl.train.pipeline import Pipeline
    from eigendsl.train.run_dialogues import GRPO_TASKS_PER_TEMPLATE
    from eigendsl.train.settings import TrainSettings

    spec = ROOT / "specs" / "retail"
    run_synthesis(spec, tmp_path / "synth", SynthSettings(generations=2, per_generation=60, seed=0))
    (
        tmp_path / "synth" / "gen-10"
    ).mkdir()  # a later generation that accepted nothing is passed over
    (tmp_path / "synth" / "gen-10" / "accepted.jsonl").write_text("")
    pipeline = Pipeline(spec, tmp_path, TrainSettings(grpo_tasks="synth"), log=lambda _: None)
    domain, tasks = pipeline.grpo_tasks()
    accepted = {
        json.loads(line)["task_id"]
        for line in (tmp_path / "synth" / "gen-2" / "accepted.jsonl").open()
    }
    assert tasks and {t["id"] for t in tasks} <= accepted  # the last generation's verified tasks
    keys = [param_key(t["template"], t["params"]) for t in tasks]
    held_out = set(json.loads((tmp_path / "synth" / "split.json").read_text())["held_out_params"])
    assert len(set(keys)) == len(keys) and not set(keys) & held_out
    per_template = {
        t["template"]: sum(u["template"] == t["template"] for u in tasks) for t in tasks
    }
    assert max(per_template.values()) <= GRPO_TASKS_PER_TEMPLATE and len(per_template) > 10
    # the domain holds their templates and verifiers (refusals included): the gold plan passes each
    rows = run_episodes(domain, tasks, ScriptedAgent(), ScriptedUser(domain.stop_marker))
    assert all(r["verdict"]["passed"] for r in rows)
    assert any(t["template"] not in {u["template"] for u in pipeline.domain.tasks} for t in tasks)

    train = Pipeline(spec, tmp_path, TrainSettings(grpo_tasks="train"), log=lambda _: None)
    assert train.grpo_tasks()[1] == [t for t in train.domain.tasks if t["split"] == "train"]
    with pytest.raises(EigenError, match="training.grpo.tasks is 'held-out'"):
        Pipeline(
            spec, tmp_path, TrainSettings(grpo_tasks="held-out"), log=lambda _: None
        ).grpo_tasks()
    with pytest.raises(EigenError, match="no accepted dialogues"):
        Pipeline(
            spec, tmp_path / "empty", TrainSettings(grpo_tasks="synth"), log=lambda _: None
        ).grpo_tasks()
    with pytest.raises(
        EigenError, match="id_tokens is 'digits'; write one of bodies, prefixes, none"
    ):
        Pipeline(spec, tmp_path, TrainSettings(id_tokens="digits"), log=lambda _: None).base()


@pytest.mark.slow
def test_grpo_two_steps_change_the_weights(mini, micro, tmp_path, monkeypatch, capfd):
    from eigendsl.train import grpo
    from eigendsl.train.grpo import GRPOSettings, run_grpo

    # A random model fails every task alike (all rewards 0: no signal). Give the episodes of a
    # group different rewards, as a partly trained model would get, to see the update happen.
    real = grpo.EpisodeRollout._play

    def varied(self, model, tasks, worlds):
        rollouts = real(self, model, tasks, worlds)
        for i, rollout in enumerate(rollouts):
            rollout.reward = float(i % 2)
            rollout.env_mask = [1] * len(rollout.env_mask)
        return rollouts

    monkeypatch.setattr(grpo.EpisodeRollout, "_play", varied)
    model, tokenizer = micro
    before = [p.detach().clone() for p in model.parameters()]
    settings = GRPOSettings(
        max_steps=2,
        tasks_per_step=2,
        num_generations=2,
        max_new_tokens=12,
        max_turns=3,
        resample_tries=1,
        learning_rate=1e-2,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        log = run_grpo(model, tokenizer, mini, mini.tasks, tmp_path / "grpo", settings)
    assert len(log) == 2 and {"reward_mean", "pass_rate", "flat_groups", "replaced"} <= set(log[0])
    # activations are not recomputed in the backward pass (TRL's default), and neither that
    # setting nor rollout_func prints TRL's or transformers' warnings on every step
    assert not settings.to_grpo_config(tmp_path / "config").gradient_checkpointing
    said = [str(w.message) for w in caught]
    assert not [w for w in said if "checkpointing" in w or "rollout_func" in w], said
    assert any(
        not torch.equal(a.cpu(), b.cpu()) for a, b in zip(before, model.parameters(), strict=True)
    )
    assert (tmp_path / "grpo" / "model.safetensors").is_file()
    printed = capfd.readouterr()
    assert "reward" not in printed.out and re.search(r"grpo .*2/2 loss \S+ reward \d", printed.err)


@pytest.mark.slow
def test_grpo_resumed_after_a_crash_trains_the_model_a_run_never_stopped_does(
    mini, micro, tmp_path, monkeypatch, capfd
):
    import copy

    from safetensors.torch import load_file

    from eigendsl.train import grpo, resume
    from eigendsl.train.grpo import GRPOSettings, run_grpo

    real = grpo.EpisodeRollout._play

    def varied(self, model, tasks, worlds):  # rewards that vary with what was sampled
        rollouts = real(self, model, tasks, worlds)
        for rollout in rollouts:
            rollout.reward = float(sum(rollout.completion_ids) % 2)
            rollout.env_mask = [1] * len(rollout.env_mask)
        return rollouts

    monkeypatch.setattr(grpo.EpisodeRollout, "_play", varied)
    model, tokenizer = micro
    settings = GRPOSettings(
        max_steps=4,
        tasks_per_step=2,
        num_generations=2,
        max_new_tokens=12,
        max_turns=3,
        resample_tries=2,
        learning_rate=1e-2,
        fresh_ids=True,  # the rollouts' own draws: fresh ids, replayed groups' tasks
        save_steps=1,
    )
    whole_log = run_grpo(
        copy.deepcopy(model), tokenizer, mini, mini.tasks, tmp_path / "whole", settings
    )
    assert [e["step"] for e in whole_log] == [1, 2, 3, 4]  # counted from 1, as SFT's
    assert all(e["loss"] is not None for e in whole_log)  # each step's own loss
    saved = resume.RolloutLog.on_save

    def crash(self, args, state, control, **kwargs):
        saved(self, args, state, control, **kwargs)
        if state.global_step == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(resume.RolloutLog, "on_save", crash)
    with pytest.raises(KeyboardInterrupt):
        run_grpo(copy.deepcopy(model), tokenizer, mini, mini.tasks, tmp_path / "cut", settings)
    monkeypatch.setattr(resume.RolloutLog, "on_save", saved)
    # as a run before steps were counted from 1 wrote its log: from 0
    written = tmp_path / "cut" / "rollout_log.jsonl"
    entries = [json.loads(line) for line in written.read_text().splitlines()]
    assert [e["step"] for e in entries] == [1, 2]
    written.write_text("".join(json.dumps(e | {"step": e["step"] - 1}) + "\n" for e in entries))
    capfd.readouterr()
    cut_log = run_grpo(
        copy.deepcopy(model), tokenizer, mini, mini.tasks, tmp_path / "cut", settings
    )
    assert [e["step"] for e in cut_log] == [1, 2, 3, 4]
    assert [e["reward_mean"] for e in cut_log] == [e["reward_mean"] for e in whole_log]
    # the tied output layer, which no checkpoint saves, is not reported missing
    assert "missing keys" not in capfd.readouterr().err
    whole = load_file(tmp_path / "whole" / "model.safetensors")
    cut = load_file(tmp_path / "cut" / "model.safetensors")
    assert all(torch.equal(whole[k], cut[k]) for k in whole)


def _train_cmd(out: Path, grpo_steps: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "eigendsl.cli",
        "train",
        str(MINI),
        "--model",
        "micro",
        "--out",
        str(out),
        "--generations",
        "1",
        "--per-generation",
        "24",
        "--sft-epochs",
        "3",
        "--sft-pass-size",
        "0",
        "--grpo-steps",
        str(grpo_steps),
        "--trials",
        "2",
        "--json",
    ]


@pytest.mark.slow
def test_report_counts_the_malformed_tool_calls(tmp_path):
    from types import SimpleNamespace

    from eigendsl.train.report import write_report

    def stage(passed, malformed):
        return {
            "tasks": 2,
            "episodes": 4,
            "passed": passed,
            "pass_hat_k": {"1": passed / 4, "2": 0.0},
            "pass_at_k": {"1": passed / 4, "2": 0.5},
            "failures": {},
            "families": {"cancel": passed / 4},
            "tool_calls": 10,
            "tool_call_ok_rate": 0.5,
            "malformed_tool_calls": malformed,
            "values_read": {"as_is": {"right": passed, "of": 2}, "swapped": {"right": 0, "of": 2}},
        }

    results = {"base": stage(0, 0), "sft": stage(1, 3), "grpo": stage(2, 1)}
    report = write_report(
        tmp_path, results, {}, {}, {"sft": 1.0}, SimpleNamespace(model="tiny", eval_temperature=0.3)
    ).read_text()
    first = report.split("\n\n## ")[0]  # up to the first section: the table of pass rates
    rows = [
        line
        for line in first.splitlines()
        if line.startswith(("| base |", "| SFT |", "| SFT+GRPO |"))
    ]
    assert [row.rsplit("|", 2)[1].strip() for row in rows] == [
        "5 of 10 (50.0%)",
        "5 of 10 (50.0%; 3 malformed)",
        "5 of 10 (50.0%; 1 malformed)",
    ]
    assert "held to the schemas" not in report
    assert "| SFT+GRPO | 2/2 | 0/2 |" in report.split("## Values read or recalled")[1]
    held = write_report(
        tmp_path / "held",
        results,
        {},
        {},
        {"sft": 1.0},
        SimpleNamespace(model="tiny", eval_temperature=0.3, eval_constrain_calls=True),
    ).read_text()
    assert "(temperature 0.3; tool calls held to the schemas)" in held
    assert first.splitlines()[4].startswith(
        "| stage | pass^1 | pass^2 | pass@2 | episodes passed |"
    )
    for r in results.values():  # one trial a task: pass^1 is pass^k, one column
        r["pass_hat_k"].pop("2")
        r["pass_at_k"].pop("2")
    one = write_report(
        tmp_path / "one",
        results,
        {},
        {},
        {"sft": 1.0},
        SimpleNamespace(model="tiny", eval_temperature=0.3),
    ).read_text()
    assert "held-out tasks: 2, 1 trial each (temperature 0.3)" in one
    table = one.split("\n\n## ")[0].splitlines()[4:]
    assert table[0] == (
        "| stage | pass^1 | episodes passed | mean verifier score | tool calls that ran |"
    )
    assert {row.count("|") for row in table} == {6}
    assert table[3].startswith("| SFT | 0.250 | 1/4 |")
    # a score term not earned is listed apart from the failures
    results["grpo"]["failures"] = {"x.chk:3: require a": 2}
    results["grpo"]["scores_missed"] = {'x.chk:4: score 1: said "y"': 3}
    both = write_report(
        tmp_path / "both",
        results,
        {},
        {},
        {"sft": 1.0},
        SimpleNamespace(model="tiny", eval_temperature=0.3),
    ).read_text()
    failures = both.split("## Most frequent failures after SFT+GRPO")[1].split("## Plots")[0]
    assert (
        failures.index("- 2 × `x.chk:3: require a`")
        < failures.index("Score terms not earned")
        < failures.index('- 3 × `x.chk:4: score 1: said "y"`')
    )


def test_report_orders_failures_of_equal_count_by_file_line_and_column():
    """Ties were sorted as text: tasks.chk:4 came after tasks.chk:34."""
    from eigendsl.train.report import most_frequent

    counts = {
        "b.chk:2: require x": 1,
        "a.chk:34: require y": 1,
        "a.chk:4:12: require z": 1,
        "a.chk:4:3: require w": 1,
        "the conversation ended at the turn limit": 1,
        "a.chk:10: require v": 3,
    }
    assert [reason.split(": ")[0] for reason, _ in most_frequent(counts)] == [
        "a.chk:10",
        "a.chk:4:3",
        "a.chk:4:12",
        "a.chk:34",
        "b.chk:2",
        "the conversation ended at the turn limit",
    ]


def test_train_pipeline_resumes_after_a_kill_and_reports(tmp_path):
    out = tmp_path / "run"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen(
        _train_cmd(out, 8), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    # generous: about 150 s alone on 2 cores, and over 300 s beside another training run
    deadline = time.time() + 900
    grpo = out / "grpo"
    while time.time() < deadline and process.poll() is None and not list(grpo.glob("checkpoint-*")):
        time.sleep(0.05)
    assert process.poll() is None, "the run ended by itself before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    checkpoints = sorted((out / "grpo").glob("checkpoint-*"))
    assert checkpoints, "GRPO never saved a checkpoint before the kill"
    assert not (out / "stages" / "grpo.json").exists()
    result = subprocess.run(
        _train_cmd(out, 8), cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (
        "[synth] done earlier, kept" in result.stderr
        and "[sft] done earlier, kept" in result.stderr
    )
    state = (
        json.loads((out / "grpo" / checkpoints[-1].name / "trainer_state.json").read_text())
        if (out / "grpo" / checkpoints[-1].name).exists()
        else None
    )
    assert state is None or state["global_step"] >= 1
    # stdout holds the summary alone: the trainers' logs are bars on stderr
    assert len(result.stdout.strip().splitlines()) == 1
    summary = json.loads(result.stdout)
    for stage in ("base", "sft", "grpo"):
        assert {"pass_hat_1", "pass_hat_k"} <= set(summary[stage])
    assert set(summary["seconds_per_stage"]) >= {"synth", "base", "sft", "grpo"}
    assert {"as_is", "renamed"} <= set(summary["sft"]["ids_copied"])
    assert {"as_is", "swapped"} <= set(summary["sft"]["values_read"])
    report = Path(summary["report"]).read_text()
    assert "| SFT+GRPO |" in report and "## Ids copied or recalled" in report
    assert ("## Values read or recalled" in report) == (
        summary["sft"]["values_read"]["as_is"]["of"] > 0
    )
    assert re.search(r"GRPO: \d+\.\d s playing rollouts .* \d+\.\d s in the loss", report)
    assert (out / "plots" / "sft_loss.png").is_file() and (
        out / "plots" / "pass_rates.png"
    ).is_file()
    # each eval stage's record keeps what its episodes file holds; the checkpoints their domain
    record = json.loads((out / "stages" / "eval_grpo.json").read_text())["episodes_file"]
    assert record["path"] == "eval/grpo.jsonl"
    assert record["rows"] == len((out / "eval" / "grpo.jsonl").read_text().splitlines())
    config = json.loads((out / "grpo" / "config.json").read_text())
    assert (config["eigendsl_domain"], config["eigendsl_context"]) == ("mini", "compact")


def test_hf_generate_logprobs_are_the_sampled_tokens_under_the_model(micro):
    from eigendsl.train.rollout import hf_generate

    model, tokenizer = micro
    # as play_rollouts generates: the GRPO test before this one leaves the shared model training,
    # with gradient checkpointing on, where transformers 5.17's generation gives other
    # log-probabilities than a forward pass (by up to 0.4 nats; 5.25's agree)
    model.eval()
    end_id = tokenizer.convert_tokens_to_ids(tokenizer.eos_token)
    prompts = [
        tokenizer("hello I want to cancel", add_special_tokens=False)["input_ids"],
        tokenizer("order", add_special_tokens=False)["input_ids"],
    ]
    torch.manual_seed(0)
    turns = hf_generate(
        model, [end_id], tokenizer.pad_token_id, max_new_tokens=12, temperature=1.0
    )(prompts)
    assert len(turns) == 2
    for prompt, (ids, logprobs) in zip(prompts, turns, strict=True):
        assert ids and len(logprobs) == len(ids)
        assert end_id not in ids[:-1]
        # Teacher-forced: the log-probability of each generated id given everything before it.
        with torch.no_grad():
            # on the model's device: the GRPO test before this one moved the shared model to a GPU
            tokens = torch.tensor([prompt + ids], device=model.device)
            logits = model(tokens).logits[0, len(prompt) - 1 : -1].float()
        expected = torch.log_softmax(logits.cpu(), dim=-1).gather(-1, torch.tensor(ids)[:, None])
        expected = expected.squeeze(-1)
        assert logprobs == pytest.approx(expected.tolist(), abs=1e-4)


class _Predicts(torch.nn.Module):
    """A stand-in model whose greedy choice at each position is a given token sequence's next
    token: ``memory`` (a dialogue learned by heart), or, without it, the input's own next token
    (a model that copies everything)."""

    def __init__(self, vocab_size: int, memory: list[int] | None = None):
        super().__init__()
        self.vocab_size, self.memory = vocab_size, memory
        self.weight = torch.nn.Parameter(torch.zeros(1))

    def forward(self, input_ids):
        source = input_ids[0].tolist() if self.memory is None else self.memory
        logits = torch.zeros(1, input_ids.shape[1], self.vocab_size)
        for position in range(input_ids.shape[1] - 1):
            if position + 1 < len(source):
                logits[0, position, source[position + 1]] = 1.0
        return type("Output", (), {"logits": logits})()


def _order_status_dialogue(*texts: str):
    """A training dialogue whose agent looks an order up and states its status, a micro
    tokenizer trained on it (and ``texts``), and its token ids."""
    call = {
        "id": "call_1",
        "type": "function",
        "function": {
            "name": "get_order_details",
            "arguments": json.dumps({"order_id": "#W1000297"}),
        },
    }
    row = {
        "messages": [
            {"role": "system", "content": "You are the agent."},
            {"role": "user", "content": "Where is my order #W1000297?"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {
                "role": "tool",
                "tool_call_id": "call_1",
                "content": "order_id: #W1000297\nstatus: delivered",
            },
            {"role": "assistant", "content": "Order #W1000297 is delivered."},
        ],
        "tools": [],
    }
    _, tokenizer = load_model("micro", [render_chat(row["messages"]), *texts] * 5, vocab_size=400)
    learned = tokenizer.apply_chat_template(row["messages"], tokenize=True, return_dict=True)[
        "input_ids"
    ]
    return row, tokenizer, list(learned)


def test_value_check_tells_reading_from_recall(monkeypatch):
    """The agent's "delivered" comes from the result's ``status: delivered``: a model that reads
    the result writes the swapped status too, one that learned the dialogue by heart does not."""
    from eigendsl.train.evaluate import value_check

    retail = load_domain(ROOT / "specs" / "retail")
    row, tokenizer, learned = _order_status_dialogue("pending processed cancelled delivered")
    vocab = len(tokenizer)

    reads = value_check(_Predicts(vocab), tokenizer, [row], retail.seed)
    recalls = value_check(_Predicts(vocab, memory=learned), tokenizer, [row], retail.seed)
    assert reads["as_is"] == reads["swapped"] == {"right": 1, "of": 1, "rate": 1.0}
    assert recalls["as_is"] == {"right": 1, "of": 1, "rate": 1.0}
    assert recalls["swapped"] == {"right": 0, "of": 1, "rate": 0.0}
    # A value the user said first, or one the agent does not state, is not the result's to give.
    said = {
        **row,
        "messages": [
            {**m, "content": "Is #W1000297 delivered?"} if m["role"] == "user" else m
            for m in row["messages"]
        ],
    }
    quiet = {
        **row,
        "messages": row["messages"][:-1] + [{"role": "assistant", "content": "Anything else?"}],
    }
    assert value_check(_Predicts(vocab), tokenizer, [said, quiet], retail.seed)["as_is"]["of"] == 0
    # Swapped, the result and the agent's turn state another status of the seed data, alike.
    from eigendsl.train import evaluate

    seen = []
    monkeypatch.setattr(
        evaluate,
        "_written",
        lambda model, tok, conversation, spans: seen.append(conversation) or [True],
    )
    value_check(_Predicts(vocab), tokenizer, [row], retail.seed)
    as_is, swapped = ([m["content"] for m in c["messages"]] for c in seen)
    status = swapped[-1].removeprefix("Order #W1000297 is ").removesuffix(".")
    assert as_is[-2:] == ["order_id: #W1000297\nstatus: delivered", "Order #W1000297 is delivered."]
    assert swapped[-2] == f"order_id: #W1000297\nstatus: {status}" and status != "delivered"
    assert status in {o["status"] for o in retail.seed["orders"].values()}


def test_copy_check_tells_copying_from_recall():
    from eigendsl.train.evaluate import copy_check

    retail = load_domain(ROOT / "specs" / "retail")
    row, tokenizer, learned = _order_status_dialogue()
    vocab = len(tokenizer)

    copies = copy_check(_Predicts(vocab), tokenizer, [row], retail.seed)
    recalls = copy_check(_Predicts(vocab, memory=learned), tokenizer, [row], retail.seed)
    # The two ids the agent writes (the call's and the answer's), counted once each.
    assert copies["as_is"] == copies["renamed"] == {"right": 2, "of": 2, "rate": 1.0}
    assert recalls["as_is"] == {"right": 2, "of": 2, "rate": 1.0}
    assert recalls["renamed"]["of"] == 2 and recalls["renamed"]["right"] == 0
    # The user's id is not the agent's to write: an id only in the user's turn counts for nothing.
    quiet = {**row, "messages": row["messages"][:2]}
    assert copy_check(_Predicts(vocab), tokenizer, [quiet], retail.seed)["as_is"]["of"] == 0


@pytest.mark.slow
def test_ctrl_c_keeps_the_run_and_says_the_same_command_resumes(tmp_path):
    """Ctrl-C in the middle of SFT: exit 130 with a sentence on how to go on (click's own word is
    "Aborted!"), no traceback, and the checkpoints stay for the next run."""
    out = tmp_path / "run"
    cmd = _train_cmd(out, 2)
    cmd[cmd.index("--sft-epochs") + 1] = "400"  # long enough to be interrupted
    process = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # as a terminal delivers Ctrl-C: a background child of a shell ignores SIGINT
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.time() + 600
    while (
        time.time() < deadline and process.poll() is None and not list(out.glob("sft/checkpoint-*"))
    ):
        time.sleep(0.05)
    assert process.poll() is None, "the run ended by itself before it could be interrupted"
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err[-2000:]
    assert (
        "interrupted: what was done is kept in the output folder; the same command resumes" in err
    )
    assert "Traceback" not in err and "Aborted!" not in err
    assert list(out.glob("sft/checkpoint-*")) and (out / "stages" / "synth.json").is_file()


@pytest.mark.slow
def test_the_user_model_is_fine_tuned_and_plays_the_user_in_grpo(tmp_path, monkeypatch):
    """`train --user-model`: a second model learns the user's turns of the same dialogues, and
    GRPO's episodes get their user turns from it, not from the scripted user."""
    from safetensors.torch import load_file

    from eigendsl.runtime.model_roles import ModelUser
    from eigendsl.train import grpo
    from eigendsl.train.pipeline import Pipeline
    from eigendsl.train.settings import TrainSettings

    said: list[str] = []
    respond = ModelUser.respond

    def recorded(self, episodes):
        said.extend(respond(self, episodes))
        return said[-len(episodes) :]

    users = []
    run_grpo = grpo.run_grpo

    def recording(model, tokenizer, domain, tasks, out_dir, settings=None, user=None):
        users.append(user)
        return run_grpo(model, tokenizer, domain, tasks, out_dir, settings, user)

    monkeypatch.setattr(ModelUser, "respond", recorded)
    monkeypatch.setattr(grpo, "run_grpo", recording)
    settings = TrainSettings(
        model="micro",
        user_model=True,
        generations=1,
        per_generation=24,
        sft_epochs=3,
        sft_pass_size=0,
        grpo_steps=1,
        eval_trials=1,
    )
    run = tmp_path / "run"
    Pipeline(MINI, run, settings, log=lambda _: None).run()
    user = users[0]
    assert isinstance(user, ModelUser) and user.name == "user-model"
    weights = user.backend.model.state_dict()
    trained = load_file(run / "user_sft" / "model.safetensors")
    assert all(torch.equal(weights[k].cpu(), trained[k]) for k in trained)
    agent = load_file(run / "sft" / "model.safetensors")
    assert not all(torch.equal(weights[k].cpu(), agent[k]) for k in trained)
    assert said  # every GRPO episode opened with the user model's turn
    # the user simulator's SFT is a stage of its own: its record, its seconds, a line in the report
    record = json.loads((run / "stages" / "user_sft.json").read_text())
    assert record["loss"] and record["seconds"] > 0
    summary = json.loads((run / "summary.json").read_text())
    assert "user_sft" in summary["seconds_per_stage"]
    report = (run / "report.md").read_text()
    assert "GRPO rolled out against a user simulator fine-tuned on the same dialogues" in report
    assert "| user_sft |" in report


def test_an_older_rollout_log_counted_from_0_reads_counted_from_1():
    from eigendsl.train.runfolder import steps_from_one

    older = [{"step": 0, "reward_mean": 0.5}, {"step": 1, "reward_mean": 0.25}]
    assert [e["step"] for e in steps_from_one(older)] == [1, 2]
    assert older[0]["step"] == 0  # the record read is left as it was
    assert steps_from_one([{"step": 1}, {"step": 2}]) == [{"step": 1}, {"step": 2}]
    assert steps_from_one([]) == []
