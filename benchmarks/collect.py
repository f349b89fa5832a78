"""Collection benchmark: our GetMetricData collector vs a one-call-per-metric baseline.

Starts a local moto server, creates N Lambda functions, seeds one datapoint per function, hour
and metric (`put_metric_data`), then, in the same run and on the same server:

  ours      `analyzer.adapters.aws.collect.Collector` (inventory, then packed GetMetricData)
  baseline  the straightforward way: `get_metric_statistics` once per function and metric
            (Duration's Sum and Maximum in one call), ceil(hours / 1,440) calls each

and prints ONE JSON line:

    python benchmarks/collect.py --functions 200 --days 7
    {"functions": 200, "days": 7, "hours": 168, "queries": 1200, "datapoints": 201600,
     "min_calls": 3, "calls": 3, "minimal": true, "wall_s": ..., "baseline_calls": 1000,
     "baseline_wall_s": ..., "invocations_match": true, ...}

queries      metric queries ours must make (functions x 6 metric/statistic pairs)
min_calls    the fewest GetMetricData calls AWS's limits allow:
             max(ceil(datapoints / 100,800), ceil(queries / 500))
calls        GetMetricData calls ours made (counted by a botocore before-call hook)
invocations_match  ours and the baseline both collected exactly the seeded invocations

moto's GetMetricData scans every stored datapoint per query, so wall times here rank the two
approaches on the same server; they are not AWS latencies. Never touches the network: fake
credentials, 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import math
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import boto3
import numpy as np
import pandas as pd
from botocore.config import Config

from analyzer.adapters.aws.collect import Collector
from analyzer.adapters.aws.metrics import MAX_DATAPOINTS_PER_CALL, MAX_QUERIES_PER_CALL, METRICS
from analyzer.adapters.aws.session import Account

ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"
SEED = 11
END = pd.Timestamp.now(tz="UTC").floor("h")
BASELINE_METRICS = (  # what a straightforward collector asks for, one call each
    ("Invocations", ["Sum"]),
    ("Duration", ["Sum", "Maximum"]),
    ("ConcurrentExecutions", ["Maximum"]),
    ("Errors", ["Sum"]),
    ("Throttles", ["Sum"]),
)
MAX_POINTS_PER_STATISTICS_CALL = 1440


def _isolate_environment(tmp: Path) -> None:
    """Fake credentials and no user AWS config: nothing can reach a real account."""
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "AKIABENCHMARK0000001",
            "AWS_SECRET_ACCESS_KEY": "benchmark-not-a-secret",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": str(tmp / "no-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "no-credentials"),
        }
    )
    for var in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        os.environ.pop(var, None)


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("handler.py", "def handler(event, context):\n    return 1\n")
    return buf.getvalue()


def seed(url: str, n: int, hours: int, end: pd.Timestamp) -> tuple[list[str], float]:
    """Create `n` functions with one datapoint per hour and metric; (names, total invocations)."""
    rng = np.random.default_rng(SEED)
    session = boto3.Session(region_name=REGION)
    role = session.client("iam", endpoint_url=url).create_role(
        RoleName="bench", AssumeRolePolicyDocument=json.dumps({"Statement": []})
    )["Role"]["Arn"]
    lam = session.client("lambda", endpoint_url=url)
    # botocore gzips large bodies and moto's server answers 500 to them.
    cw = session.client(
        "cloudwatch", endpoint_url=url, config=Config(disable_request_compression=True)
    )
    code = _zip()
    names = [f"bench-{i:05d}" for i in range(n)]
    for name in names:
        lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler="handler.handler",
            Code={"ZipFile": code},
            MemorySize=512,
        )
    start = end - pd.Timedelta(hours=hours)
    stamps = [(start + pd.Timedelta(hours=h, minutes=10)).to_pydatetime() for h in range(hours)]
    inv = rng.integers(1, 1000, (n, hours)).astype(float)
    dur = np.round(inv * rng.uniform(5, 500, (n, 1)), 3)
    values = {
        "Invocations": inv,
        "Duration": dur,
        "ConcurrentExecutions": np.ceil(dur / 3.6e6 * 3 + 1),
        "Errors": np.floor(inv * 0.01),
        "Throttles": np.zeros((n, hours)),
    }
    batch: list[dict[str, Any]] = []
    for i, name in enumerate(names):  # seeding only: not part of anything timed
        dims = [{"Name": "FunctionName", "Value": name}]
        for metric, arr in values.items():
            batch.extend(
                {"MetricName": metric, "Dimensions": dims, "Timestamp": ts, "Value": float(v)}
                for ts, v in zip(stamps, arr[i], strict=True)
            )
        if len(batch) >= 5000 or i == n - 1:
            for lo in range(0, len(batch), 1000):
                cw.put_metric_data(Namespace="AWS/Lambda", MetricData=batch[lo : lo + 1000])
            batch = []
    return names, float(inv.sum())


def _counting_session() -> tuple[boto3.Session, dict[str, int]]:
    session = boto3.Session(region_name=REGION)
    counts: dict[str, int] = {}

    def before_call(model: Any, **_: Any) -> None:
        counts[model.name] = counts.get(model.name, 0) + 1

    session.events.register("before-call.*.*", before_call)
    return session, counts


def run_ours(url: str, days: int, end: pd.Timestamp) -> dict[str, Any]:
    session, counts = _counting_session()
    account = Account(ACCOUNT, session, account_name="bench", endpoint_url=url)
    c = Collector([account], [REGION], days=days, now=end, max_workers=1)
    t0 = time.perf_counter()
    c.inventory()
    plan = c.plan()
    t1 = time.perf_counter()
    fleet = c.fetch()
    t2 = time.perf_counter()
    return {
        "calls": counts.get("GetMetricData", 0),
        "planned_calls": plan.calls,
        "inventory_s": round(t1 - t0, 3),
        "wall_s": round(t2 - t1, 3),
        "invocations": float(fleet.traffic["invocations"].sum()),
    }


def run_baseline(url: str, names: list[str], hours: int, end: pd.Timestamp) -> dict[str, Any]:
    session, counts = _counting_session()
    start = end - pd.Timedelta(hours=hours)
    spans = math.ceil(hours / MAX_POINTS_PER_STATISTICS_CALL)
    total_inv = 0.0
    t0 = time.perf_counter()
    cw = session.client("cloudwatch", endpoint_url=url)  # timed, as ours creates its client
    for name in names:  # the straightforward collector being measured: one call per metric
        for metric, stats in BASELINE_METRICS:
            for s in range(spans):
                lo = start + pd.Timedelta(hours=s * MAX_POINTS_PER_STATISTICS_CALL)
                hi = min(end, lo + pd.Timedelta(hours=MAX_POINTS_PER_STATISTICS_CALL))
                resp = cw.get_metric_statistics(
                    Namespace="AWS/Lambda",
                    MetricName=metric,
                    Dimensions=[{"Name": "FunctionName", "Value": name}],
                    StartTime=lo.to_pydatetime(),
                    EndTime=hi.to_pydatetime(),
                    Period=3600,
                    Statistics=stats,
                )
                if metric == "Invocations":
                    total_inv += sum(p["Sum"] for p in resp["Datapoints"])
    return {
        "baseline_calls": counts.get("GetMetricStatistics", 0),
        "baseline_wall_s": round(time.perf_counter() - t0, 3),
        "invocations": total_inv,
    }


def run(functions: int, days: int) -> dict[str, Any]:
    from moto.server import ThreadedMotoServer

    hours = days * 24
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log on stderr
    with tempfile.TemporaryDirectory(prefix="crossover-bench-") as tmp:
        _isolate_environment(Path(tmp))
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            port = server._server.server_port  # type: ignore[union-attr]
            url = f"http://127.0.0.1:{port}"
            t0 = time.perf_counter()
            names, seeded = seed(url, functions, hours, END)
            seed_s = time.perf_counter() - t0
            ours = run_ours(url, days, END)
            base = run_baseline(url, names, hours, END)
        finally:
            server.stop()
    queries = functions * len(METRICS)
    datapoints = queries * hours
    min_calls = max(
        math.ceil(datapoints / MAX_DATAPOINTS_PER_CALL), math.ceil(queries / MAX_QUERIES_PER_CALL)
    )
    return {
        "functions": functions,
        "days": days,
        "hours": hours,
        "queries": queries,
        "datapoints": datapoints,
        "min_calls": min_calls,
        "calls": ours["calls"],
        "planned_calls": ours["planned_calls"],
        "minimal": ours["calls"] == min_calls,
        "wall_s": ours["wall_s"],
        "inventory_s": ours["inventory_s"],
        "baseline_calls": base["baseline_calls"],
        "baseline_wall_s": base["baseline_wall_s"],
        "invocations_match": bool(ours["invocations"] == seeded == base["invocations"]),
        "seed_s": round(seed_s, 3),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--functions", type=int, default=50, help="number of functions to seed")
    p.add_argument("--days", type=int, default=7, help="days of hourly metrics (1-455)")
    args = p.parse_args(argv)
    if args.functions < 1 or not 1 <= args.days <= 455:
        p.error("--functions must be at least 1 and --days between 1 and 455")
    print(json.dumps(run(args.functions, args.days)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
