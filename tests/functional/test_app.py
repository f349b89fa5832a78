"""The Streamlit app: the pure helpers behind it (app_model) and every page through AppTest."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from app_helpers import APP, metric, open_expander, outgrown_saving, run_app, texts
from bench_helpers import fleetgen
from streamlit.testing.v1 import AppTest

from analyzer.core.analyze import Analysis, analyze
from analyzer.core.assumptions import FIELDS, Assumptions, optimistic, pessimistic
from analyzer.core.demo import demo_fleet
from analyzer.core.pricebook import PriceBook
from analyzer.exceptions import InputError
from analyzer.present import app as m
from analyzer.present.recommendations import recommend


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    return analyze(demo_fleet())


# -- app_model ----------------------------------------------------------------------------------
def test_money_formats_dollars_with_thousands() -> None:
    assert m.money(1240.4) == "$1,240"
    assert m.money(-3.5, 2) == "-$3.50"
    assert m.money(float("nan")) == "–"


def test_outgrown_sentence_names_the_target_the_sizing_and_the_saving() -> None:
    row = {
        "verdict": "outgrown", "best_option_kind": "fargate", "crossover_multiple": 0.4,
        "best_option_sizing": "2-5 tasks of 1 vCPU / 2 GB, autoscaled over the day",
        "saving_usd_per_month": 1240.0, "payback_months": 3.0, "crossover_date": None,
        "crossover_invocations_per_month": 4e6, "forecast": "already past the crossover",
    }  # fmt: skip
    assert m.verdict_sentence(row, max_multiple=50) == (
        "Move to Fargate: 2-5 tasks of 1 vCPU / 2 GB, autoscaled over the day; Move saves "
        "$1,240.00/month ($14,880.00/year) against the tuned Lambda, payback 3.0 months"
    )


def test_watch_and_stay_sentences_give_the_multiple_and_the_date() -> None:
    watch = {
        "verdict": "watch", "best_option_kind": "ec2", "crossover_multiple": 1.6,
        "best_option_sizing": "", "saving_usd_per_month": 0.0, "payback_months": np.nan,
        "crossover_date": "2027-06-01", "crossover_invocations_per_month": 16e6,
        "forecast": "between May and July 2027 (in about 6 months; growth +8.0%/month, 90% "
        "interval +6.0% to +10.0%)",
    }  # fmt: skip
    s = m.verdict_sentence(watch, max_multiple=50)
    assert "1.60x" in s
    assert "16,000,000 invocations/month" in s
    assert "; forecast: between May and July 2027 (in about 6 months" in s
    stay = {**watch, "verdict": "stay", "crossover_multiple": np.nan, "crossover_date": None}
    assert m.verdict_sentence(stay, max_multiple=50) == (
        "Stay on Lambda: no crossover up to 50x today's run rate"
    )


def test_the_app_and_the_exports_say_the_same_sentence(analysis: Analysis) -> None:
    recs = recommend(analysis)
    for _, rec in recs.functions.head(5).iterrows():
        one = m.function_recommendation(analysis, rec["function_id"])
        sentence = m.verdict_sentence(one, analysis.assumptions.max_multiple)
        assert rec["recommendation"].startswith(sentence)


def test_headline_adds_up_the_functions(analysis: Analysis) -> None:
    f = analysis.functions
    h = m.fleet_summary(f)
    outgrown = f["verdict"] == "outgrown"
    assert h.functions == len(f)
    assert h.lambda_usd_per_month == pytest.approx(f["lambda_usd_per_month"].sum())
    assert h.outgrown_lambda_usd_per_month == pytest.approx(
        f.loc[outgrown, "lambda_usd_per_month"].sum()
    )
    assert h.saving_usd_per_month == pytest.approx(outgrown_saving(f))
    assert h.saving_usd_per_year == pytest.approx(12 * outgrown_saving(f))
    assert h.outgrown + h.watch + h.stay == h.functions
    assert m.money(h.saving_usd_per_month) in h.sentence()


def test_filters_combine_and_empty_means_all(analysis: Analysis) -> None:
    f = analysis.functions
    assert len(m.filter_functions(f, m.Filters())) == len(f)
    prod = m.filter_functions(f, m.Filters(environment=("prod",)))
    assert set(prod["environment"]) == {"prod"}
    assert 0 < len(prod) < len(f)
    both = m.filter_functions(f, m.Filters(environment=("prod",), verdict=("outgrown",)))
    assert set(both["verdict"]) == {"outgrown"}
    assert len(both) < len(prod)
    opts = m.filter_options(f)
    assert opts["verdict"] == ["outgrown", "watch", "stay"]
    assert set(opts["account"]) == set(f["account_name"])


def test_a_long_fleet_table_is_shown_a_page_of_100_at_a_time(analysis: Analysis) -> None:
    t = m.fleet_table(pd.concat([analysis.functions] * 4, ignore_index=True))  # 268 rows
    assert m.TABLE_PAGE_ROWS == 100
    assert m.page_count(len(t)) == 3 and m.page_count(67) == 1 and m.page_count(0) == 1
    assert m.table_page(t, 1).equals(t.iloc[:100])  # the worst 100 first
    assert m.table_page(t, 3).equals(t.iloc[200:])  # the last 68
    assert m.table_page(t, 9).equals(t.iloc[200:])  # past the end: the last page
    assert m.table_page(t, 0).equals(t.iloc[:100])


def test_a_paged_table_is_ordered_as_a_whole_by_the_analysis_figures(analysis: Analysis) -> None:
    """A header click sorts the page shown; 'Order' sorts every function, by the numbers (not
    by the words shown: '12.0× today's run rate' sorts after '9.0×' as text)."""
    f = analysis.functions
    t = m.fleet_table(f)
    assert m.order_table(t, f, "Worst first") is t
    by_saving = m.order_table(t, f, "Saving, highest first")
    assert list(by_saving["Saving $/month"]) == sorted(t["Saving $/month"], reverse=True)
    assert sorted(by_saving.index) == sorted(t.index)  # every function, once
    nearest = m.order_table(t, f, "Crossover, nearest first")
    ks = f.set_index("function_id").loc[nearest.index, "crossover_multiple"].to_numpy()
    known = int(np.isfinite(ks).sum())
    assert 0 < known < len(ks)  # the demo has both
    assert np.isfinite(ks[:known]).all() and (np.diff(ks[:known]) >= 0).all()  # none last
    soonest = m.order_table(t, f, "Crossover date, soonest first")
    months = f.set_index("function_id").loc[soonest.index, "months_to_crossover"].to_numpy()
    dated = months[np.isfinite(months)]
    assert (np.diff(dated) >= 0).all() and np.isfinite(months[: len(dated)]).all()
    names = m.order_table(t, f, "Function name, A to Z")["Function"].str.casefold().tolist()
    assert names == sorted(names)


def test_fleet_table_is_worst_first_with_units_in_headers(analysis: Analysis) -> None:
    t = m.fleet_table(analysis.functions)
    assert list(t.columns) == m.FLEET_TABLE_COLUMNS
    order = t["Verdict"].map({"Outgrown": 0, "Watch": 1, "Stay": 2}).to_numpy()
    assert (np.diff(order) >= 0).all()
    out = t[t["Verdict"] == "Outgrown"]["Saving $/month"].to_numpy()
    assert (np.diff(out) <= 0).all()


def test_every_assumption_has_a_control_with_a_written_label_and_help() -> None:
    assert set(m.CONTROLS) == set(FIELDS)
    for name, spec in m.CONTROLS.items():
        info = FIELDS[name]
        assert spec.label == m.ASSUMPTION_LABELS[name]
        assert spec.help == info.help
        if isinstance(info.default, bool):
            assert spec.kind == "toggle"
        scale = 100 if info.unit == "fraction" else 1  # fractions are typed as percentages
        if spec.kind in ("slider", "number") and info.lo is not None:
            assert spec.min_value == pytest.approx(info.lo * scale)
            assert info.hi is not None
            assert spec.max_value == pytest.approx(info.hi * scale)
    assert m.CONTROLS["pricing_option"].kind == "select"
    assert m.CONTROLS["targets"].kind == "multiselect"
    assert m.CONTROLS["min_instances"].integer


def test_widget_defaults_round_trip_to_the_default_assumptions() -> None:
    assert m.assumptions_from_widgets(m.default_widget_values()) == Assumptions()
    values = {
        **m.default_widget_values(),
        "instance_types": "m7g.large, c7g.large",
        "price_region_proxy": "eu-west-1=us-east-1",
        "min_instances": 3,
    }
    a = m.assumptions_from_widgets(values)
    assert a.instance_types == ("m7g.large", "c7g.large")
    assert a.price_region_proxy == {"eu-west-1": "us-east-1"}
    assert m.changed_assumptions(a).keys() == {
        "instance_types",
        "price_region_proxy",
        "min_instances",
    }


def test_bad_widget_values_are_input_errors() -> None:
    with pytest.raises(InputError, match="region=region"):
        m.assumptions_from_widgets({"price_region_proxy": "eu-west-1"})
    with pytest.raises(InputError, match="at least"):
        m.assumptions_from_widgets({"target_utilization": 0.0})


def test_sensitivity_flags_verdicts_that_change(analysis: Analysis) -> None:
    a = analysis.assumptions
    opt = analyze(analysis.fleet, analysis.book, optimistic(a))
    pes = analyze(analysis.fleet, analysis.book, pessimistic(a))
    s = m.sensitivity(analysis.functions, opt.functions, pes.functions)
    assert len(s) == len(analysis.functions)
    same = (s["Verdict"] == s["Optimistic"]) & (s["Verdict"] == s["Pessimistic"])
    assert (s["Survives"] == same).all()
    assert 0 < s["Survives"].sum() < len(s)  # the demo has both kinds
    assert f"{int(same.sum())} of {len(s)}" in m.sensitivity_summary(s)


def test_price_table_keeps_the_functions_region_and_arch(analysis: Analysis) -> None:
    book = PriceBook.load()
    fid = analysis.functions.iloc[0]["function_id"]
    opts = analysis.options[analysis.options["function_id"] == fid]
    t = m.price_table(book, "us-east-1", "arm64", opts)
    assert set(t["region"]) == {"us-east-1"}
    assert set(t["arch"]) <= {"arm64", ""}
    assert t["price"].str.startswith("lambda requests").any()
    assert len(t) > len(opts)
    assert t["usd"].notna().all()


def test_subset_analysis_keeps_only_the_chosen_functions(analysis: Analysis) -> None:
    ids = list(analysis.functions["function_id"].iloc[[3, 1]])
    sub = m.subset_analysis(analysis, ids)
    assert list(sub.functions["function_id"]) == sorted(
        ids, key=list(analysis.functions["function_id"]).index
    )
    assert set(sub.options["function_id"]) == set(ids)
    assert set(sub.fleet.functions["function_id"]) == set(ids)


def test_live_aws_is_off_unless_the_operator_enables_it() -> None:
    assert not m.aws_enabled({})
    assert not m.aws_enabled({"CROSSOVER_ENABLE_AWS": "0"}, {"other": {}})
    assert m.aws_enabled({"CROSSOVER_ENABLE_AWS": "1"})
    assert m.aws_enabled({}, {"crossover": {"enable_aws": True}})
    assert not m.aws_enabled({}, {"crossover": {"enable_aws": False}})


# -- the app (AppTest) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        (None, "Which functions have outgrown Lambda?"),
        ("function", "How each alternative would be sized"),
        ("what_if", "Do the verdicts survive?"),
        ("data_source", "Where should the numbers come from?"),
        ("export", "Recommendations for every function"),
    ],
)
def test_every_page_renders_without_exception(page: str | None, expected: str) -> None:
    at = run_app(page)
    body = texts(at) + "\n".join(r.label for r in at.radio)
    assert expected in body
    assert "Price book as of" in body  # the price book's date is always visible


