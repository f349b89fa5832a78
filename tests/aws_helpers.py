"""Shared AWS test helpers: a local moto server, fleet seeding, and the AWS-call recorder.

`tests/conftest.py` imports the fixtures from here. The recorder notes every AWS operation that
Crossover's own code (anything under `analyzer/`) performs during the test session; the IAM
test and the session teardown check each against `iam/crossover-readonly.json` (S3 actions, which
only the store in S3 makes, against `iam/crossover-store-s3.json`).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import io
import json
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pandas as pd
import pytest
import requests
from botocore.client import BaseClient
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[1]
POLICY_PATH = ROOT / "iam" / "crossover-readonly.json"
STORE_POLICY_PATH = ROOT / "iam" / "crossover-store-s3.json"  # s3: actions (a store in S3)
SECRET_KEY = "crossover-SECRET-do-not-store-0123456789abcdef"
ACCESS_KEY = "AKIACROSSOVERTEST0001"
MAIN_ACCOUNT = "123456789012"  # moto's default account

# -- recorder of AWS operations made by analyzer/ code -----------------------------------------
RECORDED: set[str] = set()
_LISTENERS: list[set[str]] = []


@contextmanager
def recording() -> Iterator[set[str]]:
    """The AWS actions analyzer code performs inside the block (besides RECORDED)."""
    seen: set[str] = set()
    _LISTENERS.append(seen)
    try:
        yield seen
    finally:
        _LISTENERS.remove(seen)


def _from_analyzer() -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name.startswith("analyzer."):
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


def iam_action(client: BaseClient, operation: str) -> str:
    service = client.meta.service_model.service_id.replace(" ", "").lower()
    return f"{service}:{operation}"


@pytest.fixture(scope="session", autouse=True)
def aws_call_recorder() -> Iterator[set[str]]:
    """Record every AWS action performed by analyzer code; fail if the policy forbids one."""
    original = BaseClient._make_api_call

    def recording(self: BaseClient, operation_name: str, api_params: Any) -> Any:
        if _from_analyzer():
            action = iam_action(self, operation_name)
            RECORDED.add(action)
            for listener in _LISTENERS:
                listener.add(action)
        return original(self, operation_name, api_params)

    BaseClient._make_api_call = recording
    try:
        yield RECORDED
    finally:
        BaseClient._make_api_call = original
    denied = sorted(a for a in RECORDED if not policy_allows(a))
    if denied:
        raise AssertionError(f"the iam/ policies do not allow {denied}")


def policy_actions(path: Path = POLICY_PATH) -> list[str]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    out: list[str] = []
    for st in doc["Statement"]:
        if st["Effect"] != "Allow":
            continue
        acts = st["Action"]
        out.extend([acts] if isinstance(acts, str) else acts)
    return out


def policy_allows(action: str) -> bool:
    """Whether the shipped policy for `action` allows it: S3 actions (only the store in S3
    makes them) against iam/crossover-store-s3.json, the rest against the read-only policy."""
    path = STORE_POLICY_PATH if action.lower().startswith("s3:") else POLICY_PATH
    return any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in policy_actions(path))


# -- moto server -------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    port = server._server.server_port  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def moto_url(moto_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """A freshly reset moto server with fake credentials in the environment."""
    requests.post(f"{moto_server}/moto-api/reset", timeout=10)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("CROSSOVER_DATA_DIR", str(tmp_path / "data"))
    return moto_server


# -- seeding -----------------------------------------------------------------------------------
@dataclass
class SeededFleet:
    """What was put into the local AWS: the truth collections are compared with."""

    functions: pd.DataFrame  # function_id, account_id, region, name, memory_mb, arch, ...
    traffic: pd.DataFrame  # function_id, timestamp, invocations, duration_sum_ms, ...
    start: pd.Timestamp
    end: pd.Timestamp
    role_arns: list[str] = field(default_factory=list)


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("handler.py", "def handler(event, context):\n    return 1\n")
    return buf.getvalue()


def session_for(url: str, account_id: str) -> boto3.Session:
    base = boto3.Session(
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name="us-east-1"
    )
    if account_id == MAIN_ACCOUNT:
        return base
    creds = base.client("sts", endpoint_url=url).assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/seed", RoleSessionName="seeding"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name="us-east-1",
    )


def seed_fleet(
    url: str,
    accounts: tuple[str, ...] = (MAIN_ACCOUNT, "111111111111"),
    regions: tuple[str, ...] = ("us-east-1", "eu-west-1"),
    functions_per_pair: int = 2,
    hours: int = 6,
    end: pd.Timestamp | None = None,
    seed: int = 7,
) -> SeededFleet:
    """Create functions and hourly AWS/Lambda datapoints; return exactly what was seeded."""
    rng = np.random.default_rng(seed)
    end = pd.Timestamp.now(tz="UTC").floor("h") if end is None else end
    start = end - pd.Timedelta(hours=hours)
    zipped = _zip()
    frows: list[dict[str, Any]] = []
    trows: list[dict[str, Any]] = []
    role_arns = []
    memories = [128, 512, 1024, 1769, 3008, 10240]
    for a_i, acct in enumerate(accounts):
        s = session_for(url, acct)
        role = s.client("iam", endpoint_url=url).create_role(
            RoleName="crossover-readonly",
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
        )["Role"]["Arn"]
        role_arns.append(role)
        for r_i, region in enumerate(regions):
            lam = s.client("lambda", region_name=region, endpoint_url=url)
            cw = s.client(
                "cloudwatch",
                region_name=region,
                endpoint_url=url,
                config=Config(disable_request_compression=True),
            )
            data: list[dict[str, Any]] = []
            for k in range(functions_per_pair):
                name = f"fn-{a_i}{r_i}{k}"
                mem = memories[(a_i + r_i + k) % len(memories)]
                arch = "arm64" if (a_i + k) % 2 else "x86_64"
                eph = 512 if k % 2 == 0 else 2048
                lam.create_function(
                    FunctionName=name,
                    Runtime="python3.12",
                    Role=role,
                    Handler="handler.handler",
                    Code={"ZipFile": zipped},
                    MemorySize=mem,
                    Architectures=[arch],
                    EphemeralStorage={"Size": eph},
                    Timeout=15 + k,
                )
                frows.append(
                    {
                        "function_id": f"{acct}:{region}:{name}",
                        "account_id": acct,
                        "region": region,
                        "name": name,
                        "memory_mb": mem,
                        "arch": arch,
                        "ephemeral_storage_mb": eph,
                        "timeout_s": float(15 + k),
                        "runtime": "python3.12",
                    }
                )
                for h in range(hours):
                    if (h + k) % 5 == 4:  # an idle hour: no datapoints at all
                        continue
                    ts = start + pd.Timedelta(hours=h)
                    # two datapoints in the hour so Sum and Maximum differ
                    inv = rng.integers(1, 500, size=2).astype(float)
                    dur = np.round(rng.uniform(5, 900, size=2), 3)
                    conc = rng.integers(1, 40, size=2).astype(float)
                    err = rng.integers(0, 3, size=2).astype(float)
                    thr = rng.integers(0, 2, size=2).astype(float)
                    for p, minute in enumerate((5, 35)):
                        when = (ts + pd.Timedelta(minutes=minute)).to_pydatetime()
                        for metric, value in (
                            ("Invocations", inv[p]),
                            ("Duration", dur[p]),
                            ("ConcurrentExecutions", conc[p]),
                            ("Errors", err[p]),
                            ("Throttles", thr[p]),
                        ):
                            data.append(
                                {
                                    "MetricName": metric,
                                    "Timestamp": when,
                                    "Value": value,
                                    "Dimensions": [{"Name": "FunctionName", "Value": name}],
                                }
                            )
                    trows.append(
                        {
                            "function_id": f"{acct}:{region}:{name}",
                            "timestamp": ts,
                            "invocations": inv.sum(),
                            "duration_sum_ms": dur.sum(),
                            "duration_max_ms": dur.max(),
                            "concurrent_executions_max": conc.max(),
                            "errors": err.sum(),
                            "throttles": thr.sum(),
                        }
                    )
            for lo in range(0, len(data), 500):
                cw.put_metric_data(Namespace="AWS/Lambda", MetricData=data[lo : lo + 500])
    return SeededFleet(pd.DataFrame(frows), pd.DataFrame(trows), start, end, role_arns)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


# -- Pricing API fixtures ----------------------------------------------------------------------
PRICING_FIXTURES = Path(__file__).parent / "fixtures" / "pricing"
PRICING_SERVICES = ("AWSLambda", "AmazonECS", "AmazonEC2", "AWSELB", "AmazonApiGateway")
LAMBDA_GROUPS = (
    "AWS-Lambda-Requests,AWS-Lambda-Requests-ARM,AWS-Lambda-Duration,AWS-Lambda-Duration-ARM,"
    "AWS-Lambda-Storage-Duration,AWS-Lambda-Storage-Duration-ARM,"
    "AWS-Lambda-Provisioned-Concurrency,AWS-Lambda-Provisioned-Concurrency-ARM,"
    "AWS-Lambda-Duration-Provisioned,AWS-Lambda-Duration-Provisioned-ARM"
)


def expected_filters(service: str, region: str) -> list[dict[str, str]]:
    """The GetProducts filters each service needs (docs/interfaces.md, `crossover prices refresh`)."""
    rc = {"Type": "EQUALS", "Field": "regionCode", "Value": region}

    def tm(field: str, value: str) -> dict[str, str]:
        return {"Type": "TERM_MATCH", "Field": field, "Value": value}

    return {
        "AWSLambda": [rc, {"Type": "ANY_OF", "Field": "group", "Value": LAMBDA_GROUPS}],
        "AmazonECS": [rc, {"Type": "CONTAINS", "Field": "usagetype", "Value": "Fargate"}],
        "AmazonEC2": [
            rc,
            tm("operatingSystem", "Linux"),
            tm("tenancy", "Shared"),
            tm("preInstalledSw", "NA"),
            tm("capacitystatus", "Used"),
            tm("licenseModel", "No License required"),
            tm("marketoption", "OnDemand"),
        ],
        "AWSELB": [rc, tm("productFamily", "Load Balancer-Application")],
        "AmazonApiGateway": [rc, tm("productFamily", "API Calls")],
    }[service]


def stub_pricing(stubber: Any, regions: tuple[str, ...], edit: Any = None) -> None:
    """Queue the recorded GetProducts pages, checking the exact request of each page.

    `edit(service, region, items)` may change the parsed items before they are queued.
    """
    for region in regions:
        for service in PRICING_SERVICES:
            doc = json.loads(
                (PRICING_FIXTURES / f"getproducts-{service}-{region}.json").read_text(
                    encoding="utf-8"
                )
            )
            token = None
            for page in doc["pages"]:
                page = dict(page)
                if edit is not None:
                    items = [json.loads(s) for s in page["PriceList"]]
                    page["PriceList"] = [json.dumps(i) for i in edit(service, region, items)]
                params = {
                    "ServiceCode": service,
                    "Filters": expected_filters(service, region),
                    "FormatVersion": "aws_v1",
                    "MaxResults": 100,
                }
                if token:
                    params["NextToken"] = token
                stubber.add_response("get_products", page, params)
                token = page.get("NextToken")
        stub_lmi(stubber, region)


def stub_lmi(stubber: Any, region: str) -> None:
    """Queue the Lambda Managed Instances GetProducts pages of `region` (empty if none recorded)."""
    path = PRICING_FIXTURES / f"getproducts-AWSLambda-lmi-{region}.json"
    pages = (
        json.loads(path.read_text(encoding="utf-8"))["pages"]
        if path.is_file()
        else [{"FormatVersion": "aws_v1", "PriceList": []}]
    )
    token = None
    for page in pages:
        params = {
            "ServiceCode": "AWSLambda",
            "Filters": [
                {"Type": "EQUALS", "Field": "regionCode", "Value": region},
                {"Type": "CONTAINS", "Field": "usagetype", "Value": "Management-Hours"},
            ],
            "FormatVersion": "aws_v1",
            "MaxResults": 100,
        }
        if token:
            params["NextToken"] = token
        stubber.add_response("get_products", page, params)
        token = page.get("NextToken")


def pricing_stub_client() -> Any:
    return boto3.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY).client(
        "pricing", region_name="us-east-1"
    )
