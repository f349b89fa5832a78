"""Log set-up for the CLI: levels by verbosity, and no secret in any log line.

Library modules only log (`logging.getLogger(__name__)`); the CLI calls `configure_logging` once.

Credentials must never reach a log, at any verbosity. Two defences:

1. botocore's wire logging (canonical requests with `x-amz-security-token`, signed headers,
   response bodies such as STS AssumeRole's `SecretAccessKey` and `SessionToken`) is capped at
   INFO: `-vv` shows Crossover's own debug lines, not AWS's request and response dumps.
2. A filter on the handler redacts anything that still looks like a secret (AWS secret keys,
   session tokens, signatures, passwords in URLs, SMTP AUTH) from every record, whoever logged it.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

from analyzer.present.terminal import terminal_safe

#: Third-party loggers whose DEBUG output contains request/response dumps.
WIRE_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer", "aiobotocore", "mail.log")

REDACTED = "***"

_SECRET_PATTERNS: tuple[re.Pattern[str], ...] = (
    # key=value, key: value, "key": "value" (JSON / XML / headers / query strings)
    re.compile(
        r"(?i)(\"?(?:x-amz-security-token|x-amz-signature|aws_secret_access_key|"
        r"aws_session_token|secretaccesskey|secret_access_key|sessiontoken|session_token|"
        r"securitytoken|security_token|password|passwd|signature)\"?\s*[=:]\s*\"?)"
        r"([^\"\s,&;<}]+)"
    ),
    # XML elements (STS responses)
    re.compile(r"(?i)(<(?:SecretAccessKey|SessionToken|SecurityToken)>)([^<]+)"),
    # Authorization: AWS4-HMAC-SHA256 Credential=..., Signature=...
    re.compile(r"(?i)(Signature=)([0-9a-f]+)"),
    re.compile(r"(?i)(Credential=)([^,\s]+)"),
    # user:password@host in URLs
    re.compile(r"(//[^/:@\s]+:)([^@\s]+)(?=@)"),
    # SMTP AUTH PLAIN/LOGIN payloads
    re.compile(r"(?i)(AUTH (?:PLAIN|LOGIN) )(\S+)"),
)


def redact(text: str) -> str:
    """`text` with every secret-looking value replaced by ***."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with `redact` (and drops its args, already merged)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed %-format from a library: keep it safe
            message = str(record.msg)
        record.msg = terminal_safe(redact(message))  # one line, nothing acts on the terminal
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def configure_logging(verbose: int, stream: TextIO | None = None) -> logging.Handler:
    """WARNING by default, INFO with -v, DEBUG with -vv (third-party wire logs stay at INFO)."""
    level = logging.WARNING - 10 * min(max(verbose, 0), 2)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_crossover", False)]:
        root.removeHandler(old)
    handler._crossover = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for name in WIRE_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.INFO))
    return handler
