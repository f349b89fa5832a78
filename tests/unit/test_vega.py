"""The app's Vega-Lite charts as specs: what a product owner sees in them (colours, axes,
hover, the click that opens a function), checked on the chart's JSON."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pandas as pd
import pytest

from analyzer.core.analyze import Analysis, analyze
from analyzer.core.demo import demo_fleet
from analyzer.present.app import clicked_function
from analyzer.present.chart_data import FLEET_SELECTION
from analyzer.present.palette import CROSSOVER_COLOR, KIND_COLORS, PART_COLORS, VERDICT_COLORS
from analyzer.present.sentences import forecast_text
from analyzer.present.vega import CANVAS_FUNCTIONS, dataset_rows, fleet_chart
from analyzer.present.vega_function import breakdown_chart, cost_curve_chart, traffic_chart


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    return analyze(demo_fleet())


def _bubbles(spec: dict[str, Any]) -> dict[str, Any]:
    """The layer that draws the functions."""
    return next(layer for layer in spec["layer"] if layer["mark"]["type"] == "circle")


def _rows(spec: dict[str, Any], layer: dict[str, Any]) -> list[dict[str, Any]]:
    return dataset_rows(spec, layer["data"]["name"])


def test_one_colour_and_legend_entry_per_verdict_from_the_palette(analysis: Analysis) -> None:
    spec = fleet_chart(analysis)
    color = _bubbles(spec)["encoding"]["color"]
    assert color["scale"]["domain"] == ["Outgrown", "Watch", "Stay"]
    assert color["scale"]["range"] == [
        VERDICT_COLORS["outgrown"],
        VERDICT_COLORS["watch"],
        VERDICT_COLORS["stay"],
    ]
    assert color["legend"]["title"] == "Verdict"
    # a filter that keeps only Stay functions shows one legend entry, still green
    stay = analysis.functions[analysis.functions["verdict"] == "stay"]
    color = _bubbles(fleet_chart(analysis, stay))["encoding"]["color"]
    assert (color["scale"]["domain"], color["scale"]["range"]) == (
        ["Stay"],
        [VERDICT_COLORS["stay"]],
    )


def test_both_axes_are_log_with_a_labelled_tick_at_every_decade(analysis: Analysis) -> None:
    one = analysis.functions.iloc[[0]]  # a filter down to one function keeps two decades
    for f in (analysis.functions, one):
        enc = _bubbles(fleet_chart(analysis, f))["encoding"]
        for axis, unit in (("x", "Invocations per month"), ("y", "Crossover multiple")):
            assert enc[axis]["scale"]["type"] == "log"
            assert enc[axis]["title"].startswith(unit) and "(log scale)" in enc[axis]["title"]
            lo, hi = enc[axis]["scale"]["domain"]
            ticks = enc[axis]["axis"]["values"]
            assert ticks[0] == lo and ticks[-1] == hi and hi / lo >= 100
            assert all(b == pytest.approx(a * 10) for a, b in itertools.pairwise(ticks))


def test_every_function_is_a_bubble_sized_by_spend_and_outgrown_ones_sit_in_the_red_zone(
    analysis: Analysis,
) -> None:
    spec = fleet_chart(analysis)
    layer = _bubbles(spec)
    rows = _rows(spec, layer)
    assert len(rows) == len(analysis.functions)
    biggest = max(rows, key=lambda r: r["lambda"])
    assert biggest["area"] == max(r["area"] for r in rows) == pytest.approx(48**2)
    assert all(r["headroom"] < 1 for r in rows if r["Verdict"] == "Outgrown")
    zone = next(x for x in spec["layer"] if x["mark"]["type"] == "rect")
    (band,) = _rows(spec, zone)
    assert (band["y"], band["y2"]) == (0.01, 1.0)
    assert zone["mark"]["color"] == VERDICT_COLORS["outgrown"]


def test_hovering_a_bubble_names_the_function_where_it_runs_and_its_money(
    analysis: Analysis,
) -> None:
    spec = fleet_chart(analysis)
    layer = _bubbles(spec)
    tips = {t.get("title", t["field"]): t.get("format") for t in layer["encoding"]["tooltip"]}
    assert tips["Function"] is None and tips["Runs in"] is None
    assert tips["Lambda $/month"] == tips["Saving $/month"] == "$,.2f"
    row = analysis.functions.iloc[0]
    shown = next(r for r in _rows(spec, layer) if r["function_id"] == row["function_id"])
    assert shown["Function"] == row["name"]
    assert shown["Runs in"] == f"{row['account_name']} ({row['environment']}), {row['region']}"
    assert shown["lambda"] == pytest.approx(row["lambda_usd_per_month"])


def test_a_click_selects_the_function_and_the_app_reads_which(analysis: Analysis) -> None:
    spec = fleet_chart(analysis)
    (param,) = spec["params"]
    assert param["name"] == FLEET_SELECTION
    assert param["views"] == [_bubbles(spec)["name"]]  # on the bubbles
    assert param["select"] == {"type": "point", "fields": ["function_id"], "on": "click"}
    state = {"selection": {FLEET_SELECTION: [{"function_id": "f-1"}]}}
    assert clicked_function(state) == "f-1"
    assert clicked_function({"selection": {FLEET_SELECTION: []}}) is None
    assert clicked_function(None) is None


def test_only_the_filtered_functions_are_drawn_and_a_large_fleet_on_one_canvas(
    analysis: Analysis,
) -> None:
    prod = analysis.functions[analysis.functions["environment"] == "prod"]
    spec = fleet_chart(analysis, prod)
    names = {r["Function"] for r in _rows(spec, _bubbles(spec))}
    assert names == set(prod["name"]) and len(prod) < len(analysis.functions)
    assert "usermeta" not in spec  # SVG: one element per bubble, with its aria label
    big = pd.concat([analysis.functions] * 150, ignore_index=True)  # 10,050 functions
    big["function_id"] = [f"f-{i}" for i in range(len(big))]
    assert len(big) > CANVAS_FUNCTIONS
    spec = fleet_chart(analysis, big)
    assert spec["usermeta"] == {"embedOptions": {"renderer": "canvas"}}
    assert len(_rows(spec, _bubbles(spec))) == 10_050


def _fid(a: Analysis, verdict: str, dated: bool = False) -> str:
    f = a.functions[a.functions["verdict"] == verdict]
    if dated:
        f = f[f["crossover_date"].notna() & (f["crossover_multiple"] > 1)]
    return str(f.sort_values("lambda_usd_per_month").iloc[-1]["function_id"])


def _layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every layer, nested layers (the unified hover) flattened."""
    out: list[dict[str, Any]] = []
    for layer in spec["layer"]:
        out += _layers(layer) if "layer" in layer else [layer]
    return out


