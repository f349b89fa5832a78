"""`crossover report` (build and send one e-mail report) and `crossover schedule` (send it on a
cron schedule). Thin click layer over analyzer.adapters.email and analyzer.adapters.schedule.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from analyzer.adapters.pricebooks import resolve_pricebook
from analyzer.adapters.report_config import ATTACH_FORMATS, ReportConfig, load_config
from analyzer.cli.options import (
    SOURCE_OPTION_NAMES,
    Decorator,
    apply_options,
    assumption_options,
    build_assumptions,
    pricebook_option,
    source_options,
)
from analyzer.cli.sources import analysis_fleet, note_commitment_rates, priced_book
from analyzer.core.assumptions import DEFAULTS, Assumptions, from_mapping
from analyzer.core.fleet import Fleet
from analyzer.core.pricebook import PriceBook
from analyzer.exceptions import InputError

log = logging.getLogger(__name__)

# report option name -> ReportConfig field
_FIELD = {
    "to": "to",
    "sender": "sender",
    "subject": "subject",
    "attach": "attach",
    "top": "top",
    "smtp_host": "smtp_host",
    "smtp_port": "smtp_port",
    "smtp_user": "smtp_user",
    "smtp_password_file": "smtp_password_file",
    "ses": "ses",
    "ses_region": "ses_region",
    "dry_run": "dry_run",
    "out": "out",
}


def report_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Every option of `crossover report` (also taken by `crossover schedule`)."""
    options: list[Decorator] = [
        click.option(
            "--config",
            type=click.Path(dir_okay=False),
            default=None,
            help="TOML file of report settings (flags override it); see examples/report.toml.",
        ),
        click.option("--to", multiple=True, metavar="ADDRESS", help="Recipient (repeatable)."),
        click.option("--from", "sender", default=None, metavar="ADDRESS", help="Sender address."),
        click.option(
            "--subject",
            default=None,
            help="Subject template; placeholders {date} {saving} {saving_year} {outgrown} "
            "{watch} {functions} {lambda_spend}.",
        ),
        click.option(
            "--attach",
            multiple=True,
            type=click.Choice(ATTACH_FORMATS),
            help="Attach the recommendations export in this format (repeatable).",
        ),
        click.option(
            "--top",
            type=click.IntRange(1, 500),
            default=None,
            help="Rows in the top-saving and nearest-crossover tables [default: 10].",
        ),
        click.option(
            "--no-chart", is_flag=True, help="Do not render the chart (no browser started)."
        ),
        click.option("--smtp-host", default=None, help="Send through this SMTP server."),
        click.option(
            "--smtp-port",
            type=click.IntRange(1, 65535),
            default=None,
            help="SMTP port [default: 465 with --tls, 587 with --starttls, else 25].",
        ),
        click.option("--starttls", is_flag=True, help="Upgrade the SMTP connection with STARTTLS."),
        click.option("--tls", is_flag=True, help="Implicit TLS (SMTPS, usually port 465)."),
        click.option(
            "--smtp-user",
            default=None,
            help="SMTP AUTH user; the password comes from $CROSSOVER_SMTP_PASSWORD or "
            "--smtp-password-file, never from the command line.",
        ),
        click.option(
            "--smtp-password-file",
            type=click.Path(dir_okay=False),
            default=None,
            help="File holding the SMTP password (one line).",
        ),
        click.option("--ses", is_flag=True, help="Send with Amazon SES (ses:SendRawEmail)."),
        click.option(
            "--ses-region",
            default=None,
            help="SES region [default: the AWS configuration's]. --endpoint-url applies.",
        ),
        click.option(
            "--attempts",
            type=click.IntRange(1, 10),
            default=4,
            show_default=True,
            help="Delivery attempts (SMTP/SES) before giving up; waits 2s, 4s, 8s... between.",
        ),
        click.option("--dry-run", is_flag=True, help="Write the message instead of sending it."),
        click.option(
            "--out",
            type=click.Path(file_okay=False),
            default=None,
            help="With --dry-run: directory for report.eml and its parts.",
        ),
    ]
    return apply_options(fn, options)


def _explicit(ctx: click.Context, name: str) -> bool:
    return ctx.get_parameter_source(name) in (
        ParameterSource.COMMANDLINE,
        ParameterSource.ENVIRONMENT,
    )


