"""One formatter family: each surface's look, pinned (exports, terminal, app, e-mail)."""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd
import pytest

from analyzer.core.analyze import analyze
from analyzer.core.demo import demo_fleet
from analyzer.present import format as fmt
from analyzer.present.recommendations import recommend
from analyzer.present.summary import fleet_summary

NAN = float("nan")


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: fmt.money(1240.5), "$1,240.50"),  # exports, terminal, e-mail rows
        (lambda: fmt.money(-3.5), "$-3.50"),
        (lambda: fmt.money(None, missing=""), ""),
        (lambda: fmt.money(NAN, missing="-"), "-"),
        (lambda: fmt.money(1240.4, 0, sign_first=True), "$1,240"),  # the app
        (lambda: fmt.money(-3.5, 2, sign_first=True), "-$3.50"),
        (lambda: fmt.money(math.inf), "–"),
        (lambda: fmt.number(1234.56, ",.1f"), "1,234.6"),
        (lambda: fmt.number(None), "–"),
        (lambda: fmt.count(12_345_678), "12.3M"),
        (lambda: fmt.count(450), "450"),
        (lambda: fmt.count(2.5e12, grouped=True), "2,500.0B"),
        (lambda: fmt.count(NAN, grouped=True, missing="–"), "–"),
        (lambda: fmt.multiple(2.5), "2.50x"),
        (lambda: fmt.multiple(1200.0), "1,200x"),
        (lambda: fmt.multiple(math.inf), "none"),
        (lambda: fmt.multiple(0.0), "any"),
        (lambda: fmt.iso_date("2026-01-31T05:00:00+00:00"), "2026-01-31"),
    ],
)
def test_each_surface_keeps_its_look(call: Callable[[], str], expected: str) -> None:
    assert call() == expected


def test_columns_leave_unknown_values_empty() -> None:
    values = pd.Series([1.5, NAN])
    assert list(fmt.money_column(values)) == ["$1.50", ""]
    assert list(fmt.number_column(values, ".0f")) == ["2", ""]


def test_one_fleet_summary_for_the_app_the_exports_and_the_email() -> None:
    analysis = analyze(demo_fleet())
    summary = fleet_summary(analysis.functions)
    exported = recommend(analysis).summary
    assert exported["functions"] == summary.functions
    assert exported["outgrown"] == summary.outgrown
    assert exported["lambda_usd_per_month"] == pytest.approx(summary.lambda_usd_per_month)
    assert exported["saving_usd_per_month"] == pytest.approx(summary.saving_usd_per_month)
    assert sum(summary.counts.values()) == summary.functions


def test_the_crossover_reads_as_a_sentence_in_every_case() -> None:
    from analyzer.present.sentences import crossover_sentence

    # Before: "Crossover at none today's traffic" when there was no crossover.
    assert crossover_sentence(float("nan"), float("nan"), 1000.0) == (
        "No crossover up to 1000x today's run rate"
    )
    assert crossover_sentence(0.0, 0.0, 1000.0) == (
        "Lambda costs more than the cheapest option at any traffic"
    )
    assert crossover_sentence(7.3755, 22.1e6, 1000.0) == (
        "Crossover at 7.38x today's run rate (22.1M invocations/month)"
    )
