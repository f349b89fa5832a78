"""Live collection against a local moto server: the collected fleet equals what was seeded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pandas as pd
import pytest
from aws_helpers import ACCESS_KEY, MAIN_ACCOUNT, SECRET_KEY, seed_fleet
from botocore.awsrequest import AWSResponse
from botocore.config import Config

from analyzer.adapters.aws.collect import Collector, Progress, collect_fleet, fetch_metrics
from analyzer.adapters.aws.session import base_session, discover_accounts
from analyzer.adapters.store import Store
from analyzer.core.fleet import METRIC_COLUMNS

FAST = Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=1)
pytestmark = [pytest.mark.aws, pytest.mark.xdist_group("moto")]

TRAFFIC_COLS = list(METRIC_COLUMNS)


def _compare(fleet_traffic: pd.DataFrame, seeded: pd.DataFrame) -> None:
    got = fleet_traffic.set_index(["function_id", "timestamp"]).sort_index()[TRAFFIC_COLS]
    want = seeded.set_index(["function_id", "timestamp"]).sort_index()[TRAFFIC_COLS]
    assert list(got.index) == list(want.index)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-9)


def test_collect_two_accounts_two_regions_equals_seeded(moto_url: str, tmp_path: Path) -> None:
    seeded = seed_fleet(moto_url, hours=6)
    session = base_session()
    accounts, failures = discover_accounts(
        session,
        role_arns=seeded.role_arns,
        endpoint_url=moto_url,
        env_map={
            MAIN_ACCOUNT: {"environment": "prod", "name": "shop"},
            "111111111111": {"environment": "dev"},
        },
    )
    assert failures == []
    events: list[Progress] = []
    fleet = collect_fleet(
        accounts,
        ["us-east-1", "eu-west-1"],
        days=1,
        now=seeded.end + pd.Timedelta(minutes=20),
        store=Store(tmp_path / "data"),
        progress=events.append,
    )

    f = fleet.functions.set_index("function_id").sort_index()
    want = seeded.functions.set_index("function_id").sort_index()
    assert list(f.index) == list(want.index)
    for col in ("memory_mb", "arch", "ephemeral_storage_mb", "timeout_s", "runtime", "region"):
        assert f[col].tolist() == want[col].tolist(), col
    assert set(f.loc[f["account_id"] == MAIN_ACCOUNT, "environment"]) == {"prod"}
    assert set(f.loc[f["account_id"] == MAIN_ACCOUNT, "account_name"]) == {"shop"}
    assert set(f.loc[f["account_id"] == "111111111111", "environment"]) == {"dev"}
    assert (f["pc_allocated"] == 0).all()
    _compare(fleet.traffic, seeded.traffic)

    assert fleet.meta["source"] == "aws"
    assert fleet.meta["failures"] == []
    assert fleet.meta["regions"] == ["eu-west-1", "us-east-1"]
    assert any("provisioned concurrency unknown" in n for n in fleet.meta["notes"])
    # 4 pairs, 2 functions x 6 metrics each, 24 h: one GetMetricData call per pair
    assert fleet.meta["calls"] == 4
    assert events[-1].stage == "done"
    assert events[-1].functions == 8
    assert events[-1].calls == 4
    assert [e.pairs_done for e in events if e.stage == "metrics"] == [1, 2, 3, 4]


def test_failing_account_is_recorded_and_the_rest_completes(moto_url: str) -> None:
    seeded = seed_fleet(moto_url, accounts=(MAIN_ACCOUNT,), regions=("us-east-1",), hours=3)
    good, _ = discover_accounts(base_session(), endpoint_url=moto_url)
    bad_session = boto3.Session(
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name="us-east-1"
    )
    from analyzer.adapters.aws.session import Account

    # an account whose endpoint refuses connections (port 9 is discard; nothing listens)
    bad = Account("999999999999", bad_session, endpoint_url="http://127.0.0.1:9", config=FAST)
    c = Collector([*good, bad], ["us-east-1"], days=1, now=seeded.end, max_workers=2)
    c.inventory()
    fleet = c.fetch()
    assert [(x["account_id"], x["region"], x["stage"]) for x in fleet.meta["failures"]] == [
        ("999999999999", "us-east-1", "inventory")
    ]
    assert "EndpointConnectionError" in fleet.meta["failures"][0]["error"]
    assert sorted(fleet.functions["function_id"]) == sorted(seeded.functions["function_id"])
    _compare(fleet.traffic, seeded.traffic)


def test_roles_are_assumed_and_unassumable_ones_are_failures(moto_url: str) -> None:
    arns = [
        "arn:aws:iam::111111111111:role/crossover-readonly",
        "arn:aws:iam::222222222222:role/crossover-readonly",
    ]
    accounts, failures = discover_accounts(base_session(), role_arns=arns, endpoint_url=moto_url)
    assert [a.account_id for a in accounts] == ["111111111111", "222222222222"]
    assert failures == []
    # STS unreachable: every role is a failure entry, nothing raises
    accounts, failures = discover_accounts(
        base_session(), role_arns=arns, endpoint_url="http://127.0.0.1:9", config=FAST
    )
    assert accounts == []
    assert [(f["account_id"], f["stage"]) for f in failures] == [
        ("111111111111", "assume_role"),
        ("222222222222", "assume_role"),
    ]


def test_org_role_reads_every_account_of_the_organization(moto_url: str) -> None:
    org = base_session().client("organizations", endpoint_url=moto_url)
    org.create_organization(FeatureSet="ALL")
    org.create_account(AccountName="payments-dev", Email="dev@example.com")
    accounts, failures = discover_accounts(
        base_session(),
        org_role="crossover-readonly",
        endpoint_url=moto_url,
        env_map={MAIN_ACCOUNT: {"environment": "prod"}},
    )
    assert failures == []
    names = {a.account_name: a for a in accounts}
    assert set(names) == {"master", "payments-dev"}
    assert names["master"].account_id == MAIN_ACCOUNT
    assert names["master"].environment == "prod"
    assert names["payments-dev"].environment == ""


def test_second_run_fetches_only_missing_hours(moto_url: str, tmp_path: Path) -> None:
    seeded = seed_fleet(moto_url, accounts=(MAIN_ACCOUNT,), regions=("us-east-1",), hours=12)
    store = Store(tmp_path / "d")
    accounts, _ = discover_accounts(base_session(), endpoint_url=moto_url)
    first = Collector(
        accounts, ["us-east-1"], days=1, now=seeded.end - pd.Timedelta(hours=4), store=store
    )
    first.inventory()
    assert first.plan().calls == 1
    first.fetch()
    second = Collector(accounts, ["us-east-1"], days=1, now=seeded.end, store=store)
    second.inventory()
    plan = second.plan()
    assert plan.hours == 4
    assert plan.metrics == 12
    fleet = second.fetch()
    assert fleet.meta["calls"] == 1
    _compare(fleet.traffic, seeded.traffic)
    nothing = Collector(accounts, ["us-east-1"], days=1, now=seeded.end, store=store)
    nothing.inventory()
    assert nothing.plan().calls == 0


def test_unavailable_cloudwatch_is_retried_with_adaptive_retries(moto_url: str) -> None:
    seeded = seed_fleet(
        moto_url, accounts=(MAIN_ACCOUNT,), regions=("us-east-1",), hours=2, functions_per_pair=1
    )
    (account,), _ = discover_accounts(base_session(), endpoint_url=moto_url)
    cw = account.client("cloudwatch", "us-east-1")
    attempts = []

    def flaky(request: Any, **kwargs: Any) -> AWSResponse | None:
        attempts.append(1)
        if len(attempts) <= 2:  # the first two attempts fail as AWS does under load
            return AWSResponse(request.url, 503, {}, _Raw(b""))
        return None  # then the real server answers

    cw.meta.events.register("before-send.cloudwatch.GetMetricData", flaky)
    calls = []
    df = fetch_metrics(cw, ["fn-000"], seeded.start, seeded.end, on_call=lambda: calls.append(1))
    assert len(attempts) == 3
    assert len(calls) == 1
    _compare(df.assign(function_id=f"{MAIN_ACCOUNT}:us-east-1:" + df["name"]), seeded.traffic)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **kwargs: Any) -> Any:
        yield self.body
