"""Which recommendations to show and in what order: the one filter and the one sort used by the
CLI export, the app and the e-mail attachments."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from analyzer.core.vocabulary import VERDICTS
from analyzer.exceptions import InputError

SORTS = ("saving", "crossover", "spend", "name")
VERDICT_RANK: dict[str, int] = {verdict: rank for rank, verdict in enumerate(VERDICTS)}
"""Severity order: outgrown first, stay last."""


def _sort_keys(fns: pd.DataFrame, sort: str) -> list[pd.Series]:
    if sort == "saving":
        return [
            fns["verdict"].map(VERDICT_RANK),
            -fns["saving_usd_per_month"],
            -fns["tune_usd_per_month"],
            -fns["lambda_usd_per_month"],
        ]
    if sort == "crossover":
        return [fns["crossover_multiple"].fillna(np.inf), -fns["lambda_usd_per_month"]]
    if sort == "spend":
        return [-fns["lambda_usd_per_month"]]
    return [fns["name"].str.lower()]


def sort_functions(fns: pd.DataFrame, sort: str) -> pd.DataFrame:
    """`fns` ordered by saving|crossover|spend|name, ties broken by name, place and id."""
    if sort not in SORTS:
        raise InputError("sort", sort, f"must be one of {', '.join(SORTS)}")
    keys = [*_sort_keys(fns, sort), fns["name"], fns["environment"], fns["region"]]
    keys.append(fns["function_id"])
    order = pd.DataFrame({f"k{i}": s.to_numpy() for i, s in enumerate(keys)})
    idx = order.sort_values(list(order.columns), kind="stable", na_position="last").index
    return fns.iloc[idx].reset_index(drop=True)


def _texts(values: Iterable[str] | None) -> list[str]:
    return [str(x) for x in values or []]


def filter_mask(
    fns: pd.DataFrame,
    accounts: Iterable[str] | None = None,
    environments: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
    verdicts: Iterable[str] | None = None,
) -> tuple[pd.Series, dict[str, Any]]:
    """The rows matching every given filter (an account matches by id or name; empty or None:
    no filter) and the filters used."""
    keep = pd.Series(True, index=fns.index)
    used: dict[str, Any] = {}
    if acc := _texts(accounts):
        keep &= fns["account_id"].isin(acc) | fns["account_name"].isin(acc)
        used["accounts"] = acc
    if env := _texts(environments):
        keep &= fns["environment"].str.lower().isin([e.lower() for e in env])
        used["environments"] = env
    if reg := _texts(regions):
        keep &= fns["region"].isin(reg)
        used["regions"] = reg
    if ver := [v.lower() for v in _texts(verdicts)]:
        bad = [v for v in ver if v not in VERDICTS]
        if bad:
            raise InputError("verdict", bad[0], f"must be one of {', '.join(VERDICTS)}")
        keep &= fns["verdict"].isin(ver)
        used["verdicts"] = ver
    return keep, used
