"""Markdown export: a summary and a table, for a wiki page or a pull request."""

from __future__ import annotations

from typing import Any

from analyzer.adapters.export._common import TITLE, context_lines, money, number, plain, rounded
from analyzer.core.recommend import Recommendations
from analyzer.core.vocabulary import VERDICT_LABELS
from analyzer.present.sentences import DATA_TRANSFER_CAVEAT

_ESCAPES = str.maketrans(
    {
        "|": "\\|",
        "<": "&lt;",
        ">": "&gt;",
        "`": "\\`",
        "\n": " ",
        "\r": " ",
        "\\": "\\\\",
        "[": "\\[",
        "]": "\\]",
        "*": "\\*",
        "_": "\\_",
    }
)


def md(value: Any) -> str:
    """A user-supplied string made inert in a Markdown table cell."""
    return "" if value is None else str(value).translate(_ESCAPES)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def render_markdown(recs: Recommendations) -> bytes:
    s = recs.summary
    f = rounded(recs)
    lines = [f"# {TITLE}", ""]
    lines += [f"- **{label}:** {md(text)}" for label, text in context_lines(recs)]
    lines += [
        "",
        "## Summary",
        "",
        f"- {s['functions']} functions: **{s['outgrown']} Outgrown**, {s['watch']} Watch, "
        f"{s['stay']} Stay; {s['tune']} can be tuned on Lambda.",
        f"- Lambda today: {money(s['lambda_usd_per_month'])}/month spend, "
        f"{money(s['run_rate_lambda_usd_per_month'])}/month at the run rate.",
        f"- Move: moving every Outgrown function saves (against a tuned Lambda) **{money(s['saving_usd_per_month'])}/month** on spend "
        f"({money(s['run_rate_saving_usd_per_month'])}/month at the run rate; "
        f"{money(s['saving_usd_per_year'])}/year on spend) for a one-time migration cost of "
        f"{money(s['migration_cost_usd'])}"
        + (
            f" (payback {number(s['payback_months'], '.1f')} months)."
            if s["payback_months"]
            else "."
        ),
        f"- Tune: tuning Lambda itself (arm64, front door, idle provisioned concurrency, memory) saves "
        f"{money(s['tune_usd_per_month'])}/month.",
        f"- {s['low_confidence']} recommendations have low confidence.",
        "",
    ]
    if not recs.by_target.empty:
        lines += ["### Outgrown savings by target", ""]
        lines += _table(
            ["Target", "Functions", "Saving $/month", "Saving $/year", "Migration cost $"],
            [
                [
                    md(r.target),
                    str(r.functions),
                    money(r.saving_usd_per_month),
                    money(r.saving_usd_per_year),
                    money(r.migration_cost_usd),
                ]
                for r in recs.by_target.itertuples()
            ],
        )
        lines.append("")
    lines += ["### By account", ""]
    lines += _table(
        [
            "Account",
            "Environment",
            "Functions",
            "Outgrown",
            "Watch",
            "Stay",
            "Lambda $/month",
            "Saving $/month",
        ],
        [
            [
                md(f"{r.account_name} ({r.account_id})"),
                md(r.environment),
                str(r.functions),
                str(r.outgrown),
                str(r.watch),
                str(r.stay),
                money(r.lambda_usd_per_month),
                money(r.saving_usd_per_month),
            ]
            for r in recs.by_account.itertuples()
        ],
    )
    lines += ["", "## Recommendations", ""]
    records: list[dict[str, Any]] = [
        {str(k): v for k, v in rec.items()}
        for rec in f.astype(object).where(f.notna(), None).to_dict("records")
    ]
    rows = []
    for r in records:  # rendering rows of a document
        k = r["crossover_multiple"]
        best = md(r["best_option_sizing"] or "")
        if r["best_option_kind"]:
            best += f" ({money(r['best_option_usd_per_month'])})"
        rows.append(
            [
                md(r["name"]),
                md(r["environment"]),
                md(r["region"]),
                VERDICT_LABELS.get(str(r["verdict"]), md(r["verdict"]))
                + (" + Tune" if r["tune"] else ""),
                md(r["confidence"]),
                money(r["lambda_usd_per_month"]),
                best,
                money(r["saving_usd_per_month"]),
                number(r["payback_months"], ".1f"),
                (number(k, ".2f") + "x") if k is not None else "none",
                money(r["tune_usd_per_month"]),
            ]
        )
    lines += _table(
        [
            "Function",
            "Env",
            "Region",
            "Verdict",
            "Confidence",
            "Lambda $/month",
            "Best option",
            "Saving $/month",
            "Payback (months)",
            "Crossover",
            "Tune $/month",
        ],
        rows,
    )
    lines += ["", "## Caveats and advice", ""]
    for r in records:
        if r["verdict"] == "stay" and not r["tune"]:
            continue
        cav = [c for c in str(r["caveats"] or "").split("; ") if c and c != DATA_TRANSFER_CAVEAT]
        lines.append(
            f"- **{md(r['name'])}** ({md(r['environment'])}, {md(r['region'])}): "
            f"{md(r['recommendation'])}" + (f". Caveats: {md('; '.join(cav))}" if cav else "")
        )
    lines += [f"- For every function: {DATA_TRANSFER_CAVEAT}.", ""]
    lines += ["## Sensitivity", "", md(recs.sensitivity["description"]), ""]
    sets = recs.sensitivity["sets"]
    lines += _table(
        ["Assumption", "Base", "Optimistic", "Pessimistic", "Unit"],
        [
            [
                md(k),
                md(plain(v["base"])),
                md(plain(v["value"])),
                md(plain(sets["pessimistic"].get(k, {}).get("value"))),
                md(v["unit"]),
            ]
            for k, v in sets["optimistic"].items()
        ],
    )
    lines += ["", "## Assumptions", ""]
    lines += _table(
        ["Assumption", "Value", "Unit", "Meaning"],
        [
            [md(n), md(plain(v)), md(u), md(h)]
            for n, v, u, h in zip(
                recs.assumptions["name"],
                recs.assumptions["value"],
                recs.assumptions["unit"],
                recs.assumptions["help"],
                strict=True,
            )
        ],
    )
    lines += ["", "## Prices used", ""]
    lines += _table(
        ["Service", "Region", "Arch", "Item", "USD", "Unit", "Source"],
        [
            [
                md(r.service),
                md(r.region),
                md(r.arch),
                md(r.item),
                f"{r.usd:.10g}",
                md(r.unit),
                md(r.source),
            ]
            for r in recs.prices.itertuples()
        ],
    )
    if recs.notes:
        lines += ["", "## Notes", ""] + [f"- {md(n)}" for n in recs.notes]
    lines.append("")
    return "\n".join(lines).encode("utf-8")
