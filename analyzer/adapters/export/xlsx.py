"""XLSX export (openpyxl): sheets Summary, Recommendations, Assumptions, Prices.

Numbers are numbers (money with a currency format), the header row is frozen, and every text
cell is formula-injection safe.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from analyzer.adapters.export._common import TITLE, context_lines, plain, rounded, safe_text
from analyzer.core.columns import COLUMN_HELP, MONEY_COLUMNS
from analyzer.core.recommend import Recommendations

USD_FORMAT = '"$"#,##0.00'
UNIT_PRICE_FORMAT = '"$"#,##0.000000'
INT_FORMAT = "#,##0"
FIXED_DATE = dt.datetime(2000, 1, 1)  # workbook properties: no wall-clock timestamps


def _cell_value(value: Any) -> Any:
    value = plain(value)
    if value is None:
        return None
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, float) and value != value:
        return None
    return value


def _write_table(
    ws: Worksheet, df: pd.DataFrame, start_row: int = 1, formats: dict[str, str] | None = None
) -> int:
    formats = formats or {}
    bold = Font(bold=True)
    for j, col in enumerate(df.columns, start=1):
        c = ws.cell(row=start_row, column=j, value=safe_text(str(col)))
        c.font = bold
    records = df.astype(object).where(df.notna(), None).itertuples(index=False)
    for i, row in enumerate(records, start=start_row + 1):  # rendering rows of a document
        for j, (col, value) in enumerate(zip(df.columns, row, strict=True), start=1):
            cell = ws.cell(row=i, column=j, value=_cell_value(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula
            elif col in formats and cell.value is not None:
                cell.number_format = formats[col]
    return start_row + len(df) + 1


def _widths(ws: Worksheet, widths: dict[int, float]) -> None:
    for j, w in widths.items():
        ws.column_dimensions[get_column_letter(j)].width = w


def _money_formats(columns: list[str]) -> dict[str, str]:
    fmt: dict[str, str] = {}
    for c in columns:
        if c == "best_option_usd_per_unit_hour":
            fmt[c] = UNIT_PRICE_FORMAT
        elif c in MONEY_COLUMNS or c.endswith("_usd") or "_usd_per_" in c:
            fmt[c] = USD_FORMAT
        elif c in ("monthly_invocations", "crossover_invocations_per_month", "functions"):
            fmt[c] = INT_FORMAT
    return fmt


def _summary_sheet(ws: Any, recs: Recommendations) -> None:
    ws.title = "Summary"
    ws.cell(row=1, column=1, value=TITLE).font = Font(bold=True, size=14)
    r = 3
    for label, text in context_lines(recs):
        ws.cell(row=r, column=1, value=label).font = Font(bold=True)
        ws.cell(row=r, column=2, value=safe_text(text)).data_type = "s"
        r += 1
    r += 1
    s = recs.summary
    summary_rows: list[tuple[str, Any, str | None]] = [
        ("Functions", s["functions"], INT_FORMAT),
        ("Outgrown", s["outgrown"], INT_FORMAT),
        ("Watch", s["watch"], INT_FORMAT),
        ("Stay", s["stay"], INT_FORMAT),
        ("Can be tuned on Lambda", s["tune"], INT_FORMAT),
        ("Lambda today (spend), USD per month", s["lambda_usd_per_month"], USD_FORMAT),
        (
            "Lambda today (run rate), USD per month",
            s["run_rate_lambda_usd_per_month"],
            USD_FORMAT,
        ),
        (
            "Move saving if every Outgrown function moves (spend), USD per month",
            s["saving_usd_per_month"],
            USD_FORMAT,
        ),
        (
            "Move saving if every Outgrown function moves (run rate), USD per month",
            s["run_rate_saving_usd_per_month"],
            USD_FORMAT,
        ),
        (
            "Move saving if every Outgrown function moves, USD per year",
            s["saving_usd_per_year"],
            USD_FORMAT,
        ),
        ("One-time migration cost, USD", s["migration_cost_usd"], USD_FORMAT),
        ("Payback, months", s["payback_months"], "0.0"),
        ("Tune saving: tuning Lambda itself, USD per month", s["tune_usd_per_month"], USD_FORMAT),
        ("Low-confidence recommendations", s["low_confidence"], INT_FORMAT),
    ]
    for label, value, fmt in summary_rows:
        ws.cell(row=r, column=1, value=label)
        c = ws.cell(row=r, column=2, value=None if value is None else round(float(value), 2))
        if fmt:
            c.number_format = fmt
        r += 1
    for heading, df in (
        ("By target (Outgrown functions)", recs.by_target),
        ("By account", recs.by_account),
        ("By environment", recs.by_environment),
    ):
        r += 1
        ws.cell(row=r, column=1, value=heading).font = Font(bold=True, size=12)
        r = _write_table(ws, df.round(2), r + 1, _money_formats(list(df.columns))) + 0
    r += 1
    ws.cell(row=r, column=1, value="Sensitivity").font = Font(bold=True, size=12)
    ws.cell(row=r + 1, column=1, value=recs.sensitivity["description"])
    sets = recs.sensitivity["sets"]
    sens = pd.DataFrame(
        [
            {
                "assumption": k,
                "base": plain(v["base"]),
                "optimistic": plain(v["value"]),
                "pessimistic": plain(sets["pessimistic"][k]["value"]),
                "unit": v["unit"],
            }
            for k, v in sets["optimistic"].items()
        ]
    )
    r = _write_table(ws, sens, r + 2)
    if recs.notes:
        r += 1
        ws.cell(row=r, column=1, value="Notes").font = Font(bold=True, size=12)
        for n in recs.notes:
            r += 1
            ws.cell(row=r, column=1, value=safe_text(n)).data_type = "s"
    _widths(ws, {1: 48, 2: 40, 3: 16, 4: 14, 5: 14, 6: 14, 7: 16, 8: 16})


def _recommendations_sheet(ws: Any, recs: Recommendations) -> None:
    f = rounded(recs)
    f["tune"] = f["tune"].astype(bool)
    _write_table(ws, f, 1, _money_formats(list(f.columns)))
    ws.freeze_panes = "C2"
    if len(f):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(f.columns))}{len(f) + 1}"
    for j, col in enumerate(f.columns, start=1):
        width = 60 if col in ("recommendation", "caveats", "tune_advice") else max(12, len(col) + 2)
        ws.column_dimensions[get_column_letter(j)].width = width
    # Column meanings on a row under the data would be read as data: put them in Assumptions.


def _assumptions_sheet(ws: Any, recs: Recommendations) -> None:
    a = recs.assumptions.copy()
    a["value"] = a["value"].map(plain)
    end = _write_table(ws, a, 1)
    ws.freeze_panes = "A2"
    ws.cell(row=end + 1, column=1, value="Columns of the Recommendations sheet").font = Font(
        bold=True
    )
    cols = pd.DataFrame({"column": list(COLUMN_HELP), "meaning": list(COLUMN_HELP.values())})
    _write_table(ws, cols, end + 2)
    _widths(ws, {1: 34, 2: 24, 3: 16, 4: 90, 5: 18})


def _prices_sheet(ws: Any, recs: Recommendations) -> None:
    ws.cell(row=1, column=1, value="service")  # header written by _write_table below
    end = _write_table(ws, recs.prices, 1, {"usd": "0.0000000000"})
    ws.freeze_panes = "A2"
    ws.cell(
        row=end + 1,
        column=1,
        value=safe_text(
            f"Price book as of {recs.price_book.get('as_of')} ({recs.price_book.get('origin')}): "
            f"{recs.price_book.get('source')}"
        ),
    ).data_type = "s"
    _widths(ws, {1: 12, 2: 12, 3: 9, 4: 44, 5: 16, 6: 24, 7: 100})
    for row in ws.iter_rows(min_row=2, max_col=7):
        row[6].alignment = Alignment(wrap_text=False)


def render_xlsx(recs: Recommendations) -> bytes:
    wb = Workbook()
    wb.properties.created = FIXED_DATE
    wb.properties.modified = FIXED_DATE
    wb.properties.creator = "crossover"
    ws = wb.active
    assert ws is not None
    _summary_sheet(ws, recs)
    _recommendations_sheet(wb.create_sheet("Recommendations"), recs)
    _assumptions_sheet(wb.create_sheet("Assumptions"), recs)
    _prices_sheet(wb.create_sheet("Prices"), recs)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