def test_overview_headline_and_table_follow_the_filters() -> None:
    at = run_app()
    a = analyze(demo_fleet())
    all_saving = metric(at, "Possible saving")
    assert all_saving == f"{m.money(outgrown_saving(a.functions))}/month"
    assert len(at.dataframe[0].value) == len(a.functions)
    at.multiselect(key="f_environment").set_value(["dev"]).run()
    dev = a.functions[a.functions["environment"] == "dev"]
    assert len(at.dataframe[0].value) == len(dev)
    assert metric(at, "Lambda spend") == f"{m.money(dev['lambda_usd_per_month'].sum())}/month"
    assert metric(at, "Possible saving") != all_saving
    assert at.expander[0].label == "Filters and search (1 active)"


def test_what_if_controls_change_the_numbers_on_every_page_and_reset_restores() -> None:
    at = run_app("what_if")
    before = metric(at, "Possible saving")
    at.selectbox(key="a_pricing_option").set_value("compute_sp_3y").run()
    at.number_input(key="a_min_instances").set_value(1).run()
    after = metric(at, "Possible saving")
    assert after != before
    expected = outgrown_saving(
        analyze(
            demo_fleet(), assumptions=Assumptions(pricing_option="compute_sp_3y", min_instances=1)
        ).functions
    )
    assert after == f"{m.money(expected)}/month"
    assert "Pricing commitment: **compute_sp_3y**" in texts(at)
    at.switch_page("app_pages/overview.py").run()
    assert metric(at, "Possible saving") == after  # applied live to the other pages
    assert "2 assumption(s) changed" in texts(at)
    at.switch_page("app_pages/what_if.py").run()
    at.button(key="reset").click().run()
    assert metric(at, "Possible saving") == before
    assert "All assumptions are at their defaults." in texts(at)


