"""tau2's retail tools that change the database (tau2 ``ToolType.WRITE``): cancelling and
modifying pending orders (address, items, payment), the user's address, and return and exchange
requests for delivered orders, with the helpers only they use (payment entries, address
validation, item counts).

Every check runs before the first change, so a failed call leaves the database exactly as it
was. The tau2 behaviours these reproduce on purpose (every modified item takes the last variant's
price and options, unrounded differences, refunds of refunds on cancellation) are listed in
:mod:`eigendsl.tau2.retail_tools`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from eigendsl.support import ToolError
from eigendsl.tau2.retail_errors import _order, _payment_method, _tool, _user, _variant
from eigendsl.tau2.retail_views import order_view, user_view

CANCEL_REASONS = ("no longer needed", "ordered by mistake")


def _is_gift_card(method: dict) -> bool:
    return method.get("source") == "gift_card"


def _payment(kind: str, amount: Any, payment_method_id: str) -> dict[str, Any]:
    # tau2 builds these through its pydantic model, which turns the amount into a float.
    return {
        "transaction_type": kind,
        "amount": float(amount),
        "payment_method_id": payment_method_id,
    }


class UserAddress(BaseModel):
    """The address shape tau2 validates (pydantic, lax mode), so its error text is tau2's own."""

    address1: str
    address2: str
    city: str
    country: str
    state: str
    zip: str


def _check_address(**fields: Any) -> dict[str, Any]:
    """Validate the six address fields like tau2's ``UserAddress`` model does."""
    try:
        return UserAddress(**fields).model_dump()
    except ValidationError as exc:
        raise ToolError(str(exc)) from exc


def _count_check(wanted: list[str], present: list[str], message: Callable[[str], str]) -> None:
    """Each id may be named at most as many times as the order holds it (duplicates allowed)."""
    for item_id in wanted:
        if wanted.count(item_id) > present.count(item_id):
            raise ToolError(message(item_id))


def _first_item(order: dict, item_id: str) -> dict | None:
    return next((it for it in order["items"] if it["item_id"] == item_id), None)


# --------------------------------------------------------------------------------------------
# write tools
# --------------------------------------------------------------------------------------------


@_tool()
def cancel_pending_order(db: dict, order_id: str, reason: str) -> dict[str, Any]:
    order = _order(db, order_id)
    if order["status"] != "pending":
        raise ToolError("Non-pending order cannot be cancelled")
    if reason not in CANCEL_REASONS:
        raise ToolError("Invalid reason")
    # every payment is refunded to where it came from; gift cards are credited at once
    refunds, credits = [], []
    for entry in order["payment_history"]:
        method = _payment_method(db, order["user_id"], entry["payment_method_id"])
        refunds.append(_payment("refund", entry["amount"], entry["payment_method_id"]))
        if _is_gift_card(method):
            credits.append((method, entry["amount"]))
    for method, amount in credits:
        method["balance"] = round(method["balance"] + amount, 2)
    order["status"] = "cancelled"
    order["cancel_reason"] = reason
    order["payment_history"].extend(refunds)
    return order_view(order)


@_tool()
def modify_pending_order_address(
    db: dict,
    order_id: str,
    address1: str,
    address2: str,
    city: str,
    state: str,
    country: str,
    zip: str,
) -> dict[str, Any]:
    order = _order(db, order_id)
    if "pending" not in order["status"]:
        raise ToolError("Non-pending order cannot be modified")
    order["address"] = _check_address(
        address1=address1, address2=address2, city=city, state=state, country=country, zip=zip
    )
    return order_view(order)


def _modify_items(
    db: dict,
    order_id: str,
    item_ids: list[str],
    new_item_ids: list[str],
    payment_method_id: str,
    per_item_variant: bool,
) -> dict[str, Any]:
    order = _order(db, order_id)
    if order["status"] != "pending":
        raise ToolError("Non-pending order cannot be modified")
    _count_check(item_ids, [it["item_id"] for it in order["items"]], lambda i: f"{i} not found")
    if len(item_ids) != len(new_item_ids):
        raise ToolError("The number of items to be exchanged should match")

    diff_price: float = 0
    last_variant: dict | None = None
    for item_id, new_item_id in zip(item_ids, new_item_ids, strict=False):
        if item_id == new_item_id:
            raise ToolError("The new item id should be different from the old item id")
        item = _first_item(order, item_id)
        if item is None:
            raise ToolError(f"Item {item_id} not found")
        variant = _variant(db, item["product_id"], new_item_id)
        if not variant["available"]:
            raise ToolError(f"New item {new_item_id} not found or available")
        diff_price += variant["price"] - item["price"]
        last_variant = variant

    method = _payment_method(db, order["user_id"], payment_method_id)
    if _is_gift_card(method) and method["balance"] < diff_price:
        raise ToolError("Insufficient gift card balance to pay for the new item")

    # Plan the line changes on stand-in ids first, so nothing is written unless all succeed.
    lines = [it["item_id"] for it in order["items"]]
    plan: list[tuple[int, str, dict]] = []
    for item_id, new_item_id in zip(item_ids, new_item_ids, strict=False):
        index = next((i for i, line in enumerate(lines) if line == item_id), None)
        if index is None:  # cannot happen after the count check; kept for parity with tau2
            raise ToolError(f"Item {item_id} not found")
        if per_item_variant:
            source = _variant(db, order["items"][index]["product_id"], new_item_id)
        else:
            assert last_variant is not None
            source = last_variant
        lines[index] = new_item_id
        plan.append((index, new_item_id, source))

    order["payment_history"].append(
        _payment("payment" if diff_price > 0 else "refund", abs(diff_price), payment_method_id)
    )
    if _is_gift_card(method):
        method["balance"] = round(method["balance"] - diff_price, 2)
    for index, new_item_id, source in plan:
        line = order["items"][index]
        line["item_id"] = new_item_id
        line["price"] = source["price"]
        line["options"] = dict(source["options"])
    order["status"] = "pending (item modified)"
    return order_view(order)


