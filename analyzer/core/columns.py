"""The recommendation columns, specified once: name, kind, unit, decimals and meaning.

Everything that shows a recommendation derives from `COLUMN_SPECS`: the column order of
`Recommendations.functions`, the rounding of every export (CSV, XLSX, Markdown, HTML, JSON),
the per-column part of the JSON schema (`analyzer/schemas/recommendations.schema.json`, checked
against `function_item_schema()` by a test) and the column descriptions the exports print.
The contract is described in `docs/interfaces.md`.

Over 400 lines because it is one table: every column's spec, in export order, in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analyzer.core.forecast import RUN_RATE_BASES
from analyzer.core.vocabulary import HOURS_PER_MONTH, OPTION_KINDS, VERDICTS

TEXT = "text"
MONEY = "money"
NUMBER = "number"
BOOL = "bool"
DATE = "date"


@dataclass(frozen=True)
class ColumnSpec:
    """One per-function column: how it is typed, rounded and explained."""

    name: str
    kind: str  # text | money | number | bool | date
    decimals: int | None = None  # places shown (money and numbers); 0: a whole number
    unit: str = ""
    help: str = ""
    choices: tuple[str, ...] = ()  # the values a text column can take (empty: free text)
    nullable: bool = True

    @property
    def is_text(self) -> bool:
        """Text in every export (dates are ISO strings)."""
        return self.kind in (TEXT, DATE)

    def json_schema(self) -> dict[str, Any]:
        """This column's JSON-schema property."""
        prop: dict[str, Any]
        if self.choices:
            prop = {"enum": [*self.choices, *([None] if self.nullable else [])]}
        elif self.kind == BOOL:
            prop = {"type": "boolean"}
        elif self.is_text:
            prop = {"type": ["string", "null"]}
        elif self.kind == NUMBER and self.decimals == 0:
            prop = {"type": ["integer", "null"]}
        else:
            prop = {"type": ["number", "null"]}
        return {**prop, "description": self.help}


