"""E-mail reports delivered to a real SMTP server on loopback (aiosmtpd), parsed back as MIME."""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from test_report_support import PASSWORD, USER, Sink, parts, smtp_server

from analyzer.adapters.email.compose import check_subject, compose_message
from analyzer.adapters.email.report import run_report
from analyzer.adapters.email.smtp import SmtpSettings
from analyzer.adapters.report_config import ReportConfig
from analyzer.adapters.store import Store
from analyzer.core.analyze import analyze
from analyzer.core.demo import demo_fleet
from analyzer.core.fleet import FleetData
from analyzer.exceptions import DeliveryError, InputError
from analyzer.present.email_body import build_report, no_data_reason
from analyzer.present.summary import fleet_summary


@pytest.fixture(scope="module")
def fleet() -> FleetData:
    return demo_fleet()


@pytest.fixture
def no_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSOVER_CHARTS", "0")


def _cfg(tmp_path: Path, **kw: object) -> ReportConfig:
    base = ReportConfig(
        to=("a@example.com", "b@example.com"),
        sender="crossover@example.com",
        smtp_host="127.0.0.1",
        data_dir=str(tmp_path / "data"),
    )
    return dataclasses.replace(base, **kw)  # type: ignore[arg-type]


def _sleeps() -> tuple[list[float], Callable[[float], None]]:
    waited: list[float] = []
    return waited, waited.append


def test_starttls_auth_report_has_html_text_inline_chart_and_attachments(
    tmp_path: Path, fleet: FleetData
) -> None:
    with smtp_server(tmp_path, starttls=True, auth=True) as srv:
        cfg = _cfg(tmp_path, smtp_port=srv.port, attach=("csv", "xlsx", "html"))
        settings = SmtpSettings(
            "127.0.0.1", srv.port, "starttls", USER, PASSWORD, ssl_context=srv.client_context()
        )
        outcome = run_report(cfg, load_fleet=lambda: fleet, smtp_settings=settings)
    assert len(srv.sink.messages) == 1
    assert srv.sink.rcpt_tos == [["a@example.com", "b@example.com"]]
    msg = srv.sink.messages[0]
    analysis = analyze(fleet)
    outgrown = int((analysis.functions["verdict"] == "outgrown").sum())
    saving = fleet_summary(analysis.functions).saving_usd_per_month
    assert msg["Subject"].startswith(f"Crossover: {outgrown} functions outgrew Lambda, ")
    assert f"${saving:,.0f}/month" in msg["Subject"]
    p = parts(msg)
    # HTML body: headline numbers, basis, first report, inline CSS only
    html = p["html"]
    assert f"${saving:,.0f}" in html
    assert f"${saving * 12:,.0f}" in html
    assert "730 hours" in html
    assert analysis.price_book["as_of"] in html
    assert "First report: no history yet" in html
    assert "<style" not in html
    assert 'style="' in html
    # the inline chart: one PNG, referenced from the HTML by its Content-ID
    assert len(p["images"]) == 1
    ((cid, png),) = p["images"].items()
    assert png.startswith(b"\x89PNG")
    assert len(png) > 5000
    assert f'src="cid:{cid}"' in html
    related = [x for x in msg.walk() if x.get_content_type() == "multipart/related"]
    assert related, "the chart travels in multipart/related with the HTML"
    # the plain-text alternative says the same things
    text = p["text"]
    assert f"${saving:,.0f} /month" in text
    assert "First report: no history yet" in text
    # attachments: names, types, non-empty, the CSV parses with one row per function
    att = p["attachments"]
    day = outcome.report.date
    assert set(att) == {f"crossover-recommendations-{day}.{x}" for x in ("csv", "xlsx", "html")}
    ctype, data = att[f"crossover-recommendations-{day}.csv"]
    assert ctype == "text/csv"
    table = pd.read_csv(io.BytesIO(data), comment="#")
    assert set(table["function_id"]) == set(fleet.functions["function_id"])
    ctype, data = att[f"crossover-recommendations-{day}.xlsx"]
    assert ctype.endswith("spreadsheetml.sheet")
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert wb.sheetnames
    ctype, data = att[f"crossover-recommendations-{day}.html"]
    assert ctype == "text/html"
    assert b"<html" in data.lower()
    # the sent report's verdicts are now the history the next report compares with
    prev = Store(tmp_path / "data").previous_verdicts()
    assert prev is not None
    assert len(prev) == len(fleet.functions)


