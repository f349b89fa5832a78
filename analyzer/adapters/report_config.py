"""Report settings: a TOML file (so cron lines stay short) overridden by command-line flags.

    to = ["platform@example.com"]          # recipients
    from = "crossover@example.com"
    subject = "Crossover: {outgrown} functions outgrew Lambda, ${saving}/month to save — {date}"
    attach = ["csv", "xlsx"]               # export formats attached to the e-mail
    top = 10                               # rows in the "top saving" / "nearest" tables
    data_dir = "/var/lib/crossover"        # store + sent-report record (default: the store's)
    pricebook = "prices.json"              # optional

    [source]                               # the data-source flags, by name: demo, functions,
    demo = true                            # traffic, aws, store, region, ...

    [schedule]
    cron = "0 8 * * MON"
    tz = "Europe/Paris"

    [smtp]
    host = "smtp.example.com"
    port = 587
    security = "starttls"                  # none | starttls | tls (implicit TLS)
    user = "crossover"
    password_file = "/etc/crossover/smtp-password"   # never the password itself

    [ses]
    enabled = false
    region = "eu-west-1"

    [thresholds]                           # verdict thresholds (any assumption name is taken)
    outgrown_min_saving_usd = 100

Precedence: command-line flag > file > default.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer.adapters.email.addresses import parse_address
from analyzer.adapters.email.compose import DEFAULT_SUBJECT, check_subject
from analyzer.core.safe_load import load_file
from analyzer.exceptions import InputError

ATTACH_FORMATS = ("csv", "xlsx", "html", "json", "md")
MAX_TOP = 500
MAX_CONFIG_BYTES = 1_000_000

_TOP = {
    "to",
    "from",
    "subject",
    "attach",
    "top",
    "data_dir",
    "pricebook",
    "charts",
    "source",
    "schedule",
    "smtp",
    "ses",
    "thresholds",
    "assumptions",
}
_TABLES: dict[str, set[str]] = {
    "schedule": {"cron", "tz"},
    "smtp": {"host", "port", "security", "user", "password_file"},
    "ses": {"enabled", "region", "endpoint_url"},
}


@dataclass(frozen=True)
class ReportConfig:
    to: tuple[str, ...] = ()
    sender: str | None = None
    subject: str = DEFAULT_SUBJECT
    attach: tuple[str, ...] = ()
    top: int = 10
    charts: bool = True
    source: dict[str, Any] = field(default_factory=dict)
    cron: str | None = None
    tz: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 0
    smtp_security: str = "none"
    smtp_user: str | None = None
    smtp_password_file: str | None = None
    ses: bool = False
    ses_region: str | None = None
    endpoint_url: str | None = None
    data_dir: str | None = None
    pricebook: str | None = None
    assumptions: dict[str, Any] = field(default_factory=dict)
    dry_run: bool = False
    out: str | None = None

    def merged(self, **overrides: Any) -> ReportConfig:
        """A copy with every override that is not None (an empty tuple keeps the file's list)."""
        names = {f.name for f in dataclasses.fields(self)}
        changes: dict[str, Any] = {}
        for k, v in overrides.items():
            if k not in names:
                raise TypeError(f"unknown report setting {k!r}")
            if v is None or (isinstance(v, tuple) and not v):
                continue
            changes[k] = v
        return dataclasses.replace(self, **changes)

    def validate(self) -> ReportConfig:
        """Check everything that can be checked before any data is loaded."""
        check_subject(self.subject)
        bad = [a for a in self.attach if a not in ATTACH_FORMATS]
        if bad:
            raise InputError("--attach", bad[0], f"must be one of {', '.join(ATTACH_FORMATS)}")
        if not 1 <= self.top <= MAX_TOP:
            raise InputError("top", self.top, f"must be between 1 and {MAX_TOP}")
        if self.smtp_port and not 1 <= self.smtp_port <= 65535:
            raise InputError("smtp.port", self.smtp_port, "must be between 1 and 65535")
        for addr in self.to:
            parse_address(addr, "--to")
        if self.sender:
            parse_address(self.sender, "--from")
        if self.dry_run:
            if not self.out:
                raise InputError("--out", None, "--dry-run needs --out DIR")
            return self
        if not self.to:
            raise InputError(
                "--to", None, "give at least one recipient (--to, or `to` in the config)"
            )
        if not self.sender:
            raise InputError(
                "--from", None, "give the sender address (--from, or `from` in the config)"
            )
        if self.ses and self.smtp_host:
            raise InputError("--ses", True, "choose SES or SMTP (--smtp-host), not both")
        if not self.ses and not self.smtp_host:
            raise InputError(
                "--smtp-host",
                None,
                "say how to send: --smtp-host HOST, --ses, or --dry-run --out DIR",
            )
        return self


def _expect(table: str, data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InputError(table, data, "must be a table", where)
    return data


def _check_keys(name: str, data: dict[str, Any], allowed: set[str], where: str) -> None:
    for key in data:
        if name == "smtp" and key == "password":
            raise InputError(
                "smtp.password",
                "***",
                "never put the password in the file: set $CROSSOVER_SMTP_PASSWORD or "
                "smtp.password_file",
                where,
            )
        if key not in allowed:
            prefix = f"{name}." if name else ""
            raise InputError(f"{prefix}{key}", data[key], "unknown setting", where)


def _strings(name: str, value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(name, value, "must be a string or a list of strings", where)
    return tuple(value)


def from_mapping(data: dict[str, Any], where: str = "config") -> ReportConfig:
    _check_keys("", data, _TOP, where)
    tables = {
        name: _expect(name, data.get(name, {}), where)
        for name in ("source", "schedule", "smtp", "ses", "thresholds", "assumptions")
    }
    for name, allowed in _TABLES.items():
        _check_keys(name, tables[name], allowed, where)
    smtp, ses, sched = tables["smtp"], tables["ses"], tables["schedule"]
    kw: dict[str, Any] = {
        "to": _strings("to", data.get("to", []), where),
        "sender": data.get("from"),
        "subject": data.get("subject", DEFAULT_SUBJECT),
        "attach": _strings("attach", data.get("attach", []), where),
        "top": data.get("top", 10),
        "charts": data.get("charts", True),
        "data_dir": data.get("data_dir"),
        "pricebook": data.get("pricebook"),
        "source": dict(tables["source"]),
        "cron": sched.get("cron"),
        "tz": sched.get("tz"),
        "smtp_host": smtp.get("host"),
        "smtp_port": smtp.get("port", 0),
        "smtp_security": smtp.get("security", "none"),
        "smtp_user": smtp.get("user"),
        "smtp_password_file": smtp.get("password_file"),
        "ses": ses.get("enabled", False),
        "ses_region": ses.get("region"),
        "endpoint_url": ses.get("endpoint_url"),
        "assumptions": {**tables["assumptions"], **tables["thresholds"]},
    }
    for key, typ in (("top", int), ("smtp_port", int), ("ses", bool), ("charts", bool)):
        if not isinstance(kw[key], typ) or (typ is int and isinstance(kw[key], bool)):
            raise InputError(key, kw[key], f"must be {typ.__name__}", where)
    for key in (
        "sender",
        "subject",
        "data_dir",
        "pricebook",
        "cron",
        "tz",
        "smtp_host",
        "smtp_security",
        "smtp_user",
        "smtp_password_file",
        "ses_region",
        "endpoint_url",
    ):
        if kw[key] is not None and not isinstance(kw[key], str):
            raise InputError(key, kw[key], "must be a string", where)
    if kw["smtp_security"] not in ("none", "starttls", "tls"):
        raise InputError(
            "smtp.security", kw["smtp_security"], "must be none, starttls or tls", where
        )
    return ReportConfig(**kw)


def load_config(path: str | Path) -> ReportConfig:
    """Read a report TOML file; relative paths in it are relative to the file."""
    p = Path(path)
    data = load_file(p, "--config", kind="toml", max_bytes=MAX_CONFIG_BYTES)
    cfg = from_mapping(data, where=str(p))
    base = p.resolve().parent

    def rel(v: str | None) -> str | None:
        return None if v is None else str(base / Path(v).expanduser())

    src = dict(cfg.source)
    for key in ("functions", "traffic"):
        if isinstance(src.get(key), str):
            src[key] = rel(src[key])
    return dataclasses.replace(
        cfg,
        source=src,
        data_dir=rel(cfg.data_dir),
        pricebook=rel(cfg.pricebook),
        smtp_password_file=rel(cfg.smtp_password_file),
    )
