"""Loading a model checkpoint a user names (a folder ``save_pretrained`` wrote, or a hub id):
its tokenizer, whatever wrote it, and the one user error for a checkpoint that does not load.

The model backends of the runtime and every training stage load checkpoints through here. It
needs the ``train`` extra (transformers); the runtime imports it only when a model is loaded.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from safetensors import SafetensorError
from transformers import PreTrainedTokenizerBase, PreTrainedTokenizerFast

from eigendsl.errors import EigenError

# The names `eigendsl train` builds a model for instead of loading one (the shapes are
# eigendsl.train.model.MODEL_SIZES): named elsewhere, they say the model must be trained first.
EMBEDDED_SIZES = ("micro", "tiny", "tiny-wide", "small")

try:  # a config.json whose values transformers' own checks refuse (num_hidden_layers: -1)
    from huggingface_hub.errors import StrictDataclassError
except ImportError:  # pragma: no cover - an older huggingface_hub, without those checks
    StrictDataclassError = ValueError  # type: ignore[assignment,misc]

# What loading a checkpoint raises when its files are missing, unreadable or damaged; a
# RuntimeError: weights whose shapes are not the config's (a config.json edited or swapped).
LOAD_ERRORS = (OSError, ValueError, RuntimeError, SafetensorError, StrictDataclassError)

# The class names a tokenizer without a model-specific class is saved under.
GENERIC_CLASSES = ("TokenizersBackend", "PreTrainedTokenizerFast")

# The vocabulary files of a saved tokenizer, one at least (tokenizer.json, sentencepiece's
# *.model, BPE's vocab.json, WordPiece's vocab.txt, tiktoken's): a folder with none loaded as a
# tokenizer of no tokens.
TOKENIZER_FILES = ("tokenizer.json", "*.model", "vocab*", "*.tiktoken")


def quiet_library_bars() -> None:
    """Turn off transformers' and datasets' own bars (a model's shards loaded or written, a
    dataset tokenized): a command shows its own progress, and a bar of a library's between
    its lines reads as noise. Nor does transformers' warning that the checkpoints' mtimes
    "may not be reliable": checkpoints saved within a second of each other (a small run's) are
    ordered by their step numbers instead, which is the order they were saved in (newcomer B's
    L5: the line looked like a problem in a run's log)."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    saving = logging.getLogger("transformers.trainer_utils")
    if _mtime_note not in saving.filters:
        saving.addFilter(_mtime_note)
    with contextlib.suppress(ImportError):  # datasets comes with the train extra
        import datasets

        datasets.disable_progress_bars()


def _mtime_note(record: logging.LogRecord) -> bool:
    """False for transformers' note that it orders checkpoints by step, not mtime."""
    return "mtime may not be reliable" not in record.getMessage()


_PROXIES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY")


def offline_unless_reachable(name: str | Path, timeout: float = 3.0) -> None:
    """Before a hub id (``name`` that is no local path) is loaded: where the Hugging Face hub
    cannot be reached within ``timeout`` seconds, go offline for the rest of the process, as
    ``HF_HUB_OFFLINE=1`` does, so a model in the cache loads and one that is not fails at once,
    not after huggingface_hub's five retries (a minute and more of "Retrying in 8s"). Behind a
    proxy (``HTTPS_PROXY`` and the like) a direct connection says nothing of the hub: no test."""
    import os
    import socket
    from urllib.parse import urlsplit

    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE or Path(name).expanduser().exists():
        return
    if any(os.environ.get(v) for v in _PROXIES + tuple(v.lower() for v in _PROXIES)):
        return
    url = urlsplit(constants.ENDPOINT)
    try:
        socket.create_connection(
            (url.hostname or "", url.port or (443 if url.scheme == "https" else 80)), timeout
        ).close()
    except OSError:
        constants.HF_HUB_OFFLINE = True


def load_tokenizer(path: str | Path) -> PreTrainedTokenizerBase:
    """Load a tokenizer saved with ``save_pretrained`` (ours or any other), or a hub id's.

    One saved as the generic class, as :func:`eigendsl.train.tokenizer.train_tokenizer`'s are,
    loads as exactly that: ``AutoTokenizer`` gives a Qwen2 model's directory ``Qwen2Tokenizer``,
    whose own pre-tokenizer replaces the one in ``tokenizer.json``, so text would be split
    otherwise than the tokenizer was trained to split it."""
    from transformers import AutoTokenizer

    offline_unless_reachable(path)
    folder = Path(path)
    if folder.is_dir() and not any(any(folder.glob(files)) for files in TOKENIZER_FILES):
        raise OSError(
            "the folder has no tokenizer (no tokenizer.json, *.model or vocab file); save the "
            "tokenizer that belongs to these weights beside them (tokenizer.save_pretrained)"
        )
    if tokenizer_loader(path) == "PreTrainedTokenizerFast":
        return PreTrainedTokenizerFast.from_pretrained(str(path))
    return AutoTokenizer.from_pretrained(str(path))


def tokenizer_loader(path: str | Path) -> str:
    """The transformers class whose ``from_pretrained`` loads the tokenizer saved at ``path`` as
    it was saved (:func:`load_tokenizer`): ``PreTrainedTokenizerFast`` for one saved as a generic
    class, ``AutoTokenizer`` for any other (and a hub id)."""
    config = Path(path, "tokenizer_config.json")
    saved_as = json.loads(config.read_text()).get("tokenizer_class") if config.is_file() else None
    return "PreTrainedTokenizerFast" if saved_as in GENERIC_CLASSES else "AutoTokenizer"


class VocabularyMismatch(ValueError):
    """A tokenizer with more tokens than its model's embedding has rows."""


def check_vocabulary(tokenizer: PreTrainedTokenizerBase, rows: int) -> None:
    """Refuse a checkpoint whose tokenizer has more tokens than its model's embedding has ``rows``
    (a tokenizer of another model beside the weights): its ids past the last row would fail deep
    in generation or training. A ``ValueError``, which :func:`checkpoint_error` words."""
    if len(tokenizer) > rows:
        raise VocabularyMismatch(
            f"its tokenizer has {len(tokenizer)} tokens but the model's embedding has {rows} "
            "rows (a tokenizer saved beside another model's weights?)"
        )


def load_for_play(name: str | Path, note: Callable[[str], None]) -> tuple[Any, Any]:
    """The model and tokenizer of a checkpoint a user names to play episodes: ``run``'s ``hf:``
    agent, user and judge, ``synth --trajectory hf:``, ``eval --model``, all through here. A
    checkpoint that does not load is one user error (:func:`checkpoint_error`); one whose chat
    template cannot render an episode gets EigenDSL's, and ``note`` is told in one line
    (:func:`~eigendsl.runtime.chat_format.inference_chat_format`), as it is of one that names no
    end-of-sequence token (:func:`no_end_note`)."""
    from transformers import AutoModelForCausalLM

    from eigendsl.runtime.chat_format import chat_format_note, inference_chat_format

    quiet_library_bars()
    try:
        tokenizer = load_tokenizer(name)
        model = AutoModelForCausalLM.from_pretrained(str(name))
        embeddings: Any = model.get_input_embeddings()
        check_vocabulary(tokenizer, int(embeddings.weight.shape[0]))
        reason = inference_chat_format(model, tokenizer)
    except LOAD_ERRORS as exc:
        raise checkpoint_error(name, exc) from None
    if reason is not None:
        note(chat_format_note(name, reason))
    no_end = no_end_note(name, model, tokenizer)
    if no_end is not None:
        note(no_end)
    return model, tokenizer


def no_end_note(name: str | Path, model: Any, tokenizer: Any) -> str | None:
    """The line that says a checkpoint names no end-of-sequence token, or None: with none, the
    model's generation stops at nothing but a turn's token cap, so every turn of ``run`` and
    ``eval`` takes the time of the longest (a turn is cut after at ``<|im_end|>`` or the padding
    token, where it wrote one). The end is the one the backends decode with
    (:func:`~eigendsl.runtime.backends.decoding_config`): generation_config.json's, else the
    tokenizer's."""
    from eigendsl.runtime.backends import TURN_TOKENS, decoding_config

    if decoding_config(model, tokenizer).eos_token_id is not None:
        return None
    return (
        f"note: {name}: the checkpoint names no end-of-sequence token (no eos_token in "
        "tokenizer_config.json, no eos_token_id in generation_config.json), so the model's "
        f"turns run to a turn's token cap ({TURN_TOKENS} in run and eval); set eos_token in "
        "tokenizer_config.json or eos_token_id in generation_config.json to the token that "
        "ends its turns (eigendsl train sets <|im_end|> in the checkpoints it writes)"
    )


def checkpoint_error(name: str | Path, exc: BaseException, *, embedded: bool = False) -> EigenError:
    """The user error for a checkpoint that does not load: its name, why, and what a model can be
    (the embedded sizes too where the command builds them: ``embedded``)."""
    if isinstance(exc, VocabularyMismatch):  # it is a checkpoint: what a model is helps not
        return EigenError(
            f"cannot load model '{name}': {exc}; save the tokenizer that belongs to these "
            "weights beside them, or grow the embedding to the tokenizer "
            "(model.resize_token_embeddings(len(tokenizer)), then save_pretrained again)"
        )
    reason = load_reason(name, exc)
    if (Path(name).expanduser() / "config.json").is_file():  # a checkpoint folder: what a
        return EigenError(f"cannot load model '{name}': {reason}")  # model is helps not
    sizes = f"an embedded size ({', '.join(EMBEDDED_SIZES)}), " if embedded else ""
    return EigenError(
        f"cannot load model '{name}': {reason}; a model is {sizes}a checkpoint "
        "folder with config.json (as save_pretrained writes it) or a hub id (offline, one "
        f"already in the Hugging Face cache, with HF_HUB_OFFLINE=1){_size_meant(name, embedded)}"
    )


def _size_meant(name: str | Path, embedded: bool) -> str:
    """``"; did you mean 'tiny'?"`` for a misspelt embedded size (``tny``): a name close to one,
    neither a folder nor a hub id with its owner (``org/name``). Where the command does not
    build one (``embedded`` False: eval, run), it says which folder to name instead."""
    text = str(name)
    if "/" in text or Path(text).expanduser().exists():
        return ""
    close = difflib.get_close_matches(text, EMBEDDED_SIZES, n=1, cutoff=0.8)
    if not close:
        return ""
    built = "" if embedded else " (eigendsl train builds it; name a folder it wrote: OUT/sft)"
    return f"; did you mean '{close[0]}'?{built}"


def load_reason(name: str | Path, exc: BaseException) -> str:
    """Why the checkpoint ``name`` did not load, in a few words."""
    path = Path(name).expanduser()
    if str(name) in EMBEDDED_SIZES and not path.exists():
        return (
            "an embedded size is built by eigendsl train; name a folder it wrote "
            "(OUT/sft, OUT/grpo)"
        )
    if path.is_dir() and not (path / "config.json").is_file():
        try:
            inside = [p.name for p in sorted(path.iterdir()) if (p / "config.json").is_file()]
        except OSError:  # a folder it may not list
            inside = []
        if inside:  # a train run's folder: its base, sft and grpo models
            return f"the folder has no config.json; models are in its folders {', '.join(inside)}"
        return "the folder has no config.json"
    # a path, not a hub id: absolute, relative to . or ~, or with two slashes or more (a hub id
    # has one at most: owner/name)
    if not path.exists() and (
        path.is_absolute() or str(name).startswith((".", "~")) or str(name).count("/") >= 2
    ):
        return "there is no such folder"
    if path.is_dir() and (
        isinstance(exc, json.JSONDecodeError) or "not a valid JSON file" in str(exc)
    ):
        for saved in sorted(path.glob("*.json")):
            try:
                json.loads(saved.read_text(errors="replace"))
            except json.JSONDecodeError as bad:
                return f"{saved.name} is not valid JSON ({bad}); was it cut short?"
    if isinstance(exc, SafetensorError) and path.is_dir():
        damaged = _damaged_weights(path)
        if damaged is not None:
            file, why = damaged
            return (
                f"its weights file {file} does not load ({why}): it looks cut short or "
                "damaged, as after an interrupted copy or save; copy it again from where it "
                "came, or save the model again"
            )
    if "ignore_mismatched_sizes" in str(exc):  # transformers' words; its report went to stderr
        return "its weights do not have the shapes its config.json gives (edited? another model's?)"
    lines = [line.strip() for line in str(exc).strip().splitlines()]
    if isinstance(exc, StrictDataclassError) and len(lines) > 1:
        return f"config.json: {lines[-1].removeprefix('ValueError: ')}".rstrip(".")
    return (lines or [type(exc).__name__])[0].rstrip(".")


def _damaged_weights(folder: Path) -> tuple[Path, str] | None:
    """The first ``*.safetensors`` file of ``folder`` that safetensors cannot open, and why in
    its own first words (``incomplete metadata, file not fully covered``), or None."""
    from safetensors import safe_open

    for file in sorted(folder.glob("*.safetensors")):
        try:
            with safe_open(str(file), framework="pt"):
                pass
        except (SafetensorError, OSError) as exc:
            why = str(exc).removeprefix("Error while deserializing header: ")
            return file, why.strip().splitlines()[0].rstrip(".") if why.strip() else "unreadable"
    return None


@contextlib.contextmanager
def library_warning_dropped(logger_name: str, prefix: str) -> Iterator[None]:
    """Leave out, while this holds, the warnings of a library's logger that start with ``prefix``:
    one that EigenDSL says in its own words (transformers' "This is a friendly reminder ...",
    the context warning of :func:`context_problem` says it)."""
    import logging

    def keep(record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(prefix)

    quiet = logging.Filter()
    quiet.filter = keep  # type: ignore[method-assign]
    logger = logging.getLogger(logger_name)
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


# The config keys a model's position limit goes by (GPT-2's n_positions, older models' n_ctx).
POSITION_KEYS = ("max_position_embeddings", "n_positions", "n_ctx", "max_sequence_length")


def model_positions(config: Any) -> tuple[int, str] | None:
    """How many positions a model takes, and the key of its config that says so; None where its
    config says nothing of it."""
    for source in (config, getattr(config, "get_text_config", lambda: config)()):
        for key in POSITION_KEYS:
            value = getattr(source, key, None)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                # the key config.json holds (GPT-2's max_position_embeddings is n_positions)
                return value, getattr(source, "attribute_map", {}).get(key, key)
    return None


def is_rotary(config: Any) -> bool:
    """Whether a model encodes positions by rotation (RoPE: Qwen2, Llama), which runs on past its
    trained length, rather than with a table of learned positions (GPT-2), which fails there."""
    return any(
        getattr(config, key, None) for key in ("rope_parameters", "rope_theta", "rope_scaling")
    )


def context_problem(config: Any, tokens: int, what: str) -> tuple[str, bool] | None:
    """``(sentence, fatal)`` where ``tokens`` (``what`` they are: "the prompt and a turn's new
    tokens") do not fit the model's positions: fatal for learned positions, which have no row
    past the last; a warning for rotary ones, which run on but were not trained there. None where
    they fit, or the config gives no limit."""
    limit = model_positions(config)
    if limit is None or tokens <= limit[0]:
        return None
    positions, key = limit
    told = (
        f"{what} come to {tokens} tokens, but the model takes {positions} positions ({key} in "
        "its config.json)"
    )
    if is_rotary(config):
        return (
            f"warning: {told}; it generates on past them, as it was never trained to; "
            "show it less with --context compact, or use a model with a longer context"
        ), False
    return (
        f"{told}; show it less with --context compact, or use a model with a longer context"
    ), True
