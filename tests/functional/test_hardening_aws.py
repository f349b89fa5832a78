"""Bad answers from AWS endpoints: HTML / binary / empty bodies are failures, never lost data.

A small reverse proxy on 127.0.0.1 forwards to the local moto server, except for the one
operation a test breaks, which gets the bad body a captive portal or a misrouted proxy sends.
"""

from __future__ import annotations

import http.client
import http.server
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest
from aws_helpers import MAIN_ACCOUNT, seed_fleet
from botocore.config import Config

from analyzer.adapters.aws.collect import Collector
from analyzer.adapters.aws.session import Account, base_session, discover_accounts
from analyzer.adapters.store import Store
from analyzer.exceptions import CollectionError

pytestmark = [pytest.mark.aws, pytest.mark.xdist_group("moto")]

FAST = Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=2, read_timeout=5)
HTML = b"<!DOCTYPE html><html><head><title>Login</title></head><body>Sign in<br></body></html>"
XML_HTML = b"<html><body><h1>Welcome to nginx</h1></body></html>"
BINARY = b"\x89PNG\r\n\x1a\n\x00\xff\xfe\x00"

Rule = Callable[[str, str, bytes], "tuple[int, bytes] | None"]


@contextmanager
def proxy(upstream: str, rule: Rule) -> Iterator[str]:
    """A loopback proxy to `upstream`; `rule(method, "path target auth", body)` may answer."""
    target = urlsplit(upstream)
    assert target.hostname is not None, upstream
    host, port = target.hostname, target.port

    class Handler(http.server.BaseHTTPRequestHandler):
        def _handle(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            target_header = self.headers.get("X-Amz-Target", "")
            scope = self.headers.get("Authorization", "")  # names the region signed for
            answer = rule(self.command, f"{self.path} {target_header} {scope}", body)
            if answer is None:
                conn = http.client.HTTPConnection(host, port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                status, payload = resp.status, resp.read()
                out_headers = [
                    (k, v)
                    for k, v in resp.getheaders()
                    if k.lower() not in ("content-length", "transfer-encoding", "connection")
                ]
                conn.close()
            else:
                status, payload = answer
                out_headers = [("Content-Type", "text/html")]
            self.send_response(status)
            for k, v in out_headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _handle

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def on_path(fragment: str, status: int, body: bytes, region: str = "eu-west-1") -> Rule:
    def rule(_method: str, path: str, request: bytes) -> tuple[int, bytes] | None:
        hit = fragment in path or fragment.encode() in request
        return (status, body) if hit and f"/{region}/" in path else None

    return rule


def on_action(action: str, status: int, body: bytes) -> Rule:
    def rule(_method: str, _path: str, request: bytes) -> tuple[int, bytes] | None:
        return (status, body) if f"Action={action}".encode() in request else None

    return rule


def _account(url: str) -> Account:
    (account,), _ = discover_accounts(base_session(), endpoint_url=url, config=FAST)
    return Account(account.account_id, account.session, endpoint_url=url, config=FAST)


@pytest.mark.parametrize("body", [HTML, XML_HTML, BINARY, b""], ids=["html", "xml", "bin", "empty"])
def test_unparseable_metric_data_is_a_failure_and_the_window_stays_missing(
    moto_url: str, tmp_path: Path, body: bytes
) -> None:
    regions = ("us-east-1", "eu-west-1")
    seeded = seed_fleet(moto_url, accounts=(MAIN_ACCOUNT,), regions=regions, hours=3)
    store = Store(tmp_path / "d")
    with proxy(moto_url, on_path("GetMetricData", 200, body)) as url:
        bad = Collector([_account(url)], list(regions), days=1, now=seeded.end, store=store)
        bad.inventory()
        fleet = bad.fetch()
    (entry,) = fleet.meta["failures"]
    assert (entry["stage"], entry["region"]) == ("metrics", "eu-west-1")
    assert "GetMetricData: HTTP 200" in entry["error"] and "\n" not in entry["error"]
    # nothing recorded for the broken region: the next run fetches its whole window again
    assert store.missing_windows(MAIN_ACCOUNT, "eu-west-1", bad.start, bad.end) == [
        (bad.start, bad.end)
    ]
    assert store.missing_windows(MAIN_ACCOUNT, "us-east-1", bad.start, bad.end) == []
    good = Collector([_account(moto_url)], list(regions), days=1, now=seeded.end, store=store)
    good.inventory()
    assert good.plan().calls == 1
    fleet = good.fetch()
    assert fleet.meta["failures"] == []
    assert len(fleet.traffic) == len(seeded.traffic)


@pytest.mark.parametrize("body", [HTML, XML_HTML, BINARY, b""], ids=["html", "xml", "bin", "empty"])
def test_unparseable_function_list_keeps_the_stored_inventory(
    moto_url: str, tmp_path: Path, body: bytes
) -> None:
    regions = ("us-east-1", "eu-west-1")
    seeded = seed_fleet(moto_url, accounts=(MAIN_ACCOUNT,), regions=regions, hours=3)
    store = Store(tmp_path / "d")
    earlier = seeded.end - pd.Timedelta(hours=1)
    first = Collector([_account(moto_url)], list(regions), days=1, now=earlier, store=store)
    first.inventory()
    first.fetch()
    known = store.known_functions(MAIN_ACCOUNT, "eu-west-1")
    assert len(known) > 0
    with proxy(moto_url, on_path("/functions", 200, body)) as url:
        bad = Collector([_account(url)], list(regions), days=1, now=seeded.end, store=store)
        bad.inventory()
        fleet = bad.fetch()
    (entry,) = fleet.meta["failures"]
    assert (entry["stage"], entry["region"]) == ("inventory", "eu-west-1")
    assert "ListFunctions: HTTP 200" in entry["error"]
    assert store.known_functions(MAIN_ACCOUNT, "eu-west-1") == known
    # the hour the failed run would have added is still missing
    assert store.missing_windows(MAIN_ACCOUNT, "eu-west-1", bad.start, bad.end) != []


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (404, HTML, "AssumeRole: HTTP 404: the endpoint does not offer this API"),
        (404, XML_HTML, "AssumeRole: HTTP 404: the endpoint does not offer this API"),
        (403, HTML, "AssumeRole: HTTP 403: the endpoint answered with an HTML page"),
        (200, HTML, "AssumeRole: HTTP 200: the endpoint answered with an HTML page"),
        (200, BINARY, "AssumeRole: HTTP 200: the answer is not XML"),
        (200, XML_HTML, "AssumeRole: HTTP 200:"),
    ],
)
def test_bad_sts_answers_are_failure_entries(
    moto_url: str, status: int, body: bytes, expected: str
) -> None:
    arns = ["arn:aws:iam::111111111111:role/crossover-readonly"]
    with proxy(moto_url, on_action("AssumeRole", status, body)) as url:
        accounts, failures = discover_accounts(
            base_session(), role_arns=arns, endpoint_url=url, config=FAST
        )
    assert accounts == []
    (entry,) = failures
    assert entry["stage"] == "assume_role"
    assert entry["error"].startswith(expected)
    assert "Unknown" not in entry["error"] and "\n" not in entry["error"]


