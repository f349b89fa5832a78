"""End to end in a real headless Chromium: the app as a product owner sees it.

Needs the system's chromium (never downloads a browser); skipped with a reason when absent.
Set CROSSOVER_SCREENSHOT to also save the overview screenshot there (docs/overview.png).
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

import pytest
from playwright.sync_api import Browser, Page

from analyzer.core.analyze import analyze
from analyzer.core.demo import demo_fleet

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
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    log = (tmp_path_factory.mktemp("streamlit") / "streamlit.log").open("wb")
    env = {
        **os.environ,
        "CROSSOVER_ENABLE_AWS": "",
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


def _page(browser: Browser) -> Page:
    return browser.new_page(viewport={"width": 1440, "height": 1000})


def test_overview_chart_renders_and_a_filter_changes_the_table(
    app_url: str, browser: Browser, tmp_path: Path
) -> None:
    a = analyze(demo_fleet())
    n_all = len(a.functions)
    n_dev = int((a.functions["environment"] == "dev").sum())
    page = _page(browser)
    page.goto(app_url)
    page.locator(".js-plotly-plot").first.wait_for(state="visible", timeout=60_000)
    page.get_by_text(f"{n_all} functions, worst first").wait_for(timeout=30_000)
    page.wait_for_timeout(1500)
    shot = tmp_path / "overview.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 20_000
    if os.environ.get("CROSSOVER_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["CROSSOVER_SCREENSHOT"])

    env_filter = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Environment")
    env_filter.locator("input").click()
    env_filter.locator("input").fill("dev")
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
    label = f"{row['name']} · {row['account_name']} ({row['environment']}) · {row['region']}"
    page = _page(browser)
    page.goto(f"{app_url}/function")
    box = page.locator('[data-testid="stSelectbox"]').first
    box.wait_for(timeout=60_000)
    box.locator("input").click()
    box.locator("input").fill(label)
    page.keyboard.press("Enter")
    page.get_by_text(f"projected crossover {row['crossover_date']}").first.wait_for(timeout=30_000)
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Projected crossover date")
    assert row["crossover_date"] in metric.inner_text()
    page.screenshot(path=str(tmp_path / "function.png"))
    page.close()