def _config_overrides(ctx: click.Context, opts: dict[str, Any]) -> dict[str, Any]:
    """The report settings given as flags (they override the --config file)."""
    overrides: dict[str, Any] = {
        field_name: opts[option_name]
        for option_name, field_name in _FIELD.items()
        if _explicit(ctx, option_name)
    }
    if opts.get("starttls") and opts.get("tls"):
        raise InputError("--tls", True, "choose --tls (implicit) or --starttls, not both")
    if opts.get("starttls"):
        overrides["smtp_security"] = "starttls"
    elif opts.get("tls"):
        overrides["smtp_security"] = "tls"
    if opts.get("no_chart"):
        overrides["charts"] = False
    if _explicit(ctx, "endpoint_url"):
        overrides["endpoint_url"] = opts.get("endpoint_url")
    return overrides


_SOURCE_FLAGS = {"demo", "aws", "store", "yes"}
_SOURCE_LISTS = {"role_arn", "region"}


def _check_source_type(name: str, value: Any) -> None:
    """A [source] setting of the wrong type is one line, not a confusing usage error."""
    if name in _SOURCE_FLAGS:
        ok, want = isinstance(value, bool), "true or false"
    elif name in _SOURCE_LISTS:
        ok = isinstance(value, str) or (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        )
        want = "a string or a list of strings"
    elif name == "days":
        ok, want = isinstance(value, int) and not isinstance(value, bool), "a whole number"
    else:
        ok, want = isinstance(value, str), "a string"
    if not ok:
        raise InputError(f"source.{name}", value, f"must be {want}")


def _source_settings(ctx: click.Context, opts: dict[str, Any], cfg: ReportConfig) -> dict[str, Any]:
    """The data-source options: flags given on the command line replace the file's [source]."""
    source = {name: opts.get(name) for name in SOURCE_OPTION_NAMES}
    unknown = [name for name in cfg.source if name not in SOURCE_OPTION_NAMES]
    if unknown:
        raise InputError(
            f"source.{unknown[0]}",
            cfg.source[unknown[0]],
            f"unknown data-source setting; use {', '.join(SOURCE_OPTION_NAMES)}",
        )
    for name, value in cfg.source.items():
        _check_source_type(name, value)
    chosen_on_cli = any(_explicit(ctx, k) for k in ("demo", "functions", "traffic", "aws", "store"))
    if not chosen_on_cli:
        source.update(
            {
                k: (v,) if k in _SOURCE_LISTS and isinstance(v, str) else v
                for k, v in cfg.source.items()
            }
        )
    return source


def _build_config(ctx: click.Context, opts: dict[str, Any]) -> tuple[ReportConfig, dict[str, Any]]:
    """The report settings (file, then flags) and the data-source keyword arguments."""
    cfg = load_config(opts["config"]) if opts.get("config") else ReportConfig()
    overrides = _config_overrides(ctx, opts)
    source = _source_settings(ctx, opts, cfg)
    if ctx.get_parameter_source("data_dir") == ParameterSource.COMMANDLINE or not cfg.data_dir:
        overrides["data_dir"] = opts.get("data_dir") or cfg.data_dir
    source["data_dir"] = overrides.get("data_dir", cfg.data_dir)
    cfg = cfg.merged(**overrides)
    if cfg.endpoint_url is None and source.get("endpoint_url"):
        cfg = cfg.merged(endpoint_url=source["endpoint_url"])
    return cfg.validate(), source


def _assumptions(
    cfg: ReportConfig, sets: tuple[str, ...], proxies: tuple[str, ...], assumptions_file: str | None
) -> Assumptions:
    base = (
        from_mapping(cfg.assumptions, DEFAULTS, where="config", prefix="")
        if cfg.assumptions
        else DEFAULTS
    )
    return build_assumptions(sets, proxies, assumptions_file, base=base)


def _prepare(
    ctx: click.Context, opts: dict[str, Any]
) -> tuple[ReportConfig, dict[str, Any], Assumptions, PriceBook | Callable[[Fleet], PriceBook]]:
    """The report settings, the data-source options, the assumptions and the price book (from
    the same data directory as the store: --data-dir, else the config's, else the default).
    With --aws the book is chosen once the fleet is collected (its regions refreshed first)."""
    cfg, source = _build_config(ctx, opts)
    assumptions = _assumptions(cfg, opts["sets"], opts["proxies"], opts["assumptions_file"])
    pricebook = opts.get("pricebook") or cfg.pricebook

    def book_for(fleet: Fleet) -> PriceBook:
        """The book for the loaded fleet (with --aws, its regions refreshed first), and a note
        saying which regions' commitment discounts are AWS's real rates."""
        if source.get("aws"):
            book = priced_book(fleet, source, pricebook, assumptions.price_region_proxy)
        else:
            book = resolve_pricebook(pricebook, source.get("data_dir"))
        note_commitment_rates(fleet, book, assumptions)
        return book

    return cfg, source, assumptions, book_for


