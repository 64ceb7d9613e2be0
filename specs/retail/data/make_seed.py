"""Generate ``seed.yaml`` for the retail domain (deterministic: fixed data plus a seeded RNG).

Run from anywhere:  python specs/retail/data/make_seed.py
The output is committed; re-running it gives byte-identical data.
"""

from __future__ import annotations

import random
from pathlib import Path

import yaml

RNG = random.Random(424242)

# ---------------------------------------------------------------------------- products
# product_id, name, option names, variants: (suffix, options..., price, available)
PRODUCTS = [
    (
        "P101",
        "Trailhead Running Shoe",
        ("size", "color"),
        [
            ("01", "41", "slate", 94.0, True),
            ("02", "42", "slate", 94.0, True),
            ("03", "43", "ember", 99.5, True),
            ("04", "44", "ember", 99.5, False),
            ("05", "42", "moss", 104.25, True),
        ],
    ),
    (
        "P102",
        "Stoneware Pour-Over Kettle",
        ("capacity", "finish"),
        [
            ("01", "0.8 l", "matte white", 58.0, True),
            ("02", "0.8 l", "charcoal", 61.0, True),
            ("03", "1.2 l", "charcoal", 72.4, True),
            ("04", "1.2 l", "speckled sand", 75.9, False),
        ],
    ),
    (
        "P103",
        "Merino Crew Sweater",
        ("size", "color"),
        [
            ("01", "S", "oat", 82.0, True),
            ("02", "M", "oat", 82.0, True),
            ("03", "M", "navy", 86.5, True),
            ("04", "L", "navy", 86.5, False),
        ],
    ),
    (
        "P104",
        "Arc LED Desk Lamp",
        ("finish", "light"),
        [
            ("01", "brushed brass", "warm", 129.0, True),
            ("02", "matte black", "warm", 119.0, True),
            ("03", "matte black", "tunable", 149.0, True),
        ],
    ),
    (
        "P105",
        "Pocket Bluetooth Speaker",
        ("color", "strap"),
        [
            ("01", "coral", "none", 39.99, True),
            ("02", "teal", "none", 39.99, True),
            ("03", "teal", "carabiner", 44.99, False),
            ("04", "graphite", "carabiner", 44.99, True),
        ],
    ),
    (
        "P106",
        "Cork Yoga Mat",
        ("thickness", "length"),
        [
            ("01", "4 mm", "standard", 64.0, True),
            ("02", "6 mm", "standard", 71.0, True),
            ("03", "6 mm", "long", 79.0, True),
        ],
    ),
    (
        "P107",
        "Commuter Backpack",
        ("capacity", "color"),
        [
            ("01", "18 l", "black", 110.0, True),
            ("02", "18 l", "olive", 110.0, False),
            ("03", "24 l", "black", 128.0, True),
            ("04", "24 l", "olive", 128.0, True),
            ("05", "30 l", "black", 142.5, True),
        ],
    ),
    (
        "P108",
        "Insulated Steel Bottle",
        ("volume", "lid"),
        [
            ("01", "500 ml", "sport", 27.0, True),
            ("02", "750 ml", "sport", 31.0, True),
            ("03", "750 ml", "straw", 33.5, True),
            ("04", "1 l", "straw", 37.0, False),
        ],
    ),
    (
        "P109",
        "Low-Profile Mechanical Keyboard",
        ("switch", "layout"),
        [
            ("01", "linear", "US", 139.0, True),
            ("02", "tactile", "US", 139.0, True),
            ("03", "tactile", "ISO", 144.0, False),
            ("04", "clicky", "US", 134.0, True),
        ],
    ),
]


def products() -> list[dict]:
    rows = []
    for product_id, name, option_names, variants in PRODUCTS:
        table = {}
        for suffix, *rest in variants:
            *option_values, price, available = rest
            item_id = f"I{product_id[1:]}{suffix}"
            # The description comes before the id it names, options sorted as users say them.
            table[item_id] = {
                "options": dict(sorted(zip(option_names, option_values, strict=True))),
                "item_id": item_id,
                "available": available,
                "price": price,
            }
        rows.append({"product_id": product_id, "name": name, "variants": table})
    return rows


