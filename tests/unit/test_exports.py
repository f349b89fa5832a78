# mypy: allow-untyped-defs, allow-incomplete-defs
"""Exports: injection safety, schema validity, self-contained HTML, XLSX types, the CLI."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import jsonschema
import openpyxl
import pytest
from click.testing import CliRunner
from export_helpers import NASTY_NAMES

from analyzer.adapters.export import FORMATS, format_for_path, render, write
from analyzer.adapters.export.json_export import SCHEMA_PATH
from analyzer.cli import cli
from analyzer.core.columns import COLUMNS
from analyzer.exceptions import ExportError


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def test_formats_are_declared_with_mime_and_extension():
    assert set(FORMATS) == {"csv", "json", "md", "html", "xlsx"}
    assert FORMATS["xlsx"][1] == ".xlsx"
    assert format_for_path("a/b.HTML") == "html"
    assert format_for_path("x.txt") is None


def test_csv_neutralises_formulas_but_keeps_numbers(nasty_recs):
    rows = _csv_rows(render(nasty_recs, "csv"))
    names = {r["name"] for r in rows}
    assert "'" + NASTY_NAMES[0] in names
    assert NASTY_NAMES[1] in names  # not a formula: left as is (CSV is not HTML)
    for r in rows:
        for col, value in r.items():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), (col, value)
        assert r["account_id"] == "'+123"
        assert r["environment"].startswith("'")  # "-prod" and "@dev..."
        float(r["lambda_usd_per_month"])  # numeric columns stay plain numbers
    assert list(rows[0])[: len(COLUMNS)] == list(COLUMNS)


def test_csv_negative_numbers_stay_numbers(demo_recs):
    rows = _csv_rows(render(demo_recs, "csv"))
    growth = [r["monthly_growth"] for r in rows if r["monthly_growth"].startswith("-")]
    assert growth, "the demo has shrinking functions"
    assert all(float(g) < 0 for g in growth)


def test_xlsx_text_is_inert_numbers_are_numbers(nasty_recs):
    wb = openpyxl.load_workbook(io.BytesIO(render(nasty_recs, "xlsx")))
    assert wb.sheetnames == ["Summary", "Recommendations", "Assumptions", "Prices"]
    ws = wb["Recommendations"]
    assert ws.freeze_panes == "C2"
    header = [c.value for c in ws[1]]
    assert header == list(COLUMNS)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
            if isinstance(cell.value, str):
                assert not cell.value.startswith(("=", "+", "-", "@")), cell.value
    col = {name: i for i, name in enumerate(header)}
    names = [r[col["name"]].value for r in ws.iter_rows(min_row=2)]
    assert "'" + NASTY_NAMES[0] in names
    money = ws.cell(row=2, column=col["lambda_usd_per_month"] + 1)
    assert isinstance(money.value, float)
    assert "$" in money.number_format
    assert wb["Assumptions"].freeze_panes == "A2"
    assert wb["Prices"].freeze_panes == "A2"


def test_html_escapes_user_strings_and_is_self_contained(nasty_recs):
    html = render(nasty_recs, "html").decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script src=" not in html  # no external script: plotly.js is inline
    assert html.count("<script>") >= 2  # the plotly.js bundle, then the charts
    assert html.count("plotly.js v") <= 2  # the bundle is inlined once
    assert "@media print" in html
    assert "730 hours" in html
    assert "Prices used" in html
    assert "Assumptions" in html
    assert "Sensitivity" in html


def test_markdown_escapes_user_strings(nasty_recs):
    md = render(nasty_recs, "md").decode()
    assert "<script>" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert "@dev\\|\\`x\\`" in md  # the pipe cannot break the table, backticks no code span
    table = [ln for ln in md.splitlines() if ln.startswith("| ") and "alert(1)" in ln]
    assert table
    assert all(ln.count(" | ") == 10 for ln in table)


def test_json_validates_against_its_schema_and_carries_provenance(demo_recs, nasty_recs):
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    for recs in (demo_recs, nasty_recs):
        doc = json.loads(render(recs, "json"))
        jsonschema.Draft202012Validator(schema).validate(doc)
    doc = json.loads(render(demo_recs, "json"))
    assert doc["schema_version"] == 1
    assert doc["price_book"]["as_of"] == demo_recs.price_book["as_of"]
    assert doc["assumptions"]["min_instances"] == {
        "value": 2,
        "unit": "instances",
        "help": "Always-on instances or tasks (2 = one per Availability Zone)",
        "group": "Provisioned sizing",
    }
    assert doc["sensitivity"]["sets"]["pessimistic"]["min_instances"]["value"] == 3
    assert doc["summary"]["outgrown"] == sum(f["verdict"] == "outgrown" for f in doc["functions"])
    # The schema lists every column, and nothing else.
    props = schema["properties"]["functions"]["items"]["properties"]
    assert list(props) == list(COLUMNS)


def test_schema_rejects_a_wrong_document(demo_recs):
    schema = json.loads(SCHEMA_PATH.read_text())
    doc = json.loads(render(demo_recs, "json"))
    doc["functions"][0]["verdict"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema)


def test_write_is_atomic_and_refuses_bad_paths(nasty_recs, tmp_path: Path):
    out = write(nasty_recs, "json", tmp_path / "r.json")
    assert json.loads(out.read_text())["functions"]
    with pytest.raises(ExportError, match="cannot write"):
        write(nasty_recs, "csv", tmp_path / "missing" / "r.csv")
    with pytest.raises(ExportError, match="format"):
        render(nasty_recs, "pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]  # no temp files left


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_cli_export_writes_each_format(fmt: str, tmp_path: Path):
    out = tmp_path / f"recs{FORMATS[fmt][1]}"
    res = CliRunner().invoke(
        cli,
        [
            "export",
            "--demo",
            "--format",
            fmt,
            "--out",
            str(out),
            "--environment",
            "prod",
            "--verdict",
            "outgrown",
        ],
    )
    assert res.exit_code == 0, res.output
    assert out.stat().st_size > 0
    # readable by whoever the architect shares it with, like any file they save (umask aside)
    mask = os.umask(0)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask
    assert "functions, " in res.stderr
    if fmt == "csv":
        rows = _csv_rows(out.read_bytes())
        assert rows
        assert {r["verdict"] for r in rows} == {"outgrown"}
        assert {r["environment"] for r in rows} == {"prod"}


def test_cli_export_format_from_extension_and_sort(tmp_path: Path):
    out = tmp_path / "recs.json"
    res = CliRunner().invoke(
        cli, ["export", "--demo", "--out", str(out), "--sort", "name", "--region", "eu-west-1"]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    assert {f["region"] for f in doc["functions"]} == {"eu-west-1"}
    names = [f["name"] for f in doc["functions"]]
    assert names == sorted(names, key=str.lower)
    assert doc["filters"]["sort"] == "name"


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--format", "pdf"], "--format='pdf'"), (["--format", "csv", "--dir"], "cannot write")],
)
def test_cli_export_errors_are_one_line_without_partial_file(args, message, tmp_path: Path):
    target = tmp_path / "nope" / "r.csv" if "--dir" in args else tmp_path / "r.csv"
    args = [a for a in args if a != "--dir"]
    res = CliRunner().invoke(cli, ["export", "--demo", *args, "--out", str(target)])
    assert res.exit_code != 0
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    assert message in lines[0]
    assert "Traceback" not in res.output
    assert not target.exists()
    assert list(tmp_path.rglob("*")) == []
