"""The app a product owner trusts at a glance (AppTest): written What-if labels, a bad value kept
at its field while every page keeps the last valid analysis, the export equal to the CLI's, the
money-first table in words, search, a clicked bubble, and CSV uploads that say what they hold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from app_helpers import WHAT_IF_GROUPS, metric, open_expander, open_what_if_groups, run_app, texts

from analyzer.core.analyze import Analysis, analyze
from analyzer.core.assumptions import FIELDS, Assumptions, optimistic, pessimistic
from analyzer.core.demo import demo_fleet
from analyzer.present import app as m


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    return analyze(demo_fleet())


LABELS_SHOWN = {
    "a_lambda_sp_1y_discount": "Lambda Savings Plan discount, 1 year (%)",
    "a_ec2_spot_discount": "EC2 Spot discount (%)",
    "a_cold_start_rate": "Cold-start rate (% of invocations)",
    "a_alb_requests_per_lcu_second": "ALB requests per second per LCU",
    "a_outgrown_min_saving_usd": "Smallest saving that makes a function Outgrown (USD per month)",
    "a_cpu_busy_fraction": "Share of Lambda's CPU a request keeps busy (%)",
}


def test_every_assumption_is_a_labelled_control_with_its_help_once() -> None:
    at = run_app("what_if")
    # the groups open at first are Commitment and Provisioned sizing; the others' controls are
    # drawn once opened
    assert [e.label for e in at.expander] == list(WHAT_IF_GROUPS)
    assert "a_cold_start_rate" not in {w.key for w in at.slider}
    at = open_what_if_groups(at)
    widgets = [
        *at.toggle,
        *at.selectbox,
        *at.multiselect,
        *at.slider,
        *at.number_input,
        *at.text_input,
    ]
    by_key = {w.key: w for w in widgets}
    for key, label in LABELS_SHOWN.items():  # the garbled ones of the past, as written
        assert by_key[key].label == label
    for name, info in FIELDS.items():
        w = by_key[m.state_key(name)]
        assert w.label == m.ASSUMPTION_LABELS[name]
        assert w.help == info.help
    assert not [c.value for c in at.caption if c.value in {i.help for i in FIELDS.values()}]
    # discounts as percentages: the default 12% reads 12, not 0.12
    assert by_key["a_lambda_sp_1y_discount"].value == 12
    by_key["a_lambda_sp_1y_discount"].set_value(20).run()
    assert not at.exception
    assert "Lambda Savings Plan discount, 1 year (%): **20%**" in texts(at)


def test_an_unpriced_instance_type_keeps_every_page_and_the_last_valid_analysis() -> None:
    at = run_app("what_if")
    before = metric(at, "Possible saving")
    at.selectbox(key="a_pricing_option").set_value("compute_sp_3y").run()
    valid = metric(at, "Possible saving")
    assert valid != before
    at = open_expander(at, WHAT_IF_GROUPS["Options"])
    at.text_input(key="a_instance_types").set_value("m99.huge").run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1  # once, under the field
    assert "m99.huge" in errors[0]
    assert "Showing the last valid analysis" in errors[0]
    assert metric(at, "Possible saving") == valid  # the last valid analysis, not the defaults
    assert [b for b in at.button if b.key == "reset"]
    assert len(at.slider) + len(at.number_input) + len(at.toggle) > 20  # every control is there
    assert "Instance types (empty: the default set) cannot be used" in texts(at)
    for page in ("overview", "function", "export"):
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception
        assert not [e.value for e in at.error if "m99.huge" in e.value]
        assert at.dataframe  # the page shows its analysis
    at.switch_page("app_pages/what_if.py").run()
    # back on the What-if page, the group holding the value that cannot be used is open again
    assert [e.value for e in at.error if "m99.huge" in e.value]
    at.button(key="reset").click().run()
    assert not at.error
    assert metric(at, "Possible saving") == before


def test_an_invalid_what_if_entry_is_explained_once_and_the_last_valid_set_kept() -> None:
    at = run_app("what_if")
    before = metric(at, "Possible saving")
    at = open_expander(at, WHAT_IF_GROUPS["Options"])
    at.text_input(key="a_price_region_proxy").set_value("eu-west-1").run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1
    assert "write region=region" in errors[0]
    assert metric(at, "Possible saving") == before


def test_the_apps_html_export_is_the_clis_byte_for_byte(tmp_path: Path) -> None:
    """The app's process has Streamlit's plotly theme as the default template: the figures name
    theirs, so the file is the one `crossover export` writes for the same recommendations."""
    import subprocess
    import sys

    import plotly.io as pio

    from analyzer.adapters import export
    from analyzer.adapters.pricebooks import resolve_pricebook

    assert pio.templates.default == "streamlit"  # AppTest imported streamlit: the trap is set
    out = tmp_path / "cli.html"
    env = {**__import__("os").environ, "CROSSOVER_DATA_DIR": str(tmp_path / "data")}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "analyzer",
            "export",
            "--demo",
            "--format",
            "html",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    book = resolve_pricebook(None, str(tmp_path / "data"))
    a = Assumptions()
    base, tilted_up, tilted_down = (
        analyze(demo_fleet(), book, x) for x in (a, optimistic(a), pessimistic(a))
    )
    app_bytes = export.render(
        m.export_recommendations(base, tilted_up, tilted_down, m.Filters()), "html"
    )
    assert app_bytes == out.read_bytes()
    assert b"#6a3d9a" in app_bytes  # Lambda's colour from the palette, not a placeholder


def test_two_hours_of_uploaded_traffic_carry_a_visible_warning(tmp_path: Path) -> None:
    functions = pd.DataFrame(
        {"function": ["api"], "memory_mb": [1024], "arch": ["arm64"], "region": ["us-east-1"]}
    )
    traffic = pd.DataFrame(
        {
            "function": "api",
            "timestamp": ["2026-10-01T00:00:00Z", "2026-10-01T01:00:00Z"],
            "invocations": [50_000.0, 52_000.0],
            "duration_sum_ms": [6e6, 6.2e6],
        }
    )
    at = run_app("data_source")
    at.radio(key="source_kind").set_value("Upload CSV files").run()
    at.file_uploader(key="up_functions").set_value(
        ("functions.csv", functions.to_csv(index=False).encode(), "text/csv")
    )
    at.file_uploader(key="up_traffic").set_value(
        ("traffic.csv", traffic.to_csv(index=False).encode(), "text/csv")
    )
    at.run()
    at.button(key="load_csv").click().run()
    assert not at.exception
    warnings = [w.value for w in at.warning if "of traffic" in w.value]
    assert warnings and warnings[0].startswith("Only 2 hours of traffic")
    at.switch_page("app_pages/overview.py").run()
    assert [w.value for w in at.warning if w.value.startswith("Only 2 hours of traffic")]


def test_overview_table_puts_the_money_first_and_words_for_missing_values(
    analysis: Analysis,
) -> None:
    at = run_app()
    t = at.dataframe[0].value
    assert list(t.columns[:5]) == ["Verdict", "Function", "Saving $/month", "Crossover",
                                   "Crossover date"]  # fmt: skip
    shown = t[["Crossover", "Crossover date"]].astype(str).to_numpy().ravel()
    assert not [v for v in shown if v in ("None", "nan", "") or "0.00x" in v or "1000x" in v]
    f = analysis.functions
    none = f[~np.isfinite(f["crossover_multiple"].astype(float))]
    if len(none):
        assert "no crossover up to 1,000× today" in set(t["Crossover"])
    assert m.crossover_text(0.0, 1000) == "cheaper at any traffic"
    assert m.crossover_text(float("nan"), 1000) == "no crossover up to 1,000× today"
    assert m.crossover_text(1000.0, 1000) == "no crossover up to 1,000× today"
    assert m.crossover_text(2.44, 1000) == "2.4× today's run rate"
    row = {
        "crossover_multiple": 0.5,
        "months_to_crossover": 0.0,
        "crossover_date_earliest": None,
        "crossover_date_latest": None,
        "monthly_growth": 0.02,
        "monthly_growth_low": 0.01,
        "monthly_growth_high": 0.03,
        "forecast_note": "already past the crossover",
    }
    assert m.forecast_text(row, short=True) == "already past the crossover"
    flat = {**row, "crossover_multiple": 3.0, "months_to_crossover": float("nan")}
    flat |= {"monthly_growth_low": -0.01, "forecast_note": "traffic is flat: no crossover date"}
    assert m.forecast_text(flat, short=True) == "no date: traffic is flat"


def test_searching_narrows_the_overview_to_matching_names(analysis: Analysis) -> None:
    at = run_app()
    name = str(analysis.functions["name"].iloc[0])
    at.text_input(key="f_search").set_value(name[:6].upper()).run()
    expected = analysis.functions["name"].str.contains(name[:6], case=False, regex=False).sum()
    assert len(at.dataframe[0].value) == expected < len(analysis.functions)


def test_a_clicked_bubble_names_its_function() -> None:
    from analyzer.present.chart_data import FLEET_SELECTION

    state = {"selection": {FLEET_SELECTION: [{"function_id": "f-1"}]}}
    assert m.clicked_function(state) == "f-1"
    assert m.clicked_function({"selection": {}}) is None
