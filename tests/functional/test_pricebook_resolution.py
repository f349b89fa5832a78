"""One price-book rule for every command and the app: a book refreshed into the data directory
(`crossover prices refresh`) is the one `analyze`, `cost`, `export`, `report` and the app use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.adapters import pricebooks
from analyzer.cli import cli
from analyzer.core.pricebook import PriceBook, bundled_document

ROOT = Path(__file__).resolve().parents[2]
REFRESHED_AS_OF = "2031-02-03"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory holding a refreshed book that differs from the bundled one by its date."""
    monkeypatch.delenv("CROSSOVER_PRICEBOOK", raising=False)
    monkeypatch.delenv("CROSSOVER_DATA_DIR", raising=False)
    monkeypatch.setenv("CROSSOVER_CHARTS", "0")
    folder = tmp_path / "data"
    doc = {**bundled_document(), "as_of": REFRESHED_AS_OF, "origin": "pricing-api"}
    pricebooks.save(doc, folder)
    return folder


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_bundled_book_is_used_without_a_refreshed_one(tmp_path: Path) -> None:
    out = json.loads(_run("analyze", "--demo", "--format", "json", "--data-dir", str(tmp_path)))
    assert out["price_book"]["as_of"] == bundled_document()["as_of"] != REFRESHED_AS_OF


def test_analyze_uses_the_refreshed_book(data_dir: Path) -> None:
    out = json.loads(_run("analyze", "--demo", "--format", "json", "--data-dir", str(data_dir)))
    assert out["price_book"]["as_of"] == REFRESHED_AS_OF


def test_cost_uses_the_refreshed_book_of_the_environment_data_dir(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CROSSOVER_DATA_DIR", str(data_dir))
    assert REFRESHED_AS_OF in _run("cost", str(ROOT / "examples" / "orders-api.json"))


def test_export_uses_the_refreshed_book(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "recs.json"
    _run("export", "--demo", "--out", str(out), "--data-dir", str(data_dir))
    assert json.loads(out.read_text(encoding="utf-8"))["price_book"]["as_of"] == REFRESHED_AS_OF


def test_report_uses_the_refreshed_book(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    _run("report", "--demo", "--dry-run", "--out", str(out), "--data-dir", str(data_dir))
    text = (out / "report.txt").read_text(encoding="utf-8")
    assert f"price book of {REFRESHED_AS_OF}" in text


def test_the_app_uses_the_refreshed_book(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app_pages import common

    monkeypatch.setenv("CROSSOVER_DATA_DIR", str(data_dir))
    common.price_book.clear()
    try:
        book = common.price_book()
    finally:
        common.price_book.clear()
    assert isinstance(book, PriceBook)
    assert book.as_of == REFRESHED_AS_OF


def test_an_explicit_book_beats_the_refreshed_one(data_dir: Path, tmp_path: Path) -> None:
    explicit = tmp_path / "explicit.json"
    explicit.write_text(json.dumps({**bundled_document(), "as_of": "2029-09-09"}), encoding="utf-8")
    out = json.loads(
        _run(
            "analyze",
            "--demo",
            "--format",
            "json",
            "--data-dir",
            str(data_dir),
            "--pricebook",
            str(explicit),
        )
    )
    assert out["price_book"]["as_of"] == "2029-09-09"
