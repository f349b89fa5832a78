"""Guards on every AWS client Crossover creates: unusable answers fail, timeouts fail soon.

* An answer that is not what the API speaks (an HTML page from a proxy or captive portal, a
  binary blob, an empty body) raises `UnusableResponseError`, a botocore error, so the caller
  records a failure instead of reading "no functions" or "no data" and recording it as collected.
* An endpoint that accepts and never answers is tried at most `MAX_TIMEOUT_ATTEMPTS` times
  (throttling and 5xx keep the full adaptive retries), with a warning before each new attempt.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import botocore.exceptions

log = logging.getLogger(__name__)

#: Attempts for one call whose endpoint times out or cannot be reached (1 retry).
MAX_TIMEOUT_ATTEMPTS = 2

_JSON_PROTOCOLS = frozenset({"json", "rest-json"})
_XML_PROTOCOLS = frozenset({"query", "ec2", "rest-xml"})
_CBOR_MAP_MAJOR_TYPE = 5
_XML_ROOT = re.compile(rb"^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<([A-Za-z_][\w.:-]*)", re.S)
_HTML_START = re.compile(rb"^\s*(?:<!doctype\s+html|<html[\s>])", re.I)


class UnusableResponseError(botocore.exceptions.BotoCoreError):
    """The endpoint answered with something that is not an AWS response of this API."""

    fmt = "{operation}: HTTP {status}: {reason}"


def _has_output(operation_model: Any) -> bool:
    shape = operation_model.output_shape
    return shape is not None and bool(getattr(shape, "members", {}))


def _success_body_problem(protocol: str, body: bytes, operation: str) -> str | None:
    """Why a 2xx `body` cannot be this operation's answer (None: it can)."""
    if _HTML_START.match(body):
        return "the endpoint answered with an HTML page, not an AWS response"
    if protocol in _JSON_PROTOCOLS:
        try:
            parsed = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return "the answer is not JSON"
        return None if isinstance(parsed, dict) else "the answer is not a JSON object"
    if protocol in _XML_PROTOCOLS:
        root = _XML_ROOT.match(body)
        if root is None:
            return "the answer is not XML"
        tag = root.group(1).decode("ascii", "replace").split(":")[-1]
        return None if tag == f"{operation}Response" else f"unexpected XML answer <{tag}>"
    if protocol.startswith("smithy-rpc-v2-cbor"):
        return None if body[0] >> 5 == _CBOR_MAP_MAJOR_TYPE else "the answer is not CBOR"
    return None


def check_response(operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
    """`before-parse` handler: raise UnusableResponseError for an answer botocore would misread."""
    status = int(response_dict.get("status_code") or 0)
    body = response_dict.get("body")
    if status >= 500 or not isinstance(body, bytes):  # 5xx: botocore's generic, retried error
        return
    operation = operation_model.name
    if status >= 300:
        if _HTML_START.match(body) or b"\x00" in body[:512]:
            reason = (
                "the endpoint does not offer this API"
                if status == 404
                else "the endpoint answered with an HTML page, not an AWS error"
            )
            raise UnusableResponseError(operation=operation, status=status, reason=reason)
        return
    if not body.strip():
        if _has_output(operation_model):
            raise UnusableResponseError(
                operation=operation, status=status, reason="the answer is empty"
            )
        return
    protocol = operation_model.service_model.resolved_protocol
    problem = _success_body_problem(protocol, body, operation)
    if problem is not None:
        raise UnusableResponseError(operation=operation, status=status, reason=problem)


def bound_timeouts(
    attempts: int, caught_exception: BaseException | None = None, **kwargs: Any
) -> bool | None:
    """`needs-retry` handler (registered first): stop retrying a silent endpoint early.

    Returns False (do not retry) once a timed-out or unreachable call has had
    MAX_TIMEOUT_ATTEMPTS attempts, None (let botocore decide) otherwise.
    """
    if not isinstance(
        caught_exception,
        (botocore.exceptions.ConnectionError, botocore.exceptions.ReadTimeoutError),
    ):
        return None
    operation = getattr(kwargs.get("operation"), "name", "the call")
    if attempts >= MAX_TIMEOUT_ATTEMPTS:
        return False
    log.warning(
        "%s: %s; retrying (attempt %d of %d)",
        operation,
        " ".join(str(caught_exception).split()),
        attempts + 1,
        MAX_TIMEOUT_ATTEMPTS,
    )
    return None


def guard(client: Any) -> Any:
    """`client` with both guards registered (returned for chaining)."""
    client.meta.events.register("before-parse", check_response)
    # botocore calls the most specific event's handlers first: register where its retry
    # handler is, ahead of it, so a False here ends the retries
    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register_first(f"needs-retry.{service}", bound_timeouts)
    return client
