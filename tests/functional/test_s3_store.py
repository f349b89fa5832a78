"""The store in S3 (`--data-dir s3://bucket/prefix`), on moto's S3 on 127.0.0.1: a collection
into S3 analysed by another process gives the local store's results value for value (also on a
2-worker Dask cluster whose workers read S3 themselves); bad URIs, a missing bucket and an empty
S3 endpoint are one line naming the field; writes are atomic; collections are serialised by
the lock object; no credential reaches the output, the logs or the bucket."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pandas as pd
import pytest
from aws_helpers import MAIN_ACCOUNT, SECRET_KEY, seed_fleet
from bench_helpers import fleetgen
from click.testing import CliRunner

from analyzer.adapters import store as store_mod
from analyzer.adapters import store_lock as lock_mod
from analyzer.adapters.store import Store, store_root
from analyzer.adapters.store_lock import store_lock
from analyzer.cli import cli
from analyzer.core.analyze import analyze
from analyzer.core.fleet import FleetData
from analyzer.core.pricebook import PriceBook
from analyzer.exceptions import StoreError

BUCKET = "my-crossover-store"  # the bucket iam/crossover-store-s3.json names
URI = f"s3://{BUCKET}/crossover/team-a"
SESSION_TOKEN = "crossover-TOKEN-do-not-log-FwoGZXIvYXdzEXAMPLEtoken0123456789"
REGIONS = ("--region", "us-east-1", "--region", "eu-west-1")
PROXY = ("--price-proxy", "eu-west-1=us-east-1")
LOCK_KEY = "crossover/team-a/store/.lock"
BUCKET_RULE = (
    "needs a bucket name of 3 to 63 lowercase letters, digits, dots and hyphens after s3://"
)

pytestmark = [pytest.mark.aws, pytest.mark.xdist_group("moto")]


@pytest.fixture
def bucket(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """moto's S3 with the store's bucket; the SDKs may not look for an instance role."""
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    boto3.client("s3", endpoint_url=moto_url).create_bucket(Bucket=BUCKET)
    return moto_url


def objects(url: str) -> dict[str, bytes]:
    s3 = boto3.client("s3", endpoint_url=url)
    listed = s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listed}


def crossover(*args: str) -> subprocess.CompletedProcess[str]:
    """`crossover ARGS` in a process of its own (as on another machine)."""
    return subprocess.run(
        [sys.executable, "-m", "analyzer", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=os.environ.copy(),
        check=False,
    )


def collect_and_analyze(url: str, data_dir: str) -> tuple[subprocess.CompletedProcess[str], Any]:
    got = crossover(
        "-vv",
        "collect",
        "--endpoint-url",
        url,
        *REGIONS,
        "--days",
        "2",
        "--yes",
        "--no-price-refresh",
        "--data-dir",
        data_dir,
    )
    assert got.returncode == 0, got.stderr[-2000:]
    analysed = crossover(
        "analyze",
        "--store",
        "--data-dir",
        data_dir,
        "--endpoint-url",
        url,
        *PROXY,
        "--format",
        "json",
    )
    assert analysed.returncode == 0, analysed.stderr[-2000:]
    return got, json.loads(analysed.stdout)


def test_collected_into_s3_and_analysed_elsewhere_equals_the_local_store(
    bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_fleet(bucket, accounts=(MAIN_ACCOUNT,), functions_per_pair=3, hours=30)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    for _ in range(2):  # twice at most: the two collections may straddle an hour boundary
        collected, in_s3 = collect_and_analyze(bucket, URI)
        _, local = collect_and_analyze(bucket, str(tmp_path / "local"))
        if in_s3["window"] == local["window"]:
            break
    assert f"in {URI}/store (0 failures)" in collected.stdout
    assert len(in_s3["functions"]) == 6
    assert in_s3 == local  # every figure, value for value
    stored = objects(bucket)
    names = {k.removeprefix("crossover/team-a/store/") for k in stored if not k.endswith("/")}
    assert names == {
        "SCHEMA_VERSION",
        "functions.parquet",
        "windows.json",
        "meta.json",
        f"traffic/{MAIN_ACCOUNT}_us-east-1.parquet",
        f"traffic/{MAIN_ACCOUNT}_eu-west-1.parquet",
    }  # no temporary object, no lock left behind
    assert "INFO botocore" in collected.stderr  # -vv did log
    for secret in (SECRET_KEY, SESSION_TOKEN):
        assert secret not in collected.stdout + collected.stderr
        assert not [k for k, body in stored.items() if secret.encode() in body]
    # the workers of a 2-worker Dask cluster read their blocks from S3 themselves
    on_dask = crossover(
        "analyze", "--store", "--data-dir", URI, "--endpoint-url", bucket, *PROXY,
        "--format", "json", "--dask", "local:2",
    )  # fmt: skip
    assert on_dask.returncode == 0, on_dask.stderr[-2000:]
    assert json.loads(on_dask.stdout) == in_s3


@pytest.mark.parametrize(
    ("data_dir", "reason"),
    [
        ("s3://", BUCKET_RULE),
        ("s3://Bad_Bucket/x", BUCKET_RULE),
        (f"s3://{BUCKET}/a/../b", "has an empty, '.', '..' or unprintable part in its prefix"),
        ("gs://bucket/x", "gs:// is not supported: give a local directory or s3://bucket/prefix"),
        (
            "s3://no-such-bucket/x",
            "bucket no-such-bucket does not exist (or these credentials cannot see it)",
        ),
    ],
)
def test_a_bad_s3_data_dir_is_one_line(bucket: str, data_dir: str, reason: str) -> None:
    result = crossover(
        "-vv", "analyze", "--store", "--data-dir", data_dir, "--endpoint-url", bucket
    )
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if not line.startswith("INFO ")]
    assert errors == [f"Error: --data-dir={data_dir!r}: {reason}"]
    assert "Traceback" not in result.stdout + result.stderr


def test_an_empty_s3_endpoint_is_refused_not_replaced_by_aws(
    bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "")
    result = CliRunner().invoke(cli, ["collect", "--data-dir", URI, "--endpoint-url", bucket])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: AWS_ENDPOINT_URL_S3='': is empty: give an http(s) URL, or leave it out to use AWS"
    )


def _pair(hours: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    t0 = pd.Timestamp("2026-11-01", tz="UTC")
    fid = f"{MAIN_ACCOUNT}:us-east-1:f"
    functions = pd.DataFrame(
        {"function_id": [fid], "account_id": [MAIN_ACCOUNT], "region": ["us-east-1"], "name": ["f"]}
    )
    traffic = pd.DataFrame(
        {
            "function_id": fid,
            "timestamp": pd.date_range(t0, periods=hours, freq="h"),
            "invocations": 10.0,
            "duration_ms_sum": 1000.0,
        }
    )
    return functions, traffic


def test_an_interrupted_write_leaves_the_s3_store_as_it_was(
    bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(URI, bucket)
    functions, traffic = _pair(3)
    t0 = traffic["timestamp"].min()
    store.write_pair(MAIN_ACCOUNT, "us-east-1", functions, traffic, (t0, t0 + pd.Timedelta("3h")))
    before = objects(bucket)

    def ctrl_c(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    more = _pair(5)[1].iloc[3:]
    window = (t0, t0 + pd.Timedelta("5h"))
    with monkeypatch.context() as patched:
        patched.setattr(store_mod.pq, "write_table", ctrl_c)
        with pytest.raises(KeyboardInterrupt):
            store.write_pair(MAIN_ACCOUNT, "us-east-1", functions, more, window)
    assert objects(bucket) == before  # no temporary object left, nothing half-written
    assert len(Store(URI, bucket).load_fleet().traffic) == 3


def test_collections_into_one_s3_store_are_serialised_by_the_lock_object(bucket: str) -> None:
    root = store_root(URI, bucket)
    told: list[str] = []
    with store_lock(root) as held:
        assert f"{held}" == f"{URI}/store/.lock"
        second_lock = store_lock(root, timeout_s=2.0, waiting=told.append, poll_s=0.1)
        with pytest.raises(StoreError) as second:
            second_lock.__enter__()
    assert f"in use by another collection (pid {os.getpid()} on " in str(second.value)
    assert told and told[0].startswith(f"waiting for another collection (pid {os.getpid()} on ")
    assert LOCK_KEY not in objects(bucket)  # released
    with store_lock(root, timeout_s=0.3):  # and free again
        pass


def test_a_lock_left_by_a_killed_collection_is_taken_over_once_stale(
    bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lock_mod, "S3_STALE_AFTER_S", 2.0)
    dead = {"host": "collector-1", "pid": 4242, "since": "2026-12-01T00:00:00+00:00"}
    boto3.client("s3", endpoint_url=bucket).put_object(
        Bucket=BUCKET, Key=LOCK_KEY, Body=json.dumps(dead).encode()
    )
    root = store_root(URI, bucket)
    told: list[str] = []
    with store_lock(root, timeout_s=10, waiting=told.append, poll_s=0.2):
        held = json.loads(objects(bucket)[LOCK_KEY])
        assert held["pid"] == os.getpid()  # ours now
    assert told[0] == (
        "waiting for another collection (pid 4242 on collector-1 since "
        "2026-12-01T00:00:00+00:00) to finish"
    )
    assert told[1] == (
        f"took over the lock {URI}/store/.lock: its holder had not refreshed it for 2 s"
    )
    assert LOCK_KEY not in objects(bucket)


def test_a_live_collection_keeps_its_lock_fresh_and_is_never_taken_over(
    bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lock_mod, "S3_STALE_AFTER_S", 2.0)
    monkeypatch.setattr(lock_mod, "S3_HEARTBEAT_S", 0.3)
    root = store_root(URI, bucket)
    with store_lock(root):  # held for longer than the stale age: only the heartbeat saves it
        second_lock = store_lock(root, timeout_s=4.0, poll_s=0.2)
        with pytest.raises(StoreError, match="in use by another collection"):
            second_lock.__enter__()
    assert LOCK_KEY not in objects(bucket)


def test_an_s3_endpoint_that_refuses_is_one_line_naming_the_bucket(bucket: str) -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    result = crossover("-vv", "analyze", "--store", "--data-dir", URI, "--endpoint-url", closed)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if not line.startswith("INFO ")]
    assert len(errors) == 1
    assert errors[0].startswith(f"Error: --data-dir={URI!r}: cannot reach bucket {BUCKET}: ")
    assert "connect" in errors[0].lower()  # the SDK says it could not connect


def test_a_streamed_s3_store_analyses_block_by_block_like_a_local_one(
    bucket: str, tmp_path: Path
) -> None:
    """`write_streamed` (the benchmarks' writer) into S3, then `open_fleet` read block by block
    from S3 row groups: every figure is the local store's."""
    gen = fleetgen()
    stores = {"s3": Store(URI, bucket), "local": Store(tmp_path)}
    for store in stores.values():
        functions, parts, start = gen.synthetic_parts(300, 3)
        window = (start, start + pd.Timedelta(days=3))
        store.write_streamed(functions, parts, window, gen.synthetic_meta())
    book = PriceBook.load()
    got = {k: analyze(s.open_fleet(), book, chunk=100) for k, s in stores.items()}
    pd.testing.assert_frame_equal(got["s3"].functions, got["local"].functions, check_exact=True)
    pd.testing.assert_frame_equal(got["s3"].options, got["local"].options, check_exact=True)
    assert len(got["s3"].functions) == 300
    assert not [k for k in objects(bucket) if k.endswith(".tmp")]


def test_an_s3_store_opened_by_the_app_has_a_fingerprint_a_new_collection_changes(
    bucket: str,
) -> None:
    """What the app's Stored collection reads of a store in S3 (the files' footers and
    modification times, `Store.fleet` / `Store.fingerprint`): a new collection is a new source."""
    store = Store(URI, bucket)
    functions, traffic = _pair(3)
    t0 = traffic["timestamp"].min()
    store.write_pair(MAIN_ACCOUNT, "us-east-1", functions, traffic, (t0, t0 + pd.Timedelta("3h")))
    before = store.fingerprint()
    assert [rows for _, rows, _, _ in store.traffic_files()] == [3]
    whole = store.fleet()
    assert isinstance(whole, FleetData) and len(whole.traffic) == 3  # small: loaded whole
    assert len(store.fleet(in_memory_rows=0).subset([functions["function_id"][0]]).traffic) == 3
    assert Store(URI, bucket).fingerprint() == before  # the same collection, read again
    more = _pair(5)[1]
    store.write_pair(MAIN_ACCOUNT, "us-east-1", functions, more, (t0, t0 + pd.Timedelta("5h")))
    assert store.fingerprint() != before
