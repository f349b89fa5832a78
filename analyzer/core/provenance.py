"""Where each recommendation number comes from: the assumptions, the prices used, the
sensitivity sets and the thresholds, as tables and mappings the exports print."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from analyzer.core.analyze import Analysis
from analyzer.core.assumptions import (
    FIELDS,
    OPTIMISTIC_FOR_MOVING,
    PESSIMISTIC_FOR_MOVING,
    Assumptions,
    optimistic,
    pessimistic,
)
from analyzer.core.recommend import (
    BURSTY_MIN_PEAK,
    BURSTY_PEAK_TO_MEAN,
    FEW_DAYS,
    GOOD_DAYS,
    LONG_TIMEOUT_S,
)
from analyzer.core.vocabulary import OptionKind
from analyzer.exceptions import PriceBookError

SENSITIVITY_DESCRIPTION = (
    "Each verdict is recomputed with assumptions tilted in favour of moving (optimistic) "
    "and against it (pessimistic); a verdict that holds under both is robust."
)


def assumption_table(a: Assumptions) -> pd.DataFrame:
    """Every assumption: name, value, unit, help, group."""
    d = a.to_dict()
    rows = [
        {
            "name": k,
            "value": d[k],
            "unit": info.unit,
            "help": info.help,
            "group": info.group,
        }
        for k, info in FIELDS.items()
    ]
    return pd.DataFrame(rows, columns=["name", "value", "unit", "help", "group"])


def _sensitivity_set(base: Assumptions, tilted: Assumptions, keys: Iterable[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in keys:
        info = FIELDS[k]
        out[k] = {
            "value": getattr(tilted, k),
            "base": getattr(base, k),
            "unit": info.unit,
            "help": info.help,
        }
    return out


def prices_used(analysis: Analysis, fns: pd.DataFrame) -> pd.DataFrame:
    """The prices behind the numbers: Lambda/Fargate/front door in the regions used, EC2 hourly
    prices of the instance types recommended."""
    book = analysis.book
    regions = set(analysis.functions["region"]) | set(
        analysis.options["price_region"] if not analysis.options.empty else []
    )
    frame = book.to_frame()
    frame = frame[frame["region"].isin(regions)]
    ec2 = fns.loc[
        fns["best_option_kind"].isin([OptionKind.EC2, OptionKind.LMI]),
        ["best_option_price_region", "best_option_label"],
    ].drop_duplicates()
    src = book.describe(str(book.doc.get("ec2_source", "ec2-ondemand")))
    rows = []
    for reg, typ in ec2.sort_values(["best_option_price_region", "best_option_label"]).itertuples(
        index=False
    ):  # one row per distinct instance type used
        try:
            usd = book.ec2_price(str(reg), str(typ))
        except PriceBookError:
            continue
        rows.append(
            {
                "service": "ec2",
                "region": reg,
                "arch": "",
                "item": f"{typ} on-demand",
                "usd": usd,
                "unit": "USD per instance-hour",
                "source": src,
            }
        )
    out = pd.concat([frame, pd.DataFrame(rows, columns=frame.columns)], ignore_index=True)
    return out.sort_values(["service", "region", "arch", "item"], kind="stable").reset_index(
        drop=True
    )


def sensitivity(
    analysis: Analysis,
    optimistic_analysis: Analysis | None,
    pessimistic_analysis: Analysis | None,
) -> dict[str, Any]:
    """Which assumptions each tilted set changes, from what to what."""
    a = analysis.assumptions
    return {
        "checked": optimistic_analysis is not None or pessimistic_analysis is not None,
        "description": SENSITIVITY_DESCRIPTION,
        "sets": {
            "optimistic": _sensitivity_set(
                a,
                optimistic_analysis.assumptions if optimistic_analysis else optimistic(a),
                OPTIMISTIC_FOR_MOVING,
            ),
            "pessimistic": _sensitivity_set(
                a,
                pessimistic_analysis.assumptions if pessimistic_analysis else pessimistic(a),
                PESSIMISTIC_FOR_MOVING,
            ),
        },
    }


def thresholds(a: Assumptions) -> dict[str, Any]:
    """The thresholds behind verdicts, caveats and confidence."""
    return {
        "outgrown_min_saving_usd_per_month": a.outgrown_min_saving_usd,
        "watch_multiple": a.watch_multiple,
        "watch_months": a.watch_months,
        "bursty_peak_to_mean": BURSTY_PEAK_TO_MEAN,
        "bursty_min_peak": BURSTY_MIN_PEAK,
        "long_timeout_s": LONG_TIMEOUT_S,
        "few_days": FEW_DAYS,
        "good_days": GOOD_DAYS,
    }


def window(analysis: Analysis) -> dict[str, Any]:
    """The traffic window analysed: start, end, hours."""
    return {
        "start": analysis.meta.get("window_start"),
        "end": analysis.meta.get("window_end"),
        "hours": analysis.meta.get("hours"),
    }
