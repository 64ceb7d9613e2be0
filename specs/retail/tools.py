"""Tools of the retail domain: ``(db, **params)`` over ``table -> key -> row``.

Every tool validates all of its inputs before it changes anything, so a :class:`ToolError`
always leaves the database as it was. Read tools return copies and never mutate ``db``; write
tools change rows in place (the runtime hands them a private, staged copy).
"""

from __future__ import annotations

import ast
import copy
import operator
from typing import Any

from eigendsl.support import ToolError

CANCEL_REASONS = ("no longer needed", "ordered by mistake")


# ---------------------------------------------------------------------------- helpers


def _money(value: float) -> float:
    return round(value + 0.0, 2)


def _user(db: Any, user_id: str) -> dict[str, Any]:
    if not isinstance(user_id, str) or user_id not in db["users"]:
        raise ToolError(f"User {user_id} not found")
    return db["users"][user_id]


def _order(db: Any, order_id: str) -> dict[str, Any]:
    if not isinstance(order_id, str) or order_id not in db["orders"]:
        hint = (
            ""
            if not isinstance(order_id, str) or order_id.startswith("#")
            else " (order ids start with '#')"
        )
        raise ToolError(f"Order {order_id} not found{hint}")
    return db["orders"][order_id]


def _status(order: dict[str, Any], wanted: str, action: str) -> None:
    if order["status"] != wanted:
        raise ToolError(
            f"Order {order['order_id']} is {order['status']}; only {wanted} orders can {action}"
        )


def _method(user: dict[str, Any], payment_method_id: str) -> dict[str, Any]:
    method = user["payment_methods"].get(payment_method_id)
    if method is None:
        raise ToolError(
            f"Payment method {payment_method_id} not found among the customer's payment methods"
        )
    return method


def _charge_ok(method: dict[str, Any], amount: float) -> None:
    """A gift card must cover a charge; other methods always can."""
    if (
        method["kind"] == "gift_card"
        and amount > 0
        and (method.get("balance") or 0.0) + 1e-9 < amount
    ):
        raise ToolError(
            f"Gift card {method['id']} has a balance of {method.get('balance') or 0.0:.2f}, "
            f"not enough to pay {amount:.2f}"
        )


def _settle(order: dict[str, Any], method: dict[str, Any], amount: float) -> None:
    """Record a payment (amount > 0) or a refund (amount < 0) and update a gift card balance."""
    amount = _money(amount)
    if amount == 0:
        return
    kind = "payment" if amount > 0 else "refund"
    order["payment_history"].append(
        {"kind": kind, "payment_method_id": method["id"], "amount": abs(amount)}
    )
    if method["kind"] == "gift_card":
        method["balance"] = _money((method.get("balance") or 0.0) - amount)


def _item_ids(order: dict[str, Any], item_ids: Any) -> list[dict[str, Any]]:
    """The order's items named by ``item_ids`` (each once, all in the order)."""
    if not isinstance(item_ids, list) or not item_ids:
        raise ToolError("item_ids must be a non-empty list of item ids")
    if len(set(item_ids)) != len(item_ids):
        raise ToolError("item_ids lists an item more than once")
    by_id = {item["item_id"]: item for item in order["items"]}
    missing = [i for i in item_ids if i not in by_id]
    if missing:
        raise ToolError(f"Item {missing[0]} is not in order {order['order_id']}")
    return [by_id[i] for i in item_ids]


def _new_variants(db: Any, items: list[dict[str, Any]], new_item_ids: Any) -> list[dict[str, Any]]:
    """The variants that replace ``items`` (same product, different variant, available)."""
    if not isinstance(new_item_ids, list) or len(new_item_ids) != len(items):
        raise ToolError(
            "new_item_ids must list one new item for each item in item_ids, in the same order"
        )
    variants = []
    for item, new_id in zip(items, new_item_ids, strict=True):
        product = db["products"].get(item["product_id"])
        if product is None:
            raise ToolError(f"Product {item['product_id']} not found")
        variant = product["variants"].get(new_id)
        if variant is None:
            raise ToolError(
                f"Item {new_id} is not a variant of {product['name']} ({product['product_id']}); "
                "items can only be swapped for another variant of the same product"
            )
        if new_id == item["item_id"]:
            raise ToolError(f"Item {new_id} is the same variant as the one in the order")
        if not variant["available"]:
            raise ToolError(f"Item {new_id} is not available")
        variants.append(variant)
    return variants


