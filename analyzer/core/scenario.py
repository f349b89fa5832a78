"""Scenario files for `crossover cost` (JSON or YAML, shape in docs/interfaces.md) -> FleetData.

A scenario function has flat traffic over 730 hours unless it gives `hourly_profile` (24 or 168
relative weights, tiled over the month). `avg_duration_ms` is the billed duration, so no
round-up allowance is added; billed INIT (`init_ms_per_cold_start` x `cold_start_rate`) is.
Every problem raises InputError naming the key and the reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analyzer.core.assumptions import DEFAULTS, Assumptions, from_mapping
from analyzer.core.fleet import ARCHES, FRONT_DOORS, FleetData, function_id
from analyzer.core.pricebook import PriceBook
from analyzer.core.safe_load import load_file
from analyzer.core.vocabulary import HOURS_PER_MONTH
from analyzer.exceptions import InputError

TOP_KEYS = {"region", "free_tier", "assumptions", "functions", "account_id"}
FUNCTION_KEYS = {
    "name",
    "memory_mb",
    "arch",
    "ephemeral_storage_mb",
    "monthly_invocations",
    "avg_duration_ms",
    "front_door",
    "provisioned_concurrency",
    "hourly_profile",
    "assumptions",
    "region",
    "runtime",
    "timeout_s",
    "environment",
    "account_id",
}
PC_KEYS = {"allocated", "hours_per_month", "share_of_invocations"}
SCENARIO_START = pd.Timestamp("2026-01-05T00:00:00Z")  # a Monday: 168-hour profiles line up
HOURS = int(HOURS_PER_MONTH)  # a scenario covers one month of hourly traffic
# Documented ranges (docs/interfaces.md): every numeric input is finite and bounded.
MAX_MONTHLY_INVOCATIONS = 1e12  # ~385,000 requests per second, all month
MAX_PROVISIONED = 100_000  # far above any account's concurrency quota
MAX_PROFILE_WEIGHT = 1e9


def read_scenario(path: str | Path, field_name: str = "scenario") -> dict[str, Any]:
    """The scenario (or assumptions) file at `path` as a mapping; errors name `field_name`."""
    p = Path(path)
    data = load_file(
        p, field_name, kind="yaml" if p.suffix.lower() in (".yaml", ".yml") else "json"
    )
    if not isinstance(data, dict):
        raise InputError(
            field_name, str(p), "must be an object with region, assumptions, functions"
        )
    return data


def _num(
    value: Any,
    key: str,
    lo: float | None = None,
    hi: float | None = None,
    integer: bool = False,
    unit: str = "",
) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(key, value, "must be a number")
    if not math.isfinite(value):
        raise InputError(key, value, "must be a finite number")
    if integer and not float(value).is_integer():
        raise InputError(key, value, "must be a whole number")
    if lo is not None and value < lo:
        reason = "must not be negative" if lo == 0 else f"must be at least {lo:g}{unit}"
        if hi is not None:
            reason = f"must be between {lo:g} and {hi:g}{unit}"
        raise InputError(key, value, reason)
    if hi is not None and value > hi:
        raise InputError(
            key,
            value,
            f"must be between {lo:g} and {hi:g}{unit}"
            if lo is not None
            else f"must be at most {hi:g}{unit}",
        )
    return float(value)


def _check_keys(d: Mapping[str, Any], allowed: set[str], where: str) -> None:
    for k in d:
        if k not in allowed:
            raise InputError(
                f"{where}{k}", d[k], f"unknown key (expected one of: {', '.join(sorted(allowed))})"
            )


def _check_region(region: Any, key: str, book: PriceBook | None) -> str:
    if not isinstance(region, str) or not region:
        raise InputError(key, region, "must be an AWS region code such as us-east-1")
    if book is not None and region not in book.regions("lambda"):
        raise InputError(
            key,
            region,
            f"unknown region: the price book ({book.as_of}) has Lambda "
            "prices for " + ", ".join(book.regions("lambda")),
        )
    return region


def _check_instance_types(a: Assumptions, key: str, book: PriceBook | None) -> None:
    if book is None or not a.instance_types:
        return
    for t in a.instance_types:
        if not book.has_instance_type(t):
            raise InputError(key, t, f"unknown instance type (not in the price book {book.as_of})")


def scenario_fleet(
    data: Mapping[str, Any], book: PriceBook | None = None
) -> tuple[FleetData, Assumptions]:
    """Validate a scenario mapping; return its FleetData (730 h of traffic) and Assumptions."""
    _check_keys(data, TOP_KEYS, "")
    region = _check_region(data.get("region", "us-east-1"), "region", book)
    a = _scenario_assumptions(data, book)
    account = str(data.get("account_id", "scenario"))
    funcs = data.get("functions")
    if not isinstance(funcs, list) or not funcs:
        raise InputError("functions", funcs, "must be a non-empty list of functions")
    # input validation: one pass over the user's list
    parsed = [_scenario_function(f, i, region, account, a, book) for i, f in enumerate(funcs)]
    functions = pd.DataFrame([p.row for p in parsed])
    if functions["function_id"].duplicated().any():
        dup = functions.loc[functions["function_id"].duplicated(), "name"].iloc[0]
        raise InputError("functions.name", dup, "appears twice")
    overrides: dict[str, Mapping[str, Any]] = {
        p.row["function_id"]: p.overrides for p in parsed if p.overrides is not None
    }
    traffic = _scenario_traffic(functions, parsed)
    meta = {
        "source": "scenario",
        "start": SCENARIO_START,
        "end": SCENARIO_START + pd.Timedelta(hours=HOURS),
    }
    return FleetData(functions, traffic, meta, overrides), a


def _scenario_assumptions(data: Mapping[str, Any], book: PriceBook | None) -> Assumptions:
    assumptions_in = data.get("assumptions") or {}
    if not isinstance(assumptions_in, Mapping):
        raise InputError("assumptions", assumptions_in, "must be an object")
    a = from_mapping(assumptions_in, DEFAULTS)
    if "free_tier" in data:
        if not isinstance(data["free_tier"], bool):
            raise InputError("free_tier", data["free_tier"], "must be true or false")
        a = from_mapping({"free_tier": data["free_tier"]}, a)
    _check_instance_types(a, "assumptions.instance_types", book)
    return a


@dataclass(frozen=True)
class _ScenarioFunction:
    row: dict[str, Any]  # the FleetData functions row
    monthly_invocations: float
    avg_duration_ms: float
    profile: np.ndarray  # HOURS relative weights
    overrides: dict[str, Any] | None


def _scenario_function(
    f: Any, i: int, region: str, account: str, a: Assumptions, book: PriceBook | None
) -> _ScenarioFunction:
    w = f"functions[{i}]."
    if not isinstance(f, Mapping):
        raise InputError(f"functions[{i}]", f, "must be an object")
    _check_keys(f, FUNCTION_KEYS, w)
    name = f.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{w}name", name, "must be a non-empty string")
    for req in ("memory_mb", "monthly_invocations", "avg_duration_ms"):
        if req not in f:
            raise InputError(f"{w}{req}", None, "is required")
    mem = _num(f["memory_mb"], f"{w}memory_mb", 128, 10240, integer=True, unit=" MB")
    arch = f.get("arch", "x86_64")
    if arch not in ARCHES:
        raise InputError(f"{w}arch", arch, "must be x86_64 or arm64")
    eph = _num(
        f.get("ephemeral_storage_mb", 512),
        f"{w}ephemeral_storage_mb",
        512,
        10240,
        integer=True,
        unit=" MB",
    )
    monthly = _num(f["monthly_invocations"], f"{w}monthly_invocations", 0, MAX_MONTHLY_INVOCATIONS)
    duration = _num(f["avg_duration_ms"], f"{w}avg_duration_ms", 0, 900000, unit=" ms")
    fd = f.get("front_door", "none")
    if fd not in FRONT_DOORS:
        raise InputError(f"{w}front_door", fd, f"must be one of {', '.join(FRONT_DOORS)}")
    pc_alloc, pc_hours, pc_share = _provisioned_concurrency(f, w)
    f_region = _check_region(f.get("region", region), f"{w}region", book)
    acct = str(f.get("account_id", account))
    for key in ("environment", "runtime"):
        if not isinstance(f.get(key, ""), str):
            raise InputError(f"{w}{key}", f[key], "must be text")
    timeout = _num(f.get("timeout_s", 3.0), f"{w}timeout_s", 1, 900, unit=" s")
    row = {
        "function_id": function_id(acct, f_region, name),
        "account_id": acct,
        "account_name": acct,
        "environment": str(f.get("environment", "")),
        "region": f_region,
        "name": name,
        "memory_mb": int(mem),
        "arch": arch,
        "ephemeral_storage_mb": int(eph),
        "runtime": str(f.get("runtime", "")),
        "timeout_s": timeout,
        "front_door": fd,
        "pc_allocated": int(pc_alloc),
        "pc_hours_per_month": pc_hours,
        "pc_share_of_invocations": pc_share,
        "duration_is_billed": True,
    }
    profile = _hourly_profile(f.get("hourly_profile"), w)
    return _ScenarioFunction(row, monthly, duration, profile, _overrides(f, w, a, book))


def _provisioned_concurrency(f: Mapping[str, Any], w: str) -> tuple[float, float, float]:
    """(allocated, hours per month, share of invocations or NaN) of a scenario function."""
    pc = f.get("provisioned_concurrency") or {}
    if not isinstance(pc, Mapping):
        raise InputError(f"{w}provisioned_concurrency", pc, "must be an object")
    _check_keys(pc, PC_KEYS, f"{w}provisioned_concurrency.")
    pc_alloc = _num(
        pc.get("allocated", 0),
        f"{w}provisioned_concurrency.allocated",
        0,
        MAX_PROVISIONED,
        integer=True,
    )
    pc_hours = _num(
        pc.get("hours_per_month", HOURS if pc_alloc else 0),
        f"{w}provisioned_concurrency.hours_per_month",
        0,
        744,
        unit=" h",
    )
    pc_share = (
        np.nan
        if pc.get("share_of_invocations") is None
        else _num(
            pc["share_of_invocations"], f"{w}provisioned_concurrency.share_of_invocations", 0, 1
        )
    )
    return pc_alloc, pc_hours, pc_share


def _hourly_profile(prof: Any, w: str) -> np.ndarray:
    """HOURS relative weights: flat, or 24 / 168 weights tiled over the month."""
    if prof is None:
        return np.ones(HOURS)
    if not isinstance(prof, list) or len(prof) not in (24, 168):
        raise InputError(f"{w}hourly_profile", prof, "must be a list of 24 or 168 weights")
    wts = np.array([_num(x, f"{w}hourly_profile", 0, MAX_PROFILE_WEIGHT) for x in prof])
    if wts.sum() <= 0:
        raise InputError(f"{w}hourly_profile", prof, "needs at least one positive weight")
    return np.resize(wts, HOURS)


def _overrides(
    f: Mapping[str, Any], w: str, a: Assumptions, book: PriceBook | None
) -> dict[str, Any] | None:
    """A scenario function's own assumptions (validated), or None."""
    if "assumptions" not in f:
        return None
    ov = f["assumptions"]
    if not isinstance(ov, Mapping):
        raise InputError(f"{w}assumptions", ov, "must be an object")
    eff = from_mapping(ov, a, prefix=f"{w}assumptions.")
    _check_instance_types(eff, f"{w}assumptions.instance_types", book)
    return dict(ov)


def _scenario_traffic(functions: pd.DataFrame, parsed: list[_ScenarioFunction]) -> pd.DataFrame:
    """HOURS rows per function: monthly invocations spread by the profile, flat duration."""
    profiles = np.stack([p.profile for p in parsed])
    monthly = np.array([p.monthly_invocations for p in parsed])
    durations = np.array([p.avg_duration_ms for p in parsed])
    share = profiles / profiles.sum(axis=1, keepdims=True)
    inv = share * monthly[:, None]
    hours = SCENARIO_START + pd.to_timedelta(np.arange(HOURS), unit="h")
    return pd.DataFrame(
        {
            "function_id": np.repeat(functions["function_id"].to_numpy(), HOURS),
            "timestamp": np.tile(hours, len(parsed)),
            "invocations": inv.ravel(),
            "duration_sum_ms": (inv * durations[:, None]).ravel(),
        }
    )
