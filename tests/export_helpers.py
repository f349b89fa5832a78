"""Fixtures and helpers for the recommendation and export tests (imported by conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest

from analyzer.core.demo import demo_fleet
from analyzer.core.fleet import FleetData
from analyzer.core.pricebook import PriceBook
from analyzer.core.recommend import Recommendations
from analyzer.core.scenario import scenario_fleet
from analyzer.present.recommendations import recommend_fleet

GENERATED_AT = "2026-11-26T08:00:00Z"
NASTY_NAMES = ('=HYPERLINK("http://x","y")', "<script>alert(1)</script>")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite tests/golden/* from the current exports.",
    )


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def export_book() -> PriceBook:
    return PriceBook.bundled()


@pytest.fixture(scope="session")
def demo_recs(export_book: PriceBook) -> Recommendations:
    return recommend_fleet(demo_fleet(), export_book, generated_at=GENERATED_AT)


def scenario(functions: list[dict[str, Any]], **top: Any) -> tuple[FleetData, Any]:
    return scenario_fleet(
        {"region": "us-east-1", "functions": functions, **top}, PriceBook.bundled()
    )


@pytest.fixture(scope="session")
def nasty_recs(export_book: PriceBook) -> Recommendations:
    """Two busy functions whose names try formula and script injection."""
    fleet, a = scenario(
        [
            {
                "name": NASTY_NAMES[0],
                "memory_mb": 1024,
                "monthly_invocations": 400_000_000,
                "avg_duration_ms": 80,
                "front_door": "apigw_rest",
                "environment": "-prod",
            },
            {
                "name": NASTY_NAMES[1],
                "memory_mb": 512,
                "monthly_invocations": 1_000_000,
                "avg_duration_ms": 50,
                "environment": "@dev|`x`",
            },
        ],
        account_id="+123",
    )
    return recommend_fleet(fleet, export_book, a, generated_at=GENERATED_AT)
