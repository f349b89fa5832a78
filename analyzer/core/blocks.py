"""Every option priced and the crossover solved for a whole fleet, block by block.

A block is the functions of one chunk (CHUNK functions: one hourly matrix in memory at a time)
that share an assumption set and a price region. Per block: demand -> each option kind's
candidates, shortlist and costs -> the exact cheapest option at today's traffic -> the
crossover multiple (`crossover.solve_crossover` on the exact cheapest-option cost
`exact_cost.ExactCost`: every feasible candidate, every hour).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analyzer.core.assumptions import AssumptionGroups, Assumptions
from analyzer.core.crossover import Bounds, CostAt, refine_crossover, solve_crossover
from analyzer.core.exact_cost import ExactCost
from analyzer.core.fleet import MAX_BLOCK, Fleet, HourlyMatrix, block_size, hourly_matrix
from analyzer.core.lambda_cost import LambdaCost
from analyzer.core.lambda_line import LambdaLine
from analyzer.core.options.candidates import CandidateCache
from analyzer.core.options.cost import (
    OPTION_COLUMNS,
    OptionPricing,
    OptionTraffic,
    cheapest_option_usd,
    option_breakdown,
    price_options,
)
from analyzer.core.options.demand import Demand, compress_profile, demand
from analyzer.core.options.shortlist import SHORTLIST_DOWN, Shortlist, shortlist
from analyzer.core.pricebook import PriceBook
from analyzer.core.runner import ChunkRunner, checkpoint, in_process

CHUNK = MAX_BLOCK
PROFILE_BINS = 64


@dataclass(frozen=True)
class PricedOptions:
    """Every function's options at today's traffic, the cheapest, and the crossover multiple."""

    options: pd.DataFrame  # OPTION_COLUMNS, feasible options only
    best_kind: np.ndarray  # None where no option is feasible
    best_usd: np.ndarray  # inf where no option is feasible
    peak_concurrency: np.ndarray
    crossover_multiple: np.ndarray  # on the window's traffic (k = 1: the window mean)
    best_run_rate_usd: np.ndarray  # the exact cheapest option at the run rate (k = run_rate)


@dataclass(frozen=True)
class Block:
    """Functions of one chunk that share assumptions and price region."""

    rows: np.ndarray  # positions in the fleet
    function_ids: np.ndarray
    demand: Demand
    assumptions: Assumptions
    price_region: str
    hours: int


@dataclass(frozen=True)
class BlockResult:
    rows: np.ndarray
    tables: list[pd.DataFrame]
    best_kind: np.ndarray
    best_usd: np.ndarray
    peak_concurrency: np.ndarray
    crossover_multiple: np.ndarray
    best_run_rate_usd: np.ndarray


def chunks(fleet: Fleet, chunk: int) -> list[tuple[int, int]]:
    """The fleet's function positions in chunks [lo, hi) of at most `chunk` functions, fewer
    for long windows (`fleet.block_size`: one hourly matrix of bounded size at a time)."""
    n, step = len(fleet.functions), block_size(fleet.hours, chunk)
    return [(lo, min(n, lo + step)) for lo in range(0, n, step)]


def blocks(
    fleet: Fleet, groups: AssumptionGroups, region_map: dict[str, str], chunk: int
) -> Iterator[Block]:
    """The fleet's blocks, chunk by chunk (`chunks`)."""
    for lo, hi in chunks(fleet, chunk):
        yield from chunk_blocks(fleet, groups, region_map, lo, hi)


def chunk_blocks(
    fleet: Fleet, groups: AssumptionGroups, region_map: dict[str, str], start: int, stop: int
) -> Iterator[Block]:
    """The functions [start, stop) split by (assumption set, price region), their hourly
    traffic read once."""
    functions = fleet.functions
    function_ids = functions["function_id"].to_numpy()
    memory_mb = functions["memory_mb"].to_numpy().astype(float)
    arch = functions["arch"].to_numpy()
    runtime = functions["runtime"].to_numpy()
    price_region = functions["region"].map(region_map).to_numpy()  # O(F) per chunk: cheap
    hourly = hourly_matrix(fleet, start, stop)
    chunk_rows = np.arange(start, stop)
    keys = pd.MultiIndex.from_arrays([groups.codes[chunk_rows], price_region[chunk_rows]])
    block_codes, block_keys = pd.factorize(keys)
    for code, (group, region) in enumerate(block_keys):
        local = np.flatnonzero(block_codes == code)
        rows = chunk_rows[local]
        yield _block(
            hourly,
            local,
            rows,
            function_ids,
            memory_mb,
            arch,
            runtime,
            groups.groups[group],
            str(region),
        )


