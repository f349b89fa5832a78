"""analyze(): fleet + price book + assumptions -> Analysis (costs, options, crossover, verdicts).

The fleet is processed in chunks of functions (bounded memory); inside a chunk every step is
vectorised over functions x candidates (x hours). Python loops run only over chunks, distinct
assumption sets, price regions and the three option kinds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analyzer.core.assumptions import DEFAULTS, AssumptionGroups, Assumptions
from analyzer.core.fleet import HTTP_FRONT_DOORS, FleetData, hourly_matrix, totals
from analyzer.core.forecast import daily_matrix, fit_trend, forecast
from analyzer.core.lambda_cost import LambdaInputs, lambda_cost
from analyzer.core.pricebook import PriceBook
from analyzer.core.provisioned import (
    HOURS_PER_MONTH,
    SHORTLIST_DOWN,
    Candidates,
    Demand,
    Shortlist,
    compress_profile,
    compute_cost,
    demand,
    ec2_candidates,
    fargate_candidates,
    shortlist,
    unit_counts,
    units_per_request,
)
from analyzer.exceptions import InputError

CHUNK = 2000
PROFILE_BINS = 64
CURVE_CELLS = 4_000_000  # cost_curves: multiples x candidates x hours priced at once
FIXED_POINT_ITERS = 40  # see _solve_crossover
GRID_POINTS = 32  # fallback scan, quadratic in log k from where the iteration stopped
BISECT_ITERS = 14
K_LO = 1e-4
VERDICTS = ("outgrown", "watch", "stay")


@dataclass
class Analysis:
    """The result: one row per function, one row per (function, option kind), and context."""

    functions: pd.DataFrame
    options: pd.DataFrame
    assumptions: Assumptions
    book: PriceBook
    fleet: FleetData
    meta: dict[str, Any] = field(default_factory=dict)
    groups: AssumptionGroups | None = None  # per-function assumption sets (None: all `assumptions`)

    @property
    def assumption_groups(self) -> AssumptionGroups:
        """Which assumptions each function (in `functions` order) was analysed under."""
        if self.groups is None:
            self.groups = assumption_groups(self.fleet, self.assumptions)
        return self.groups

    @property
    def price_book(self) -> dict[str, str]:
        return self.book.summary()

    def totals(self) -> dict[str, float]:
        f = self.functions
        return {
            "lambda_usd": float(f["lambda_usd_per_month"].sum()),
            "best_usd": float(
                np.fmin(f["lambda_usd_per_month"], f["best_option_usd_per_month"]).sum()
            ),
            "outgrown_lambda_usd": float(
                f.loc[f["verdict"] == "outgrown", "lambda_usd_per_month"].sum()
            ),
            "saving_usd": float(f.loc[f["verdict"] == "outgrown", "saving_usd_per_month"].sum()),
        }


# ---------------------------------------------------------------------------------------------
def assumption_groups(fleet: FleetData, a: Assumptions) -> AssumptionGroups:
    """The effective assumptions of every function of `fleet` under the run's `a`."""
    return AssumptionGroups.for_functions(fleet.functions["function_id"], fleet.overrides, a)


@dataclass
class _KindPricing:
    """One option kind priced for one block of functions."""

    kind: str
    cands: Candidates
    sl: Shortlist
    fixed: np.ndarray  # F_b monthly USD that do not scale with traffic (ALB hours, ops, ...)
    var: np.ndarray  # F_b monthly USD at k = 1 that scale with traffic (LCUs, LMI requests, ...)
    extras: dict[str, np.ndarray]  # breakdown parts (at k = 1)


