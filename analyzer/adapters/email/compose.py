"""Compose the report e-mail: numbers from an Analysis, an HTML body with a plain-text
alternative, the fleet chart as an inline PNG, and export attachments.

MIME layout (what mail clients expect)::

    multipart/mixed
    ├── multipart/alternative
    │   ├── text/plain                      the same report, readable without HTML
    │   └── multipart/related
    │       ├── text/html                   inline CSS, tables for layout, <img src="cid:...">
    │       └── image/png                   Content-ID: <...>, Content-Disposition: inline
    └── attachments (csv / xlsx / html exports)

The message is built whole in memory before anything is sent or written, so a failure never
leaves half a message anywhere.
"""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes
import os
from collections.abc import Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from analyzer.adapters.email import subject
from analyzer.adapters.email.addresses import parse_address
from analyzer.core.analyze import Analysis
from analyzer.exceptions import ExportError, InputError
from analyzer.present.email_body import ReportData
from analyzer.present.format import money, number
from analyzer.present.palette import VERDICT_COLORS

log = logging.getLogger(__name__)

DEFAULT_SUBJECT = "Crossover: {outgrown} functions outgrew Lambda, ${saving}/month to save — {date}"
NO_DATA_SUBJECT = "Crossover: no data for this report — {date}"
SUBJECT_FIELDS = ("date", "saving", "saving_year", "outgrown", "watch", "functions", "lambda_spend")
ENV_CHARTS = "CROSSOVER_CHARTS"  # "0"/"off": never start a browser to render charts
CHART_FILENAME = "chart-fleet.png"
ATTACHMENT_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html",
    "json": "application/json",
    "md": "text/markdown",
}


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str

    @property
    def maintype(self) -> str:
        return self.mime_type.split("/", 1)[0]

    @property
    def subtype(self) -> str:
        return self.mime_type.split("/", 1)[1]


# -- formatting ------------------------------------------------------------------------------
def subject_values(rep: ReportData) -> dict[str, str]:
    return {
        "date": rep.date,
        "saving": number(rep.saving_usd_per_month, ",.0f"),
        "saving_year": number(rep.saving_usd_per_year, ",.0f"),
        "outgrown": str(rep.counts.get("outgrown", 0)),
        "watch": str(rep.counts.get("watch", 0)),
        "functions": str(rep.functions),
        "lambda_spend": number(rep.lambda_usd_per_month, ",.0f"),
    }


def check_subject(template: object) -> str:
    """Refuse a subject template with unknown placeholders, format specs beyond an alignment
    and a small width, control characters or excessive length, before any work is done."""
    return subject.check_subject(template, SUBJECT_FIELDS)


def format_subject(template: str, rep: ReportData) -> str:
    if rep.no_data:
        return NO_DATA_SUBJECT.format(date=rep.date)
    return subject.render_subject(template, subject_values(rep), SUBJECT_FIELDS)


# -- templates -------------------------------------------------------------------------------
_ENV: Environment | None = None