def _block(
    hourly: HourlyMatrix,
    local: np.ndarray,
    rows: np.ndarray,
    function_ids: np.ndarray,
    memory_mb: np.ndarray,
    arch: np.ndarray,
    runtime: np.ndarray,
    a: Assumptions,
    price_region: str,
) -> Block:
    block_demand = demand(
        hourly.duration_s[local],
        hourly.concurrency_max[local],
        memory_mb[rows],
        arch[rows],
        a,
        runtime[rows],
    )
    return Block(
        rows, function_ids[rows], block_demand, a, price_region, block_demand.base.shape[1]
    )


def price_fleet_options(
    fleet: Fleet,
    groups: AssumptionGroups,
    region_map: dict[str, str],
    lambda_bill: LambdaCost,
    traffic: OptionTraffic,
    book: PriceBook,
    chunk: int,
    run_rate: np.ndarray | None = None,
    runner: ChunkRunner | None = None,
) -> PricedOptions:
    """Every function's options and crossover, chunk by chunk (see the module docstring), each
    chunk priced by `runner` (default: here, in order; `adapters.dask_run`: on a cluster);
    `run_rate`: the multiple of the window's traffic the best option is also priced at."""
    n = len(fleet.functions)
    context = PricingContext(
        groups,
        region_map,
        lambda_bill.line,
        lambda_bill.frame["total_usd"].to_numpy(),
        traffic,
        book,
        np.ones(n) if run_rate is None else np.asarray(run_rate, dtype=float),
    )
    best_kind = np.full(n, None, dtype=object)
    best_usd = np.full(n, np.inf)
    peak = np.zeros(n)
    k_star = np.full(n, np.nan)
    best_run_rate = np.full(n, np.inf)
    tables: list[pd.DataFrame] = []
    for results in (runner or in_process)(price_chunk, fleet, context, chunks(fleet, chunk)):
        for result in results:
            rows = result.rows
            tables += result.tables
            best_kind[rows] = result.best_kind
            best_usd[rows] = result.best_usd
            peak[rows] = result.peak_concurrency
            k_star[rows] = result.crossover_multiple
            best_run_rate[rows] = result.best_run_rate_usd
    options = (
        pd.concat(tables, ignore_index=True).reindex(columns=list(OPTION_COLUMNS))
        if tables
        else pd.DataFrame(columns=list(OPTION_COLUMNS))
    )
    return PricedOptions(options, best_kind, best_usd, peak, k_star, best_run_rate)


@dataclass(frozen=True)
class PricingContext:
    """What pricing a chunk needs besides its traffic: fleet-wide figures (the Lambda side
    needs every function's usage for its tiers) for every function position."""

    groups: AssumptionGroups
    region_map: dict[str, str]
    lambda_line: LambdaLine
    lambda_total: np.ndarray
    traffic: OptionTraffic
    book: PriceBook
    run_rate: np.ndarray  # the multiple of the window's traffic the best option is priced at


def price_chunk(
    fleet: Fleet, context: PricingContext, lo: int, hi: int, cache: CandidateCache | None = None
) -> list[BlockResult]:
    """Every option and the crossover of the functions [lo, hi), block by block (a
    `runner.ChunkTask`); `cache`: default, this thread's for the price book."""
    cache = cache or thread_cache(context.book)
    out = []
    for block in chunk_blocks(fleet, context.groups, context.region_map, lo, hi):
        checkpoint()  # a background pass stopped meanwhile ends between blocks and steps
        rows = block.rows
        out.append(
            analyse_block(
                block,
                context.traffic.rows(rows),
                context.lambda_line.rows(rows),
                context.lambda_total[rows],
                cache,
                context.run_rate[rows],
            )
        )
    return out


_CACHES = threading.local()


def thread_cache(book: PriceBook) -> CandidateCache:
    """This thread's candidate cache for `book` (candidates are built once per thread, not once
    per chunk; a cache is not shared between threads)."""
    cache = getattr(_CACHES, "cache", None)
    if cache is None or cache.book is not book:
        cache = _CACHES.cache = CandidateCache(book)
    return cache


