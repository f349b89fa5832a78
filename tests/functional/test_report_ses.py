"""Reports sent with Amazon SES, through a local moto server (no network)."""

from __future__ import annotations

import dataclasses
import fnmatch
import json
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from aws_helpers import RECORDED
from click.testing import CliRunner
from test_report_support import parts

from analyzer.adapters.email.report import run_report
from analyzer.adapters.report_config import ReportConfig
from analyzer.cli import cli
from analyzer.core.demo import demo_fleet
from analyzer.exceptions import DeliveryError

pytestmark = pytest.mark.aws

SES_POLICY = Path(__file__).resolve().parents[2] / "iam" / "crossover-report-ses.json"
SENDER = "crossover@example.com"


@pytest.fixture(autouse=True)
def ses_actions_allowed_by_the_report_policy() -> Iterator[None]:
    """SES calls are checked against iam/crossover-report-ses.json (not the read-only policy
    the session-wide recorder checks), then taken off that recorder."""
    yield
    doc = json.loads(SES_POLICY.read_text(encoding="utf-8"))
    allowed = [a for st in doc["Statement"] if st["Effect"] == "Allow" for a in st["Action"]]
    mine = {a for a in RECORDED if a.startswith("ses:")}
    for action in mine:
        assert any(fnmatch.fnmatchcase(action, p) for p in allowed), action
        RECORDED.discard(action)


def sent_messages(url: str) -> list[dict[str, Any]]:
    data = requests.get(f"{url}/moto-api/data.json", timeout=10).json()
    return list(data["ses"]["RawMessage"])


def verify(url: str, address: str = SENDER) -> None:
    boto3.client("ses", endpoint_url=url, region_name="us-east-1").verify_email_identity(
        EmailAddress=address
    )


def parse(raw: str) -> EmailMessage:
    msg = BytesParser(policy=policy.default).parsebytes(raw.encode("utf-8", "surrogateescape"))
    assert isinstance(msg, EmailMessage)
    return msg


def test_report_sent_with_ses_reaches_every_recipient(
    moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CROSSOVER_CHARTS", "0")
    verify(moto_url)
    cfg = ReportConfig(
        to=("a@example.com", "b@example.com"),
        sender=SENDER,
        ses=True,
        ses_region="us-east-1",
        endpoint_url=moto_url,
        attach=("csv",),
        data_dir=str(tmp_path / "data"),
    )
    fleet = demo_fleet()
    outcome = run_report(cfg, load_fleet=lambda: fleet)
    sent = sent_messages(moto_url)
    assert len(sent) == 1
    assert sent[0]["source"] == SENDER
    assert sorted(set(sent[0]["destinations"])) == ["a@example.com", "b@example.com"]
    assert sent[0]["id"] == outcome.ses_message_id
    msg = parse(sent[0]["raw_data"])
    p = parts(msg)
    assert "outgrew Lambda" in msg["Subject"]
    assert "First report: no history yet" in p["text"]
    assert list(p["attachments"]) == [f"crossover-recommendations-{outcome.report.date}.csv"]
    assert "ses:SendRawEmail" in RECORDED  # checked against the report policy on teardown


def test_unverified_sender_is_refused_without_retries(
    moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CROSSOVER_CHARTS", "0")
    waited: list[float] = []
    cfg = ReportConfig(
        to=("a@example.com",),
        sender="someone@else.example",
        ses=True,
        ses_region="us-east-1",
        endpoint_url=moto_url,
        data_dir=str(tmp_path),
    )
    fleet = demo_fleet()
    with pytest.raises(DeliveryError, match="SES refused the message") as err:
        run_report(dataclasses.replace(cfg), load_fleet=lambda: fleet, sleep=waited.append)
    assert waited == []
    assert "MessageRejected" in str(err.value)
    assert sent_messages(moto_url) == []


def test_cli_report_with_ses(
    moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CROSSOVER_CHARTS", "0")
    verify(moto_url)
    result = CliRunner().invoke(
        cli,
        [
            "report",
            "--demo",
            "--ses",
            "--ses-region",
            "us-east-1",
            "--endpoint-url",
            moto_url,
            "--to",
            "team@example.com",
            "--to",
            "cto@example.com",
            "--from",
            SENDER,
            "--data-dir",
            str(tmp_path / "data"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "sent with ses to team@example.com, cto@example.com" in result.output
    (sent,) = sent_messages(moto_url)
    assert sorted(set(sent["destinations"])) == ["cto@example.com", "team@example.com"]
