"""Deliver a report with Amazon SES (`ses.send_raw_email`: the whole MIME message as built).

IAM: `ses:SendRawEmail` on the sending identity (iam/crossover-report-ses.json).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from typing import Any

from analyzer.adapters.email.compose import recipients_of
from analyzer.adapters.email.retry import DEFAULT_ATTEMPTS, PermanentError, with_retries
from analyzer.exceptions import DeliveryError

log = logging.getLogger(__name__)

MAX_RAW_BYTES = 10 * 1024 * 1024  # SES v1 raw message limit
TRANSIENT_CODES = {
    "Throttling",
    "ThrottlingException",
    "RequestTimeout",
    "ServiceUnavailable",
    "InternalFailure",
    "InternalError",
    "TooManyRequestsException",
}


class _Transient(Exception):
    pass


def ses_client(
    session: Any = None, region: str | None = None, endpoint_url: str | None = None
) -> Any:
    """An SES client (created lazily, never at import). botocore's own retries are off:
    `send_ses` owns the (bounded) retrying."""
    import boto3
    from botocore.config import Config

    session = session or boto3.Session()
    cfg = Config(
        retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=10, read_timeout=30
    )
    return session.client("ses", region_name=region, endpoint_url=endpoint_url, config=cfg)


def send_ses(
    msg: EmailMessage,
    *,
    client: Any = None,
    session: Any = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    attempts: int = DEFAULT_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Send `msg` through SES; returns the SES MessageId. Raises DeliveryError."""
    from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

    recipients = recipients_of(msg)
    if not recipients:
        raise DeliveryError("the report has no recipients")
    raw = msg.as_bytes(policy=policy.SMTP)
    if len(raw) > MAX_RAW_BYTES:
        raise DeliveryError(
            f"the report is {len(raw) / 1e6:.1f} MB; SES accepts at most 10 MB (drop an --attach)"
        )
    sender = str(msg["From"])
    try:
        ses = client or ses_client(session, region, endpoint_url)
    except BotoCoreError as exc:
        raise DeliveryError(f"SES: {exc}") from exc

    def once() -> str:
        try:
            resp = ses.send_raw_email(
                Source=sender, Destinations=recipients, RawMessage={"Data": raw}
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            text = exc.response.get("Error", {}).get("Message", "") or str(exc)
            if (
                code in TRANSIENT_CODES
                or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500
            ):
                raise _Transient(f"{code}: {text}") from exc
            raise PermanentError(f"SES refused the message ({code}: {text})") from exc
        except (EndpointConnectionError, ConnectionError) as exc:
            raise _Transient(str(exc)) from exc
        except BotoCoreError as exc:
            raise PermanentError(str(exc)) from exc
        return str(resp.get("MessageId", ""))

    message_id = with_retries(
        once, what="SES delivery", transient=(_Transient,), attempts=attempts, sleep=sleep
    )
    log.info("report sent with SES to %s (MessageId %s)", ", ".join(recipients), message_id)
    return message_id
