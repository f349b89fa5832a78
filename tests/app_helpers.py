"""Driving the Streamlit app through AppTest: shared by tests/functional/test_app*.py."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def outgrown_saving(functions: pd.DataFrame) -> float:
    return float(functions.loc[functions["verdict"] == "outgrown", "saving_usd_per_month"].sum())


def run_app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    if page:
        at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def open_expander(at: AppTest, key: str) -> AppTest:
    """Open an expander drawn only while open (`on_change="rerun"`), as a click on it does."""
    at.session_state[key] = True
    return at.run()


WHAT_IF_GROUPS = {  # the What-if page's groups of controls (each drawn only while open)
    "Options": "wi_group_options",
    "Commitment": "wi_group_commitment",
    "Provisioned sizing": "wi_group_provisioned_sizing",
    "People": "wi_group_people",
    "Lambda billing": "wi_group_lambda_billing",
    "Verdicts": "wi_group_verdicts",
}


def open_what_if_groups(at: AppTest) -> AppTest:
    """Open every group of the What-if page, as clicks on them do."""
    for key in WHAT_IF_GROUPS.values():
        at.session_state[key] = True
    return at.run()


def metric(at: AppTest, label: str) -> str:
    return next(str(x.value) for x in at.metric if x.label == label)


def texts(at: AppTest) -> str:
    parts = [str(x.value) for x in (*at.markdown, *at.caption, *at.title, *at.subheader)]
    parts += [str(x.value) for x in (*at.error, *at.warning, *at.success, *at.info)]
    return "\n".join(parts)
