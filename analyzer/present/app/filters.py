"""The overview's filters: which values each can take, and the functions they keep."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analyzer.core.analyze import Analysis
from analyzer.core.recommend import Recommendations
from analyzer.core.vocabulary import VERDICTS
from analyzer.present.chart_data import FLEET_SELECTION
from analyzer.present.recommendations import filter_recommendations, recommend, with_summary

FILTER_COLUMNS = {
    "account": "account_name",
    "environment": "environment",
    "region": "region",
    "verdict": "verdict",
    "runtime": "runtime",
}


@dataclass(frozen=True)
class Filters:
    """Selected values per filter (empty: everything)."""

    account: tuple[str, ...] = ()
    environment: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    verdict: tuple[str, ...] = ()
    runtime: tuple[str, ...] = ()

    def active(self) -> bool:
        return any(getattr(self, k) for k in FILTER_COLUMNS)


def filter_options(functions: pd.DataFrame) -> dict[str, list[str]]:
    """The values each filter can take, sorted (verdicts in severity order)."""
    out: dict[str, list[str]] = {}
    for key, col in FILTER_COLUMNS.items():
        values = [str(v) for v in functions[col].dropna().unique()]
        if key == "verdict":
            out[key] = [v for v in VERDICTS if v in values]
        else:
            out[key] = sorted(values)
    return out


def filter_functions(functions: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    mask = pd.Series(True, index=functions.index)
    for key, col in FILTER_COLUMNS.items():
        chosen = getattr(filters, key)
        if chosen:
            mask &= functions[col].astype(str).isin(chosen)
    return functions[mask]


def export_recommendations(
    base: Analysis, optimistic: Analysis, pessimistic: Analysis, filters: Filters
) -> Recommendations:
    """The recommendations the Export page writes: as `crossover export` makes them (the fleet
    recommended, then filtered and sorted by saving), so both give the same file. The runtime
    filter, which the CLI lacks, keeps its functions afterwards."""
    recs = filter_recommendations(
        recommend(base, optimistic, pessimistic),
        accounts=filters.account,
        environments=filters.environment,
        regions=filters.region,
        verdicts=filters.verdict,
        sort="saving",
    )
    if not filters.runtime:
        return recs
    fns = recs.functions
    keep = fns["function_id"].isin(filter_functions(base.functions, filters)["function_id"])
    return with_summary(dataclasses.replace(recs, functions=fns[keep]))


def clicked_function(selection: Mapping[str, Any] | None) -> str | None:
    """The function id of a clicked fleet-chart bubble, from the chart's state as Streamlit
    returns it (`{"selection": {FLEET_SELECTION: [{"function_id": ...}]}}`), if any."""
    chosen = (selection or {}).get("selection", {}).get(FLEET_SELECTION) or []
    for point in chosen:
        if isinstance(point, Mapping) and point.get("function_id"):
            return str(point["function_id"])
    return None
