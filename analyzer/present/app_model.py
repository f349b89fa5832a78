"""Everything the Streamlit app needs that is not UI: filters, headline numbers, plain-language
sentences, display tables, what-if control specs, sensitivity. Pure (no streamlit import) and
tested in tests/test_app.py.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analyzer.core.analyze import Analysis
from analyzer.core.assumptions import (
    FIELDS,
    LOAD_BALANCER,
    PRICING_OPTIONS,
    TARGETS,
    Assumptions,
    FieldInfo,
    from_mapping,
)
from analyzer.core.pricebook import PriceBook
from analyzer.present.charts import KIND_NAMES as CHART_KIND_NAMES

log = logging.getLogger(__name__)

VERDICT_LABELS = {"outgrown": "Outgrown", "watch": "Watch", "stay": "Stay"}
KIND_NAMES = {k: v for k, v in CHART_KIND_NAMES.items() if k != "lambda"}  # the options
UNIT_NAMES = {"ec2": "instances", "fargate": "tasks", "lmi": "instances"}
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
TARGET_LABELS = KIND_NAMES
FILTER_COLUMNS = {
    "account": "account_name",
    "environment": "environment",
    "region": "region",
    "verdict": "verdict",
    "runtime": "runtime",
}
ENABLE_AWS_ENV = "CROSSOVER_ENABLE_AWS"


# -- formatting ---------------------------------------------------------------------------------
def money(x: float | None, decimals: int = 0) -> str:
    """$1,240 (or '–' when unknown)."""
    if x is None or not np.isfinite(x):
        return "–"
    sign = "-" if x < 0 else ""
    return f"{sign}${abs(x):,.{decimals}f}"


def compact(x: float) -> str:
    """12.3M, 450k, 980."""
    if not np.isfinite(x):
        return "–"
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return f"{x / div:,.1f}{suffix}"
    return f"{x:,.0f}"


def kind_name(kind: str | None) -> str:
    return KIND_NAMES.get(str(kind), str(kind or "–"))


def months_text(months: float) -> str:
    if not np.isfinite(months):
        return "no date"
    if months < 1:
        return "within a month"
    if months < 24:
        return f"in about {months:.0f} months"
    return f"in about {months / 12:.0f} years"


def verdict_sentence(row: Mapping[str, Any] | pd.Series) -> str:
    """One line a product owner reads: the verdict and the money or the date behind it."""
    verdict = str(row["verdict"])
    best = kind_name(row.get("best_option_kind"))
    k = float(row["crossover_multiple"])
    saving = float(row["saving_usd_per_month"])
    months = float(row["months_to_crossover"])
    date = row.get("crossover_date")
    if verdict == "outgrown":
        yearly = money(saving * 12)
        return f"Outgrown: moving to {best} would save {money(saving)}/month ({yearly}/year)"
    if verdict == "watch":
        if np.isfinite(k) and k < 1:
            return (
                f"Watch: {best} is already cheaper, but only by {money(saving)}/month "
                "(below the Outgrown threshold)"
            )
        when = (
            f", forecast around {date} ({months_text(months)})"
            if isinstance(date, str) and date and np.isfinite(months)
            else ""
        )
        return f"Watch: {best} becomes cheaper at {k:.1f}x today's traffic{when}"
    if not np.isfinite(k):
        return "Stay: Lambda stays cheapest across the whole traffic range searched"
    when = (
        f"; at the current trend that is around {date}"
        if isinstance(date, str) and date and np.isfinite(months)
        else ""
    )
    return f"Stay: Lambda is cheapest until traffic grows {k:,.1f}x{when}"


# -- filters and headline -----------------------------------------------------------------------
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
            out[key] = [v for v in VERDICT_LABELS if v in values]
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


@dataclass(frozen=True)
class Headline:
    functions: int
    outgrown: int
    watch: int
    stay: int
    lambda_usd: float  # Lambda spend per month
    outgrown_lambda_usd: float  # Lambda spend per month on outgrown functions
    saving_usd: float  # possible saving per month (outgrown functions moved)

    @property
    def saving_usd_year(self) -> float:
        return self.saving_usd * 12

    def sentence(self) -> str:
        if not self.functions:
            return "No functions match the filters."
        if not self.outgrown:
            return (
                f"None of these {self.functions} functions has outgrown Lambda yet; "
                f"{self.watch} to watch."
            )
        return (
            f"{self.outgrown} of {self.functions} functions have outgrown Lambda: moving them "
            f"would save {money(self.saving_usd)}/month ({money(self.saving_usd_year)}/year)."
        )


def headline(functions: pd.DataFrame) -> Headline:
    v = functions["verdict"]
    out = v == "outgrown"
    return Headline(
        functions=len(functions),
        outgrown=int(out.sum()),
        watch=int((v == "watch").sum()),
        stay=int((v == "stay").sum()),
        lambda_usd=float(functions["lambda_usd_per_month"].sum()),
        outgrown_lambda_usd=float(functions.loc[out, "lambda_usd_per_month"].sum()),
        saving_usd=float(functions.loc[out, "saving_usd_per_month"].sum()),
    )


# -- tables -------------------------------------------------------------------------------------
FLEET_TABLE_COLUMNS = [
    "Function", "Account", "Environment", "Region", "Runtime", "Verdict",
    "Invocations / month", "Lambda $/month", "Best alternative", "Alternative $/month",
    "Saving $/month", "Crossover (x traffic)", "Months to crossover", "Crossover date",
]  # fmt: skip


def fleet_table(functions: pd.DataFrame) -> pd.DataFrame:
    """The overview table, one row per function, worst first (index: function_id)."""
    f = functions
    out = pd.DataFrame(
        {
            "Function": f["name"],
            "Account": f["account_name"],
            "Environment": f["environment"],
            "Region": f["region"],
            "Runtime": f["runtime"],
            "Verdict": f["verdict"].map(VERDICT_LABELS).fillna(f["verdict"]),
            "Invocations / month": f["monthly_invocations"].astype(float),
            "Lambda $/month": f["lambda_usd_per_month"].astype(float),
            "Best alternative": f["best_option_kind"].map(KIND_NAMES).fillna("–")
            + " "
            + f["best_option_label"].fillna("").astype(str),
            "Alternative $/month": f["best_option_usd_per_month"].astype(float),
            "Saving $/month": f["saving_usd_per_month"].astype(float),
            "Crossover (x traffic)": f["crossover_multiple"].astype(float),
            "Months to crossover": f["months_to_crossover"].astype(float),
            "Crossover date": f["crossover_date"].where(f["crossover_date"].notna(), None),
        }
    )
    out.index = pd.Index(f["function_id"], name="function_id")
    rank = f["verdict"].map({"outgrown": 0, "watch": 1, "stay": 2}).fillna(3).to_numpy()
    order = np.lexsort(
        (-f["lambda_usd_per_month"].to_numpy(), -f["saving_usd_per_month"].to_numpy(), rank)
    )
    return out.iloc[order]


def function_label(row: Mapping[str, Any] | pd.Series) -> str:
    return f"{row['name']} · {row['account_name']} ({row['environment']}) · {row['region']}"


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
    return f"{option['label']} × {count} {UNIT_NAMES.get(kind, 'units')} ({kind_name(kind)})"


def options_table(options: pd.DataFrame, function_id: str) -> pd.DataFrame:
    o = options[options["function_id"] == function_id].sort_values("monthly_usd")
    return pd.DataFrame(
        {
            "Option": o["kind"].map(KIND_NAMES),
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
                "Value": display_value(v),
                "Unit": info.unit,
                "Default": display_value(default),
                "Changed": v != default,
                "Meaning": info.help,
                "Group": info.group,
            }
        )
    return pd.DataFrame(rows)


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
                "price": options["kind"].map(KIND_NAMES) + " " + options["label"].astype(str),
                "region": options["price_region"],
                "arch": options["arch"],
                "usd": options["usd_per_unit_hour"].astype(float),
                "unit": np.where(
                    options["kind"] == "fargate",
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


# -- what-if controls ---------------------------------------------------------------------------
STATE_PREFIX = "a_"


def state_key(name: str) -> str:
    return f"{STATE_PREFIX}{name}"


@dataclass(frozen=True)
class ControlSpec:
    """How the app shows one assumption."""

    name: str
    kind: str  # toggle | select | multiselect | slider | number | text
    label: str
    help: str
    unit: str
    group: str
    options: tuple[str, ...] = ()
    option_labels: dict[str, str] = field(default_factory=dict)
    min_value: float | None = None
    max_value: float | None = None
    step: float | None = None
    integer: bool = False


def _label(name: str, unit: str) -> str:
    words = name.replace("_usd", "").replace("_mb", "").replace("_s", "").replace("_", " ")
    words = words.replace("lmi", "Managed Instances").replace("ec2", "EC2").replace("sp ", "SP ")
    words = words.replace("alb", "ALB").replace("1y", "1 year").replace("3y", "3 years")
    return f"{words[:1].upper()}{words[1:]} ({unit})"


def control_spec(info: FieldInfo) -> ControlSpec:
    common: dict[str, Any] = {
        "name": info.name,
        "label": _label(info.name, info.unit),
        "help": info.help,
        "unit": info.unit,
        "group": info.group,
    }
    if isinstance(info.default, bool):
        return ControlSpec(kind="toggle", **common)
    if info.name == "pricing_option":
        return ControlSpec(
            kind="select", options=PRICING_OPTIONS, option_labels=PRICING_LABELS, **common
        )
    if info.name == "load_balancer":
        return ControlSpec(
            kind="select", options=LOAD_BALANCER, option_labels=LOAD_BALANCER_LABELS, **common
        )
    if info.name == "targets":
        return ControlSpec(
            kind="multiselect", options=TARGETS, option_labels=TARGET_LABELS, **common
        )
    if info.name in ("instance_types", "price_region_proxy"):
        return ControlSpec(kind="text", **common)
    integer = info.name == "min_instances"
    lo, hi = info.lo, info.hi
    if info.unit == "fraction" and lo is not None and hi is not None:
        return ControlSpec(
            kind="slider", min_value=float(lo), max_value=float(hi), step=0.01, **common
        )
    step = 1.0 if integer or (hi is not None and hi >= 100) else 0.1
    if info.name == "duration_rounding_s":
        step = 0.0001
    return ControlSpec(
        kind="number",
        min_value=None if lo is None else float(lo),
        max_value=None if hi is None else float(hi),
        step=step,
        integer=integer,
        **common,
    )


CONTROLS: dict[str, ControlSpec] = {name: control_spec(info) for name, info in FIELDS.items()}


def widget_value(name: str, value: Any) -> Any:
    """An assumption's value as its widget holds it."""
    spec = CONTROLS[name]
    if spec.kind == "multiselect":
        return list(value)
    if name == "instance_types":
        return ", ".join(value) if value else ""
    if name == "price_region_proxy":
        return ", ".join(f"{k}={v}" for k, v in dict(value).items())
    if spec.kind == "number" and value is not None:
        return int(value) if spec.integer else float(value)
    if spec.kind == "slider":
        return float(value)
    return value