def analyse_block(
    block: Block,
    traffic: OptionTraffic,
    lambda_line: LambdaLine,
    lambda_total: np.ndarray,
    cache: CandidateCache,
    run_rate: np.ndarray | None = None,
) -> BlockResult:
    """Price every option for one block, pick the cheapest, solve the crossover, and price
    the exact cheapest option at the run rate (one more exact evaluation per function)."""
    a = block.assumptions
    pricings = price_options(block.demand, a, block.price_region, traffic, cache)
    checkpoint()
    exact = ExactCost.build(pricings, block.demand, a)
    n = len(block.rows)
    best_usd = np.full(n, np.inf)
    best_kind = np.full(n, None, dtype=object)
    tables = []
    today, p_one = with_exact_best(pricings, exact)
    for pricing in today:
        checkpoint()
        breakdown = option_breakdown(pricing, block.demand, a, block.hours)
        table = breakdown.table.assign(
            function_id=block.function_ids, price_region=block.price_region
        )
        tables.append(table[breakdown.feasible])
        cheaper = breakdown.monthly_usd < best_usd
        best_usd = np.where(cheaper, breakdown.monthly_usd, best_usd)
        best_kind = np.where(cheaper, pricing.kind, best_kind)
    # An estimate of k* on the shortlist and a compressed profile (cheap), then proved or
    # corrected on the exact costs: every feasible candidate, every hour (ExactCost).
    dearer = np.flatnonzero(lambda_total >= best_usd)
    pricings = shortlist_down(pricings, block.demand, a, dearer)
    profile = compress_profile(block.demand, PROFILE_BINS)

    def provisioned(rows: np.ndarray) -> CostAt:
        profile_rows = profile.rows(rows)
        return lambda k: cheapest_option_usd(k, pricings, profile_rows, a, rows)

    checkpoint()
    estimate = solve_crossover(lambda_line, provisioned, a.max_multiple)
    checkpoint()
    k_star = refine_crossover(
        lambda_line,
        lambda rows: lambda k: exact.cost(rows, k),
        Bounds(
            lambda rows: lambda k: exact.bound(rows, k, upper=False),
            lambda rows: lambda k: exact.bound(rows, k, upper=True),
        ),
        estimate,
        a.max_multiple,
        p_one,
        lambda rows: lambda k, usd: exact.affordable(rows, k, usd),
    )
    rate = np.ones(n) if run_rate is None else run_rate
    at_rate = np.where(rate == 1.0, best_usd, exact.cost(np.arange(n), rate)) if n else best_usd
    return BlockResult(block.rows, tables, best_kind, best_usd, block.demand.peak, k_star, at_rate)


def with_exact_best(
    pricings: list[OptionPricing], exact: ExactCost
) -> tuple[list[OptionPricing], np.ndarray]:
    """Each pricing's shortlist with one more candidate per function: the kind's exact cheapest
    at today's traffic (every feasible candidate, every hour), so today's best option is exact;
    and that exact cheapest option's monthly cost P(1)."""
    n = len(exact.base)
    p_one, computes = exact.cheapest(np.arange(n), np.ones(n))
    out = []
    for pricing, kind, compute in zip(pricings, exact.kinds, computes, strict=True):
        pick = np.argmin(compute, axis=1)[:, None]
        chosen = pricing.shortlist
        out.append(
            pricing.with_shortlist(
                Shortlist(
                    np.concatenate(
                        [chosen.idx, np.take_along_axis(kind.index, pick, axis=1)], axis=1
                    ),
                    np.concatenate(
                        [chosen.r, np.take_along_axis(kind.per_request, pick, axis=1)], axis=1
                    ),
                    np.concatenate(
                        [chosen.price, np.take_along_axis(kind.price, pick, axis=1)], axis=1
                    ),
                )
            )
        )
    return out, p_one


def shortlist_down(
    pricings: list[OptionPricing], d: Demand, a: Assumptions, rows: np.ndarray
) -> list[OptionPricing]:
    """The pricings with `rows` shortlisted for traffic below today's (SHORTLIST_DOWN)."""
    if rows.size == 0:
        return pricings
    sub = d.rows(rows)
    return [
        pricing.with_shortlist(
            pricing.shortlist.with_rows(
                rows,
                shortlist(sub, pricing.contenders.rows(rows), a, pricing.kind, SHORTLIST_DOWN),
            )
        )
        for pricing in pricings
    ]