def test_after_reset_an_old_value_sent_by_the_browser_cannot_undo_it() -> None:
    """Reset gives every control a new key: Streamlit's browser side, which sometimes kept a
    select's old value after a reset and sent it with the next change (so the old commitment
    came back), has no value for the new control, and a value under the old key is ignored."""
    at = run_app("what_if")
    at.selectbox(key="a_pricing_option").set_value("compute_sp_1y").run()
    assert "Pricing commitment: **compute_sp_1y**" in texts(at)
    at.button(key="reset").click().run()
    assert "All assumptions are at their defaults." in texts(at)
    at.session_state["a_pricing_option"] = "compute_sp_1y"  # the browser's stale value
    at.run()
    assert not at.exception
    assert "All assumptions are at their defaults." in texts(at)
    (commitment,) = [s for s in at.selectbox if s.label == "Pricing commitment"]
    assert commitment.key != "a_pricing_option" and commitment.value == "on_demand"
    commitment.set_value("compute_sp_3y").run()  # the control under its new key works
    assert "Pricing commitment: **compute_sp_3y**" in texts(at)
    at.switch_page("app_pages/overview.py").run()
    assert "1 assumption(s) changed" in texts(at)  # and holds on every page


def test_function_page_shows_verdict_curves_and_crossover_date() -> None:
    at = run_app("function")
    a = analyze(demo_fleet())
    f = a.functions
    dated = f[
        (f["verdict"] == "watch") & f["crossover_date"].notna() & (f["crossover_multiple"] > 1)
    ]
    row = dated.iloc[0]
    at.selectbox(key="fn").set_value(row["function_id"]).run()
    assert not at.exception
    assert metric(at, "Projected crossover date") == m.forecast_text(row, short=True)
    assert metric(at, "Projected crossover date").startswith(("between", "around"))
    body = texts(at)
    one = m.function_recommendation(a, row["function_id"])
    assert m.verdict_sentence(one, a.assumptions.max_multiple) in body
    assert f"Forecast: {m.forecast_text(row)}." in body
    assert "Every price used (price book as of" in "\n".join(e.label for e in at.expander)
    tables = len(at.dataframe)  # the reference tables are made when their expander opens
    at = open_expander(open_expander(at, "prices_open"), "assumptions_open")
    assert len(at.dataframe) == tables + 2
    prices = at.dataframe[-1].value
    assert "usd" in prices.columns and (prices["usd"] > 0).any()


