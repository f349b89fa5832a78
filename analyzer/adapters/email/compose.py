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
import math
import mimetypes
import os
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from analyzer.core.analyze import Analysis
from analyzer.core.fleet import FleetData
from analyzer.exceptions import ExportError, InputError

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


@dataclass
class ReportData:
    """Everything the templates show, computed once from an Analysis."""

    date: str
    no_data: bool = False
    no_data_reason: str = ""
    functions: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    lambda_usd: float = 0.0
    outgrown_lambda_usd: float = 0.0
    saving_usd: float = 0.0
    first_report: bool = True
    previous_at: str | None = None
    newly_outgrown: list[dict[str, Any]] = field(default_factory=list)
    newly_watch: list[dict[str, Any]] = field(default_factory=list)
    top_savings: list[dict[str, Any]] = field(default_factory=list)
    nearest: list[dict[str, Any]] = field(default_factory=list)
    price_book_as_of: str = ""
    price_book_source: str = ""
    monthly_basis: str = "730 hours (cost over the window x 730 / window hours)"
    window: str = ""
    source: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def saving_usd_year(self) -> float:
        return self.saving_usd * 12


# -- numbers ---------------------------------------------------------------------------------
_ROW_COLUMNS = [
    "function_id",
    "name",
    "account_name",
    "account_id",
    "environment",
    "region",
    "verdict",
    "best_option_label",
    "best_option_kind",
    "lambda_usd_per_month",
    "best_option_usd_per_month",
    "saving_usd_per_month",
    "crossover_multiple",
    "crossover_date",
    "months_to_crossover",
    "forecast_confidence",
]


def _rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = df.reindex(columns=_ROW_COLUMNS).copy()
    out["account"] = out["account_name"].where(
        out["account_name"].astype(str) != "", out["account_id"]
    )
    out = out.astype(object).where(out.notna(), None)
    return [{str(k): v for k, v in rec.items()} for rec in out.to_dict("records")]


def no_data_reason(fleet: FleetData) -> str | None:
    """Why a fleet cannot make a report (no functions, no traffic), or None when it can."""
    if fleet.functions.empty:
        return "the data source has no functions"
    t = fleet.traffic
    if t.empty or "invocations" not in t or float(t["invocations"].fillna(0).sum()) <= 0:
        return "the data source has no traffic (0 invocations in the window)"
    return None


def build_report(
    analysis: Analysis,
    previous: pd.DataFrame | None = None,
    *,
    top: int = 10,
    today: dt.date | None = None,
) -> ReportData:
    """The report's numbers. `previous` is the last recorded verdict snapshot (columns
    function_id, verdict[, recorded_at]) or None for a first report."""
    f = analysis.functions
    totals = analysis.totals()
    date = (today or dt.date.today()).isoformat()
    book = analysis.price_book
    meta = analysis.meta
    rep = ReportData(
        date=date,
        functions=len(f),
        counts={v: int((f["verdict"] == v).sum()) for v in ("outgrown", "watch", "stay")},
        lambda_usd=totals["lambda_usd"],
        outgrown_lambda_usd=totals["outgrown_lambda_usd"],
        saving_usd=totals["saving_usd"],
        price_book_as_of=str(book.get("as_of", "")),
        price_book_source=str(book.get("source", "")),
        monthly_basis=str(meta.get("monthly_basis", ReportData.monthly_basis)),
        window=_window(meta),
        source=str(meta.get("source", analysis.fleet.meta.get("source", ""))),
        notes=[str(n) for n in meta.get("notes", [])],
    )
    if previous is not None and not previous.empty:
        rep.first_report = False
        if "recorded_at" in previous:
            rep.previous_at = str(pd.Timestamp(previous["recorded_at"].iloc[0]).date())
        prev = (
            previous.drop_duplicates("function_id").set_index("function_id")["verdict"].astype(str)
        )
        before = f["function_id"].map(prev)
        rep.newly_outgrown = _rows(
            f[(f["verdict"] == "outgrown") & (before != "outgrown")].sort_values(
                "saving_usd_per_month", ascending=False
            )
        )
        rep.newly_watch = _rows(
            f[(f["verdict"] == "watch") & (before != "watch")].sort_values(
                "months_to_crossover", na_position="last"
            )
        )
    saving = f[f["saving_usd_per_month"].fillna(0) > 0]
    rep.top_savings = _rows(saving.sort_values("saving_usd_per_month", ascending=False).head(top))
    ahead = f[
        (f["crossover_multiple"] >= 1)
        & f["crossover_date"].notna()
        & (f["months_to_crossover"] > 0)
    ]
    rep.nearest = _rows(ahead.sort_values("months_to_crossover").head(top))
    return rep


def no_data_report(reason: str, fleet: FleetData, today: dt.date | None = None) -> ReportData:
    return ReportData(
        date=(today or dt.date.today()).isoformat(),
        no_data=True,
        no_data_reason=reason,
        functions=len(fleet.functions),
        source=str(fleet.meta.get("source", "")),
        window=_window(fleet.meta),
        notes=[str(n) for n in fleet.meta.get("notes", [])],
    )


def _window(meta: Mapping[str, Any]) -> str:
    start = meta.get("window_start", meta.get("start"))
    end = meta.get("window_end", meta.get("end"))
    if start is None or end is None:
        return ""
    return f"{pd.Timestamp(start).date()} to {pd.Timestamp(end).date()}"


# -- formatting ------------------------------------------------------------------------------
def fmt_usd(x: Any, cents: bool = False) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"${float(x):,.2f}" if cents else f"${float(x):,.0f}"


def fmt_num(x: Any, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{float(x):,.{digits}f}"


def subject_values(rep: ReportData) -> dict[str, str]:
    return {
        "date": rep.date,
        "saving": fmt_num(rep.saving_usd),
        "saving_year": fmt_num(rep.saving_usd_year),
        "outgrown": str(rep.counts.get("outgrown", 0)),
        "watch": str(rep.counts.get("watch", 0)),
        "functions": str(rep.functions),
        "lambda_spend": fmt_num(rep.lambda_usd),
    }


def _placeholders() -> str:
    return ", ".join("{" + s + "}" for s in SUBJECT_FIELDS)


def check_subject(template: str) -> str:
    """Refuse a subject template with unknown placeholders before any work is done."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise InputError("--subject", template, f"is not a valid template: {exc}") from exc
    bad = [n for n in names if n not in SUBJECT_FIELDS]
    if bad:
        raise InputError(
            "--subject",
            template,
            f"unknown placeholder {{{bad[0]}}}; use {_placeholders()}",
        )
    return template


def format_subject(template: str, rep: ReportData) -> str:
    if rep.no_data:
        return NO_DATA_SUBJECT.format(date=rep.date)
    return check_subject(template).format(**subject_values(rep))


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
        env.filters["usd"] = fmt_usd
        env.filters["num"] = fmt_num
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
        "verdict_colors": {"outgrown": "#d62728", "watch": "#ff7f0e", "stay": "#2ca02c"},
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
        log.warning("report chart not rendered: %s", exc)
        return None, f"Chart not included: {exc}. The numbers below are complete."


# -- the message -----------------------------------------------------------------------------
def _address(value: str, field_name: str) -> str:
    value = value.strip()
    if "@" not in value or any(c in value for c in "\r\n,;") or value.startswith("@"):
        raise InputError(field_name, value, "is not an e-mail address")
    return value


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
    sender = _address(sender, "--from")
    to = [_address(r, "--to") for r in recipients]
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
    inline chart, each attachment."""
    files: dict[str, bytes] = {}
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
