"""Run one report: load the fleet, analyse, compare with the last sent report, compose, then
send it (SMTP / SES) or write it (dry run). Used by `crossover report`, `crossover schedule`
and the Lambda handler in deploy/handler.py.

No data (no functions, or no traffic in the window): a short "no data" note is sent instead of
a report full of zeros, so the recipients see that collection is broken; the run still counts
as delivered (exit 0) and logs a warning. The verdict history is not touched in that case.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from analyzer.adapters.store_fs import StorePath

from analyzer.adapters.email.compose import (
    Attachment,
    attachment_for,
    compose_message,
    fleet_chart_png,
    write_dry_run,
)
from analyzer.adapters.email.retry import DEFAULT_ATTEMPTS
from analyzer.adapters.email.ses import send_ses
from analyzer.adapters.email.smtp import SmtpSettings, read_password, send_smtp
from analyzer.adapters.pricebooks import resolve_pricebook
from analyzer.adapters.report_config import ReportConfig
from analyzer.core.analyze import Analysis, analyze
from analyzer.core.assumptions import Assumptions
from analyzer.core.fleet import Fleet
from analyzer.core.pricebook import PriceBook
from analyzer.core.window import FirstPass, first_pass
from analyzer.exceptions import ExportError, StoreError
from analyzer.present.email_body import ReportData, build_report, no_data_reason, no_data_report

log = logging.getLogger(__name__)

HISTORY_COLUMNS = [
    "function_id",
    "name",
    "account_id",
    "region",
    "verdict",
    "saving_usd_per_month",
    "crossover_multiple",
    "crossover_date",
]


@dataclass
class ReportOutcome:
    report: ReportData
    message: EmailMessage
    delivered_with: str  # "smtp" | "ses" | "dry-run"
    files: list[Path] = field(default_factory=list)
    ses_message_id: str | None = None
    history_recorded: StorePath | None = None  # the snapshot (local or in S3)

    @property
    def summary(self) -> str:
        r = self.report
        counts = f"{r.counts.get('outgrown', 0)} outgrown, {r.counts.get('watch', 0)} watch"
        what = (
            "no-data note"
            if r.no_data
            else f"report: {counts}, ${r.saving_usd_per_month:,.0f}/month to save"
        )
        if self.delivered_with == "dry-run":
            where = self.files[-1].parent if self.files else "?"
            return f"{what}; written to {where} (dry run, not sent)"
        return f"{what}; sent with {self.delivered_with} to {self.message['To']}"


def export_attachments(
    fleet: Fleet,
    book: PriceBook,
    a: Assumptions,
    formats: tuple[str, ...],
    date: str,
    first: FirstPass | None = None,
) -> tuple[Analysis, list[Attachment]]:
    """The recommendations (which analyse the fleet once per assumption set, on one first
    pass) and the attachments rendered by the export adapters."""
    try:
        from analyzer.adapters.export import render
        from analyzer.present.recommendations import recommend_fleet
    except ImportError as exc:
        raise ExportError(f"attachments need the export adapters, missing here: {exc}") from exc
    recs = recommend_fleet(fleet, book, a, first=first)
    analysis = recs.analysis if recs.analysis is not None else analyze(fleet, book, a, first=first)
    try:
        from analyzer.adapters.export import FORMATS
    except ImportError:  # pragma: no cover - older export package
        FORMATS = {}
    return analysis, [
        attachment_for(fmt, render(recs, fmt), date, FORMATS.get(fmt, (None,))[0])
        for fmt in formats
    ]


def _previous(cfg: ReportConfig) -> tuple[pd.DataFrame | None, list[str]]:
    from analyzer.adapters.store import Store

    try:
        return Store(cfg.data_dir).previous_verdicts(), []
    except StoreError as exc:
        log.warning("verdict history unreadable: %s", exc)
        return None, [
            f"The previous report's verdicts could not be read ({exc}); changes are not shown."
        ]


def _record(cfg: ReportConfig, analysis: Analysis, when: dt.datetime) -> StorePath | None:
    from analyzer.adapters.store import Store

    cols = [c for c in HISTORY_COLUMNS if c in analysis.functions]
    try:
        return Store(cfg.data_dir).record_verdicts(
            analysis.functions[cols], when=pd.Timestamp(when)
        )
    except (StoreError, OSError) as exc:  # the report went out; the next one will re-list changes
        log.warning("report sent but its verdicts were not recorded: %s", exc)
        return None


def run_report(
    cfg: ReportConfig,
    *,
    load_fleet: Callable[[], Fleet],
    book: PriceBook | Callable[[Fleet], PriceBook] | None = None,
    assumptions: Assumptions | None = None,
    today: dt.date | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    sleep: Callable[[float], None] = time.sleep,
    attempts: int = DEFAULT_ATTEMPTS,
    ses_client: Any = None,
    smtp_settings: SmtpSettings | None = None,
    out: str | Path | None = None,
) -> ReportOutcome:
    """One report from end to end. Raises a CrossoverError subclass on failure (nothing is
    sent and nothing is recorded then). `book` may be a function of the loaded fleet (the CLI's
    price refresh for the regions an --aws collection found)."""
    cfg.validate()
    smtp = smtp_settings
    if not cfg.dry_run and not cfg.ses and smtp is None:
        smtp = SmtpSettings(
            host=cfg.smtp_host or "",
            port=cfg.smtp_port,
            security=cfg.smtp_security,
            user=cfg.smtp_user,
            password=read_password(cfg.smtp_password_file) if cfg.smtp_user else None,
        )
    if book is None:
        book = resolve_pricebook(cfg.pricebook, cfg.data_dir)  # the same book as `analyze`
    a = assumptions or Assumptions()
    started = now()
    date = today or started.date()
    fleet = load_fleet()
    if callable(book):
        book = book(fleet)
    # the traffic's sums, read once (a stored fleet is read block by block, not loaded whole)
    first = first_pass(fleet) if len(fleet.functions) and fleet.hours else None
    reason = no_data_reason(fleet, first)
    analysis: Analysis | None = None
    attachments: list[Attachment] = []
    png: bytes | None = None
    note: str | None = None
    if reason:
        log.warning("no data for the report: %s; sending a short note instead", reason)
        rep = no_data_report(reason, fleet, date)
    else:
        if cfg.attach:
            analysis, attachments = export_attachments(
                fleet, book, a, cfg.attach, date.isoformat(), first
            )
        else:
            analysis, attachments = analyze(fleet, book, a, first=first), []
        previous, notes = _previous(cfg)
        rep = build_report(analysis, previous, top=cfg.top, today=date)
        rep.notes.extend(notes)
        if cfg.charts:
            png, note = fleet_chart_png(analysis)
        else:
            png, note = None, "Chart not included: turned off for this report."
    sender = cfg.sender or "crossover@localhost"
    recipients = cfg.to or ("nobody@localhost",)
    msg = compose_message(
        rep,
        sender=sender,
        recipients=recipients,
        subject_template=cfg.subject,
        chart_png=png,
        chart_note=note,
        attachments=attachments,
        now=started,
    )
    if cfg.dry_run:
        files = write_dry_run(msg, out or cfg.out or ".")
        log.info("dry run: report written to %s", files[-1].parent)
        return ReportOutcome(rep, msg, "dry-run", files)
    outcome = ReportOutcome(rep, msg, "ses" if cfg.ses else "smtp")
    if cfg.ses:
        outcome.ses_message_id = send_ses(
            msg,
            client=ses_client,
            region=cfg.ses_region,
            endpoint_url=cfg.endpoint_url,
            attempts=attempts,
            sleep=sleep,
        )
    else:
        assert smtp is not None
        send_smtp(msg, smtp, attempts=attempts, sleep=sleep)
    if analysis is not None:
        outcome.history_recorded = _record(cfg, analysis, started)
    return outcome
