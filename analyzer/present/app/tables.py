"""The app's tables: the fleet, one function's options, its prices, assumptions, bills."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from analyzer.core.assumptions import FIELDS, Assumptions
from analyzer.core.pricebook import PriceBook
from analyzer.core.selection import VERDICT_RANK
from analyzer.core.vocabulary import KIND_LABELS, VERDICT_LABELS, OptionKind
from analyzer.present.app.labels import assumption_label, display_value, kind_name
from analyzer.present.sentences import forecast_column


def percent_text(v: Any) -> str:
    """0.12 -> '12%' (a fraction as people write it)."""
    return f"{float(v) * 100:.4g}%" if isinstance(v, (int, float)) else display_value(v)


FLEET_TABLE_COLUMNS = [
    "Verdict", "Function", "Saving $/month", "Crossover", "Crossover date",
    "Lambda $/month", "Best alternative", "Alternative $/month", "Invocations / month",
    "Account", "Environment", "Region", "Runtime",
]  # fmt: skip
"""The money first: what to do, for which function, what it saves, when it crosses over."""


def crossover_text(k: float, max_multiple: float) -> str:
    """A crossover multiple in words: '2.4× today's run rate', 'no crossover up to 1,000×
    today', 'cheaper at any traffic', 'already (0.45× today)'."""
    if not np.isfinite(k) or k >= max_multiple:
        return f"no crossover up to {max_multiple:,.0f}× today"
    if k <= 0:
        return "cheaper at any traffic"
    if k < 1:
        return f"already ({k:.2f}× today)"
    return f"{k:,.1f}× today's run rate"


def fleet_table(functions: pd.DataFrame, max_multiple: float = 1000.0) -> pd.DataFrame:
    """The overview table, one row per function, worst first (index: function_id)."""
    f = functions
    ks = [float(k) for k in f["crossover_multiple"].astype(float)]
    out = pd.DataFrame(
        {
            "Verdict": f["verdict"].map(VERDICT_LABELS).fillna(f["verdict"]),
            "Function": f["name"],
            "Saving $/month": f["saving_usd_per_month"].astype(float),
            "Crossover": [crossover_text(k, max_multiple) for k in ks],
            "Crossover date": forecast_column(f, short=True).to_numpy(),
            "Lambda $/month": f["lambda_usd_per_month"].astype(float),
            "Best alternative": (
                f["best_option_kind"].map(KIND_LABELS).fillna("none priced")
                + " "
                + f["best_option_label"].fillna("").astype(str)
            ).str.strip(),
            "Alternative $/month": f["best_option_usd_per_month"].astype(float),
            "Invocations / month": f["monthly_invocations"].astype(float),
            "Account": f["account_name"],
            "Environment": f["environment"],
            "Region": f["region"],
            "Runtime": f["runtime"],
        }
    )
    out.index = pd.Index(f["function_id"], name="function_id")
    rank = f["verdict"].map(VERDICT_RANK).fillna(len(VERDICT_RANK)).to_numpy()
    order = np.lexsort(
        (-f["lambda_usd_per_month"].to_numpy(), -f["saving_usd_per_month"].to_numpy(), rank)
    )
    return out.iloc[order]


TABLE_PAGE_ROWS = 100
"""The overview's table shows this many functions at a time (a page), worst first: a browser
draws a page at once, where 10,000 rows would be megabytes and a grid taller than a canvas."""


