"""Human tables for the terminal (plain text, fixed width)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analyzer.core.analyze import Analysis
from analyzer.core.selection import VERDICT_RANK
from analyzer.core.vocabulary import HOURS_PER_MONTH, Verdict
from analyzer.present.format import count, multiple
from analyzer.present.format import money as format_money
from analyzer.present.sentences import crossover_sentence, forecast_text
from analyzer.present.summary import fleet_summary
from analyzer.present.terminal import terminal_safe


def money(x: float | None) -> str:
    """$1,240.50, '-' when unknown."""
    return format_money(x, missing="-")


def render(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    """A fixed-width table; every cell shown terminal-safe (names come from data)."""
    rows = [[terminal_safe(c) for c in r] for r in rows]
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def _footer(a: Analysis) -> str:
    pb = a.price_book
    lines = [
        f"Prices: {pb['origin']} price book of {pb['as_of']}. Monthly = {HOURS_PER_MONTH:.0f} hours."
    ]
    lines += [f"Note: {terminal_safe(n)}" for n in a.meta["notes"]]
    return "\n".join(lines)


def cost_table(a: Analysis) -> str:
    out: list[str] = []
    opts = a.options
    by_fn = dict(tuple(opts.groupby("function_id", sort=False))) if not opts.empty else {}
    for _, f in a.functions.iterrows():
        out.append(
            f"{terminal_safe(f['name'])}  ({terminal_safe(f['region'])}, {f['arch']}, {f['memory_mb']} MB, "
            f"{count(f['monthly_invocations'])} invocations/month, {f['avg_duration_ms']:.0f} ms)"
        )
        out.append(
            f"  Lambda {money(f['lambda_usd_per_month'])}/month = requests {money(f['lambda_requests_usd'])}"
            f" + duration {money(f['lambda_duration_usd'])} + storage {money(f['lambda_storage_usd'])}"
            f" + provisioned {money(f['lambda_provisioned_usd'])} + front door {money(f['lambda_front_door_usd'])}"
        )
        out.append(tune_line(f))
        rows = []
        for _, o in by_fn.get(f["function_id"], opts.iloc[0:0]).iterrows():
            rng = (
                f"{o['units_min']}"
                if o["units_min"] == o["units_max"]
                else f"{o['units_min']}-{o['units_max']}"
            )
            rows.append([o["kind"], str(o["label"]), rng, money(o["monthly_usd"])])
        out.append(
            "  "
            + render(["option", "size", "count", "per month"], rows, {2, 3}).replace("\n", "\n  ")
        )
        verdict = f["verdict"].capitalize()
        out.append(
            "  "
            + crossover_sentence(
                f["crossover_multiple"], f["crossover_invocations"], a.assumptions.max_multiple
            )
            + f". Verdict: {verdict}"
            + (
                f", Move saves {money(f['saving_usd_per_month'])}/month"
                if f["verdict"] == Verdict.OUTGROWN
                else ""
            )
            + "\n"
        )
    out.append(_footer(a))
    return "\n".join(out)


def tune_line(f: pd.Series) -> str:
    """The tuned Lambda (what a Move is compared with) and the Tune saving, in one line."""
    changes = []
    if f["tuned_arch"] != f["arch"]:
        changes.append(str(f["tuned_arch"]))
    if f["tuned_front_door"] != f["front_door"]:
        changes.append(f"{FRONT_DOOR_NAMES.get(f['tuned_front_door'], f['tuned_front_door'])}")
    what = f" ({', '.join(changes)})" if changes else " (nothing to tune)"
    return (
        f"  Tuned Lambda {money(f['tuned_lambda_usd_per_month'])}/month{what}: Tune saves "
        f"{money(f['tune_saving_usd_per_month'])}/month; the options below keep its front door"
    )


FRONT_DOOR_NAMES = {
    "apigw_http": "API Gateway HTTP API",
    "apigw_rest": "API Gateway REST",
    "alb": "shared ALB",
    "function_url": "Function URL",
    "none": "no front door",
}


def analysis_table(a: Analysis, limit: int | None = None) -> str:
    f = a.functions.sort_values(
        ["verdict", "saving_usd_per_month", "lambda_usd_per_month"],
        key=lambda s: s.map(VERDICT_RANK) if s.name == "verdict" else -s,
    )
    if limit:
        f = f.head(limit)
    rows = []
    for _, r in f.iterrows():
        when = forecast_text(r, short=True)
        best = (
            f"{r['best_option_kind']} {r['best_option_label']}"
            if isinstance(r["best_option_kind"], str)
            else "-"
        )
        rows.append(
            [
                r["verdict"],
                r["environment"],
                r["region"],
                r["name"],
                count(r["monthly_invocations"]),
                money(r["lambda_usd_per_month"]),
                best,
                money(r["best_option_usd_per_month"]),
                multiple(r["crossover_multiple"]),
                when,
                money(r["saving_usd_per_month"]) if r["verdict"] == Verdict.OUTGROWN else "-",
                money(r["tune_saving_usd_per_month"])
                if r["tune_saving_usd_per_month"] >= 0.005
                else "-",
            ]
        )
    summary = fleet_summary(a.functions)
    head = render(
        [
            "verdict",
            "env",
            "region",
            "function",
            "inv/mo",
            "Lambda/mo",
            "best option",
            "best/mo",
            "crossover",
            "forecast",
            "move/mo",
            "tune/mo",
        ],
        rows,
        {4, 5, 7, 8, 10, 11},
    )
    totals = (
        f"\n{summary.functions} functions: {summary.outgrown} outgrown, {summary.watch} watch, "
        f"{summary.stay} stay. Lambda {money(summary.lambda_usd_per_month)}/month spend, "
        f"{money(summary.run_rate_lambda_usd_per_month)}/month at the run rate. Move: moving "
        f"the outgrown functions saves {money(summary.saving_usd_per_month)}/month on spend "
        f"({money(summary.saving_usd_per_year)}/year), "
        f"{money(summary.run_rate_saving_usd_per_month)}/month at the run rate, against a tuned "
        "Lambda. Tune: tuning "
        f"Lambda itself (arm64, front door) saves {money(summary.tune_usd_per_month)}/month."
    )
    failures = a.fleet.meta.get("failures") or []
    fail = "".join(
        "\n"
        + terminal_safe(
            f"Failed: account {x.get('account_id')} {x.get('region')}: {x.get('error')}"
        )
        for x in failures
    )
    return head + "\n" + totals + fail + "\n" + _footer(a)


__all__ = ["analysis_table", "cost_table", "count", "money", "multiple", "pd"]
