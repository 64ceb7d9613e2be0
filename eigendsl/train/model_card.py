"""The model card (README.md) of a model a training stage saved: which model it was trained from,
how, and how to evaluate it.

TRL writes a draft card into the stage's folder at each checkpoint, but names the base model only
when its config holds a hub id: from a folder (the run's own ``OUT/base``, always) the draft says
"a fine-tuned version of [None](https://huggingface.co/None)" and ``pipeline(model="None")``. This
card replaces it once the stage is done.
"""

from __future__ import annotations

from pathlib import Path

from eigendsl.runtime.checkpoints import EMBEDDED_SIZES, tokenizer_loader

# How each stage's model was made, after "trained from BASE".
STAGE_METHODS = {
    "sft": "with supervised fine-tuning (TRL's SFTTrainer) on dialogues synthesized from the "
    "spec and accepted by its verifiers",
    "grpo": "with supervised fine-tuning (TRL's SFTTrainer) on dialogues synthesized from the "
    "spec, then with GRPO (TRL's GRPOTrainer), the spec's verifier giving the reward",
    "user_sft": "to play the user simulator, with supervised fine-tuning (TRL's SFTTrainer) on "
    "the user's turns of dialogues synthesized from the spec",
}

# What a stage's model is for, and the command that does it.
USES = {
    "sft": "Evaluate it on the spec's held-out tasks",
    "grpo": "Evaluate it on the spec's held-out tasks",
    "user_sft": "Let it play the user",
}
USES_COMMAND = {
    "sft": "eval {spec} --model {folder}",
    "grpo": "eval {spec} --model {folder}",
    "user_sft": "run {spec} --user hf:{folder}",
}


def base_description(model: str) -> str:
    """The run's ``--model`` in words: an embedded size is built, not loaded from anywhere."""
    if model in EMBEDDED_SIZES:
        return (
            f"EigenDSL's embedded `{model}` model (a Qwen2 that `eigendsl train` builds with "
            "random weights, its tokenizer trained on the domain's text)"
        )
    return f"`{model}`"


def model_card(folder: Path, stage: str, model: str, spec: Path) -> str:
    """The card's text. ``base_model`` in its metadata is a hub id only (a local folder or an
    embedded size is no model on the hub), as the hub reads that field. The code that loads the
    model with transformers loads its tokenizer as training did
    (:func:`~eigendsl.runtime.checkpoints.tokenizer_loader`, read from ``folder``)."""
    is_hub_id = model not in EMBEDDED_SIZES and not Path(model).expanduser().exists()
    metadata = ["library_name: transformers"] + ([f"base_model: {model}"] if is_hub_id else [])
    metadata += ["tags:", "- eigendsl", "- trl", f"- {stage.replace('user_', '')}"]
    return "\n".join(
        [
            "---",
            *metadata,
            "---",
            "",
            f"# {folder.name}: the {stage} stage of an EigenDSL training run",
            "",
            f"Trained from {base_description(model)} {STAGE_METHODS[stage]} "
            f"(spec `{spec}`). The run's report.md, one folder up, gives its pass rates.",
            "",
            USES[stage] + ":",
            "",
            "```",
            f"eigendsl {USES_COMMAND[stage].format(spec=spec, folder=folder)}",
            "```",
            "",
            "or load it with transformers:",
            "",
            *_loading_code(folder),
            "",
        ]
    )


def _loading_code(folder: Path) -> list[str]:
    """Python that loads the model and its tokenizer as they were trained."""
    loader = tokenizer_loader(folder)
    why = (
        [
            "# the tokenizer saved as it was trained: AutoTokenizer would give a Qwen2 model's",
            "# folder Qwen2Tokenizer, whose own pre-tokenizer splits text into other tokens",
        ]
        if loader != "AutoTokenizer"
        else []
    )
    return [
        "```python",
        f"from transformers import AutoModelForCausalLM, {loader}",
        "",
        f"model = AutoModelForCausalLM.from_pretrained({str(folder)!r})",
        *why,
        f"tokenizer = {loader}.from_pretrained({str(folder)!r})",
        "```",
    ]


def write_model_card(folder: Path, stage: str, model: str, spec: Path) -> None:
    """Write ``folder``/README.md over TRL's draft (see the module's docstring)."""
    (folder / "README.md").write_text(model_card(folder, stage, model, spec), encoding="utf-8")
