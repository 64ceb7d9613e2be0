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
"""

from __future__ import annotations

import ast
import functools
import inspect
import json
import unicodedata
import warnings
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from eigendsl.support import ToolError

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

CANCEL_REASONS = ("no longer needed", "ordered by mistake")

#: Order fields that tau2's data model declares optional (default ``None``). ``db.json`` leaves
#: them out; tau2's ``model_dump()`` (and so its DB hash and tool output) always includes them.
ORDER_OPTIONAL_FIELDS = (
    "cancel_reason",
    "exchange_items",
    "exchange_new_items",
    "exchange_payment_method_id",
    "exchange_price_difference",
    "return_items",
    "return_payment_method_id",
)

# Field layouts of tau2's retail data model, in declaration order (the order of its JSON output).
_ADDRESS_FIELDS = ("address1", "address2", "city", "country", "state", "zip")
_ORDER_FIELDS = (
    "order_id",
    "user_id",
    "address",
    "items",
    "status",
    "fulfillments",
    "payment_history",
) + ORDER_OPTIONAL_FIELDS
_ORDER_ITEM_FIELDS = ("name", "product_id", "item_id", "price", "options")
_PAYMENT_FIELDS = ("transaction_type", "amount", "payment_method_id")
_FULFILLMENT_FIELDS = ("tracking_id", "item_ids")
_USER_FIELDS = ("user_id", "name", "address", "email", "payment_methods", "orders")
_NAME_FIELDS = ("first_name", "last_name")
_PAYMENT_METHOD_FIELDS = {
    "credit_card": ("source", "id", "brand", "last_four"),
    "gift_card": ("source", "id", "balance"),
    "paypal": ("source", "id"),
}
_PRODUCT_FIELDS = ("name", "product_id", "variants")
_VARIANT_FIELDS = ("item_id", "options", "available", "price")

_CALC_CHARS = frozenset("0123456789+-*/(). ")


# --------------------------------------------------------------------------------------------
# views: JSON-ready copies laid out like tau2's model_dump()
# --------------------------------------------------------------------------------------------


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _layout(row: dict[str, Any], fields: tuple[str, ...], defaults: tuple[str, ...] = ()) -> dict:
    out: dict[str, Any] = {}
    for name in fields:
        if name in row:
            out[name] = row[name]
        elif name in defaults:
            out[name] = None
    return out


def address_view(address: dict[str, Any]) -> dict[str, Any]:
    return dict(_layout(address, _ADDRESS_FIELDS))


def payment_method_view(method: dict[str, Any]) -> dict[str, Any]:
    fields = _PAYMENT_METHOD_FIELDS.get(str(method.get("source")), tuple(method))
    return _layout(method, fields)


def order_view(order: dict[str, Any]) -> dict[str, Any]:
    """A copy of an order row shaped like tau2's ``Order.model_dump()``."""
    out = _layout(order, _ORDER_FIELDS, ORDER_OPTIONAL_FIELDS)
    if isinstance(out.get("address"), dict):
        out["address"] = address_view(out["address"])
    out["items"] = [
        {**_layout(it, _ORDER_ITEM_FIELDS), "options": dict(it.get("options", {}))}
        if isinstance(it, dict)
        else it
        for it in out.get("items", [])
    ]
    out["fulfillments"] = [
        _copy(_layout(f, _FULFILLMENT_FIELDS)) if isinstance(f, dict) else f
        for f in out.get("fulfillments", [])
    ]
    out["payment_history"] = [
        _layout(p, _PAYMENT_FIELDS) if isinstance(p, dict) else p
        for p in out.get("payment_history", [])
    ]
    for name in ("exchange_items", "exchange_new_items", "return_items"):
        if isinstance(out.get(name), list):
            out[name] = list(out[name])
    return out


def user_view(user: dict[str, Any]) -> dict[str, Any]:
    """A copy of a user row shaped like tau2's ``User.model_dump()``."""
    out = _layout(user, _USER_FIELDS)
    if isinstance(out.get("name"), dict):
        out["name"] = _layout(out["name"], _NAME_FIELDS)
    if isinstance(out.get("address"), dict):
        out["address"] = address_view(out["address"])
    out["payment_methods"] = {
        key: payment_method_view(m) if isinstance(m, dict) else m
        for key, m in out.get("payment_methods", {}).items()
    }
    out["orders"] = list(out.get("orders", []))
    return out


