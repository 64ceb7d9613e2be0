"""Interoperability with tau2-bench: its retail tools and its DB comparison, over plain dicts.

tau2-bench (MIT licence, sierra-research/tau2-bench) is not vendored: nothing of its data or text
lives in this package; :mod:`eigendsl.tau2.retail_tools` re-implements the tool semantics and
:mod:`eigendsl.tau2.replay` the gold-action replay and the DB hash.
"""

from eigendsl.tau2.replay import canonical, copy_db, db_diff, db_hash, load_db, replay, same_db
from eigendsl.tau2.retail_tools import (
    READS,
    TOOL_SCHEMAS,
    TOOLS,
    TOOLS_PER_ITEM_VARIANT,
    WRITES,
    call_tool,
)

__all__ = [
    "READS",
    "TOOLS",
    "TOOLS_PER_ITEM_VARIANT",
    "TOOL_SCHEMAS",
    "WRITES",
    "call_tool",
    "canonical",
    "copy_db",
    "db_diff",
    "db_hash",
    "load_db",
    "replay",
    "same_db",
]