def _net_paid(order: dict[str, Any]) -> dict[str, float]:
    """Amount still held per payment method (payments minus refunds), in order of first use."""
    net: dict[str, float] = {}
    for entry in order["payment_history"]:
        sign = 1 if entry["kind"] == "payment" else -1
        net[entry["payment_method_id"]] = (
            net.get(entry["payment_method_id"], 0.0) + sign * entry["amount"]
        )
    return {k: _money(v) for k, v in net.items()}


def _address(
    address1: str, address2: str, city: str, state: str, country: str, zip: str
) -> dict[str, str]:
    values = {
        "address1": address1,
        "address2": address2 or "",
        "city": city,
        "state": state,
        "country": country,
        "zip": zip,
    }
    for key, value in values.items():
        if not isinstance(value, str):
            raise ToolError(f"{key} must be text")
        if key != "address2" and not value.strip():
            raise ToolError(f"{key} must not be empty")
    return {k: v.strip() for k, v in values.items()}


# ---------------------------------------------------------------------------- identification


def find_user_id_by_email(db, email):
    wanted = str(email).strip().lower()
    for user_id in db["users"]:
        if db["users"][user_id]["email"].lower() == wanted:
            return user_id
    raise ToolError(f"No customer found with email {email}")


def find_user_id_by_name_zip(db, first_name, last_name, zip):
    first, last, code = (str(v).strip().lower() for v in (first_name, last_name, zip))
    for user_id in db["users"]:
        user = db["users"][user_id]
        if (
            user["name"]["first_name"].lower() == first
            and user["name"]["last_name"].lower() == last
            and user["address"]["zip"] == code
        ):
            return user_id
    raise ToolError(f"No customer found named {first_name} {last_name} with zip code {zip}")


# ---------------------------------------------------------------------------- reads


def get_user_details(db, user_id):
    return copy.deepcopy(_user(db, user_id))


def list_user_orders(db, user_id):
    _user(db, user_id)
    rows = [o for o in db["orders"].values() if o["user_id"] == user_id]
    rows.sort(key=lambda o: (o["placed_on"], o["order_id"]))
    return [
        {"order_id": o["order_id"], "status": o["status"], "placed_on": o["placed_on"]}
        for o in rows
    ]


def get_order_details(db, order_id):
    return copy.deepcopy(_order(db, order_id))


def get_product_details(db, product_id):
    product = db["products"].get(product_id)
    if product is None:
        raise ToolError(f"Product {product_id} not found")
    return copy.deepcopy(product)