def page_count(rows: int, per_page: int = TABLE_PAGE_ROWS) -> int:
    """How many pages `rows` table rows make (at least one)."""
    return max(1, -(-rows // per_page))


TABLE_ORDERS: dict[str, tuple[str, bool] | None] = {
    "Worst first": None,  # the table's own order: verdict, then saving, then Lambda spend
    "Saving, highest first": ("saving_usd_per_month", False),
    "Lambda spend, highest first": ("lambda_usd_per_month", False),
    "Crossover, nearest first": ("crossover_multiple", True),
    "Crossover date, soonest first": ("months_to_crossover", True),
    "Traffic, highest first": ("monthly_invocations", False),
    "Function name, A to Z": ("name", True),
}
"""How a paged table can be ordered as a whole (a column header sorts only the page shown):
label -> (column of the analysis's functions, ascending); missing values last."""


def order_table(table: pd.DataFrame, functions: pd.DataFrame, order: str) -> pd.DataFrame:
    """`table` (`fleet_table`, index function_id) in the order `order` of TABLE_ORDERS, by the
    analysis's own figures in `functions` (not the words shown), ties in the table's order."""
    how = TABLE_ORDERS[order]
    if how is None:
        return table
    column, ascending = how
    values = functions.set_index("function_id").loc[table.index, column]
    position = np.arange(len(table))
    if not pd.api.types.is_numeric_dtype(values):  # names: case-insensitive
        ranked = values.astype(str).str.casefold().rank(method="first").to_numpy()
        keys: tuple[np.ndarray, ...] = (position, ranked if ascending else -ranked)
    else:
        key = values.to_numpy(dtype=float)
        missing = ~np.isfinite(key)
        keys = (position, np.where(missing, 0.0, key if ascending else -key), missing)
    return table.iloc[np.lexsort(keys)]


def table_page(table: pd.DataFrame, page: int, per_page: int = TABLE_PAGE_ROWS) -> pd.DataFrame:
    """Page `page` (from 1; out-of-range pages are clamped) of `table`, in its order."""
    page = min(max(int(page), 1), page_count(len(table), per_page))
    return table.iloc[(page - 1) * per_page : page * per_page]


def function_choices(functions: pd.DataFrame) -> dict[str, str]:
    """function_id -> label, worst verdict and biggest spend first."""
    t = fleet_table(functions)
    f = functions.set_index("function_id").loc[t.index]
    labels = f["name"] + " · " + f["account_name"] + " (" + f["environment"] + ") · " + f["region"]
    return dict(zip(t.index, labels, strict=True))


def sizing_text(option: Mapping[str, Any] | pd.Series) -> str:
    """'c6g.large x 2-5 instances (EC2)': what the alternative runs, over the day."""
    kind = str(option["kind"])
    lo, hi = int(option["units_min"]), int(option["units_max"])
    count = f"{lo}" if lo == hi else f"{lo}–{hi}"
    units = OptionKind(kind).unit_name if kind in KIND_LABELS else "units"
    return f"{option['label']} × {count} {units} ({kind_name(kind)})"


def options_table(options: pd.DataFrame, function_id: str) -> pd.DataFrame:
    o = options[options["function_id"] == function_id].sort_values("monthly_usd")
    return pd.DataFrame(
        {
            "Option": o["kind"].map(KIND_LABELS),
            "Sizing": [sizing_text(r) for _, r in o.iterrows()],
            "Price per unit-hour $": o["usd_per_unit_hour"].astype(float),
            "Compute $/month": o["compute_usd"].astype(float),
            "Load balancer $/month": o["load_balancer_usd"].fillna(0.0).astype(float),
            "Operations $/month": o["ops_usd"].fillna(0.0).astype(float),
            "Management fee $/month": o["management_fee_usd"].fillna(0.0).astype(float),
            "Requests $/month": o["requests_usd"].fillna(0.0).astype(float),
            "Total $/month": o["monthly_usd"].astype(float),
            "Prices from region": o["price_region"],
        }
    ).reset_index(drop=True)


def assumption_table(a: Assumptions) -> pd.DataFrame:
    """Every assumption: value, unit, default, meaning (and whether it was changed)."""
    values = a.to_dict()
    rows = []
    for name, info in FIELDS.items():
        v = values[name]
        default = info.default
        default = list(default) if isinstance(default, tuple) else default
        rows.append(
            {
                "Assumption": name,
                "Label": assumption_label(name, info.unit),
                "Value": percent_text(v) if info.unit == "fraction" else display_value(v),
                "Unit": "%" if info.unit == "fraction" else info.unit,
                "Default": percent_text(default)
                if info.unit == "fraction"
                else display_value(default),
                "Changed": v != default,
                "Meaning": info.help,
                "Group": info.group,
            }
        )
    return pd.DataFrame(rows)


def price_table(
    book: PriceBook,
    region: str,
    arch: str,
    options: pd.DataFrame | None = None,
    price_regions: Sequence[str] = (),
) -> pd.DataFrame:
    """The prices behind one function: the price book's rows for its region (and any proxy
    region used for EC2/Fargate/ALB/API Gateway) and architecture, plus the unit prices of the
    options it was compared with."""
    p = book.to_frame()
    regions = {region, *[r for r in price_regions if isinstance(r, str) and r]}
    keep = p["region"].isin(regions) & p["arch"].isin([arch, ""])
    rows = p[keep].copy()
    rows.insert(0, "price", rows["service"] + " " + rows["item"])
    out = rows[["price", "region", "arch", "usd", "unit", "source"]]
    if options is not None and len(options):
        extra = pd.DataFrame(
            {
                "price": options["kind"].map(KIND_LABELS) + " " + options["label"].astype(str),
                "region": options["price_region"],
                "arch": options["arch"],
                "usd": options["usd_per_unit_hour"].astype(float),
                "unit": np.where(
                    options["kind"] == OptionKind.FARGATE,
                    "USD per task-hour (after commitment)",
                    "USD per instance-hour (after commitment)",
                ),
                "source": f"price book {book.as_of}",
            }
        )
        out = pd.concat([out, extra], ignore_index=True)
    return out.reset_index(drop=True)


def lambda_breakdown(row: Mapping[str, Any] | pd.Series) -> dict[str, float]:
    """The parts of one function's Lambda bill, USD/month."""
    return {
        "Requests": float(row["lambda_requests_usd"]),
        "Duration": float(row["lambda_duration_usd"]),
        "Provisioned concurrency": float(row["lambda_provisioned_usd"]),
        "Ephemeral storage": float(row["lambda_storage_usd"]),
        "Front door (API Gateway / ALB)": float(row["lambda_front_door_usd"]),
    }


def option_breakdown(option: Mapping[str, Any] | pd.Series) -> dict[str, float]:
    """The parts of one provisioned option's bill, USD/month."""

    def g(col: str) -> float:
        v = option.get(col) if hasattr(option, "get") else None
        return float(v) if v is not None and pd.notna(v) else 0.0

    return {
        "Compute": g("compute_usd"),
        "Requests (Managed Instances)": g("requests_usd"),
        "Front door": g("front_door_usd"),
        "Load balancer": g("load_balancer_usd"),
        "Operations (people)": g("ops_usd"),
        "Management fee": g("management_fee_usd"),
    }
