"""Checkpoints not made by ``eigendsl train``: one loading path for every command that plays one
(its chat template, the note when EigenDSL's replaces it), decoding set by EigenDSL alone, and a
prompt or ``sft.max_length`` past the model's positions told in one message."""

from __future__ import annotations

import copy
import inspect
import logging

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from transformers import (  # noqa: E402
    GPT2Config,
    GPT2LMHeadModel,
    PreTrainedTokenizerFast,
)

from eigendsl.errors import EigenError  # noqa: E402
from eigendsl.runtime.backends import HFBackend  # noqa: E402
from eigendsl.runtime.chat_format import CHAT_TEMPLATE  # noqa: E402
from eigendsl.runtime.model_roles import make_agent  # noqa: E402
from eigendsl.train.evaluate import evaluate  # noqa: E402
from eigendsl.train.model import check_model_name, load_checkpoint  # noqa: E402
from tests.conftest import byte_bpe, tiny_qwen  # noqa: E402

CHAT = [{"role": "system", "content": "hi"}, {"role": "user", "content": "cancel #W1000075"}]
# A template of the Llama-2 kind: each message's text, no tools, no tool calls.
PLAIN_TEMPLATE = "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}"


@pytest.fixture(scope="module")
def foreign():
    """A byte-level BPE of another model: none of EigenDSL's ChatML or tool-call tokens."""
    backend = byte_bpe(["<|endoftext|>"])
    return PreTrainedTokenizerFast(
        tokenizer_object=backend, eos_token="<|endoftext|>", bos_token="<|endoftext|>"
    )


def _gpt2(vocab: int, positions: int) -> GPT2LMHeadModel:
    config = GPT2Config(vocab_size=vocab, n_embd=32, n_layer=1, n_head=2, n_positions=positions)
    config.bos_token_id = config.eos_token_id = 0  # <|endoftext|>, the first special token
    return GPT2LMHeadModel(config)


def _save(folder, model, tokenizer, template):
    saved, tokenizer.chat_template = tokenizer.chat_template, template
    try:
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
    finally:
        tokenizer.chat_template = saved
    if template is None:
        for extra in folder.glob("*.jinja"):
            extra.unlink()
    return folder


def test_run_plays_a_checkpoint_with_no_template_as_eval_does(tmp_path, foreign, capsys):
    """H1, L1: run's hf: agent gave a traceback (no chat template); now EigenDSL's ChatML, with
    the note eval prints, naming the tokens added in place of transformers' warning."""
    from transformers.utils import logging as hf_logging

    folder = _save(tmp_path / "gpt2", _gpt2(len(foreign), 2048), foreign, None)
    capsys.readouterr()  # save_pretrained's bar
    heard: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: heard.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("transformers.modeling_utils").addHandler(handler)
    hf_logging.warning_once.cache_clear()  # said once a process: said again here, if at all
    try:
        agent = make_agent(f"hf:{folder}", context="compact")
    finally:
        logging.getLogger("transformers.modeling_utils").removeHandler(handler)
    note = capsys.readouterr().err.strip()
    assert note == (
        f"note: {folder}: EigenDSL's ChatML chat template is used (the checkpoint has none); 6 "
        "of its tokens are new to the vocabulary (<|im_start|>, <|im_end|>, <tool_call>, "
        "</tool_call>, <tools>, </tools>), their embeddings the mean of the others' until trained"
    )
    assert not [line for line in heard if line.startswith("The new embeddings")]
    prompt = agent.backend.prompts([CHAT], None)[0]
    assert prompt.startswith("<|im_start|>system\nhi<|im_end|>")
    from eigendsl.runtime.checkpoints import load_for_play

    notes: list[str] = []
    load_for_play(str(folder), notes.append)  # eval's load: the same note
    assert notes == [note]


def test_new_tokens_of_an_untied_model_start_at_the_mean_and_nothing_is_said_of_it(
    tmp_path, foreign, capfd
):
    """The note says the new tokens' embeddings are the mean of the others': so they are, in
    the input embedding and an untied output one, and transformers says nothing of its own
    ("... from a multivariate normal distribution ...", once per embedding)."""
    from transformers.utils import logging as hf_logging

    untied = _gpt2(len(foreign), 2048)
    untied.config.tie_word_embeddings = False
    untied.lm_head.weight = torch.nn.Parameter(untied.lm_head.weight.detach().clone() + 1.0)
    folder = _save(tmp_path / "untied", untied, foreign, PLAIN_TEMPLATE)
    capfd.readouterr()
    heard: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: heard.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("transformers").addHandler(handler)
    hf_logging.warning_once.cache_clear()
    try:
        model, tokenizer = load_checkpoint(str(folder), note=heard.append)
    finally:
        logging.getLogger("transformers").removeHandler(handler)
    assert not [line for line in heard if "multivariate" in line or "initialized" in line]
    assert "multivariate" not in capfd.readouterr().err
    assert any("their embeddings the mean of the others' until trained" in line for line in heard)
    old = len(foreign)
    embeddings, head = model.get_input_embeddings().weight, model.get_output_embeddings().weight
    assert embeddings.data_ptr() != head.data_ptr() and embeddings.shape[0] == len(tokenizer)
    for weight in (embeddings, head):
        mean = weight[:old].mean(dim=0)
        assert torch.allclose(weight[old:], mean.expand_as(weight[old:]))


