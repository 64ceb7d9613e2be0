"""tau2-bench's retail tools, re-implemented over a plain-dict database.

The database is the JSON of tau2's retail ``db.json``: ``{"products": {...}, "users": {...},
"orders": {...}}``, each table a dict keyed by id. Every tool is a function
``tool(db, **arguments)`` with the same name and parameters as the tau2 tool; it mutates ``db``
in place (write tools) and returns what tau2 returns, as JSON-ready data: orders, users, products
and variants come back as fresh dicts laid out like tau2's ``model_dump()`` (all order fields
present, ``None`` where unset); lookups, ``calculate`` and ``list_all_product_types`` return
strings.

A failing call raises :class:`eigendsl.support.ToolError` carrying tau2's message (tau2 shows it to
the agent as ``"Error: <message>"``). Every check runs before the first change, so a failed call
leaves the database exactly as it was.

Where tau2's behaviour is surprising it is reproduced on purpose, because tau2 computes its gold
database by replaying the reference actions through these same semantics:

* ``modify_pending_order_items`` gives *every* modified item the price and options of the *last*
  replacement variant checked (tau2-bench issues #317/#318; open at the time of writing). The
  per-item behaviour is available as :func:`modify_pending_order_items_per_item_variant` and the
  registry :data:`TOOLS_PER_ITEM_VARIANT`.
* ``modify_pending_order_items`` records the unrounded price difference as the payment/refund
  amount (only gift card balances are rounded), books a zero difference as a ``refund`` of 0.0,
  and only accepts status ``"pending"``; address and payment changes accept any status containing
  ``"pending"`` (so also ``"pending (item modified)"``).
* ``exchange_delivered_order_items`` rounds the price difference, records it on the order and moves
  no money; ``return_delivered_order_items`` records the request and moves no money either.
* Item lists stored by exchange/return are sorted; the modified-item search always takes the first
  order line with a matching id, so swapping two ids of one product is order-dependent.
* ``cancel_pending_order`` refunds every payment-history entry, refunds included; that matters
  after a payment-method change, which leaves the order ``"pending"`` with three entries.
* The user lookups compare names and emails case- and accent-insensitively (tau2 main folds them;
  older releases only lower-cased); the zip must match exactly.

The tools live in :mod:`eigendsl.tau2.retail_reads` (READ and GENERIC) and
:mod:`eigendsl.tau2.retail_writes` (WRITE), over the views of :mod:`eigendsl.tau2.retail_views`
and the lookups and decorator of :mod:`eigendsl.tau2.retail_errors`; the descriptions of
:data:`TOOL_SCHEMAS` are in :mod:`eigendsl.tau2.retail_schemas`. This module assembles the
registries, and it is the module that an imported spec's generated ``tools.py`` wraps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eigendsl.support import ToolError
from eigendsl.tau2.retail_reads import (
    calculate,
    find_user_id_by_email,
    find_user_id_by_name_zip,
    get_item_details,
    get_order_details,
    get_product_details,
    get_user_details,
    list_all_product_types,
    transfer_to_human_agents,
)
from eigendsl.tau2.retail_schemas import _DESCRIPTIONS, _schema
from eigendsl.tau2.retail_views import ORDER_OPTIONAL_FIELDS

# The views and UserAddress were public names of this module before it was split; the
# redundant aliases re-export them, so `retail_tools.order_view` and the like keep working.
from eigendsl.tau2.retail_views import address_view as address_view
from eigendsl.tau2.retail_views import order_view as order_view
from eigendsl.tau2.retail_views import payment_method_view as payment_method_view
from eigendsl.tau2.retail_views import product_view as product_view
from eigendsl.tau2.retail_views import user_view as user_view
from eigendsl.tau2.retail_views import variant_view as variant_view
from eigendsl.tau2.retail_writes import (
    CANCEL_REASONS,
    cancel_pending_order,
    exchange_delivered_order_items,
    modify_pending_order_address,
    modify_pending_order_items,
    modify_pending_order_items_per_item_variant,
    modify_pending_order_payment,
    modify_user_address,
    return_delivered_order_items,
)
from eigendsl.tau2.retail_writes import UserAddress as UserAddress

__all__ = [
    "CANCEL_REASONS",
    "ORDER_OPTIONAL_FIELDS",
    "READS",
    "TOOLS",
    "TOOLS_PER_ITEM_VARIANT",
    "TOOL_SCHEMAS",
    "WRITES",
    "call_tool",
    "calculate",
    "cancel_pending_order",
    "exchange_delivered_order_items",
    "find_user_id_by_email",
    "find_user_id_by_name_zip",
    "get_item_details",
    "get_order_details",
    "get_product_details",
    "get_user_details",
    "list_all_product_types",
    "modify_pending_order_address",
    "modify_pending_order_items",
    "modify_pending_order_items_per_item_variant",
    "modify_pending_order_payment",
    "modify_user_address",
    "return_delivered_order_items",
    "transfer_to_human_agents",
]

# --------------------------------------------------------------------------------------------
# registry and schemas
# --------------------------------------------------------------------------------------------

TOOLS: dict[str, Callable[..., Any]] = {
    "calculate": calculate,
    "cancel_pending_order": cancel_pending_order,
    "exchange_delivered_order_items": exchange_delivered_order_items,
    "find_user_id_by_email": find_user_id_by_email,
    "find_user_id_by_name_zip": find_user_id_by_name_zip,
    "get_item_details": get_item_details,
    "get_order_details": get_order_details,
    "get_product_details": get_product_details,
    "get_user_details": get_user_details,
    "list_all_product_types": list_all_product_types,
    "modify_pending_order_address": modify_pending_order_address,
    "modify_pending_order_items": modify_pending_order_items,
    "modify_pending_order_payment": modify_pending_order_payment,
    "modify_user_address": modify_user_address,
    "return_delivered_order_items": return_delivered_order_items,
    "transfer_to_human_agents": transfer_to_human_agents,
}

#: Same tools, with per-line variants in ``modify_pending_order_items``.
TOOLS_PER_ITEM_VARIANT: dict[str, Callable[..., Any]] = {
    **TOOLS,
    "modify_pending_order_items": modify_pending_order_items_per_item_variant,
}

#: Tools that change the database (tau2 ``ToolType.WRITE``; ``mutates_state`` in its replay).
WRITES: set[str] = {
    "cancel_pending_order",
    "exchange_delivered_order_items",
    "modify_pending_order_address",
    "modify_pending_order_items",
    "modify_pending_order_payment",
    "modify_user_address",
    "return_delivered_order_items",
}

#: tau2 ``ToolType.READ`` tools (``calculate`` and ``transfer_to_human_agents`` are GENERIC).
READS: set[str] = {
    "find_user_id_by_email",
    "find_user_id_by_name_zip",
    "get_item_details",
    "get_order_details",
    "get_product_details",
    "get_user_details",
    "list_all_product_types",
}


def call_tool(
    db: dict, name: str, arguments: dict[str, Any] | None = None, tools: dict | None = None
) -> Any:
    """Dispatch one call by name; an unknown name fails the way tau2's toolkit does."""
    registry = TOOLS if tools is None else tools
    if name not in registry:
        raise ToolError(f"Tool '{name}' not found.")
    return registry[name](db, **(arguments or {}))


#: OpenAI function-calling schemas, one per tool, in :data:`TOOLS` order.
TOOL_SCHEMAS: list[dict[str, Any]] = [_schema(name, *_DESCRIPTIONS[name]) for name in TOOLS]
