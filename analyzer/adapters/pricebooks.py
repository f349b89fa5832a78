"""Where price books live, and the one rule that says which book is in use.

`resolve_pricebook(path, data_dir)` is used by every command (`analyze`, `cost`, `export`,
`report`, `schedule`, `prices`), the app and the Lambda handler:

    explicit file (--pricebook / the report config's `pricebook`)
    > $CROSSOVER_PRICEBOOK
    > the data directory's current refreshed book (`crossover prices refresh`); the data
      directory is --data-dir, else $CROSSOVER_DATA_DIR, else the platform's user data dir
    > the bundled snapshot (package data, `analyzer/data/pricebook.json`)

`save(doc)` writes a refreshed book as `pricebooks/pricebook-<date>.json` plus a `current`
pointer, keeping the previous books.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from analyzer.adapters.store import atomic_write_text, default_data_dir
from analyzer.core.pricebook import ENV_PRICEBOOK, PriceBook, bundled_resource

PRICEBOOK_DIR = "pricebooks"
STALE_AFTER_DAYS = 90
CURRENT_POINTER = "current"

PathArg = str | os.PathLike[str] | None


def pricebook_dir(data_dir: PathArg = None) -> Path:
    return default_data_dir(data_dir) / PRICEBOOK_DIR


def current_refreshed(data_dir: PathArg = None) -> Path | None:
    """The data directory's current refreshed book, if there is a valid pointer."""
    pointer = pricebook_dir(data_dir) / CURRENT_POINTER
    if not pointer.is_file():
        return None
    target = pointer.parent / pointer.read_text(encoding="utf-8").strip()
    return target if target.is_file() else None


def save(doc: dict[str, Any], data_dir: PathArg = None) -> Path:
    """Write the book as pricebooks/pricebook-<date>.json and point `current` at it.

    Earlier books stay on disk (a same-day refresh gets a -2, -3, ... suffix).
    """
    folder = pricebook_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"pricebook-{doc['as_of']}.json"
    suffix = 2
    while path.exists():
        path = folder / f"pricebook-{doc['as_of']}-{suffix}.json"
        suffix += 1
    atomic_write_text(path, json.dumps(doc, indent=1, sort_keys=True) + "\n")
    atomic_write_text(folder / CURRENT_POINTER, path.name + "\n")
    return path


def describe_in_use(data_dir: PathArg = None, path: PathArg = None) -> dict[str, str]:
    """Which book is in use and why: {"path", "chosen_by"} (the order in the module docstring)."""
    if path:
        return {"path": str(path), "chosen_by": "--pricebook"}
    env = os.environ.get(ENV_PRICEBOOK)
    if env:
        return {"path": env, "chosen_by": f"${ENV_PRICEBOOK}"}
    current = current_refreshed(data_dir)
    if current is not None:
        return {"path": str(current), "chosen_by": "refreshed (data directory)"}
    return {"path": str(bundled_resource()), "chosen_by": "bundled snapshot"}


def resolve_pricebook(path: PathArg = None, data_dir: PathArg = None) -> PriceBook:
    """The price book in use: explicit file > $CROSSOVER_PRICEBOOK > the data directory's
    refreshed book > the bundled snapshot."""
    which = describe_in_use(data_dir, path)
    if which["chosen_by"] == "bundled snapshot":
        return PriceBook.bundled()
    return PriceBook.load(which["path"])


def stale_warning(book: PriceBook, today: dt.date | None = None) -> str | None:
    """One line if the book is older than STALE_AFTER_DAYS days (with the refresh command)."""
    today = today or dt.datetime.now(dt.UTC).date()
    try:
        age = (today - dt.date.fromisoformat(book.as_of[:10])).days
    except ValueError:
        return None
    if age <= STALE_AFTER_DAYS:
        return None
    regions = " ".join(f"--region {r}" for r in book.regions("ec2")) or "--region us-east-1"
    return (
        f"warning: the price book is {age} days old ({book.as_of}); refresh it with "
        f"`crossover prices refresh {regions}`"
    )