def variant_view(variant: dict[str, Any]) -> dict[str, Any]:
    out = _layout(variant, _VARIANT_FIELDS)
    out["options"] = dict(out.get("options", {}))
    return out


def product_view(product: dict[str, Any]) -> dict[str, Any]:
    """A copy of a product row shaped like tau2's ``Product.model_dump()``."""
    out = _layout(product, _PRODUCT_FIELDS)
    out["variants"] = {k: variant_view(v) for k, v in out.get("variants", {}).items()}
    return out


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


def _is_gift_card(method: dict) -> bool:
    return method.get("source") == "gift_card"


def _fold(text: str) -> str:
    """Case- and accent-insensitive form used by tau2's user lookups (spoken names, emails)."""
    decomposed = unicodedata.normalize("NFD", text.strip())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


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


# --------------------------------------------------------------------------------------------
# read tools
# --------------------------------------------------------------------------------------------


@_tool()
def find_user_id_by_email(db: dict, email: str) -> str:
    wanted = _fold(email)
    for user_id, user in db["users"].items():
        if _fold(user["email"]) == wanted:
            return user_id
    raise ToolError("User not found")


@_tool()
def find_user_id_by_name_zip(db: dict, first_name: str, last_name: str, zip: str) -> str:
    first, last = _fold(first_name), _fold(last_name)
    for user_id, user in db["users"].items():
        if (
            _fold(user["name"]["first_name"]) == first
            and _fold(user["name"]["last_name"]) == last
            and user["address"]["zip"] == zip
        ):
            return user_id
    raise ToolError("User not found")


@_tool()
def get_user_details(db: dict, user_id: str) -> dict[str, Any]:
    return user_view(_user(db, user_id))


@_tool()
def get_order_details(db: dict, order_id: str) -> dict[str, Any]:
    return order_view(_order(db, order_id))


@_tool()
def get_product_details(db: dict, product_id: str) -> dict[str, Any]:
    return product_view(_product(db, product_id))


@_tool()
def get_item_details(db: dict, item_id: str) -> dict[str, Any]:
    for product in db["products"].values():
        if item_id in product["variants"]:
            return variant_view(product["variants"][item_id])
    raise ToolError("Item not found")


@_tool()
def list_all_product_types(db: dict) -> str:
    names = {product["name"]: product["product_id"] for product in db["products"].values()}
    return json.dumps(names, sort_keys=True)


# --------------------------------------------------------------------------------------------
# generic tools
# --------------------------------------------------------------------------------------------

_MAX_POW_BITS = 200_000


def _arith(node: ast.AST) -> Any:
    """Evaluate the arithmetic subset tau2's ``calculate`` admits, as Python's eval would."""
    if isinstance(node, ast.Expression):
        return _arith(node.body)
    if isinstance(node, ast.Constant):
        if node.value is Ellipsis:
            return Ellipsis
        if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return node.value
        raise ToolError("Invalid characters in expression")
    if isinstance(node, ast.UnaryOp):
        value = _arith(node.operand)
        if isinstance(node.op, ast.USub):
            return -value
        if isinstance(node.op, ast.UAdd):
            return +value
    if isinstance(node, ast.BinOp):
        left, right = _arith(node.left), _arith(node.right)
        op = node.op
        if isinstance(op, ast.Add):
            return left + right
        if isinstance(op, ast.Sub):
            return left - right
        if isinstance(op, ast.Mult):
            return left * right
        if isinstance(op, ast.Div):
            return left / right
        if isinstance(op, ast.FloorDiv):
            return left // right
        if isinstance(op, ast.Pow):
            if (
                isinstance(left, int)
                and isinstance(right, int)
                and right > 0
                and abs(left) > 1
                and right * abs(left).bit_length() > _MAX_POW_BITS
            ):
                # Python would grind through a gigantic integer; no float can hold the result.
                raise ToolError("int too large to convert to float")
            return left**right
    if isinstance(node, ast.Tuple):
        return tuple(_arith(e) for e in node.elts)
    if isinstance(node, ast.Call):
        # Nothing here is callable; with no commas allowed a call has at most one argument.
        func = _arith(node.func)
        for arg in node.args:
            value = _arith(arg.value if isinstance(arg, ast.Starred) else arg)
            if isinstance(arg, ast.Starred) and not isinstance(value, tuple):
                raise ToolError(
                    f"{func} argument after * must be an iterable, not {type(value).__name__}"
                )
        for keyword in node.keywords:
            value = _arith(keyword.value)
            if keyword.arg is None:
                raise ToolError(
                    f"{func} argument after ** must be a mapping, not {type(value).__name__}"
                )
        raise ToolError(f"'{type(func).__name__}' object is not callable")
    raise ToolError("Invalid characters in expression")