# ---------------------------------------------------------------------------- users
# first, last, street, city, state, zip, payment kinds
USERS = [
    (
        "Odile",
        "Brandt",
        "14 Quarry Lane",
        "Fernhollow",
        "OR",
        "97310",
        ["credit_card", "gift_card"],
    ),
    ("Tomasz", "Lindqvist", "802 Heron Street", "Baywick", "WA", "98221", ["paypal"]),
    ("Amara", "Nwosu", "7 Cedar Terrace", "Millbrook", "NY", "12545", ["credit_card", "paypal"]),
    ("Felix", "Ortega", "55 Saltmarsh Road", "Port Linden", "ME", "04011", ["credit_card"]),
    (
        "Hana",
        "Kobayashi",
        "318 Orchard Way",
        "Glenmere",
        "CA",
        "95470",
        ["gift_card", "credit_card", "paypal"],
    ),
    ("Rufus", "Adeyemi", "91 Lantern Court", "Ashby Falls", "VT", "05401", ["paypal", "gift_card"]),
    (
        "Ines",
        "Carvalho",
        "2200 Juniper Avenue",
        "Redstone",
        "CO",
        "80435",
        ["credit_card", "credit_card"],
    ),
    ("Bram", "Vos", "46 Tidewater Drive", "Cranmoor", "NC", "27513", ["credit_card", "gift_card"]),
    ("Leona", "Marsh", "610 Bellflower Street", "Kestrel City", "TX", "78610", ["paypal"]),
    (
        "Yusuf",
        "Demir",
        "3 Windmill Row",
        "Oakhurst",
        "IL",
        "60510",
        ["credit_card", "paypal", "gift_card"],
    ),
    ("Clara", "Haugen", "77 Birchbark Road", "Northvale", "MN", "55082", ["credit_card"]),
    ("Mateo", "Rinaldi", "1508 Copper Hill", "Sunmesa", "AZ", "85338", ["gift_card", "paypal"]),
    ("Priya", "Raman", "29 Lotus Lane", "Eastbridge", "NJ", "07728", ["credit_card", "gift_card"]),
    ("Jonas", "Weber", "405 Granary Street", "Millbrook", "NY", "12546", ["paypal", "credit_card"]),
    ("Sofia", "Lind", "88 Meadowlark Place", "Fernhollow", "OR", "97311", ["credit_card"]),
    (
        "Dmitri",
        "Volkov",
        "12 Ironwood Circle",
        "Baywick",
        "WA",
        "98223",
        ["credit_card", "gift_card"],
    ),
    (
        "Nadia",
        "Haddad",
        "540 Seabright Avenue",
        "Port Linden",
        "ME",
        "04012",
        ["paypal", "gift_card"],
    ),
    ("Theo", "Brandt", "9 Foxglove Way", "Glenmere", "CA", "95471", ["credit_card", "paypal"]),
    (
        "Mei",
        "Chen",
        "1201 Lakeshore Boulevard",
        "Northvale",
        "MN",
        "55083",
        ["gift_card", "credit_card"],
    ),
    (
        "Oscar",
        "Mbeki",
        "67 Hawthorn Street",
        "Redstone",
        "CO",
        "80436",
        ["credit_card", "gift_card"],
    ),
]
DOMAINS = ["mailbox.example", "postbox.example", "inbox.example"]


def users() -> list[dict]:
    rows = []
    used_numbers: set[int] = set()
    for index, (first, last, street, city, state, zip_code, kinds) in enumerate(USERS):
        user_id = f"usr_{first.lower()}{last.lower()}"
        methods = {}
        for kind in kinds:
            number = RNG.randrange(1000, 9999)
            while number in used_numbers:
                number = RNG.randrange(1000, 9999)
            used_numbers.add(number)
            prefix = {"credit_card": "card", "paypal": "paypal", "gift_card": "gift"}[kind]
            pm_id = f"{prefix}_{number}"
            method: dict = {"id": pm_id, "kind": kind}
            if kind == "credit_card":
                method["last_four"] = f"{RNG.randrange(0, 10000):04d}"
            if kind == "gift_card":
                method["balance"] = float(RNG.choice([15, 40, 75, 120, 200, 350]))
            methods[pm_id] = method
        second = "" if index % 3 else f"Apt {RNG.randrange(2, 40)}"
        rows.append(
            {
                "user_id": user_id,
                "name": {"first_name": first, "last_name": last},
                "email": f"{first.lower()}.{last.lower()}@{DOMAINS[index % 3]}",
                "address": {
                    "address1": street,
                    "address2": second,
                    "city": city,
                    "state": state,
                    "country": "USA",
                    "zip": zip_code,
                },
                "payment_methods": methods,
            }
        )
    return rows


