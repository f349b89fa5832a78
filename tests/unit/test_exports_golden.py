"""Golden files: every export format of the demo fleet, byte-stable (xlsx: cell values; html:
text without the charts).

Regenerate after an intended change with:  pytest tests/test_exports_golden.py --update-golden
and review the diff of tests/golden/.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import openpyxl
import pytest

from analyzer.adapters.export import render
from analyzer.core.recommend import Recommendations

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
pytestmark = pytest.mark.xdist_group("golden")


def _xlsx_cells(data: bytes) -> str:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    sheets = {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}
    return json.dumps(sheets, indent=1, default=str) + "\n"


def _html_text(data: bytes) -> str:
    """The document without the charts (plotly.js bundle, figure JSON and chart styling are
    tested as figures elsewhere): only how many charts there are is kept."""
    html = data.decode("utf-8")
    charts = html.count('<div class="chart">')
    return re.sub(
        r"<h2>Charts</h2>.*?(?=<h2>Recommendations</h2>)",
        f"<h2>Charts</h2>\n[{charts} charts]\n\n",
        html,
        flags=re.S,
    )


NORMALISE = {"xlsx": _xlsx_cells, "html": _html_text}
NAMES = {
    "csv": "demo.csv",
    "json": "demo.json",
    "md": "demo.md",
    "html": "demo.html.txt",
    "xlsx": "demo.xlsx.json",
}


@pytest.mark.parametrize("fmt", sorted(NAMES))
def test_demo_export_matches_golden(
    fmt: str, demo_recs: Recommendations, update_golden: bool
) -> None:
    data = render(demo_recs, fmt)
    text = NORMALISE[fmt](data) if fmt in NORMALISE else data.decode("utf-8")
    path = GOLDEN / NAMES[fmt]
    if update_golden:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file: run pytest {__file__} --update-golden"
    assert text == path.read_text(encoding="utf-8"), (
        f"{fmt} export changed; if intended, run pytest tests/test_exports_golden.py "
        "--update-golden and review the diff"
    )


def test_exports_are_deterministic(demo_recs: Recommendations) -> None:
    for fmt in ("csv", "json", "md"):
        assert render(demo_recs, fmt) == render(demo_recs, fmt)
    assert _html_text(render(demo_recs, "html")) == _html_text(render(demo_recs, "html"))