@pytest.mark.parametrize("body", [HTML, XML_HTML, BINARY])
def test_bad_caller_identity_is_one_line_collection_error(moto_url: str, body: bytes) -> None:
    with (
        proxy(moto_url, on_action("GetCallerIdentity", 200, body)) as url,
        pytest.raises(CollectionError, match=r"GetCallerIdentity: HTTP 200") as info,
    ):
        discover_accounts(base_session(), endpoint_url=url, config=FAST)
    assert "\n" not in str(info.value)


def test_unexpected_error_in_a_worker_fails_its_pair_not_the_run(
    moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_fleet(moto_url, accounts=(MAIN_ACCOUNT,), regions=("us-east-1", "eu-west-1"), hours=2)
    import analyzer.adapters.aws.collect as collect

    real = collect.function_rows

    def broken(account: Account, region: str, items: list, pc: dict) -> pd.DataFrame:
        if region == "eu-west-1":
            raise ValueError("bad\nvalue")
        return real(account, region, items, pc)

    monkeypatch.setattr(collect, "function_rows", broken)
    c = Collector([_account(moto_url)], ["us-east-1", "eu-west-1"], days=1)
    c.inventory()
    fleet = c.fetch()
    assert [(f["region"], f["stage"], f["error"]) for f in fleet.meta["failures"]] == [
        ("eu-west-1", "inventory", "ValueError: bad value")
    ]
    assert set(fleet.functions["region"]) == {"us-east-1"}
