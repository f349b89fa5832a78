"""HTML export: one self-contained, printable file (jinja2, autoescape on, plotly.js inline)."""

from __future__ import annotations

import logging
from pathlib import Path

import jinja2
from markupsafe import Markup

from analyzer.adapters.export._common import TITLE, context_lines, money, number, plain, rounded
from analyzer.core.recommend import Recommendations
from analyzer.core.vocabulary import VERDICT_LABELS, Verdict
from analyzer.present.sentences import DATA_TRANSFER_CAVEAT

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
MAX_CURVES = 3  # cost-curve charts for the top Outgrown/Watch functions


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _charts(recs: Recommendations) -> list[Markup]:
    """Plotly charts as HTML fragments: plotly.js inlined once, in the first one."""
    analysis = recs.analysis
    if analysis is None or recs.functions.empty:
        return []
    from analyzer.present.charts import cost_curve_chart, fleet_chart

    ids = recs.functions["function_id"]
    figs = [
        (
            "fleet-chart",
            fleet_chart(analysis, analysis.functions[analysis.functions["function_id"].isin(ids)]),
        )
    ]
    top = recs.functions[recs.functions["verdict"].isin([Verdict.OUTGROWN, Verdict.WATCH])].head(
        MAX_CURVES
    )
    for i, fid in enumerate(top["function_id"]):
        figs.append((f"cost-curve-{i + 1}", cost_curve_chart(analysis, str(fid))))
    out = []
    for n, (div_id, fig) in enumerate(figs):
        html = fig.to_html(
            full_html=False, include_plotlyjs=(n == 0), div_id=div_id, config={"displaylogo": False}
        )
        out.append(Markup(html))  # noqa: S704 - plotly's own output; its JSON escapes < > /
    return out


def render_html(recs: Recommendations, charts: bool = True) -> bytes:
    f = rounded(recs)
    rows = f.astype(object).where(f.notna(), None).to_dict("records")
    for r in rows:  # rendering rows of a document
        cav = [c for c in str(r["caveats"] or "").split("; ") if c and c != DATA_TRANSFER_CAVEAT]
        r["caveat_list"] = "; ".join(cav)
    html = (
        _env()
        .get_template("recommendations.html.j2")
        .render(
            title=TITLE,
            context=context_lines(recs),
            s=recs.summary,
            by_target=recs.by_target.to_dict("records"),
            by_account=recs.by_account.to_dict("records"),
            charts=_charts(recs) if charts else [],
            functions=rows,
            verdict_names=VERDICT_LABELS,
            data_transfer=DATA_TRANSFER_CAVEAT,
            sensitivity=recs.sensitivity,
            assumptions=recs.assumptions.to_dict("records"),
            prices=recs.prices.to_dict("records"),
            price_book=recs.price_book,
            monthly_basis=recs.monthly_basis,
            notes=recs.notes,
            money=money,
            number=number,
            plain=plain,
        )
    )
    return html.encode("utf-8")
