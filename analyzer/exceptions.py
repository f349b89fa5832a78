"""Every error Crossover raises on purpose. Each carries one line a user can act on.

CrossoverError
├── InputError            bad user input: scenario keys, CSV rows, flags (names field, value, reason)
├── PriceBookError        a price the snapshot lacks (says what is missing and how to get it)
├── CollectionError       AWS collection failed as a whole (per-account failures are data, not errors)
├── StoreError            the local store is unreadable or of another schema version
├── ExportError           an export could not be written
└── DeliveryError         a report could not be delivered (SMTP / SES)
"""

from __future__ import annotations


class CrossoverError(Exception):
    """Base class: the message is one line meant for the user."""


class InputError(CrossoverError):
    """Bad input; the message names the field, the value and the reason."""

    def __init__(self, field: str, value: object, reason: str, where: str | None = None) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        self.where = where
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}{field}={value!r}: {reason}")


class PriceBookError(CrossoverError):
    """A price needed for the analysis is not in the price book in use."""


class CollectionError(CrossoverError):
    """Collection from AWS could not run at all."""


class StoreError(CrossoverError):
    """The local data store cannot be read or written."""


class ExportError(CrossoverError):
    """An export could not be produced."""


class DeliveryError(CrossoverError):
    """A report could not be delivered."""