def test_a_turn_ended_by_generation_configs_eos_is_read_without_it(foreign):
    """Llama 3's turns end with <|eot_id|>, one of generation_config.json's eos_token_id, while
    the tokenizer's end is another token: run and eval end the turn there, and its text is the
    model's without it (it was left in, where only the tokenizer's eos was taken out)."""
    from transformers import GenerationConfig

    from eigendsl.runtime.backends import through_end, turn_end_ids, turn_text

    tokenizer = copy.deepcopy(foreign)
    tokenizer.add_special_tokens(
        {"extra_special_tokens": ["<|eot_id|>"]}, replace_extra_special_tokens=False
    )
    eot = tokenizer.convert_tokens_to_ids("<|eot_id|>")
    ends = turn_end_ids(tokenizer, GenerationConfig(eos_token_id=[eot, tokenizer.eos_token_id]))
    assert ends == [tokenizer.eos_token_id, eot]
    ids = tokenizer("Your order is cancelled.<|eot_id|>", add_special_tokens=False)["input_ids"]
    assert through_end(ids + [tokenizer.eos_token_id], ends) == ids
    assert turn_text(ids, tokenizer, ends) == "Your order is cancelled."


def test_run_and_eval_pick_the_same_template_and_turn_length(tmp_path, foreign):
    """M2: a template that leaves the tools out is replaced by run and eval alike (run kept it
    and said nothing); one that renders an episode whole is kept by both, and train still
    gives it ours, which has the {% generation %} marks SFT needs."""
    from eigendsl.runtime.checkpoints import load_for_play

    plain = _save(tmp_path / "plain", tiny_qwen(len(foreign)), foreign, PLAIN_TEMPLATE)
    notes: list[str] = []
    backend = HFBackend(path=str(plain), note=notes.append)
    _, tokenizer = load_for_play(str(plain), notes.append)
    assert backend.tokenizer.chat_template == tokenizer.chat_template == CHAT_TEMPLATE
    assert len(notes) == 2 and notes[0] == notes[1]
    assert "which leaves the tools' schemas and the agent's tool calls out of the chat" in notes[0]

    unmarked = CHAT_TEMPLATE.replace("{%- generation %}", "").replace("{%- endgeneration %}", "")
    whole = _save(tmp_path / "whole", tiny_qwen(len(foreign)), foreign, unmarked)
    notes.clear()
    assert HFBackend(path=str(whole), note=notes.append).tokenizer.chat_template == unmarked
    assert load_for_play(str(whole), notes.append)[1].chat_template == unmarked
    assert notes == []
    assert load_checkpoint(str(whole), note=notes.append)[1].chat_template == CHAT_TEMPLATE
    assert "which has no {% generation %} marks" in notes[0]
    # one turn's length for run's agent and eval's
    assert (
        backend.max_new_tokens == inspect.signature(evaluate).parameters["max_new_tokens"].default
    )


def test_a_checkpoints_generation_config_does_not_change_decoding(tmp_path, foreign):
    """M3: the same weights with and without a generation_config.json holding a repetition
    penalty decoded differently; now alike, the checkpoint's end-of-turn ids kept."""
    from transformers import GenerationConfig

    model = tiny_qwen(len(foreign))
    plain = _save(tmp_path / "plain", model, foreign, CHAT_TEMPLATE)
    end = foreign.convert_tokens_to_ids("<|endoftext|>")
    model.generation_config = GenerationConfig(
        repetition_penalty=3.0, no_repeat_ngram_size=1, eos_token_id=[end, 5], pad_token_id=end
    )
    odd = _save(tmp_path / "odd", model, foreign, CHAT_TEMPLATE)
    decoded = [
        HFBackend(path=str(f), max_new_tokens=12).generate_ids([CHAT], None) for f in (odd, plain)
    ]
    assert decoded[0] == decoded[1]
    assert HFBackend(path=str(odd)).generation.eos_token_id == [end, 5]


