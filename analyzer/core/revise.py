"""An analysis revised for assumptions that act only after pricing, instead of priced again.

The verdicts' thresholds and the one-time migration hours do not change any price, option or
crossover: a What-if change of these alone (say the smallest saving that makes a function
Outgrown) keeps every priced figure and decides the verdicts again, in milliseconds where a
new analysis of 10,000 functions takes seconds. The figures are the ones `analyze` gives.
"""

from __future__ import annotations

import dataclasses

from analyzer.core.analyze import (
    Analysis,
    assumption_groups,
    decide_verdicts,
    with_data_source_proxy,
)
from analyzer.core.assumptions import DEFAULTS, Assumptions

AFTER_PRICING = (
    "outgrown_min_saving_usd",
    "watch_multiple",
    "watch_months",
    "migration_hours",
    "lmi_migration_hours",
)
"""Assumptions that act only after every option is priced: the verdicts' thresholds and the
one-time migration hours (`recommend`). A change of these alone needs no new pricing
(`revised`)."""


def pricing_assumptions(a: Assumptions) -> Assumptions:
    """`a` with the AFTER_PRICING fields at their defaults: two sets with the same pricing
    assumptions price every function alike."""
    return dataclasses.replace(a, **{name: getattr(DEFAULTS, name) for name in AFTER_PRICING})


def revised(analysis: Analysis, assumptions: Assumptions) -> Analysis | None:
    """`analysis` under `assumptions` without pricing anything again, when they differ from the
    set it was priced under only in AFTER_PRICING fields (the verdicts are decided again from
    its crossover, run-rate saving and forecast); None when they differ in anything else.
    The same figures as `analyze(fleet, book, assumptions)`."""
    run = with_data_source_proxy(assumptions, analysis.fleet)
    if pricing_assumptions(run) != pricing_assumptions(analysis.assumptions):
        return None
    groups = assumption_groups(analysis.fleet, run)
    f = analysis.functions.copy()
    f["verdict"] = decide_verdicts(
        f["crossover_multiple"].to_numpy(),
        f["run_rate_saving_usd_per_month"].to_numpy(),
        f["months_to_crossover"].to_numpy(),
        groups,
    )
    return dataclasses.replace(analysis, functions=f, assumptions=run, groups=groups)
