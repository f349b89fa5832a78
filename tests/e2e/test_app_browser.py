"""End to end in a real headless Chromium: the app as a product owner sees it.

Needs the system's chromium (never downloads a browser); skipped with a reason when absent.
The screenshots in docs/ come from `benchmarks/app_browser.py --screenshots docs/`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from analyzer.adapters.pricebooks import resolve_pricebook
from analyzer.core.analyze import analyze
from analyzer.core.demo import demo_fleet
from analyzer.core.recommend import Recommendations
from analyzer.present.recommendations import recommend_fleet
from analyzer.present.sentences import forecast_text

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data directory for the app and the CLI: the same (bundled) price book."""
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[str]:
    port = _free_port()
    log = (tmp_path_factory.mktemp("streamlit") / "streamlit.log").open("wb")
    env = {
        **os.environ,
        "CROSSOVER_ENABLE_AWS": "",
        "CROSSOVER_DATA_DIR": str(data_dir),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start (exit {proc.poll()})")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


FLEET_CHART = '[data-testid="stVegaLiteChart"]'
"""The overview's fleet chart (Vega-Lite: the overview needs no Plotly script)."""
FUNCTION_CHART = FLEET_CHART
"""The function page's charts: cost curves, traffic, bill by part (Vega-Lite too)."""

REQUESTS: list[str] = []
"""Every URL any page of this module asked for (all must be on 127.0.0.1)."""


def _page(browser: Browser, width: int = 1440, height: int = 900) -> Page:
    page = browser.new_page(viewport={"width": width, "height": height}, accept_downloads=True)
    page.on("request", lambda r: REQUESTS.append(r.url))
    return page


def _open_function(page: Page, app_url: str, row: Any) -> None:
    """Open the function page and pick `row`'s function in the selector, as a user types it."""
    label = f"{row['name']} · {row['account_name']} ({row['environment']}) · {row['region']}"
    page.goto(f"{app_url}/function")
    box = page.locator('[data-testid="stSelectbox"]').first
    box.wait_for(timeout=60_000)
    box.locator("input").click()
    box.locator("input").fill(label)
    page.keyboard.press("Enter")


def _wait_ready(page: Page) -> None:
    """Until Streamlit has finished running the script (no 'Running…' status)."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=60_000)


def _legend(page: Page, index: int = 0) -> dict[str, str]:
    """A rendered Vega chart's legend, read from the page: entry label -> line colour."""
    return dict(
        page.evaluate(
            """i => { const c = document.querySelectorAll('[data-testid="stVegaLiteChart"]')[i];
               const paths = c.querySelectorAll('.role-legend-symbol path');
               const texts = c.querySelectorAll('.role-legend-label text');
               return [...texts].map((t, k) => [t.textContent, paths[k].getAttribute('stroke')]); }""",
            index,
        )
    )


def _open_filters(page: Page) -> None:
    """The overview's filters sit in an expander, collapsed while none is active."""
    page.locator('[data-testid="stExpander"] summary').filter(has_text="Filters").click()


def _demo_recommendations(data_dir: Path) -> Recommendations:
    """The demo's recommendations with the app's price book (the data directory's)."""
    return recommend_fleet(demo_fleet(), resolve_pricebook(data_dir=data_dir))


def test_overview_chart_renders_and_a_filter_changes_the_table(
    app_url: str, browser: Browser, tmp_path: Path
) -> None:
    a = analyze(demo_fleet())
    n_all = len(a.functions)
    n_dev = int((a.functions["environment"] == "dev").sum())
    page = _page(browser)
    page.goto(app_url)
    page.locator(FLEET_CHART).first.wait_for(state="visible", timeout=60_000)
    page.get_by_text(f"{n_all} functions, worst first").wait_for(timeout=30_000)
    # the decision figures (priced in the background) rerun the page once they are in
    page.get_by_text("Firm Outgrown verdicts").wait_for(timeout=60_000)
    _wait_ready(page)
    shot = tmp_path / "overview.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 20_000
    # every axis title and label is inside the chart, none cut at its edges
    outside = page.evaluate(
        """() => { const c = document.querySelector('[data-testid="stVegaLiteChart"]');
           const box = c.getBoundingClientRect();
           const texts = c.querySelectorAll('.role-axis-title text, .role-axis-label text');
           return [...texts].filter(t => { const r = t.getBoundingClientRect();
             return r.left < box.left || r.right > box.right; }).map(t => t.textContent); }"""
    )
    assert outside == []

    _open_filters(page)
    env_filter = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Environment")
    # Type, then Enter once the list shows "dev" highlighted, as a person does. On a busy
    # machine the page may still be redrawing from an earlier run (the chart below the opened
    # filters resizes) and clear what was typed: then type it again, as a person would.
    highlighted = page.locator('[role="option"][data-focused="true"]').filter(has_text="dev")
    for _ in range(5):
        env_filter.locator("input").click()
        env_filter.locator("input").fill("dev")
        try:
            highlighted.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            _wait_ready(page)
    page.keyboard.press("Enter")
    page.get_by_text(f"{n_dev} functions, worst first").wait_for(timeout=30_000)
    assert n_dev < n_all
    page.close()


def test_function_page_shows_a_crossover_date(
    app_url: str, browser: Browser, tmp_path: Path
) -> None:
    a = analyze(demo_fleet())
    f = a.functions
    dated = f[(f["verdict"] == "watch") & (f["months_to_crossover"] > 1)]
    row = dated.sort_values("months_to_crossover").iloc[0]
    page = _page(browser)
    _open_function(page, app_url, row)
    page.get_by_text(f"projected crossover {row['crossover_date']}").first.wait_for(timeout=30_000)
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Projected crossover date")
    assert forecast_text(row, short=True) in metric.inner_text()
    page.screenshot(path=str(tmp_path / "function.png"))
    page.close()


def test_a_typo_in_instance_types_is_shown_at_the_field_and_every_page_keeps_working(
    app_url: str, browser: Browser
) -> None:
    page = _page(browser)
    page.goto(f"{app_url}/what_if")
    page.get_by_text("Do the verdicts survive?").wait_for(timeout=60_000)
    # a folded group's controls are drawn once it is opened
    cold_start = page.get_by_text("Cold-start rate (% of invocations)", exact=True)
    expect(cold_start).to_have_count(0)
    for group in ("Options", "People", "Lambda billing", "Verdicts"):
        page.locator('[data-testid="stExpander"] summary').filter(has_text=group).click()
        _wait_ready(page)
    for label in (
        "Lambda Savings Plan discount, 1 year (%)",
        "EC2 Spot discount (%)",
        "Cold-start rate (% of invocations)",
        "Share of Lambda's CPU a request keeps busy (%)",
        "ALB requests per second per LCU",
        "Smallest saving that makes a function Outgrown (USD per month)",
    ):
        page.get_by_text(label, exact=True).first.wait_for(timeout=10_000)
    body = page.locator("body").inner_text()
    for garbled in ("Lambdap", "EC2pot", "Coldtart", "lcuecond", "minaving", "Cpu busy"):
        assert garbled not in body
    field = page.locator('[data-testid="stTextInput"]').filter(has_text="Instance types")
    field.locator("input").fill("m99.huge")
    field.locator("input").press("Enter")
    error = page.locator('[data-testid="stAlert"]').filter(has_text="m99.huge")
    error.first.wait_for(timeout=30_000)
    _wait_ready(page)
    expect(error).to_have_count(1, timeout=30_000)  # once, not on every page twice
    assert page.get_by_role("button", name="Reset to defaults").is_visible()
    assert page.get_by_text("Do the verdicts survive?").is_visible()  # the analysis stays
    page.get_by_role("link", name="Fleet overview").click()
    page.locator(FLEET_CHART).first.wait_for(state="visible", timeout=60_000)
    assert "m99.huge" not in page.locator('[data-testid="stMain"]').inner_text()
    page.get_by_role("link", name="What-if").click()
    page.get_by_role("button", name="Reset to defaults").click()
    _wait_ready(page)
    expect(page.locator('[data-testid="stAlert"]').filter(has_text="m99.huge")).to_have_count(
        0, timeout=30_000
    )
    page.close()


def test_one_colour_per_option_kind_and_the_crossover_in_the_legend(
    app_url: str, browser: Browser
) -> None:
    from analyzer.present.palette import CROSSOVER_COLOR, KIND_COLORS

    expected = {"Lambda": KIND_COLORS["lambda"], "EC2": KIND_COLORS["ec2"]}
    expected |= {"Fargate": KIND_COLORS["fargate"]}
    expected |= {"Lambda Managed Instances": KIND_COLORS["lmi"]}
    a = analyze(demo_fleet())
    f = a.functions
    page = _page(browser)
    for verdict in ("outgrown", "watch"):
        row = f[f["verdict"] == verdict].iloc[0]
        _open_function(page, app_url, row)
        page.get_by_text(f"{row['name']}: cost by traffic").first.wait_for(timeout=30_000)
        _wait_ready(page)
        legend = _legend(page, 0)  # the cost curves
        colours = {name: legend[name] for name in expected if name in legend}
        assert colours == expected
        assert any(name.startswith("Crossover (") for name in legend)
        assert legend[next(n for n in legend if n.startswith("Crossover ("))] == CROSSOVER_COLOR
        # unified hover: one tooltip with every option's cost at the traffic under the pointer
        chart = page.locator(FUNCTION_CHART).first
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.45, steps=4)
        tooltip = page.locator("#vg-tooltip-element")
        for name in expected:
            expect(tooltip).to_contain_text(name, timeout=10_000)
        expect(tooltip).to_contain_text("Invocations per month")
    page.close()


