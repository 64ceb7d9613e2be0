"""The plots of ``report.md``: SFT's loss, GRPO's reward per step, and each stage's pass^k and
pass@k on the held-out tasks (matplotlib, written as PNG only where they changed)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from eigendsl.synth.records import write_if_changed
from eigendsl.train.runfolder import steps_from_one

STAGE_NAMES = {"base": "base", "sft": "SFT", "grpo": "SFT+GRPO"}


def write_plots(
    out: Path, results: dict[str, Any], sft_log: dict[str, Any], grpo_log: dict[str, Any]
) -> list[str]:
    """The run's plots in ``out/plots`` (written only where they changed): the SFT loss, GRPO's
    reward and pass rate per step, pass^k and pass@k of each stage; their paths from ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    folder = out / "plots"
    made = []

    def save(fig: Any, name: str) -> None:
        fig.gca().xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))  # counts
        fig.tight_layout()
        png = io.BytesIO()
        fig.savefig(png, format="png", dpi=110)
        plt.close(fig)
        write_if_changed(folder / name, png.getvalue())
        made.append(f"plots/{name}")

    loss = sft_log.get("loss", [])
    if loss:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.plot([e["step"] for e in loss], [e["loss"] for e in loss])
        # the loss falls by orders of magnitude: on a linear axis all but the first steps are 0
        if all(e["loss"] > 0 for e in loss):
            ax.set_yscale("log")
        ax.set(title="SFT training loss (assistant tokens)", xlabel="step", ylabel="loss")
        save(fig, "sft_loss.png")
    log = steps_from_one(grpo_log.get("log", []))
    if log:
        fig, ax = plt.subplots(figsize=(6, 3.5))
        steps = [e["step"] for e in log]
        # the episodes of the groups each step trained on: a flat group's are those of the
        # replay that replaced it (dynamic filtering), not its own
        ax.plot(steps, [e["reward_mean"] for e in log], label="verifier reward")
        ax.plot(steps, [e["pass_rate"] for e in log], label="share passed")
        ax.set(
            title="GRPO: the groups each step trained on (after replays)",
            xlabel="step",
            ylabel="mean over their episodes",
            ylim=(-0.03, 1.05),
        )
        ax.legend()
        save(fig, "grpo_reward.png")
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for stage, result in results.items():
        ks = sorted(int(k) for k in result["pass_hat_k"])
        (line,) = ax.plot(
            ks,
            [result["pass_hat_k"][str(k)] for k in ks],
            marker="o",
            label=f"{STAGE_NAMES[stage]} pass^k",
        )
        at = [k for k in ks if str(k) in result.get("pass_at_k", {})]
        if at and at[-1] > 1:  # pass@1 is pass^1
            ax.plot(
                at,
                [result["pass_at_k"][str(k)] for k in at],
                marker="^",
                linestyle="--",
                color=line.get_color(),
                label=f"{STAGE_NAMES[stage]} pass@k",
            )
    trials = max(int(j) for result in results.values() for j in result["pass_hat_k"])
    ax.set(
        title="pass^k (all k trials pass) and pass@k (one does) on held-out tasks",
        xlabel="k",
        ylabel="rate",
        ylim=(-0.03, 1.05),
    )
    ax.set_xlim(0.5, trials + 0.5)  # one trial a task, or a pass rate of 0, stays in sight
    ax.legend()
    save(fig, "pass_rates.png")
    return made
