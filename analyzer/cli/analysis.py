"""`crossover cost` (price a scenario file) and `crossover analyze` (a whole fleet)."""

from __future__ import annotations

from typing import Any

import click

from analyzer.adapters.pricebooks import resolve_pricebook
from analyzer.cli.options import (
    assumption_options,
    build_assumptions,
    format_option,
    pricebook_option,
    source_options,
)
from analyzer.cli.sources import load_fleet
from analyzer.core.analyze import Analysis, analyze
from analyzer.core.scenario import read_scenario, scenario_fleet
from analyzer.present.jsonout import analysis_json, json_text
from analyzer.present.table import analysis_table, cost_table


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
def cost(scenario: str, fmt: str, pricebook: str | None) -> None:
    """Price a scenario file's functions on Lambda and every provisioned option.

    \b
    Example:
      crossover cost examples/orders-api.json --format json
    """
    book = resolve_pricebook(pricebook)
    fleet, assumptions = scenario_fleet(read_scenario(scenario), book)
    emit(analyze(fleet, book, assumptions), fmt, detail=False)


@click.command(name="analyze")
@source_options
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
    assumptions = build_assumptions(sets, proxies, assumptions_file)
    book = resolve_pricebook(pricebook, source.get("data_dir"))
    fleet = load_fleet(**source)
    emit(analyze(fleet, book, assumptions), fmt, detail=True)
