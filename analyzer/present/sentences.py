"""Every sentence Crossover writes about a function, in one place.

The exports and the e-mail attachments use the vectorised column writers (`sizing_column`,
`tune_advice_column`, `caveats_column`, `recommendation_column`), which turn the numbers of
`analyzer.core.recommend.economics` into words; the app's function page shows the same verdict
sentence (`verdict_sentence`) for one function.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from analyzer.core.recommend import FEW_DAYS, LONG_TIMEOUT_S
from analyzer.core.vocabulary import KIND_LABELS, OptionKind, Verdict
from analyzer.present.format import count, money_column, number_column
from analyzer.present.format import multiple as format_multiple

DATA_TRANSFER_CAVEAT = (
    "data transfer (internet egress, NAT gateway, cross-AZ traffic) is not modelled"
)
MEMORY_NOT_ASSESSED = "memory not assessed: no memory-usage data"


def join_columns(parts: Iterable[pd.Series], sep: str = "; ") -> pd.Series:
    """Join text columns row-wise, skipping empty strings (vectorised over rows)."""
    acc: pd.Series | None = None
    for part in parts:
        p = part.fillna("").astype(str).reset_index(drop=True)
        if acc is None:
            acc = p
            continue
        glue = pd.Series(np.where((acc != "") & (p != ""), sep, ""), index=p.index)
        acc = acc + glue + p
    return acc if acc is not None else pd.Series(dtype=object)


def _when(condition: Any, text: Any) -> pd.Series:
    """`text` where `condition` holds, "" elsewhere."""
    return pd.Series(np.where(condition, text, ""))


# -- sizing ---------------------------------------------------------------------------------------
def sizing_column(rec: pd.DataFrame) -> pd.Series:
    """The best option's sizing in words: '2-5 x c7g.large (arm64) instances, autoscaled ...'."""
    kind = rec["best_option_kind"].fillna("")
    lo = rec["best_option_units_min"].fillna(0).astype(int).astype(str)
    hi = rec["best_option_units_max"].fillna(0).astype(int).astype(str)
    span = lo.where(lo == hi, lo + "-" + hi)
    label = rec["best_option_label"].fillna("").astype(str)
    arch = rec["best_option_arch"].fillna("").astype(str)
    ec2 = span + " x " + label + " (" + arch + ") instances, autoscaled over the day"
    fargate = span + " tasks of " + label + ", autoscaled over the day"
    lmi = "Lambda Managed Instances on " + label + " (" + span + " instances)"
    out = np.where(
        kind == OptionKind.EC2,
        ec2,
        np.where(kind == OptionKind.FARGATE, fargate, np.where(kind == OptionKind.LMI, lmi, "")),
    )
    return pd.Series(out, index=rec.index)


# -- tune -----------------------------------------------------------------------------------------
def _memory_advice(rec: pd.DataFrame) -> pd.Series:
    saving = rec["tune_memory_usd_per_month"].astype(float)
    advice = (
        "right-size memory "
        + rec["memory_mb"].astype(str)
        + " MB -> "
        + number_column(rec["suggested_memory_mb"], ".0f")
        + " MB (max used "
        + number_column(rec["max_memory_used_mb"], ".0f")
        + " MB; if duration does not grow with less CPU): saves "
        + money_column(saving)
        + "/month"
    )
    smaller = rec["memory_assessed"] & (rec["suggested_memory_mb"] < rec["memory_mb"])
    return pd.Series(
        np.where(smaller, advice, np.where(rec["memory_assessed"], "", MEMORY_NOT_ASSESSED))
    )


def tune_advice_column(rec: pd.DataFrame) -> pd.Series:
    """What to tune on Lambda, in words (arm64, idle provisioned concurrency, memory)."""
    arm = rec["tune_arm64_usd_per_month"].astype(float)
    arm_text = _when(
        arm > 0,
        "switch to arm64 (Graviton; if its dependencies build for arm64): saves "
        + money_column(arm)
        + "/month",
    )
    idle_usd = rec["tune_idle_pc_usd_per_month"].astype(float)
    pc_text = _when(
        idle_usd > 0,
        "drop "
        + rec["idle_pc_units"].map("{:.0f}".format)
        + " of "
        + rec["pc_allocated"].astype(str)
        + " provisioned-concurrency units (peak concurrency "
        + number_column(rec["peak_concurrency"].astype(float), ".0f")
        + "): saves "
        + money_column(idle_usd)
        + "/month",
    )
    door_usd = rec["tune_front_door_usd_per_month"].astype(float)
    door_name = rec["tuned_front_door"].map(FRONT_DOOR_NAMES).fillna("")
    door_text = _when(
        door_usd >= 0.005,
        "front the function with "
        + door_name
        + " (if it uses no REST-only feature): saves "
        + money_column(door_usd)
        + "/month",
    )
    return join_columns([arm_text, door_text, pc_text, _memory_advice(rec)])


