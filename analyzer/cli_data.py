"""Data-source options shared by `analyze`, `export` and `report`, plus the data commands
(`collect`, `prices show|refresh`). `load_fleet()` turns the options into a FleetData.

Sources (one at a time): --demo (the default), --functions F.csv --traffic T.csv, --aws
(collect live into the store, then analyse), --store (analyse what the store holds).
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from analyzer.core.fleet import FleetData
from analyzer.exceptions import CollectionError, CrossoverError

log = logging.getLogger(__name__)

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
    "data_dir",
)


def data_dir_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False),
        default=None,
        envvar="CROSSOVER_DATA_DIR",
        help="Where the local store and refreshed price books live "
        "[env CROSSOVER_DATA_DIR; default: the platform's user data dir].",
    )(fn)


def aws_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The options that say which AWS accounts and regions to read."""
    options: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = [
        click.option("--profile", default=None, help="AWS profile for the starting credentials."),
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
            "--yes", "-y", is_flag=True, help="Do not ask before paying for GetMetricData calls."
        ),
        data_dir_option,
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def source_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator: the options that choose a data source (--demo, CSV, --aws, --store)."""

    @click.option("--demo", is_flag=True, help="Use the bundled demo fleet (the default).")
    @click.option(
        "--functions",
        type=click.Path(exists=True, dir_okay=False),
        default=None,
        help="Functions CSV (with --traffic).",
    )
    @click.option(
        "--traffic",
        type=click.Path(exists=True, dir_okay=False),
        default=None,
        help="Hourly or daily traffic CSV (with --functions).",
    )
    @click.option("--aws", is_flag=True, help="Collect live from AWS into the store, then use it.")
    @click.option("--store", is_flag=True, help="Use what the local store holds (no AWS calls).")
    @aws_options
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    return wrapper


MAX_ERRORS_SHOWN = 5


class ImportFailed(click.ClickException):
    """A CSV import failed: the first error line, then a few more rows, then a count."""

    def __init__(self, message: str, more: list[str], hidden: int) -> None:
        super().__init__(message)
        self.more = more
        self.hidden = hidden

    def show(self, file: Any = None) -> None:
        super().show(file)
        for line in self.more:
            click.echo(f"  also: {line}", err=True)
        if self.hidden:
            click.echo(f"  ... and {self.hidden} more", err=True)


def _progress(event: Any) -> None:
    if event.stage == "done":
        click.echo(
            f"collected: {event.functions} functions, {event.calls} GetMetricData calls", err=True
        )
    else:
        click.echo(
            f"{event.stage}: {event.pairs_done}/{event.pairs_total} account-regions, "
            f"{event.functions} functions, {event.calls} GetMetricData calls",
            err=True,
        )


def _confirm(yes: bool) -> Callable[[Any], bool]:
    def ask(plan: Any) -> bool:
        click.echo(f"plan: {plan.describe()}", err=True)
        if yes or plan.calls == 0:
            return True
        try:
            return click.confirm("Fetch the metrics?", default=True, err=True)
        except click.Abort:
            return False

    return ask


def collect_from_aws(opts: dict[str, Any]) -> FleetData:
    """Discover accounts, collect into the store, and return the collected window's fleet."""
    from analyzer.adapters.aws.collect import collect_fleet
    from analyzer.adapters.aws.session import base_session, discover_accounts, load_env_config
    from analyzer.adapters.store import Store

    store = Store(opts.get("data_dir"))
    session = base_session(opts.get("profile"))
    accounts, failures = discover_accounts(
        session,
        role_arns=list(opts.get("role_arn") or ()),
        org_role=opts.get("org_role"),
        env_map=load_env_config(opts.get("env_config")),
        endpoint_url=opts.get("endpoint_url"),
    )
    for f in failures:
        click.echo(f"warning: {f['account_id']} {f['stage']}: {f['error']}", err=True)
    if not accounts:
        raise CollectionError("no AWS account could be read (see the warnings above)")
    fleet = collect_fleet(
        accounts,
        list(opts.get("region") or ()) or None,
        days=int(opts.get("days") or 30),
        store=store,
        confirm=_confirm(bool(opts.get("yes"))),
        progress=_progress,
        failures=failures,
    )
    for f in fleet.meta.get("failures", [])[len(failures) :]:
        click.echo(f"warning: {f['account_id']}/{f['region']} {f['stage']}: {f['error']}", err=True)
    if fleet.functions.empty and fleet.meta.get("failures"):
        raise CollectionError(
            f"nothing collected: {len(fleet.meta['failures'])} account/region failures, first: "
            f"{fleet.meta['failures'][0]['error']}"
        )
    return fleet


