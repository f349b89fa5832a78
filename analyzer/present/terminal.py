"""Text from data (function names, tags, account names) made safe to print on a terminal.

Names come from AWS accounts and CSV files the user does not control: an escape sequence could
recolour or rewrite the terminal, a bare CR could overwrite a line, and U+202E (right-to-left
override) could make a name read backwards. Every control character (Unicode category Cc) and
every invisible format character (Cf: bidi overrides, zero-width joiners) is shown as its escape
(`\\x1b`, `\\u202e`), so what is printed is what the data holds, and nothing acts on the terminal.
"""

from __future__ import annotations

import unicodedata


def _escape(char: str) -> str:
    code = ord(char)
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else f"\\U{code:08x}"
    )


def terminal_safe(text: object) -> str:
    """`text` with control and invisible format characters escaped (tabs and newlines too)."""
    value = str(text)
    if value.isprintable():  # the usual case, and fast
        return value
    return "".join(
        _escape(c) if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in value
    )