def default_widget_values() -> dict[str, Any]:
    return {name: widget_value(name, info.default) for name, info in FIELDS.items()}


def _parse_proxy(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]:
        region, sep, proxy = part.partition("=")
        if not sep or not region.strip() or not proxy.strip():
            from analyzer.exceptions import InputError

            raise InputError(
                "price_region_proxy", part, "write region=region, e.g. eu-west-1=us-east-1"
            )
        out[region.strip()] = proxy.strip()
    return out


def assumptions_from_widgets(
    values: Mapping[str, Any], base: Assumptions | None = None
) -> Assumptions:
    """Assumptions from widget values (keys: assumption names); raises InputError on bad input."""
    data: dict[str, Any] = {}
    for name, v in values.items():
        if name not in FIELDS:
            continue
        if name == "instance_types":
            items = [s.strip() for s in str(v or "").split(",") if s.strip()]
            data[name] = items or None
        elif name == "price_region_proxy":
            data[name] = _parse_proxy(str(v or ""))
        elif name == "targets":
            data[name] = list(v)
        elif name == "memory_per_worker_mb":
            data[name] = None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
        else:
            data[name] = v
    return from_mapping(data, base=base or Assumptions(), prefix="")


def changed_assumptions(a: Assumptions) -> dict[str, Any]:
    """The assumptions that differ from their defaults."""
    t = assumption_table(a)
    return dict(zip(t.loc[t["Changed"], "Assumption"], t.loc[t["Changed"], "Value"], strict=True))


