"""What `run`, `eval` and `train`'s report.md say of the episodes, for a person reading them: the
failed statements counted as such (and how many were left out), counts beside rates, how much of
GRPO had a signal, plots that show what they are titled for, and `eval --seed`."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from click.testing import CliRunner

from eigendsl.cli import main
from eigendsl.errors import EigenError

ROOT = Path(__file__).resolve().parent.parent


def _summary(failures: int) -> dict:
    return {
        "tasks": 4,
        "episodes": 8,
        "passed": 3,
        "pass_rate": 0.375,
        "pass_hat_k": {"1": 0.375, "2": 0.25},
        "pass_at_k": {"1": 0.375, "2": 0.5},
        "failures": {
            f"x/checks/tasks.chk:{100 + i}: require a{i}": 20 - i for i in range(failures)
        },
        "mean_score": 0.5,
        "tool_calls": 35,
        "tool_call_ok_rate": 0.714286,
        "malformed_tool_calls": 0,
    }


def test_the_failures_table_is_by_statement_and_says_what_it_leaves_out(monkeypatch, capsys):
    """It was titled "failures by reason" and cut at 15 rows without a word; one failed episode
    fails several statements, which the counts did not say."""
    from eigendsl.cli.shared import print_summary

    monkeypatch.setenv("COLUMNS", "200")
    print_summary(_summary(16), "retail: m on held-out tasks")
    printed = capsys.readouterr().out
    assert "failures by statement" in printed and "failures by reason" not in printed
    assert "tasks.chk:114: require a14" in printed and "tasks.chk:115:" not in printed
    assert "and 1 more, each as often or less (all of them: --json, --out)" in printed
    assert "5 of 8 episodes failed; an episode can fail several statements and is counted" in (
        printed
    )
    print_summary(_summary(15), "fifteen")
    assert " more, each as often" not in capsys.readouterr().out


def test_the_table_gives_counts_with_rates_and_no_raw_key(monkeypatch, capsys):
    """`pass_rate`, a snake_case key, repeated pass^1; "0.714 of 35" put a rate and a count in
    one cell."""
    from eigendsl.cli.shared import print_summary

    monkeypatch.setenv("COLUMNS", "200")
    print_summary(_summary(0), "t")
    printed = capsys.readouterr().out
    assert "pass_rate" not in printed and "pass^1" in printed
    assert "25 of 35 (71.4%)" in printed


def test_a_long_eval_title_stays_on_one_line(monkeypatch, capsys):
    """The task list was wrapped into the narrow table's width, one task a line."""
    from eigendsl.cli.episodes import eval_selection
    from eigendsl.cli.shared import print_summary
    from eigendsl.runtime.domain import load_domain

    domain = load_domain(ROOT / "specs" / "retail")
    ids = tuple(t["id"] for t in domain.tasks[:5])
    _, played = eval_selection(domain, None, ids)
    assert played == f"tasks {ids[0]}, {ids[1]}, {ids[2]} and 2 more"
    assert eval_selection(domain, None, ids[:1])[1] == f"task {ids[0]}"
    monkeypatch.setenv("COLUMNS", "200")
    title = f"retail: /tmp/some/where/grpo on {played}"
    print_summary(_summary(0), title)
    assert title in capsys.readouterr().out


def test_one_task_outside_the_split_is_named_in_the_singular():
    from eigendsl.cli.episodes import named_tasks
    from eigendsl.runtime.domain import load_domain

    domain = load_domain(ROOT / "specs" / "retail")
    train = [t["id"] for t in domain.tasks if t.get("split") == "train"][:2]
    try:
        named_tasks(domain, (train[0],), "held-out", "--tasks")
    except EigenError as exc:
        assert f"the task {train[0]} is not a held-out task of domain retail" in str(exc)
    else:
        raise AssertionError("a train task was taken as held-out")
    try:
        named_tasks(domain, tuple(train), "held-out", "--tasks")
    except EigenError as exc:
        assert f"none of the tasks {train[0]}, {train[1]} is a held-out task" in str(exc)


