"""The data source the source options ask for -> a FleetData (`load_fleet`), and collecting from
AWS with progress and a cost prompt on stderr (`collect_from_aws`, also used by the Lambda handler).

Sources (one at a time): --demo (the default), --functions F.csv --traffic T.csv, --aws
(collect live into the store, then analyse), --store (analyse what the store holds).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import click

from analyzer.cli.options import SOURCE_OPTION_NAMES
from analyzer.core.fleet import Fleet, FleetData
from analyzer.core.pricebook import PriceBook
from analyzer.exceptions import CollectionError, CrossoverError
from analyzer.present.terminal import terminal_safe

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
            click.echo(f"  also: {terminal_safe(line)}", err=True)
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
    from analyzer.adapters.aws.session import (
        base_session,
        discover_accounts,
        load_env_config,
        resolve_endpoint,
    )
    from analyzer.adapters.store import Store
    from analyzer.adapters.store_lock import store_lock

    resolve_endpoint(opts.get("endpoint_url"))  # an empty or malformed endpoint stops here
    store = Store(opts.get("data_dir"), opts.get("endpoint_url"))
    session = base_session(opts.get("profile"))
    accounts, failures = discover_accounts(
        session,
        role_arns=list(opts.get("role_arn") or ()),
        org_role=opts.get("org_role"),
        env_map=load_env_config(opts.get("env_config")),
        endpoint_url=opts.get("endpoint_url"),
    )
    for failure in failures:
        click.echo(
            terminal_safe(
                f"warning: {failure['account_id']} {failure['stage']}: {failure['error']}"
            ),
            err=True,
        )
    if not accounts:
        raise CollectionError("no AWS account could be read (see the warnings above)")
    with store_lock(store.root, waiting=lambda m: click.echo(m, err=True)):
        fleet = collect_fleet(
            accounts,
            list(opts.get("region") or ()) or None,
            days=int(opts.get("days") or 30),
            store=store,
            confirm=_confirm(bool(opts.get("yes"))),
            progress=_progress,
            failures=failures,
        )
    for failure in fleet.meta.get("failures", [])[len(failures) :]:
        click.echo(
            terminal_safe(
                f"warning: {failure['account_id']}/{failure['region']} {failure['stage']}: "
                f"{failure['error']}"
            ),
            err=True,
        )
    if fleet.functions.empty and fleet.meta.get("failures"):
        raise CollectionError(
            f"nothing collected: {len(fleet.meta['failures'])} account/region failures, first: "
            f"{fleet.meta['failures'][0]['error']}"
        )
    return fleet


def priced_book(
    fleet: Fleet,
    opts: Mapping[str, Any],
    pricebook: str | None = None,
    proxied: Mapping[str, str] | None = None,
) -> PriceBook:
    """The price book to analyse `fleet` with: the one in use, after reading from the Pricing
    API the collected regions it lacks (an --aws fleet only; not with --no-price-refresh, nor
    when a book is pinned by --pricebook or $CROSSOVER_PRICEBOOK). Regions priced by a proxy
    are left alone. Progress is one line per region on stderr; the note goes to the result."""
    from analyzer.adapters.pricebooks import describe_in_use, resolve_pricebook

    data_dir = opts.get("data_dir")
    book = resolve_pricebook(pricebook, data_dir)
    pinned = describe_in_use(data_dir, pricebook)["chosen_by"] not in (
        "refreshed (data directory)",
        "bundled snapshot",
    )
    if not opts.get("aws") or opts.get("no_price_refresh") or pinned or fleet.functions.empty:
        return book
    from analyzer.adapters.aws.session import base_session
    from analyzer.adapters.pricing_auto import refresh_missing
    from analyzer.adapters.pricing_products import pricing_client

    done = refresh_missing(
        book,
        fleet.functions["region"].unique(),
        client_factory=lambda: pricing_client(
            base_session(opts.get("profile")), opts.get("endpoint_url")
        ),
        data_dir=data_dir,
        proxied={**fleet.meta.get("price_region_proxy", {}), **(proxied or {})},
        progress=lambda line: click.echo(line, err=True),
    )
    fleet.meta["notes"] = [*fleet.meta.get("notes", []), *done.notes]
    return done.book


def note_commitment_rates(fleet: Fleet, book: PriceBook, assumptions: Any) -> None:
    """Add to the result's notes which regions' Savings Plans / Spot discounts are AWS's real
    rates from the price book (the rest use the typical assumptions)."""
    from analyzer.core.commitments import rates_used

    if fleet.functions.empty:
        return
    proxy = {**fleet.meta.get("price_region_proxy", {}), **assumptions.price_region_proxy}
    regions = {proxy.get(r, r) for r in fleet.functions["region"].unique()}
    fleet.meta["notes"] = [*fleet.meta.get("notes", []), *rates_used(book, regions, assumptions)]


PARTIAL_FAILURE_EXIT = 4  # some account/region failed; the rest was collected and used


def exit_if_partial(fleet: Fleet) -> None:
    """Exit with PARTIAL_FAILURE_EXIT (after the output) when AWS collection had failures."""
    failures = fleet.meta.get("failures") or []
    if failures:
        click.echo(
            f"partial: {len(failures)} account/region(s) failed (exit status "
            f"{PARTIAL_FAILURE_EXIT})",
            err=True,
        )
        raise SystemExit(PARTIAL_FAILURE_EXIT)


def _chosen_sources(options: dict[str, Any]) -> list[str]:
    return [
        name
        for name, on in (
            ("--demo", options["demo"]),
            ("--functions/--traffic", options["functions"] or options["traffic"]),
            ("--aws", options["aws"]),
            ("--store", options["store"]),
        )
        if on
    ]


def _fleet_from(options: dict[str, Any]) -> FleetData | None:
    """The fleet of the one source chosen, or None for the default (the demo fleet)."""
    chosen = _chosen_sources(options)
    if len(chosen) > 1:
        raise click.UsageError(f"choose one data source, not {' and '.join(chosen)}")
    if options["functions"] or options["traffic"]:
        if not (options["functions"] and options["traffic"]):
            raise click.UsageError("--functions and --traffic go together")
        from analyzer.adapters.csv_import import import_csv

        return import_csv(options["functions"], options["traffic"])
    if options["aws"]:
        return collect_from_aws(options)
    if options["store"]:
        from analyzer.adapters.store import Store

        return Store(options["data_dir"], options["endpoint_url"]).load_fleet()
    return None


def analysis_fleet(**opts: Any) -> Fleet:
    """The fleet to analyse: as `load_fleet`, except that --store is read block by block while
    it is analysed (`StoredFleet`: memory follows a block of functions, not the store)."""
    options = {name: opts.get(name) for name in SOURCE_OPTION_NAMES}
    if options["store"] and _chosen_sources(options) == ["--store"]:
        from analyzer.adapters.store import Store

        try:
            return Store(options["data_dir"], options["endpoint_url"]).open_fleet()
        except CrossoverError as exc:
            raise click.ClickException(str(exc)) from exc
    return load_fleet(**opts)


def load_fleet(**opts: Any) -> FleetData:
    """Build the FleetData the source options ask for (ignores options that are not its own)."""
    options = {name: opts.get(name) for name in SOURCE_OPTION_NAMES}
    try:
        fleet = _fleet_from(options)
    except CrossoverError as exc:
        errors = getattr(exc, "errors", None)
        if errors and len(errors) > 1:
            lines = exc.lines()  # type: ignore[attr-defined]
            raise ImportFailed(
                str(exc), lines[1:MAX_ERRORS_SHOWN], max(0, len(lines) - MAX_ERRORS_SHOWN)
            ) from exc
        raise click.ClickException(str(exc)) from exc
    if fleet is not None:
        return fleet
    from analyzer.core.demo import demo_fleet

    return demo_fleet()