def test_csv_upload_becomes_the_source_and_bad_rows_are_listed(tmp_path: Path) -> None:
    days = 21
    ts = pd.date_range("2026-10-01", periods=days * 24, freq="h", tz="UTC")
    functions = pd.DataFrame(
        {
            "function": ["api", "worker"],
            "memory_mb": [1024, 2048],
            "arch": ["arm64", "x86_64"],
            "region": ["us-east-1", "us-east-1"],
            "environment": ["prod", "prod"],
        }
    )
    traffic = pd.concat(
        [
            pd.DataFrame(
                {
                    "function": name,
                    "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "invocations": rate,
                    "duration_sum_ms": rate * 120.0,
                }
            )
            for name, rate in (("api", 50_000.0), ("worker", 300.0))
        ]
    )
    fpath, tpath = tmp_path / "functions.csv", tmp_path / "traffic.csv"
    functions.to_csv(fpath, index=False)
    traffic.to_csv(tpath, index=False)

    at = run_app("data_source")
    at.radio(key="source_kind").set_value("Upload CSV files").run()
    at.file_uploader(key="up_functions").set_value(
        ("functions.csv", fpath.read_bytes(), "text/csv")
    )
    at.file_uploader(key="up_traffic").set_value(("traffic.csv", tpath.read_bytes(), "text/csv"))
    at.run()
    at.button(key="load_csv").click().run()
    assert not at.exception
    assert "Imported 2 functions" in texts(at)
    # the sidebar follows in the same run, with a name a person reads
    assert "**Data:** CSV upload: functions.csv + traffic.csv · 2 functions" in texts(at)
    assert not [w for w in at.warning if "of traffic" in w.value]  # three weeks: no warning
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 2
    assert set(at.dataframe[0].value["Function"]) == {"api", "worker"}

    bad = functions.assign(memory_mb=[99999, 1024], arch=["arm64", "sparc"])
    at.switch_page("app_pages/data_source.py").run()
    at.radio(key="source_kind").set_value("Upload CSV files").run()
    at.file_uploader(key="up_functions").set_value(
        ("functions.csv", bad.to_csv(index=False).encode(), "text/csv")
    )
    at.file_uploader(key="up_traffic").set_value(("traffic.csv", tpath.read_bytes(), "text/csv"))
    at.run()
    at.button(key="load_csv").click().run()
    assert not at.exception
    assert "2 problem(s) found; nothing was imported." in texts(at)
    errors = next(d.value for d in at.dataframe if "Problem" in d.value.columns)
    assert set(errors["Column"]) == {"memory_mb", "arch"}
    assert set(errors["Line"]) == {2, 3}

    # an upload of 1e308 invocations is refused with its range, never priced into inf/NaN
    absurd = traffic.astype({"invocations": float}).reset_index(drop=True)
    absurd.loc[0, "invocations"] = 1e308
    at.file_uploader(key="up_functions").set_value(
        ("functions.csv", fpath.read_bytes(), "text/csv")
    )
    at.file_uploader(key="up_traffic").set_value(
        ("traffic.csv", absurd.to_csv(index=False).encode(), "text/csv")
    )
    at.run()
    at.button(key="load_csv").click().run()
    assert not at.exception
    assert "1 problem(s) found; nothing was imported." in texts(at)
    errors = next(d.value for d in at.dataframe if "Problem" in d.value.columns)
    assert list(errors["Column"]) == ["invocations"]


