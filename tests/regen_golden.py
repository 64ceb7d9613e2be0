"""Regenerate the golden files of the compiler tests: ``python -m tests.regen_golden``.

Each folder ``tests/fixtures/golden/<case>/`` holds a spec in ``spec/`` and the compiler's output
for it in ``expected/``; ``tests/test_compile.py`` compiles every spec again and compares the
result byte for byte. Run this after an intended change of the generated output, then review
the diff of ``expected/`` before committing it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from eigendsl.compiler import compile_domain, write_output

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden"


def cases() -> list[Path]:
    """The golden case folders (those with a ``spec/domain.yaml``)."""
    return sorted(p for p in GOLDEN.iterdir() if (p / "spec" / "domain.yaml").is_file())


def changed_files(case: Path, write: bool = False) -> list[str]:
    """Files of ``case/expected`` that differ from a fresh compile (written when ``write``)."""
    expected = case / "expected"
    compiled = compile_domain(case / "spec", expected)
    return write_output(compiled, expected, check=not write)


def main() -> int:
    for case in cases():
        changed = changed_files(case, write=True)
        print(
            f"{case.name}: {len(changed)} file(s) rewritten" + "".join(f"\n  {c}" for c in changed)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
