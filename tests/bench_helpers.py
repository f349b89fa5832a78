"""The benchmarks' synthetic fleet generator (`benchmarks/fleetgen.py`), for tests that need a
large seeded fleet."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def fleetgen() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_fleetgen", ROOT / "benchmarks" / "fleetgen.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