COLUMN_SPECS: tuple[ColumnSpec, ...] = (
    ColumnSpec("function_id", TEXT, help="account_id:region:name"),
    ColumnSpec("name", TEXT, help="Lambda function name"),
    ColumnSpec("account_id", TEXT, help="AWS account id"),
    ColumnSpec("account_name", TEXT, help="AWS account name"),
    ColumnSpec("environment", TEXT, help="environment label of the account (prod, test, dev, ...)"),
    ColumnSpec("region", TEXT, help="AWS region of the function"),
    ColumnSpec("runtime", TEXT, help="Lambda runtime"),
    ColumnSpec("arch", TEXT, help="Lambda architecture today (x86_64 or arm64)"),
    ColumnSpec("memory_mb", NUMBER, decimals=0, unit="MB", help="configured memory, MB"),
    ColumnSpec("timeout_s", NUMBER, decimals=1, unit="s", help="configured timeout, seconds"),
    ColumnSpec(
        "front_door",
        TEXT,
        help="what invokes it over HTTP: none, function_url, apigw_rest, apigw_http, alb",
    ),
    ColumnSpec(
        "pc_allocated",
        NUMBER,
        decimals=0,
        unit="units",
        help="provisioned concurrency allocated (0 = none)",
    ),
    ColumnSpec(
        "monthly_invocations",
        NUMBER,
        decimals=0,
        unit="invocations/month",
        help=f"invocations per month ({HOURS_PER_MONTH:.0f} hours)",
    ),
    ColumnSpec(
        "run_rate_basis",
        TEXT,
        choices=RUN_RATE_BASES,
        help="what the run rate is taken from: trend (the growth trend's level at the window end), last 7 days (the trend is flat or unclear) or window (fewer than 7 days of data)",
    ),
    ColumnSpec(
        "run_rate_multiple",
        NUMBER,
        decimals=4,
        unit="x the window's mean",
        help="run-rate traffic as a multiple of the window's mean traffic",
    ),
    ColumnSpec(
        "run_rate_invocations_per_month",
        NUMBER,
        decimals=0,
        unit="invocations/month",
        help=f"run rate: invocations per month ({HOURS_PER_MONTH:.0f} hours) at the current level",
    ),
    ColumnSpec(
        "avg_duration_ms", NUMBER, decimals=3, unit="ms", help="mean duration per invocation, ms"
    ),
    ColumnSpec(
        "mean_concurrency",
        NUMBER,
        decimals=4,
        unit="requests",
        help="mean concurrent requests over the window (Little's law)",
    ),
    ColumnSpec(
        "peak_concurrency",
        NUMBER,
        decimals=2,
        unit="requests",
        help="largest hourly peak of concurrent requests over the window",
    ),
    ColumnSpec(
        "days_of_data", NUMBER, decimals=0, unit="days", help="days of traffic the analysis saw"
    ),
    ColumnSpec(
        "verdict",
        TEXT,
        choices=VERDICTS,
        nullable=False,
        help="outgrown (move), watch (close to the crossover) or stay (Lambda is right)",
    ),
    ColumnSpec("tune", BOOL, help="true when Lambda itself can be made cheaper without moving"),
    ColumnSpec("recommendation", TEXT, help="the recommendation in one sentence"),
    ColumnSpec(
        "lambda_usd_per_month",
        MONEY,
        decimals=2,
        unit="USD/month",
        help="Lambda bill today: requests + duration + storage + provisioned + front door, USD per month",
    ),
    ColumnSpec(
        "tuned_lambda_usd_per_month",
        MONEY,
        decimals=2,
        unit="USD/month",
        help="Lambda bill after the Tune (arm64 where allowed, cheapest adequate front door): what a Move is compared with, USD per month",
    ),
    ColumnSpec(
        "tuned_front_door",
        TEXT,
        help="front door of the tuned Lambda, kept on both sides of a Move (none, function_url, apigw_rest, apigw_http, alb)",
    ),
    ColumnSpec(
        "lambda_duration_usd_per_month",
        MONEY,
        decimals=2,
        unit="USD/month",
        help="of which duration (GB-s), USD per month",
    ),
    ColumnSpec(
        "lambda_provisioned_usd_per_month",
        MONEY,
        decimals=2,
        unit="USD/month",
        help="of which provisioned concurrency, USD per month",
    ),
    ColumnSpec(
        "best_option_kind",
        TEXT,
        choices=OPTION_KINDS,
        help="cheapest provisioned option: ec2, fargate or lmi",
    ),
    ColumnSpec("best_option_label", TEXT, help="its instance type or Fargate task size"),
    ColumnSpec("best_option_arch", TEXT, help="its CPU architecture"),
    ColumnSpec(
        "best_option_units_min",
        NUMBER,
        decimals=0,
        unit="units",
        help="fewest instances or tasks over the day",
    ),
    ColumnSpec(
        "best_option_units_max",
        NUMBER,
        decimals=0,
        unit="units",
        help="most instances or tasks over the day",
    ),
    ColumnSpec("best_option_sizing", TEXT, help="the sizing in words"),
    ColumnSpec(
        "best_option_usd_per_unit_hour",
        MONEY,
        decimals=6,
        unit="USD/unit-hour",
        help="price of one instance or task per hour, USD",
    ),
    ColumnSpec(
        "best_option_usd_per_month",
        MONEY,
        decimals=2,
        unit="USD/month",
        help="the option's full monthly cost (compute, load balancer, ops, fees), USD per month",
    ),
    ColumnSpec("best_option_price_region", TEXT, help="region whose prices priced the option"),
    ColumnSpec(
        "run_rate_lambda_usd_per_month",
        MONEY,
        decimals=2,
        unit="USD/month",
        help="run rate: today's Lambda bill at the current level of traffic, USD per month",
    ),
    ColumnSpec(
        "run_rate_tuned_lambda_usd_per_month",
        MONEY,
        decimals=2,
        unit="USD/month",
        help="run rate: the tuned Lambda bill at the current level of traffic, USD per month",
    ),
    ColumnSpec(
        "run_rate_best_option_usd_per_month",
        MONEY,
        decimals=2,
        unit="USD/month",
        help="run rate: the exact cheapest option at the current level of traffic, USD per month",
    ),
    ColumnSpec(
        "run_rate_saving_usd_per_month",
        MONEY,
        decimals=2,
        unit="USD/month",
        help="run rate: the Move saving at the current level of traffic (what the verdict uses), USD per month",
    ),
    ColumnSpec(
        "crossover_multiple",
        NUMBER,
        decimals=6,
        unit="x today's traffic",
        help="traffic multiple of the run rate at which the best option costs what Lambda does (below 1: already outgrown; empty: none up to max_multiple)",
    ),
    ColumnSpec(
        "crossover_invocations_per_month",
        NUMBER,
        decimals=0,
        unit="invocations/month",
        help="invocations per month at the crossover",
    ),
    ColumnSpec(
        "crossover_requests_per_second",
        NUMBER,
        decimals=4,
        unit="requests/s",
        help="mean requests per second at the crossover",
    ),
    ColumnSpec(
        "monthly_growth",
        NUMBER,
        decimals=4,
        unit="fraction per month",
        help="fitted monthly growth of traffic (0.05 = 5%)",
    ),
    ColumnSpec(
        "monthly_growth_low",
        NUMBER,
        decimals=4,
        unit="fraction per month",
        help="lower end of the 90% confidence interval of the monthly growth",
    ),
    ColumnSpec(
        "monthly_growth_high",
        NUMBER,
        decimals=4,
        unit="fraction per month",
        help="upper end of the 90% confidence interval of the monthly growth",
    ),
    ColumnSpec(
        "months_to_crossover",
        NUMBER,
        decimals=2,
        unit="months",
        help="months after the window until the run rate, growing at the trend, reaches the crossover (0: already past)",
    ),
    ColumnSpec(
        "months_to_crossover_earliest",
        NUMBER,
        decimals=2,
        unit="months",
        help="months until the crossover at the upper end of the growth interval",
    ),
    ColumnSpec(
        "months_to_crossover_latest",
        NUMBER,
        decimals=2,
        unit="months",
        help="months until the crossover at the lower end of the growth interval (empty: never)",
    ),
    ColumnSpec(
        "crossover_date",
        DATE,
        unit="ISO date",
        help="forecast date of the crossover (empty: already past, more than 3 years away or none)",
    ),
    ColumnSpec(
        "crossover_date_earliest",
        DATE,
        unit="ISO date",
        help="earliest date of the crossover range (empty: more than 3 years away or none)",
    ),
    ColumnSpec(
        "crossover_date_latest",
        DATE,
        unit="ISO date",
        help="latest date of the crossover range (empty: more than 3 years away, never or none)",
    ),
    ColumnSpec("forecast_confidence", TEXT, help="how sure the forecast is: high, medium, low"),
    ColumnSpec(
        "forecast", TEXT, help="the forecast in words: when the crossover comes, or why not"
    ),
    ColumnSpec(
        "saving_usd_per_month",
        MONEY,
        decimals=2,
        unit="USD/month",
        help="Move saving: the tuned Lambda minus the best option when that is cheaper (same front door on both sides), USD per month",
    ),
    ColumnSpec(
        "move_saving_usd_per_month",
        MONEY,
        decimals=2,
        unit="USD/month",
        help="Move saving (the same as saving_usd_per_month), USD per month",
    ),
    ColumnSpec(
        "saving_usd_per_year", MONEY, decimals=2, unit="USD/year", help="saving x 12, USD per year"
    ),
    ColumnSpec(
        "migration_hours",
        NUMBER,
        decimals=1,
        unit="hours",
        help="one-time engineer hours to move (migration_hours or lmi_migration_hours)",
    ),
    ColumnSpec(
        "migration_cost_usd",
        MONEY,
        decimals=2,
        unit="USD once",
        help="migration hours x engineer_hourly_usd, USD once",
    ),
    ColumnSpec(
        "payback_months",
        NUMBER,
        decimals=2,
        unit="months",
        help="migration cost / monthly saving, months",
    ),
    ColumnSpec(
        "tune_arm64_usd_per_month",
        MONEY,
        decimals=2,
        unit="USD/month",
        help="Tune: saving of switching x86_64 to arm64 on Lambda where the runtime allows it (full bill at arm64 rates), USD per month",
    ),
    ColumnSpec(
        "tune_front_door_usd_per_month",
        MONEY,
        decimals=2,
        unit="USD/month",
        help="Tune: saving of the cheapest adequate front door (HTTP API instead of REST, or a shared ALB), USD per month",
    ),
    ColumnSpec(
        "tune_idle_pc_usd_per_month",
        MONEY,
        decimals=2,
        unit="USD/month",
        help="cost of provisioned concurrency above the peak, USD per month",
    ),
    ColumnSpec(
        "tune_memory_usd_per_month",
        MONEY,
        decimals=2,
        unit="USD/month",
        help="saving of right-sizing memory (needs max_memory_used_mb), USD per month",
    ),
    ColumnSpec(
        "tune_usd_per_month",
        MONEY,
        decimals=2,
        unit="USD/month",
        help="Tune saving: sum of the tune savings (Lambda made cheaper without moving), USD per month",
    ),
    ColumnSpec("tune_advice", TEXT, help="what to tune, in words"),
    ColumnSpec(
        "verdict_optimistic",
        TEXT,
        choices=VERDICTS,
        help="verdict under the optimistic (for moving) assumption set",
    ),
    ColumnSpec(
        "verdict_pessimistic",
        TEXT,
        choices=VERDICTS,
        help="verdict under the pessimistic (for moving) assumption set",
    ),
    ColumnSpec(
        "saving_optimistic_usd_per_month",
        MONEY,
        decimals=2,
        unit="USD/month",
        help="saving under the optimistic set, USD per month",
    ),
    ColumnSpec(
        "saving_pessimistic_usd_per_month",
        MONEY,
        decimals=2,
        unit="USD/month",
        help="saving under the pessimistic set, USD per month",
    ),
    ColumnSpec(
        "verdict_survives",
        TEXT,
        choices=("yes", "no", "not checked"),
        nullable=False,
        help="yes when the verdict is the same under both sets",
    ),
    ColumnSpec(
        "confidence",
        TEXT,
        choices=("high", "medium", "low"),
        nullable=False,
        help="high, medium or low: days of data and whether the verdict survives",
    ),
    ColumnSpec("caveats", TEXT, help="what the model does not see, in plain words"),
)

SPECS: dict[str, ColumnSpec] = {spec.name: spec for spec in COLUMN_SPECS}
COLUMNS: tuple[str, ...] = tuple(SPECS)
COLUMN_HELP: dict[str, str] = {spec.name: spec.help for spec in COLUMN_SPECS}
MONEY_COLUMNS = frozenset(spec.name for spec in COLUMN_SPECS if spec.kind == MONEY)
TEXT_COLUMNS = frozenset(spec.name for spec in COLUMN_SPECS if spec.is_text)
BOOL_COLUMNS = frozenset(spec.name for spec in COLUMN_SPECS if spec.kind == BOOL)


def function_item_schema() -> dict[str, Any]:
    """The JSON schema of one exported function (the `functions` items)."""
    return {
        "type": "object",
        "required": list(COLUMNS),
        "additionalProperties": False,
        "properties": {spec.name: spec.json_schema() for spec in COLUMN_SPECS},
    }