def test_the_downloaded_html_export_is_the_clis(
    app_url: str, browser: Browser, data_dir: Path, tmp_path: Path
) -> None:
    page = _page(browser)
    page.goto(f"{app_url}/export")
    page.get_by_text("HTML report (with charts)").click()
    button = page.get_by_role("button", name="Download HTML report (with charts)")
    button.wait_for(timeout=60_000)
    _wait_ready(page)
    with page.expect_download(timeout=60_000) as download:
        button.click()
    app_file = tmp_path / "app.html"
    download.value.save_as(app_file)
    cli_file = tmp_path / "cli.html"
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
            str(cli_file),
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "CROSSOVER_DATA_DIR": str(data_dir)},
        cwd=ROOT,
    )
    assert app_file.read_bytes() == cli_file.read_bytes()
    page.close()


def test_clicking_a_bubble_opens_its_function(app_url: str, browser: Browser) -> None:
    """An Outgrown function's bubble (the smallest: drawn over the bigger ones) is red, says
    its name and money on hover, and a click opens that function's page."""
    from analyzer.present.palette import VERDICT_COLORS

    f = analyze(demo_fleet()).functions
    top = f[f["verdict"] == "outgrown"].sort_values("lambda_usd_per_month").iloc[0]
    page = _page(browser)
    page.goto(app_url)
    bubble = page.locator(
        f"{FLEET_CHART} [aria-roledescription='circle']"
        f"[aria-label*='Function: {top['name']}; Runs in: {top['account_name']} ']"
    )
    bubble.first.wait_for(timeout=60_000)
    _wait_ready(page)
    verdict = str(top["verdict"])
    assert f"Verdict: {verdict.capitalize()}" in str(bubble.first.get_attribute("aria-label"))
    assert str(bubble.first.get_attribute("fill")).lower() == VERDICT_COLORS[verdict]
    bubble.first.scroll_into_view_if_needed()
    box = bubble.first.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    tooltip = page.locator("#vg-tooltip-element")
    expect(tooltip).to_contain_text(str(top["name"]), timeout=10_000)
    expect(tooltip).to_contain_text(f"${top['lambda_usd_per_month']:,.2f}")
    page.mouse.click(x, y)
    page.get_by_text("How each alternative would be sized").wait_for(timeout=30_000)
    assert "/function" in page.url
    expect(page.get_by_text(f"{top['name']}: cost by traffic").first).to_be_attached()
    box_value = page.locator('[data-testid="stSelectbox"]').first.locator("input")
    assert f"{top['name']} · {top['account_name']}" in str(box_value.input_value())
    page.close()


