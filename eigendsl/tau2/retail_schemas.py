"""What the agent reads about each retail tool: the descriptions of the tools and their
parameters, for OpenAI function-calling schemas.

:mod:`eigendsl.tau2.retail_tools` builds ``TOOL_SCHEMAS`` from ``_DESCRIPTIONS`` with
``_schema``, one schema per tool in registry order; the underscored names here are shared with
that module only.
"""

from __future__ import annotations

from typing import Any

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
