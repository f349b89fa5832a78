"""Crossover: which Lambda functions have outgrown Lambda, and when will the rest?

The Streamlit app for product owners. `make run` starts it on the demo fleet (127.0.0.1 only).
This file only describes the UI; the numbers come from `analyzer` (see app_pages/common.py).
"""

from __future__ import annotations

import streamlit as st

from app_pages import common

# The icon is drawn here: an emoji or :material: page icon makes the browser fetch it from a CDN,
# and the app loads nothing from outside the machine it runs on.
st.set_page_config(page_title="Crossover", page_icon=common.page_icon(), layout="wide")
common.init_state()
st.html(common.PAGE_STYLE)  # a style only: nothing drawn, nothing fetched

pages = st.navigation(
    [
        st.Page(
            "app_pages/overview.py",
            title="Fleet overview",
            icon=":material/bubble_chart:",
            default=True,
        ),
        st.Page("app_pages/function.py", title="Function detail", icon=":material/query_stats:"),
        st.Page("app_pages/what_if.py", title="What-if", icon=":material/tune:"),
        st.Page("app_pages/data_source.py", title="Data source", icon=":material/database:"),
        st.Page("app_pages/export.py", title="Export", icon=":material/download:"),
    ]
)
try:
    with common.page_run():  # the background analyses wait meanwhile
        pages.run()
        with common.guarded():  # after the page: an upload or a reset on it shows in the sidebar
            common.sidebar(common.analysis())
finally:  # also when the page switches or stops: the queued analyses must not wait forever
    common.start_prefetch()