@_tool()
def modify_pending_order_items(
    db: dict,
    order_id: str,
    item_ids: list[str],
    new_item_ids: list[str],
    payment_method_id: str,
) -> dict[str, Any]:
    return _modify_items(
        db, order_id, item_ids, new_item_ids, payment_method_id, per_item_variant=False
    )


@_tool("modify_pending_order_items")
def modify_pending_order_items_per_item_variant(
    db: dict,
    order_id: str,
    item_ids: list[str],
    new_item_ids: list[str],
    payment_method_id: str,
) -> dict[str, Any]:
    """Like :func:`modify_pending_order_items`, but each line takes its own variant's price and
    options (the behaviour proposed in tau2-bench PR #322; not what tau2 main computes)."""
    return _modify_items(
        db, order_id, item_ids, new_item_ids, payment_method_id, per_item_variant=True
    )


@_tool()
def modify_pending_order_payment(db: dict, order_id: str, payment_method_id: str) -> dict[str, Any]:
    order = _order(db, order_id)
    if "pending" not in order["status"]:
        raise ToolError("Non-pending order cannot be modified")
    method = _payment_method(db, order["user_id"], payment_method_id)
    history = order["payment_history"]
    if len(history) != 1 or history[0]["transaction_type"] != "payment":
        raise ToolError("There should be exactly one payment for a pending order")
    old_id = history[0]["payment_method_id"]
    if old_id == payment_method_id:
        raise ToolError("The new payment method should be different from the current one")
    amount = history[0]["amount"]
    if _is_gift_card(method) and method["balance"] < amount:
        raise ToolError("Insufficient gift card balance to pay for the order")
    # tau2 looks the old method up only after writing; checking it first keeps failures clean
    old_method = _payment_method(db, order["user_id"], old_id)

    history.append(_payment("payment", amount, payment_method_id))
    history.append(_payment("refund", amount, old_id))
    if _is_gift_card(method):
        method["balance"] = round(method["balance"] - amount, 2)
    if _is_gift_card(old_method):
        old_method["balance"] = round(old_method["balance"] + amount, 2)
    return order_view(order)


@_tool()
def modify_user_address(
    db: dict,
    user_id: str,
    address1: str,
    address2: str,
    city: str,
    state: str,
    country: str,
    zip: str,
) -> dict[str, Any]:
    user = _user(db, user_id)
    user["address"] = _check_address(
        address1=address1, address2=address2, city=city, state=state, country=country, zip=zip
    )
    return user_view(user)


@_tool()
def return_delivered_order_items(
    db: dict, order_id: str, item_ids: list[str], payment_method_id: str
) -> dict[str, Any]:
    order = _order(db, order_id)
    if order["status"] != "delivered":
        raise ToolError("Non-delivered order cannot be returned")
    method = _payment_method(db, _user(db, order["user_id"])["user_id"], payment_method_id)
    if not _is_gift_card(method):
        if not order["payment_history"]:
            raise ToolError("list index out of range")
        if payment_method_id != order["payment_history"][0]["payment_method_id"]:
            raise ToolError("Payment method should be the original payment method")
    _count_check(
        item_ids, [it["item_id"] for it in order["items"]], lambda _: "Some item not found"
    )
    order["status"] = "return requested"
    order["return_items"] = sorted(item_ids)
    order["return_payment_method_id"] = payment_method_id
    return order_view(order)


@_tool()
def exchange_delivered_order_items(
    db: dict,
    order_id: str,
    item_ids: list[str],
    new_item_ids: list[str],
    payment_method_id: str,
) -> dict[str, Any]:
    order = _order(db, order_id)
    if order["status"] != "delivered":
        raise ToolError("Non-delivered order cannot be exchanged")
    _count_check(
        item_ids, [it["item_id"] for it in order["items"]], lambda i: f"Number of {i} not found."
    )
    if len(item_ids) != len(new_item_ids):
        raise ToolError("The number of items to be exchanged should match.")
    diff_price: float = 0
    for item_id, new_item_id in zip(item_ids, new_item_ids, strict=False):
        item = _first_item(order, item_id)
        if item is None:
            raise ToolError(f"Item {item_id} not found")
        variant = _variant(db, item["product_id"], new_item_id)
        if not variant["available"]:
            raise ToolError(f"New item {new_item_id} not found or available")
        diff_price += variant["price"] - item["price"]
    diff_price = round(diff_price, 2)
    method = _payment_method(db, order["user_id"], payment_method_id)
    if _is_gift_card(method) and method["balance"] < diff_price:
        raise ToolError("Insufficient gift card balance to pay for the price difference")
    order["status"] = "exchange requested"
    order["exchange_items"] = sorted(item_ids)
    order["exchange_new_items"] = sorted(new_item_ids)
    order["exchange_payment_method_id"] = payment_method_id
    order["exchange_price_difference"] = diff_price
    return order_view(order)