@_tool()
def calculate(db: dict, expression: str) -> str:
    if not all(ch in _CALC_CHARS for ch in expression):
        raise ToolError("Invalid characters in expression")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(expression.strip(" \t"), filename="<string>", mode="eval")
    except SyntaxError as exc:
        raise ToolError(str(exc)) from exc
    value = _arith(tree)
    if not isinstance(value, (int, float)):
        raise ToolError(
            f"float() argument must be a string or a real number, not '{type(value).__name__}'"
        )
    return str(round(float(value), 2))


@_tool()
def transfer_to_human_agents(db: dict, summary: str) -> str:
    return "Transfer successful"


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


_STR = {"type": "string"}
_STR_LIST = {"type": "array", "items": {"type": "string"}}

_ORDER_ID = {**_STR, "description": "Order id, including its leading '#', e.g. '#W0000000'."}
_USER_ID = {**_STR, "description": "User id, e.g. 'sara_doe_496'."}
_PRODUCT_ID = {**_STR, "description": "Product (type) id, e.g. '6086499569'; not an item id."}
_PAYMENT_ID = {
    **_STR,
    "description": "Payment method id from the user's profile, e.g. 'gift_card_0000000' or "
    "'credit_card_0000000'.",
}
_ADDRESS_PARAMS = {
    "address1": {**_STR, "description": "Street line, e.g. '123 Main St'."},
    "address2": {**_STR, "description": "Second line, e.g. 'Apt 1', or an empty string."},
    "city": {**_STR, "description": "City name."},
    "state": {**_STR, "description": "State code, e.g. 'CA'."},
    "country": {**_STR, "description": "Country, e.g. 'USA'."},
    "zip": {**_STR, "description": "Postal code, e.g. '12345'."},
}
_ADDRESS_ORDER = ("address1", "address2", "city", "state", "country", "zip")


def _schema(name: str, description: str, params: dict[str, dict]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": params, "required": list(params)},
        },
    }


