"""Loading a model checkpoint a user names (a folder ``save_pretrained`` wrote, or a hub id):
its tokenizer, whatever wrote it, and the one user error for a checkpoint that does not load.

The model backends of the runtime and every training stage load checkpoints through here. It
needs the ``train`` extra (transformers); the runtime imports it only when a model is loaded.
"""

from __future__ import annotations

import contextlib
import difflib
import json
from pathlib import Path

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
    its lines reads as noise."""
    from transformers.utils import logging

    logging.disable_progress_bar()
    with contextlib.suppress(ImportError):  # datasets comes with the train extra
        import datasets

        datasets.disable_progress_bars()


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
        raise OSError("the folder has no tokenizer (no tokenizer.json, *.model or vocab file)")
    config = Path(path, "tokenizer_config.json")
    saved_as = json.loads(config.read_text()).get("tokenizer_class") if config.is_file() else None
    if saved_as in GENERIC_CLASSES:
        return PreTrainedTokenizerFast.from_pretrained(str(path))
    return AutoTokenizer.from_pretrained(str(path))


def check_vocabulary(tokenizer: PreTrainedTokenizerBase, rows: int) -> None:
    """Refuse a checkpoint whose tokenizer has more tokens than its model's embedding has ``rows``
    (a tokenizer of another model beside the weights): its ids past the last row would fail deep
    in generation or training. A ``ValueError``, which :func:`checkpoint_error` words."""
    if len(tokenizer) > rows:
        raise ValueError(
            f"its tokenizer has {len(tokenizer)} tokens but the model's embedding has {rows} "
            "rows (a tokenizer saved beside another model's weights?)"
        )


def checkpoint_error(name: str | Path, exc: BaseException, *, embedded: bool = False) -> EigenError:
    """The user error for a checkpoint that does not load: its name, why, and what a model can be
    (the embedded sizes too where the command builds them: ``embedded``)."""
    sizes = f"an embedded size ({', '.join(EMBEDDED_SIZES)}), " if embedded else ""
    return EigenError(
        f"cannot load model '{name}': {load_reason(name, exc)}; a model is {sizes}a checkpoint "
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
    if not path.exists() and (path.is_absolute() or str(name).startswith((".", "~"))):
        return "there is no such folder"
    if isinstance(exc, json.JSONDecodeError) and path.is_dir():
        for saved in sorted(path.glob("*.json")):
            try:
                json.loads(saved.read_text(errors="replace"))
            except json.JSONDecodeError as bad:
                return f"{saved.name} is not valid JSON ({bad}); was it cut short?"
    if "ignore_mismatched_sizes" in str(exc):  # transformers' words; its report went to stderr
        return "its weights do not have the shapes its config.json gives (edited? another model's?)"
    lines = [line.strip() for line in str(exc).strip().splitlines()]
    if isinstance(exc, StrictDataclassError) and len(lines) > 1:
        return f"config.json: {lines[-1].removeprefix('ValueError: ')}".rstrip(".")
    return (lines or [type(exc).__name__])[0].rstrip(".")
