"""Crossover: has each AWS Lambda function outgrown Lambda, and if not, when will it?

The public API: load a fleet (demo, scenario, CSV, AWS), a price book and assumptions, then
`analyze()`; everything else (app, exports, reports) presents an `Analysis`.
"""

from __future__ import annotations

from analyzer.core.analyze import Analysis, analyze
from analyzer.core.assumptions import DEFAULTS, FIELDS, Assumptions
from analyzer.core.curves import cost_curves
from analyzer.core.demo import demo_fleet
from analyzer.core.fleet import FleetData
from analyzer.core.pricebook import PriceBook
from analyzer.core.scenario import read_scenario, scenario_fleet
from analyzer.exceptions import (
    CollectionError,
    CrossoverError,
    DeliveryError,
    ExportError,
    InputError,
    PriceBookError,
    StoreError,
)

__version__ = "0.1.0"

__all__ = [
    "DEFAULTS",
    "FIELDS",
    "Analysis",
    "Assumptions",
    "CollectionError",
    "CrossoverError",
    "DeliveryError",
    "ExportError",
    "FleetData",
    "InputError",
    "PriceBook",
    "PriceBookError",
    "StoreError",
    "__version__",
    "analyze",
    "cost_curves",
    "demo_fleet",
    "read_scenario",
    "scenario_fleet",
]
