"""tau2's retail tools that change nothing: the READ tools (the two user lookups, the user, order,
product and item details, the list of product types) and the GENERIC ones (``calculate`` and
``transfer_to_human_agents``).

The user lookups compare names and emails case- and accent-insensitively, as tau2 main does, and
the zip exactly. ``calculate`` evaluates its arithmetic subset over the syntax tree instead of
with ``eval``, giving the results and messages ``eval`` would. :mod:`eigendsl.tau2.retail_tools`
describes the database and the tools as a whole.
"""

from __future__ import annotations

import ast
import json
import unicodedata
import warnings
from typing import Any

from eigendsl.support import ToolError
from eigendsl.tau2.retail_errors import _order, _product, _tool, _user
from eigendsl.tau2.retail_views import order_view, product_view, user_view, variant_view


def _fold(text: str) -> str:
    """Case- and accent-insensitive form used by tau2's user lookups (spoken names, emails)."""
    decomposed = unicodedata.normalize("NFD", text.strip())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


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

_CALC_CHARS = frozenset("0123456789+-*/(). ")
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
