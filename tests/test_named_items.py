"""An item of an order may be named in a proposal by its product's name and its options'
values, as customers name it (they never see item ids), rather than by its id: the tool's
parameter says so in domain.yaml (``named_by``), and both the verifiers' ``confirmed`` and the
scripted user read it. A naming that fits another item too, or says another option, names
none; a naming that names an unknown table or field is a compile error."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from eigendsl.compiler import compile_domain
from eigendsl.errors import EigenError
from eigendsl.runtime.utterances import USER_YES
from eigendsl.support import Call, Trace, confirmed
from tests.consent_helpers import ITEM, reply_to
from tests.hand_agents import ListAgent, play_row, turn

ROOT = Path(__file__).resolve().parent.parent

# return_original-000: Tomasz Lindqvist returns the keyboard I10903 of #W1001407 to paypal_5428
EMAIL, ORDER, PAYPAL = "tomasz.lindqvist@postbox.example", "#W1001407", "paypal_5428"
RETURN = {"order_id": ORDER, "item_ids": ["I10903"], "payment_method_id": PAYPAL}
BY_NAME = (
    "Shall I return the Low-Profile Mechanical Keyboard (ISO layout, tactile switches) from "
    f"order {ORDER}, with the refund of 144.0 going to your PayPal ({PAYPAL})? (yes/no)"
)
BY_ID = f"Shall I return item I10903 of order {ORDER} with the refund to {PAYPAL}? (yes/no)"
WRONG_OPTION = BY_NAME.replace("ISO layout", "US layout")


def _return(proposal: str) -> ListAgent:
    return ListAgent(
        [
            turn("Sure. What is your email, please?"),
            turn(None, ("find_user_id_by_email", {"email": EMAIL})),
            turn(None, ("get_order_details", {"order_id": ORDER})),
            turn(proposal),
            turn(None, ("return_delivered_order_items", RETURN)),
            turn(
                f"The return of your Low-Profile Mechanical Keyboard from order {ORDER} is "
                f"requested. You will get 144.0 back on {PAYPAL}, the method you paid with."
            ),
        ]
    )


@pytest.mark.parametrize("proposal", [BY_NAME, BY_ID])
def test_an_item_named_by_its_product_and_options_or_its_id_is_confirmed(
    retail_domain: Any, proposal: str
) -> None:
    row = play_row(retail_domain, "return_original-000", _return(proposal))
    assert reply_to(row, proposal) in USER_YES
    assert row["verdict"]["passed"], row["verdict"]["failures"]
    assert row["verdict"]["score"] == 1.0


def test_an_item_named_with_another_option_is_not_confirmed(retail_domain: Any) -> None:
    row = play_row(retail_domain, "return_original-000", _return(WRONG_OPTION))
    reply = reply_to(row, WRONG_OPTION)
    assert reply not in USER_YES
    assert "each item's name and options (or its id)" in reply
    assert not row["verdict"]["passed"]


# exchange_items-000: Leona Marsh exchanges the bottle I10801 (sport lid, 500 ml) of #W1000297
# for I10803 (straw lid, 750 ml), the difference paid with paypal_2637
EXCHANGE = {
    "order_id": "#W1000297",
    "item_ids": ["I10801"],
    "new_item_ids": ["I10803"],
    "payment_method_id": "paypal_2637",
}
EXCHANGE_BY_NAME = (
    "Shall I exchange the Insulated Steel Bottle (sport lid, 500 ml) of order #W1000297 for the "
    "one with the straw lid and 750 ml, charging the difference of 6.5 to paypal_2637? (yes/no)"
)


def test_an_exchange_named_by_products_and_options_is_confirmed(retail_domain: Any) -> None:
    agent = ListAgent(
        [
            turn("Sure. What is your email, please?"),
            turn(None, ("find_user_id_by_email", {"email": "leona.marsh@inbox.example"})),
            turn(None, ("get_order_details", {"order_id": "#W1000297"})),
            turn(None, ("get_product_details", {"product_id": "P108"})),
            turn(EXCHANGE_BY_NAME),
            turn(None, ("exchange_delivered_order_items", EXCHANGE)),
            turn(
                "The exchange is requested: your Insulated Steel Bottle will be replaced by the "
                "lid: straw, volume: 750 ml variant. The difference of 6.5 is charged to "
                "paypal_2637."
            ),
        ]
    )
    row = play_row(retail_domain, "exchange_items-000", agent)
    assert reply_to(row, EXCHANGE_BY_NAME) in USER_YES
    assert row["verdict"]["passed"], row["verdict"]["failures"]
    assert row["verdict"]["score"] == 1.0


def _order(*items: tuple[str, str, dict[str, str]]) -> dict[str, Any]:
    rows = [{"item_id": i, "name": n, "options": o} for i, n, o in items]
    return {"orders": {"#W1": {"order_id": "#W1", "items": rows}}}


def _confirms(db: dict[str, Any], proposal: str, item_id: str = "I1") -> bool:
    trace = Trace.from_messages(
        [{"role": "assistant", "content": proposal}, {"role": "user", "content": "Yes."}], db, db
    )
    args = {"order_id": "#W1", "item_ids": [item_id]}
    call = Call("return_items", args, position=2, writes=True, named_by={"item_ids": ITEM})
    return confirmed(trace, call)


def test_a_naming_that_fits_two_items_of_the_order_names_neither() -> None:
    two = _order(
        ("I1", "Speaker", {"color": "blue", "hours": "10"}),
        ("I2", "Speaker", {"color": "red", "hours": "10"}),
    )
    assert _confirms(two, "Shall I return the Speaker (blue, 10 hours) of #W1?")
    assert not _confirms(two, "Shall I return the Speaker (10 hours) of #W1?")
    assert not _confirms(two, "Shall I return the Speaker (blue or red, 10 hours) of #W1?")
    assert not _confirms(two, "Shall I return the blue Speaker of #W1? It has 10 hours.")
    # two items of the order that look alike: their name and options say which neither is
    alike = _order(("I1", "Speaker", {"color": "blue"}), ("I2", "Speaker", {"color": "blue"}))
    assert not _confirms(alike, "Shall I return the Speaker (blue) of #W1?")
    assert _confirms(alike, "Shall I return the Speaker (blue, I1) of #W1?")
    # without a naming, the id alone names it, as before
    trace = Trace.from_messages(
        [
            {"role": "assistant", "content": "Shall I return the Speaker (blue, 10 hours)?"},
            {"role": "user", "content": "Yes."},
        ],
        two,
    )
    plain = Call("return_items", {"order_id": "#W1", "item_ids": ["I1"]}, position=2)
    assert not confirmed(trace, plain)


def _broken_spec(tmp_path: Path, old: str, new: str) -> Path:
    spec = tmp_path / "retail"
    shutil.copytree(ROOT / "specs" / "retail", spec)
    text = (spec / "domain.yaml").read_text()
    assert old in text
    (spec / "domain.yaml").write_text(text.replace(old, new, 1))
    return spec


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "named_by: {table: orders,",
            "named_by: {table: ordres,",
            r"domain\.yaml:\d+:\d+: 'named_by' of parameter 'item_ids' of tool "
            r"'modify_pending_order_items' names unknown table 'ordres'; did you mean 'orders'\?",
        ),
        (
            "within: items, key: item_id, fields: [name, options]",
            "within: itmes, key: item_id, fields: [name, options]",
            r"names unknown field 'itmes' of table 'orders'; did you mean 'items'\?",
        ),
        (
            "within: items, key: item_id, fields: [name, options]",
            "within: items, key: item_id, fields: [name, optoins]",
            r"names unknown field 'optoins' of the records or their row; did you mean 'options'\?",
        ),
        (
            "within: items, key: item_id, fields: [name, options]",
            "within: status, key: item_id, fields: [name, options]",
            r"names field 'status' of table 'orders', which holds no records "
            r"\(it is of type enum\)",
        ),
    ],
)
def test_a_naming_of_an_unknown_table_or_field_is_a_compile_error(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    with pytest.raises(EigenError, match=message) as raised:
        compile_domain(_broken_spec(tmp_path, old, new))
    assert "Traceback" not in str(raised.value)
