"""The data commands: `crossover collect` (AWS -> the local store) and `crossover prices show|
refresh` (the price book in use, and rebuilding it from the AWS Pricing API)."""

from __future__ import annotations

import json
from typing import Any

import click

from analyzer.adapters.pricebooks import describe_in_use, resolve_pricebook
from analyzer.cli.options import aws_options, data_dir_option
from analyzer.cli.sources import collect_from_aws, exit_if_partial, priced_book
from analyzer.exceptions import CrossoverError, PriceBookError


@click.command()
@aws_options
def collect(**opts: Any) -> None:
    """Collect functions and hourly metrics from AWS into the local store (no analysis).

    Shows what GetMetricData will cost and asks first (--yes skips). A second run fetches only
    the hours the store lacks. Exit status 0 when everything was collected, 4 when some
    account/region failed (the rest is stored; the failures are listed), 1 on bad input or
    when nothing could be collected.

    \b
    Example:
      crossover collect --org-role crossover-readonly --region us-east-1 --days 30 --yes
    """
    try:
        fleet = collect_from_aws(opts)
    except CrossoverError as exc:
        raise click.ClickException(str(exc)) from exc
    try:  # the collection is kept even when its prices cannot be read
        priced_book(fleet, {**opts, "aws": True})
    except PriceBookError as exc:
        click.echo(f"warning: {exc}", err=True)
    from analyzer.adapters.store import Store

    failures = fleet.meta.get("failures", [])
    click.echo(
        f"stored {len(fleet.functions)} functions, {len(fleet.traffic)} function-hours from "
        f"{fleet.start:%Y-%m-%d %H:%M} to {fleet.end:%Y-%m-%d %H:%M} UTC in "
        f"{Store(opts.get('data_dir'), opts.get('endpoint_url')).root} ({len(failures)} failures)"
    )
    exit_if_partial(fleet)


@click.group()
def prices() -> None:
    """The price book in use, and refreshing it from the AWS Pricing API."""


@prices.command("show")
@click.option(
    "--pricebook",
    type=click.Path(dir_okay=False),
    default=None,
    help="Show this price book instead of the one in use.",
)
@click.option(
    "--region",
    "show_regions",
    multiple=True,
    metavar="REGION",
    help="Also list what the book holds for this region, with sources and dates (repeatable).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@data_dir_option
def prices_show(
    pricebook: str | None, show_regions: tuple[str, ...], fmt: str, data_dir: str | None
) -> None:
    """Say which price book is in use (bundled or refreshed), its date and its sources.

    Order: --pricebook > $CROSSOVER_PRICEBOOK > the data dir's refreshed book > bundled.

    \b
    Examples:
      crossover prices show
      crossover prices show --region eu-west-1
    """
    from analyzer.adapters.pricebook_show import region_rows

    try:
        which = describe_in_use(data_dir, pricebook)
        book = resolve_pricebook(pricebook, data_dir)
    except CrossoverError as exc:
        raise click.ClickException(str(exc)) from exc
    info = {
        **which,
        "as_of": book.as_of,
        "origin": book.origin,
        "source": book.source,
        "regions": book.regions("lambda"),
        "sources": book.sources,
    }
    detail = {region: region_rows(book, region) for region in show_regions}
    if detail:
        info["region_prices"] = detail
    if fmt == "json":
        click.echo(json.dumps(info, indent=2, allow_nan=False))
        return
    click.echo(f"price book: {which['path']}")
    click.echo(f"chosen by:  {which['chosen_by']}")
    click.echo(f"as of:      {book.as_of} ({book.origin})")
    click.echo(f"source:     {book.source}")
    click.echo(
        f"regions:    Lambda {len(book.regions('lambda'))}, EC2 "
        f"{', '.join(book.regions('ec2'))}, Fargate {', '.join(book.regions('fargate'))}"
    )
    click.echo("sources:")
    for key, source in sorted(book.sources.items()):
        click.echo(f"  {key}: {source.get('title', '')} ({source.get('date', '')})")
    for region, rows in detail.items():
        click.echo(f"{region}:")
        width = max(len(r["what"]) for r in rows)
        for r in rows:
            origin = f"  [{r['source']}, {r['date']}]" if r["source"] else ""
            click.echo(f"  {r['what'].ljust(width)}  {r['value']}{origin}")


@prices.command("refresh")
@click.option(
    "--region", multiple=True, required=True, metavar="REGION", help="Region to price (repeatable)."
)
@click.option("--profile", default=None, help="AWS profile (needs pricing:GetProducts).")
@click.option("--endpoint-url", default=None, help="Pricing API endpoint override.")
@data_dir_option
def prices_refresh(
    region: tuple[str, ...], profile: str | None, endpoint_url: str | None, data_dir: str | None
) -> None:
    """Rebuild the price book from the AWS Pricing API (GetProducts) for the regions asked.

    Other regions keep the prices of the book in use. The new book is validated before it
    replaces the one in use; the previous book stays in the data directory.

    \b
    Example:
      crossover prices refresh --region us-east-1 --region eu-west-1
    """
    from analyzer.adapters.aws.session import base_session
    from analyzer.adapters.pricebooks import save
    from analyzer.adapters.pricing_commitments import commitment_reader
    from analyzer.adapters.pricing_products import pricing_client
    from analyzer.adapters.pricing_refresh import refresh

    try:
        base = resolve_pricebook(data_dir=data_dir).doc
        client = pricing_client(base_session(profile), endpoint_url)
        doc = refresh(
            list(region),
            client,
            base=base,
            progress=lambda m: click.echo(m, err=True),
            commitments=commitment_reader(base_session(profile), endpoint_url),
        )
        path = save(doc, data_dir)
    except CrossoverError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"cannot read or write the price book: {exc}") from exc
    click.echo(f"price book {doc['as_of']} ({', '.join(region)}) written to {path}; now in use")
