"""Two bases for every monthly figure: spend and run rate.

Spend: what the window cost, normalised to HOURS_PER_MONTH hours (reconciles with the bill).
Run rate: what the next month costs at the current level of traffic (`forecast.run_rate`: the
trend's level at the window end, or the last 7 days where the trend is weak), a multiple r of
the window's mean traffic. The engine prices any multiple k of the window's hourly profile, so
the run-rate costs are the same cost curves at k = r: Lambda's line L(r) and the exact cheapest
option P(r) (one more evaluation per function, in `blocks.analyse_block`). The crossover on the
run-rate basis is k*_window / r: the same traffic, as a multiple of the run rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analyzer.core.crossover import LambdaLine
from analyzer.core.forecast import RunRate
from analyzer.core.lambda_cost import LambdaCost


def line(bill: LambdaCost) -> LambdaLine:
    """Lambda's monthly cost as a function of the traffic multiple k (k = 1: the window)."""
    return LambdaLine(bill.fixed_usd, bill.variable_usd, bill.free_credit_usd)


@dataclass(frozen=True)
class RunRateCosts:
    """Per function, at the run rate: the multiple and its basis, Lambda today and tuned, the
    best option, the Move saving, and the crossover multiple of the run rate."""

    multiple: np.ndarray
    basis: np.ndarray
    lambda_usd: np.ndarray
    tuned_lambda_usd: np.ndarray
    best_usd: np.ndarray  # inf where no option is feasible
    saving_usd: np.ndarray
    crossover_multiple: np.ndarray


def run_rate_costs(
    rate: RunRate,
    today: LambdaCost,
    tuned: LambdaCost,
    best_run_rate_usd: np.ndarray,
    crossover_window: np.ndarray,
) -> RunRateCosts:
    r = rate.multiple
    lambda_usd = line(today).at(r)
    tuned_usd = line(tuned).at(r)
    # Exactly today's figures where the run rate is the window mean (no rounding drift).
    lambda_usd = np.where(r == 1.0, today.frame["total_usd"].to_numpy(), lambda_usd)
    tuned_usd = np.where(r == 1.0, tuned.frame["total_usd"].to_numpy(), tuned_usd)
    best = best_run_rate_usd
    saving = np.where(np.isfinite(best), np.maximum(tuned_usd - best, 0.0), 0.0)
    return RunRateCosts(
        multiple=r,
        basis=rate.basis,
        lambda_usd=lambda_usd,
        tuned_lambda_usd=tuned_usd,
        best_usd=best,
        saving_usd=saving,
        crossover_multiple=crossover_window / r,
    )
