"""E-mail reports: compose (numbers, HTML + text, inline chart, attachments), deliver over
SMTP or Amazon SES (bounded retries), or write the message to disk (dry run)."""

from analyzer.adapters.email.compose import (
    DEFAULT_SUBJECT,
    Attachment,
    compose_message,
    fleet_chart_png,
    render_png,
    write_dry_run,
)
from analyzer.adapters.email.ses import send_ses
from analyzer.adapters.email.smtp import SmtpSettings, read_password, send_smtp
from analyzer.present.email_body import ReportData, build_report, no_data_reason

__all__ = [
    "DEFAULT_SUBJECT",
    "Attachment",
    "ReportData",
    "SmtpSettings",
    "build_report",
    "compose_message",
    "fleet_chart_png",
    "no_data_reason",
    "read_password",
    "render_png",
    "send_ses",
    "send_smtp",
    "write_dry_run",
]
