"""lint plays the compiled tasks under their ids: an author who follows lint's "e.g. renew-000"
to ``eigendsl run --task renew-000`` plays the same loan (lint drew its own sets and numbered
them like compile's, though compile left out the set a written task took: lint's renew-000 was
loan L-1001, the compiled one L-1007; and lint counted 11 tasks where compile made 10)."""

from __future__ import annotations

import re
import shutil

import pytest

from eigendsl.lint import lint
from eigendsl.lint.report import summary
from eigendsl.runtime.domain import load_domain
from tests.conftest import ROOT

DESK = ROOT / "tests" / "fixtures" / "library_desk"


@pytest.fixture(scope="module")
def raising(tmp_path_factory):
    """The desk with renew_loan raising KeyError: lint names its sampled tasks."""
    spec = tmp_path_factory.mktemp("desk") / "library"
    shutil.copytree(DESK, spec, ignore=shutil.ignore_patterns("__pycache__"))
    tools = spec / "tools.py"
    text = tools.read_text()
    assert 'loan["renewals"] >= 2' in text
    tools.write_text(text.replace('loan["renewals"] >= 2', 'loan["renewal_count"] >= 2'))
    return spec


def test_the_task_lint_names_is_the_compiled_task_of_that_id(raising):
    report = lint(raising)
    tasks = {t["id"]: t for t in load_domain(raising).tasks}
    named = [f.message for f in report.findings if "sampled tasks, e.g." in f.message]
    assert named, report.findings
    examples = re.findall(r"e\.g\. ([\w-]+) with ([^\]]+)", named[0])
    assert examples, named[0]
    task_id, params = examples[0]
    assert task_id in tasks, task_id
    assert f'loan_id="{tasks[task_id]["params"]["loan_id"]}"' in params, (task_id, params)


def test_lint_counts_the_tasks_compile_makes_at_the_spec_samples():
    report = lint(DESK, samples=3)  # the spec's sampling.per_template
    assert report.tasks == len(load_domain(DESK).tasks) == 10
    assert summary(report).startswith(
        "library: 10 tasks linted (1 written, 9 drawn from 4 templates with --samples 3), "
    )


def test_more_samples_than_compile_draws_get_ids_of_their_own_and_say_why():
    report = lint(DESK, samples=4)
    said = summary(report)
    assert "by lint alone: ids lint-*" in said, said
    assert "where compile makes 10 (sampling.per_template: 3 a template)" in said, said