def test_no_renderer_degrades_to_a_note(
    tmp_path: Path, fleet: FleetData, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chromium"))
    with smtp_server(tmp_path) as srv:
        outcome = run_report(_cfg(tmp_path, smtp_port=srv.port), load_fleet=lambda: fleet)
    p = parts(srv.sink.messages[0])
    assert p["images"] == {}
    assert "cid:" not in p["html"]
    assert "Chart not included: no chart renderer available" in p["html"]
    assert "Chart not included" in p["text"]
    assert outcome.report.counts["outgrown"] > 0  # the numbers are all still there


def test_changes_since_the_previous_report(
    tmp_path: Path, fleet: FleetData, no_charts: None
) -> None:
    analysis = analyze(fleet)
    f = analysis.functions
    outgrown = f.loc[f["verdict"] == "outgrown", "function_id"].tolist()
    watch = f.loc[f["verdict"] == "watch", "function_id"].tolist()
    assert len(outgrown) >= 2
    assert len(watch) >= 1
    # last week: the first outgrown function was only Watch, one watch function was Stay
    before = f[["function_id", "verdict"]].copy()
    before.loc[before["function_id"] == outgrown[0], "verdict"] = "watch"
    before.loc[before["function_id"] == watch[0], "verdict"] = "stay"
    Store(tmp_path / "data").record_verdicts(before, when="2026-01-05T08:00:00Z")
    with smtp_server(tmp_path) as srv:
        outcome = run_report(_cfg(tmp_path, smtp_port=srv.port), load_fleet=lambda: fleet)
    rep = outcome.report
    assert not rep.first_report
    assert rep.previous_at == "2026-01-05"
    assert [r["function_id"] for r in rep.newly_outgrown] == [outgrown[0]]
    assert [r["function_id"] for r in rep.newly_watch] == [watch[0]]
    html = parts(srv.sink.messages[0])["html"]
    assert "Newly Outgrown (1)" in html
    assert "Newly Watch (1)" in html
    assert "no history yet" not in html
    section = html.split("Newly Outgrown (1)")[1].split("Newly Watch")[0]
    name = f.set_index("function_id").loc[outgrown[0], "name"]
    assert name in section


def test_top_savings_and_nearest_crossovers_are_ordered(fleet: FleetData) -> None:
    analysis = analyze(fleet)
    rep = build_report(analysis, None, top=5)
    savings = [r["saving_usd_per_month"] for r in rep.top_savings]
    assert len(savings) == 5
    assert savings == sorted(savings, reverse=True)
    assert savings[0] == pytest.approx(analysis.functions["saving_usd_per_month"].max())
    months = [r["months_to_crossover"] for r in rep.nearest]
    assert months == sorted(months)
    assert all(m > 0 for m in months)
    assert all(r["verdict"] != "outgrown" for r in rep.nearest)


def test_html_escapes_names(fleet: FleetData) -> None:
    analysis = analyze(fleet)
    analysis.functions.loc[:, "account_name"] = "<script>alert(1)</script>"
    rep = build_report(analysis)
    msg = compose_message(rep, sender="c@example.com", recipients=["a@example.com"])
    html = parts(msg)["html"]
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_no_data_sends_a_short_note_not_zeros(tmp_path: Path, fleet: FleetData) -> None:
    idle = FleetData(fleet.functions, fleet.traffic.iloc[0:0], dict(fleet.meta))
    assert no_data_reason(idle) is not None
    with smtp_server(tmp_path) as srv:
        outcome = run_report(
            _cfg(tmp_path, smtp_port=srv.port, attach=("csv",)), load_fleet=lambda: idle
        )
    msg = srv.sink.messages[0]
    assert msg["Subject"].startswith("Crossover: no data for this report")
    p = parts(msg)
    assert "no traffic" in p["text"]
    assert "no traffic" in p["html"]
    assert "$0" not in p["text"]
    assert "$0" not in p["html"]
    assert p["attachments"] == {}
    assert p["images"] == {}
    assert outcome.history_recorded is None
    assert Store(tmp_path / "data").previous_verdicts() is None


def test_transient_smtp_refusals_are_retried_with_backoff(
    tmp_path: Path, fleet: FleetData, no_charts: None
) -> None:
    waited, sleep = _sleeps()
    with smtp_server(tmp_path, sink=Sink(refuse_first=2)) as srv:
        run_report(_cfg(tmp_path, smtp_port=srv.port), load_fleet=lambda: fleet, sleep=sleep)
    assert srv.sink.attempts == 3
    assert len(srv.sink.messages) == 1
    assert waited == [2.0, 4.0]


def test_delivery_error_after_bounded_retries_and_no_history(
    tmp_path: Path, fleet: FleetData, no_charts: None
) -> None:
    waited, sleep = _sleeps()
    with smtp_server(tmp_path, sink=Sink(refuse_first=99)) as srv:
        cfg = _cfg(tmp_path, smtp_port=srv.port)
        with pytest.raises(DeliveryError) as err:
            run_report(cfg, load_fleet=lambda: fleet, sleep=sleep, attempts=3)
    assert srv.sink.attempts == 3
    assert srv.sink.messages == []
    assert len(waited) == 2
    assert "after 3 attempt(s)" in str(err.value)
    assert "\n" not in str(err.value)
    assert Store(tmp_path / "data").previous_verdicts() is None


def test_refused_login_fails_at_once(tmp_path: Path, fleet: FleetData, no_charts: None) -> None:
    waited, sleep = _sleeps()
    with smtp_server(tmp_path, starttls=True, auth=True) as srv:
        settings = SmtpSettings(
            "127.0.0.1", srv.port, "starttls", USER, "wrong", ssl_context=srv.client_context()
        )
        with pytest.raises(DeliveryError, match="authentication"):
            run_report(
                _cfg(tmp_path), load_fleet=lambda: fleet, smtp_settings=settings, sleep=sleep
            )
    assert waited == []
    assert srv.sink.messages == []


def test_untrusted_certificate_is_refused(
    tmp_path: Path, fleet: FleetData, no_charts: None
) -> None:
    with smtp_server(tmp_path, starttls=True) as srv:
        settings = SmtpSettings("127.0.0.1", srv.port, "starttls")  # system trust store
        with pytest.raises(DeliveryError, match="not trusted"):
            run_report(_cfg(tmp_path), load_fleet=lambda: fleet, smtp_settings=settings)
    assert srv.sink.messages == []


def test_implicit_tls(tmp_path: Path, fleet: FleetData, no_charts: None) -> None:
    # (AUTH is tested over STARTTLS: aiosmtpd does not count implicit TLS as TLS for AUTH)
    with smtp_server(tmp_path, implicit_tls=True) as srv:
        settings = SmtpSettings("127.0.0.1", srv.port, "tls", ssl_context=srv.client_context())
        run_report(_cfg(tmp_path), load_fleet=lambda: fleet, smtp_settings=settings)
    assert len(srv.sink.messages) == 1


def test_connection_refused_is_a_delivery_error(
    tmp_path: Path, fleet: FleetData, no_charts: None
) -> None:
    from test_report_support import free_port

    waited, sleep = _sleeps()
    cfg = _cfg(tmp_path, smtp_port=free_port())
    with pytest.raises(DeliveryError, match=r"SMTP delivery to 127\.0\.0\.1:\d+ failed after 2"):
        run_report(cfg, load_fleet=lambda: fleet, sleep=sleep, attempts=2)
    assert waited == [2.0]


def test_subject_template_placeholders() -> None:
    assert check_subject("{outgrown} / {saving} / {date}")
    with pytest.raises(InputError, match=r"unknown placeholder \{savings\}"):
        check_subject("{savings}")


def test_subject_is_rendered(fleet: FleetData) -> None:
    rep = build_report(analyze(fleet))
    msg = compose_message(
        rep,
        sender="c@example.com",
        recipients=["a@example.com"],
        subject_template="[{functions} fns] {watch} to watch, ${saving_year}/yr, {date}",
    )
    assert re.fullmatch(
        rf"\[{rep.functions} fns\] {rep.counts['watch']} to watch, \$[\d,]+/yr, {rep.date}",
        msg["Subject"],
    )


def test_bad_addresses_are_input_errors(fleet: FleetData) -> None:
    rep = build_report(analyze(fleet))
    with pytest.raises(InputError, match="--to"):
        compose_message(rep, sender="c@example.com", recipients=["a@example.com\r\nBcc: x@evil"])
    with pytest.raises(InputError, match="--from"):
        compose_message(rep, sender="nobody", recipients=["a@example.com"])
