"""What tau2's retail tools return: rows of the plain-dict database, copied out as JSON-ready
dicts laid out like tau2's ``model_dump()``.

tau2's data model declares its fields in a fixed order (the order of its JSON output) and some
order fields optional; ``db.json`` leaves unset ones out, but tau2's output always carries them,
``None`` where unset. The views reproduce that layout in fresh dicts.
:mod:`eigendsl.tau2.retail_tools` describes the tools as a whole.
"""

from __future__ import annotations

from typing import Any

from eigendsl.yamlload import to_plain

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

# Field layouts of tau2's retail data model, in declaration order (the order of its JSON output);
# replay.py lays rows out by them too, to hash a database as tau2 does.
ADDRESS_FIELDS = ("address1", "address2", "city", "country", "state", "zip")
ORDER_FIELDS = (
    "order_id",
    "user_id",
    "address",
    "items",
    "status",
    "fulfillments",
    "payment_history",
) + ORDER_OPTIONAL_FIELDS
ORDER_ITEM_FIELDS = ("name", "product_id", "item_id", "price", "options")
PAYMENT_FIELDS = ("transaction_type", "amount", "payment_method_id")
FULFILLMENT_FIELDS = ("tracking_id", "item_ids")
USER_FIELDS = ("user_id", "name", "address", "email", "payment_methods", "orders")
NAME_FIELDS = ("first_name", "last_name")
PAYMENT_METHOD_FIELDS = {
    "credit_card": ("source", "id", "brand", "last_four"),
    "gift_card": ("source", "id", "balance"),
    "paypal": ("source", "id"),
}
PRODUCT_FIELDS = ("name", "product_id", "variants")
VARIANT_FIELDS = ("item_id", "options", "available", "price")


def _layout(row: dict[str, Any], fields: tuple[str, ...], defaults: tuple[str, ...] = ()) -> dict:
    out: dict[str, Any] = {}
    for name in fields:
        if name in row:
            out[name] = row[name]
        elif name in defaults:
            out[name] = None
    return out


def address_view(address: dict[str, Any]) -> dict[str, Any]:
    return dict(_layout(address, ADDRESS_FIELDS))


def payment_method_view(method: dict[str, Any]) -> dict[str, Any]:
    fields = PAYMENT_METHOD_FIELDS.get(str(method.get("source")), tuple(method))
    return _layout(method, fields)


def order_view(order: dict[str, Any]) -> dict[str, Any]:
    """A copy of an order row shaped like tau2's ``Order.model_dump()``."""
    out = _layout(order, ORDER_FIELDS, ORDER_OPTIONAL_FIELDS)
    if isinstance(out.get("address"), dict):
        out["address"] = address_view(out["address"])
    out["items"] = [
        {**_layout(it, ORDER_ITEM_FIELDS), "options": dict(it.get("options", {}))}
        if isinstance(it, dict)
        else it
        for it in out.get("items", [])
    ]
    out["fulfillments"] = [
        to_plain(_layout(f, FULFILLMENT_FIELDS)) if isinstance(f, dict) else f
        for f in out.get("fulfillments", [])
    ]
    out["payment_history"] = [
        _layout(p, PAYMENT_FIELDS) if isinstance(p, dict) else p
        for p in out.get("payment_history", [])
    ]
    for name in ("exchange_items", "exchange_new_items", "return_items"):
        if isinstance(out.get(name), list):
            out[name] = list(out[name])
    return out


def user_view(user: dict[str, Any]) -> dict[str, Any]:
    """A copy of a user row shaped like tau2's ``User.model_dump()``."""
    out = _layout(user, USER_FIELDS)
    if isinstance(out.get("name"), dict):
        out["name"] = _layout(out["name"], NAME_FIELDS)
    if isinstance(out.get("address"), dict):
        out["address"] = address_view(out["address"])
    out["payment_methods"] = {
        key: payment_method_view(m) if isinstance(m, dict) else m
        for key, m in out.get("payment_methods", {}).items()
    }
    out["orders"] = list(out.get("orders", []))
    return out


def variant_view(variant: dict[str, Any]) -> dict[str, Any]:
    out = _layout(variant, VARIANT_FIELDS)
    out["options"] = dict(out.get("options", {}))
    return out


def product_view(product: dict[str, Any]) -> dict[str, Any]:
    """A copy of a product row shaped like tau2's ``Product.model_dump()``."""
    out = _layout(product, PRODUCT_FIELDS)
    out["variants"] = {k: variant_view(v) for k, v in out.get("variants", {}).items()}
    return out
