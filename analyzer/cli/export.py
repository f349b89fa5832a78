"""`crossover export`: per-function migration recommendations as csv|json|md|html|xlsx."""

from __future__ import annotations

from typing import Any

import click

from analyzer.cli.options import (
    assumption_options,
    build_assumptions,
    pricebook_option,
    source_options,
)
from analyzer.cli.sources import analysis_fleet, note_commitment_rates, priced_book
from analyzer.exceptions import InputError

SORT_CHOICES = ("saving", "crossover", "spend", "name")


def _export_format(fmt: str | None, out: str) -> str:
    """--format, else the --out file's extension; refused unless it is a known format."""
    from analyzer.adapters.export import FORMATS, format_for_path

    chosen = fmt or format_for_path(out)
    if chosen is None:
        raise InputError(
            "--format",
            fmt,
            "give one of " + ", ".join(FORMATS) + " (or an --out file name with that extension)",
        )
    chosen = chosen.lower()
    if chosen not in FORMATS:
        raise InputError("--format", fmt, "must be one of " + ", ".join(FORMATS))
    return chosen


@click.command(name="export")
@source_options
@click.option(
    "--format",
    "fmt",
    default=None,
    metavar="csv|json|md|html|xlsx",
    help="Export format (default: from the --out extension).",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False),
    help="File to write (written atomically).",
)
@click.option(
    "--verdict",
    "verdicts",
    multiple=True,
    metavar="outgrown|watch|stay",
    help="Only functions with this verdict; repeatable.",
)
@click.option(
    "--sort",
    type=click.Choice(SORT_CHOICES),
    default="saving",
    show_default=True,
    help="Order of the functions.",
)
@pricebook_option
@assumption_options
# --region (a source option) is also the region filter; these two filter only
@click.option(
    "--account",
    "filter_accounts",
    multiple=True,
    help="Only this account (id or name); repeatable.",
)
@click.option(
    "--environment",
    "filter_environments",
    multiple=True,
    help="Only this environment; repeatable.",
)
def export_cmd(
    fmt: str | None,
    out: str,
    verdicts: tuple[str, ...],
    sort: str,
    pricebook: str | None,
    sets: tuple[str, ...],
    proxies: tuple[str, ...],
    assumptions_file: str | None,
    filter_accounts: tuple[str, ...],
    filter_environments: tuple[str, ...],
    **source: Any,
) -> None:
    """Write per-function migration recommendations, with the assumptions, prices and
    sensitivity checks behind every number.

    \b
    Examples:
      crossover export --demo --format html --out recommendations.html
      crossover export --demo --format csv --out recs.csv --environment prod --verdict outgrown
    """
    from analyzer.adapters.export import write
    from analyzer.present.recommendations import filter_recommendations, recommend_fleet

    chosen = _export_format(fmt, out)
    assumptions = build_assumptions(sets, proxies, assumptions_file)
    fleet = analysis_fleet(**source)
    book = priced_book(fleet, source, pricebook, assumptions.price_region_proxy)
    note_commitment_rates(fleet, book, assumptions)
    recommendations = filter_recommendations(
        recommend_fleet(fleet, book, assumptions),
        accounts=filter_accounts,
        environments=filter_environments,
        regions=tuple(source.get("region") or ()),
        verdicts=verdicts,
        sort=sort,
    )
    path = write(recommendations, chosen, out)
    summary = recommendations.summary
    click.echo(
        f"wrote {path} ({chosen}): {summary['functions']} functions, {summary['outgrown']} "
        f"outgrown, {summary['watch']} watch, {summary['stay']} stay; Move saves "
        f"${summary['saving_usd_per_month']:,.2f}/month if every outgrown function moves, Tune "
        f"${summary['tune_usd_per_month']:,.2f}/month",
        err=True,
    )
