"""Data-source options shared by `analyze`, `export` and `report`, plus the data commands
(`collect`, `prices`). `load_fleet()` turns the options into a FleetData."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from analyzer.core.fleet import FleetData


def source_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator: the options that choose a data source (--demo, ...)."""

    @click.option("--demo", is_flag=True, help="Use the bundled demo fleet (no AWS needed).")
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    return wrapper


def load_fleet(**opts: Any) -> FleetData:
    """Build the FleetData the source options ask for."""
    from analyzer.core.demo import demo_fleet

    return demo_fleet()


def register(cli: click.Group) -> None:
    """Add the data commands (collect, prices) to the top-level group."""
