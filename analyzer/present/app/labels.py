"""Words and numbers as the app shows them: money, counts, option and setting labels, values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from analyzer.core.vocabulary import KIND_LABELS
from analyzer.present.format import DASH, count
from analyzer.present.format import money as format_money
from analyzer.present.sentences import forecast_text, verdict_sentence

PRICING_LABELS = {
    "on_demand": "On-demand (no commitment)",
    "compute_sp_1y": "Compute Savings Plan, 1 year",
    "compute_sp_3y": "Compute Savings Plan, 3 years",
    "spot": "Spot (can be interrupted)",
}
LOAD_BALANCER_LABELS = {
    "auto": "auto (when the function is HTTP-fronted)",
    "true": "always",
    "false": "never",
}
TARGET_LABELS = KIND_LABELS

__all__ = [
    "LOAD_BALANCER_LABELS",
    "PRICING_LABELS",
    "TARGET_LABELS",
    "compact",
    "display_value",
    "forecast_text",
    "function_label",
    "kind_name",
    "money",
    "verdict_sentence",
]


def money(x: float | None, decimals: int = 0) -> str:
    """$1,240, -$3.50 (or '–' when unknown)."""
    return format_money(x, decimals, sign_first=True)


def compact(x: float) -> str:
    """12.3M, 450.0k, 980 (or '–' when unknown)."""
    return count(x, grouped=True, missing=DASH)


def display_value(v: Any) -> str:
    if v is None:
        return "(default)"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (list, tuple)):
        return ", ".join(map(str, v)) or "(none)"
    if isinstance(v, dict):
        return ", ".join(f"{k}={w}" for k, w in v.items()) or "(none)"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def function_label(row: Mapping[str, Any] | pd.Series) -> str:
    return f"{row['name']} · {row['account_name']} ({row['environment']}) · {row['region']}"


def kind_name(kind: str | None) -> str:
    """An option kind's label ('–' when there is none)."""
    return KIND_LABELS.get(str(kind), str(kind or "–"))


ASSUMPTION_LABELS: dict[str, str] = {
    "targets": "Alternatives to compare",
    "instance_types": "Instance types (empty: the default set)",
    "allow_arch_change": "Allow switching CPU architecture",
    "front_door_after_move": "Front door after a move",
    "alb_shared": "One ALB shared per account and region",
    "tune_arm64": "Tuned Lambda on arm64 where possible",
    "tune_front_door": "Tuned Lambda on the cheapest front door",
    "allow_burstable": "Allow burstable (t-family) instances",
    "pricing_option": "Pricing commitment",
    "autoscaling": "Autoscaling (capacity follows traffic)",
    "min_instances": "Minimum instances or tasks",
    "target_utilization": "Target utilisation (%)",
    "burst_factor": "Peak as a multiple of average traffic (×)",
    "cpu_busy_fraction": "Share of Lambda's CPU a request keeps busy (%)",
    "memory_per_worker_mb": "Memory per concurrent request (MB, empty: configured memory)",
    "ec2_os_overhead_mb": "Memory kept by the OS on each instance (MB)",
    "load_balancer": "Load balancer in front of EC2 / Fargate",
    "alb_requests_per_lcu_second": "ALB requests per second per LCU",
    "ops_hours_per_month": "Operations work (engineer hours per month)",
    "engineer_hourly_usd": "Engineer cost (USD per hour)",
    "migration_hours": "Migration to EC2 or Fargate (engineer hours, once)",
    "lmi_migration_hours": "Migration to Managed Instances (engineer hours, once)",
    "free_tier": "Apply Lambda's free tier",
    "consolidated_billing": "Duration tiers count the whole organisation",
    "duration_rounding_s": "Duration round-up per invocation (seconds)",
    "init_ms_per_cold_start": "Billed start-up time per cold start (ms)",
    "cold_start_rate": "Cold-start rate (% of invocations)",
    "lambda_sp_1y_discount": "Lambda Savings Plan discount, 1 year (%)",
    "lambda_sp_3y_discount": "Lambda Savings Plan discount, 3 years (%)",
    "ec2_sp_1y_discount": "EC2 Savings Plan discount, 1 year (%)",
    "ec2_sp_3y_discount": "EC2 Savings Plan discount, 3 years (%)",
    "fargate_sp_1y_discount": "Fargate Savings Plan discount, 1 year (%)",
    "fargate_sp_3y_discount": "Fargate Savings Plan discount, 3 years (%)",
    "ec2_spot_discount": "EC2 Spot discount (%)",
    "fargate_spot_discount": "Fargate Spot discount (%)",
    "lmi_management_fee": "Managed Instances management fee (% of EC2 price)",
    "outgrown_min_saving_usd": "Smallest saving that makes a function Outgrown (USD per month)",
    "watch_multiple": "Watch when the crossover is within (× today's traffic)",
    "watch_months": "Watch when the crossover is within (months)",
    "max_multiple": "Largest traffic multiple searched (×)",
    "price_region_proxy": "Price a missing region as another (region=region)",
}
"""Every assumption's written label in the What-if page (units in brackets)."""


def assumption_label(name: str, unit: str) -> str:
    """The written label of an assumption; a readable fallback for one added later."""
    if name in ASSUMPTION_LABELS:
        return ASSUMPTION_LABELS[name]
    words = name.removesuffix("_usd").removesuffix("_mb").replace("_", " ")
    return f"{words[:1].upper()}{words[1:]} ({unit})"
