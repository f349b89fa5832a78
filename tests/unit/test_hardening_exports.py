"""Exports stay inert whatever a name holds: CR/LF/; cannot start a new row or cell with a
formula (CSV, the app's download uses the same renderer), control characters never crash XLSX."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from export_helpers import scenario

from analyzer.adapters.export import render
from analyzer.core.pricebook import PriceBook
from analyzer.core.recommend import Recommendations
from analyzer.present.recommendations import recommend_fleet

HOSTILE = (
    "line1\r=1+1",  # bare CR: Python's csv and pandas leave it unquoted
    "line1\n@SUM(A1)",
    "line1\r\n+cmd|' /C calc'!A0",
    "x;=1+1",  # semicolon locales split here
    "tab\x0bvtab\x00nul\x1b[31mred",  # control characters XML cannot hold
)


@pytest.fixture(scope="module")
def hostile_recs() -> Recommendations:
    fleet, a = scenario(
        [
            {"name": n, "memory_mb": 512, "monthly_invocations": 1_000_000, "avg_duration_ms": 50}
            for n in HOSTILE
        ],
        account_id="123456789012",
    )
    return recommend_fleet(fleet, PriceBook.bundled(), a, generated_at="2026-11-26T08:00:00Z")


def test_csv_a_line_break_or_semicolon_never_starts_a_formula(
    hostile_recs: Recommendations,
) -> None:
    data = render(hostile_recs, "csv").decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(data, newline="")))
    assert len(rows) == len(HOSTILE)  # one row per function: no row injected
    names = {r["name"] for r in rows}
    assert "line1\r'=1+1" in names  # the formula after the CR is neutralised
    assert "line1\n'@SUM(A1)" in names
    assert "x;=1+1" in names  # quoted, so a ;-locale reads one cell
    assert '"x;=1+1"' in data
    # read naively (any line break is a new row): no cell starts a formula
    for line in re.split(r"\r\n|\r|\n", data):
        for cell in line.split(","):
            assert not cell.lstrip('"').startswith(("=", "+", "@")), repr(line)


def test_xlsx_control_characters_are_escaped_not_a_crash(hostile_recs: Recommendations) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(render(hostile_recs, "xlsx")))
    ws = wb["Recommendations"]
    header = [c.value for c in ws[1]]
    names = {row[header.index("name")] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert "tab\\x0bvtab\\x00nul\\x1b[31mred" in names
    assert "line1\n'=1+1" in names  # XML keeps line breaks as LF


@pytest.mark.parametrize("fmt", ["json", "md", "html"])
def test_other_formats_render_hostile_names(hostile_recs: Recommendations, fmt: str) -> None:
    assert render(hostile_recs, fmt)  # no crash; their escaping is tested in test_exports
