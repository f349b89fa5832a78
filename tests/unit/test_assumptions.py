"""from_mapping: every kind of assumption value, accepted and refused with a one-line reason."""

from __future__ import annotations

import math

import pytest

from analyzer.core.assumptions import DEFAULTS, FIELDS, from_mapping
from analyzer.exceptions import InputError


def test_empty_mapping_is_the_base() -> None:
    assert from_mapping({}) == DEFAULTS
    base = DEFAULTS.replace(min_instances=3)
    assert from_mapping({}, base) == base


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("targets", ["ec2", "lmi"], ("ec2", "lmi")),
        ("targets", "ec2, fargate", ("ec2", "fargate")),  # comma-separated string
        ("instance_types", ["m7g.large"], ("m7g.large",)),
        ("instance_types", None, None),
        ("pricing_option", "spot", "spot"),
        ("load_balancer", True, "true"),
        ("load_balancer", False, "false"),
        ("load_balancer", "auto", "auto"),
        ("price_region_proxy", {"eu-west-1": "us-east-1"}, {"eu-west-1": "us-east-1"}),
        ("free_tier", True, True),
        ("min_instances", 3.0, 3),  # a whole float is taken as the integer
        ("lmi_min_instances", 4.0, 4),
        ("lmi_concurrency_per_vcpu", 64.0, 64),
        ("target_utilization", 1, 1.0),
        ("memory_per_worker_mb", None, None),
        ("memory_per_worker_mb", 2048, 2048.0),
    ],
)
def test_good_values_are_applied(key: str, value: object, expected: object) -> None:
    a = from_mapping({key: value})
    assert getattr(a, key) == expected
    assert type(getattr(a, key)) is type(expected)
    # nothing else changed
    assert a.replace(**{key: getattr(DEFAULTS, key)}) == DEFAULTS


def test_values_apply_on_top_of_the_base() -> None:
    base = DEFAULTS.replace(min_instances=4)
    a = from_mapping({"burst_factor": 3}, base)
    assert (a.min_instances, a.burst_factor) == (4, 3.0)


LO = FIELDS["target_utilization"].lo or 0.0
HI = FIELDS["target_utilization"].hi or 1.0


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("no_such_knob", 1, "unknown assumption"),
        ("targets", ["ec2", "k8s"], "each target must be one of ec2, fargate, lmi"),
        ("targets", [], "each target must be one of"),
        ("targets", [1, 2], "must be a list of strings"),
        ("instance_types", 5, "must be a list of strings"),
        ("pricing_option", "reserved", "must be one of on_demand, compute_sp_1y"),
        ("load_balancer", "maybe", "must be auto, true or false"),
        ("price_region_proxy", {"eu-west-1": 1}, "must map region to region"),
        ("price_region_proxy", "eu-west-1", "must map region to region"),
        ("free_tier", "yes", "must be true or false"),
        ("min_instances", 1.5, "must be a whole number"),
        ("target_utilization", "high", "must be a number"),
        ("target_utilization", True, "must be a number"),  # a bool is not a number
        ("target_utilization", math.nan, "must be a number"),
        ("target_utilization", None, "must be a number"),
        ("target_utilization", LO / 2, f"must be at least {LO:g}"),
        ("target_utilization", HI * 2, f"must be at most {HI:g}"),
    ],
)
def test_bad_values_are_refused_naming_key_and_reason(key: str, value: object, reason: str) -> None:
    with pytest.raises(InputError) as err:
        from_mapping({key: value})
    assert err.value.field == f"assumptions.{key}"
    assert reason in err.value.reason
    assert "\n" not in str(err.value)


def test_prefix_and_where_name_the_place() -> None:
    with pytest.raises(InputError) as err:
        from_mapping({"burst_factor": -1}, where="function api", prefix="functions[0].assumptions.")
    assert str(err.value).startswith("function api: functions[0].assumptions.burst_factor=-1: ")
