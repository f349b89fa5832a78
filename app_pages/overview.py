"""Fleet overview: headline money, the fleet chart, filters and the sortable table."""

from __future__ import annotations

import streamlit as st

from analyzer.core.vocabulary import HOURS_PER_MONTH
from analyzer.present import app as m
from analyzer.present.charts import fleet_chart
from app_pages import common

st.title("Which functions have outgrown Lambda?")

with common.guarded():
    a = common.analysis()
    everything = a.functions
    options = m.filter_options(everything)
    cols = st.columns(5)
    labels = {
        "account": "Account",
        "environment": "Environment",
        "region": "Region",
        "verdict": "Verdict",
        "runtime": "Runtime",
    }
    for col, (key, label) in zip(cols, labels.items(), strict=True):
        wkey = common.FILTER_KEYS[key]
        st.session_state[wkey] = [v for v in st.session_state[wkey] if v in options[key]]
        col.multiselect(
            label,
            options[key],
            key=wkey,
            placeholder="All",
            format_func=(lambda v: m.VERDICT_LABELS.get(v, v)) if key == "verdict" else str,
        )
    search = st.text_input(
        "Search functions",
        key="f_search",
        placeholder="Part of a function name, e.g. checkout",
        help="Narrows the chart and the table to functions whose name contains this text",
    )
    f = m.filter_functions(everything, common.filters())
    if search and search.strip():
        f = f[f["name"].str.contains(search.strip(), case=False, regex=False)]
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

    if f.empty:
        st.info("No functions match these filters.")
    else:
        picked = st.plotly_chart(
            fleet_chart(a, f),
            key="fleet_chart",
            width="stretch",
            on_select="rerun",
            selection_mode="points",
        )
        points = (
            picked.selection.points if picked is not None and hasattr(picked, "selection") else []
        )
        clicked = m.clicked_function(points)
        if clicked is not None:
            st.session_state[common.FUNCTION_KEY] = clicked
            st.switch_page("app_pages/function.py")
        st.caption(
            "Each bubble is a function, sized by its Lambda spend; click one to open it. "
            "Up the chart: traffic can grow "
            "that many times before another option gets cheaper. In the red band, another option "
            "is already cheaper."
        )
        table = m.fleet_table(f, a.assumptions.max_multiple)
        st.markdown(f"**{len(table)} functions**, worst first (click a column to sort):")
        event = st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            height=common.fleet_table_height(len(table)),
            key="fleet_table",
            on_select="rerun",
            selection_mode="single-row",
            column_config=common.fleet_table_config(),
        )
        rows = event.selection.rows if event is not None and hasattr(event, "selection") else []
        if rows:
            st.session_state[common.FUNCTION_KEY] = table.index[rows[0]]
            st.switch_page("app_pages/function.py")
        st.caption(
            "Select a row to open the function. Monthly figures are normalised to "
            f"{HOURS_PER_MONTH:.0f} hours. "
            f"Traffic window {str(a.meta.get('window_start', ''))[:10]} to "
            f"{str(a.meta.get('window_end', ''))[:10]}."
        )
    for note in a.meta.get("notes", []):
        st.caption(f"Note: {note}")
