"""The decision figures the app shows beside the headline, and the changes since a report."""

from __future__ import annotations

import pandas as pd

from analyzer.present.app import changes, decision, function_decision
from analyzer.present.email_body import ReportData


def _recs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "function_id": ["a", "b", "c", "d"],
            "verdict": ["outgrown", "outgrown", "watch", "stay"],
            "verdict_survives": ["yes", "no", "yes", "yes"],
            "tune": [False, True, False, True],
            "confidence": ["high", "low", "medium", "high"],
            "lambda_usd_per_month": [500.0, 300.0, 200.0, 100.0],
            "best_option_usd_per_month": [300.0, 250.0, 260.0, 400.0],
            "saving_usd_per_month": [200.0, 50.0, -60.0, -300.0],
            "migration_cost_usd": [4000.0, 1000.0, 2000.0, 3000.0],
            "tune_usd_per_month": [0.0, 12.5, 0.0, 7.25],
            "tune_saving_usd_per_month": [0.0, 12.5, 0.0, 7.25],
            "payback_months": [20.0, 20.0, None, None],
        }
    )


def test_decision_counts_firm_outgrown_verdicts_and_sums_the_exports_money() -> None:
    d = decision(_recs())
    assert (d.outgrown, d.firm, d.low_confidence, d.tunable) == (2, 1, 1, 2)
    assert d.migration_cost_usd == 5000.0  # 4,000 + 1,000: the Outgrown functions only
    assert d.payback_months == 20.0  # 5,000 / (200 + 50)
    assert d.tune_usd_per_month == 19.75  # 12.50 + 7.25
    assert d.firm_text() == "1 of 2"
    assert d.payback_text() == "20.0 months"
    assert d.sentence() == (
        "1 of 2 Outgrown verdicts are firm (they hold under both the optimistic and the "
        "pessimistic assumptions); moving them costs about $5,000 once, paid back in "
        "20.0 months. Tune: 2 function(s) can be made cheaper on Lambda itself, $20/month. "
        "1 recommendation(s) have low confidence."
    )


def test_no_outgrown_function_means_nothing_to_pay_back() -> None:
    d = decision(_recs().iloc[2:])
    assert d.firm_text() == "no Outgrown verdict"
    assert d.payback_text() == "nothing to pay back"
    assert d.sentence().startswith("No function has outgrown Lambda: nothing to migrate.")


def test_function_decision_words_each_figure() -> None:
    recs = _recs()
    assert function_decision(recs.iloc[0]) == {
        "One-time migration cost": "$4,000",
        "Payback": "20.0 months",
        "Confidence": "high",
        "Tune saving": "none",
    }
    assert function_decision(recs.iloc[3]) == {
        "One-time migration cost": "none",
        "Payback": "nothing to pay back",
        "Confidence": "high",
        "Tune saving": "$7/month",
    }


def _report(first: bool) -> ReportData:
    rep = ReportData(date="2026-12-01", first_report=first, previous_at="2026-11-01")
    rep.newly_outgrown = [{"function_id": "a", "name": "checkout"}]
    rep.newly_watch = [{"function_id": "x", "name": "elsewhere"}]
    return rep


def test_changes_since_the_last_report_keep_the_shown_functions_it_knew() -> None:
    c = changes(_report(False), ["a", "b"], previous_ids=["a", "b", "x"])
    assert c.sentence() == "Since the report of 2026-11-01: 1 newly Outgrown (checkout)."
    assert changes(_report(True), ["a"]).sentence().startswith("No earlier report")
    other = changes(_report(False), ["a"], previous_ids=["zzz"])
    assert other.sentence() == (
        "The last report (2026-11-01) covered other functions: no changes to show for these."
    )