def test_live_aws_stays_off_without_the_operator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CROSSOVER_ENABLE_AWS", raising=False)
    at = run_app("data_source")
    at.radio(key="source_kind").set_value("Live AWS").run()
    assert "Live AWS collection is off on this server" in texts(at)
    assert not [b for b in at.button if b.key == "aws_plan"]


def test_export_page_offers_every_format() -> None:
    at = run_app("export")
    fmts = at.radio(key="export_format")
    assert list(fmts.options) == ["CSV (spreadsheets)", "JSON (tools)", "Markdown (tickets, wikis)",
                                  "HTML report (with charts)", "Excel workbook"]  # fmt: skip
    fmts.set_value("md").run()
    assert not at.exception
    assert at.get("download_button")[0].proto.label.startswith("Download Markdown")


@pytest.mark.aws
def test_live_aws_collection_against_a_local_aws(
    moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aws_helpers import MAIN_ACCOUNT, seed_fleet

    seeded = seed_fleet(moto_url, accounts=(MAIN_ACCOUNT,), regions=("us-east-1",), hours=24)
    monkeypatch.setenv("CROSSOVER_ENABLE_AWS", "1")
    at = run_app("data_source")
    at.radio(key="source_kind").set_value("Live AWS").run()
    at.text_input(key="aws_endpoint").set_value(moto_url)
    at.text_input(key="aws_regions").set_value("us-east-1")
    at.number_input(key="aws_days").set_value(1)
    at.button(key="aws_plan").click().run()
    assert not at.exception
    n = len(seeded.functions)
    assert f"**Plan:** {n} functions x" in texts(at)  # the cost estimate comes first
    collect = next(b for b in at.button if b.key == "aws_collect")
    assert collect.label.startswith("2. Collect (about $")
    collect.click().run()
    assert not at.exception
    assert f"Collected {n} functions." in texts(at)
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception
    assert set(at.dataframe[0].value["Function"]) == set(seeded.functions["name"])


@pytest.mark.aws
def test_live_aws_outside_us_east_1_reads_the_region_prices_first(
    moto_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from aws_helpers import MAIN_ACCOUNT, seed_fleet
    from pricing_emulator import running

    from analyzer.adapters.pricebooks import current_refreshed

    seed_fleet(moto_url, accounts=(MAIN_ACCOUNT,), regions=("eu-west-1",), hours=6)
    monkeypatch.setenv("CROSSOVER_ENABLE_AWS", "1")
    monkeypatch.delenv("CROSSOVER_PRICEBOOK", raising=False)
    with running() as emulator:
        monkeypatch.setenv("AWS_ENDPOINT_URL_PRICING", emulator.url)
        at = run_app("data_source")
        at.radio(key="source_kind").set_value("Live AWS").run()
        at.text_input(key="aws_endpoint").set_value(moto_url)
        at.text_input(key="aws_regions").set_value("eu-west-1")
        at.number_input(key="aws_days").set_value(1)
        at.button(key="aws_plan").click().run()
        next(b for b in at.button if b.key == "aws_collect").click().run()
        assert not at.exception
        assert {c["region"] for c in emulator.calls} == {"eu-west-1"}
    saved = current_refreshed(tmp_path / "data")
    assert saved is not None
    assert f"saved as price book {saved.name}" in texts(at)
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception  # the eu-west-1 fleet is priced (the bundled book could not)


def test_a_fleet_of_150_functions_shows_its_table_100_rows_a_page_worst_first() -> None:
    fleet = fleetgen().synthetic_fleet(150, days=7)
    # prices of every option exist in us-east-1 (the benchmark's store does the same)
    fleet = dataclasses.replace(fleet, functions=fleet.functions.assign(region="us-east-1"))
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["fleets"] = {"synthetic": fleet}
    at.session_state["source_id"] = "synthetic"
    at.run()
    assert not at.exception, at.exception
    assert "**150 functions**, worst first: 1 to 100 shown, 100 a page" in texts(at)
    first = at.dataframe[0].value
    assert len(first) == 100
    page = next(x for x in at.number_input if x.label == "Page (of 2)")
    page.set_value(2).run()
    assert "**150 functions**, worst first: 101 to 150 shown" in texts(at)
    second = at.dataframe[0].value
    assert len(second) == 50
    assert set(first.index).isdisjoint(second.index)  # every function once, on one page
    assert len(set(first.index) | set(second.index)) == 150
    rank = {"Outgrown": 0, "Watch": 1, "Stay": 2}  # the worst verdicts come first
    assert rank[str(first["Verdict"].iloc[-1])] <= rank[str(second["Verdict"].iloc[0])]
    assert "Monthly figures are normalised" in texts(at)  # the page below the table is drawn

    # ordered as a whole: the biggest Lambda bill of all 150 heads page 1, and page 1 again
    at.selectbox(key="f_order").set_value("Lambda spend, highest first").run()
    assert "**150 functions**, lambda spend, highest first: 1 to 100 shown" in texts(at)
    top = at.dataframe[0].value
    assert top["Lambda $/month"].iloc[0] == max(
        first["Lambda $/month"].max(), second["Lambda $/month"].max()
    )
    assert list(top["Lambda $/month"]) == sorted(top["Lambda $/month"], reverse=True)


def test_a_what_if_change_stops_the_stale_background_work_before_pricing_the_new_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Changing an assumption while the background analyses of the old values are still being
    priced: this session's stale work is told to stop before the page prices the new values,
    not after (they shared the processor: at 10,000 functions a commitment change took 15 s
    instead of 8 s while the defaults' optimistic and pessimistic analyses ran on)."""
    import threading

    from app_pages import common

    events: list[str] = []
    stop_stale, analyze_now = common._stop_stale, common.analyze

    def stopping(source_id: str, a: Assumptions) -> None:
        events.append(f"stop stale work, keep {a.pricing_option}")
        stop_stale(source_id, a)

    def analysing(fleet: object, book: object, a: Assumptions, **kw: object) -> object:
        if not threading.current_thread().name.startswith("crossover-prefetch"):
            events.append(f"price {a.pricing_option}")  # the page's own analysis
        return analyze_now(fleet, book, a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(common, "_stop_stale", stopping)
    monkeypatch.setattr(common, "analyze", analysing)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["fleets"] = {"demo, its own source": demo_fleet()}  # nothing cached yet
    at.session_state["source_id"] = "demo, its own source"
    at.run()
    at.switch_page("app_pages/what_if.py").run()
    events.clear()
    at.selectbox(key="a_pricing_option").set_value("compute_sp_1y").run()
    assert not at.exception, at.exception
    priced = events.index("price compute_sp_1y")
    assert "stop stale work, keep compute_sp_1y" in events[:priced]


def test_a_change_of_a_verdict_threshold_revises_the_analysis_without_pricing_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What-if: raising the smallest saving that makes a function Outgrown prices nothing
    again (`analyze.revised`: at 10,000 functions a new analysis takes seconds); the page shows
    the verdicts a new analysis gives, and a change of a priced assumption is priced."""
    import threading

    from app_pages import common

    demo = demo_fleet()
    priced: list[str] = []
    analyze_now = common.analyze

    def analysing(fleet: object, book: object, a: Assumptions, **kw: object) -> object:
        if not threading.current_thread().name.startswith("crossover-prefetch"):
            priced.append(a.pricing_option)  # the page's own analysis
        return analyze_now(fleet, book, a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(common, "analyze", analysing)
    at = AppTest.from_file(APP, default_timeout=120)
    source = "demo, a source of this test's own"  # nothing cached yet
    at.session_state["fleets"] = {source: demo}
    at.session_state["source_id"] = source
    at.run()
    at.switch_page("app_pages/what_if.py").run()
    assert priced == ["on_demand"]
    threshold = 2_000.0
    at.session_state[m.state_key("outgrown_min_saving_usd")] = threshold
    at.run()
    assert not at.exception, at.exception
    assert priced == ["on_demand"]  # revised, not priced
    fresh = analyze_now(
        demo, PriceBook.load(), Assumptions(outgrown_min_saving_usd=threshold)
    ).functions
    outgrown = int((fresh["verdict"] == "outgrown").sum())
    before = int((analyze_now(demo, PriceBook.load()).functions["verdict"] == "outgrown").sum())
    assert outgrown < before  # the threshold moved verdicts
    shown = {mt.label: mt.value for mt in at.metric}
    assert shown["Outgrown functions"] == f"{outgrown} of {len(demo.functions)}"
    at.selectbox(key=m.state_key("pricing_option")).set_value("compute_sp_1y").run()
    assert priced == ["on_demand", "compute_sp_1y"]


def test_a_large_fleet_shows_how_many_functions_are_priced_while_the_page_waits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fleet of PROGRESS_FROM functions or more: while the page waits for its analysis (first
    load, then a What-if change), a progress bar says how many functions are priced, chunk by
    chunk; it is gone once the analysis is shown. (Lowered to 150 here: a real threshold is
    two chunks, 4,000 functions.)"""
    from app_pages import common

    fleet = fleetgen().synthetic_fleet(150, days=7)
    fleet = dataclasses.replace(fleet, functions=fleet.functions.assign(region="us-east-1"))
    shown: list[str] = []
    monkeypatch.setattr(common, "PROGRESS_FROM", 150)
    draw = common.st.delta_generator.DeltaGenerator.progress

    def progress(self: object, value: float, text: str | None = None) -> object:
        shown.append(f"{value:.2f} {text}")
        return draw(self, value, text=text)  # type: ignore[arg-type]

    monkeypatch.setattr(common.st.delta_generator.DeltaGenerator, "progress", progress)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["fleets"] = {"synthetic, its own source": fleet}  # nothing cached yet
    at.session_state["source_id"] = "synthetic, its own source"
    at.run()
    assert not at.exception, at.exception
    assert shown == ["1.00 Priced 150 of 150 functions"]  # one chunk of 150
    assert not at.get("progress")  # gone: the analysis is shown
    at.switch_page("app_pages/what_if.py").run()
    shown.clear()
    at.selectbox(key="a_pricing_option").set_value("compute_sp_1y").run()
    assert not at.exception, at.exception
    assert shown == ["1.00 Priced 150 of 150 functions"]  # the What-if change's analysis
    assert not at.get("progress")
    assert "Pricing commitment: **compute_sp_1y**" in texts(at)


@pytest.mark.parametrize("whole", [True, False], ids=["loaded-whole", "block-by-block"])
def test_a_stored_collection_opens_with_the_in_memory_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, whole: bool
) -> None:
    """Data source > Stored collection: a small store is loaded whole, a large one (here: a
    limit of 0 rows) is read block by block at each analysis; the overview's figures are the
    same either way. A new collection in the same store is a new source, never the old
    analysis."""
    from analyzer.adapters import store as store_mod
    from analyzer.adapters.store import Store
    from analyzer.core.demo import demo_fleet

    monkeypatch.setenv("CROSSOVER_DATA_DIR", str(tmp_path))
    if not whole:
        monkeypatch.setattr(store_mod, "IN_MEMORY_ROWS", 0)
    demo = demo_fleet()
    meta = {k: v for k, v in demo.meta.items() if k not in ("start", "end")}
    Store().write_streamed(demo.functions, [demo.traffic], (demo.start, demo.end), meta)
    headline = next(t for t in texts(run_app()).splitlines() if "have outgrown Lambda" in t)

    at = run_app("data_source")
    at.radio(key="source_kind").set_value("Stored collection").run()
    at.button(key="load_store").click().run()
    assert not at.exception
    said = "Loaded 67 functions" if whole else "Opened 67 functions in the store"
    assert said in texts(at)
    assert f"**Data:** Local store ({Store().root}) · 67 functions" in texts(at)
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception
    assert headline in texts(at).splitlines()
    at.switch_page("app_pages/function.py").run()  # its charts read one function's traffic
    assert not at.exception
    assert "How each alternative would be sized" in texts(at)

    # a new collection: ten times the traffic
    busy = demo.traffic.assign(invocations=demo.traffic["invocations"] * 10)
    Store().write_streamed(demo.functions, [busy], (demo.start, demo.end), meta)
    if not whole:  # read again at each analysis: a new one would mix the two collections
        at.switch_page("app_pages/what_if.py").run()
        at.selectbox(key="a_pricing_option").set_value("compute_sp_3y").run()
        at.switch_page("app_pages/overview.py").run()
        assert "has changed since it was opened" in texts(at)
        at.switch_page("app_pages/what_if.py").run()
        at.button(key="reset").click().run()
    at.switch_page("app_pages/data_source.py").run()
    at.radio(key="source_kind").set_value("Stored collection").run()
    at.button(key="load_store").click().run()
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception
    assert headline not in texts(at).splitlines()