_DESCRIPTIONS: dict[str, tuple[str, dict[str, dict]]] = {
    "calculate": (
        "Evaluate an arithmetic expression made of numbers, + - * /, parentheses and spaces; "
        "returns the result rounded to two decimals, as text.",
        {"expression": {**_STR, "description": "The expression, e.g. '12.5 * 3 - 4'."}},
    ),
    "cancel_pending_order": (
        "Cancel an order whose status is exactly 'pending'. Every payment is refunded to its "
        "original method (gift cards are credited immediately, other methods in 5-7 business "
        "days). Confirm the details with the user (yes/no) before calling. Returns the order.",
        {
            "order_id": _ORDER_ID,
            "reason": {
                **_STR,
                "description": "Why the order is cancelled: 'no longer needed' or "
                "'ordered by mistake'.",
            },
        },
    ),
    "exchange_delivered_order_items": (
        "Request an exchange of items of a delivered order for other available variants of the "
        "same products. Only one return or exchange per delivered order. The price difference "
        "is settled with the given payment method (a gift card must cover it). Confirm with the "
        "user (yes/no) before calling. Returns the order.",
        {
            "order_id": _ORDER_ID,
            "item_ids": {
                **_STR_LIST,
                "description": "Item ids to give back; repeat an id to exchange several units.",
            },
            "new_item_ids": {
                **_STR_LIST,
                "description": "Replacement item ids, position by position, each a variant of "
                "the same product as the item it replaces.",
            },
            "payment_method_id": _PAYMENT_ID,
        },
    ),
    "find_user_id_by_email": (
        "Look up a user's id from their email address.",
        {"email": {**_STR, "description": "Email address, e.g. 'name@example.com'."}},
    ),
    "find_user_id_by_name_zip": (
        "Look up a user's id from their first name, last name and zip code. Prefer the email "
        "lookup; use this when the email is unknown or not found.",
        {
            "first_name": {**_STR, "description": "First name, e.g. 'John'."},
            "last_name": {**_STR, "description": "Last name, e.g. 'Doe'."},
            "zip": {**_STR, "description": "Zip code, e.g. '12345'."},
        },
    ),
    "get_item_details": (
        "Show one item (a product variant): its options, availability and price.",
        {"item_id": {**_STR, "description": "Item id, e.g. '1008292230'; not a product id."}},
    ),
    "get_order_details": (
        "Show an order: status, items, address, fulfillments and payment history.",
        {"order_id": _ORDER_ID},
    ),
    "get_product_details": (
        "Show a product type and all its variants (item ids, options, availability, prices).",
        {"product_id": _PRODUCT_ID},
    ),
    "get_user_details": (
        "Show a user's profile: name, address, email, payment methods and order ids.",
        {"user_id": _USER_ID},
    ),
    "list_all_product_types": (
        "List every product type in the store as a JSON object mapping product name to product id.",
        {},
    ),
    "modify_pending_order_address": (
        "Change the shipping address of a pending order. Confirm with the user (yes/no) before "
        "calling. Returns the order.",
        {"order_id": _ORDER_ID, **{k: _ADDRESS_PARAMS[k] for k in _ADDRESS_ORDER}},
    ),
    "modify_pending_order_items": (
        "Swap items of a pending order for other available variants of the same products. Can "
        "be done once per order; the price difference is charged to or refunded on the given "
        "payment method (a gift card must cover a charge). Confirm with the user (yes/no) "
        "before calling. Returns the order.",
        {
            "order_id": _ORDER_ID,
            "item_ids": {
                **_STR_LIST,
                "description": "Item ids to replace; repeat an id to replace several units.",
            },
            "new_item_ids": {
                **_STR_LIST,
                "description": "Replacement item ids, position by position, each a different "
                "variant of the same product.",
            },
            "payment_method_id": _PAYMENT_ID,
        },
    ),
    "modify_pending_order_payment": (
        "Pay a pending order with a different payment method of the same user: the new method "
        "is charged and the old one refunded. Confirm with the user (yes/no) before calling. "
        "Returns the order.",
        {"order_id": _ORDER_ID, "payment_method_id": _PAYMENT_ID},
    ),
    "modify_user_address": (
        "Change a user's default address. Confirm with the user (yes/no) before calling. "
        "Returns the user.",
        {"user_id": _USER_ID, **{k: _ADDRESS_PARAMS[k] for k in _ADDRESS_ORDER}},
    ),
    "return_delivered_order_items": (
        "Request a return of items of a delivered order; the order becomes 'return requested' "
        "and the user gets return instructions by email. The refund goes to the original "
        "payment method or to a gift card. Confirm with the user (yes/no) before calling. "
        "Returns the order.",
        {
            "order_id": _ORDER_ID,
            "item_ids": {
                **_STR_LIST,
                "description": "Item ids to return; repeat an id to return several units.",
            },
            "payment_method_id": _PAYMENT_ID,
        },
    ),
    "transfer_to_human_agents": (
        "Hand the conversation to a human agent, with a summary of the issue. Only when the "
        "user asks for a human, or the request cannot be handled with the policy and tools.",
        {"summary": {**_STR, "description": "A short summary of the user's issue."}},
    ),
}

#: OpenAI function-calling schemas, one per tool, in :data:`TOOLS` order.
TOOL_SCHEMAS: list[dict[str, Any]] = [_schema(name, *_DESCRIPTIONS[name]) for name in TOOLS]
