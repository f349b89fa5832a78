"""Every modelling knob, with a default, a unit and a one-line meaning.

`Assumptions` is immutable; `replace()` makes a changed copy. `from_mapping()` validates a user
mapping (scenario file, app, CLI) and raises `InputError` naming the key, value and reason.
`FIELDS` describes each knob for the app's controls and for every export.

(Over 400 lines on purpose: the `Assumptions` declaration is one list of every knob with its
unit, help and bounds, and it reads best in one place.)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from analyzer.exceptions import InputError

TARGETS = ("ec2", "fargate", "lmi")
PRICING_OPTIONS = ("on_demand", "compute_sp_1y", "compute_sp_3y", "spot")
LOAD_BALANCER = ("auto", "true", "false")
FRONT_DOOR_AFTER_MOVE = ("keep", "alb")

PricingOption = Literal["on_demand", "compute_sp_1y", "compute_sp_3y", "spot"]


def _f(
    default: Any,
    unit: str,
    help: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    group: str = "Provisioned sizing",
) -> Any:
    meta = {"unit": unit, "help": help, "lo": lo, "hi": hi, "group": group}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Assumptions:
    """The knobs of the cost model. Field metadata: unit, help, bounds, group."""

    # --- what to compare -------------------------------------------------------------------
    targets: tuple[str, ...] = _f(
        TARGETS, "list", "Provisioned options to price: ec2, fargate, lmi", group="Options"
    )
    instance_types: tuple[str, ...] | None = _f(
        None,
        "list",
        "Allow-list of EC2 / Managed Instances types (empty: default set)",
        group="Options",
    )
    allow_arch_change: bool = _f(
        True,
        "yes/no",
        "Consider the other CPU architecture (x86_64 <-> arm64) when moving",
        group="Options",
    )
    allow_burstable: bool = _f(
        False,
        "yes/no",
        "Consider burstable t-family instances (CPU credits can run out)",
        group="Options",
    )
    pricing_option: str = _f(
        "on_demand",
        "option",
        "Commitment: on_demand, compute_sp_1y, compute_sp_3y (also discounts Lambda), or spot",
        group="Commitment",
    )
    # --- sizing ----------------------------------------------------------------------------
    autoscaling: bool = _f(
        True, "yes/no", "Capacity follows demand hour by hour (else sized for the peak all month)"
    )
    min_instances: int = _f(
        2, "instances", "Always-on instances or tasks (2 = one per Availability Zone)", lo=1, hi=100
    )
    lmi_min_instances: int = _f(
        3,
        "instances",
        "Lambda Managed Instances kept running at least (AWS's default: 3, for AZ resiliency)",
        lo=1,
        hi=100,
    )
    lmi_concurrency_per_vcpu: int = _f(
        0,
        "requests",
        "LMI requests per environment vCPU (0 = runtime default: Python 16, Node 64, Java 32)",
        lo=0,
        hi=1600,
    )
    target_utilization: float = _f(
        0.7, "fraction", "Share of each instance's CPU and memory you plan to use", lo=0.05, hi=1.0
    )
    burst_factor: float = _f(
        2.0,
        "x mean",
        "Peak concurrency as a multiple of mean, when peak was not measured",
        lo=1.0,
        hi=100.0,
    )
    cpu_busy_fraction: float = _f(
        1.0,
        "fraction",
        "Share of Lambda's memory-proportional CPU a request really keeps busy (1 = conservative)",
        lo=0.01,
        hi=1.0,
    )
    memory_per_worker_mb: float | None = _f(
        None,
        "MB",
        "Memory one concurrent request needs when provisioned (empty: configured memory)",
        lo=16,
        hi=10240,
    )
    ec2_os_overhead_mb: float = _f(
        512.0, "MB", "Memory on each EC2 instance kept by the OS and agents", lo=0, hi=65536
    )
    load_balancer: str = _f(
        "auto",
        "auto/true/false",
        "ALB in front of EC2/Fargate: auto = when the function is HTTP-fronted",
        group="Options",
    )
    front_door_after_move: str = _f(
        "keep",
        "keep/alb",
        "Front door on both sides of a Move: keep = the tuned Lambda's, alb = an ALB on both",
        group="Options",
    )
    alb_shared: bool = _f(
        True,
        "yes/no",
        "One ALB per account and region, its hours split across its HTTP-fronted functions",
        group="Options",
    )
    tune_arm64: bool = _f(
        True,
        "yes/no",
        "Tuned Lambda runs on arm64 where the runtime allows it",
        group="Options",
    )
    tune_front_door: bool = _f(
        True,
        "yes/no",
        "Tuned Lambda: HTTP API instead of REST (no REST-only features), or ALB if cheaper",
        group="Options",
    )
    tune_pc: bool = _f(
        True,
        "yes/no",
        "Tuned Lambda: provisioned concurrency right-sized to the hourly profile (0 = none)",
        group="Options",
    )
    alb_requests_per_lcu_second: float = _f(
        25.0,
        "req/s per LCU",
        "Requests per second one ALB LCU covers (25 new connections/s: one per request)",
        lo=1,
        hi=100000,
        group="Options",
    )
    # --- people ----------------------------------------------------------------------------
    ops_hours_per_month: float = _f(
        0.0,
        "hours/month",
        "Engineer time to run EC2 or Fargate (patching, scaling, on-call)",
        lo=0,
        hi=1000,
        group="People",
    )
    engineer_hourly_usd: float = _f(
        100.0, "USD/hour", "Loaded cost of one engineer hour", lo=0, hi=10000, group="People"
    )
    migration_hours: float = _f(
        40.0,
        "hours",
        "One-time work to move a function to EC2 or Fargate",
        lo=0,
        hi=100000,
        group="People",
    )
    lmi_migration_hours: float = _f(
        8.0,
        "hours",
        "One-time work to move a function to Lambda Managed Instances (no code change)",
        lo=0,
        hi=100000,
        group="People",
    )
    # --- Lambda billing details -------------------------------------------------------------
    free_tier: bool = _f(
        False,
        "yes/no",
        "Apply Lambda's free tier (1M requests + 400,000 GB-s per account/month)",
        group="Lambda billing",
    )
    consolidated_billing: bool = _f(
        False,
        "yes/no",
        "Lambda duration tiers count the whole organisation's usage, not each account's",
        group="Lambda billing",
    )
    duration_rounding_s: float = _f(
        0.0005,
        "s/invoke",
        "Average per-invoke 1 ms round-up added to measured durations",
        lo=0,
        hi=0.001,
        group="Lambda billing",
    )
    init_ms_per_cold_start: float = _f(
        0.0,
        "ms",
        "Billed INIT time per cold start (not in CloudWatch Duration)",
        lo=0,
        hi=600000,
        group="Lambda billing",
    )
    cold_start_rate: float = _f(
        0.0,
        "fraction",
        "Share of invocations that are cold starts",
        lo=0,
        hi=1,
        group="Lambda billing",
    )
    # --- commitments (typical published discounts; not in the Pricing API) -----------------
    lambda_sp_1y_discount: float = _f(
        0.12,
        "fraction",
        "Compute Savings Plan 1-year discount on Lambda duration (AWS: 12-17%)",
        lo=0,
        hi=0.9,
        group="Commitment",
    )
    lambda_sp_3y_discount: float = _f(
        0.17,
        "fraction",
        "Compute Savings Plan 3-year discount on Lambda duration",
        lo=0,
        hi=0.9,
        group="Commitment",
    )
    ec2_sp_1y_discount: float = _f(
        0.28,
        "fraction",
        "Compute Savings Plan 1-year discount on EC2 (typical; AWS: up to 66%)",
        lo=0,
        hi=0.9,
        group="Commitment",
    )
    ec2_sp_3y_discount: float = _f(
        0.50,
        "fraction",
        "Compute Savings Plan 3-year discount on EC2 (typical; AWS: up to 66%)",
        lo=0,
        hi=0.9,
        group="Commitment",
    )
    fargate_sp_1y_discount: float = _f(
        0.20,
        "fraction",
        "Compute Savings Plan 1-year discount on Fargate (AWS: up to 50%)",
        lo=0,
        hi=0.9,
        group="Commitment",
    )
    fargate_sp_3y_discount: float = _f(
        0.45,
        "fraction",
        "Compute Savings Plan 3-year discount on Fargate (AWS: up to 50%)",
        lo=0,
        hi=0.9,
        group="Commitment",
    )
    ec2_spot_discount: float = _f(
        0.60,
        "fraction",
        "Typical EC2 Spot discount (varies; instances can be interrupted)",
        lo=0,
        hi=0.95,
        group="Commitment",
    )
    fargate_spot_discount: float = _f(
        0.70,
        "fraction",
        "Fargate Spot discount (AWS: up to 70%; tasks can be interrupted)",
        lo=0,
        hi=0.95,
        group="Commitment",
    )
    lmi_management_fee: float = _f(
        0.15,
        "fraction",
        "Managed Instances fee, a share of the EC2 on-demand price (AWS: 15%)",
        lo=0,
        hi=1,
        group="Commitment",
    )
    # --- verdicts --------------------------------------------------------------------------
    outgrown_min_saving_usd: float = _f(
        50.0,
        "USD/month",
        "Smallest monthly saving that makes a function Outgrown",
        lo=0,
        hi=1e9,
        group="Verdicts",
    )
    watch_multiple: float = _f(
        2.0,
        "x traffic",
        "Watch a function whose crossover is within this traffic multiple",
        lo=1,
        hi=1000,
        group="Verdicts",
    )
    watch_months: float = _f(
        12.0,
        "months",
        "Watch a function forecast to cross over within this many months",
        lo=0,
        hi=600,
        group="Verdicts",
    )
    max_multiple: float = _f(
        1000.0,
        "x traffic",
        "Largest traffic multiple searched for a crossover",
        lo=2,
        hi=1e6,
        group="Verdicts",
    )
    # --- prices ----------------------------------------------------------------------------
    price_region_proxy: dict[str, str] = _f(  # noqa: RUF009 (_f returns a field with a factory)
        {},
        "region=region",
        "Price EC2/Fargate/ALB/API Gateway of a region the price book lacks with another's "
        "(shown on every result)",
        group="Options",
    )

    # ------------------------------------------------------------------------------------
    def replace(self, **changes: Any) -> Assumptions:
        return from_mapping(changes, base=self)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            out[f.name] = (
                list(v) if isinstance(v, tuple) else (dict(v) if isinstance(v, dict) else v)
            )
        return out

    def min_units(self, kind: str) -> int:
        """Instances or tasks an option of `kind` keeps running at least."""
        return self.lmi_min_instances if kind == "lmi" else self.min_instances

    def discount(self, service: str) -> float:
        """Fractional discount of the chosen pricing option on `service` (lambda/ec2/fargate/lmi)."""
        opt = self.pricing_option
        if opt == "on_demand":
            return 0.0
        if opt == "spot":
            return {"ec2": self.ec2_spot_discount, "fargate": self.fargate_spot_discount}.get(
                service, 0.0
            )
        term = "1y" if opt == "compute_sp_1y" else "3y"
        key = {"lambda": "lambda", "ec2": "ec2", "lmi": "ec2", "fargate": "fargate"}[service]
        return float(getattr(self, f"{key}_sp_{term}_discount"))

    def __hash__(self) -> int:  # dict field: hash by content
        return hash(tuple(sorted((k, repr(v)) for k, v in self.to_dict().items())))


@dataclass(frozen=True)
class FieldInfo:
    name: str
    default: Any
    unit: str
    help: str
    lo: float | None
    hi: float | None
    group: str


def _default_of(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    factory: Any = f.default_factory
    return factory()


FIELDS: dict[str, FieldInfo] = {
    f.name: FieldInfo(
        f.name,
        _default_of(f),
        f.metadata["unit"],
        f.metadata["help"],
        f.metadata["lo"],
        f.metadata["hi"],
        f.metadata["group"],
    )
    for f in dataclasses.fields(Assumptions)
}

DEFAULTS = Assumptions()


def _bad(key: str, value: object, reason: str, where: str | None) -> InputError:
    return InputError(key, value, reason, where)


def from_mapping(
    data: Mapping[str, Any],
    base: Assumptions = DEFAULTS,
    where: str | None = None,
    prefix: str = "assumptions.",
) -> Assumptions:
    """Validate `data` and return `base` with it applied. Unknown keys are refused."""
    changes: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if key not in FIELDS:
            raise _bad(name, value, "unknown assumption", where)
        parse = _PARSERS.get(key)
        if parse is None:
            parse = _parse_bool if isinstance(FIELDS[key].default, bool) else _parse_number
        changes[key] = parse(key, value, name, where)
    return dataclasses.replace(base, **changes)


def _parse_names(key: str, value: Any, name: str, where: str | None) -> tuple[str, ...] | None:
    """targets / instance_types: a list of strings or a comma-separated string."""
    if value is None and key == "instance_types":
        return None
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise _bad(name, value, "must be a list of strings", where)
    if key == "targets":
        bad = [v for v in value if v not in TARGETS]
        if bad or not value:
            raise _bad(name, value, f"each target must be one of {', '.join(TARGETS)}", where)
    return tuple(value)


def _parse_pricing_option(_key: str, value: Any, name: str, where: str | None) -> str:
    if value not in PRICING_OPTIONS:
        raise _bad(name, value, f"must be one of {', '.join(PRICING_OPTIONS)}", where)
    return str(value)


def _parse_load_balancer(_key: str, value: Any, name: str, where: str | None) -> str:
    v = {True: "true", False: "false"}.get(value, value) if isinstance(value, bool) else value
    if v not in LOAD_BALANCER:
        raise _bad(name, value, "must be auto, true or false", where)
    return str(v)


def _parse_front_door_after_move(_key: str, value: Any, name: str, where: str | None) -> str:
    if value not in FRONT_DOOR_AFTER_MOVE:
        raise _bad(name, value, "must be keep or alb", where)
    return str(value)


def _parse_region_map(_key: str, value: Any, name: str, where: str | None) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise _bad(name, value, "must map region to region, e.g. {eu-west-1: us-east-1}", where)
    return dict(value)


def _parse_bool(_key: str, value: Any, name: str, where: str | None) -> bool:
    if not isinstance(value, bool):
        raise _bad(name, value, "must be true or false", where)
    return value


WHOLE_NUMBER_FIELDS = ("min_instances", "lmi_min_instances", "lmi_concurrency_per_vcpu")


def _parse_number(key: str, value: Any, name: str, where: str | None) -> float | int | None:
    """A number within the field's bounds (WHOLE_NUMBER_FIELDS whole; memory_per_worker_mb may
    be None)."""
    if value is None and key == "memory_per_worker_mb":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _bad(name, value, "must be a number", where)
    if key in WHOLE_NUMBER_FIELDS and (not float(value).is_integer()):
        raise _bad(name, value, "must be a whole number", where)
    if value != value:  # NaN
        raise _bad(name, value, "must be a number", where)
    info = FIELDS[key]
    if info.lo is not None and value < info.lo:
        raise _bad(name, value, f"must be at least {info.lo:g} {info.unit}", where)
    if info.hi is not None and value > info.hi:
        raise _bad(name, value, f"must be at most {info.hi:g} {info.unit}", where)
    return int(value) if key in WHOLE_NUMBER_FIELDS else float(value)


_PARSERS: dict[str, Callable[[str, Any, str, str | None], Any]] = {
    "targets": _parse_names,
    "instance_types": _parse_names,
    "pricing_option": _parse_pricing_option,
    "load_balancer": _parse_load_balancer,
    "front_door_after_move": _parse_front_door_after_move,
    "price_region_proxy": _parse_region_map,
}


# The sensitivity sets: does a verdict survive assumptions tilted each way?
OPTIMISTIC_FOR_MOVING: dict[str, Any] = {
    "target_utilization": 0.85,
    "burst_factor": 1.5,
    "cpu_busy_fraction": 0.5,
    "min_instances": 1,
    "ops_hours_per_month": 0.0,
}
PESSIMISTIC_FOR_MOVING: dict[str, Any] = {
    "target_utilization": 0.5,
    "burst_factor": 3.0,
    "cpu_busy_fraction": 1.0,
    "min_instances": 3,
    "ops_hours_per_month": 4.0,
}


def optimistic(a: Assumptions) -> Assumptions:
    """Assumptions tilted in favour of leaving Lambda (denser packing, less peak, no ops)."""
    return dataclasses.replace(a, **OPTIMISTIC_FOR_MOVING)


def pessimistic(a: Assumptions) -> Assumptions:
    """Assumptions tilted against leaving Lambda (loose packing, spiky peaks, ops work)."""
    return dataclasses.replace(
        a, **{**PESSIMISTIC_FOR_MOVING, "ops_hours_per_month": max(a.ops_hours_per_month, 4.0)}
    )


@dataclass(frozen=True)
class AssumptionGroups:
    """The distinct assumption sets of a fleet, and which one each function uses.

    Most functions use the run's assumptions (`groups[0]`); a function that carries per-function
    overrides uses the run's assumptions with its overrides applied. `codes[i]` is the group of
    the i-th function, in the fleet's function order. Computed once per analysis and kept on it.
    """

    groups: tuple[Assumptions, ...]
    codes: np.ndarray  # one group index per function

    @classmethod
    def for_functions(
        cls,
        function_ids: Any,
        overrides: Mapping[str, Mapping[str, Any]],
        base: Assumptions,
    ) -> AssumptionGroups:
        """Group `function_ids` (in order) by their effective assumptions.

        `overrides` maps a function id to its own assumption mapping; it is validated here and a
        bad value raises `InputError` naming the function."""
        ids = list(function_ids)
        codes = np.zeros(len(ids), dtype=int)
        groups: list[Assumptions] = [base]
        if not overrides:
            return cls(tuple(groups), codes)
        index = {hash(base): 0}
        position = {fid: i for i, fid in enumerate(ids)}
        for fid, mapping in overrides.items():  # only the functions that carry overrides
            if fid not in position:
                continue
            name = fid.rsplit(":", 1)[-1]
            effective = from_mapping(mapping, base=base, where=f"function {name}")
            key = hash(effective)
            if key not in index:
                index[key] = len(groups)
                groups.append(effective)
            codes[position[fid]] = index[key]
        return cls(tuple(groups), codes)

    def __len__(self) -> int:
        return len(self.codes)

    def values(self, name: str) -> np.ndarray:
        """The per-function value of one numeric assumption (numpy float array)."""
        per_group = np.array([float(getattr(g, name)) for g in self.groups])
        return per_group[self.codes]

    def each(self, get: Callable[[Assumptions], Any]) -> np.ndarray:
        """The per-function value of `get(assumptions)` (any type; object array)."""
        per_group = np.empty(len(self.groups), dtype=object)
        per_group[:] = [get(g) for g in self.groups]
        return per_group[self.codes]

    def of(self, position: int) -> Assumptions:
        """The assumptions of the function at `position`."""
        return self.groups[int(self.codes[position])]
