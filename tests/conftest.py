"""Shared fixtures of the compiler tests: private copies of the mini spec, edits to them, and
generated verifier modules loaded from an output folder."""

from __future__ import annotations

import importlib.util
import itertools
import shutil
import signal
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from eigendsl.compiler import compile_domain, write_output

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
FIXTURES = TESTS / "fixtures"
MINI = FIXTURES / "mini"

_module_ids = itertools.count()


def copy_spec(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target


def edit(root: Path, relative: str, old: str | None, new: str | None) -> None:
    """Change one spec file: replace the one occurrence of ``old`` by ``new``.

    ``old=None`` writes ``new`` as the whole file; ``new=None`` deletes the file.
    """
    path = root / relative
    if new is None:
        path.unlink()
        return
    if old is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(new, encoding="utf-8")
        return
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {relative}, not once"
    path.write_text(text.replace(old, new), encoding="utf-8")


def tiny_qwen(vocab: int, positions: int = 512) -> Any:
    """A Qwen2 of one small layer, random init, for tests of checkpoints made elsewhere (the
    train extra's transformers is imported here, where it is needed)."""
    from transformers import Qwen2Config, Qwen2ForCausalLM

    config = Qwen2Config(
        vocab_size=vocab,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=positions,
        tie_word_embeddings=True,
    )
    return Qwen2ForCausalLM(config)


def byte_bpe(specials: list[str]) -> Any:
    """A byte-level BPE of 300 tokens trained on a cancellation's words, ``specials`` first: the
    tokenizer of a checkpoint made elsewhere (none of EigenDSL's ChatML or tool-call tokens
    unless ``specials`` names them)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    backend.train_from_iterator(
        ["Hello, I want to cancel order #W1000075.", "get_order_details order_id"] * 8,
        trainers.BpeTrainer(
            vocab_size=300,
            special_tokens=specials,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        ),
    )
    return backend


@pytest.fixture
def mini(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the mini spec at ``./mini`` (the working directory is ``tmp_path``),
    so diagnostics name files as ``mini/checks/main.chk``."""
    copy_spec(MINI, tmp_path / "mini")
    monkeypatch.chdir(tmp_path)
    return Path("mini")


def load_module(path: Path) -> ModuleType:
    """Import a generated module from its file under a fresh name (no clash between outputs),
    in a fresh package of its folder: a check's ``from .blocks import ...`` reads its blocks."""
    package = f"_generated_{next(_module_ids)}"
    init = importlib.util.spec_from_file_location(
        package, path.parent / "__init__.py", submodule_search_locations=[str(path.parent)]
    )
    assert init is not None and init.loader is not None
    sys.modules[package] = importlib.util.module_from_spec(init)
    name = f"{package}.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class Verifiers:
    """The verifier modules of one output folder: ``check(name)``, ``rules``, ``guards``."""

    def __init__(self, out: Path):
        self.out = out
        self.rules = load_module(out / "verifiers" / "rules.py")
        self.guards = load_module(out / "verifiers" / "guards.py")
        self.tools = load_module(out / "verifiers" / "tools_declared.py")
        self._checks: dict[str, ModuleType] = {}

    def check(self, name: str) -> ModuleType:
        if name not in self._checks:
            self._checks[name] = load_module(self.out / "verifiers" / f"check_{name}.py")
        return self._checks[name]


def compile_to(spec_dir: Path, out: Path) -> Verifiers:
    compiled = compile_domain(spec_dir, out)
    write_output(compiled, out)
    return Verifiers(out)


@pytest.fixture(scope="session")
def mini_verifiers(tmp_path_factory: pytest.TempPathFactory) -> Verifiers:
    """The mini fixture compiled once for the session, its verifiers loaded."""
    return compile_to(MINI, tmp_path_factory.mktemp("mini_out"))


@pytest.fixture(scope="session")
def retail_domain() -> Any:
    """The retail spec's domain, loaded once a session."""
    from eigendsl.runtime.domain import load_domain

    return load_domain(ROOT / "specs" / "retail")


@pytest.fixture(scope="session")
def retail_scripted(retail_domain: Any) -> list[dict[str, Any]]:
    """The scripted agent's passed dialogues of retail's train tasks (computed once a session;
    tests must not change them)."""
    from eigendsl.runtime.episodes import run_episodes
    from eigendsl.runtime.scripted_agent import ScriptedAgent
    from eigendsl.runtime.scripted_user import ScriptedUser

    tasks = [t for t in retail_domain.tasks if t.get("split") == "train"]
    agent, user = ScriptedAgent(), ScriptedUser(retail_domain.stop_marker)
    rows = run_episodes(retail_domain, tasks, agent, user)
    return [r for r in rows if r["verdict"]["passed"]]


def pytest_configure(config: pytest.Config) -> None:
    """Run as from a terminal, where Ctrl-C interrupts: a suite started in the background (`.ci/run
    &` from a script) inherits SIGINT ignored, which the commands respect as a background job
    should (cli/shared.py), and their subprocesses inherit it too, so the tests of Ctrl-C would
    find nothing to stop."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _signal_handlers() -> Any:
    """A command that Ctrl-C or SIGTERM stopped ignores both until its process exits; the tests'
    process goes on, with its own handlers put back."""
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    yield
    for signum, handler in before.items():
        signal.signal(signum, handler)