_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def calculate(db, expression):
    def evaluate(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return evaluate(node.body)
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool)
        ):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](evaluate(node.left), evaluate(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = evaluate(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        raise ToolError("Only numbers, + - * / and parentheses are allowed")

    if not isinstance(expression, str) or len(expression) > 200:
        raise ToolError("expression must be a short arithmetic expression")
    try:
        tree = ast.parse(expression.replace("$", "").replace(",", ""), mode="eval")
        return _money(evaluate(tree))
    except SyntaxError:
        raise ToolError(f"Cannot read the expression {expression!r}") from None
    except ZeroDivisionError:
        raise ToolError("Division by zero") from None


# ---------------------------------------------------------------------------- pending orders


def cancel_pending_order(db, order_id, reason):
    order = _order(db, order_id)
    _status(order, "pending", "be cancelled")
    if reason not in CANCEL_REASONS:
        raise ToolError(f"The reason must be one of: {', '.join(CANCEL_REASONS)}")
    user = _user(db, order["user_id"])
    refunds = [(pm, amount) for pm, amount in _net_paid(order).items() if amount > 0]
    for pm, _ in refunds:
        _method(user, pm)
    for pm, amount in refunds:
        _settle(order, user["payment_methods"][pm], -amount)
    order["status"] = "cancelled"
    order["cancel_reason"] = reason
    return order


def modify_pending_order_address(db, order_id, address1, city, state, country, zip, address2=""):
    order = _order(db, order_id)
    _status(order, "pending", "have their address changed")
    order["address"] = _address(address1, address2, city, state, country, zip)
    return order


def modify_pending_order_payment(db, order_id, payment_method_id):
    order = _order(db, order_id)
    _status(order, "pending", "have their payment method changed")
    user = _user(db, order["user_id"])
    new = _method(user, payment_method_id)
    old_id = order["payment_method_id"]
    if payment_method_id == old_id:
        raise ToolError(f"Order {order_id} is already paid with {payment_method_id}")
    old = _method(user, old_id)
    amount = _net_paid(order).get(old_id, 0.0)
    if amount <= 0:
        raise ToolError(f"Nothing is held on {old_id} for order {order_id}")
    _charge_ok(new, amount)
    _settle(order, old, -amount)
    _settle(order, new, amount)
    order["payment_method_id"] = payment_method_id
    return order


def modify_pending_order_items(db, order_id, item_ids, new_item_ids, payment_method_id):
    order = _order(db, order_id)
    _status(order, "pending", "have their items changed")
    items = _item_ids(order, item_ids)
    variants = _new_variants(db, items, new_item_ids)
    user = _user(db, order["user_id"])
    method = _method(user, payment_method_id)
    difference = _money(sum(v["price"] for v in variants) - sum(i["price"] for i in items))
    _charge_ok(method, difference)
    for item, variant in zip(items, variants, strict=True):
        item["item_id"] = variant["item_id"]
        item["price"] = variant["price"]
        item["options"] = dict(variant["options"])
    _settle(order, method, difference)
    return order


# ---------------------------------------------------------------------------- delivered orders


def return_delivered_order_items(db, order_id, item_ids, payment_method_id):
    order = _order(db, order_id)
    _status(order, "delivered", "be returned")
    items = _item_ids(order, item_ids)
    user = _user(db, order["user_id"])
    method = _method(user, payment_method_id)
    if payment_method_id != order["payment_method_id"] and method["kind"] != "gift_card":
        raise ToolError(
            f"Refunds go to the order's payment method ({order['payment_method_id']}) "
            f"or to a gift card; {payment_method_id} is neither"
        )
    _settle(order, method, -sum(i["price"] for i in items))
    order["status"] = "return requested"
    # Sorted: the order in which the agent lists the items does not matter.
    order["return_items"] = sorted(item_ids)
    order["return_payment_method_id"] = payment_method_id
    return order


def exchange_delivered_order_items(db, order_id, item_ids, new_item_ids, payment_method_id):
    order = _order(db, order_id)
    _status(order, "delivered", "be exchanged")
    items = _item_ids(order, item_ids)
    variants = _new_variants(db, items, new_item_ids)
    user = _user(db, order["user_id"])
    method = _method(user, payment_method_id)
    difference = _money(sum(v["price"] for v in variants) - sum(i["price"] for i in items))
    _charge_ok(method, difference)
    _settle(order, method, difference)
    # Sorted by old item: the order in which the agent lists the pairs does not matter.
    pairs = sorted(zip(item_ids, new_item_ids, strict=True))
    order["status"] = "exchange requested"
    order["exchange_items"] = [old for old, _ in pairs]
    order["exchange_new_items"] = [new for _, new in pairs]
    order["exchange_payment_method_id"] = payment_method_id
    order["exchange_price_difference"] = difference
    return order


# ---------------------------------------------------------------------------- account


def modify_user_address(db, user_id, address1, city, state, country, zip, address2=""):
    user = _user(db, user_id)
    user["address"] = _address(address1, address2, city, state, country, zip)
    return user


def transfer_to_human_agents(db, summary):
    if not isinstance(summary, str) or not summary.strip():
        raise ToolError("Give a short summary of the customer's issue")
    return "Transfer successful"
