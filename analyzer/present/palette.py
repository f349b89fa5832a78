"""The colours of the verdicts and of the options, shared by every chart (app, HTML export,
e-mail) and the e-mail's badges (no plotly import here)."""

from __future__ import annotations

from analyzer.core.vocabulary import OptionKind, Verdict

VERDICT_COLORS: dict[str, str] = {
    Verdict.OUTGROWN: "#d62728",
    Verdict.WATCH: "#ff7f0e",
    Verdict.STAY: "#2ca02c",
}

KIND_COLORS: dict[str, str] = {
    "lambda": "#6a3d9a",  # purple: what you run today
    OptionKind.EC2: "#1f77b4",  # blue
    OptionKind.FARGATE: "#17a398",  # teal
    OptionKind.LMI: "#d6337f",  # magenta: far from Fargate's teal
}
"""One colour per option kind, in every chart."""

KIND_DASHES: dict[str, str] = {
    "lambda": "solid",
    OptionKind.EC2: "solid",
    OptionKind.FARGATE: "dash",
    OptionKind.LMI: "dot",
}
"""Line styles per kind, so Fargate and Managed Instances differ in grey print too."""

CROSSOVER_COLOR = VERDICT_COLORS[Verdict.OUTGROWN]
TRAFFIC_COLOR = "#1f77b4"
TREND_COLOR = "#555555"

PART_COLORS: dict[str, str] = {
    "Requests": "#9ecae1",
    "Duration": "#6a3d9a",
    "Provisioned concurrency": "#b39ddb",
    "Ephemeral storage": "#cab2d6",
    "Front door (API Gateway / ALB)": "#fdbf6f",
    "Compute": "#1f77b4",
    "Load balancer": "#ff7f00",
    "Management fee": "#d6337f",
    "Operations (people)": "#8c8c8c",
}
"""One colour per bill part in the breakdown chart."""

CHART_TEMPLATE = "plotly_white"
"""Every figure names its template: the app's Streamlit theme must not leak into exports."""
