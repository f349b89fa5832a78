"""SMTP errors that a retry cannot fix fail at once, with one line (real aiosmtpd on loopback).

Missing STARTTLS, a TLS handshake with a plain port and a refused login are each tried once:
no backoff sleep, one connection, one DeliveryError line naming the server and the reason.
"""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from test_report_support import PASSWORD, USER, Sink, smtp_server

from analyzer.adapters.email.smtp import SmtpSettings, send_smtp
from analyzer.exceptions import DeliveryError


def _message() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "crossover@example.com"
    msg["To"] = "team@example.com"
    msg["Subject"] = "report"
    msg.set_content("hello")
    return msg


def _refused_at_once(settings: SmtpSettings) -> str:
    sleeps: list[float] = []
    with pytest.raises(DeliveryError) as info:
        send_smtp(_message(), settings, attempts=4, sleep=sleeps.append)
    assert sleeps == []  # not retried
    text = str(info.value)
    assert "\n" not in text
    assert "after" not in text  # "failed after 4 attempt(s)" is for transient errors only
    return text


def test_starttls_required_but_not_offered(tmp_path: Path) -> None:
    sink = Sink()
    with smtp_server(tmp_path, sink=sink) as server:
        text = _refused_at_once(
            SmtpSettings(server.host, server.port, security="starttls", timeout_s=5)
        )
    assert text == (
        f"SMTP delivery to {server.host}:{server.port} failed: {server.host}:{server.port} does "
        "not offer STARTTLS (check --starttls / --tls and the port; the message was not sent in "
        "clear text)"
    )
    assert sink.messages == []


def test_implicit_tls_against_a_plain_port(tmp_path: Path) -> None:
    sink = Sink()
    with smtp_server(tmp_path, sink=sink) as server:
        text = _refused_at_once(SmtpSettings(server.host, server.port, security="tls", timeout_s=5))
    assert text.startswith(
        f"SMTP delivery to {server.host}:{server.port} failed: the TLS handshake with "
        f"{server.host}:{server.port} failed ("
    )
    assert "the server does not speak TLS there" in text
    assert sink.messages == []


def test_refused_login_is_not_retried(tmp_path: Path) -> None:
    sink = Sink()
    with smtp_server(tmp_path, starttls=True, auth=True, sink=sink) as server:
        settings = SmtpSettings(
            server.host,
            server.port,
            security="starttls",
            user=USER,
            password=PASSWORD + "-wrong",
            ssl_context=server.client_context(),
            timeout_s=5,
        )
        text = _refused_at_once(settings)
    assert text.endswith(f"failed: SMTP authentication as {USER!r} was refused (535)")
    assert PASSWORD not in text
    assert sink.messages == []


def test_untrusted_certificate_is_not_retried(tmp_path: Path) -> None:
    with smtp_server(tmp_path, starttls=True) as server:
        text = _refused_at_once(
            SmtpSettings(server.host, server.port, security="starttls", timeout_s=5)
        )
    assert "the TLS certificate of 127.0.0.1 was not trusted" in text


def test_the_same_settings_deliver_when_they_match_the_server(tmp_path: Path) -> None:
    sink = Sink()
    with smtp_server(tmp_path, starttls=True, auth=True, sink=sink) as server:
        settings = SmtpSettings(
            server.host,
            server.port,
            security="starttls",
            user=USER,
            password=PASSWORD,
            ssl_context=server.client_context(),
            timeout_s=5,
        )
        send_smtp(_message(), settings, attempts=1, sleep=lambda _s: None)
    assert len(sink.messages) == 1
