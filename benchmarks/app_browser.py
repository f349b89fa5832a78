"""The app as a product owner clicks it, timed in a real headless Chromium; optional screenshots.

    .venv/bin/python benchmarks/app_browser.py [--runs 3] [--screenshots docs/]

Starts `streamlit run app.py` on 127.0.0.1 (demo fleet), drives the system's chromium (never
downloads a browser) and prints one JSON line per interaction: the median and worst wall time
from the action until the page shows its new content and Streamlit has finished the run.
With --screenshots, saves every page at 1440x900 and 390x844 as <dir>/<page>-<width>.png.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PAGES = {
    "overview": ("", "Which functions have outgrown Lambda?"),
    "function": ("/function", "How each alternative would be sized"),
    "what-if": ("/what_if", "Do the verdicts survive?"),
    "data-source": ("/data_source", "Where should the numbers come from?"),
    "export": ("/export", "Recommendations for"),
}
SIZES = ((1440, 900), (390, 844))


@contextmanager
def app_server() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = {**os.environ, "CROSSOVER_ENABLE_AWS": "", "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "0"}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1"]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):  # noqa: S310 - http on loopback
                    break
            except OSError:
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def settled(page: Page) -> None:
    """Streamlit has finished the run the action started."""
    page.wait_for_timeout(50)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=60_000)


def timed(action: Callable[[], object], done: Callable[[], object], page: Page) -> float:
    t0 = time.perf_counter()
    action()
    done()
    settled(page)
    return time.perf_counter() - t0


def measure(page: Page, url: str) -> dict[str, float]:
    out: dict[str, float] = {}
    chart = page.locator(".js-plotly-plot").first
    out["first overview (cold server)"] = timed(
        lambda: page.goto(url), lambda: chart.wait_for(state="visible", timeout=60_000), page
    )
    point = page.locator(".js-plotly-plot .scatterlayer .trace").first.locator(".point").first

    def click_bubble() -> None:
        box = point.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    out["overview: click a bubble (opens the function)"] = timed(
        click_bubble, lambda: page.get_by_text("How each alternative would be sized").wait_for(),
        page,
    )  # fmt: skip
    box = page.locator('[data-testid="stSelectbox"]').first

    def next_function() -> None:
        box.locator("input").click()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")

    out["function: change function"] = timed(
        next_function, lambda: page.get_by_text("cost by traffic").first.wait_for(), page
    )
    out["open What-if"] = timed(
        lambda: page.get_by_role("link", name="What-if").click(),
        lambda: page.get_by_text("Do the verdicts survive?").wait_for(),
        page,
    )
    toggle = page.locator('[data-testid="stCheckbox"]').filter(has_text="Autoscaling").first
    out["what-if: change an assumption"] = timed(
        lambda: toggle.click(), lambda: page.get_by_text("assumption(s) changed").wait_for(), page
    )
    out["what-if: reset to defaults"] = timed(
        lambda: page.get_by_role("button", name="Reset to defaults").click(),
        lambda: page.get_by_text("All assumptions are at their defaults.").wait_for(),
        page,
    )
    out["back to the overview"] = timed(
        lambda: page.get_by_role("link", name="Fleet overview").click(),
        lambda: chart.wait_for(state="visible"),
        page,
    )
    env = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Environment")

    def pick_dev() -> None:
        env.locator("input").click()
        env.locator("input").fill("dev")
        page.keyboard.press("Enter")

    out["overview: filter by environment"] = timed(
        pick_dev, lambda: page.get_by_text("functions, worst first").wait_for(), page
    )
    return out


def screenshots(browser: object, url: str, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        page = browser.new_page(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
        for name, (path, text) in PAGES.items():
            page.goto(url + path)
            page.get_by_text(text).first.wait_for(timeout=60_000)
            settled(page)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(target / f"{name}-{width}.png"))
            if name == "function" and width < 800:  # the phone's second screen: the bills
                chart = page.locator(".js-plotly-plot").nth(2)
                chart.scroll_into_view_if_needed()
                page.wait_for_timeout(800)
                page.screenshot(path=str(target / f"function-bills-{width}.png"))
        page.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--screenshots", type=Path, default=None)
    args = p.parse_args()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        results: dict[str, list[float]] = {}
        for run in range(max(args.runs, 1)):
            with app_server() as url:  # a fresh server per run: the first overview is cold
                if args.runs > 0:  # --runs 0: screenshots only
                    page = browser.new_page(viewport={"width": 1440, "height": 900})
                    for k, v in measure(page, url).items():
                        results.setdefault(k, []).append(v)
                    page.close()
                if args.screenshots is not None and run == max(args.runs, 1) - 1:
                    screenshots(browser, url, args.screenshots)
        browser.close()
    for interaction, times in results.items():
        row = {
            "interaction": interaction,
            "median_s": round(statistics.median(times), 2),
            "worst_s": round(max(times), 2),
        }
        print(json.dumps(row))


if __name__ == "__main__":
    main()
