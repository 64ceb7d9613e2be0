"""Findings a spec accepts: a ``lint: allow KIND`` comment on the line a finding points at.

A warning or note that is true and meant (retail's gift-card guards, whose balance conditions
its seed never trips) would otherwise fail ``compile --strict`` for good. The comment names the
finding's kind (``lint`` prints it after each finding, ``[guard_never_fails]``), so it allows
that finding and no other on its line; several kinds go comma-separated, and a reason may
follow them after a colon or a parenthesis. It is a comment of the
file's own language at the end of the finding's line, or on a line of its own just above it (a
statement continued with ``\\`` cannot end its first line with a comment)::

    # lint: allow guard_never_fails (no gift card of the seed is short of a price difference)
    require card.kind != "gift_card" or card.balance >= difference \\
        else "The gift card's balance is too low"

in a ``.chk`` file, a YAML file or ``tools.py`` (``#``), and in ``policy.md`` ``<!-- lint: allow
KIND -->``. Errors are never allowed: an unsolvable task or a tool that raises is wrong
whatever a comment says. An allow that allows nothing (the finding gone, an error) is a note
at the comment, so a stale one is found; one naming a kind lint does not have (misspelt, or no
kind named) is a warning there, with the kind it is closest to, as ``compile`` shows warnings
and not notes (a misspelt kind was otherwise silent while its warning stayed); lint still runs
every analysis. ``LINT: ALLOW WEAK_CHECK`` is read as ``lint: allow weak_check``, and so are
``"lint: allow weak_check"`` and ``lint: allow "weak_check"``, as copied from lint's messages,
which quote DSL text in double quotes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from eigendsl.errors import Span, closest
from eigendsl.lint.context import KINDS, Finding, quoted

# kinds comma-separated, each bare or in quotes (as a finding's message quotes one it
# suggests); what follows them is the reason, for the reader. Any case is read
# (`# LINT: ALLOW WEAK_CHECK` was ignored without a word), and one naming no kind is kept, to be
# told so (_unused).
_KIND = r"[\"']?[A-Za-z_]\w*[\"']?"
_ALLOW = re.compile(
    rf"(?:#|<!--).*?\blint:\s*allow\b(?:\s+({_KIND}(?:\s*,\s*{_KIND})*))?",
    re.IGNORECASE,
)


Comments = dict[tuple[str, int], tuple[Span, set[str]]]


def allows(inputs: dict[str, bytes], display: Callable[[str], str]) -> Comments:
    """``(path, line) -> (where the comment is, kinds)``: the line each allow comment of the
    spec's text files applies to (``inputs``: relative path → content; ``display`` makes the
    path findings carry).

    >>> found = allows({"c.chk": b"x > 0  # lint: allow guard_never_fails, unused_param\\n"
    ...                          b"  # lint: allow weak_check as meant\\n  require x\\n"
    ...                          b'y  # "lint: allow unused_tool"\\n'
    ...                          b'z  # lint: allow "weak_check"\\n'}, str)
    >>> for key, (span, kinds) in found.items():
    ...     print(key, span, sorted(kinds))
    ('c.chk', 1) c.chk:1:8 ['guard_never_fails', 'unused_param']
    ('c.chk', 3) c.chk:2:3 ['weak_check']
    ('c.chk', 4) c.chk:4:4 ['unused_tool']
    ('c.chk', 5) c.chk:5:4 ['weak_check']
    """
    found: Comments = {}
    for relative, content in inputs.items():
        if b"lint:" not in content.lower():
            continue
        path = display(relative)
        text = content.decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            if match := _ALLOW.search(line):
                named = (match.group(1) or "").split(",")
                kinds = {kind.strip().strip("\"'").lower() for kind in named}
                alone = not line[: match.start()].strip()  # then it is about the next line
                found[(path, number + alone)] = (Span(path, number, match.start() + 1), kinds)
    return found


def apply_allows(
    findings: Iterable[Finding], comments: Comments
) -> tuple[list[Finding], list[Finding]]:
    """``(findings, allowed)``: the warnings and notes an allow comment on their line names
    move to ``allowed``; each kind a comment names that allowed nothing adds a note, or a
    warning where lint has no such kind."""
    kept: list[Finding] = []
    allowed: list[Finding] = []
    used: set[tuple[str, int, str]] = set()
    at_line: dict[tuple[str, int], list[Finding]] = {}
    for finding in findings:
        key = (finding.span.path, finding.span.line)
        at_line.setdefault(key, []).append(finding)
        kinds = comments.get(key, (0, set()))[1]
        if finding.kind in kinds and finding.severity != "error":
            allowed.append(finding)
            used.add((*key, finding.kind))
        else:
            kept.append(finding)
    for (path, line), (span, kinds) in comments.items():
        here = at_line.get((path, line), [])
        for kind in sorted(kinds):
            if (path, line, kind) not in used:
                # a kind lint does not have (misspelt, or none named) never allows anything: a
                # warning, which `compile` shows, as it does the finding the comment meant
                severity = "info" if kind in KINDS else "warning"
                kept.append(Finding(span, _unused(kind, here), severity, "unused_allow"))
    return kept, allowed


def _unused(kind: str, here: list[Finding]) -> str:
    """Why an allow comment's ``kind`` allowed nothing, and what its line's findings are."""
    if not kind:
        on_line = sorted({f.kind for f in here})
        return (
            '"lint: allow" names no kind, so it allows nothing; write the kind lint prints '
            'after the finding, "lint: allow '
            f'{on_line[0] if len(on_line) == 1 else "weak_check"}"'
            + (f" (the findings on its line are of kind {', '.join(on_line)})" if on_line else "")
        )
    errors = [f for f in here if f.kind == kind]
    if errors:
        return f'"lint: allow {kind}" cannot allow an error: fix what the error there says'
    if kind not in KINDS:  # a typo, most likely: the kind, not the finding, is what is wrong
        kinds = sorted({f.kind for f in here})
        close = closest(kind, kinds) or closest(kind, KINDS)
        found = f"; the findings it is about are of kind {', '.join(kinds)}" if kinds else ""
        return f'"lint: allow {kind}" allows nothing: lint has no kind {quoted(kind)}{found}' + (
            f"; did you mean {quoted(close)}?"
            if close
            else "; write the kind lint prints at the end of the finding, such as [weak_check]"
        )
    if not here:
        return (
            f'"lint: allow {kind}" allows nothing: no finding is on the line it is about (the '
            "finding was fixed, or it is on another line); remove the comment"
        )
    kinds = sorted({f.kind for f in here})
    close = closest(kind, kinds)
    return (
        f'"lint: allow {kind}" allows nothing: the findings it is about are of kind '
        f"{', '.join(kinds)}" + (f"; did you mean {quoted(close)}?" if close else "")
    )
