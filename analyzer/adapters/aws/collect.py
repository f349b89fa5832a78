"""Inventory and hourly metrics of every Lambda function, fanned out over (account, region).

Phases, so a caller can show the plan (and its cost) before paying for it:

    c = Collector(accounts, regions, days=30, store=store, progress=print_progress)
    c.inventory()             # lambda:ListFunctions (+ provisioned concurrency), concurrently
    plan = c.plan()           # GetMetricData calls and cost, counting only hours not in the store
    fleet = c.fetch()         # cloudwatch:GetMetricData, packed into the fewest calls

`collect_fleet()` runs all three with an optional `confirm(plan) -> bool`. A failing account or
region becomes an entry of `meta["failures"]`; the rest completes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analyzer.adapters.aws.guard import UnusableResponseError
from analyzer.adapters.aws.metrics import CollectionPlan, fetch_metrics, plan_collection, window_for
from analyzer.adapters.aws.session import (
    AWS_ERRORS,
    Account,
    describe,
    enabled_regions,
    error_text,
    failure,
)
from analyzer.core.fleet import HOUR, FleetData, function_id
from analyzer.core.vocabulary import HOURS_PER_MONTH
from analyzer.exceptions import CollectionError

if TYPE_CHECKING:
    from analyzer.adapters.store import Store

log = logging.getLogger(__name__)

MAX_WORKERS = 8


# -- inventory ----------------------------------------------------------------------------------
def list_functions(lambda_client: Any) -> list[dict[str, Any]]:
    """Every function of one region (lambda:ListFunctions, paginated)."""
    out: list[dict[str, Any]] = []
    for page in lambda_client.get_paginator("list_functions").paginate():
        if "Functions" not in page:  # AWS always sends the list, even empty
            raise UnusableResponseError(
                operation="ListFunctions", status=200, reason="the answer has no function list"
            )
        out.extend(page["Functions"])
    return out


def provisioned_concurrency(lambda_client: Any, name: str) -> int:
    """Allocated provisioned concurrency of a function (all aliases/versions)."""
    total = 0
    kwargs: dict[str, Any] = {"FunctionName": name}
    while True:
        page = lambda_client.list_provisioned_concurrency_configs(**kwargs)
        for cfg in page.get("ProvisionedConcurrencyConfigs", []):
            total += int(
                cfg.get("AllocatedProvisionedConcurrentExecutions")
                or cfg.get("RequestedProvisionedConcurrentExecutions")
                or 0
            )
        if not page.get("NextMarker"):
            return total
        kwargs["Marker"] = page["NextMarker"]


def function_rows(
    account: Account, region: str, items: list[dict[str, Any]], pc: dict[str, int]
) -> pd.DataFrame:
    rows = []
    for f in items:
        alloc = pc.get(f["FunctionName"], 0)
        rows.append(
            {
                "account_id": account.account_id,
                "account_name": account.account_name,
                "environment": account.environment,
                "region": region,
                "name": f["FunctionName"],
                "memory_mb": int(f.get("MemorySize") or 128),
                "arch": (f.get("Architectures") or ["x86_64"])[0],
                "ephemeral_storage_mb": int((f.get("EphemeralStorage") or {}).get("Size") or 512),
                "runtime": f.get("Runtime") or "",
                "timeout_s": float(f.get("Timeout") or 3),
                "package_type": f.get("PackageType") or "Zip",
                "front_door": "none",
                "pc_allocated": alloc,
                "pc_hours_per_month": HOURS_PER_MONTH if alloc > 0 else 0.0,
                "pc_share_of_invocations": np.nan,
                "duration_is_billed": False,
            }
        )
    df = pd.DataFrame(rows)
    if df.empty:
        return pd.DataFrame(columns=["function_id", "account_id", "region", "name"])
    df.insert(
        0,
        "function_id",
        [
            function_id(a, r, n)
            for a, r, n in zip(df["account_id"], df["region"], df["name"], strict=True)
        ],
    )
    return df


# -- fan-out ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Progress:
    """Where a collection is: reported on the caller's thread after each (account, region)."""

    stage: str  # "inventory" | "metrics" | "done"
    pairs_done: int
    pairs_total: int
    functions: int
    calls: int
    message: str = ""


ProgressCallback = Callable[[Progress], None]


@dataclass
class PairResult:
    account: Account
    region: str
    functions: pd.DataFrame = field(default_factory=pd.DataFrame)
    traffic: pd.DataFrame = field(default_factory=pd.DataFrame)
    jobs: list[tuple[list[str], pd.Timestamp, pd.Timestamp]] = field(default_factory=list)
    calls: int = 0
    notes: list[str] = field(default_factory=list)
    failed: bool = False


