"""What one function asks of a provisioned option: its demand, and units per request.

Demand (per function f, hour h, from the traffic):
  mean concurrency  c = duration_sum_s / 3600                (Little's law)
  peak concurrency  p = concurrent_executions_max if measured, else c x burst_factor
Scaling traffic by k: the mean scales by k, a measured peak's excess over the mean by sqrt(k)
(square-root staffing: random bursts grow with the square root of the load), so
  p(k) = k base + sqrt(k) excess,  base = c (measured) or c x burst_factor,  excess = p - c.
  per request       vCPU = min(memory_mb/1769, 6) x cpu_busy_fraction,
                    memory = memory_per_worker_mb (default: the configured memory)
Capacity of one unit (instance or task) t, at target utilisation u:
  r[f,t] = max(vcpu_req / (vcpu_t u), mem_req / (usable_mem_t u))   (units per concurrent request)
  n[f,t,h] = max(min_instances, ceil(p[f,h] r[f,t]))
A unit must hold one worker's memory and one request's vCPU.

Lambda Managed Instances run execution environments of E = max(2 GB, memory) MB, each serving
many requests at once: per vCPU of the environment (E / the type's GiB per vCPU), the
runtime's concurrency (Python 16, Node.js 64, Java/.NET 32, others LMI_OTHER_CONCURRENCY;
assumption `lmi_concurrency_per_vcpu`). An instance (1 vCPU and 1 GB kept for the OS) holds
floor(usable_mem / E) environments; its capacity in concurrent requests is CPU-bound:
  slots_t = environments x concurrency per environment
  r[f,t] = max(vcpu_req / (usable_vcpu_t u), 1 / (slots_t u))

Everything here is vectorised over functions x candidates (x hours): no per-function loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from analyzer.core.assumptions import Assumptions
from analyzer.core.options.candidates import LMI_OS_VCPU, Candidates
from analyzer.core.vocabulary import OptionKind

VCPU_PER_MB = 1.0 / 1769.0  # Lambda: 1 vCPU at 1,769 MB
MAX_LAMBDA_VCPU = 6.0
EPS = 1e-9
SLACK = 1e-9  # relative and absolute: a lower bound this close to a cost does not rule it out
LMI_MIN_ENV_MB = 2048.0  # an LMI execution environment has at least 2 GB
# AWS's default concurrent requests per vCPU of an LMI execution environment, by runtime prefix;
# other runtimes (custom, Ruby, Go, ...): a conservative 8.
LMI_CONCURRENCY = (("python", 16), ("nodejs", 64), ("java", 32), ("dotnet", 32))
LMI_OTHER_CONCURRENCY = 8


def lmi_concurrency_per_vcpu(runtime: np.ndarray, a: Assumptions) -> np.ndarray:
    """F: concurrent requests per vCPU of an LMI execution environment (the assumption, or the
    runtime's default)."""
    if a.lmi_concurrency_per_vcpu > 0:
        return np.full(len(runtime), float(a.lmi_concurrency_per_vcpu))
    r = pd.Series(np.asarray(runtime, dtype=object)).fillna("").astype(str).str.lower()
    out = np.full(len(r), float(LMI_OTHER_CONCURRENCY))
    for prefix, per_vcpu in LMI_CONCURRENCY:
        out[r.str.startswith(prefix).to_numpy()] = per_vcpu
    return out


@dataclass(frozen=True)
class Demand:
    """Per-function demand for a block of functions (F x H peak concurrency + per-request needs)."""

    base: np.ndarray  # F x H part of the peak that scales with k
    excess: np.ndarray  # F x H part that scales with sqrt(k)
    vcpu_req: np.ndarray  # F
    mem_req: np.ndarray  # F
    arch: np.ndarray  # F
    lmi_per_vcpu: np.ndarray | None = None  # F: LMI concurrency per vCPU (None: others' 8)

    @cached_property
    def by_peak(self) -> tuple[np.ndarray, np.ndarray]:
        """(base, excess) with each row's hours sorted by peak, busiest first (sorted once)."""
        order = np.argsort(-(self.base + self.excess), axis=1, kind="stable")
        return (
            np.take_along_axis(self.base, order, axis=1),
            np.take_along_axis(self.excess, order, axis=1),
        )

    @property
    def peak(self) -> np.ndarray:
        """F: each function's highest hourly peak concurrency at today's traffic."""
        return (self.base + self.excess).max(axis=1)

    def rows(self, rows: np.ndarray) -> Demand:
        """The demand of some of the functions (rows are independent)."""
        return Demand(
            self.base[rows],
            self.excess[rows],
            self.vcpu_req[rows],
            self.mem_req[rows],
            self.arch[rows],
            None if self.lmi_per_vcpu is None else self.lmi_per_vcpu[rows],
        )

    def per_vcpu(self) -> np.ndarray:
        """F: LMI concurrent requests per vCPU of an execution environment."""
        if self.lmi_per_vcpu is None:
            return np.full(len(self.vcpu_req), float(LMI_OTHER_CONCURRENCY))
        return self.lmi_per_vcpu


def demand(
    duration_s: np.ndarray,
    concurrency_max: np.ndarray,
    memory_mb: np.ndarray,
    arch: np.ndarray,
    a: Assumptions,
    runtime: np.ndarray | None = None,
) -> Demand:
    mean_concurrency = duration_s / 3600.0
    measured = ~np.isnan(concurrency_max)
    base = np.where(measured, mean_concurrency, mean_concurrency * a.burst_factor)
    excess = np.where(
        measured, np.maximum(np.nan_to_num(concurrency_max) - mean_concurrency, 0.0), 0.0
    )
    vcpu_req = np.minimum(memory_mb * VCPU_PER_MB, MAX_LAMBDA_VCPU) * a.cpu_busy_fraction
    mem_req = (
        np.full(len(memory_mb), float(a.memory_per_worker_mb))
        if a.memory_per_worker_mb is not None
        else memory_mb.astype(float)
    )
    per_vcpu = None if runtime is None else lmi_concurrency_per_vcpu(runtime, a)
    return Demand(base, excess, vcpu_req, mem_req, arch, per_vcpu)


def lmi_environments(d: Demand, c: Candidates) -> tuple[np.ndarray, np.ndarray]:
    """F x T: (execution environments per instance, concurrent requests per environment) of
    Lambda Managed Instances (see the module docstring)."""
    env_mb = np.maximum(d.mem_req, LMI_MIN_ENV_MB)[:, None]
    environments = np.floor(np.maximum(c.usable_mb, 0.0)[None, :] / env_mb + EPS)
    gib_per_vcpu = c.memory_mb / 1024.0 / (c.vcpu + LMI_OS_VCPU)
    env_vcpu = env_mb / 1024.0 / gib_per_vcpu[None, :]
    per_env = np.maximum(1.0, np.floor(d.per_vcpu()[:, None] * env_vcpu + EPS))
    return environments, per_env


def units_per_request(d: Demand, c: Candidates, a: Assumptions) -> np.ndarray:
    """F x T: units (instances/tasks) needed per concurrent request; inf where t is not allowed."""
    u = a.target_utilization
    fits_cpu = c.vcpu[None, :] >= d.vcpu_req[:, None] - EPS
    if c.kind == OptionKind.LMI:  # many requests per environment: CPU and slots bound
        environments, per_env = lmi_environments(d, c)
        with np.errstate(divide="ignore"):
            r = np.maximum(
                d.vcpu_req[:, None] / (c.vcpu[None, :] * u),
                1.0 / (environments * per_env * u),
            )
        fits = (environments >= 1) & fits_cpu
    else:
        with np.errstate(divide="ignore"):
            r = np.maximum(
                d.vcpu_req[:, None] / (c.vcpu[None, :] * u),
                d.mem_req[:, None] / (np.maximum(c.usable_mb, 0.0)[None, :] * u),
            )
        # One request must fit one unit by memory and by vCPU.
        fits = (c.usable_mb[None, :] >= d.mem_req[:, None]) & fits_cpu
    same_arch = c.arch[None, :] == d.arch[:, None]
    allowed = fits & (same_arch | a.allow_arch_change)
    return np.where(allowed, r, np.inf)


def undominated(per_request: np.ndarray, c: Candidates, a: Assumptions) -> np.ndarray:
    """F x T units per request with every dominated candidate ruled out (inf): one that needs
    at least as many units per request as a candidate with a strictly lower price. With at least
    one unit every hour it costs more at every traffic multiple, so it is never the cheapest:
    leaving it out changes no cost and no choice, and only tightens the lower bound (of some 250
    feasible candidates, about 30 per function remain). With min_instances 0 an idle month costs 0 on every
    candidate (a tie), so nothing is ruled out."""
    price = c.usd_per_hour
    if a.min_units(c.kind) < 1 or per_request.shape[1] < 2:
        return per_request
    order = np.argsort(price, kind="stable")
    sorted_price = price[order]
    # fewest units per request among the candidates before each sorted position
    running = np.minimum.accumulate(per_request[:, order], axis=1)
    before = np.concatenate([np.full((len(per_request), 1), np.inf), running], axis=1)
    # candidates strictly cheaper than each (by more than rounding): the sorted prefix [0, pos)
    pos = np.searchsorted(sorted_price, price * (1 - 1e-12), side="left")
    dominated = before[:, pos] <= per_request
    return np.where(dominated, np.inf, per_request)


def unit_counts(
    base: np.ndarray,
    excess: np.ndarray,
    per_request: np.ndarray,
    k: np.ndarray | float,
    min_instances: int,
) -> np.ndarray:
    """n = max(min_instances, ceil(p(k) r)), p(k) = k base + sqrt(k) excess, r units per
    concurrent request; base/excess (..., H), per_request (...,)."""
    kk = np.asarray(k, dtype=float)[..., None]
    x = (kk * base + np.sqrt(kk) * excess) * per_request[..., None]
    return units_of(x, min_instances)


def units_of(x: np.ndarray, min_instances: int) -> np.ndarray:
    """n = max(min_instances, ceil(x)) for x = p(k) r (`unit_counts`), in place in x."""
    # In place: x is the one big (..., S, H) array; fresh temporaries per step cost more.
    x -= EPS
    np.ceil(x, out=x)
    return np.maximum(x, min_instances, out=x)


PAIR_BATCH_CELLS = 1 << 18  # pairs x hours counted at once: the temporaries stay in cache


def pair_unit_hours(
    base: np.ndarray,
    excess: np.ndarray,
    rows: np.ndarray,
    k: np.ndarray,
    per_request: np.ndarray,
    min_instances: int,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Per pair i (a row of base/excess F x H, a multiple k_i, r_i units per concurrent request):
    sum_h w_h n_h, n_h = max(min_instances, ceil(r_i p_h(k_i))) as `unit_counts` counts them
    (w_h = 1 without `weights`, F x H hours per bin of a compressed profile). Whole units, so
    every sum is exact whatever its order. Counted PAIR_BATCH_CELLS at a time: with larger
    temporaries (the exact costs counted 4 M cells at once) each cell cost about 1.5 times as
    much at 2,000 to 6,000 pairs of 720 hours, the arrays leaving the processor's cache."""
    out = np.empty(len(rows))
    step = max(1, PAIR_BATCH_CELLS // max(1, base.shape[1]))
    for lo in range(0, len(rows), step):
        part = slice(lo, lo + step)
        at = rows[part]
        kk = k[part][:, None]
        x = kk * base[at]  # p(k) r, as unit_counts computes it: the same rounding
        x += np.sqrt(kk) * excess[at]
        x *= per_request[part][:, None]
        units_of(x, min_instances)
        if weights is not None:
            x *= weights[at]
        out[part] = x.sum(axis=1)
    return out


@dataclass(frozen=True)
class Profile:
    """A demand profile summarised in Q bins per function (see `compress_profile`)."""

    base: np.ndarray  # F x Q mean base demand per bin
    excess: np.ndarray  # F x Q mean excess demand per bin
    weights: np.ndarray  # F x Q hours per bin
    hours: int  # hours the profile covers (the sum of a row's weights)

    def rows(self, rows: np.ndarray) -> Profile:
        return Profile(self.base[rows], self.excess[rows], self.weights[rows], self.hours)


def compress_profile(d: Demand, bins: int = 64) -> Profile:
    """Sort each row's hours by peak and summarise them in `bins` bins: the busiest hour on its
    own (it sets a static fleet's size), then equal-count bins holding the mean of their hours'
    base and excess, so that the demand summed over the month is kept exactly at every traffic
    multiple (only the rounding up to whole units is approximated). Exact when H <= bins."""
    f, h = d.base.shape
    base, excess = d.by_peak
    if h <= bins:
        return Profile(base.copy(), excess.copy(), np.ones_like(base), h)
    edges = np.concatenate([[0], np.linspace(1, h, bins).round().astype(int)])
    w = np.diff(edges).astype(float)
    starts = edges[:-1]
    mean_base = np.add.reduceat(base, starts, axis=1) / w
    mean_excess = np.add.reduceat(excess, starts, axis=1) / w
    return Profile(mean_base, mean_excess, np.broadcast_to(w, (f, bins)).copy(), h)
