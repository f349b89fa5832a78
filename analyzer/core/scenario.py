"""Scenario files for `crossover cost` (JSON or YAML, shape in INTERFACES.md) -> FleetData.

A scenario function has flat traffic over 730 hours unless it gives `hourly_profile` (24 or 168
relative weights, tiled over the month). `avg_duration_ms` is the billed duration, so no
round-up allowance is added. Every problem raises InputError naming the key and the reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from analyzer.core.assumptions import DEFAULTS, Assumptions, from_mapping
from analyzer.core.fleet import ARCHES, FRONT_DOORS, FleetData, function_id
from analyzer.core.pricebook import PriceBook
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
HOURS = 730


def read_scenario(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError("scenario", str(p), "file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("scenario", str(p), f"cannot be read ({exc.__class__.__name__})") from exc
    try:
        if p.suffix.lower() in (".yaml", ".yml"):
            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            "scenario", str(p), f"is not valid JSON (line {exc.lineno}: {exc.msg})"
        ) from exc
    except yaml.YAMLError as exc:
        raise InputError(
            "scenario", str(p), f"is not valid YAML ({exc.__class__.__name__})"
        ) from exc
    if not isinstance(data, dict):
        raise InputError(
            "scenario", str(p), "must be an object with region, assumptions, functions"
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
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise InputError(key, value, "must be a number")
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
    assumptions_in = data.get("assumptions") or {}
    if not isinstance(assumptions_in, Mapping):
        raise InputError("assumptions", assumptions_in, "must be an object")
    a = from_mapping(assumptions_in, DEFAULTS)
    if "free_tier" in data:
        if not isinstance(data["free_tier"], bool):
            raise InputError("free_tier", data["free_tier"], "must be true or false")
        a = from_mapping({"free_tier": data["free_tier"]}, a)
    _check_instance_types(a, "assumptions.instance_types", book)
    account = str(data.get("account_id", "scenario"))
    funcs = data.get("functions")
    if not isinstance(funcs, list) or not funcs:
        raise InputError("functions", funcs, "must be a non-empty list of functions")

    rows: list[dict[str, Any]] = []
    profiles = np.zeros((len(funcs), HOURS))
    monthly = np.zeros(len(funcs))
    durations = np.zeros(len(funcs))
    overrides: dict[str, Mapping[str, Any]] = {}
    for i, f in enumerate(funcs):  # input validation: one pass over the user's list
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
        monthly[i] = _num(f["monthly_invocations"], f"{w}monthly_invocations", 0)
        durations[i] = _num(f["avg_duration_ms"], f"{w}avg_duration_ms", 0, 900000, unit=" ms")
        fd = f.get("front_door", "none")
        if fd not in FRONT_DOORS:
            raise InputError(f"{w}front_door", fd, f"must be one of {', '.join(FRONT_DOORS)}")
        pc = f.get("provisioned_concurrency") or {}
        if not isinstance(pc, Mapping):
            raise InputError(f"{w}provisioned_concurrency", pc, "must be an object")
        _check_keys(pc, PC_KEYS, f"{w}provisioned_concurrency.")
        pc_alloc = _num(
            pc.get("allocated", 0), f"{w}provisioned_concurrency.allocated", 0, integer=True
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
        f_region = _check_region(f.get("region", region), f"{w}region", book)
        prof = f.get("hourly_profile")
        if prof is None:
            profiles[i] = 1.0
        else:
            if not isinstance(prof, list) or len(prof) not in (24, 168):
                raise InputError(f"{w}hourly_profile", prof, "must be a list of 24 or 168 weights")
            wts = np.array([_num(x, f"{w}hourly_profile", 0) for x in prof])
            if wts.sum() <= 0:
                raise InputError(f"{w}hourly_profile", prof, "needs at least one positive weight")
            profiles[i] = np.resize(wts, HOURS)
        acct = str(f.get("account_id", account))
        fid = function_id(acct, f_region, name)
        if "assumptions" in f:
            ov = f["assumptions"]
            if not isinstance(ov, Mapping):
                raise InputError(f"{w}assumptions", ov, "must be an object")
            eff = from_mapping(ov, a, prefix=f"{w}assumptions.")
            _check_instance_types(eff, f"{w}assumptions.instance_types", book)
            overrides[fid] = dict(ov)
        rows.append(
            {
                "function_id": fid,
                "account_id": acct,
                "account_name": acct,
                "environment": str(f.get("environment", "")),
                "region": f_region,
                "name": name,
                "memory_mb": int(mem),
                "arch": arch,
                "ephemeral_storage_mb": int(eph),
                "runtime": str(f.get("runtime", "")),
                "timeout_s": float(f.get("timeout_s", 3.0)),
                "front_door": fd,
                "pc_allocated": int(pc_alloc),
                "pc_hours_per_month": pc_hours,
                "pc_share_of_invocations": pc_share,
                "duration_is_billed": True,
            }
        )
    functions = pd.DataFrame(rows)
    if functions["function_id"].duplicated().any():
        dup = functions.loc[functions["function_id"].duplicated(), "name"].iloc[0]
        raise InputError("functions.name", dup, "appears twice")
    share = profiles / profiles.sum(axis=1, keepdims=True)
    inv = share * monthly[:, None]
    hours = SCENARIO_START + pd.to_timedelta(np.arange(HOURS), unit="h")
    traffic = pd.DataFrame(
        {
            "function_id": np.repeat(functions["function_id"].to_numpy(), HOURS),
            "timestamp": np.tile(hours, len(funcs)),
            "invocations": inv.ravel(),
            "duration_sum_ms": (inv * durations[:, None]).ravel(),
        }
    )
    meta = {
        "source": "scenario",
        "start": SCENARIO_START,
        "end": SCENARIO_START + pd.Timedelta(hours=HOURS),
    }
    return FleetData(functions, traffic, meta, overrides), a
