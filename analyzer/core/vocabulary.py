"""The product's vocabulary: verdicts, option kinds and the monthly basis, named once.

`Verdict` and `OptionKind` are `StrEnum`s, so a member equals its plain string value
(`Verdict.OUTGROWN == "outgrown"`) and data frames, JSON and CSV keep plain strings.
"""

from __future__ import annotations

from enum import StrEnum

HOURS_PER_MONTH = 730.0
"""Monthly figures are normalised to 730 hours (AWS's pricing-calculator convention)."""

SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600.0


class Verdict(StrEnum):
    """What Crossover says about one function."""

    OUTGROWN = "outgrown"
    WATCH = "watch"
    STAY = "stay"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class OptionKind(StrEnum):
    """The provisioned alternatives to Lambda."""

    EC2 = "ec2"
    FARGATE = "fargate"
    LMI = "lmi"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]

    @property
    def unit_name(self) -> str:
        """What one unit of capacity is called (plural)."""
        return "tasks" if self is OptionKind.FARGATE else "instances"


KIND_LABELS: dict[str, str] = {
    OptionKind.EC2: "EC2",
    OptionKind.FARGATE: "Fargate",
    OptionKind.LMI: "Lambda Managed Instances",
}

VERDICTS: tuple[str, ...] = tuple(v.value for v in Verdict)
VERDICT_LABELS: dict[str, str] = {v.value: v.label for v in Verdict}
OPTION_KINDS: tuple[str, ...] = tuple(k.value for k in OptionKind)