FRONT_DOOR_NAMES = {
    "apigw_http": "an API Gateway HTTP API",
    "alb": "the account's shared ALB",
    "apigw_rest": "API Gateway REST",
    "function_url": "a Function URL",
}


# -- caveats --------------------------------------------------------------------------------------
def _flip(rec: pd.DataFrame, column: str, name: str) -> pd.Series:
    other = rec[column]
    return _when(
        other.notna() & (other != rec["verdict"]),
        "verdict becomes " + other.fillna("").astype(str) + f" under the {name} assumptions",
    )


def caveats_column(rec: pd.DataFrame) -> pd.Series:
    """What the model does not see about each function, in plain words."""
    days = rec["days_of_data"].astype(float)
    caveats = [
        _when(
            rec["bursty"],
            "bursty traffic (peak concurrency "
            + number_column(rec["peak_to_mean"], ".0f")
            + "x the mean): autoscaling reacts in minutes, so keep headroom or leave "
            "the bursts on Lambda",
        ),
        _when(
            rec["timeout_s"] > LONG_TIMEOUT_S,
            "long timeout (" + number_column(rec["timeout_s"], ".0f") + " s): requests can run "
            "for minutes; servers need graceful draining when scaling in",
        ),
        _when(
            rec["pc_allocated"] > 0,
            "provisioned concurrency in use ("
            + rec["pc_allocated"].astype(str)
            + "): latency matters here; keep warm capacity on the target",
        ),
        _when(
            days < FEW_DAYS,
            "only " + number_column(days, ".0f") + " days of data: traffic and trend may not be "
            "representative",
        ),
        _when(
            rec["cold_start_sensitive"],
            "cold-start-sensitive runtime ("
            + rec["runtime"].astype(str)
            + ") behind an HTTP front "
            "door: users feel Lambda cold starts; a warm target removes them but needs warm-up "
            "before taking traffic",
        ),
        _flip(rec, "verdict_optimistic", "optimistic"),
        _flip(rec, "verdict_pessimistic", "pessimistic"),
        pd.Series(np.full(len(rec), DATA_TRANSFER_CAVEAT, dtype=object)),
    ]
    return join_columns(caveats)


# -- the crossover in words --------------------------------------------------------------------
def crossover_sentence(multiple: float, invocations: float, max_multiple: float) -> str:
    """Where the crossover is, as a sentence: "Crossover at 7.37x today's run rate (22.1M
    invocations/month)", "Lambda costs more at any traffic", or "No crossover up to 1000x
    today's run rate"."""
    k = float(multiple)
    if not math.isfinite(k):
        return f"No crossover up to {max_multiple:g}x today's run rate"
    if k == 0.0:
        return "Lambda costs more than the cheapest option at any traffic"
    return f"Crossover at {format_multiple(k)} today's run rate ({count(invocations)} invocations/month)"


# -- the forecast in words ----------------------------------------------------------------------
FORECAST_COLUMNS = (
    "crossover_multiple",
    "months_to_crossover",
    "crossover_date_earliest",
    "crossover_date_latest",
    "monthly_growth",
    "monthly_growth_low",
    "monthly_growth_high",
    "forecast_note",
)


def _month(date: Any) -> tuple[str, str] | None:
    """("March", "2027") of an ISO date, or None."""
    if not isinstance(date, str) or not date:
        return None
    ts = pd.Timestamp(date)
    return ts.strftime("%B"), ts.strftime("%Y")


def _date_range(earliest: Any, latest: Any) -> str:
    """'between March and June 2027', 'around March 2027', 'from March 2027 to more than 3
    years away'."""
    lo, hi = _month(earliest), _month(latest)
    if lo is None:
        return "more than 3 years away"
    if hi is None:
        return f"from {lo[0]} {lo[1]} to more than 3 years away"
    if lo == hi:
        return f"around {lo[0]} {lo[1]}"
    if lo[1] == hi[1]:
        return f"between {lo[0]} and {hi[0]} {hi[1]}"
    return f"between {lo[0]} {lo[1]} and {hi[0]} {hi[1]}"


def _growth(growth: float, low: float, high: float) -> str:
    return f"growth {growth:+.1%}/month, 90% interval {low:+.1%} to {high:+.1%}"


