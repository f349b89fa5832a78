"""An endpoint that accepts connections and never answers fails soon, with a warning per retry.

A real loopback socket accepts and stays silent; the timeouts are made small through the
caller's botocore Config, the retry bound is Crossover's own.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
import pytest
from aws_helpers import ACCESS_KEY, SECRET_KEY
from botocore.config import Config

from analyzer.adapters.aws.collect import Collector
from analyzer.adapters.aws.guard import MAX_TIMEOUT_ATTEMPTS
from analyzer.adapters.aws.session import (
    CONNECT_TIMEOUT_S,
    READ_TIMEOUT_S,
    Account,
    client_config,
    discover_accounts,
)

SMALL = Config(connect_timeout=0.5, read_timeout=0.5)


@contextmanager
def silent_endpoint() -> Iterator[tuple[str, list[socket.socket]]]:
    """http://127.0.0.1:PORT that accepts every connection and never sends a byte."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            accepted.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", accepted
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in accepted:
            conn.close()
        listener.close()


def _session() -> boto3.Session:
    return boto3.Session(
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name="us-east-1"
    )


def test_default_config_has_connect_and_read_timeouts() -> None:
    cfg = client_config()
    assert (cfg.connect_timeout, cfg.read_timeout) == (CONNECT_TIMEOUT_S, READ_TIMEOUT_S)
    assert CONNECT_TIMEOUT_S <= 10 and READ_TIMEOUT_S <= 30
    # the caller's own Config still wins
    assert client_config(SMALL).read_timeout == 0.5


def test_silent_endpoint_fails_in_bounded_time_with_progress(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    with silent_endpoint() as (url, accepted):
        account = Account("111111111111", _session(), endpoint_url=url, config=SMALL)
        began = time.monotonic()
        collector = Collector([account], ["us-east-1"], days=1)
        collector.inventory()
        took = time.monotonic() - began
        attempts = len(accepted)
    assert attempts == MAX_TIMEOUT_ATTEMPTS  # not the 10 attempts throttling gets
    assert took < 10
    (entry,) = collector.failures
    assert entry["stage"] == "inventory"
    assert "ReadTimeoutError" in entry["error"] and "\n" not in entry["error"]
    retries = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    assert retries == [
        f"ListFunctions: {entry['error'].split(': ', 1)[1]}; retrying (attempt 2 of 2)"
    ]


def test_silent_sts_is_a_failure_entry_in_bounded_time() -> None:
    arns = ["arn:aws:iam::111111111111:role/crossover-readonly"]
    with silent_endpoint() as (url, accepted):
        began = time.monotonic()
        accounts, failures = discover_accounts(
            _session(), role_arns=arns, endpoint_url=url, config=SMALL
        )
        took = time.monotonic() - began
        attempts = len(accepted)
    assert accounts == []
    assert [f["stage"] for f in failures] == ["assume_role"]
    assert "ReadTimeoutError" in failures[0]["error"]
    assert attempts == MAX_TIMEOUT_ATTEMPTS
    assert took < 10
