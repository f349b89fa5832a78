"""The option sets several commands share, as reusable decorators, and what turns their values
into library objects (`build_assumptions`; the price book is `resolve_pricebook`).

    format_option        --format table|json
    pricebook_option     --pricebook
    assumption_options   --assumptions, --price-proxy, --set
    data_dir_option      --data-dir
    aws_options          --profile ... --yes, --no-price-refresh, --data-dir (which AWS accounts and regions)
    source_options       --demo | --functions/--traffic | --aws | --store, plus aws_options
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from analyzer.core.assumptions import DEFAULTS, Assumptions, from_mapping
from analyzer.core.safe_load import parse_text
from analyzer.core.scenario import read_scenario
from analyzer.exceptions import InputError

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

#: every keyword argument the source options add (load_fleet consumes only these)
SOURCE_OPTION_NAMES = (
    "demo",
    "functions",
    "traffic",
    "aws",
    "store",
    "profile",
    "role_arn",
    "org_role",
    "region",
    "days",
    "endpoint_url",
    "env_config",
    "yes",
    "no_price_refresh",
    "data_dir",
)


def apply_options(fn: Callable[..., Any], options: list[Decorator]) -> Callable[..., Any]:
    """Apply option decorators so that they show in `--help` in the order listed."""
    for option in reversed(options):
        fn = option(fn)
    return fn


def format_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
        help="A human table, or JSON on stdout.",
    )(fn)


def pricebook_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--pricebook",
        type=click.Path(dir_okay=False),
        default=None,
        help="Price book JSON to use (default: refreshed book in the data dir, else the bundled one).",
    )(fn)


def assumption_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    return apply_options(
        fn,
        [
            click.option(
                "--assumptions",
                "assumptions_file",
                type=click.Path(dir_okay=False),
                default=None,
                help="JSON/YAML file of assumptions (the scenario file's `assumptions` object).",
            ),
            click.option(
                "--price-proxy",
                "proxies",
                multiple=True,
                metavar="REGION=REGION",
                help="Price EC2/Fargate/ALB of a region the price book lacks like another, e.g. eu-west-1=us-east-1.",
            ),
            click.option(
                "--set",
                "sets",
                multiple=True,
                metavar="KEY=VALUE",
                help="Override an assumption, e.g. --set min_instances=1 --set pricing_option=compute_sp_1y.",
            ),
        ],
    )


def data_dir_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False),
        default=None,
        envvar="CROSSOVER_DATA_DIR",
        help="Where the store and refreshed price books live: a directory, or "
        "s3://bucket/prefix for the store in S3 "
        "[env CROSSOVER_DATA_DIR; default: the platform's user data dir].",
    )(fn)


def aws_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The options that say which AWS accounts and regions to read."""
    return apply_options(
        fn,
        [
            click.option(
                "--profile", default=None, help="AWS profile for the starting credentials."
            ),
            click.option(
                "--role-arn",
                multiple=True,
                metavar="ARN",
                help="Assume this role (repeatable: one per account).",
            ),
            click.option(
                "--org-role",
                default=None,
                metavar="NAME",
                help="Assume this role name in every account of the Organization.",
            ),
            click.option(
                "--region",
                multiple=True,
                metavar="REGION",
                help="Region to read (repeatable; default: every enabled region).",
            ),
            click.option(
                "--days",
                type=click.IntRange(1, 455),
                default=30,
                show_default=True,
                help="Days of hourly metrics to analyse.",
            ),
            click.option(
                "--endpoint-url",
                default=None,
                envvar="AWS_ENDPOINT_URL",
                help="Send AWS calls to this endpoint (a local emulator) [env AWS_ENDPOINT_URL].",
            ),
            click.option(
                "--env-config",
                type=click.Path(exists=True, dir_okay=False),
                default=None,
                help="YAML/JSON mapping account id -> environment (or {environment, name}).",
            ),
            click.option(
                "--yes",
                "-y",
                is_flag=True,
                help="Do not ask before paying for GetMetricData calls.",
            ),
            click.option(
                "--no-price-refresh",
                is_flag=True,
                help="Do not read the prices of collected regions the price book lacks from "
                "the AWS Pricing API.",
            ),
            data_dir_option,
        ],
    )


def source_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The options that choose a data source (--demo, CSV, --aws, --store); see `load_fleet`."""
    return apply_options(
        fn,
        [
            click.option("--demo", is_flag=True, help="Use the bundled demo fleet (the default)."),
            click.option(
                "--functions",
                type=click.Path(exists=True, dir_okay=False),
                default=None,
                help="Functions CSV (with --traffic).",
            ),
            click.option(
                "--traffic",
                type=click.Path(exists=True, dir_okay=False),
                default=None,
                help="Hourly or daily traffic CSV (with --functions).",
            ),
            click.option(
                "--aws", is_flag=True, help="Collect live from AWS into the store, then use it."
            ),
            click.option(
                "--store", is_flag=True, help="Use what the local store holds (no AWS calls)."
            ),
            aws_options,
        ],
    )


# -- option values -> library objects ------------------------------------------------------------
def _parse_value(raw: str, item: str) -> Any:
    """A --set value: JSON when it parses (numbers, lists, objects), else the text itself."""
    try:
        json.loads(raw, parse_constant=lambda c: c)
    except (json.JSONDecodeError, ValueError, RecursionError):
        return raw
    return parse_text(raw, "json", "--set", item if len(item) <= 80 else item[:60] + "...")


def _region_proxies(proxies: tuple[str, ...], base: Assumptions) -> dict[str, str]:
    mapping = dict(base.price_region_proxy)
    for item in proxies:
        if "=" not in item:
            raise InputError("--price-proxy", item, "must be REGION=REGION")
        source_region, priced_like = (part.strip() for part in item.split("=", 1))
        mapping[source_region] = priced_like
    return mapping


def build_assumptions(
    sets: tuple[str, ...],
    proxies: tuple[str, ...],
    assumptions_file: str | None,
    base: Assumptions = DEFAULTS,
) -> Assumptions:
    """`base`, then the --assumptions file, then each --set, then each --price-proxy."""
    assumptions = base
    if assumptions_file:
        data = read_scenario(assumptions_file, "--assumptions")
        assumptions = from_mapping(data.get("assumptions", data), assumptions)
    changes: dict[str, Any] = {}
    for item in sets:
        if "=" not in item:
            raise InputError("--set", item, "must be KEY=VALUE")
        key, value = item.split("=", 1)
        changes[key.strip()] = _parse_value(value.strip(), item)
    if changes:
        assumptions = from_mapping(changes, assumptions, prefix="")
    if proxies:
        assumptions = from_mapping(
            {"price_region_proxy": _region_proxies(proxies, assumptions)}, assumptions, prefix=""
        )
    return assumptions
