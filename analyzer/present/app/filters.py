"""The overview's filters: which values each can take, and the functions they keep."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analyzer.core.vocabulary import VERDICTS

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