def _env() -> Environment:
    global _ENV
    if _ENV is None:
        env = Environment(
            loader=PackageLoader("analyzer", "templates"),
            autoescape=select_autoescape(
                enabled_extensions=("html", "html.j2"), default_for_string=True
            ),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["money"] = money
        env.filters["number"] = number
        _ENV = env
    return _ENV


def render_bodies(
    rep: ReportData, chart_cid: str | None, chart_note: str | None
) -> tuple[str, str]:
    """(html, text) bodies of the report."""
    ctx = {
        "r": rep,
        "chart_cid": chart_cid,
        "chart_note": chart_note,
        "verdict_colors": VERDICT_COLORS,
    }
    html = _env().get_template("email.html.j2").render(**ctx)
    text = _env().get_template("email.txt.j2").render(**ctx)
    return html, text


# -- chart -----------------------------------------------------------------------------------
class ChartUnavailable(Exception):
    """No renderer could turn the figure into a PNG (the email says so instead)."""


def charts_enabled() -> bool:
    return os.environ.get(ENV_CHARTS, "1").strip().lower() not in ("0", "off", "false", "no")


def render_png(fig: Any, *, width: int = 900, height: int = 480, timeout_s: float = 90.0) -> bytes:
    """Render a plotly figure to PNG with kaleido driving the system Chromium (found through
    $BROWSER_PATH or PATH). Raises ChartUnavailable with a one-line reason."""
    if not charts_enabled():
        raise ChartUnavailable(f"chart rendering is turned off (${ENV_CHARTS})")
    try:
        import kaleido
    except ImportError as exc:  # pragma: no cover - kaleido is a dependency
        raise ChartUnavailable("kaleido is not installed") from exc
    try:
        png = kaleido.calc_fig_sync(
            fig,
            opts={"format": "png", "width": width, "height": height},
            kopts={"timeout": timeout_s},
        )
    except Exception as exc:  # any renderer failure degrades to a note, never a crash
        reason = str(exc).split(". ")[0].strip() or type(exc).__name__
        raise ChartUnavailable(f"no chart renderer available ({reason})") from exc
    if not isinstance(png, bytes | bytearray) or not bytes(png).startswith(b"\x89PNG"):
        raise ChartUnavailable("the chart renderer returned no PNG")
    return bytes(png)


def fleet_chart_png(analysis: Analysis) -> tuple[bytes | None, str | None]:
    """(png, None) or (None, note saying why there is no chart)."""
    from analyzer.present.charts import fleet_chart

    try:
        return render_png(fleet_chart(analysis)), None
    except ChartUnavailable as exc:
        # turned off on purpose ($CROSSOVER_CHARTS=0): not worth a warning on every run
        (log.warning if charts_enabled() else log.info)("report chart not rendered: %s", exc)
        return None, f"Chart not included: {exc}. The numbers below are complete."


# -- the message -----------------------------------------------------------------------------
def compose_message(
    rep: ReportData,
    *,
    sender: str,
    recipients: Sequence[str],
    subject_template: str = DEFAULT_SUBJECT,
    chart_png: bytes | None = None,
    chart_note: str | None = None,
    attachments: Sequence[Attachment] = (),
    now: dt.datetime | None = None,
) -> EmailMessage:
    """Build the whole message in memory."""
    if not recipients:
        raise InputError("--to", "", "give at least one recipient")
    sender = parse_address(sender, "--from")
    to = [parse_address(r, "--to") for r in recipients]
    domain = sender.rsplit("@", 1)[1]
    chart_cid = make_msgid("chart-fleet", domain=domain) if chart_png else None
    html, text = render_bodies(rep, chart_cid[1:-1] if chart_cid else None, chart_note)

    msg = EmailMessage()
    msg["Subject"] = format_subject(subject_template, rep)
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Date"] = format_datetime(now or dt.datetime.now(dt.UTC))
    msg["Message-ID"] = make_msgid("crossover-report", domain=domain)
    msg["X-Crossover-Report-Date"] = rep.date
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    if chart_png and chart_cid:
        html_part = msg.get_body(("html",))
        assert isinstance(html_part, MIMEPart)
        html_part.add_related(
            chart_png, "image", "png", cid=chart_cid, filename=CHART_FILENAME, disposition="inline"
        )
    for att in attachments:
        msg.add_attachment(
            att.content, maintype=att.maintype, subtype=att.subtype, filename=att.filename
        )
    return msg


def recipients_of(msg: EmailMessage) -> list[str]:
    out: list[str] = []
    for header in ("To", "Cc", "Bcc"):
        for addr in msg.get_all(header, []) or []:
            out.extend(
                a.addr_spec for a in getattr(addr, "addresses", ()) if isinstance(a, Address)
            )
    return out


# -- dry run ---------------------------------------------------------------------------------
def message_parts(msg: EmailMessage) -> dict[str, bytes]:
    """File name -> bytes of each part a person would look at: report.txt, report.html, the
    inline chart, each attachment. report.html refers to the chart by its file name (beside
    it), not by the `cid:` only a mail client resolves."""
    files: dict[str, bytes] = {}
    inline: dict[str, str] = {}  # Content-ID (no brackets) -> the file it is written to
    for part in msg.walk():
        if part.is_multipart():
            continue
        assert isinstance(part, EmailMessage | MIMEPart)
        ctype = part.get_content_type()
        name = part.get_filename()
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if part.get_content_disposition() == "attachment" and name:
            files[Path(name).name] = data
        elif ctype == "text/plain" and "report.txt" not in files:
            files["report.txt"] = data
        elif ctype == "text/html" and "report.html" not in files:
            files["report.html"] = data
        elif name:
            files[Path(name).name] = data
            cid = str(part.get("Content-ID") or "").strip().strip("<>")
            if cid:
                inline[cid] = Path(name).name
    if "report.html" in files:  # a browser opening report.html finds the chart beside it
        html = files["report.html"].decode("utf-8")
        for cid, file in inline.items():
            html = html.replace(f'src="cid:{cid}"', f'src="{file}"')
        files["report.html"] = html.encode("utf-8")
    return files


def write_dry_run(msg: EmailMessage, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write the .eml and its parts into `out_dir` (each file atomically; the .eml last)."""
    from analyzer.adapters.store import atomic_write

    out = Path(out_dir)
    written: list[Path] = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, data in message_parts(msg).items():
            path = out / name
            atomic_write(path, lambda tmp, d=data: tmp.write_bytes(d))  # type: ignore[misc]
            written.append(path)
        eml = out / "report.eml"
        raw = msg.as_bytes()
        atomic_write(eml, lambda tmp: tmp.write_bytes(raw))
        written.append(eml)
    except OSError as exc:
        raise ExportError(f"cannot write the report to {out}: {exc}") from exc
    return written


def attachment_for(fmt: str, content: bytes, date: str, mime: str | None = None) -> Attachment:
    mime = (
        mime
        or ATTACHMENT_TYPES.get(fmt)
        or mimetypes.guess_type(f"x.{fmt}")[0]
        or "application/octet-stream"
    )
    return Attachment(f"crossover-recommendations-{date}.{fmt}", content, mime)