def test_eval_has_a_seed_that_reaches_the_sampling(monkeypatch):
    """`run` had --seed and `eval` none: its episodes were always those of seed 0."""
    from eigendsl.runtime import checkpoints as checkpoints_mod
    from eigendsl.train import evaluate as evaluate_mod

    seeds: list[int] = []

    def fake_evaluate(domain, model, tokenizer, tasks, **options):
        seeds.append(options["seed"])
        raise EigenError("stop here")

    monkeypatch.setattr(checkpoints_mod, "load_for_play", lambda *args, **kwargs: (None, None))
    monkeypatch.setattr(evaluate_mod, "evaluate", fake_evaluate)
    base = ["eval", "specs/retail", "--model", "m", "--trials", "1"]
    CliRunner().invoke(main, base)
    CliRunner().invoke(main, [*base, "--seed", "7"])
    assert seeds == [0, 7]
    helped = " ".join(CliRunner().invoke(main, ["eval", "--help"]).output.split())
    assert "replays the episodes of the full evaluation" in helped


# ---------------------------------------------------------------------------- report.md


def _stage(passed: int) -> dict:
    return {
        "tasks": 2,
        "episodes": 4,
        "passed": passed,
        "pass_hat_k": {"1": passed / 4, "2": 0.0},
        "pass_at_k": {"1": passed / 4, "2": 0.5},
        "failures": {f"x.chk:{i}: require a{i}": 12 - i for i in range(12)},
        "scores_missed": {},
        "families": {"cancel": passed / 2, "status": 0.0},
        "tool_calls": 35,
        "tool_call_ok_rate": 0.714286,
        "malformed_tool_calls": 3,
    }