def _common_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The options of `report`, also taken by `schedule`."""
    return source_options(report_options(pricebook_option(assumption_options(fn))))


@click.command()
@_common_options
@click.pass_context
def report(ctx: click.Context, **opts: Any) -> None:
    """Build the e-mail report (HTML + text, inline chart, attachments) and send it over SMTP
    or SES, or write it to a directory with --dry-run.

    Lists headline spend and saving, functions newly Outgrown / Watch since the last sent
    report (verdict history in the store), the top savings and the nearest crossovers.
    With no data (no functions or no traffic) a short "no data" note is sent instead.

    \b
    Examples:
      crossover report --demo --dry-run --out report/
      crossover report --demo --smtp-host 127.0.0.1 --smtp-port 2525 \\
          --to a@example.com --from crossover@example.com
      CROSSOVER_SMTP_PASSWORD=... crossover report --config examples/report.toml
      crossover report --store --ses --ses-region eu-west-1 \\
          --to team@example.com --from crossover@example.com
    """
    from analyzer.adapters.email.report import run_report

    cfg, source, assumptions, book = _prepare(ctx, opts)
    outcome = run_report(
        cfg,
        load_fleet=functools.partial(analysis_fleet, **source),
        book=book,
        assumptions=assumptions,
        attempts=opts["attempts"],
    )
    if outcome.files:
        for path in outcome.files:
            click.echo(str(path))
    click.echo(outcome.summary, err=True)


@click.command()
@click.option(
    "--cron",
    default=None,
    metavar="EXPR",
    help='5-field cron expression, e.g. "0 8 * * MON" (or [schedule] cron in --config).',
)
@click.option(
    "--tz",
    default=None,
    metavar="ZONE",
    help="Time zone of the cron expression, e.g. Europe/Paris [default: local].",
)
@click.option(
    "--catch-up-minutes",
    type=click.IntRange(0, 7 * 24 * 60),
    default=60,
    show_default=True,
    help="On start, run the latest slot missed within this many minutes (never one already sent).",
)
@_common_options
@click.pass_context
def schedule(
    ctx: click.Context, cron: str | None, tz: str | None, catch_up_minutes: int, **opts: Any
) -> None:
    """Run as a long-lived process that sends the report on a cron schedule.

    Every run is logged to stderr; a failed run is logged and the schedule goes on; SIGTERM
    or SIGINT stop it cleanly. Sent slots are recorded in the data directory, so a restart
    never sends the same slot twice. Takes every option of `crossover report`.

    \b
    Example:
      crossover schedule --cron "0 8 * * MON" --tz Europe/Paris --config examples/report.toml
    """
    from analyzer.adapters.email.report import run_report
    from analyzer.adapters.schedule import Scheduler, SentLog, check_cron, parse_tz

    cfg, source, assumptions, book = _prepare(ctx, opts)
    expr = cron or cfg.cron
    if not expr:
        raise InputError("--cron", None, 'give a schedule, e.g. --cron "0 8 * * MON"')
    check_cron(expr)
    zone = parse_tz(tz or cfg.tz)
    if not logging.getLogger("analyzer").isEnabledFor(logging.INFO):
        _log_runs_to_stderr()

    def job(slot: dt.datetime) -> str:
        out = Path(cfg.out) / slot.astimezone(zone).strftime("%Y%m%dT%H%M%z") if cfg.out else None
        outcome = run_report(
            cfg,
            load_fleet=functools.partial(analysis_fleet, **source),
            book=book,
            assumptions=assumptions,
            today=slot.astimezone(zone).date(),
            out=out,
            attempts=opts["attempts"],
        )
        return outcome.summary

    sched = Scheduler(
        expr,
        job,
        tz=zone,
        sent=SentLog(cfg.data_dir),
        catch_up=dt.timedelta(minutes=catch_up_minutes),
    )
    restore = sched.install_signal_handlers()
    try:
        failed = sched.run()
    finally:
        restore()
    click.echo(f"schedule stopped after {len(sched.runs)} run(s), {failed} failed", err=True)


def _log_runs_to_stderr() -> None:
    """`crossover schedule` always logs its runs (INFO) to stderr, even without -v."""
    import sys

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    for name in ("analyzer.adapters.schedule", "analyzer.adapters.email"):
        lg = logging.getLogger(name)
        lg.setLevel(logging.INFO)
        lg.addHandler(handler)
        lg.propagate = False