def test_the_overview_shows_what_a_decision_needs(
    app_url: str, browser: Browser, data_dir: Path
) -> None:
    """Migration cost, payback, firm Outgrown verdicts and the Tune saving, as the exports say."""
    recs = _demo_recommendations(data_dir)
    fns = recs.functions
    outgrown = fns[fns["verdict"] == "outgrown"]
    firm = int((outgrown["verdict_survives"] == "yes").sum())
    cost = float(outgrown["migration_cost_usd"].sum())
    saving = float(outgrown["saving_usd_per_month"].sum())
    tune = float(fns["tune_usd_per_month"].sum())
    page = _page(browser)
    page.goto(app_url)
    page.locator(FLEET_CHART).first.wait_for(state="visible", timeout=60_000)
    _wait_ready(page)

    def metric(label: str) -> str:
        box = page.locator('[data-testid="stMetric"]').filter(has_text=label)
        return box.locator('[data-testid="stMetricValue"]').inner_text()

    assert metric("Firm Outgrown verdicts") == f"{firm} of {len(outgrown)}"
    assert metric("One-time migration cost") == f"${cost:,.0f}"
    assert metric("Payback") == f"{cost / saving:,.1f} months"
    assert metric("Tune saving") == f"${tune:,.0f}/month"
    page.close()


