"""The shipped IAM policies allow every AWS call Crossover makes: the read-only one nothing that
writes, the S3 store's one only what the store in S3 does."""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
import pandas as pd
import pytest
import requests
from aws_helpers import (
    MAIN_ACCOUNT,
    POLICY_PATH,
    STORE_POLICY_PATH,
    policy_actions,
    policy_allows,
    pricing_stub_client,
    recording,
    seed_fleet,
    stub_pricing,
)
from botocore.stub import Stubber
from click.testing import CliRunner

from analyzer.adapters.aws.collect import collect_fleet
from analyzer.adapters.aws.session import base_session, discover_accounts, enabled_regions
from analyzer.adapters.pricing_commitments import savings_plans_rates, spot_rows
from analyzer.adapters.pricing_refresh import refresh
from analyzer.adapters.store import Store
from analyzer.cli import cli as main_cli

WRITE_VERBS = ("Put", "Create", "Delete", "Update", "Send", "Invoke", "Tag", "Attach", "Set")


def test_policy_is_read_only_and_has_no_email_permission() -> None:
    doc = json.loads(POLICY_PATH.read_text(encoding="utf-8"))
    assert doc["Version"] == "2012-10-17"
    actions = policy_actions()
    assert all("*" not in a for a in actions)
    assert not [a for a in actions if a.split(":")[1].startswith(WRITE_VERBS)]
    assert not [a for a in actions if a.startswith("ses:")]
    assume = [s for s in doc["Statement"] if "sts:AssumeRole" in s["Action"]]
    assert assume[0]["Resource"] == "arn:aws:iam::*:role/crossover-readonly"


@pytest.mark.aws
@pytest.mark.xdist_group("moto")
def test_every_call_of_a_full_run_is_allowed_by_the_policy(moto_url: str) -> None:
    seed_fleet(moto_url, accounts=(MAIN_ACCOUNT,), regions=("us-east-1",), hours=2)
    session = base_session()
    org = session.client("organizations", endpoint_url=moto_url)
    org.create_organization(FeatureSet="ALL")
    # every path: own account with region discovery, org accounts through assumed roles
    with recording() as seen:
        (me,), _ = discover_accounts(session, endpoint_url=moto_url)
        assert "eu-west-1" in enabled_regions(me)  # what --region left out uses
        accounts, failures = discover_accounts(
            session, org_role="crossover-readonly", endpoint_url=moto_url
        )
        assert failures == []
        collect_fleet(accounts, ["us-east-1"], days=1)
        client = pricing_stub_client()
        with Stubber(client) as stub:
            stub_pricing(stub, ("us-east-1",))
            refresh(["us-east-1"], client, today=dt.date(2026, 11, 26))
        sp = session.client("savingsplans", region_name="us-east-1")
        ec2 = session.client("ec2", region_name="us-east-1")
        with Stubber(sp) as sps, Stubber(ec2) as ecs:  # prices refresh's commitment rates
            sps.add_response("describe_savings_plans_offering_rates", {"searchResults": []})
            ecs.add_response("describe_spot_price_history", {"SpotPriceHistory": []})
            savings_plans_rates(sp, "us-east-1")
            spot_rows(ec2, {"ec2": {}}, "us-east-1")

    exercised = {
        "sts:getcalleridentity",
        "sts:assumerole",
        "organizations:listaccounts",
        "ec2:describeregions",
        "lambda:listfunctions",
        "lambda:listprovisionedconcurrencyconfigs",
        "cloudwatch:getmetricdata",
        "pricing:getproducts",
        "savingsplans:describesavingsplansofferingrates",
        "ec2:describespotpricehistory",
    }
    assert exercised <= {a.lower() for a in seen}
    denied = sorted(a for a in seen if not policy_allows(a))
    assert denied == []


# -- the store in S3 ---------------------------------------------------------------------------
STORE_BUCKET = "my-crossover-store"  # the bucket and prefix the shipped store policy names
STORE_URI = f"s3://{STORE_BUCKET}/crossover/team-a"


