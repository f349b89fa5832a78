"""How long the app's overview takes to appear, and a what-if change to re-render.

    .venv/bin/python benchmarks/app_render.py [--functions 1000]

Cases: the demo fleet (67 functions) and a synthetic fleet of N functions made by copying the
demo's functions into more accounts with seeded random traffic multipliers. Per case, one JSON
line: analysis time (engine only), the overview's first render through AppTest (empty caches),
and the re-render after a what-if change (min_instances 2 -> 3, not cached yet).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.testing.v1 import AppTest

from analyzer.core.analyze import analyze
from analyzer.core.demo import demo_fleet
from analyzer.core.fleet import FleetData, function_id

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def synthetic_fleet(n: int, seed: int = 11) -> FleetData:
    """`n` functions: the demo's, copied into more accounts, traffic scaled 0.2x-5x."""
    base = demo_fleet()
    rng = np.random.default_rng(seed)
    copies = -(-n // len(base))
    funcs, traffic = [], []
    for c in range(copies):
        f = base.functions.copy()
        f["account_id"] = f"9{c:05d}" + f["account_id"].str[-6:]
        f["account_name"] = f"team{c:03d}-" + f["account_name"]
        old_ids = f["function_id"]
        f["function_id"] = [
            function_id(a, r, nm)
            for a, r, nm in zip(f["account_id"], f["region"], f["name"], strict=True)
        ]
        mapping = dict(zip(old_ids, f["function_id"], strict=True))
        scale = pd.Series(np.exp(rng.uniform(np.log(0.2), np.log(5.0), len(f))), index=old_ids)
        t = base.traffic.copy()
        k = t["function_id"].map(scale).to_numpy()
        for col in ("invocations", "duration_sum_ms", "errors", "throttles"):
            if col in t:
                t[col] = t[col] * k
        if "concurrent_executions_max" in t:
            t["concurrent_executions_max"] = np.ceil(t["concurrent_executions_max"] * k)
        t["function_id"] = t["function_id"].map(mapping)
        funcs.append(f)
        traffic.append(t)
    f = pd.concat(funcs, ignore_index=True).iloc[:n]
    t = pd.concat(traffic, ignore_index=True)
    t = t[t["function_id"].isin(f["function_id"])].reset_index(drop=True)
    return FleetData(f.reset_index(drop=True), t, {**base.meta, "source": f"synthetic-{n}"})


def measure(name: str, fleet: FleetData | None) -> dict[str, object]:
    st.cache_data.clear()
    st.cache_resource.clear()
    fl = fleet if fleet is not None else demo_fleet()
    t0 = time.perf_counter()
    analyze(fl)
    analysis_s = time.perf_counter() - t0

    at = AppTest.from_file(APP, default_timeout=600)
    if fleet is not None:
        at.session_state["fleets"] = {name: fleet}
        at.session_state["source_id"] = name
    t0 = time.perf_counter()
    at.run()
    first_s = time.perf_counter() - t0
    assert not at.exception, at.exception
    at.switch_page("app_pages/what_if.py").run()
    t0 = time.perf_counter()
    at.number_input(key="a_min_instances").set_value(3).run()
    rerender_s = time.perf_counter() - t0
    assert not at.exception, at.exception
    # The overview after an assumption change it has not seen yet (one analysis, issue #7).
    at.switch_page("app_pages/overview.py").run()
    at.session_state["a_min_instances"] = 4
    t0 = time.perf_counter()
    at.run()
    overview_change_s = time.perf_counter() - t0
    assert not at.exception, at.exception
    return {
        "case": name,
        "functions": len(fl),
        "traffic_rows": len(fl.traffic),
        "analysis_s": round(analysis_s, 3),
        "overview_first_render_s": round(first_s, 3),
        "what_if_change_rerender_s": round(rerender_s, 3),
        "overview_change_rerender_s": round(overview_change_s, 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--functions", type=int, default=1000)
    args = ap.parse_args()
    print(json.dumps(measure("demo", None)), flush=True)
    print(
        json.dumps(measure(f"synthetic-{args.functions}", synthetic_fleet(args.functions))),
        flush=True,
    )


if __name__ == "__main__":
    main()