def test_the_function_page_shows_migration_payback_confidence_and_tune(
    app_url: str, browser: Browser, data_dir: Path
) -> None:
    fns = _demo_recommendations(data_dir).functions
    row = fns[fns["verdict"] == "outgrown"].iloc[0]
    page = _page(browser)
    _open_function(page, app_url, row)
    page.get_by_text(f"{row['name']}: cost by traffic").first.wait_for(timeout=30_000)
    _wait_ready(page)
    values = {
        label: page.locator('[data-testid="stMetric"]')
        .filter(has_text=label)
        .locator('[data-testid="stMetricValue"]')
        .inner_text()
        for label in ("One-time migration cost", "Payback", "Confidence", "Tune saving")
    }
    assert values == {
        "One-time migration cost": f"${row['migration_cost_usd']:,.0f}",
        "Payback": f"{row['payback_months']:,.1f} months",
        "Confidence": row["confidence"],
        "Tune saving": f"${row['tune_usd_per_month']:,.0f}/month"
        if row["tune_usd_per_month"] >= 0.005
        else "none",
    }
    page.close()


def test_the_overview_says_what_changed_since_the_last_report(
    app_url: str, browser: Browser, data_dir: Path
) -> None:
    """A recorded report in which one of today's Outgrown functions was Stay."""
    from analyzer.adapters.store import Store

    fns = analyze(demo_fleet()).functions
    before = fns[["function_id", "verdict"]].copy()
    newly = fns[fns["verdict"] == "outgrown"].iloc[0]
    before.loc[before["function_id"] == newly["function_id"], "verdict"] = "stay"
    path = Store(data_dir).record_verdicts(before, when="2026-11-01T08:00:00Z")
    try:
        page = _page(browser)
        page.goto(app_url)
        page.locator(FLEET_CHART).first.wait_for(state="visible", timeout=60_000)
        caption = page.locator('[data-testid="stCaptionContainer"]')
        text = caption.filter(has_text="What changed.").first.inner_text()
        assert f"Since the report of 2026-11-01: 1 newly Outgrown ({newly['name']})" in text
        page.close()
    finally:
        path.unlink()


def test_on_a_phone_the_headline_and_figures_come_before_the_filters(
    app_url: str, browser: Browser
) -> None:
    page = _page(browser, 390, 844)
    page.goto(app_url)
    page.locator(FLEET_CHART).first.wait_for(state="attached", timeout=60_000)
    _wait_ready(page)
    headline = page.get_by_text("functions have outgrown Lambda").first.bounding_box()
    first_figure = page.locator('[data-testid="stMetric"]').first.bounding_box()
    assert headline is not None and first_figure is not None
    assert headline["y"] + headline["height"] <= 844
    assert first_figure["y"] + first_figure["height"] <= 844
    # the filters wait in a collapsed expander below the figures
    expect(page.locator('[data-testid="stMultiSelect"]').first).to_be_hidden()
    filters = page.locator('[data-testid="stExpander"]').filter(has_text="Filters").bounding_box()
    assert filters is not None and filters["y"] > first_figure["y"]
    page.close()


def test_a_phone_shows_the_function_page_totals_whole(app_url: str, browser: Browser) -> None:
    page = _page(browser, 390, 844)
    page.goto(f"{app_url}/function")
    page.get_by_text("monthly bill by part").first.wait_for(timeout=60_000)
    _wait_ready(page)
    page.wait_for_timeout(1000)
    clipped = page.evaluate(
        """() => { const out = [];
           document.querySelectorAll('[data-testid="stVegaLiteChart"]').forEach(c => {
             const svg = c.querySelector('svg.marks');
             if (!svg) return;
             const box = svg.getBoundingClientRect();
             c.querySelectorAll('[aria-roledescription="text mark"]').forEach(t => {
               const r = t.getBoundingClientRect();
               if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1)
                 out.push(t.textContent); }); });
           return out; }"""
    )
    totals = page.locator('[data-testid="stVegaLiteChart"] [aria-roledescription="text mark"]')
    assert totals.filter(has_text="$").count() >= 2  # Lambda's total and an option's
    assert clipped == []
    # every figure read whole: a long one ("already past the crossover") wraps, never "…"
    cut = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stMetricValue"]')]
             .filter(v => [v, ...v.querySelectorAll('*')].some(
                 e => e.scrollWidth > e.clientWidth + 1))
             .map(v => v.innerText)"""
    )
    dated = page.locator('[data-testid="stMetric"]').filter(has_text="Projected crossover date")
    assert dated.count() == 1
    assert cut == []
    page.close()


def test_nothing_was_fetched_from_outside_the_machine() -> None:
    """Runs last in this module: every page above asked only the app on 127.0.0.1."""
    assert REQUESTS, "no browser test ran before this one"
    outside = sorted(
        {u for u in REQUESTS if not u.startswith(("http://127.0.0.1", "data:", "blob:"))}
    )
    assert outside == []
    # and no page waited for Plotly's 4.7 MB script: every chart of the app is Vega-Lite
    assert not [u for u in REQUESTS if "/static/js/PlotlyChart" in u]