def forecast_text(row: Mapping[str, Any] | pd.Series, short: bool = False) -> str:
    """The forecast of one function in words, the same in the app, the CLI, the exports and the
    e-mail: 'between March and June 2027 (in about 4 months; growth +2.0%/month, 90% interval
    +1.4% to +2.6%)', 'already past the crossover', 'more than 3 years away (...)', 'no date:
    traffic is flat (...)'. `short` leaves out the parentheses (for tables)."""
    k = float(row["crossover_multiple"])
    months = float(row["months_to_crossover"])
    note = str(row["forecast_note"] or "")
    growth, low, high = (
        float(row[c]) for c in ("monthly_growth", "monthly_growth_low", "monthly_growth_high")
    )
    measured = math.isfinite(growth) and math.isfinite(low) and math.isfinite(high)
    why = f" ({_growth(growth, low, high)})" if measured and not short else ""
    if math.isfinite(k) and k < 1:
        return "already past the crossover"
    if not measured:
        return f"no date: {note.split(':')[0]}" if note else "no date"
    if not math.isfinite(k):
        return f"no date: no crossover to reach{why}"
    if not math.isfinite(months):
        reason = note.split(":")[0] if note else "no trend"
        return f"no date: {reason}{why}"
    if months > 36:
        return f"more than 3 years away{why}"
    span = _date_range(row["crossover_date_earliest"], row["crossover_date_latest"])
    about = "within a month" if months < 1 else f"in about {months:.0f} months"
    return span if short else f"{span} ({about}; {_growth(growth, low, high)})"


def forecast_column(rec: pd.DataFrame, short: bool = False) -> pd.Series:
    """`forecast_text` for every row of `rec`."""
    cols = [rec[c].tolist() for c in FORECAST_COLUMNS]
    text = [
        forecast_text(dict(zip(FORECAST_COLUMNS, values, strict=True)), short)
        for values in zip(*cols, strict=True)
    ]
    return pd.Series(text, index=rec.index, dtype=object)


# -- the verdict sentence ------------------------------------------------------------------------
def verdict_sentence_column(rec: pd.DataFrame, max_multiple: float) -> pd.Series:
    """The verdict in one sentence per function: the target, sizing, saving and payback when
    Outgrown; the crossover and its forecast date otherwise."""
    target = rec["best_option_kind"].map(KIND_LABELS).fillna("")
    saving = rec["saving_usd_per_month"].astype(float)
    multiple = rec["crossover_multiple"].astype(float)
    k_text = number_column(multiple, ".2f") + "x today's run rate"
    words = rec["forecast"] if "forecast" in rec else forecast_column(rec)
    when = "; forecast: " + words.fillna("").astype(str)
    outgrown = (
        "Move to " + target + ": " + rec["best_option_sizing"].astype(str)
        + "; Move saves " + money_column(saving) + "/month (" + money_column(saving * 12)
        + "/year) against the tuned Lambda, payback " + number_column(rec["payback_months"], ".1f") + " months"
    )  # fmt: skip
    watch = np.where(
        multiple.notna() & (multiple < 1),
        "Watch: " + target + " is already cheaper (crossover at " + k_text + ") but Move saves only "
        + money_column(saving) + "/month, below the Outgrown threshold",
        "Watch: crossover at " + k_text + " ("
        + number_column(rec["crossover_invocations_per_month"], ",.0f")
        + " invocations/month)" + when,
    )  # fmt: skip
    stay = np.where(
        multiple.notna(),
        "Stay on Lambda: crossover at " + k_text + when,
        "Stay on Lambda: no crossover up to " + format(max_multiple, "g") + "x today's run rate",
    )
    verdict = rec["verdict"]
    sentence = np.where(
        verdict == Verdict.OUTGROWN, outgrown, np.where(verdict == Verdict.WATCH, watch, stay)
    )
    return pd.Series(sentence, index=rec.index)


def verdict_sentence(rec: Mapping[str, Any] | pd.Series, max_multiple: float) -> str:
    """`verdict_sentence_column` for one recommendation row (the app's function page)."""
    row = pd.DataFrame([dict(rec)])
    for column in ("best_option_kind",):
        row[column] = row[column].astype(object).where(row[column].notna(), None)
    return str(verdict_sentence_column(row, max_multiple).iloc[0])


def recommendation_column(rec: pd.DataFrame, max_multiple: float) -> pd.Series:
    """The recommendation: the verdict sentence, then what to tune on Lambda."""
    sentence = verdict_sentence_column(rec, max_multiple).reset_index(drop=True)
    return sentence + _when(rec["tune"], "; Tune: " + rec["tune_advice"])
