"""Function detail: verdict, cost curves, traffic and forecast, cost breakdown, sizing,
sensitivity, and every assumption and price behind the numbers."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from analyzer.core.recommend import Recommendations
from analyzer.core.vocabulary import HOURS_PER_MONTH, Verdict
from analyzer.present import app as m
from app_pages import common

st.title("Function detail")

with common.guarded():
    a = common.analysis()
    choices = common.function_choices(a)
    ids = list(choices)
    if st.session_state.get(common.FUNCTION_KEY) not in choices:
        st.session_state[common.FUNCTION_KEY] = ids[0]
    fid = str(
        st.selectbox(
            "Function (worst verdict first)",
            ids,
            key=common.FUNCTION_KEY,
            format_func=lambda i: choices.get(i, i),
        )
    )
    row = a.functions[a.functions["function_id"] == fid].iloc[0]
    opts = a.options[a.options["function_id"] == fid].sort_values("monthly_usd")

    sentence = m.verdict_sentence(common.function_rec(a, fid), a.assumptions.max_multiple)
    alerts: dict[str, Callable[[str], object]] = {
        Verdict.OUTGROWN: st.error,
        Verdict.WATCH: st.warning,
    }
    alerts.get(str(row["verdict"]), st.success)(sentence)

    k = float(row["crossover_multiple"])
    # The date reads as words ("between May and August 2027"): it gets a row of its own, where
    # a metric column would cut it off.
    c1, c2, c3, c5 = st.columns(4)
    c4 = st.container()
    c1.metric(
        "Lambda per month (spend)",
        m.money(row["lambda_usd_per_month"]),
        help="Spend: the window's cost per month. Run rate: "
        f"{m.money(row['run_rate_lambda_usd_per_month'])} at the current level",
    )
    c2.metric(
        f"{m.kind_name(row['best_option_kind'])}, per month (spend)",
        m.money(row["best_option_usd_per_month"]),
        help=f"{row['best_option_label']}. Run rate: "
        f"{m.money(row['run_rate_best_option_usd_per_month'])}",
    )
    mm = a.assumptions.max_multiple
    found = np.isfinite(k) and 0 < k < mm
    c3.metric(
        "Crossover traffic per month",
        m.compact(row["crossover_invocations"]) if found else m.crossover_text(k, mm),
        help=f"{m.crossover_text(k, mm)}: today {row['monthly_invocations']:,.0f} "
        "invocations/month",
    )
    growth = float(row["monthly_growth"])
    c5.metric(
        "Traffic growth per month",
        f"{growth:+.1%}" if np.isfinite(growth) else "unknown",
        help=f"Forecast confidence: {row['forecast_confidence']} "
        f"({row['days_of_data']:.0f} days of data)",
    )
    c4.metric(
        "Projected crossover date",
        m.forecast_text(row, short=True),
        help=str(row["forecast_note"]),
    )
    decision_slot = st.empty()  # filled last, when the sensitivity analyses are in
    left, right = st.columns(2)
    left.vega_lite_chart(common.figure(a, "cost_curves", fid), width="stretch", theme=None)
    right.vega_lite_chart(common.figure(a, "traffic", fid), width="stretch", theme=None)
    if np.isfinite(k) and k < 1:
        st.markdown(
            f"Traffic is already {1 / max(k, 1e-9):,.1f}x the crossover level: "
            "the alternative is cheaper today."
            if k > 0
            else "The alternative is cheaper at any traffic level."
        )
    else:
        st.markdown(f"Forecast: {m.forecast_text(row)}. Confidence: {row['forecast_confidence']}.")
    st.caption(
        f"Spend (the window's cost per month): Lambda {m.money(row['lambda_usd_per_month'])}, "
        f"best option {m.money(row['best_option_usd_per_month'])}. Run rate (next month at the "
        f"current level, from the {row['run_rate_basis']}): Lambda "
        f"{m.money(row['run_rate_lambda_usd_per_month'])}, best option "
        f"{m.money(row['run_rate_best_option_usd_per_month'])}. The verdict and the crossover "
        "use the run rate."
    )

    st.vega_lite_chart(common.figure(a, "breakdown", fid), width="stretch", theme=None)

    st.subheader("How each alternative would be sized")
    if not opts.empty:
        best = opts.iloc[0]
        st.markdown(f"Cheapest: **{m.sizing_text(best)}**, over the day as traffic varies.")
    st.dataframe(
        m.options_table(a.options, fid),
        hide_index=True,
        width="stretch",
        column_config={
            c: common.money_column(c)
            for c in (
                "Compute $/month",
                "Load balancer $/month",
                "Operations $/month",
                "Management fee $/month",
                "Requests $/month",
                "Total $/month",
            )
        }
        | {"Price per unit-hour $": st.column_config.NumberColumn(format="$%.4f")},
    )

    st.subheader("Does the verdict survive other assumptions?")
    sens_slot = st.empty()  # filled with the decision figures, below

    # The two reference tables are made and drawn only while their expander is open.
    assumptions_box = st.expander(
        "Every assumption used", key="assumptions_open", on_change="rerun"
    )
    if assumptions_box.open:
        assumptions_box.dataframe(
            m.assumption_table(a.assumptions), hide_index=True, width="stretch"
        )
    prices_box = st.expander(
        f"Every price used (price book as of {a.book.as_of})", key="prices_open", on_change="rerun"
    )
    if prices_box.open:
        prices_box.dataframe(
            m.price_table(
                a.book,
                str(row["region"]),
                str(row["arch"]),
                opts,
                price_regions=list(opts["price_region"].dropna().unique()),
            ),
            hide_index=True,
            width="stretch",
            column_config={"usd": st.column_config.NumberColumn("USD", format="%.10g")},
        )
    st.caption(
        f"{row['days_of_data']:.0f} days of data; monthly figures normalised to {HOURS_PER_MONTH:.0f} hours. "
        f"Errors {row['errors']:,.0f}, throttles {row['throttles']:,.0f} over the window."
    )

    def show_decision(recs: Recommendations) -> None:
        rec = recs.functions[recs.functions["function_id"] == fid]
        if rec.empty:
            return
        cols = st.columns(4)
        helps = {
            "One-time migration cost": "Engineering hours to move it, at the What-if rate",
            "Payback": "Migration cost / monthly saving",
            "Confidence": "From the days of data and whether the verdict holds under the "
            "optimistic and the pessimistic assumptions",
            "Tune saving": "Making Lambda itself cheaper without moving: "
            + (str(rec.iloc[0]["tune_advice"]) or "nothing to tune"),
        }
        for col, (label, text) in zip(cols, m.function_decision(rec.iloc[0]).items(), strict=True):
            col.metric(label, text, help=helps[label])
        labels = m.VERDICT_LABELS
        r = rec.iloc[0]
        sens_slot.markdown(
            f"Verdict **{labels.get(r['verdict'], r['verdict'])}**; optimistic assumptions: "
            f"**{labels.get(r['verdict_optimistic'], r['verdict_optimistic'])}**; pessimistic: "
            f"**{labels.get(r['verdict_pessimistic'], r['verdict_pessimistic'])}**."
            + (
                " The verdict is firm."
                if r["verdict_survives"] == "yes"
                else " The verdict depends on assumptions."
            )
        )

    common.with_recommendations(decision_slot, show_decision)
