"""Lambda's bill, for a whole fleet at once (vectorised).

Per function, monthly (HOURS_PER_MONTH = 730 h):
  requests      invocations x request price (free-tier requests allocated pro rata per account)
  duration      GB-s on on-demand: tiers apply to the aggregate per (account, region, arch)
                (or per (region, arch) across the organisation under consolidated billing); the
                group's bill is allocated to functions pro rata by GB-s
  provisioned   PC allocation (allocated x GB x seconds enabled x PC price) + GB-s run under PC
                at the PC duration price
  storage       (ephemeral_mb - 512)/1024 x billed seconds x storage price
  front door    API Gateway REST/HTTP per request (tiered on the (account, region) aggregate),
                Function URL free, ALB hourly (its share of a shared ALB) + LCU
Per-function terms (Savings Plan factor, free tier, front-door price region, ALB share) come
with the inputs when functions carry their own assumptions.
A Compute Savings Plan discounts duration and provisioned concurrency (not requests).

`LambdaCost.fixed_usd` / `variable_usd` split each function's bill into what does not move with
traffic (PC allocation, an ALB's hours) and what scales with it, at the group's average rates;
`LambdaCost.line` is the bill at traffic multiple k that the crossover solver scales
(`lambda_line.py`: linear, or with PC the hourly spill-over to on-demand).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analyzer.core.assumptions import Assumptions
from analyzer.core.fleet import HTTP_FRONT_DOORS
from analyzer.core.lambda_line import ConcurrencyProfile, LambdaLine
from analyzer.core.pricebook import LambdaRates, PriceBook
from analyzer.core.vocabulary import HOURS_PER_MONTH
from analyzer.exceptions import PriceBookError

FREE_REQUESTS = 1_000_000.0
FREE_GB_S = 400_000.0


@dataclass(frozen=True)
class LambdaInputs:
    """Per-function monthly quantities (arrays aligned with the fleet's functions)."""

    account_id: np.ndarray
    region: np.ndarray
    arch: np.ndarray
    front_door: np.ndarray
    memory_mb: np.ndarray
    ephemeral_storage_mb: np.ndarray
    invocations: np.ndarray  # per month
    billed_seconds: np.ndarray  # per month, billed duration incl. round-up and INIT
    pc_allocated: np.ndarray
    pc_hours: np.ndarray  # hours per month PC is enabled
    pc_share: np.ndarray  # share of billed seconds run on PC
    peak_requests_per_s: np.ndarray  # mean requests/s over the month (for LCUs)
    # Per-function billing terms (None: the run's assumptions `a` for every function).
    sp_factor: np.ndarray | None = None  # 1 - the Compute Savings Plan discount on Lambda
    free_tier: np.ndarray | None = None  # bool: the account's free tier applies
    front_door_region: np.ndarray | None = None  # region whose front-door prices apply
    alb_share: np.ndarray | None = None  # share of an ALB's hourly charge the function pays
    # Hourly mean concurrency of the functions with PC (`lambda_line.concurrency_profile`):
    # makes the k-line's spill-over to on-demand hour by hour (None: PC share frozen).
    concurrency: tuple[np.ndarray, ConcurrencyProfile] | None = None


@dataclass(frozen=True)
class LambdaCost:
    frame: (
        pd.DataFrame
    )  # requests_usd, duration_usd, storage_usd, provisioned_usd, front_door_usd, total_usd
    fixed_usd: np.ndarray
    variable_usd: np.ndarray
    free_credit_usd: np.ndarray
    gb_s: np.ndarray
    duration_rate: np.ndarray  # average USD per on-demand GB-s after tiers (before discount)
    front_door_fixed: np.ndarray
    front_door_variable: np.ndarray
    request_rate: np.ndarray  # USD per request
    line: LambdaLine  # the bill at traffic multiple k (what the crossover scales)


def _group_codes(*keys: np.ndarray) -> tuple[np.ndarray, int]:
    """Codes of the distinct key tuples, numbered in order of first appearance (as factorizing
    the tuples would; each key factorized alone, then their codes combined: far faster)."""
    combined = np.zeros(len(keys[0]) if keys else 0, dtype=np.int64)
    for key in keys:
        codes, uniques = pd.factorize(np.asarray(key, dtype=object), use_na_sentinel=False)
        combined = combined * len(uniques) + codes
    codes, uniques = pd.factorize(combined)
    return np.asarray(codes), len(uniques)


def rates_per_function(
    book: PriceBook, region: np.ndarray, arch: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray, list[LambdaRates]]:
    """Look each distinct (region, arch) up once; return per-function scalar rates."""
    codes, _ = _group_codes(region, arch)
    first = pd.Series(np.arange(len(codes))).groupby(codes).first().to_numpy()
    rates = [book.lambda_rates(str(region[i]), str(arch[i])) for i in first]
    table = pd.DataFrame(
        {
            "request_usd": [r.request_usd for r in rates],
            "storage": [np.nan if r.storage_gb_s is None else r.storage_gb_s for r in rates],
            "pc": [np.nan if r.pc_gb_s is None else r.pc_gb_s for r in rates],
            "pc_duration": [
                np.nan if r.pc_duration_gb_s is None else r.pc_duration_gb_s for r in rates
            ],
        }
    )
    return table.iloc[codes].reset_index(drop=True), codes, rates


def _free_tier_shares(
    inp: LambdaInputs, od_gb_s: np.ndarray, a: Assumptions
) -> tuple[np.ndarray, np.ndarray]:
    """Free tier per account: each function's share of free on-demand GB-s and of free
    requests, pro rata (zeros without the free tier)."""
    n = len(od_gb_s)
    on = np.full(n, a.free_tier) if inp.free_tier is None else inp.free_tier.astype(bool)
    free_gb_share = np.zeros(n)
    free_req_share = np.zeros(n)
    if on.any():  # the account's free tier, shared by the functions it applies to
        acc_codes, n_acc = _group_codes(inp.account_id)
        acc_gbs = np.bincount(acc_codes, weights=od_gb_s * on, minlength=n_acc)
        acc_req = np.bincount(acc_codes, weights=inp.invocations * on, minlength=n_acc)
        with np.errstate(divide="ignore", invalid="ignore"):
            free_gb_share = np.nan_to_num(np.minimum(1.0, FREE_GB_S / acc_gbs))[acc_codes] * on
            free_req_share = np.nan_to_num(np.minimum(1.0, FREE_REQUESTS / acc_req))[acc_codes] * on
    return free_gb_share, free_req_share


def _tiered_duration_rate(
    inp: LambdaInputs,
    billable_gb_s: np.ndarray,
    a: Assumptions,
    book: PriceBook,
    ra_codes: np.ndarray,
    ra_list: list[LambdaRates],
) -> np.ndarray:
    """Each function's average USD per GB-s: tiers on the aggregate per (account, region,
    arch), or per (region, arch) under consolidated billing, allocated pro rata."""
    n = len(billable_gb_s)
    acct_key = np.full(n, "*") if a.consolidated_billing else inp.account_id
    g_codes, n_groups = _group_codes(acct_key, inp.region, inp.arch)
    g_gbs = np.bincount(g_codes, weights=billable_gb_s, minlength=n_groups)
    g_ra = pd.Series(ra_codes).groupby(g_codes).first().to_numpy()
    g_cost = np.zeros(n_groups)
    for ra in np.unique(g_ra):  # one pass per distinct (region, arch) price list
        sel = g_ra == ra
        tiers = ra_list[ra].duration
        if np.any(g_gbs[sel] > tiers.covered_to):
            r = ra_list[ra]
            raise PriceBookError(
                f"the price book ({book.as_of}) has Lambda duration tiers for {r.arch} in "
                f"{r.region} only up to {tiers.covered_to:,.0f} GB-s/month; run `crossover prices "
                f"refresh --region {r.region}`"
            )
        g_cost[sel] = tiers.cost(g_gbs[sel])
    with np.errstate(divide="ignore", invalid="ignore"):
        g_rate = np.where(g_gbs > 0, g_cost / g_gbs, [ra_list[i].duration.first_rate for i in g_ra])
    return g_rate[g_codes]


def lambda_cost(inp: LambdaInputs, book: PriceBook, a: Assumptions) -> LambdaCost:
    n = len(inp.memory_mb)
    if n == 0:
        empty = np.zeros(0)
        cols = [
            "requests_usd",
            "duration_usd",
            "storage_usd",
            "provisioned_usd",
            "front_door_usd",
            "total_usd",
        ]
        frame = pd.DataFrame({c: empty for c in cols})
        line = LambdaLine(empty, empty, empty)
        e = empty
        return LambdaCost(frame, e, e, e, e, e, e, e, e, line)
    rates, ra_codes, ra_list = rates_per_function(book, inp.region, inp.arch)
    gb = inp.memory_mb / 1024.0
    gb_s = inp.billed_seconds * gb
    pc_share = np.clip(inp.pc_share, 0.0, 1.0)
    has_pc = inp.pc_allocated > 0
    pc_rate = rates["pc"].to_numpy()
    pc_dur_rate = rates["pc_duration"].to_numpy()
    if np.any(has_pc & (np.isnan(pc_rate) | np.isnan(pc_dur_rate))):
        i = int(np.argmax(has_pc & (np.isnan(pc_rate) | np.isnan(pc_dur_rate))))
        raise PriceBookError(
            f"the price book ({book.as_of}) has no provisioned-concurrency price for "
            f"{inp.arch[i]} in {inp.region[i]}: run `crossover prices refresh --region "
            f"{inp.region[i]}`"
        )
    pc_gb_s_run = np.where(has_pc, gb_s * pc_share, 0.0)
    od_gb_s = gb_s - pc_gb_s_run

    free_gb_share, free_req_share = _free_tier_shares(inp, od_gb_s, a)
    billable_gb_s = od_gb_s * (1.0 - free_gb_share)

    avg_rate = _tiered_duration_rate(inp, billable_gb_s, a, book, ra_codes, ra_list)

    sp = 1.0 - a.discount("lambda") if inp.sp_factor is None else inp.sp_factor
    duration_usd = billable_gb_s * avg_rate * sp
    pc_alloc_usd = np.where(
        has_pc, inp.pc_allocated * gb * inp.pc_hours * 3600.0 * np.nan_to_num(pc_rate), 0.0
    )
    pc_run_usd = pc_gb_s_run * np.nan_to_num(pc_dur_rate)
    provisioned_usd = (pc_alloc_usd + pc_run_usd) * sp
    request_rate = rates["request_usd"].to_numpy()
    requests_usd = inp.invocations * (1.0 - free_req_share) * request_rate

    storage_rate = rates["storage"].to_numpy()
    extra_gb = np.maximum(inp.ephemeral_storage_mb - 512, 0) / 1024.0
    needs_storage = extra_gb > 0
    if np.any(needs_storage & np.isnan(storage_rate)):
        i = int(np.argmax(needs_storage & np.isnan(storage_rate)))
        raise PriceBookError(
            f"the price book ({book.as_of}) has no ephemeral-storage price for Lambda in "
            f"{inp.region[i]}: run `crossover prices refresh --region {inp.region[i]}`"
        )
    storage_usd = extra_gb * inp.billed_seconds * np.nan_to_num(storage_rate)

    fd_fixed, fd_var = front_door_cost(inp, book, a)
    front_door_usd = fd_fixed + fd_var

    total = requests_usd + duration_usd + storage_usd + provisioned_usd + front_door_usd
    frame = pd.DataFrame(
        {
            "requests_usd": requests_usd,
            "duration_usd": duration_usd,
            "storage_usd": storage_usd,
            "provisioned_usd": provisioned_usd,
            "front_door_usd": front_door_usd,
            "total_usd": total,
        }
    )
    # What scaling traffic by k would do: gross variable cost, the fixed part, the free credit.
    gross_requests = inp.invocations * request_rate
    gross_duration = od_gb_s * avg_rate * sp
    fixed = pc_alloc_usd * sp + fd_fixed
    variable = gross_requests + gross_duration + pc_run_usd * sp + storage_usd + fd_var
    credit = (gross_requests - requests_usd) + (gross_duration - duration_usd)
    # Today's PC-run GB-s would cost D more on demand: what V(k) moves as traffic spills over.
    discount = pc_gb_s_run * np.maximum(avg_rate - np.nan_to_num(pc_dur_rate), 0.0) * sp
    line = LambdaLine(fixed, variable, credit)
    if inp.concurrency is not None:
        line = line.with_pc(inp.concurrency, inp.pc_allocated, discount)
    return LambdaCost(
        frame, fixed, variable, credit, gb_s, avg_rate, fd_fixed, fd_var, request_rate, line
    )


def front_door_cost(
    inp: LambdaInputs, book: PriceBook, a: Assumptions
) -> tuple[np.ndarray, np.ndarray]:
    """(fixed, variable) monthly USD of each function's front door on the Lambda side."""
    n = len(inp.front_door)
    fixed = np.zeros(n)
    var = np.zeros(n)
    price_region = (
        proxied_regions(inp.region, a.price_region_proxy)
        if inp.front_door_region is None
        else inp.front_door_region
    )
    for service in ("apigw_rest", "apigw_http"):
        sel = inp.front_door == service
        if not sel.any():
            continue
        codes, ng = _group_codes(inp.account_id[sel], inp.region[sel], price_region[sel])
        req = np.bincount(codes, weights=inp.invocations[sel], minlength=ng)
        regions = pd.Series(price_region[sel]).groupby(codes).first().to_numpy()
        cost = np.zeros(ng)
        for reg in np.unique(regions):
            tiers = book.apigw_tiers(str(reg), service)
            m = regions == reg
            cost[m] = tiers.cost(req[m])
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.nan_to_num(cost / req)
        var[sel] = inp.invocations[sel] * rate[codes]
    share = np.ones(n) if inp.alb_share is None else inp.alb_share
    sel = inp.front_door == "alb"
    if sel.any():
        for reg in np.unique(price_region[sel]):
            m = sel & (price_region == reg)
            hour, lcu = book.alb(str(reg))
            fixed[m] = hour * HOURS_PER_MONTH * share[m]
            var[m] = (
                inp.peak_requests_per_s[m] / a.alb_requests_per_lcu_second * lcu * HOURS_PER_MONTH
            )
    return fixed, var


def alb_shares(
    account_id: np.ndarray, region: np.ndarray, front_door: np.ndarray, shared: np.ndarray
) -> np.ndarray:
    """Each function's share of an ALB's hourly charge: with `shared` (assumption alb_shared),
    one ALB per (account, region) split evenly across the HTTP-fronted functions there; else a
    whole ALB each."""
    http = np.isin(front_door, HTTP_FRONT_DOORS)
    codes, ng = _group_codes(account_id, region)
    count = np.bincount(codes, weights=http.astype(float), minlength=ng)[codes]
    return np.where(shared.astype(bool) & (count > 0), 1.0 / np.maximum(count, 1.0), 1.0)


def proxied_regions(region: np.ndarray, proxy: dict[str, str]) -> np.ndarray:
    """The region whose prices stand in for each of `region` (itself unless proxied)."""
    if not proxy:
        return np.asarray(region, dtype=object)
    regions = pd.Series(region, dtype=object)
    return regions.map(proxy).fillna(regions).to_numpy(dtype=object)