class _Pricer:
    """Prices blocks of functions; caches candidates per (kind, region, assumptions)."""

    def __init__(self, book: PriceBook) -> None:
        self.book = book
        self._cache: dict[tuple[str, str, int, tuple[str, ...]], Candidates] = {}

    def candidates(
        self, kind: str, region: str, a: Assumptions, arches: tuple[str, ...]
    ) -> Candidates:
        key = (kind, region, hash(a), arches)
        if key not in self._cache:
            if kind == "fargate":
                self._cache[key] = fargate_candidates(self.book, region, a, list(arches))
            else:
                self._cache[key] = ec2_candidates(self.book, region, a, kind)
        return self._cache[key]

    def price_block(
        self,
        d: Demand,
        a: Assumptions,
        region: str,
        inv_m: np.ndarray,
        front_door: np.ndarray,
        lam_fd_fixed: np.ndarray,
        lam_fd_var: np.ndarray,
        request_rate: np.ndarray,
    ) -> list[_KindPricing]:
        arches = ("x86_64", "arm64") if a.allow_arch_change else tuple(sorted(set(d.arch)))
        hours = d.base.shape[1]
        http = np.isin(front_door, HTTP_FRONT_DOORS)
        lb = (
            np.ones(len(http), bool)
            if a.load_balancer == "true"
            else np.zeros(len(http), bool)
            if a.load_balancer == "false"
            else http
        )
        out: list[_KindPricing] = []
        for kind in a.targets:
            c = self.candidates(kind, region, a, arches)
            r_all = units_per_request(d, c, a)
            sl = shortlist(d, c, r_all, a, hours)
            n = len(inv_m)
            extras: dict[str, np.ndarray] = {}
            if kind in ("ec2", "fargate"):
                alb_hour, alb_lcu = self.book.alb(region) if lb.any() else (0.0, 0.0)
                rps = inv_m / (HOURS_PER_MONTH * 3600.0)
                alb_fixed = np.where(lb, alb_hour * HOURS_PER_MONTH, 0.0)
                alb_var = np.where(
                    lb, rps / a.alb_requests_per_lcu_second * alb_lcu * HOURS_PER_MONTH, 0.0
                )
                ops = np.full(n, a.ops_hours_per_month * a.engineer_hourly_usd)
                extras = {"load_balancer_usd": alb_fixed + alb_var, "ops_usd": ops}
                fixed, var = alb_fixed + ops, alb_var
            else:  # LMI keeps Lambda's request charge and front door; Lambda runs the servers
                req = inv_m * request_rate
                extras = {"requests_usd": req, "front_door_usd": lam_fd_fixed + lam_fd_var}
                fixed, var = lam_fd_fixed.copy(), req + lam_fd_var
            out.append(_KindPricing(kind, c, sl, fixed, var, extras))
        return out


def _lambda_at(k: np.ndarray, fixed: np.ndarray, var: np.ndarray, credit: np.ndarray) -> np.ndarray:
    return fixed + k * var - np.minimum(credit, k * var)


def _provisioned_at(
    k: np.ndarray,
    kinds: list[_KindPricing],
    prof: tuple[np.ndarray, ...],
    hours: int,
    a: Assumptions,
) -> np.ndarray:
    base, excess, w = prof
    best = np.full(len(k), np.inf)
    for kp in kinds:
        comp = compute_cost(base, excess, kp.sl, k, a.min_instances, a.autoscaling, w, hours)
        best = np.minimum(best, (comp + (kp.fixed + k * kp.var)[:, None]).min(axis=1))
    return best


