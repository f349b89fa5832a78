"""E-mail addresses, validated strictly before anything is sent.

An address is accepted only when the standard library parses it to exactly the text given (a
bare `local@domain`, or `Name <local@domain>`), with one `@`, a non-empty local part and a domain
of letters, digits, hyphens and dots. Anything else (`<script>@x.com`, `a@b@c`, `a@`, control
characters) is refused with one line naming the field and the value, so a message can never be
delivered to an address the user did not write.
"""

from __future__ import annotations

import re
from email.headerregistry import Address
from email.utils import formataddr, parseaddr

from analyzer.exceptions import InputError

MAX_ADDRESS_LENGTH = 254  # RFC 5321 path limit
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")
_DOMAIN = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
)


def _printable(value: str) -> str:
    """The value as shown in the error: cut to 120 characters (`InputError` shows it with
    `repr`, which already escapes control characters: escaping here too doubled them)."""
    return value[:120]


def parse_address(value: object, field_name: str) -> str:
    """Return the address of `value` (e.g. ``ops@example.com``), or raise `InputError`."""
    if not isinstance(value, str):
        raise InputError(field_name, value, "is not an e-mail address (expected text)")
    text = value.strip()
    shown = _printable(text)
    if not text or len(text) > MAX_ADDRESS_LENGTH:
        raise InputError(field_name, shown, "is not an e-mail address")
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise InputError(field_name, shown, "contains control characters")
    name, addr = parseaddr(text)
    round_trip = {addr, formataddr((name, addr))}
    if not addr or text not in round_trip or addr.count("@") != 1:
        raise InputError(field_name, shown, "is not an e-mail address like name@example.com")
    local, domain = addr.split("@")
    if not _LOCAL.match(local) or local.startswith(".") or local.endswith(".") or ".." in local:
        raise InputError(field_name, shown, "has an invalid part before the @")
    if not _DOMAIN.match(domain):
        raise InputError(field_name, shown, "has an invalid domain after the @")
    try:
        Address(addr_spec=addr)
    except (ValueError, IndexError) as exc:  # the header registry's own check, as a last word
        raise InputError(field_name, shown, "is not an e-mail address") from exc
    return addr if text == addr else text
