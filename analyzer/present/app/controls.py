"""The what-if controls: how each assumption is shown as a widget, and back to Assumptions."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from analyzer.core.assumptions import (
    FIELDS,
    FRONT_DOOR_AFTER_MOVE,
    LOAD_BALANCER,
    PRICING_OPTIONS,
    TARGETS,
    WHOLE_NUMBER_FIELDS,
    Assumptions,
    FieldInfo,
    from_mapping,
)
from analyzer.exceptions import InputError
from analyzer.present.app.labels import (
    LOAD_BALANCER_LABELS,
    PRICING_LABELS,
    TARGET_LABELS,
    assumption_label,
)
from analyzer.present.app.tables import assumption_table

STATE_PREFIX = "a_"


def state_key(name: str) -> str:
    return f"{STATE_PREFIX}{name}"


@dataclass(frozen=True)
class ControlSpec:
    """How the app shows one assumption."""

    name: str
    kind: str  # toggle | select | multiselect | slider | number | text
    label: str
    help: str
    unit: str
    group: str
    options: tuple[str, ...] = ()
    option_labels: dict[str, str] = field(default_factory=dict)
    min_value: float | None = None
    max_value: float | None = None
    step: float | None = None
    integer: bool = False
    percent: bool = False  # a fraction shown and typed as a percentage (0.12 <-> 12)
    format: str | None = None


def control_spec(info: FieldInfo) -> ControlSpec:
    common: dict[str, Any] = {
        "name": info.name,
        "label": assumption_label(info.name, info.unit),
        "help": info.help,
        "unit": info.unit,
        "group": info.group,
    }
    if isinstance(info.default, bool):
        return ControlSpec(kind="toggle", **common)
    if info.name == "pricing_option":
        return ControlSpec(
            kind="select", options=PRICING_OPTIONS, option_labels=PRICING_LABELS, **common
        )
    if info.name == "load_balancer":
        return ControlSpec(
            kind="select", options=LOAD_BALANCER, option_labels=LOAD_BALANCER_LABELS, **common
        )
    if info.name == "front_door_after_move":
        return ControlSpec(
            kind="select",
            options=FRONT_DOOR_AFTER_MOVE,
            option_labels={
                "keep": "keep the tuned Lambda's front door",
                "alb": "an ALB on both sides",
            },
            **common,
        )
    if info.name == "targets":
        return ControlSpec(
            kind="multiselect", options=TARGETS, option_labels=TARGET_LABELS, **common
        )
    if info.name in ("instance_types", "price_region_proxy"):
        return ControlSpec(kind="text", **common)
    integer = info.name in WHOLE_NUMBER_FIELDS
    lo, hi = info.lo, info.hi
    if info.unit == "fraction" and lo is not None and hi is not None:
        fine = float(lo) * 100 % 1 != 0 or info.name == "cold_start_rate"
        return ControlSpec(
            kind="slider",
            min_value=_percent(lo),
            max_value=_percent(hi),
            step=0.1 if fine else 1.0,
            percent=True,
            format="%.1f%%" if fine else "%.0f%%",
            **common,
        )
    step = 1.0 if integer or (hi is not None and hi >= 100) else 0.1
    if info.name == "duration_rounding_s":
        step = 0.0001
    return ControlSpec(
        kind="number",
        min_value=None if lo is None else float(lo),
        max_value=None if hi is None else float(hi),
        step=step,
        integer=integer,
        **common,
    )


def _percent(fraction: float) -> float:
    return round(float(fraction) * 100, 6)


CONTROLS: dict[str, ControlSpec] = {name: control_spec(info) for name, info in FIELDS.items()}


def widget_value(name: str, value: Any) -> Any:
    """An assumption's value as its widget holds it."""
    spec = CONTROLS[name]
    if spec.kind == "multiselect":
        return list(value)
    if name == "instance_types":
        return ", ".join(value) if value else ""
    if name == "price_region_proxy":
        return ", ".join(f"{k}={v}" for k, v in dict(value).items())
    if spec.kind == "number" and value is not None:
        return int(value) if spec.integer else float(value)
    if spec.percent:
        return _percent(value)
    if spec.kind == "slider":
        return float(value)
    return value


def default_widget_values() -> dict[str, Any]:
    return {name: widget_value(name, info.default) for name, info in FIELDS.items()}


def _parse_proxy(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]:
        region, sep, proxy = part.partition("=")
        if not sep or not region.strip() or not proxy.strip():
            raise InputError(
                "price_region_proxy", part, "write region=region, e.g. eu-west-1=us-east-1"
            )
        out[region.strip()] = proxy.strip()
    return out


def assumptions_from_widgets(
    values: Mapping[str, Any], base: Assumptions | None = None
) -> Assumptions:
    """Assumptions from widget values (keys: assumption names); raises InputError on bad input."""
    data: dict[str, Any] = {}
    for name, v in values.items():
        if name not in FIELDS:
            continue
        if name == "instance_types":
            items = [s.strip() for s in str(v or "").split(",") if s.strip()]
            data[name] = items or None
        elif name == "price_region_proxy":
            data[name] = _parse_proxy(str(v or ""))
        elif name == "targets":
            data[name] = list(v)
        elif CONTROLS[name].percent and isinstance(v, (int, float)):
            data[name] = round(float(v) / 100, 8)
        elif name == "memory_per_worker_mb":
            data[name] = None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
        else:
            data[name] = v
    return from_mapping(data, base=base or Assumptions(), prefix="")


def changed_assumptions(a: Assumptions) -> dict[str, Any]:
    """The assumptions that differ from their defaults."""
    t = assumption_table(a)
    return dict(zip(t.loc[t["Changed"], "Assumption"], t.loc[t["Changed"], "Value"], strict=True))
