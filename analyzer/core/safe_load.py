"""Reading JSON, YAML and TOML files a user hands us, safely.

Every loader of a user file goes through `load_file` (or `parse_text` for text in hand), so each
gets the same defences, and each problem is one `InputError` naming the file, the key and why:

- size: a file larger than `max_bytes` is refused before it is read;
- encoding: the file must be UTF-8 text (a binary file or a NUL byte is refused);
- YAML: aliases and anchors are refused (a 400-byte "billion laughs" file would expand to
  gigabytes), duplicate keys are refused (the last one would silently win), and a number YAML
  1.1 would read in another base (`0123` as 83, `0x1F`, `1:30`) is kept as text;
- nesting deeper than `MAX_DEPTH` is refused (no RecursionError);
- numbers must be finite (`Infinity`, `NaN`, `.inf`, `1e999`) and integers at most
  `MAX_INT_DIGITS` digits (a 400-digit integer is refused, never silently made a float).
"""

from __future__ import annotations

import json
import math
import os
import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from analyzer.exceptions import InputError

MAX_BYTES = 20_000_000  # scenario files with many hourly profiles stay far below this
MAX_DEPTH = 32
MAX_INT_DIGITS = 18  # |n| < 10**18: any count, byte size or account id fits
_DECIMAL_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
KINDS = ("json", "yaml", "toml")


class _Refused(Exception):
    """A YAML construct we refuse (raised inside the loader, turned into an InputError)."""

    def __init__(self, reason: str, mark: Any = None) -> None:
        line = f"line {mark.line + 1}: " if mark is not None else ""
        super().__init__(f"{line}{reason}")


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader without aliases or duplicate keys; non-decimal integers stay text."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Refused("YAML aliases (*name) are not accepted", event.start_mark)
        event = self.peek_event()
        if getattr(event, "anchor", None):
            raise _Refused("YAML anchors (&name) are not accepted", event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                raise _Refused("a key must be text or a number", key_node.start_mark)
            if key in seen:
                raise _Refused(f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _construct_int(loader: yaml.SafeLoader, node: Any) -> Any:
    text = loader.construct_scalar(node)
    if not _DECIMAL_INT.match(str(text)):
        return str(text)  # 0123, 0x1F, 0b101, 1:30: kept as written, never another number
    return yaml.SafeLoader.construct_yaml_int(loader, node)


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a finite number")


def parse_text(text: str, kind: str, field_name: str, source: str = "text") -> Any:
    """Parse `text` as `kind` (json|yaml|toml) and check it (depth, finite numbers); errors
    name `field_name` (the flag or setting) and `source` (the file)."""

    def bad(reason: str) -> InputError:
        return InputError(field_name, source, reason)

    try:
        if kind == "yaml":
            data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
        elif kind == "toml":
            data = tomllib.loads(text)
        else:
            data = json.loads(text, parse_constant=_reject_constant)
    except RecursionError as exc:
        raise bad(f"is nested more than {MAX_DEPTH} levels deep") from exc
    except _Refused as exc:
        raise bad(f"is not accepted: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise bad(f"is not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise bad(f"is not valid TOML ({exc})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or exc.__class__.__name__
        raise bad(f"is not valid YAML ({line}{problem})") from exc
    except ValueError as exc:  # a non-finite constant, an integer too long to read
        raise bad(f"is not accepted: {str(exc).split(';')[0][:120]}") from exc
    check_values(data, f"{field_name} {source}", bad)
    return data


def check_values(data: Any, where: str, bad: Any = None) -> None:
    """Refuse nesting deeper than MAX_DEPTH, non-finite floats and over-long integers
    (iteratively: a deep document cannot exhaust the stack here)."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            reason = f"is nested more than {MAX_DEPTH} levels deep"
            raise bad(reason) if bad else InputError(where, "...", reason)
        if isinstance(value, dict):
            stack.extend(
                (v, f"{path}.{k}" if path else str(k), depth + 1) for k, v in value.items()
            )
        elif isinstance(value, list):
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value))
        elif isinstance(value, float) and not math.isfinite(value):
            raise InputError(path or "value", value, "must be a finite number", where)
        elif (
            isinstance(value, int)
            and not isinstance(value, bool)
            and abs(value) >= 10**MAX_INT_DIGITS
        ):
            raise InputError(
                path or "value",
                f"{str(value)[:20]}... ({len(str(abs(value)))} digits)",
                f"is too large (at most {MAX_INT_DIGITS} digits)",
                where,
            )


def kind_of(path: Path, default: str = "json") -> str:
    suffix = path.suffix.lower().lstrip(".")
    return {"yml": "yaml", "yaml": "yaml", "toml": "toml", "json": "json"}.get(suffix, default)


def read_text(path: str | os.PathLike[str], field_name: str, max_bytes: int = MAX_BYTES) -> str:
    """The UTF-8 text of a user's file, or one InputError naming `field_name` and the file."""
    p = Path(path)
    try:
        if p.is_dir():
            raise InputError(field_name, str(p), "is a directory, not a file")
        with p.open("rb") as fh:
            raw = fh.read(max_bytes + 1)
    except FileNotFoundError as exc:
        raise InputError(field_name, str(p), "file not found") from exc
    except OSError as exc:
        raise InputError(field_name, str(p), f"cannot be read: {exc.strerror or exc}") from exc
    if len(raw) > max_bytes:
        raise InputError(field_name, str(p), f"is larger than {max_bytes:,} bytes")
    if b"\x00" in raw:
        raise InputError(field_name, str(p), "is a binary file, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            field_name, str(p), f"is not UTF-8 text (byte {exc.start}: binary or another encoding)"
        ) from exc


def load_file(
    path: str | Path, field_name: str, kind: str | None = None, max_bytes: int = MAX_BYTES
) -> Any:
    """Read and parse a user's JSON/YAML/TOML file (kind from the suffix unless given)."""
    p = Path(path)
    return parse_text(read_text(p, field_name, max_bytes), kind or kind_of(p), field_name, str(p))
