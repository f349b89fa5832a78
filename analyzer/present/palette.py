"""The colours of the verdicts, shared by the charts and the e-mail (no plotly import here)."""

from __future__ import annotations

from analyzer.core.vocabulary import Verdict

VERDICT_COLORS: dict[str, str] = {
    Verdict.OUTGROWN: "#d62728",
    Verdict.WATCH: "#ff7f0e",
    Verdict.STAY: "#2ca02c",
}