def _lambda_inverse(y: np.ndarray, f: np.ndarray, v: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The multiple k at which Lambda's monthly cost reaches y (L(k) = f + k v - min(c, k v));
    0 where Lambda already costs y at no traffic, inf where it never gets there."""
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.where(v > 0, (y - f + c) / v, np.inf)
    return np.where(y <= f, 0.0, k)


def _solve_crossover(
    lf: np.ndarray,
    lv: np.ndarray,
    lc: np.ndarray,
    kinds: list[_KindPricing],
    prof: tuple[np.ndarray, ...],
    hours: int,
    a: Assumptions,
) -> np.ndarray:
    """The crossover multiple k*, searched from today's traffic (k = 1):

    Lambda cheaper today: the smallest k > 1 where Lambda costs at least the best option
    (NaN when that does not happen up to max_multiple). Lambda dearer today: the k < 1 below
    which Lambda is cheaper again (0 when it never is, e.g. idle provisioned concurrency).
    So k* < 1 exactly when the function has already outgrown Lambda.

    The provisioned cost P(k) is a non-decreasing step function and Lambda's L(k) increases, so
    the iteration k <- L^-1(P(k)) walks from k = 1 to the first crossing without ever stepping
    over one: between k and L^-1(P(k)), Lambda stays below (above, going down) P(k). It stops
    when P did not step on the way (then L = P there). Rows that have not converged after
    FIXED_POINT_ITERS (near-parallel costs, many small steps) finish with a log-grid scan and
    bisection from where the iteration got to, which no crossing lies behind."""
    n = len(lf)

    def sub(rows: np.ndarray) -> tuple[list[_KindPricing], tuple[np.ndarray, ...]]:
        kp_rows = [
            dataclasses.replace(
                kp,
                sl=Shortlist(kp.sl.idx[rows], kp.sl.r[rows], kp.sl.price[rows]),
                fixed=kp.fixed[rows],
                var=kp.var[rows],
            )
            for kp in kinds
        ]
        return kp_rows, tuple(p[rows] for p in prof)

    def p_on(rows: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        """P(k) for a subset of the rows (rows are independent: same values as on all).
        Only rows still searching are evaluated, which is most of the speed of this solver."""
        kp_rows, prof_rows = sub(rows)
        return lambda k: _provisioned_at(k, kp_rows, prof_rows, hours, a)

    def diff_on(rows: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        p_rows = p_on(rows)
        f, v, c = lf[rows], lv[rows], lc[rows]
        return lambda k: _lambda_at(k, f, v, c) - p_rows(k)

    everyone = np.arange(n)
    k = np.ones(n)
    p_k = p_on(everyone)(k)
    dearer_now = _lambda_at(k, lf, lv, lc) >= p_k
    result = np.full(n, np.nan)
    active = np.isfinite(p_k)  # rows with no feasible option keep NaN
    for _ in range(FIXED_POINT_ITERS):
        rows = np.flatnonzero(active)
        if rows.size == 0:
            break
        nxt = _lambda_inverse(p_k[rows], lf[rows], lv[rows], lc[rows])
        down = dearer_now[rows]
        gone = np.where(down, nxt < K_LO, nxt > a.max_multiple)  # crossing out of range
        result[rows[gone]] = np.where(down[gone], 0.0, np.nan)
        active[rows[gone]] = False
        rows, nxt, down = rows[~gone], nxt[~gone], down[~gone]
        if rows.size == 0:
            break
        p_next = p_on(rows)(nxt)
        settled = np.abs(p_next - p_k[rows]) <= 1e-9 * np.maximum(p_k[rows], 1.0)
        result[rows[settled]] = nxt[settled]
        active[rows[settled]] = False
        k[rows] = nxt
        p_k[rows] = p_next

    # Fallback for rows still walking: grid outward from where they got to, then bisection.
    rows = np.flatnonzero(active)
    if rows.size:
        down = dearer_now[rows]
        k0 = k[rows]
        end = np.where(down, K_LO, a.max_multiple)
        span = np.log(end / k0)
        prev = k0.copy()
        lo = np.where(down, K_LO, k0)
        hi = np.where(down, k0, a.max_multiple)
        found = np.zeros(rows.size, dtype=bool)
        for t in (np.arange(1, GRID_POINTS + 1) / GRID_POINTS) ** 2:
            act = np.flatnonzero(~found)
            if act.size == 0:
                break
            kk = k0[act] * np.exp(span[act] * t)
            d = diff_on(rows[act])(kk)
            flip = np.where(down[act], d < 0, d >= 0)
            fa = act[flip]
            lo[fa] = np.where(down[fa], kk[flip], prev[fa])
            hi[fa] = np.where(down[fa], prev[fa], kk[flip])
            found[fa] = True
            prev[act] = kk
        result[rows[down & ~found]] = 0.0
        result[rows[~down & ~found]] = np.nan
        act = np.flatnonzero(found)
        if act.size:
            diff = diff_on(rows[act])
            lo_a, hi_a = lo[act], hi[act]
            for _ in range(BISECT_ITERS):
                mid = np.sqrt(lo_a * hi_a)
                up = diff(mid) >= 0
                hi_a = np.where(up, mid, hi_a)
                lo_a = np.where(up, lo_a, mid)
            result[rows[act]] = hi_a
    return result


# ---------------------------------------------------------------------------------------------
def analyze(
    fleet: FleetData,
    book: PriceBook | None = None,
    assumptions: Assumptions | None = None,
    chunk: int = CHUNK,
) -> Analysis:
    book = book or PriceBook.load()
    a = assumptions or DEFAULTS
    suggested = fleet.meta.get("price_region_proxy") or {}
    if any(r not in a.price_region_proxy for r in suggested):
        # The data source (e.g. the demo) asks for a proxy; it is applied visibly, as an assumption.
        a = dataclasses.replace(a, price_region_proxy={**suggested, **a.price_region_proxy})
    fns = fleet.functions
    n = len(fns)
    if n == 0 or fleet.hours == 0:
        raise InputError("fleet", n, "has no functions with traffic to analyse")
    hours = fleet.hours
    norm = HOURS_PER_MONTH / hours
    assumption_sets = assumption_groups(fleet, a)
    groups, gcodes = assumption_sets.groups, assumption_sets.codes
    tot = totals(fleet)
    inv = tot["invocations"].fillna(0.0).to_numpy()
    dur_s = tot["duration_sum_ms"].fillna(0.0).to_numpy() / 1000.0
    billed = fns["duration_is_billed"].to_numpy()
    rounding = assumption_sets.values("duration_rounding_s")
    init_s = assumption_sets.values("init_ms_per_cold_start") / 1000.0
    cold = assumption_sets.values("cold_start_rate")
    billed_s = np.where(billed, dur_s, dur_s + inv * (rounding + init_s * cold))
    inv_m = inv * norm
    billed_m = billed_s * norm
    mean_conc = dur_s / (hours * 3600.0)
    pc_alloc = fns["pc_allocated"].to_numpy()
    share = fns["pc_share_of_invocations"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        est_share = np.where(mean_conc > 0, np.minimum(1.0, pc_alloc / mean_conc), 1.0)
    share = np.where(np.isnan(share), est_share, share)
    region = fns["region"].to_numpy()
    arch = fns["arch"].to_numpy()
    front_door = fns["front_door"].to_numpy()
    memory = fns["memory_mb"].to_numpy().astype(float)
    lam = lambda_cost(
        LambdaInputs(
            account_id=fns["account_id"].to_numpy(),
            region=region,
            arch=arch,
            front_door=front_door,
            memory_mb=memory,
            ephemeral_storage_mb=fns["ephemeral_storage_mb"].to_numpy().astype(float),
            invocations=inv_m,
            billed_seconds=billed_m,
            pc_allocated=pc_alloc.astype(float),
            pc_hours=fns["pc_hours_per_month"].to_numpy(),
            pc_share=share,
            peak_requests_per_s=inv_m / (HOURS_PER_MONTH * 3600.0),
        ),
        book,
        a,
    )
    proxy = a.price_region_proxy
    price_region = np.array([proxy.get(r, r) for r in pd.unique(region)], dtype=object)
    region_map = dict(zip(pd.unique(region), price_region, strict=True))
    p_region = pd.Series(region).map(region_map).to_numpy()

    pricer = _Pricer(book)
    k_star = np.full(n, np.nan)
    best_option_kind = np.full(n, None, dtype=object)
    best_usd = np.full(n, np.inf)
    peak_max = np.zeros(n)
    opt_parts: list[pd.DataFrame] = []
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        hm = hourly_matrix(fleet, lo, hi)
        idx = np.arange(lo, hi)
        bcodes, buniq = pd.factorize(pd.MultiIndex.from_arrays([gcodes[idx], p_region[idx]]))
        for b, (g, reg) in enumerate(buniq):
            sel = np.flatnonzero(bcodes == b)
            fi = idx[sel]
            ab = groups[g]
            d = demand(hm.duration_s[sel], hm.concurrency_max[sel], memory[fi], arch[fi], ab)
            peak_max[fi] = (d.base + d.excess).max(axis=1)
            kinds = pricer.price_block(
                d,
                ab,
                str(reg),
                inv_m[fi],
                front_door[fi],
                lam.front_door_fixed[fi],
                lam.front_door_variable[fi],
                lam.request_rate[fi],
            )
            one = np.ones(len(fi))
            blk_best = np.full(len(fi), np.inf)
            blk_kind = np.full(len(fi), None, dtype=object)
            for kp in kinds:
                comp = compute_cost(d.base, d.excess, kp.sl, one, ab.min_instances, ab.autoscaling)
                s = np.argmin(comp, axis=1)
                comp_best = comp[np.arange(len(fi)), s]
                feasible = np.isfinite(comp_best)
                t = kp.sl.idx[np.arange(len(fi)), s]
                r = kp.sl.r[np.arange(len(fi)), s]
                cnt = unit_counts(
                    d.base, d.excess, np.where(feasible, r, 0.0), 1.0, ab.min_instances
                )
                unit_hours = cnt.sum(axis=1) if ab.autoscaling else cnt.max(axis=1) * hours
                total = comp_best + kp.fixed + kp.var
                c = kp.cands
                part = pd.DataFrame(
                    {
                        "function_id": fns["function_id"].to_numpy()[fi],
                        "kind": kp.kind,
                        "label": c.label[t],
                        "arch": c.arch[t],
                        "vcpu": c.vcpu[t],
                        "memory_gb": c.memory_mb[t] / 1024.0,
                        "units_min": cnt.min(axis=1).astype(int),
                        "units_max": cnt.max(axis=1).astype(int),
                        "unit_hours_per_month": unit_hours * norm,
                        "usd_per_unit_hour": c.usd_per_hour[t],
                        "ondemand_usd_per_unit_hour": c.ondemand_usd_per_hour[t],
                        "compute_usd": comp_best,
                        **{k: v for k, v in kp.extras.items()},
                        "monthly_usd": total,
                        "price_region": str(reg),
                    }
                )
                opt_parts.append(part[feasible])
                better = total < blk_best
                blk_best = np.where(better, total, blk_best)
                blk_kind = np.where(better, kp.kind, blk_kind)
            best_usd[fi] = blk_best
            best_option_kind[fi] = blk_kind
            # Where Lambda is already dearer, k* lies below today's traffic: price the
            # crossover search with the candidates that are best there, not at growth.
            dearer = np.flatnonzero(lam.frame["total_usd"].to_numpy()[fi] >= blk_best)
            if dearer.size:  # shortlist only those rows (rows are independent)
                dd = Demand(
                    d.base[dearer],
                    d.excess[dearer],
                    d.vcpu_req[dearer],
                    d.mem_req[dearer],
                    d.arch[dearer],
                )
                for kp in kinds:
                    down = shortlist(
                        dd,
                        kp.cands,
                        units_per_request(dd, kp.cands, ab),
                        ab,
                        hours,
                        SHORTLIST_DOWN,
                    )
                    sl = Shortlist(kp.sl.idx.copy(), kp.sl.r.copy(), kp.sl.price.copy())
                    sl.idx[dearer], sl.r[dearer], sl.price[dearer] = down.idx, down.r, down.price
                    kp.sl = sl
            k_star[fi] = _solve_crossover(
                lam.fixed_usd[fi],
                lam.variable_usd[fi],
                lam.free_credit_usd[fi],
                kinds,
                compress_profile(d, PROFILE_BINS),
                hours,
                ab,
            )

    options = pd.concat(opt_parts, ignore_index=True) if opt_parts else pd.DataFrame()
    for col in ("load_balancer_usd", "ops_usd", "requests_usd", "front_door_usd"):
        if col not in options:
            options[col] = np.nan
    if not options.empty:
        lmi = options["kind"] == "lmi"
        od = options["ondemand_usd_per_unit_hour"] * options["unit_hours_per_month"]
        fee = _per_function_option(options, fns, assumption_sets, "lmi_management_fee")
        options["management_fee_usd"] = np.where(lmi, od * fee, np.nan)
        options.loc[lmi, "compute_usd"] = (
            options.loc[lmi, "compute_usd"] - options.loc[lmi, "management_fee_usd"]
        )

    # Forecast and verdicts.
    daily = daily_matrix(
        fleet.traffic, fns["function_id"], fleet.start, fleet.end, codes=fleet.traffic_codes()
    )
    trend = fit_trend(daily)
    fc = forecast(trend, k_star, fleet.end)
    lam_total = lam.frame["total_usd"].to_numpy()
    saving = np.where(np.isfinite(best_usd), np.maximum(lam_total - best_usd, 0.0), 0.0)
    min_saving = assumption_sets.values("outgrown_min_saving_usd")
    watch_k = assumption_sets.values("watch_multiple")
    watch_m = assumption_sets.values("watch_months")
    outgrown = (k_star < 1.0) & (saving >= min_saving)
    watch = ~outgrown & ((k_star <= watch_k) | (fc.months_to_crossover <= watch_m))
    verdict = np.where(outgrown, "outgrown", np.where(watch, "watch", "stay"))

    with np.errstate(divide="ignore", invalid="ignore"):
        avg_ms = np.where(inv > 0, dur_s * 1000.0 / inv, 0.0)
    out = fns.copy()
    out["monthly_invocations"] = inv_m
    out["avg_duration_ms"] = avg_ms
    out["gb_s_per_month"] = lam.gb_s
    out["mean_concurrency"] = mean_conc
    out["peak_concurrency"] = peak_max
    for col in lam.frame.columns:
        name = "lambda_usd_per_month" if col == "total_usd" else f"lambda_{col}"
        out[name] = lam.frame[col].to_numpy()
    out["lambda_fixed_usd"] = lam.fixed_usd
    out["lambda_variable_usd"] = lam.variable_usd
    out["lambda_free_credit_usd"] = lam.free_credit_usd
    out["lambda_front_door_fixed_usd"] = lam.front_door_fixed
    out["lambda_front_door_variable_usd"] = lam.front_door_variable
    out["lambda_request_usd_per_request"] = lam.request_rate
    out["best_option_kind"] = best_option_kind
    out["best_option_usd_per_month"] = np.where(np.isfinite(best_usd), best_usd, np.nan)
    out["crossover_multiple"] = k_star
    out["crossover_invocations"] = k_star * inv_m
    out["crossover_rps"] = k_star * inv_m / (HOURS_PER_MONTH * 3600.0)
    out["verdict"] = verdict
    out["saving_usd_per_month"] = saving
    out["monthly_growth"] = fc.monthly_growth
    out["months_to_crossover"] = fc.months_to_crossover
    out["crossover_date"] = fc.crossover_date
    out["forecast_confidence"] = fc.confidence
    out["forecast_note"] = fc.note
    out["days_of_data"] = trend.days
    out["errors"] = tot["errors"].fillna(0.0).to_numpy()
    out["throttles"] = tot["throttles"].fillna(0.0).to_numpy()
    if not options.empty:
        best_option_label = options.merge(
            out[["function_id", "best_option_kind"]],
            left_on=["function_id", "kind"],
            right_on=["function_id", "best_option_kind"],
        ).set_index("function_id")["label"]
        out["best_option_label"] = out["function_id"].map(best_option_label)
    else:
        out["best_option_label"] = None
    notes = list(fleet.meta.get("notes", []))
    for src, dst in region_map.items():
        if src != dst:
            notes.append(
                f"EC2/Fargate/ALB/API Gateway prices for {src} are {dst}'s (assumption "
                f"price_region_proxy); Lambda prices are {src}'s own"
            )
    meta = {
        "window_start": fleet.start.isoformat(),
        "window_end": fleet.end.isoformat(),
        "hours": hours,
        "notes": notes,
        "source": fleet.source,
        "monthly_basis": "730 hours (cost over the window x 730 / window hours)",
    }
    return Analysis(out, options, a, book, fleet, meta, assumption_sets)


def _per_function_option(
    options: pd.DataFrame,
    fns: pd.DataFrame,
    assumption_sets: AssumptionGroups,
    name: str,
) -> np.ndarray:
    per_fn = pd.Series(assumption_sets.values(name), index=fns["function_id"])
    return options["function_id"].map(per_fn).to_numpy()


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
    fns = sub.functions
    hm = hourly_matrix(sub)
    d = demand(
        hm.duration_s,
        hm.concurrency_max,
        fns["memory_mb"].to_numpy().astype(float),
        fns["arch"].to_numpy(),
        a,
    )
    region = str(fns["region"].iloc[0])
    kinds = _Pricer(analysis.book).price_block(
        d,
        a,
        a.price_region_proxy.get(region, region),
        np.array([float(row["monthly_invocations"])]),
        fns["front_door"].to_numpy(),
        np.array([float(row["lambda_front_door_fixed_usd"])]),
        np.array([float(row["lambda_front_door_variable_usd"])]),
        np.array([float(row["lambda_request_usd_per_request"])]),
    )
    out: dict[str, np.ndarray] = {
        "multiple": ks,
        "monthly_invocations": ks * float(row["monthly_invocations"]),
    }
    out["lambda"] = _lambda_at(
        ks,
        np.full(nk := len(ks), float(row["lambda_fixed_usd"])),
        np.full(nk, float(row["lambda_variable_usd"])),
        np.full(nk, float(row["lambda_free_credit_usd"])),
    )
    hours = d.base.shape[1]
    for kp in kinds:
        # Every feasible candidate, not a shortlist: the curve is the true cheapest at each k.
        r_all = units_per_request(d, kp.cands, a)[0]
        ok = np.flatnonzero(np.isfinite(r_all))
        comp = np.full((nk, 1), np.inf)
        step = max(1, CURVE_CELLS // max(1, len(ok) * hours))
        for lo in range(0, nk, step):  # bounded memory: a few multiples at a time
            kk = ks[lo : lo + step]
            n = len(kk)
            everyone = Shortlist(
                np.tile(ok, (n, 1)),
                np.tile(r_all[ok], (n, 1)),
                np.tile(kp.cands.usd_per_hour[ok], (n, 1)),
            )
            part = compute_cost(
                np.repeat(d.base, n, axis=0),
                np.repeat(d.excess, n, axis=0),
                everyone,
                kk,
                a.min_instances,
                a.autoscaling,
                None,
                hours,
            )
            comp = np.vstack([comp[:lo], part.min(axis=1, initial=np.inf)[:, None]])
        out[kp.kind] = comp[:, 0] + kp.fixed[0] + ks * kp.var[0]
    return pd.DataFrame(out)
