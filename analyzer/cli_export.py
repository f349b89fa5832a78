"""`crossover export`: per-function migration recommendations as csv|json|md|html|xlsx."""

from __future__ import annotations

import logging
from typing import Any

import click

from analyzer.exceptions import InputError

log = logging.getLogger(__name__)

SORT_CHOICES = ("saving", "crossover", "spend", "name")
# Filters that a data-source option may already define (e.g. --region for --aws): then the
# source's value is used as the filter too, and no second option of that name is added.
FILTERS = (
    ("--account", "filter_accounts", "Only this account (id or name); repeatable."),
    ("--environment", "filter_environments", "Only this environment; repeatable."),
    ("--region", "filter_regions", "Only this region; repeatable."),
)


def register(cli: click.Group) -> None:
    """Add `export` to the top-level group."""
    from analyzer import cli_data
    from analyzer.cli import assumption_options, build_assumptions, load_pricebook, pricebook_option

    @click.command(name="export")
    @cli_data.source_options
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
    def export_cmd(
        fmt: str | None,
        out: str,
        verdicts: tuple[str, ...],
        sort: str,
        pricebook: str | None,
        sets: tuple[str, ...],
        proxies: tuple[str, ...],
        assumptions_file: str | None,
        **source: Any,
    ) -> None:
        """Write per-function migration recommendations, with the assumptions, prices and
        sensitivity checks behind every number.

        \b
        Examples:
          crossover export --demo --format html --out recommendations.html
          crossover export --demo --format csv --out recs.csv --environment prod --verdict outgrown
        """
        from analyzer.adapters.export import FORMATS, format_for_path, write
        from analyzer.present.recommendations import filter_recommendations, recommend_fleet

        chosen = fmt or format_for_path(out)
        if chosen is None:
            raise InputError(
                "--format",
                fmt,
                "give one of "
                + ", ".join(FORMATS)
                + " (or an --out file name with that extension)",
            )
        chosen = chosen.lower()
        if chosen not in FORMATS:
            raise InputError("--format", fmt, "must be one of " + ", ".join(FORMATS))
        filters: dict[str, tuple[str, ...]] = {}
        for opt, name, _ in FILTERS:
            dest = shared.get(opt)
            value = source.get(dest) if dest else source.pop(name, ())
            if isinstance(value, str):
                value = (value,)
            filters[name] = tuple(value or ())
        a = build_assumptions(sets, proxies, assumptions_file)
        book = load_pricebook(pricebook)
        fleet = cli_data.load_fleet(**source)
        recs = recommend_fleet(fleet, book, a)
        recs = filter_recommendations(
            recs,
            accounts=filters["filter_accounts"],
            environments=filters["filter_environments"],
            regions=filters["filter_regions"],
            verdicts=verdicts,
            sort=sort,
        )
        path = write(recs, chosen, out)
        s = recs.summary
        click.echo(
            f"wrote {path} ({chosen}): {s['functions']} functions, {s['outgrown']} outgrown, "
            f"{s['watch']} watch, {s['stay']} stay; saving ${s['saving_usd_per_month']:,.2f}/month "
            f"if every outgrown function moves",
            err=True,
        )

    existing = {o: p.name for p in export_cmd.params for o in p.opts}
    shared: dict[str, str | None] = {}
    for opt, name, help_text in FILTERS:
        if opt in existing:
            shared[opt] = existing[opt]
        else:
            export_cmd.params.append(click.Option([opt, name], multiple=True, help=help_text))
    cli.add_command(export_cmd)
