"""Engine benchmark: build a synthetic fleet, analyse it, print ONE JSON line.

    python benchmarks/engine.py --functions 10000 --days 30
    {"functions": 10000, "days": 30, "hours": 720, "rows": ..., "candidates": ...,
     "load_s": ..., "analyze_s": ..., "peak_rss_mb": ...}

load_s     building the FleetData (generation + FleetData normalisation)
analyze_s  analyze(): Lambda bill, every option's cost, crossover, verdicts, forecast
candidates candidate units the engine considers per price region (EC2 types + Fargate sizes +
           LMI types), from the engine's own candidate sets
peak_rss_mb  the process's peak resident set size (resource.getrusage)

`--reanalyze` also times a second analyze() of the same fleet with changed assumptions (what
the app does after a slider move) and reports it as `reanalyze_s`.

`--store DIR` writes the synthetic fleet into a store under DIR as it is generated (never all
in memory; `store_s`), then analyses the store block by block in a separate process:

    python benchmarks/engine.py --functions 10000 --days 455 --store /tmp/bench-store
    {"functions": ..., "days": ..., "rows": ..., "store_s": ..., "analyze_s": ...,
     "analyze_peak_rss_mb": ..., ...}

analyze_peak_rss_mb  the analysing process's peak resident set size (it reads the store only)
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analyzer.core.analyze import analyze
from analyzer.core.assumptions import DEFAULTS, Assumptions
from analyzer.core.options.candidates import CandidateCache
from analyzer.core.pricebook import PriceBook
from benchmarks.fleetgen import PRICE_PROXY, SEED, synthetic_fleet, synthetic_meta, synthetic_parts


def peak_rss_mb() -> float:
    """Peak RSS of this process in MB. On Linux from VmHWM: ru_maxrss also keeps the peak of
    the process that started this one when it forked before exec (the store-writing parent's
    2 GB showed up as the analysing child's). Else ru_maxrss (KiB on Linux, bytes on macOS)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        status = ""
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return float(line.split()[1]) / 1024.0  # kB
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024.0 * 1024.0) if sys.platform == "darwin" else rss / 1024.0


def candidate_count(book: PriceBook, a: Assumptions, regions: list[str]) -> int:
    """Candidate units considered, per kind and price region, from the engine's candidate sets."""
    a = dataclasses.replace(a, price_region_proxy={**PRICE_PROXY, **a.price_region_proxy})
    price_regions = sorted({a.price_region_proxy.get(r, r) for r in regions})
    arches = ("x86_64", "arm64")
    cache = CandidateCache(book)
    return sum(len(cache.get(kind, reg, a, arches)) for reg in price_regions for kind in a.targets)


def changed(a: Assumptions) -> Assumptions:
    """An assumption change like a slider move in the app (forces a full recompute)."""
    return dataclasses.replace(a, target_utilization=0.6, burst_factor=2.5)


def run(functions: int, days: int, seed: int = SEED, reanalyze: bool = False) -> dict[str, object]:
    book = PriceBook.load()
    t0 = time.perf_counter()
    fleet = synthetic_fleet(functions, days, seed)
    t1 = time.perf_counter()
    analysis = analyze(fleet, book, DEFAULTS)
    t2 = time.perf_counter()
    out: dict[str, object] = {
        "functions": functions,
        "days": days,
        "hours": fleet.hours,
        "rows": len(fleet.traffic),
        "candidates": candidate_count(book, DEFAULTS, sorted(set(fleet.functions["region"]))),
        "load_s": round(t1 - t0, 3),
        "analyze_s": round(t2 - t1, 3),
    }
    if reanalyze:
        t3 = time.perf_counter()
        analyze(fleet, book, changed(DEFAULTS))
        out["reanalyze_s"] = round(time.perf_counter() - t3, 3)
    counts = analysis.functions["verdict"].value_counts()
    out["verdicts"] = {str(k): int(v) for k, v in counts.items()}
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return out


def write_store(functions: int, days: int, seed: int, data_dir: str) -> dict[str, object]:
    """The synthetic fleet written into a store at `data_dir`, streamed as it is generated."""
    from analyzer.adapters.store import Store

    t0 = time.perf_counter()
    funcs, parts, start = synthetic_parts(functions, days, seed)
    end = start + pd.Timedelta(hours=days * 24)
    rows = Store(data_dir).write_streamed(funcs, parts, (start, end), synthetic_meta(seed))
    return {"functions": functions, "days": days, "rows": rows, "store_s": t1(t0)}


def t1(t0: float) -> float:
    return round(time.perf_counter() - t0, 3)


def analyze_store(data_dir: str, dask: str | None = None) -> dict[str, object]:
    """Analyse the store at `data_dir` block by block (run in its own process), on a Dask
    cluster with `dask` (local:N or a scheduler address; the cluster's start is not timed)."""
    from contextlib import nullcontext

    from analyzer.adapters.dask_run import dask_runner
    from analyzer.adapters.store import Store

    book = PriceBook.load()
    with dask_runner(dask) if dask else nullcontext() as runner:
        t0 = time.perf_counter()
        fleet = Store(data_dir).open_fleet()
        analysis = analyze(fleet, book, DEFAULTS, runner=runner)
        out: dict[str, object] = {"hours": fleet.hours, "analyze_s": t1(t0)}
    if dask:
        out["dask"] = dask
    counts = analysis.functions["verdict"].value_counts()
    out["verdicts"] = {str(k): int(v) for k, v in counts.items()}
    out["analyze_peak_rss_mb"] = round(peak_rss_mb(), 1)
    return out


def run_store(
    functions: int, days: int, seed: int, data_dir: str, dask: str | None = None
) -> dict[str, object]:
    out = write_store(functions, days, seed, data_dir)
    child = subprocess.run(
        [
            sys.executable,
            __file__,
            "--analyze-store",
            data_dir,
            *(["--dask", dask] if dask else []),
        ],
        check=False,
        capture_output=True,
        text=True,
    )
    if child.returncode != 0:
        raise SystemExit(f"the analysing process failed:\n{child.stderr[-3000:]}")
    out.update(json.loads(child.stdout.strip().splitlines()[-1]))
    out["candidates"] = candidate_count(PriceBook.load(), DEFAULTS, ["us-east-1", "eu-west-1"])
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--functions", type=int, default=1000, help="number of functions")
    p.add_argument("--days", type=int, default=30, help="days of hourly traffic")
    p.add_argument("--seed", type=int, default=SEED, help="generator seed")
    p.add_argument(
        "--reanalyze", action="store_true", help="also time analyze() after an assumption change"
    )
    p.add_argument("--store", metavar="DIR", help="generate into a store, analyse it streamed")
    p.add_argument(
        "--analyze-store", metavar="DIR", help="analyse a store already written by --store"
    )
    p.add_argument("--dask", metavar="ADDRESS", help="with --store: analyse on Dask (local:N)")
    args = p.parse_args(argv)
    if args.analyze_store:
        print(json.dumps(analyze_store(args.analyze_store, args.dask)), flush=True)
        return 0
    if args.store:
        out = run_store(args.functions, args.days, args.seed, args.store, args.dask)
        print(json.dumps(out), flush=True)
        return 0
    if args.functions < 1 or args.days < 1:
        p.error("--functions and --days must be at least 1")
    print(json.dumps(run(args.functions, args.days, args.seed, args.reanalyze)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