# -- sensitivity --------------------------------------------------------------------------------
def sensitivity(
    base: pd.DataFrame, optimistic: pd.DataFrame, pessimistic: pd.DataFrame
) -> pd.DataFrame:
    """Per function: the verdict under the base, optimistic and pessimistic assumption sets, and
    whether it survives both."""
    b = base.set_index("function_id")
    o = optimistic.set_index("function_id")["verdict"].reindex(b.index)
    p = pessimistic.set_index("function_id")["verdict"].reindex(b.index)
    out = pd.DataFrame(
        {
            "Function": b["name"],
            "Account": b["account_name"],
            "Verdict": b["verdict"].map(VERDICT_LABELS),
            "Optimistic": o.map(VERDICT_LABELS),
            "Pessimistic": p.map(VERDICT_LABELS),
            "Saving $/month": b["saving_usd_per_month"].astype(float),
            "Saving, optimistic $/month": optimistic.set_index("function_id")[
                "saving_usd_per_month"
            ]
            .reindex(b.index)
            .astype(float),
            "Saving, pessimistic $/month": pessimistic.set_index("function_id")[
                "saving_usd_per_month"
            ]
            .reindex(b.index)
            .astype(float),
        }
    )
    out["Survives"] = (b["verdict"] == o) & (b["verdict"] == p)
    return out