def test_a_prompt_past_the_models_positions_is_one_message(tmp_path, foreign):
    """H2: learned positions (GPT-2) gave an IndexError; rotary ones a warning of transformers'.
    Now one user error, and one warning of ours, once."""
    long_chat = [CHAT[0], {"role": "user", "content": "cancel order #W1000075 " * 40}]
    tokenizer = copy.deepcopy(foreign)
    tokenizer.chat_template = CHAT_TEMPLATE
    gpt2 = HFBackend(_gpt2(len(foreign), 64), tokenizer, max_new_tokens=8)
    with pytest.raises(EigenError, match=r"but the model takes 64 positions \(n_positions in its"):
        gpt2.generate_ids([long_chat], None)
    notes: list[str] = []
    qwen = HFBackend(tiny_qwen(len(foreign), 64), tokenizer, max_new_tokens=4, note=notes.append)
    qwen.generate_ids([long_chat], None)
    qwen.generate_ids([long_chat], None)
    assert len(notes) == 1 and notes[0].startswith("warning: the prompt (")
    assert "64 positions (max_position_embeddings in its config.json)" in notes[0]
    assert "--context compact" in notes[0]


def test_a_conversation_that_outgrows_learned_positions_ends_there_alone(foreign):
    """B1's limit: a conversation that grew past a GPT-2's positions in the middle of a run
    stopped the whole run with that error. Now that chat is not generated (the episode ends
    ``context_full``), the others of its batch are, and the note is said once."""
    from eigendsl.runtime.backends import ContextFull

    tokenizer = copy.deepcopy(foreign)
    tokenizer.chat_template = CHAT_TEMPLATE
    grown = [*CHAT, {"role": "assistant", "content": "cancel order #W1000075 " * 40}]
    notes: list[str] = []
    gpt2 = HFBackend(_gpt2(len(foreign), 128), tokenizer, max_new_tokens=8, note=notes.append)
    out = gpt2.generate_ids([CHAT, grown, CHAT], None)
    assert isinstance(out[1], ContextFull)
    assert "but the model takes 128 positions" in out[1].sentence
    assert all(isinstance(out[i], tuple) and out[i][1] for i in (0, 2))
    turns = gpt2.generate([grown, CHAT], None)
    assert turns[0].context_full == out[1].sentence and turns[1].context_full is None
    assert len(notes) == 1 and notes[0].startswith("note: the prompt (")
    assert notes[0].endswith("ends there (context_full); the others go on")


def test_episodes_past_learned_positions_end_as_context_full(retail_domain, foreign):
    """A run in which a conversation outgrows a GPT-2 after its first turn ends that episode as
    ``context_full``, plays the others on, and judges and sums up all of them, where it stopped
    at the first such turn."""
    from eigendsl.runtime.environment import Environment
    from eigendsl.runtime.episodes import Episode, add_user_turn, run_episodes
    from eigendsl.runtime.model_roles import ModelAgent
    from eigendsl.runtime.model_view import model_view
    from eigendsl.runtime.rows import summarize
    from eigendsl.runtime.scripted_user import ScriptedUser

    tokenizer = copy.deepcopy(foreign)
    tokenizer.chat_template = CHAT_TEMPLATE
    tasks = [t for t in retail_domain.tasks if t["split"] == "held-out"][:3]
    user = ScriptedUser(retail_domain.stop_marker)
    widths = []
    for task in tasks:  # the agent's first prompt of each
        episode = Episode(task, Environment(retail_domain, task))
        add_user_turn(episode, user.respond([episode])[0], retail_domain.stop_marker)
        chat = model_view(episode.messages, retail_domain, "compact")
        prompt = tokenizer.apply_chat_template(chat, add_generation_prompt=True, tokenize=False)
        widths.append(len(tokenizer(prompt, add_special_tokens=False)["input_ids"]))
    notes: list[str] = []
    # each first prompt fits with its turn; the prompt after that turn does not
    gpt2 = _gpt2(len(foreign), max(widths) + 8)
    agent = ModelAgent(HFBackend(gpt2, tokenizer, max_new_tokens=8, note=notes.append), "gpt2")
    agent.context = "compact"
    rows = run_episodes(retail_domain, tasks, agent, ScriptedUser(retail_domain.stop_marker))
    reasons = [r["end_reason"] for r in rows]
    assert reasons[widths.index(max(widths))] == "context_full"
    assert all([m["role"] for m in r["messages"]].count("assistant") >= 1 for r in rows)
    assert not any(r["verdict"]["passed"] for r in rows)
    ended = summarize(rows)["ended"]
    assert sum(ended.values()) == 3 and ended["context_full"] == reasons.count("context_full")
    assert len(notes) == 1


def test_train_refuses_sft_max_length_past_learned_positions(tmp_path, foreign):
    """H3: train's copy check (and SFT) hit an IndexError; now refused before the first stage."""
    folder = _save(tmp_path / "gpt2", _gpt2(len(foreign), 1024), foreign, None)
    with pytest.raises(
        EigenError,
        match=r"training.sft.max_length is 2048 tokens, but the model '.*' takes 1024 positions "
        r"\(n_positions in its config.json\); set training.sft.max_length to 1024 or less",
    ):
        check_model_name(str(folder), 2048)
    check_model_name(str(folder), 1024)
