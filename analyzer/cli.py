"""The `crossover` command line: a thin click layer over the library.

Errors raised by the library (CrossoverError) become one line on stderr and exit status 1;
`--format json` writes JSON to stdout and nothing else does.
"""

from __future__ import annotations

import importlib
import json
import logging
import sys
from collections.abc import Callable
from typing import Any

import click

from analyzer import __version__
from analyzer.core.analyze import Analysis, analyze
from analyzer.core.assumptions import DEFAULTS, Assumptions, from_mapping
from analyzer.core.pricebook import PriceBook
from analyzer.core.scenario import read_scenario, scenario_fleet
from analyzer.exceptions import CrossoverError, InputError
from analyzer.present.jsonout import analysis_json
from analyzer.present.table import analysis_table, cost_table

log = logging.getLogger(__name__)


class CrossoverGroup(click.Group):
    """Turns library errors into one clear line and a non-zero exit (no traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CrossoverError as exc:
            raise click.ClickException(str(exc)) from exc
        except KeyboardInterrupt:
            click.echo("interrupted: nothing half-written was kept", err=True)
            raise SystemExit(130) from None


@click.group(cls=CrossoverGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="crossover")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
def cli(verbose: int) -> None:
    """Crossover: has each Lambda function outgrown Lambda, and if not, when will it?

    \b
    Example:
      crossover analyze --demo
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )


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
    fn = click.option(
        "--set",
        "sets",
        multiple=True,
        metavar="KEY=VALUE",
        help="Override an assumption, e.g. --set min_instances=1 --set pricing_option=compute_sp_1y.",
    )(fn)
    fn = click.option(
        "--price-proxy",
        "proxies",
        multiple=True,
        metavar="REGION=REGION",
        help="Price EC2/Fargate/ALB of a region the price book lacks like another, e.g. eu-west-1=us-east-1.",
    )(fn)
    return click.option(
        "--assumptions",
        "assumptions_file",
        type=click.Path(dir_okay=False),
        default=None,
        help="JSON/YAML file of assumptions (the scenario file's `assumptions` object).",
    )(fn)


def _parse_value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def build_assumptions(
    sets: tuple[str, ...],
    proxies: tuple[str, ...],
    assumptions_file: str | None,
    base: Assumptions = DEFAULTS,
) -> Assumptions:
    a = base
    if assumptions_file:
        data = read_scenario(assumptions_file)
        a = from_mapping(data.get("assumptions", data), a)
    changes: dict[str, Any] = {}
    for item in sets:
        if "=" not in item:
            raise InputError("--set", item, "must be KEY=VALUE")
        k, v = item.split("=", 1)
        changes[k.strip()] = _parse_value(v.strip())
    if changes:
        a = from_mapping(changes, a, prefix="")
    if proxies:
        mapping = dict(a.price_region_proxy)
        for item in proxies:
            if "=" not in item:
                raise InputError("--price-proxy", item, "must be REGION=REGION")
            src, dst = (s.strip() for s in item.split("=", 1))
            mapping[src] = dst
        a = from_mapping({"price_region_proxy": mapping}, a, prefix="")
    return a


def load_pricebook(path: str | None, data_dir: str | None = None) -> PriceBook:
    """--pricebook > $CROSSOVER_PRICEBOOK > the data dir's refreshed book > the bundled one."""
    from analyzer.adapters.pricing_refresh import resolve_pricebook_path

    return PriceBook.load(resolve_pricebook_path(data_dir=data_dir, path=path))


def emit(analysis: Analysis, fmt: str, detail: bool) -> None:
    if fmt == "json":
        click.echo(json.dumps(analysis_json(analysis, detail), indent=2))
    elif detail:
        click.echo(analysis_table(analysis))
    else:
        click.echo(cost_table(analysis))


@cli.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@format_option
@pricebook_option
def cost(scenario: str, fmt: str, pricebook: str | None) -> None:
    """Price a scenario file's functions on Lambda and every provisioned option.

    \b
    Example:
      crossover cost examples/orders-api.json --format json
    """
    book = load_pricebook(pricebook)
    fleet, a = scenario_fleet(read_scenario(scenario), book)
    emit(analyze(fleet, book, a), fmt, detail=False)


def _source(name: str) -> Any:
    return importlib.import_module(name)


cli_data = _source("analyzer.cli_data")


@cli.command(name="analyze")
@cli_data.source_options
@format_option
@pricebook_option
@assumption_options
def analyze_cmd(
    fmt: str,
    pricebook: str | None,
    sets: tuple[str, ...],
    proxies: tuple[str, ...],
    assumptions_file: str | None,
    **source: Any,
) -> None:
    """Analyse a fleet: costs, crossover, verdict and forecast for every function.

    \b
    Examples:
      crossover analyze --demo
      crossover analyze --functions functions.csv --traffic traffic.csv --format json
      crossover analyze --aws --region us-east-1 --region eu-west-1
    """
    a = build_assumptions(sets, proxies, assumptions_file)
    book = load_pricebook(pricebook, source.get("data_dir"))
    fleet = cli_data.load_fleet(**source)
    emit(analyze(fleet, book, a), fmt, detail=True)


cli_data.register(cli)
for _mod in ("analyzer.cli_export", "analyzer.cli_report"):
    try:
        _source(_mod).register(cli)
    except ModuleNotFoundError as _exc:  # that feature is not installed in this build
        if _exc.name != _mod:
            raise


def main() -> None:
    cli(prog_name="crossover")