def load_fleet(**opts: Any) -> FleetData:
    """Build the FleetData the source options ask for (ignores options that are not its own)."""
    mine = {k: opts.get(k) for k in SOURCE_OPTION_NAMES}
    chosen = [
        name
        for name, on in (
            ("--demo", mine["demo"]),
            ("--functions/--traffic", mine["functions"] or mine["traffic"]),
            ("--aws", mine["aws"]),
            ("--store", mine["store"]),
        )
        if on
    ]
    try:
        if len(chosen) > 1:
            raise click.UsageError(f"choose one data source, not {' and '.join(chosen)}")
        if mine["functions"] or mine["traffic"]:
            if not (mine["functions"] and mine["traffic"]):
                raise click.UsageError("--functions and --traffic go together")
            from analyzer.adapters.csv_import import import_csv

            return import_csv(mine["functions"], mine["traffic"])
        if mine["aws"]:
            return collect_from_aws(mine)
        if mine["store"]:
            from analyzer.adapters.store import Store

            return Store(mine["data_dir"]).load_fleet()
    except CrossoverError as exc:
        errors = getattr(exc, "errors", None)
        if errors and len(errors) > 1:
            lines = exc.lines()  # type: ignore[attr-defined]
            raise ImportFailed(
                str(exc), lines[1:MAX_ERRORS_SHOWN], max(0, len(lines) - MAX_ERRORS_SHOWN)
            ) from exc
        raise click.ClickException(str(exc)) from exc
    from analyzer.core.demo import demo_fleet

    return demo_fleet()


# -- commands -----------------------------------------------------------------------------------
@click.command()
@aws_options
def collect(**opts: Any) -> None:
    """Collect functions and hourly metrics from AWS into the local store (no analysis).

    Shows what GetMetricData will cost and asks first (--yes skips). A second run fetches only
    the hours the store lacks.

    \b
    Example:
      crossover collect --org-role crossover-readonly --region us-east-1 --days 30 --yes
    """
    try:
        fleet = collect_from_aws(opts)
    except CrossoverError as exc:
        raise click.ClickException(str(exc)) from exc
    from analyzer.adapters.store import Store

    failures = fleet.meta.get("failures", [])
    click.echo(
        f"stored {len(fleet.functions)} functions, {len(fleet.traffic)} function-hours from "
        f"{fleet.start:%Y-%m-%d %H:%M} to {fleet.end:%Y-%m-%d %H:%M} UTC in "
        f"{Store(opts.get('data_dir')).root} ({len(failures)} failures)"
    )


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
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@data_dir_option
def prices_show(pricebook: str | None, fmt: str, data_dir: str | None) -> None:
    """Say which price book is in use (bundled or refreshed), its date and its sources.

    Order: --pricebook > $CROSSOVER_PRICEBOOK > the data dir's refreshed book > bundled.

    \b
    Example:
      crossover prices show
    """
    from analyzer.adapters.pricing_refresh import describe_in_use
    from analyzer.core.pricebook import PriceBook

    try:
        which = describe_in_use(data_dir, pricebook)
        book = PriceBook.load(which["path"])
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
    if fmt == "json":
        click.echo(json.dumps(info, indent=2))
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
    for key, s in sorted(book.sources.items()):
        click.echo(f"  {key}: {s.get('title', '')} ({s.get('date', '')})")


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
    from analyzer.adapters.pricing_refresh import (
        describe_in_use,
        pricing_client,
        refresh,
        save,
    )

    try:
        base = json.loads(Path(describe_in_use(data_dir)["path"]).read_text(encoding="utf-8"))
        client = pricing_client(base_session(profile), endpoint_url)
        doc = refresh(list(region), client, base=base, progress=lambda m: click.echo(m, err=True))
        path = save(doc, data_dir)
    except CrossoverError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"cannot read or write the price book: {exc}") from exc
    click.echo(f"price book {doc['as_of']} ({', '.join(region)}) written to {path}; now in use")


def register(cli: click.Group) -> None:
    """Add the data commands (collect, prices) to the top-level group."""
    cli.add_command(collect)
    cli.add_command(prices)
