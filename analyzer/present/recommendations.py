"""Recommendations assembled: the numbers of `analyzer.core.recommend`, the words of
`analyzer.present.sentences`, the provenance of `analyzer.core.provenance` and the fleet summary.

    recommend(analysis, optimistic_analysis, pessimistic_analysis) -> Recommendations
    recommend_fleet(fleet, book, assumptions)   the three analyses, then recommend
    filter_recommendations(recs, ...)           the one filter/sort of the CLI export and the app
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

import pandas as pd

from analyzer.core import provenance
from analyzer.core.analyze import Analysis, analyze
from analyzer.core.assumptions import Assumptions, optimistic, pessimistic
from analyzer.core.columns import COLUMNS
from analyzer.core.fleet import Fleet
from analyzer.core.pricebook import PriceBook
from analyzer.core.recommend import Recommendations, economics
from analyzer.core.selection import filter_mask, sort_functions
from analyzer.core.vocabulary import HOURS_PER_MONTH, Verdict
from analyzer.core.window import FirstPass, first_pass
from analyzer.present import sentences
from analyzer.present.summary import group_summary, recommendations_summary


def worded(rec: pd.DataFrame, max_multiple: float) -> pd.DataFrame:
    """The economics frame with its text columns written, in `COLUMNS` order."""
    rec = rec.assign(best_option_sizing=sentences.sizing_column(rec))
    rec = rec.assign(tune_advice=sentences.tune_advice_column(rec))
    rec = rec.assign(forecast=sentences.forecast_column(rec))
    rec = rec.assign(
        caveats=sentences.caveats_column(rec),
        recommendation=sentences.recommendation_column(rec, max_multiple),
    )
    fns = rec[list(COLUMNS)].copy()
    return fns.assign(tune=fns["tune"].astype(bool))


def recommend(
    analysis: Analysis,
    optimistic_analysis: Analysis | None = None,
    pessimistic_analysis: Analysis | None = None,
    generated_at: str | None = None,
) -> Recommendations:
    """One recommendation per function of `analysis`, sorted by saving, with its provenance."""
    rec = economics(analysis, optimistic_analysis, pessimistic_analysis)
    fns = sort_functions(worded(rec, analysis.assumptions.max_multiple), "saving")
    recs = Recommendations(
        functions=fns,
        summary={},
        by_account=pd.DataFrame(),
        by_environment=pd.DataFrame(),
        by_target=pd.DataFrame(),
        assumptions=provenance.assumption_table(analysis.assumptions),
        prices=provenance.prices_used(analysis, fns),
        price_book=dict(analysis.book.summary()),
        window=provenance.window(analysis),
        monthly_basis=str(analysis.meta.get("monthly_basis", f"{HOURS_PER_MONTH:.0f} hours")),
        notes=list(analysis.meta.get("notes", [])),
        sensitivity=provenance.sensitivity(analysis, optimistic_analysis, pessimistic_analysis),
        thresholds=provenance.thresholds(analysis.assumptions),
        generated_at=generated_at,
        analysis=analysis,
    )
    return with_summary(recs)


def recommend_fleet(
    fleet: Fleet,
    book: PriceBook | None = None,
    assumptions: Assumptions | None = None,
    generated_at: str | None = None,
    first: FirstPass | None = None,
) -> Recommendations:
    """Analyse `fleet` under the given, the optimistic and the pessimistic assumptions, then
    recommend (`first`: the fleet's first pass, if already made)."""
    book = book or PriceBook.load()
    a = assumptions or Assumptions()
    first = first or first_pass(fleet)  # the traffic's sums read once for the three
    base = analyze(fleet, book, a, first=first)
    opt = analyze(fleet, book, optimistic(a), first=first)
    pes = analyze(fleet, book, pessimistic(a), first=first)
    return recommend(base, opt, pes, generated_at=generated_at)


def with_summary(recs: Recommendations) -> Recommendations:
    """`recs` with its fleet summary and by-account/environment/target tables recomputed."""
    fns = recs.functions
    outgrown = fns[fns["verdict"] == Verdict.OUTGROWN]
    by_target = group_summary(
        outgrown.assign(target=outgrown["best_option_kind"].fillna("")), ["target"]
    )
    return dataclasses.replace(
        recs,
        summary=recommendations_summary(fns),
        by_account=group_summary(fns, ["account_id", "account_name", "environment"]),
        by_environment=group_summary(fns, ["environment"]),
        by_target=by_target.drop(columns=["watch", "stay"], errors="ignore"),
    )


def filter_recommendations(
    recs: Recommendations,
    accounts: Iterable[str] | None = None,
    environments: Iterable[str] | None = None,
    regions: Iterable[str] | None = None,
    verdicts: Iterable[str] | None = None,
    sort: str = "saving",
) -> Recommendations:
    """The functions matching every given filter (an account matches by id or name; empty or
    None: no filter), sorted by saving|crossover|spend|name; the fleet summary is recomputed."""
    fns = recs.functions
    keep, used = filter_mask(fns, accounts, environments, regions, verdicts)
    used["sort"] = sort
    out = dataclasses.replace(recs, functions=sort_functions(fns[keep], sort), filters=used)
    return with_summary(out)


def subset_analysis(analysis: Analysis, function_ids: Sequence[str]) -> Analysis:
    """The analysis restricted to some functions (fleet order kept, as the engine guarantees)."""
    ids = pd.Index(function_ids)
    f = analysis.functions
    o = analysis.options
    return dataclasses.replace(
        analysis,
        functions=f[f["function_id"].isin(ids)].reset_index(drop=True),
        options=o[o["function_id"].isin(ids)].reset_index(drop=True),
        fleet=analysis.fleet.subset(ids),
        groups=None,  # recomputed for the subset, in its order
    )


def function_recommendation(analysis: Analysis, function_id: str) -> pd.Series:
    """One function's recommendation row (no sensitivity run): what the app's function page
    words with `sentences.verdict_sentence`."""
    one = subset_analysis(analysis, [function_id])
    return worded(economics(one), analysis.assumptions.max_multiple).iloc[0]
