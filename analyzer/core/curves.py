"""cost_curves(): one function's exact monthly costs at a range of traffic multiples (charts,
and the check that the solver's crossings are true crossings)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from analyzer.core.analyze import Analysis, assumption_groups
from analyzer.core.assumptions import Assumptions
from analyzer.core.fleet import hourly_matrix
from analyzer.core.lambda_line import LambdaLine
from analyzer.core.options.candidates import CandidateCache
from analyzer.core.options.cost import OptionPricing, OptionTraffic, price_options
from analyzer.core.options.demand import Demand, demand, units_per_request
from analyzer.core.options.shortlist import Shortlist, cheapest_compute
from analyzer.core.window import window_sums
from analyzer.exceptions import InputError

CURVE_CELLS = 4_000_000  # multiples x candidates x hours priced at once


def cost_curves(analysis: Analysis, function_id: str, multiples: Iterable[float]) -> pd.DataFrame:
    """Monthly cost of Lambda and of each option kind at traffic multiples k, for one function.

    Exact (the function's full hourly profile), in the fleet context of the analysis: Lambda at
    the fleet's tier rates, options under the function's own assumptions and price region."""
    ks = np.asarray(list(multiples), dtype=float)
    match = analysis.functions[analysis.functions["function_id"] == function_id]
    if match.empty:
        raise InputError("function", function_id, "is not in this analysis")
    row = {str(k): v for k, v in match.iloc[0].to_dict().items()}
    sub = analysis.fleet.subset([function_id])
    a = assumption_groups(sub, analysis.assumptions).of(0)
    functions = sub.functions
    hourly = hourly_matrix(sub)
    d = demand(
        hourly.duration_s,
        hourly.concurrency_max,
        functions["memory_mb"].to_numpy().astype(float),
        functions["arch"].to_numpy(),
        a,
        functions["runtime"].to_numpy(),
    )
    region = str(functions["region"].iloc[0])
    traffic = OptionTraffic(  # the tuned Lambda's front door, kept on the other side
        np.array([float(row["monthly_invocations"])]),
        np.array([row["tuned_front_door"]], dtype=object),
        np.array([float(row["lambda_front_door_fixed_usd"])]),
        np.array([float(row["lambda_front_door_variable_usd"])]),
        np.array([float(row["lambda_request_usd_per_request"])]),
        np.array([float(row["alb_share"])]),
    )
    pricings = price_options(
        d, a, a.price_region_proxy.get(region, region), traffic, CandidateCache(analysis.book)
    )
    n = len(ks)
    lambda_line = (
        LambdaLine(
            np.array([float(row["lambda_fixed_usd"])]),
            np.array([float(row["lambda_variable_usd"])]),
            np.array([float(row["lambda_free_credit_usd"])]),
        )
        .with_pc(
            window_sums(sub).concurrency,
            np.array([float(row["lambda_pc_allocated"])]),
            np.array([float(row["lambda_pc_discount_usd"])]),
        )
        .rows(np.zeros(n, dtype=int))
    )
    out: dict[str, np.ndarray] = {
        "multiple": ks,
        "monthly_invocations": ks * float(row["monthly_invocations"]),
        "lambda": lambda_line.at(ks),
    }
    for pricing in pricings:
        out[pricing.kind] = exact_option_usd(pricing, d, a, ks)
    return pd.DataFrame(out)


def exact_option_usd(
    pricing: OptionPricing, d: Demand, a: Assumptions, ks: np.ndarray
) -> np.ndarray:
    """One function's cheapest candidate of one kind at each multiple in `ks`: every feasible
    candidate, not a shortlist, over every hour (the true cheapest at each k)."""
    hours = d.base.shape[1]
    r_all = units_per_request(d, pricing.candidates, a)[0]
    ok = np.flatnonzero(np.isfinite(r_all))
    compute = np.full((len(ks), 1), np.inf)
    step = max(1, CURVE_CELLS // max(1, len(ok) * hours))
    for lo in range(0, len(ks), step):  # bounded memory: a few multiples at a time
        k = ks[lo : lo + step]
        n = len(k)
        everyone = Shortlist(
            np.tile(ok, (n, 1)),
            np.tile(r_all[ok], (n, 1)),
            np.tile(pricing.candidates.usd_per_hour[ok], (n, 1)),
        )
        part, _ = cheapest_compute(
            np.repeat(d.base, n, axis=0),
            np.repeat(d.excess, n, axis=0),
            everyone,
            k,
            a.min_units(pricing.kind),
            a.autoscaling,
            None,
            hours,
        )
        compute = np.vstack([compute[:lo], part[:, None]])
    return compute[:, 0] + pricing.fixed_usd[0] + ks * pricing.variable_usd[0]