def _mark(layer: dict[str, Any]) -> str:
    mark = layer["mark"]
    return str(mark["type"] if isinstance(mark, dict) else mark)


def test_cost_curves_one_colour_and_dash_per_kind_and_the_crossover_in_the_legend(
    analysis: Analysis,
) -> None:
    fid = _fid(analysis, "watch", dated=True)
    row = analysis.functions.set_index("function_id").loc[fid]
    spec = cost_curve_chart(analysis, fid)
    lines = next(x for x in _layers(spec) if _mark(x) == "line")
    color, dash = lines["encoding"]["color"]["scale"], lines["encoding"]["strokeDash"]["scale"]
    legend = dict(zip(color["domain"], color["range"], strict=True))
    for name, kind in (("Lambda", "lambda"), ("EC2", "ec2"), ("Fargate", "fargate")):
        assert legend[name] == KIND_COLORS[kind]
    assert legend["Lambda Managed Instances"] == KIND_COLORS["lmi"]
    crossing = row["crossover_multiple"] * row["monthly_invocations"]
    assert legend[f"Crossover ({crossing:,.0f} invocations/month)"] == CROSSOVER_COLOR
    dashes = dict(zip(dash["domain"], dash["range"], strict=True))
    assert dashes["Fargate"] != dashes["Lambda Managed Instances"]  # apart in grey print too
    assert "Cost, USD per month" in lines["encoding"]["y"]["title"]
    assert lines["encoding"]["x"]["scale"]["type"] == lines["encoding"]["y"]["scale"]["type"]
    assert lines["encoding"]["x"]["scale"]["type"] == "log"
    here = next(x for x in _layers(spec) if _mark(x) == "point" and x["mark"].get("shape"))
    (today,) = _rows(spec, here)
    assert today["usd"] == pytest.approx(row["lambda_usd_per_month"])
    assert spec["title"]["text"] == f"{row['name']}: cost by traffic"


