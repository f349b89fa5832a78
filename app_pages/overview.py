"""Fleet overview: headline money, what a decision needs, what changed since the last report,
the fleet chart, filters and the sortable table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analyzer.core.recommend import Recommendations
from analyzer.core.vocabulary import HOURS_PER_MONTH
from analyzer.present import app as m
from analyzer.present.chart_data import FLEET_SELECTION
from app_pages import common

FILTER_LABELS = {
    "account": "Account",
    "environment": "Environment",
    "region": "Region",
    "verdict": "Verdict",
    "runtime": "Runtime",
}


def opened_function() -> str | None:
    """The function a bubble click or a table row selection asks to open, read before anything
    is computed or drawn (the run it starts only switches page)."""
    clicked = m.clicked_function(st.session_state.get("fleet_chart"))
    if clicked is not None:
        return clicked
    table = st.session_state.get("fleet_table")
    rows = table.get("selection", {}).get("rows", []) if table else []
    shown = st.session_state.get("_overview_rows", [])
    return str(shown[rows[0]]) if rows and rows[0] < len(shown) else None


def open_function() -> None:
    """The chart's and the table's selection callback: the function page is the next run (the
    overview is not run again first only to switch page)."""
    opened = opened_function()
    if opened is not None:
        st.session_state[common.FUNCTION_KEY] = opened
        st.switch_page("app_pages/function.py")


open_function()  # a selection made without its callback (the page's first run after it)

st.title("Which functions have outgrown Lambda?")

with common.guarded():
    a = common.analysis()
    everything = a.functions
    options = m.filter_options(everything)
    for key in FILTER_LABELS:  # values a new analysis no longer has are dropped
        wkey = common.FILTER_KEYS[key]
        st.session_state[wkey] = [v for v in st.session_state[wkey] if v in options[key]]
    search = str(st.session_state.get("f_search") or "").strip()
    f = m.filter_functions(everything, common.filters())
    if search:
        f = f[f["name"].str.contains(search, case=False, regex=False)]
    h = m.fleet_summary(f)

    st.markdown(f"#### {h.sentence()}")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(
        "Lambda spend",
        f"{m.money(h.lambda_usd_per_month)}/month",
        help="All shown functions: the window's cost per month. At the run rate (next month "
        f"at the current level of traffic): {m.money(h.run_rate_lambda_usd_per_month)}/month",
    )
    c2.metric(
        "Spend on outgrown functions",
        f"{m.money(h.outgrown_lambda_usd_per_month)}/month",
        help=f"{h.outgrown} function(s) that are cheaper elsewhere today",
    )
    c3.metric(
        "Possible saving",
        f"{m.money(h.saving_usd_per_month)}/month",
        help="Moving every Outgrown function to its cheapest alternative. At the run rate: "
        f"{m.money(h.run_rate_saving_usd_per_month)}/month",
    )
    c4.metric("Possible saving per year", f"{m.money(h.saving_usd_per_year)}/year")
    # Filled when the sensitivity analyses behind it are priced (in the background).
    decision_slot = st.empty()
    changes = common.changes_since_last_report(a, f["function_id"])
    if changes is not None:
        st.caption(f"**What changed.** {changes.sentence()}")

    active = sum(bool(st.session_state.get(k)) for k in common.FILTER_KEYS.values())
    active += bool(search)
    title = "Filters and search" + (f" ({active} active)" if active else "")
    # Drawn while folded (not `on_change="rerun"`): opening it must not redraw a 10,000-bubble
    # chart, and loading the pickers lazily did not make a new visitor's overview measurably faster.
    with st.expander(title, expanded=bool(active)):
        cols = st.columns(5)
        for col, (key, label) in zip(cols, FILTER_LABELS.items(), strict=True):
            col.multiselect(
                label,
                options[key],
                key=common.FILTER_KEYS[key],
                placeholder="All",
                format_func=(lambda v: m.VERDICT_LABELS.get(v, v)) if key == "verdict" else str,
            )
        st.text_input(
            "Search functions",
            key="f_search",
            placeholder="Part of a function name, e.g. checkout",
            help="Narrows the chart and the table to functions whose name contains this text",
        )

    if f.empty:
        st.info("No functions match these filters.")
        st.session_state["_overview_rows"] = []
    else:
        st.vega_lite_chart(
            common.fleet_figure(a, f),
            key="fleet_chart",
            width="stretch",
            theme=None,
            on_select=open_function,
            selection_mode=FLEET_SELECTION,
        )
        st.caption(
            "Each bubble is a function, sized by its Lambda spend; click one to open it. "
            "Up the chart: traffic can grow "
            "that many times before another option gets cheaper. In the red band, another option "
            "is already cheaper."
        )
        table = common.fleet_table(a, f)
        pages = m.page_count(len(table))
        shown: pd.DataFrame = table
        if pages == 1:
            st.markdown(f"**{len(table)} functions**, worst first (click a column to sort):")
        else:  # a page at a time: the browser draws 100 rows, not 10,000
            order = st.selectbox(
                "Order",
                list(m.TABLE_ORDERS),
                key="f_order",
                help="Orders every function, then shows them a page at a time (a click on a "
                "column header sorts only the page shown)",
            )
            table = m.order_table(table, f, order)
            ids = common.ids_key(f) + order
            if st.session_state.get("_paged") != ids:  # other functions or order: page 1
                st.session_state["_paged"] = ids
                st.session_state["f_page"] = 1
            page = min(max(int(st.session_state.get("f_page") or 1), 1), pages)
            st.session_state["f_page"] = page
            shown = m.table_page(table, page)
            first = (page - 1) * m.TABLE_PAGE_ROWS + 1
            st.markdown(
                f"**{len(table):,} functions**, {order.lower()}: {first:,} to "
                f"{first + len(shown) - 1:,} shown, {m.TABLE_PAGE_ROWS} a page (search or "
                "filter to narrow them down):"
            )
            st.number_input(f"Page (of {pages:,})", 1, pages, step=1, key="f_page")
        st.session_state["_overview_rows"] = list(shown.index)
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            height=common.fleet_table_height(len(shown)),
            key="fleet_table",
            on_select=open_function,
            selection_mode="single-row",
            column_config=common.fleet_table_config(),
        )
        st.caption(
            "Select a row to open the function. Monthly figures are normalised to "
            f"{HOURS_PER_MONTH:.0f} hours. "
            f"Traffic window {str(a.meta.get('window_start', ''))[:10]} to "
            f"{str(a.meta.get('window_end', ''))[:10]}."
        )
    for note in a.meta.get("notes", []):
        st.caption(f"Note: {note}")

    kept = f["function_id"]

    def show_decision(recs: Recommendations) -> None:
        d = m.decision(recs.functions[recs.functions["function_id"].isin(kept)])
        d1, d2, d3, d4 = st.columns(4)
        d1.metric(
            "Firm Outgrown verdicts",
            d.firm_text(),
            help="Outgrown verdicts that hold under both the optimistic and the pessimistic "
            "assumptions (What-if page)",
        )
        d2.metric(
            "One-time migration cost",
            m.money(d.migration_cost_usd),
            help="Engineering hours to move every Outgrown function, at the What-if rate",
        )
        d3.metric("Payback", d.payback_text(), help="Migration cost / monthly saving")
        d4.metric(
            "Tune saving",
            f"{m.money(d.tune_usd_per_month)}/month",
            help="Making Lambda itself cheaper without moving (arm64, front door, idle "
            "provisioned concurrency, memory): every function, on top of the Move saving",
        )
        st.markdown(d.sentence())

    common.with_recommendations(decision_slot, show_decision)
