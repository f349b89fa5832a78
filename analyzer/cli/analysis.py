"""`crossover cost` (price a scenario file) and `crossover analyze` (a whole fleet)."""

from __future__ import annotations

from typing import Any

import click

from analyzer.adapters.pricebooks import resolve_pricebook, stale_warning
from analyzer.cli.options import (
    assumption_options,
    build_assumptions,
    data_dir_option,
    format_option,
    pricebook_option,
    source_options,
)
from analyzer.cli.sources import (
    analysis_fleet,
    exit_if_partial,
    note_commitment_rates,
    priced_book,
)
from analyzer.core.analyze import Analysis, analyze
from analyzer.core.pricebook import PriceBook
from analyzer.core.scenario import read_scenario, scenario_fleet
from analyzer.present.jsonout import analysis_json, json_text
from analyzer.present.table import analysis_table, cost_table


def warn_if_stale(book: PriceBook) -> None:
    """One line on stderr when the book is older than 90 days."""
    line = stale_warning(book)
    if line:
        click.echo(line, err=True)


def emit(analysis: Analysis, fmt: str, detail: bool) -> None:
    """JSON on stdout, or the detailed (analyze) or short (cost) table."""
    if fmt == "json":
        click.echo(json_text(analysis_json(analysis, detail)))
    elif detail:
        click.echo(analysis_table(analysis))
    else:
        click.echo(cost_table(analysis))


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@format_option
@pricebook_option
@click.option(
    "--price-proxy",
    "proxies",
    multiple=True,
    metavar="REGION=REGION",
    help="Price EC2/Fargate/ALB of a region the price book lacks like another, e.g. eu-west-1=us-east-1.",
)
@data_dir_option
def cost(
    scenario: str, fmt: str, pricebook: str | None, proxies: tuple[str, ...], data_dir: str | None
) -> None:
    """Price a scenario file's functions on Lambda and every provisioned option.

    \b
    Examples:
      crossover cost examples/orders-api.json --format json
      crossover cost my-dublin-api.json --price-proxy eu-west-1=us-east-1
    """
    book = resolve_pricebook(pricebook, data_dir)
    warn_if_stale(book)
    fleet, assumptions = scenario_fleet(read_scenario(scenario), book)
    if proxies:
        assumptions = build_assumptions((), proxies, None, base=assumptions)
    note_commitment_rates(fleet, book, assumptions)
    emit(analyze(fleet, book, assumptions), fmt, detail=False)


@click.command(name="analyze")
@source_options
@format_option
@pricebook_option
@assumption_options
@click.option(
    "--dask",
    "dask_address",
    metavar="SCHEDULER|local:N",
    help="Price the functions on a Dask cluster: a scheduler address (tcp://host:8786; its "
    "workers must reach the same store: a shared directory or s3://) or local:N for N local "
    "worker processes. Same results.",
)
def analyze_cmd(
    fmt: str,
    pricebook: str | None,
    sets: tuple[str, ...],
    proxies: tuple[str, ...],
    assumptions_file: str | None,
    dask_address: str | None = None,
    **source: Any,
) -> None:
    """Analyse a fleet: costs, crossover, verdict and forecast for every function.

    \b
    Examples:
      crossover analyze --demo
      crossover analyze --functions functions.csv --traffic traffic.csv --format json
      crossover analyze --aws --region us-east-1 --region eu-west-1
      crossover analyze --store --dask local:2

    Exit status: 0, 1 on bad input, 4 with --aws when some account/region failed (the output
    covers the rest).
    """
    assumptions = build_assumptions(sets, proxies, assumptions_file)
    fleet = analysis_fleet(**source)
    book = priced_book(fleet, source, pricebook, assumptions.price_region_proxy)
    warn_if_stale(book)
    note_commitment_rates(fleet, book, assumptions)
    if dask_address is not None:
        from analyzer.adapters.dask_run import dask_runner

        with dask_runner(dask_address) as runner:
            analysis = analyze(fleet, book, assumptions, runner=runner)
    else:
        analysis = analyze(fleet, book, assumptions)
    emit(analysis, fmt, detail=True)
    if source.get("aws"):
        exit_if_partial(fleet)  # after the output: the analysis of what was collected stands
