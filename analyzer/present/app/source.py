"""Where the app's data comes from: whether live AWS collection is on, the traffic window."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ENABLE_AWS_ENV = "CROSSOVER_ENABLE_AWS"


def aws_enabled(environ: Mapping[str, str], secrets: Mapping[str, Any] | None = None) -> bool:
    """Live AWS collection is off unless the operator turns it on: env CROSSOVER_ENABLE_AWS=1
    or `[crossover] enable_aws = true` in .streamlit/secrets.toml."""
    if environ.get(ENABLE_AWS_ENV, "").strip().lower() in ("1", "true", "yes", "on"):
        return True
    section = (secrets or {}).get("crossover") if secrets is not None else None
    if isinstance(section, Mapping):
        v = section.get("enable_aws", False)
        return v is True or str(v).strip().lower() in ("1", "true", "yes", "on")
    return False


def window_caption(meta: Mapping[str, Any]) -> str:
    start, end = meta.get("window_start"), meta.get("window_end")
    if not (start and end):
        return ""
    return f"Traffic from {str(start)[:10]} to {str(end)[:10]}."


SHORT_WINDOW_HOURS = 7 * 24
"""Less than a week of traffic: monthly verdicts rest on an extrapolation (a visible warning)."""


def source_name(source_id: str) -> str:
    """A data source as a person reads it: 'CSV upload: functions.csv + traffic.csv'."""
    kind, _, rest = source_id.partition(":")
    if kind == "csv":
        files = rest.rsplit(":", 1)[0]
        return "CSV upload: " + " + ".join(files.split("+"))
    if kind == "store":  # store:ROOT#FINGERPRINT
        return f"Local store ({rest.rsplit('#', 1)[0]})"
    if kind == "aws":
        return f"Live AWS (collected {rest[:16].replace('T', ' ')})" if rest else "Live AWS"
    return source_id


def short_window_warning(hours: float) -> str | None:
    """A warning when the traffic window is too short for monthly verdicts to be trusted."""
    if hours >= SHORT_WINDOW_HOURS:
        return None
    span = f"{hours:.0f} hours" if hours < 48 else f"{hours / 24:.1f} days"
    return (
        f"Only {span} of traffic: every monthly figure is that window scaled to a month, and "
        "growth cannot be measured. Treat the verdicts as rough until a week or more is loaded."
    )
