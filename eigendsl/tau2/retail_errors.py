"""How a retail tool fails the way tau2's does: the row lookups, with tau2's messages
(``"Order not found"``, ``"Variant not found"``, ...), and the decorator every tool wears.

The decorator reports a bad argument list with the ``TypeError`` text that tau2's
``RetailTools.<name>(**arguments)`` would give, and turns any other failure into a
:class:`eigendsl.support.ToolError`, which tau2 shows the agent as ``"Error: <message>"``. The
underscored names here are shared by the ``retail_*`` modules only; the public registries are
assembled in :mod:`eigendsl.tau2.retail_tools`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from eigendsl.support import ToolError

# --------------------------------------------------------------------------------------------
# lookups (tau2's private helpers and their messages)
# --------------------------------------------------------------------------------------------


def _order(db: dict, order_id: str) -> dict:
    orders = db["orders"]
    if order_id not in orders:
        raise ToolError("Order not found")
    return orders[order_id]


def _user(db: dict, user_id: str) -> dict:
    users = db["users"]
    if user_id not in users:
        raise ToolError("User not found")
    return users[user_id]


def _product(db: dict, product_id: str) -> dict:
    products = db["products"]
    if product_id not in products:
        raise ToolError("Product not found")
    return products[product_id]


def _variant(db: dict, product_id: str, item_id: str) -> dict:
    variants = _product(db, product_id)["variants"]
    if item_id not in variants:
        raise ToolError("Variant not found")
    return variants[item_id]


def _payment_method(db: dict, user_id: str, payment_method_id: str) -> dict:
    methods = _user(db, user_id)["payment_methods"]
    if payment_method_id not in methods:
        raise ToolError("Payment method not found")
    return methods[payment_method_id]


# --------------------------------------------------------------------------------------------
# the decorator: tau2-style argument errors, every failure a ToolError
# --------------------------------------------------------------------------------------------


def _argument_error(name: str, params: list[str], arguments: dict[str, Any]) -> str | None:
    """The TypeError text CPython gives ``RetailTools.<name>(**arguments)``, or None if it binds."""
    for key in arguments:
        if key not in params:
            return f"RetailTools.{name}() got an unexpected keyword argument '{key}'"
    missing = [p for p in params if p not in arguments]
    if not missing:
        return None
    quoted = [f"'{p}'" for p in missing]
    if len(quoted) == 1:
        listed = quoted[0]
    elif len(quoted) == 2:
        listed = f"{quoted[0]} and {quoted[1]}"
    else:
        listed = ", ".join(quoted[:-1]) + f", and {quoted[-1]}"
    plural = "s" if len(missing) > 1 else ""
    return (
        f"RetailTools.{name}() missing {len(missing)} required positional argument{plural}: "
        f"{listed}"
    )


def _tool(name: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(func: Callable[..., Any]) -> Callable[..., Any]:
        tool_name = name or func.__name__
        params = list(inspect.signature(func).parameters)[1:]

        @functools.wraps(func)
        def run(db: dict, *args: Any, **arguments: Any) -> Any:
            if args:
                arguments = {**dict(zip(params, args, strict=False)), **arguments}
            problem = _argument_error(tool_name, params, arguments)
            if problem is not None:
                raise ToolError(problem)
            try:
                return func(db, **arguments)
            except ToolError:
                raise
            except (
                TypeError,
                ValueError,
                KeyError,
                AttributeError,
                ArithmeticError,
                RecursionError,
            ) as exc:
                # What tau2 would report for malformed input (e.g. an unhashable id).
                raise ToolError(str(exc)) from exc

        run.tool_name = tool_name  # type: ignore[attr-defined]
        return run

    return wrap
