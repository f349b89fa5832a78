"""The JSON shapes of `crossover cost` and `crossover analyze --format json` (docs/interfaces.md).

Money is USD per month (`HOURS_PER_MONTH` hours) as numbers rounded to the cent; the crossover multiple is null
where no crossover exists within the searched range.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

from analyzer.core.analyze import Analysis
from analyzer.present.sentences import forecast_text
from analyzer.present.summary import fleet_summary


def usd(x: Any) -> float | None:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return None
    v = float(x)
    return None if not math.isfinite(v) else round(v + 0.0, 2)


def num(x: Any, digits: int = 4) -> float | None:
    if x is None:
        return None
    v = float(x)
    if not math.isfinite(v):
        return None
    return float(f"{v:.{digits}g}")


def strict(value: Any) -> Any:
    """`value` with every NaN / infinity (and pandas' missing values) replaced by None, numpy
    scalars made plain: what JSON can hold."""
    if isinstance(value, dict):
        return {str(k): strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict(v) for v in value]
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def json_text(doc: Any) -> str:
    """Strict JSON (null, never NaN or Infinity), indented."""
    return json.dumps(strict(doc), indent=2, allow_nan=False)


def _option(o: pd.Series) -> dict[str, Any]:
    units = {"min": int(o["units_min"]), "max": int(o["units_max"])}
    if o["kind"] == "fargate":
        d: dict[str, Any] = {
            "kind": "fargate",
            "task": {
                "vcpu": float(o["vcpu"]),
                "memory_gb": float(o["memory_gb"]),
                "arch": o["arch"],
            },
            "tasks": units,
        }
    else:
        d = {"kind": o["kind"], "instance_type": o["label"], "arch": o["arch"], "instances": units}
    d["monthly_usd"] = usd(o["monthly_usd"])
    if o["kind"] == "lmi":
        d["breakdown"] = {
            "compute_usd": usd(o["compute_usd"]),
            "management_fee_usd": usd(o["management_fee_usd"]),
            "requests_usd": usd(o["requests_usd"]),
            "front_door_usd": usd(o["front_door_usd"]),
        }
    else:
        d["breakdown"] = {
            "compute_usd": usd(o["compute_usd"]),
            "load_balancer_usd": usd(o["load_balancer_usd"]),
            "front_door_usd": usd(o["front_door_usd"]),
            "ops_usd": usd(o["ops_usd"]),
        }
    d["unit_hours_per_month"] = num(o["unit_hours_per_month"], 6)
    d["usd_per_unit_hour"] = num(o["usd_per_unit_hour"], 6)
    d["price_region"] = o["price_region"]
    return d


def function_json(row: pd.Series, options: pd.DataFrame, detail: bool) -> dict[str, Any]:
    k = row["crossover_multiple"]
    out: dict[str, Any] = {"name": row["name"]}
    if detail:
        out.update(
            {
                "account_id": row["account_id"],
                "account_name": row["account_name"],
                "environment": row["environment"],
                "region": row["region"],
                "memory_mb": int(row["memory_mb"]),
                "arch": row["arch"],
                "runtime": row["runtime"],
                "monthly_invocations": round(float(row["monthly_invocations"])),
                "avg_duration_ms": num(row["avg_duration_ms"], 6),
            }
        )
    out["lambda"] = {
        "requests_usd": usd(row["lambda_requests_usd"]),
        "duration_usd": usd(row["lambda_duration_usd"]),
        "storage_usd": usd(row["lambda_storage_usd"]),
        "provisioned_usd": usd(row["lambda_provisioned_usd"]),
        "front_door_usd": usd(row["lambda_front_door_usd"]),
        "total_usd": usd(row["lambda_usd_per_month"]),
    }
    out["options"] = [_option(o) for _, o in options.iterrows()]
    out["best"] = (
        {
            "kind": row["best_option_kind"],
            "label": row["best_option_label"],
            "monthly_usd": usd(row["best_option_usd_per_month"]),
        }
        if isinstance(row["best_option_kind"], str)
        else None
    )
    finite = bool(np.isfinite(k))
    out["crossover"] = {
        "multiple": num(k) if finite else None,
        "monthly_invocations": round(float(row["crossover_invocations"])) if finite else None,
        "requests_per_second": num(row["crossover_rps"]) if finite else None,
    }
    out["verdict"] = row["verdict"]
    out["monthly_saving_usd"] = usd(row["saving_usd_per_month"])  # the Move saving, on spend
    out["run_rate"] = {  # next month at the current level: what the verdict and k* use
        "basis": row["run_rate_basis"],
        "multiple": num(row["run_rate_multiple"]),
        "monthly_invocations": round(float(row["run_rate_invocations_per_month"])),
        "lambda_usd": usd(row["run_rate_lambda_usd_per_month"]),
        "tuned_lambda_usd": usd(row["run_rate_tuned_lambda_usd_per_month"]),
        "best_usd": usd(row["run_rate_best_option_usd_per_month"]),
        "monthly_saving_usd": usd(row["run_rate_saving_usd_per_month"]),
    }
    out["tune"] = {
        "lambda_usd": usd(row["tuned_lambda_usd_per_month"]),
        "arch": row["tuned_arch"],
        "front_door": row["tuned_front_door"],
        "arm64_saving_usd": usd(row["tune_arm64_usd_per_month"]),
        "front_door_saving_usd": usd(row["tune_front_door_usd_per_month"]),
        "monthly_saving_usd": usd(row["tune_saving_usd_per_month"]),
    }
    out["move"] = {"monthly_saving_usd": usd(row["move_saving_usd_per_month"])}
    if detail:
        months = row["months_to_crossover"]
        out["forecast"] = {
            "monthly_growth": num(row["monthly_growth"], 3),
            "months_to_crossover": num(months, 3) if np.isfinite(months) else None,
            "crossover_date": row["crossover_date"],
            "growth_interval_90": [
                num(row["monthly_growth_low"], 3),
                num(row["monthly_growth_high"], 3),
            ],
            "crossover_date_earliest": row["crossover_date_earliest"],
            "crossover_date_latest": row["crossover_date_latest"],
            "text": forecast_text(row),
            "confidence": row["forecast_confidence"],
            "note": row["forecast_note"],
            "days_of_data": int(row["days_of_data"]),
        }
    return out


def analysis_json(analysis: Analysis, detail: bool) -> dict[str, Any]:
    """`cost` (detail=False) or `analyze` (detail=True) output."""
    opts = analysis.options
    by_fn = dict(tuple(opts.groupby("function_id", sort=False))) if not opts.empty else {}
    empty = opts.iloc[0:0]
    functions = [
        function_json(row, by_fn.get(row["function_id"], empty), detail)
        for _, row in analysis.functions.iterrows()
    ]
    summary = fleet_summary(analysis.functions)
    doc: dict[str, Any] = {
        "price_book": analysis.price_book,
        "functions": functions,
        "totals": {
            "lambda_usd": usd(summary.lambda_usd_per_month),
            "run_rate_lambda_usd": usd(summary.run_rate_lambda_usd_per_month),
            "best_usd": usd(summary.best_usd_per_month),
            "outgrown_saving_usd": usd(summary.saving_usd_per_month),
            "move_saving_usd": usd(summary.saving_usd_per_month),
            "run_rate_move_saving_usd": usd(summary.run_rate_saving_usd_per_month),
            "tune_saving_usd": usd(summary.tune_usd_per_month),
        },
        "monthly_basis": analysis.meta["monthly_basis"],
        "notes": analysis.meta["notes"],
    }
    if detail:
        doc["window"] = {
            "start": analysis.meta["window_start"],
            "end": analysis.meta["window_end"],
            "hours": analysis.meta["hours"],
        }
        doc["assumptions"] = analysis.assumptions.to_dict()
        doc["failures"] = analysis.fleet.meta.get("failures", [])
    return doc