def sensitivity_summary(table: pd.DataFrame) -> str:
    n = len(table)
    if not n:
        return "No functions."
    ok = int(table["Survives"].sum())
    out_rows = table[table["Verdict"] == "Outgrown"]
    firm = int(out_rows["Survives"].sum())
    return (
        f"{ok} of {n} verdicts hold under both the optimistic and the pessimistic assumptions; "
        f"{firm} of {len(out_rows)} Outgrown verdicts are firm."
    )


def subset_analysis(analysis: Analysis, function_ids: Sequence[str]) -> Analysis:
    """The analysis restricted to some functions (fleet order kept, as the engine guarantees)."""
    ids = pd.Index(function_ids)
    f = analysis.functions
    o = analysis.options
    return dataclasses.replace(
        analysis,
        functions=f[f["function_id"].isin(ids)].reset_index(drop=True),
        options=o[o["function_id"].isin(ids)].reset_index(drop=True),
        fleet=analysis.fleet.subset(ids),
        groups=None,  # recomputed for the subset, in its order
    )


# -- data source ----------------------------------------------------------------------------------
def aws_enabled(environ: Mapping[str, str], secrets: Mapping[str, Any] | None = None) -> bool:
    """Live AWS collection is off unless the operator turns it on: env CROSSOVER_ENABLE_AWS=1
    or `[crossover] enable_aws = true` in .streamlit/secrets.toml."""
    if environ.get(ENABLE_AWS_ENV, "").strip().lower() in ("1", "true", "yes", "on"):
        return True
    section = (secrets or {}).get("crossover") if secrets is not None else None
    if isinstance(section, Mapping):
        v = section.get("enable_aws", False)
        return v is True or str(v).strip().lower() in ("1", "true", "yes", "on")
    return False


def window_caption(meta: Mapping[str, Any]) -> str:
    start, end = meta.get("window_start"), meta.get("window_end")
    if not (start and end):
        return ""
    return f"Traffic from {str(start)[:10]} to {str(end)[:10]}."
