"""Hostile and careless inputs at the edges: e-mail addresses, endpoints, log lines, terminal text.

Table-driven: one row per case, each asserting what a user would see (the one-line message
naming the input, or the exact safe text).
"""

from __future__ import annotations

import io
import logging

import pytest

from analyzer.adapters.aws.session import check_endpoint, resolve_endpoint
from analyzer.adapters.email.addresses import parse_address
from analyzer.adapters.logs import configure_logging, redact
from analyzer.exceptions import InputError
from analyzer.present.terminal import terminal_safe

GOOD_ADDRESSES = [
    ("a@example.com", "a@example.com"),
    ("  ops@example.com ", "ops@example.com"),
    ("Ops Team <ops@example.com>", "Ops Team <ops@example.com>"),
    ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
    ("crossover@localhost", "crossover@localhost"),
]

BAD_ADDRESSES = [
    ("<script>@x.com", "is not an e-mail address"),  # was sent to RCPT TO:<script>
    ("a@b@c", "is not an e-mail address"),  # was sent to RCPT TO:<>
    ("a@", "is not an e-mail address"),
    ("@example.com", "invalid part before the @"),
    ("a@ex ample.com", "is not an e-mail address"),
    ("a@x.com\r\nBcc: victim@y.com", "control characters"),  # header injection
    ("x\x0b@y.com", "control characters"),
    ("a@x.com, b@y.com", "is not an e-mail address"),  # one address per --to
    ("", "is not an e-mail address"),
    ("a@-bad-.com", "invalid domain"),
]


@pytest.mark.parametrize(("value", "expected"), GOOD_ADDRESSES)
def test_real_addresses_are_accepted_as_written(value: str, expected: str) -> None:
    assert parse_address(value, "--to") == expected


@pytest.mark.parametrize(("value", "reason"), BAD_ADDRESSES)
def test_bad_addresses_are_refused_in_one_line_naming_field_and_value(
    value: str, reason: str
) -> None:
    with pytest.raises(InputError) as err:
        parse_address(value, "--to")
    message = str(err.value)
    assert message.startswith("--to=")
    assert reason in message
    assert "\n" not in message and "\r" not in message and "\x0b" not in message
    assert "\\\\" not in message  # a control character is escaped once, not twice


BAD_ENDPOINTS = [
    ("", "is empty"),
    ("   ", "is empty"),
    ("garbage", "must start with http:// or https://"),
    ("file:///etc/passwd", "must start with http:// or https://"),
    ("http://", "has no host name"),
    ("http://127.0.0.1:99999", "is not a valid URL"),
    ("http://[::1", "is not a valid URL"),
    ("http://127.0.0.1:abc", "is not a valid URL"),
    ("http://127.0.0.1:5000/\x1b[2J", "control characters"),
]


@pytest.mark.parametrize(("url", "reason"), BAD_ENDPOINTS)
def test_bad_endpoints_are_refused_never_replaced_by_aws(url: str, reason: str) -> None:
    with pytest.raises(InputError) as err:
        resolve_endpoint(url)
    assert str(err.value).startswith("--endpoint-url=")
    assert reason in str(err.value)


def test_an_endpoint_with_credentials_is_refused_without_echoing_them() -> None:
    with pytest.raises(InputError) as err:
        check_endpoint("http://admin:hunter2@127.0.0.1:5000", "--endpoint-url")
    assert "hunter2" not in str(err.value)
    assert "credentials" in str(err.value)


def test_an_empty_endpoint_in_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "")
    with pytest.raises(InputError, match=r"^AWS_ENDPOINT_URL='': is empty"):
        resolve_endpoint(None)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")
    assert resolve_endpoint(None) == "http://127.0.0.1:5000"
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    assert resolve_endpoint(None) is None  # no endpoint given at all: AWS itself


FAKE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKESECRET"
FAKE_TOKEN = "FwoGZXIvYXdzEFAKETOKENfakeTOKEN0123456789"

SECRET_LINES = [
    f"x-amz-security-token:{FAKE_TOKEN}",
    f"<SecretAccessKey>{FAKE_SECRET}</SecretAccessKey><SessionToken>{FAKE_TOKEN}</SessionToken>",
    f'{{"SecretAccessKey": "{FAKE_SECRET}", "SessionToken": "{FAKE_TOKEN}"}}',
    f"aws_secret_access_key = {FAKE_SECRET}",
    "Authorization: AWS4-HMAC-SHA256 Credential=AKIAFAKE/20261201/us-east-1/sts/aws4_request, "
    f"SignedHeaders=host, Signature={FAKE_TOKEN.encode().hex()}",
    f"http://user:{FAKE_SECRET}@127.0.0.1:25",
    f"X-Amz-Security-Token={FAKE_TOKEN}&Action=GetCallerIdentity",
]


@pytest.mark.parametrize("line", SECRET_LINES)
def test_secrets_are_redacted_from_log_text(line: str) -> None:
    out = redact(line)
    assert FAKE_SECRET not in out
    assert FAKE_TOKEN not in out
    assert FAKE_TOKEN.encode().hex() not in out
    assert "***" in out


def test_debug_logging_keeps_our_lines_and_drops_wire_dumps_and_secrets() -> None:
    stream = io.StringIO()
    handler = configure_logging(2, stream)
    try:
        logging.getLogger("analyzer.adapters.aws.collect").debug("planning %d calls", 3)
        logging.getLogger("botocore.endpoint").debug("Sending http request: %s", FAKE_TOKEN)
        logging.getLogger("botocore.auth").debug(
            "CanonicalRequest: x-amz-security-token:%s", FAKE_TOKEN
        )
        logging.getLogger("some.library").warning("token in a url: http://u:%s@h", FAKE_SECRET)
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(logging.WARNING)
    text = stream.getvalue()
    assert "planning 3 calls" in text
    assert FAKE_TOKEN not in text and FAKE_SECRET not in text
    assert "Sending http request" not in text  # botocore's DEBUG dumps stay off at -vv


TERMINAL_CASES = [
    ("orders-api", "orders-api"),
    ("evil\x1b[31mred", "evil\\x1b[31mred"),  # ANSI colour
    ("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"),  # window title
    ("abc\u202edcba", "abc\\u202edcba"),  # right-to-left override
    ("line1\r=1+1", "line1\\x0d=1+1"),  # CR would overwrite the line
    ("tab\there", "tab\\x09here"),
    ("zero\u200bwidth", "zero\\u200bwidth"),
    ("café 北京", "café 北京"),  # ordinary text untouched
]


@pytest.mark.parametrize(("raw", "shown"), TERMINAL_CASES)
def test_terminal_text_shows_control_characters_as_escapes(raw: str, shown: str) -> None:
    assert terminal_safe(raw) == shown


def test_a_control_character_in_an_endpoint_is_shown_escaped_once() -> None:
    with pytest.raises(InputError) as err:
        check_endpoint("http://127.0.0.1:5000/\x1b[2J", "--endpoint-url")
    assert "5000/\\x1b[2J'" in str(err.value)  # repr's single escape: \x1b, not \\x1b
