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
