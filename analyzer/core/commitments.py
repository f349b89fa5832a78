"""The discount a pricing option gives on a provisioned option's on-demand price, per instance
family: the price book's real rate when `crossover prices refresh` read one (Savings Plans
offering rates, Spot price history), else the typical discount of the assumptions. A discount
the user set (an assumption different from its default) always wins.

`option_discounts(book, region, a, service, instance_types)` is what the candidate builders
multiply the on-demand prices by (1 - discount); `rates_used(book, regions, a)` says, for the
result's notes, which regions were priced with real rates.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from analyzer.core.assumptions import DEFAULTS, Assumptions
from analyzer.core.pricebook import PriceBook

#: the assumption holding the typical discount of (service, pricing option)
_TYPICAL_KEY = {
    ("ec2", "compute_sp_1y"): "ec2_sp_1y_discount",
    ("ec2", "compute_sp_3y"): "ec2_sp_3y_discount",
    ("ec2", "spot"): "ec2_spot_discount",
    ("fargate", "compute_sp_1y"): "fargate_sp_1y_discount",
    ("fargate", "compute_sp_3y"): "fargate_sp_3y_discount",
    ("fargate", "spot"): "fargate_spot_discount",
    ("lambda", "compute_sp_1y"): "lambda_sp_1y_discount",
    ("lambda", "compute_sp_3y"): "lambda_sp_3y_discount",
}


def _user_set(a: Assumptions, product: str) -> bool:
    key = _TYPICAL_KEY.get((product, a.pricing_option))
    return key is None or getattr(a, key) != getattr(DEFAULTS, key)


def option_discounts(
    book: PriceBook,
    region: str,
    a: Assumptions,
    service: str,
    instance_types: Iterable[str] = ("",),
) -> np.ndarray:
    """One discount per instance type (Fargate: pass ("",)), as a float array."""
    types = list(instance_types)
    typical = a.discount(service)
    product = "ec2" if service == "lmi" else service
    if a.pricing_option == "on_demand" or _user_set(a, product):
        return np.full(len(types), typical, dtype=float)
    families = [t.split(".")[0] if t else "" for t in types]
    real = {
        f: book.commitment_discount(region, product, f, a.pricing_option) for f in set(families)
    }
    return np.array([typical if real[f] is None else real[f] for f in families], dtype=float)


def rates_used(book: PriceBook, regions: Iterable[str], a: Assumptions) -> list[str]:
    """Notes: which regions' options use the book's real rates for the pricing option."""
    if a.pricing_option == "on_demand":
        return []
    notes = []
    for region in sorted(set(regions)):
        rows = [
            r
            for r in book.doc.get("commitments", [])
            if r["region"] == region and r["option"] == a.pricing_option
            and r["product"] in ("ec2", "fargate") and not _user_set(a, r["product"])
        ]  # fmt: skip
        if rows:
            source = book.sources.get(rows[0]["source"], {})
            notes.append(
                f"{a.pricing_option} discounts in {region} are AWS's rates from the price book "
                f"({rows[0]['source']}, {source.get('date', book.as_of)}) for "
                f"{len(rows)} EC2 families / Fargate; typical assumptions elsewhere"
            )
    return notes


def lambda_discounts(book: PriceBook, regions: np.ndarray, groups: Any) -> np.ndarray:
    """The Compute Savings Plan discount on each function's Lambda bill: the book's real rate for
    its region where `prices refresh` read one (and the user did not set the discount), else the
    typical assumption, exactly as the options get theirs (`option_discounts`)."""
    keys = pd.MultiIndex.from_arrays([groups.codes, regions])
    codes, pairs = pd.factorize(keys)
    per_pair = np.array(
        [
            float(option_discounts(book, str(region), groups.groups[int(g)], "lambda")[0])
            for g, region in pairs
        ]
    )
    return per_pair[codes] if len(per_pair) else np.zeros(len(regions))
