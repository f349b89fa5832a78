"""AWS Lambda entry point: run the Crossover report and send it through Amazon SES.

Deployed by deploy/template.yaml (EventBridge Scheduler invokes it on a schedule). Settings come
from environment variables (the template sets them from its parameters):

    CROSSOVER_REPORT_TO        comma-separated recipients (required)
    CROSSOVER_REPORT_FROM      sender, a verified SES identity (required)
    CROSSOVER_REPORT_SUBJECT   subject template (optional; {date} {saving} {outgrown} ...)
    CROSSOVER_REPORT_ATTACH    comma-separated export formats to attach (optional)
    CROSSOVER_REPORT_CONFIG    path of a report TOML file inside the image (optional)
    CROSSOVER_SOURCE           aws (default) | store | demo
    CROSSOVER_REGIONS          comma-separated regions to collect (aws source)
    CROSSOVER_ORG_ROLE         role name to assume in every Organization account (optional)
    CROSSOVER_DAYS             days of metrics to collect (default 30)
    CROSSOVER_DATA_DIR         store directory (/tmp/crossover on Lambda)
    CROSSOVER_SES_REGION       SES region (default: the function's region)
    AWS_ENDPOINT_URL           send AWS calls elsewhere (tests)

The event may override `to` (a list) and `source`. The result is a small JSON document; any
failure raises, so the invocation is marked failed (and is not retried: the template sets no
retries, so a report is never sent twice).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from analyzer.adapters.email.report import run_report
from analyzer.adapters.pricebooks import resolve_pricebook
from analyzer.adapters.report_config import ReportConfig, load_config
from analyzer.core.fleet import FleetData

log = logging.getLogger("crossover.handler")
logging.getLogger().setLevel(logging.INFO)


def _list(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


def config_from_env(env: dict[str, str] | os._Environ[str], event: dict[str, Any]) -> ReportConfig:
    base = (
        load_config(env["CROSSOVER_REPORT_CONFIG"])
        if env.get("CROSSOVER_REPORT_CONFIG")
        else ReportConfig()
    )
    to = event.get("to") or _list(env.get("CROSSOVER_REPORT_TO"))
    return base.merged(
        to=tuple(to),
        sender=env.get("CROSSOVER_REPORT_FROM"),
        subject=env.get("CROSSOVER_REPORT_SUBJECT"),
        attach=_list(env.get("CROSSOVER_REPORT_ATTACH")),
        ses=True,
        smtp_host="",
        ses_region=env.get("CROSSOVER_SES_REGION") or env.get("AWS_REGION"),
        endpoint_url=env.get("AWS_ENDPOINT_URL"),
        data_dir=env.get("CROSSOVER_DATA_DIR"),
    )


def _loader(source: str, env: dict[str, str] | os._Environ[str]) -> Any:
    def load() -> FleetData:
        if source == "demo":
            from analyzer.core.demo import demo_fleet

            return demo_fleet()
        from analyzer.adapters.store import Store
        from analyzer.cli.sources import collect_from_aws

        if source == "store":
            return Store(env.get("CROSSOVER_DATA_DIR")).load_fleet()
        return collect_from_aws(
            {
                "region": _list(env.get("CROSSOVER_REGIONS")),
                "org_role": env.get("CROSSOVER_ORG_ROLE") or None,
                "days": int(env.get("CROSSOVER_DAYS") or 30),
                "yes": True,
                "data_dir": env.get("CROSSOVER_DATA_DIR"),
                "endpoint_url": env.get("AWS_ENDPOINT_URL"),
            }
        )

    return load


def handler(event: dict[str, Any] | None, _context: Any) -> dict[str, Any]:
    """The Lambda entry point (the runtime passes the event and a context, unused here)."""
    event = event or {}
    env = os.environ
    cfg = config_from_env(env, event)
    source = str(event.get("source") or env.get("CROSSOVER_SOURCE") or "aws")
    book = resolve_pricebook(cfg.pricebook, cfg.data_dir)
    outcome = run_report(cfg, load_fleet=_loader(source, env), book=book)
    log.info("%s", outcome.summary)
    return {
        "sent": True,
        "no_data": outcome.report.no_data,
        "summary": outcome.summary,
        "ses_message_id": outcome.ses_message_id,
        "recipients": list(cfg.to),
    }