def _s3_request_actions(entry: dict[str, Any]) -> list[tuple[str, str]]:
    """The IAM (action, resource) pairs one S3 REST request needs (AWS's S3 authorisation
    table: HeadBucket and listing need ListBucket; HEAD/GET an object GetObject; PUT, copy and
    multipart parts PutObject, a copy also GetObject on its source; DELETE DeleteObject)."""
    parts = urlsplit(entry["url"])
    query = parse_qs(parts.query, keep_blank_values=True)
    bucket, _, key = unquote(parts.path).lstrip("/").partition("/")
    method = entry["method"]
    if not key:
        action = "s3:ListBucket" if method in ("GET", "HEAD") else f"s3:{method}-on-the-bucket"
        return [(action, f"arn:aws:s3:::{bucket}")]
    arn = f"arn:aws:s3:::{bucket}/{key}"
    if method in ("GET", "HEAD"):
        return [("s3:GetObject", arn)]
    if method == "DELETE":
        return [("s3:AbortMultipartUpload" if "uploadId" in query else "s3:DeleteObject", arn)]
    headers = {k.lower(): v for k, v in entry["headers"].items()}
    source = headers.get("x-amz-copy-source")
    copied = [("s3:GetObject", f"arn:aws:s3:::{unquote(source).lstrip('/')}")] if source else []
    return [("s3:PutObject", arn), *copied]


def _store_policy_allows(action: str, resource: str) -> bool:
    doc = json.loads(STORE_POLICY_PATH.read_text(encoding="utf-8"))
    return any(
        st["Effect"] == "Allow"
        and action in st["Action"]
        and fnmatch.fnmatchcase(resource, st["Resource"])
        for st in doc["Statement"]
    )


@pytest.mark.aws
@pytest.mark.xdist_group("moto")
def test_every_s3_request_of_a_store_in_s3_is_allowed_by_the_store_policy(
    moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every request a collection, an analysis and a report's verdict history make to the
    store's bucket (pyarrow's and the lock's) needs only what iam/crossover-store-s3.json grants,
    on the bucket and prefix it names, and the policy grants nothing they do not use."""
    from moto.moto_api import recorder

    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    seed_fleet(moto_url, accounts=(MAIN_ACCOUNT,), regions=("us-east-1",), hours=3)
    boto3.client("s3", endpoint_url=moto_url).create_bucket(Bucket=STORE_BUCKET)
    monkeypatch.setattr(recorder, "_location", str(tmp_path / "requests.jsonl"))
    requests.post(f"{moto_url}/moto-api/recorder/start-recording", timeout=10)
    try:
        common = ["--data-dir", STORE_URI, "--endpoint-url", moto_url]
        runner = CliRunner()
        for args in (
            ["collect", "--region", "us-east-1", "--days", "1", "--yes", "--no-price-refresh"],
            ["analyze", "--store", "--format", "json"],
        ):
            result = runner.invoke(main_cli, [*args, *common])
            assert result.exit_code == 0, result.output
        store = Store(STORE_URI, moto_url)
        store.record_verdicts(pd.DataFrame({"function_id": ["f"], "verdict": ["stay"]}))
        assert store.previous_verdicts() is not None
    finally:
        requests.post(f"{moto_url}/moto-api/recorder/stop-recording", timeout=10)
    entries = [json.loads(line) for line in (tmp_path / "requests.jsonl").read_text().splitlines()]
    s3 = [e for e in entries if "/s3/aws4_request" in e["headers"].get("Authorization", "")]
    needed = {pair for e in s3 for pair in _s3_request_actions(e)}
    assert {"s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"} == {
        action for action, _ in needed
    }  # least privilege: the policy grants exactly these
    assert sorted(p for p in needed if not _store_policy_allows(*p)) == []
    assert sorted(policy_actions(STORE_POLICY_PATH)) == sorted(
        ["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    )
