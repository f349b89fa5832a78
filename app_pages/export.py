"""Export: the recommendations of the shown functions as CSV, JSON, Markdown, HTML or Excel."""

from __future__ import annotations

import importlib.util

import streamlit as st

from analyzer.present import app_model as m
from app_pages import common

st.title("Export")

with common.guarded():
    a = common.analysis()
    f = m.filter_functions(a.functions, common.filters())
    flt = common.filters()
    scope = "the functions matching the overview's filters" if flt.active() else "every function"
    st.markdown(
        f"Download recommendations for {scope} ({len(f)} functions), with the assumptions "
        f"and the price book ({a.book.as_of}) they rest on."
    )
    have_export = (
        importlib.util.find_spec("analyzer.adapters.export") is not None
        and importlib.util.find_spec("analyzer.core.recommend") is not None
    )
    if have_export:
        from analyzer.adapters import export
        from analyzer.core.recommend import recommend_fleet

        sid, fleet = common.current_fleet()
        sub = fleet.subset(list(f["function_id"])) if flt.active() else fleet
        recs = recommend_fleet(sub, a.book, a.assumptions)
        mime = {
            "csv": "text/csv",
            "json": "application/json",
            "md": "text/markdown",
            "html": "text/html",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
        cols = st.columns(len(export.FORMATS))
        for col, fmt in zip(cols, export.FORMATS, strict=True):
            col.download_button(
                f"Download {fmt.upper()}",
                data=export.render(recs, fmt),
                file_name=f"crossover-recommendations.{fmt}",
                mime=mime.get(fmt, "application/octet-stream"),
                key=f"dl_{fmt}",
            )
    else:
        st.info(
            "Full exports (JSON, Markdown, HTML, Excel) are not available yet; here is the table."
        )
    table = m.fleet_table(f)
    st.download_button(
        "Download the table (CSV)",
        data=table.to_csv().encode(),
        file_name="crossover-functions.csv",
        mime="text/csv",
        key="dl_table_csv",
    )
    st.dataframe(table, hide_index=True, width="stretch")