# ---------------------------------------------------------------------------- orders
STATUSES = (
    ["pending"] * 14
    + ["processed"] * 6
    + ["delivered"] * 13
    + ["cancelled"] * 3
    + ["return requested"] * 2
    + ["exchange requested"] * 2
)


def orders(user_rows: list[dict], product_rows: list[dict]) -> list[dict]:
    rows = []
    # Every user gets at least one order; the remaining orders go to users in turn.
    owners = [u for u in user_rows] + [user_rows[i] for i in RNG.sample(range(len(user_rows)), 20)]
    statuses = list(STATUSES)
    RNG.shuffle(statuses)
    for index, (user, status) in enumerate(zip(owners, statuses, strict=True)):
        order_id = f"#W{1000001 + index * 37:07d}"
        n_items = RNG.choice([1, 2, 2, 3, 3, 4])
        chosen = RNG.sample(product_rows, n_items)
        items = []
        for product in chosen:
            variant = RNG.choice(list(product["variants"].values()))
            items.append(
                {
                    "name": product["name"],
                    "product_id": product["product_id"],
                    "item_id": variant["item_id"],
                    "price": variant["price"],
                    "options": dict(variant["options"]),
                }
            )
        total = round(sum(i["price"] for i in items), 2)
        methods = list(user["payment_methods"].values())
        method = RNG.choice(methods)
        month, day = RNG.randrange(3, 11), RNG.randrange(1, 29)
        while any(
            o["user_id"] == user["user_id"] and o["placed_on"] == f"2026-{month:02d}-{day:02d}"
            for o in rows
        ):
            day = day % 28 + 1  # one order per customer and day, so "most recent" is never a tie
        order = {
            "order_id": order_id,
            "user_id": user["user_id"],
            "status": status,
            "placed_on": f"2026-{month:02d}-{day:02d}",
            "address": dict(user["address"]),
            "items": items,
            "payment_method_id": method["id"],
            "payment_history": [
                {"kind": "payment", "payment_method_id": method["id"], "amount": total}
            ],
        }
        if status in ("processed", "delivered", "return requested", "exchange requested"):
            order["tracking_number"] = f"TRK{RNG.randrange(10**9, 10**10)}"
        if status == "cancelled":
            order["cancel_reason"] = RNG.choice(["no longer needed", "ordered by mistake"])
            order["payment_history"].append(
                {"kind": "refund", "payment_method_id": method["id"], "amount": total}
            )
        if status == "return requested":
            returned = items[:1]
            order["return_items"] = [i["item_id"] for i in returned]
            order["return_payment_method_id"] = method["id"]
            order["payment_history"].append(
                {
                    "kind": "refund",
                    "payment_method_id": method["id"],
                    "amount": round(sum(i["price"] for i in returned), 2),
                }
            )
        if status == "exchange requested":
            old = items[0]
            product = next(p for p in product_rows if p["product_id"] == old["product_id"])
            new = next(
                v
                for v in product["variants"].values()
                if v["available"] and v["item_id"] != old["item_id"]
            )
            diff = round(new["price"] - old["price"], 2)
            order["exchange_items"] = [old["item_id"]]
            order["exchange_new_items"] = [new["item_id"]]
            order["exchange_payment_method_id"] = method["id"]
            order["exchange_price_difference"] = diff
            if diff:
                order["payment_history"].append(
                    {
                        "kind": "payment" if diff > 0 else "refund",
                        "payment_method_id": method["id"],
                        "amount": abs(diff),
                    }
                )
        rows.append(order)
    return rows


def main() -> None:
    product_rows = products()
    user_rows = users()
    order_rows = orders(user_rows, product_rows)
    data = {"users": user_rows, "products": product_rows, "orders": order_rows}
    header = (
        "# Seed data of the retail domain. Generated by make_seed.py (deterministic);\n"
        "# edit the generator, not this file, and re-run it.\n"
    )
    text = yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, width=110, default_flow_style=None
    )
    Path(__file__).with_name("seed.yaml").write_text(header + text, encoding="utf-8")


if __name__ == "__main__":
    main()
