"""Export: recommendations for the shown functions as CSV, JSON, Markdown, HTML or Excel."""

from __future__ import annotations

import streamlit as st

from analyzer.adapters.export import FORMATS
from analyzer.present import app as m
from app_pages import common

NAMES = {
    "csv": "CSV (spreadsheets)",
    "json": "JSON (tools)",
    "md": "Markdown (tickets, wikis)",
    "html": "HTML report (with charts)",
    "xlsx": "Excel workbook",
}

st.title("Export")

with common.guarded():
    a = common.analysis()
    flt = common.filters()
    f = m.filter_functions(a.functions, flt)
    scope = "the functions matching the overview's filters" if flt.active() else "every function"
    st.markdown(
        f"Recommendations for {scope} (**{len(f)} functions**): verdict, best alternative and "
        f"its sizing, saving, payback, sensitivity, with every assumption and the prices "
        f"(price book of {a.book.as_of}) they rest on."
    )
    if f.empty:
        st.info("No functions match the filters: nothing to export.")
    else:
        fmt = st.radio(
            "Format",
            list(FORMATS),
            format_func=lambda x: NAMES.get(x, x),
            key="export_format",
            horizontal=True,
        )
        mime, ext = FORMATS[fmt]
        st.download_button(
            f"Download {NAMES.get(fmt, fmt)}",
            data=common.export_bytes(common.assumptions(), flt, fmt),
            file_name=f"crossover-recommendations{ext}",
            mime=mime,
            key="download_export",
            type="primary",
        )
        preview = m.fleet_table(f, a.assumptions.max_multiple)
        st.dataframe(
            preview,
            hide_index=True,
            width="stretch",
            height=common.fleet_table_height(len(preview)),
            column_config=common.fleet_table_config(),
        )