class Collector:
    """Collects (account, region) pairs concurrently with a bounded thread pool."""

    def __init__(
        self,
        accounts: Sequence[Account],
        regions: Sequence[str] | None = None,
        *,
        days: int = 30,
        now: pd.Timestamp | None = None,
        store: Store | None = None,
        progress: ProgressCallback | None = None,
        max_workers: int = MAX_WORKERS,
        failures: list[dict[str, str]] | None = None,
    ) -> None:
        self.accounts = list(accounts)
        self.regions = list(regions) if regions else None
        self.start, self.end = window_for(days, now)
        self.store = store
        self.progress = progress
        self.max_workers = max(1, max_workers)
        self.failures: list[dict[str, str]] = list(failures or [])
        self.notes: list[str] = []
        self.pairs: list[PairResult] = []
        self.calls = 0
        self.collected_at = pd.Timestamp.now(tz="UTC")
        self._calls_lock = threading.Lock()

    # -- helpers --------------------------------------------------------------------------
    def _emit(self, stage: str, done: int, total: int, message: str = "") -> None:
        if self.progress:
            n = sum(len(p.functions) for p in self.pairs)
            self.progress(Progress(stage, done, total, n, self.calls, message))

    def _run(self, work: Callable[[PairResult], None], items: list[PairResult], stage: str) -> None:
        pool = ThreadPoolExecutor(
            max_workers=min(self.max_workers, max(len(items), 1)),
            thread_name_prefix="crossover-collect",
        )
        try:
            futures: dict[Future[None], PairResult] = {pool.submit(work, p): p for p in items}
            for done, fut in enumerate(as_completed(futures), start=1):
                p = futures[fut]
                self._settle(fut, p, stage)
                self.calls += p.calls if stage == "metrics" else 0
                self._emit(stage, done, len(items), f"{p.account.account_id}/{p.region}")
                if stage == "metrics" and self.store is not None and not p.failed:
                    self.store.write_pair(
                        p.account.account_id,
                        p.region,
                        p.functions,
                        p.traffic,
                        (self.start, self.end),
                    )
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)

    def _settle(self, fut: Future[None], p: PairResult, stage: str) -> None:
        """Re-raise nothing from a worker: an unexpected error fails its pair, not the run."""
        exc = fut.exception()
        if exc is None:
            return
        if not isinstance(exc, Exception):  # KeyboardInterrupt and the like stop the run
            raise exc
        log.debug("%s %s/%s failed", stage, p.account.account_id, p.region, exc_info=exc)
        self.failures.append(failure(p.account.account_id, p.region, stage, exc))
        p.failed = True

    # -- phases ---------------------------------------------------------------------------
    def inventory(self) -> None:
        """List every function of every (account, region)."""
        pairs: list[PairResult] = []
        for account in self.accounts:
            regions = self.regions
            if regions is None:
                try:
                    regions = enabled_regions(account)
                except CollectionError as exc:
                    self.failures.append(failure(account.account_id, "", "regions", str(exc)))
                    continue
            pairs.extend(PairResult(account, r) for r in regions)
        self.pairs = pairs
        self._run(self._inventory_pair, pairs, "inventory")
        for p in pairs:
            self.notes.extend(p.notes)
        self._plan_jobs()

    def _inventory_pair(self, p: PairResult) -> None:
        try:
            lam = p.account.client("lambda", p.region)
            items = list_functions(lam)
        except AWS_ERRORS as exc:
            log.warning(
                "inventory %s/%s failed: %s", p.account.account_id, p.region, error_text(exc)
            )
            self.failures.append(failure(p.account.account_id, p.region, "inventory", exc))
            p.failed = True
            return
        pc: dict[str, int] = {}
        for f in items:
            try:
                pc[f["FunctionName"]] = provisioned_concurrency(lam, f["FunctionName"])
            except AWS_ERRORS as exc:
                p.notes.append(
                    f"{p.account.account_id}/{p.region}: provisioned concurrency unknown "
                    f"(counted as 0): {error_text(exc)}"
                )
                break
        p.functions = function_rows(p.account, p.region, items, pc)

    def _plan_jobs(self) -> None:
        for p in self.pairs:
            if p.failed or p.functions.empty:
                continue
            names = list(p.functions["name"])
            if self.store is None:
                p.jobs = [(names, self.start, self.end)]
                continue
            known = self.store.known_functions(p.account.account_id, p.region)
            old = [n for n in names if n in known]
            new = [n for n in names if n not in known]
            p.jobs = []
            if new:
                p.jobs.append((new, self.start, self.end))
            if old:
                for s, e in self.store.missing_windows(
                    p.account.account_id, p.region, self.start, self.end
                ):
                    p.jobs.append((old, s, e))

    def plan(self) -> CollectionPlan:
        total = CollectionPlan()
        for p in self.pairs:
            for names, s, e in p.jobs:
                total = total + plan_collection(len(names), int((e - s) / HOUR))
        return total

    def fetch(self) -> FleetData:
        todo = [p for p in self.pairs if not p.failed]
        self._run(self._fetch_pair, todo, "metrics")
        if self.store is not None:
            self.store.write_meta(self.meta())
        self._emit("done", len(todo), len(todo))
        return self.fleet()

    def _fetch_pair(self, p: PairResult) -> None:
        def count() -> None:
            p.calls += 1

        frames = []
        try:
            cw = p.account.client("cloudwatch", p.region)
            for names, s, e in p.jobs:
                frames.append(fetch_metrics(cw, names, s, e, on_call=count))
        except AWS_ERRORS as exc:
            log.warning("metrics %s/%s failed: %s", p.account.account_id, p.region, error_text(exc))
            self.failures.append(failure(p.account.account_id, p.region, "metrics", exc))
            p.failed = True
            return
        frames = [f for f in frames if not f.empty]
        if not frames:
            p.traffic = pd.DataFrame(columns=["function_id", "timestamp"])
            return
        t = pd.concat(frames, ignore_index=True)
        prefix = f"{p.account.account_id}:{p.region}:"
        t.insert(0, "function_id", prefix + t["name"].astype(str))
        p.traffic = t.drop(columns="name")

    def meta(self) -> dict[str, Any]:
        ok = [p for p in self.pairs if not p.failed]
        return {
            "source": "aws",
            "collected_at": self.collected_at.isoformat(),
            "start": self.start,
            "end": self.end,
            "failures": list(self.failures),
            "notes": list(dict.fromkeys(self.notes)),
            "regions": sorted({p.region for p in ok}),
            "accounts": describe(self.accounts),
            "calls": self.calls,
        }

    def fleet(self) -> FleetData:
        """The fleet for the window: from the store when there is one, else from memory."""
        if self.store is not None and not self.store.exists() and self.failures:
            failed = ", ".join(
                f"{f.get('account_id')}/{f.get('region') or '*'} ({f.get('stage')})"
                for f in self.failures[:8]
            )
            more = f" and {len(self.failures) - 8} more" if len(self.failures) > 8 else ""
            raise CollectionError(
                f"nothing collected: every account/region failed: {failed}{more}; first error: "
                f"{self.failures[0].get('error')}"
            )
        if self.store is not None:
            ok = {(p.account.account_id, p.region) for p in self.pairs if not p.failed}
            return self.store.load_fleet(start=self.start, end=self.end, pairs=ok, meta=self.meta())
        ok_pairs = [p for p in self.pairs if not p.failed and not p.functions.empty]
        functions = (
            pd.concat([p.functions for p in ok_pairs], ignore_index=True)
            if ok_pairs
            else pd.DataFrame(columns=["account_id", "region", "name"])
        )
        traffic = [p.traffic for p in ok_pairs if not p.traffic.empty]
        tr = (
            pd.concat(traffic, ignore_index=True)
            if traffic
            else pd.DataFrame(columns=["function_id", "timestamp"])
        )
        return FleetData(functions, tr, self.meta())


def collect_fleet(
    accounts: Sequence[Account],
    regions: Sequence[str] | None = None,
    *,
    days: int = 30,
    store: Store | None = None,
    confirm: Callable[[CollectionPlan], bool] | None = None,
    progress: ProgressCallback | None = None,
    now: pd.Timestamp | None = None,
    failures: list[dict[str, str]] | None = None,
    max_workers: int = MAX_WORKERS,
) -> FleetData:
    """Inventory, plan, confirm (optional), fetch. Raises CollectionError if the user declines."""
    c = Collector(
        accounts,
        regions,
        days=days,
        now=now,
        store=store,
        progress=progress,
        failures=failures,
        max_workers=max_workers,
    )
    c.inventory()
    plan = c.plan()
    log.info("collection plan: %s", plan.describe())
    if confirm is not None and not confirm(plan):
        raise CollectionError("collection cancelled: nothing was fetched")
    return c.fetch()
