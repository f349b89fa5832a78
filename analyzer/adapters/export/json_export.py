"""JSON export: a documented, versioned document.

Schema: analyzer/schemas/recommendations.schema.json (schema_version 1).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from analyzer.adapters.export._common import plain, rounded
from analyzer.core.columns import COLUMN_HELP
from analyzer.core.recommend import SCHEMA_VERSION, Recommendations

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "recommendations.schema.json"


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return value + 0.0
    return value


def _records(df: pd.DataFrame, money_digits: int = 2) -> list[dict[str, Any]]:
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(money_digits)
    return [_clean(r) for r in out.astype(object).where(out.notna(), None).to_dict("records")]


def document(recs: Recommendations) -> dict[str, Any]:
    """The JSON document as a dict (validated against the shipped schema in tests)."""
    a = recs.assumptions
    assumptions = {
        str(n): {"value": _clean(v), "unit": u, "help": h, "group": g}
        for n, v, u, h, g in zip(
            a["name"], a["value"], a["unit"], a["help"], a["group"], strict=True
        )
    }
    prices = _records(recs.prices, money_digits=10)
    functions = _records(rounded(recs), money_digits=6)
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "generated_at": recs.generated_at,
        "window": _clean(recs.window),
        "monthly_basis": recs.monthly_basis,
        "price_book": dict(recs.price_book),
        "prices": prices,
        "assumptions": assumptions,
        "sensitivity": _clean(recs.sensitivity),
        "thresholds": _clean(recs.thresholds),
        "filters": _clean({k: plain(v) if k == "sort" else v for k, v in recs.filters.items()}),
        "notes": list(recs.notes),
        "summary": _clean(
            {k: (round(v, 2) if isinstance(v, float) else v) for k, v in recs.summary.items()}
        ),
        "by_account": _records(recs.by_account),
        "by_environment": _records(recs.by_environment),
        "by_target": _records(recs.by_target),
        "columns": dict(COLUMN_HELP),
        "functions": functions,
    }
    return doc


def render_json(recs: Recommendations) -> bytes:
    return (
        json.dumps(document(recs), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    ).encode()
