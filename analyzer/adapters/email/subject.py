"""The report's subject line: a small, bounded template.

Only the known placeholders (`{saving}`, `{date}`...) are filled, each optionally aligned in a
width of at most 2 digits (`{outgrown:>3}`); no attribute or index access, no conversions, no
other format specs. The template and the subject are capped in length and may not hold control
characters (a CR or LF would start another header). So a template cannot make the tool run for
minutes or fill the memory (`{saving:>99999999}` is refused), and the subject stays one line.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence

from analyzer.exceptions import InputError
from analyzer.present.terminal import terminal_safe

MAX_TEMPLATE_CHARS = 300
MAX_SUBJECT_CHARS = 400
_SPEC = re.compile(r"^[<>^]?\d{0,2}$")  # alignment and a width of at most 99


def _shown(template: str) -> str:
    return terminal_safe(template[:120])


def check_subject(template: object, fields: Sequence[str], field_name: str = "--subject") -> str:
    """Return `template` if it is a valid subject template, else raise `InputError`."""
    if not isinstance(template, str):
        raise InputError(field_name, template, "must be text")
    if len(template) > MAX_TEMPLATE_CHARS:
        raise InputError(
            field_name, _shown(template), f"is longer than {MAX_TEMPLATE_CHARS} characters"
        )
    if not template.isprintable():
        raise InputError(field_name, _shown(template), "contains control characters")
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise InputError(field_name, template, f"is not a valid template: {exc}") from exc
    known = ", ".join("{" + s + "}" for s in fields)
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in fields:
            raise InputError(field_name, template, f"unknown placeholder {{{name}}}; use {known}")
        if conversion or not _SPEC.match(spec or ""):
            raise InputError(
                field_name,
                template,
                f"placeholder {{{name}}} may only have an alignment and a width up to 99 "
                "(like {outgrown:>3})",
            )
    return template


def render_subject(template: str, values: Mapping[str, str], fields: Sequence[str]) -> str:
    """The subject: `template` (checked) with its placeholders filled, at most
    MAX_SUBJECT_CHARS long."""
    out: list[str] = []
    for literal, name, spec, _ in string.Formatter().parse(check_subject(template, fields)):
        out.append(literal)
        if name is not None:
            out.append(format(values[name], spec or ""))
    return "".join(out)[:MAX_SUBJECT_CHARS]
