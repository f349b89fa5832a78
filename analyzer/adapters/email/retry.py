"""Bounded retries with exponential backoff for deliveries (SMTP, SES)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from analyzer.exceptions import DeliveryError

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_ATTEMPTS = 4
DEFAULT_BASE_DELAY_S = 2.0
DEFAULT_MAX_DELAY_S = 60.0


class PermanentError(Exception):
    """A delivery failure that retrying cannot fix (bad credentials, rejected address...)."""


def with_retries(
    action: Callable[[], T],
    *,
    what: str,
    transient: tuple[type[BaseException], ...],
    attempts: int = DEFAULT_ATTEMPTS,
    base_delay_s: float = DEFAULT_BASE_DELAY_S,
    max_delay_s: float = DEFAULT_MAX_DELAY_S,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `action`; on a `transient` error wait base*2^n (capped) and try again, at most
    `attempts` times in all. A PermanentError, or the last transient one, becomes a
    DeliveryError with one line saying what failed."""
    attempts = max(1, attempts)
    for n in range(1, attempts + 1):
        try:
            return action()
        except PermanentError as exc:
            raise DeliveryError(f"{what} failed: {exc}") from exc
        except transient as exc:
            if n == attempts:
                raise DeliveryError(
                    f"{what} failed after {attempts} attempt(s): {_one_line(exc)}"
                ) from exc
            delay = min(max_delay_s, base_delay_s * 2 ** (n - 1))
            log.warning(
                "%s failed (attempt %d/%d: %s); retrying in %.1fs",
                what,
                n,
                attempts,
                _one_line(exc),
                delay,
            )
            sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if type(exc).__name__ not in text else text