def _episodes(path: Path, passed: int) -> None:
    """Four episodes, two a family, ``passed`` of the cancel ones passed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [
        {"task_id": f"{family}-{i}", "family": family, "verdict": {"passed": ok}}
        for family, oks in (("cancel", [i < passed for i in range(2)]), ("status", [0, 0]))
        for i, ok in enumerate(oks)
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))


GRPO_LOG = {
    "log": [
        {"step": 1, "reward_mean": 0.5, "pass_rate": 0.5, "groups": 3, "flat_kept": 1,
         "flat_groups": 4, "replaced": 4},
        {"step": 2, "reward_mean": 0.6, "pass_rate": 0.5, "groups": 3, "flat_kept": 0,
         "flat_groups": 1, "replaced": 1},
    ]
}  # fmt: skip


def test_the_report_gives_family_counts_failed_episodes_and_grpo_s_signal(tmp_path):
    """report.md gave rates of 6 episodes to 2 decimals with no count, cut its failures at 10
    without saying so, counted statements without saying one episode fails several, and said
    nothing of how many GRPO groups had a signal; summary.json neither."""
    from eigendsl.train.report import write_run_report

    results = {"base": _stage(0), "sft": _stage(1), "grpo": _stage(2)}
    for stage, passed in (("base", 0), ("sft", 1), ("grpo", 2)):
        _episodes(tmp_path / "eval" / f"{stage}.jsonl", passed)
    settings = SimpleNamespace(model="tiny", eval_temperature=0.3, grpo_tasks_per_step=3)
    summary = write_run_report(tmp_path, results, ({}, GRPO_LOG), {"sft": 1.0}, settings, print)
    report = (tmp_path / "report.md").read_text()
    assert "| SFT+GRPO | 0.500 | 0.000 | 0.500 | 2/4 | 0.000 | 25 of 35 (71.4%; 3 malformed) |" in (
        report
    )
    assert "| cancel | 0.00 (0/2) | 0.50 (1/2) | 1.00 (2/2) |" in report
    failures = report.split("## Most frequent failures after SFT+GRPO")[1]
    assert failures.lstrip().startswith(
        "2 of 4 episodes failed; by task family: status 2. An episode can fail several "
        "statements and is counted under each"
    )
    assert "- 3 × `x.chk:9: require a9`" in failures and "x.chk:10:" not in failures
    assert "- and 2 more statements, each as often or less (every failure is in " in failures
    assert (
        "GRPO: 5 of 6 trained groups had unequal rewards (a flat group's advantages are all 0); "
        "5 flat groups were played again with another task." in report
    )
    assert summary["grpo_groups"] == {"trained": 6, "unequal_rewards": 5, "replaced": 5}
    saved = json.loads((tmp_path / "summary.json").read_text())
    assert saved["grpo_groups"] == summary["grpo_groups"]
    # an episodes file that does not hold the stage's episodes gives rates alone
    _episodes(tmp_path / "eval" / "grpo.jsonl", 1)
    write_run_report(tmp_path, results, ({}, GRPO_LOG), {"sft": 1.0}, settings, print)
    assert "| cancel | 0.00 (0/2) | 0.50 (1/2) | 1.00 |" in (tmp_path / "report.md").read_text()


def test_the_plots_say_what_they_show(tmp_path, monkeypatch):
    """sft_loss.png was linear (all but the first steps at 0), grpo_reward.png had no y label
    nor said which rollouts it averages, pass_rates.png showed pass^k alone."""
    from matplotlib.figure import Figure

    from eigendsl.train.report import write_report

    seen: dict[str, dict] = {}
    savefig = Figure.savefig

    def record(fig, *args, **kwargs):
        ax = fig.axes[0]
        seen[ax.get_title()] = {
            "yscale": ax.get_yscale(),
            "ylabel": ax.get_ylabel(),
            "labels": ax.get_legend_handles_labels()[1],
        }
        return savefig(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", record)
    results = {"base": _stage(0), "sft": _stage(1), "grpo": _stage(2)}
    sft_log = {"loss": [{"step": s, "loss": 10.0**-s} for s in range(1, 5)]}
    settings = SimpleNamespace(model="tiny", eval_temperature=0.3)
    write_report(tmp_path, results, sft_log, GRPO_LOG, {"sft": 1.0}, settings)
    assert seen["SFT training loss (assistant tokens)"]["yscale"] == "log"
    grpo = seen["GRPO: the groups each step trained on (after replays)"]
    assert grpo["ylabel"] == "mean over their episodes"
    rates = next(v for title, v in seen.items() if title.startswith("pass^k"))
    assert "SFT+GRPO pass@k" in rates["labels"] and "SFT+GRPO pass^k" in rates["labels"]


def test_the_report_names_the_stages_an_earlier_command_made(tmp_path):
    """After a command that made some stages again, report.md and summary.json did not say
    which were kept from an earlier command, nor where the report before it is."""
    from eigendsl.train.report import write_run_report

    results = {"base": _stage(0), "sft": _stage(1), "grpo": _stage(2)}
    for stage, passed in (("base", 0), ("sft", 1), ("grpo", 2)):
        _episodes(tmp_path / "eval" / f"{stage}.jsonl", passed)
    settings = SimpleNamespace(model="tiny", eval_temperature=0.3, grpo_tasks_per_step=3)
    seconds = {"base": 2.0, "sft": 1.0, "grpo": 3.0}
    aside = tmp_path / "previous" / "1"
    kept = (["base", "sft"], aside)
    summary = write_run_report(tmp_path, results, ({}, GRPO_LOG), seconds, settings, print, kept)
    report = (tmp_path / "report.md").read_text()
    assert "| sft (made in an earlier command, kept) | 1.0 |" in report
    assert "| grpo | 3.0 |" in report
    assert f"the report as it was before is in {aside}" in report
    assert summary["kept_stages"] == ["base", "sft"]
    assert summary["previous_report"] == str(aside / "report.md")
