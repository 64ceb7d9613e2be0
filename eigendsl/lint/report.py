"""How lint results are shown: one ``path:line:col: sentence`` line per finding, a table of
check strengths, a summary line; or one JSON object.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eigendsl.lint import LintReport


def text_lines(report: LintReport) -> list[str]:
    lines = [str(f) for f in report.findings]
    if report.scores:
        lines.append("check strength (mutations caught / counted):")
        width = max(len(name) for name in report.scores)
        for name in sorted(report.scores, key=lambda n: (report.strength(n), n)):
            caught, counted = report.scores[name]
            lines.append(f"  {name:<{width}}  {report.strength(name):.2f}  {caught}/{counted}")
    if report.unmeasured:
        if not report.scores:
            lines.append("check strength (mutations caught / counted):")
        lines.append(
            f"  not measured, no mutation counted (each one a note's, or changing nothing): "
            f"{', '.join(report.unmeasured)}"
        )
    lines.append(summary(report))
    return lines


def summary(report: LintReport) -> str:
    counts = {
        s: sum(f.severity == s for f in report.findings) for s in ("error", "warning", "info")
    }

    def counted(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    drawn = report.tasks - report.written
    alone = f", {report.extra} of them by lint alone: ids lint-*" if report.extra else ""
    which = (
        f" ({report.written} written, {drawn} drawn from {counted(report.templates, 'template')}"
        f" with --samples {report.samples}{alone})"
        if drawn and report.templates
        else ""
    )
    if report.compiled and report.compiled != report.tasks:
        # lint plays the compiled tasks under their ids: say why it plays another number
        which += (
            f", where compile makes {report.compiled} (sampling.per_template: "
            f"{report.per_template} a template)"
        )
    return (
        f"{report.domain}: {counted(report.tasks, 'task')} linted{which}, "
        f"{len(report.unsolvable)} unsolvable; {counted(counts['error'], 'error')}, "
        f"{counted(counts['warning'], 'warning')}, {counted(counts['info'], 'note')}"
        + (f" ({len(report.allowed)} allowed by `lint: allow`)" if report.allowed else "")
    )


def json_line(report: LintReport) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False)
