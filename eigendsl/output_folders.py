"""Where a command may write the folder it makes: never in the spec folder, never over files that
another command or a person put there.

``compile -o``, ``synth --out`` and ``train --out`` each write a folder of their own and take one
back when it holds their earlier output (to resume or rewrite it). The spec folder itself, a
folder inside it or one that holds it, is refused (writing there could overwrite or delete the
spec's files, and a synthesis run inside a spec reads as more of the spec); so is a folder of
other files, which the command would overwrite or mix with its own.

    refuse_spec_folder(Path("specs/retail"), Path("specs/retail"), "synthesizing", "--out")
    # EigenError: the output folder specs/retail is the spec folder; synthesizing there ...
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from eigendsl.errors import EigenError, first_few

LOCK = ".lock"  # the lock file of a command at work in the folder, not a file of its output


def refuse_spec_folder(
    spec_dir: Path, out: Path, writing: str, option: str, default: str = ""
) -> None:
    """Raise :class:`EigenError` when ``out`` is, lies in or holds ``spec_dir``; ``writing``
    (``compiling``), ``option`` (``-o``) and the command's ``default`` folder make the
    message."""
    spec, target = spec_dir.resolve(), out.resolve()
    shown = spec_dir if spec_dir.name else spec  # not "." when run inside the spec folder
    if target == spec:
        relation = "is the spec folder"
    elif spec in target.parents:
        relation = f"is inside the spec folder {shown}"
    elif target in spec.parents:
        relation = f"contains the spec folder {shown}"
    else:
        return
    raise EigenError(
        f"the output folder {out} {relation}; {writing} there would overwrite or delete files "
        f"of the spec, or mix with them. Give {option} a folder outside the spec"
        + (
            f" (the default is {default} under the working directory; run from outside the "
            "spec folder to use it)"
            if default
            else ""
        )
    )


def refuse_other_files(out: Path, ours: Callable[[Path], bool], what: str, option: str) -> None:
    """Raise :class:`EigenError` when ``out`` holds files (a lock aside) and ``ours(out)`` does
    not recognise it as the command's earlier output (``what``: "a synthesis run (no
    settings.json or gen-*/)"), naming a few of them."""
    if not out.is_dir():
        return
    present = sorted(p.name + ("/" if p.is_dir() else "") for p in out.iterdir() if p.name != LOCK)
    if present and not ours(out):
        raise EigenError(
            f"{out} holds files ({first_few(present)}) but {what}, and writing there would "
            f"overwrite or mix with them; give {option} a new or empty folder, or move those "
            "files out of it"
        )


def refuse_train_synth(out: Path) -> None:
    """Raise :class:`EigenError` when ``out`` is the ``synth/`` folder of a training run (a
    ``run.json`` or ``stages/`` beside it): ``synth`` would add generations that the run's record
    does not hold, which its SFT would then train on unnoticed (it reads every ``gen-*``)."""
    target = out.resolve()
    run = target.parent
    if target.name != "synth" or not (
        (run / "run.json").is_file() or (run / "stages" / "synth.json").is_file()
    ):
        return
    raise EigenError(
        f"{out} is the synth folder of the training run in {run}, whose run.json records the "
        "generations made there; synthesize for that run with `eigendsl train` (its "
        f"--generations, with --out {run}), or give --out another folder"
    )