def test_hovering_the_cost_curves_shows_every_option_at_that_traffic(analysis: Analysis) -> None:
    spec = cost_curve_chart(analysis, _fid(analysis, "outgrown"))
    hover = next(
        x
        for x in _layers(spec)
        if x["encoding"].get("tooltip") and _mark(x) == "point" and not x["mark"].get("shape")
    )
    titles = [t.get("title") for t in hover["encoding"]["tooltip"]]
    assert titles[0] == "Invocations per month"
    assert {"Lambda", "EC2", "Fargate", "Lambda Managed Instances"} <= set(titles)
    (near,) = [p for p in spec["params"] if p["name"] == "curve_hover"]
    assert near["select"]["nearest"] is True  # the nearest traffic, not one line at a time


def test_traffic_chart_shows_history_trend_crossover_and_the_projected_date(
    analysis: Analysis,
) -> None:
    fid = _fid(analysis, "watch", dated=True)
    row = analysis.functions[analysis.functions["function_id"] == fid].iloc[0]
    spec = traffic_chart(analysis, fid)
    lines = next(x for x in _layers(spec) if _mark(x) == "line")
    domain = lines["encoding"]["color"]["scale"]["domain"]
    assert domain[0] == "Invocations per day"
    assert domain[1].startswith("Trend (") and "per month)" in domain[1]
    assert domain[2].startswith("Crossover: ") and "× today)" in domain[2]
    assert lines["encoding"]["color"]["scale"]["range"][2] == CROSSOVER_COLOR
    texts = [r["text"] for x in _layers(spec) if _mark(x) == "text" for r in _rows(spec, x)]
    assert f"projected crossover {row['crossover_date']}" in texts
    assert spec["title"]["text"].endswith(forecast_text(row, short=True))


def test_breakdown_stacks_each_part_in_its_colour_with_each_bars_total(
    analysis: Analysis,
) -> None:
    fid = _fid(analysis, "outgrown")
    row = analysis.functions.set_index("function_id").loc[fid]
    spec = breakdown_chart(analysis, fid)
    bars = next(x for x in _layers(spec) if _mark(x) == "bar")
    scale = bars["encoding"]["color"]["scale"]
    assert scale["range"] == [PART_COLORS[n] for n in scale["domain"]]
    text = next(x for x in _layers(spec) if _mark(x) == "text")
    totals = _rows(spec, text)
    assert totals[0]["bar"] == "Lambda\ntoday"
    assert totals[0]["text"] == f"${row['lambda_usd_per_month']:,.0f}"
    parts = [r for r in _rows(spec, bars) if r["bar"] == "Lambda\ntoday"]
    assert sum(r["usd"] for r in parts) == pytest.approx(row["lambda_usd_per_month"], abs=0.01)


def test_every_chart_is_a_valid_vega_lite_spec(analysis: Analysis) -> None:
    """The specs are written as dicts: checked against the Vega-Lite schema Altair bundles
    (what Altair's `to_dict()` checked before), datasets as the rows Vega reads."""
    from altair.utils.schemapi import validate_jsonschema
    from altair.vegalite.v6.schema import load_schema

    schema = load_schema()
    fid = _fid(analysis, "watch", dated=True)
    stay = analysis.functions[analysis.functions["verdict"] == "stay"]
    specs = [
        fleet_chart(analysis),
        fleet_chart(analysis, stay),
        cost_curve_chart(analysis, fid),
        traffic_chart(analysis, fid),
        breakdown_chart(analysis, fid),
        cost_curve_chart(analysis, _fid(analysis, "outgrown")),
        traffic_chart(analysis, _fid(analysis, "stay")),
    ]
    for spec in specs:
        rows = {name: dataset_rows(spec, name) for name in spec["datasets"]}
        validate_jsonschema(json.loads(json.dumps({**spec, "datasets": rows})), schema)
        named = {x["data"]["name"] for x in spec["layer"] if "data" in x}
        assert named == set(spec["datasets"])  # every dataset drawn, none missing
