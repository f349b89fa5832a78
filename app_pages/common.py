"""What every page shares: session state, the data source, cached analyses, the sidebar.

The logic lives in `analyzer.present.app`; this module only wires it to Streamlit.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
import streamlit as st

from analyzer.adapters.pricebooks import resolve_pricebook
from analyzer.core.analyze import Analysis, analyze
from analyzer.core.assumptions import FIELDS, Assumptions, optimistic, pessimistic
from analyzer.core.demo import demo_fleet
from analyzer.core.fleet import FleetData
from analyzer.core.pricebook import PriceBook
from analyzer.core.vocabulary import HOURS_PER_MONTH
from analyzer.exceptions import CrossoverError
from analyzer.present import app as m

log = logging.getLogger(__name__)

DEMO = "demo"
FILTER_KEYS = {key: f"f_{key}" for key in m.FILTER_COLUMNS}
FUNCTION_KEY = "fn"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # as .streamlit/config.toml's server.maxUploadSize


# -- state ------------------------------------------------------------------------------------
def init_state() -> None:
    """Defaults for every assumption control and filter; re-assigning keeps widget values alive
    while their page is not shown (Streamlit drops the state of widgets not rendered)."""
    state = st.session_state
    for name, value in m.default_widget_values().items():
        key = m.state_key(name)
        state[key] = state.get(key, value)
    for key in FILTER_KEYS.values():
        state[key] = state.get(key, [])
    if FUNCTION_KEY in state:
        state[FUNCTION_KEY] = state[FUNCTION_KEY]
    state.setdefault("source_id", DEMO)
    state.setdefault("fleets", {})
    state.setdefault("last_good_assumptions", Assumptions())


def reset_assumptions() -> None:
    for name, value in m.default_widget_values().items():
        st.session_state[m.state_key(name)] = value


def aws_enabled() -> bool:
    try:
        secrets: Any = dict(st.secrets)
    except Exception:  # no secrets.toml: that is fine, AWS stays off
        secrets = {}
    return m.aws_enabled(os.environ, secrets)


@st.cache_resource(show_spinner=False)
def page_icon() -> Any:
    """The favicon, drawn locally (two crossing cost lines): nothing fetched from a CDN."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (64, 64), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    draw.line([(6, 54), (58, 10)], fill="#6a3d9a", width=8)
    draw.line([(6, 26), (58, 38)], fill="#1f77b4", width=8)
    return img


# -- data ---------------------------------------------------------------------------------------
@st.cache_resource(show_spinner=False)
def price_book() -> PriceBook:
    """The book the CLI would use: $CROSSOVER_PRICEBOOK > the data directory's refreshed book
    ($CROSSOVER_DATA_DIR, else the platform default) > the bundled snapshot."""
    return resolve_pricebook()


@st.cache_resource(show_spinner="Building the demo fleet…")
def _demo() -> FleetData:
    return demo_fleet()


def set_fleet(source_id: str, fleet: FleetData) -> None:
    st.session_state["fleets"][source_id] = fleet
    st.session_state["source_id"] = source_id
    st.session_state.pop(FUNCTION_KEY, None)
    for key in FILTER_KEYS.values():
        st.session_state[key] = []


def use_demo() -> None:
    st.session_state["source_id"] = DEMO
    st.session_state.pop(FUNCTION_KEY, None)
    for key in FILTER_KEYS.values():
        st.session_state[key] = []


def current_fleet() -> tuple[str, FleetData]:
    sid = str(st.session_state.get("source_id", DEMO))
    fleets: dict[str, FleetData] = st.session_state.get("fleets", {})
    if sid != DEMO and sid in fleets:
        return sid, fleets[sid]
    return DEMO, _demo()


def _culprits(exc: CrossoverError, values: dict[str, Any], last: Assumptions) -> tuple[str, ...]:
    """The controls to blame: the field an InputError names, else those changed since the last
    valid set (usually the one just edited)."""
    named = str(getattr(exc, "field", "") or "").removeprefix("assumptions.")
    if named in FIELDS:
        return (named,)
    good = {name: m.widget_value(name, v) for name, v in last.to_dict().items() if name in FIELDS}
    return tuple(name for name, v in values.items() if good.get(name) != v)


def _resolve() -> tuple[Assumptions, str | None, tuple[str, ...]]:
    """The assumptions to analyse with: the controls' values if they parse and price, else the
    last valid set (with the error and the controls it concerns)."""
    state = st.session_state
    values = {name: state.get(m.state_key(name)) for name in FIELDS}
    sid, fleet = current_fleet()
    token = repr((sid, sorted(values.items(), key=lambda kv: kv[0])))
    cached = state.get("_resolved")
    if cached is not None and cached[0] == token:
        return cached[1], cached[2], cached[3]
    last: Assumptions = state["last_good_assumptions"]
    result: tuple[Assumptions, str | None, tuple[str, ...]]
    try:
        a = m.assumptions_from_widgets(values)
        _analyze(sid, _key(a), fleet, a)
    except CrossoverError as exc:
        log.info("what-if input refused: %s", exc)
        problem = f"{exc}. Showing the last valid analysis."
        result = (last, problem, _culprits(exc, values, last))
    else:
        state["last_good_assumptions"] = a
        result = (a, None, ())
    state["_resolved"] = (token, *result)
    return result


def assumption_problem() -> tuple[str | None, tuple[str, ...]]:
    """Why the controls' values are not in use (None when they are), and which controls."""
    _, problem, fields = _resolve()
    return problem, fields


def assumptions() -> Assumptions:
    """The what-if assumptions from the controls (the last valid set if a control is invalid or
    cannot be priced; the sidebar and the control say why)."""
    return _resolve()[0]


def _key(a: Assumptions) -> str:
    return json.dumps(a.to_dict(), sort_keys=True, default=str)


# cache_resource, not cache_data: an Analysis holds the fleet (millions of traffic rows for a
# large fleet); cache_data would pickle and copy it on every hit. Analyses are read-only here.
@st.cache_resource(max_entries=32, show_spinner="Pricing every function…")
def _analyze(source_id: str, assumptions_key: str, _fleet: FleetData, _a: Assumptions) -> Analysis:
    log.info("analysing %s with %s", source_id, assumptions_key)
    return analyze(_fleet, price_book(), _a)


def analysis(a: Assumptions | None = None) -> Analysis:
    """The analysis of the current source under `a` (default: the what-if assumptions)."""
    a = assumptions() if a is None else a
    sid, fleet = current_fleet()
    return _analyze(sid, _key(a), fleet, a)


def sensitivity_analyses(a: Assumptions) -> tuple[Analysis, Analysis, Analysis]:
    return analysis(a), analysis(optimistic(a)), analysis(pessimistic(a))


@st.cache_data(max_entries=32, show_spinner="Writing the export…")
def _export(
    source_id: str, assumptions_key: str, flt: m.Filters, fmt: str, _a: Assumptions
) -> bytes:
    """The source id and the assumptions key are the cache key standing for `_a` (not hashed).
    Built as `crossover export` builds it (the whole fleet recommended, then filtered), so the
    same recommendations give the same file from the app and the CLI."""
    from analyzer.adapters import export

    log.debug("writing the %s export of %s under %s (%s)", fmt, source_id, assumptions_key, flt)
    recs = m.export_recommendations(*sensitivity_analyses(_a), flt)
    return export.render(recs, fmt)


def export_bytes(a: Assumptions, flt: m.Filters, fmt: str) -> bytes:
    """The export (csv/json/md/html/xlsx) of the functions the filters keep, under `a`."""
    sid, _ = current_fleet()
    return _export(sid, _key(a), flt, fmt, a)


def filters() -> m.Filters:
    return m.Filters(
        **{key: tuple(st.session_state.get(k) or ()) for key, k in FILTER_KEYS.items()}
    )


# -- layout -------------------------------------------------------------------------------------
@contextmanager
def guarded() -> Iterator[None]:
    """Library errors become one readable line, never a traceback."""
    try:
        yield
    except CrossoverError as exc:
        log.info("shown to the user: %s", exc)
        st.error(str(exc))


def sidebar(a: Analysis | None) -> None:
    book = price_book()
    with st.sidebar:
        sid, fleet = current_fleet()
        name = "Demo fleet (synthetic)" if sid == DEMO else m.source_name(sid)
        st.markdown(f"**Data:** {name} · {len(fleet)} functions")
        hours = (fleet.end - fleet.start) / pd.Timedelta(hours=1)
        short = m.short_window_warning(float(hours))
        if short:
            st.warning(short, icon=":material/schedule:")
        current, problem, culprits = _resolve()
        if problem:
            names = ", ".join(m.CONTROLS[n].label for n in culprits if n in m.CONTROLS)
            st.warning(
                f"What-if: {names or 'a value'} cannot be used (see the What-if page); "
                "showing the last valid analysis.",
                icon=":material/warning:",
            )
        changed = m.changed_assumptions(current)
        if changed:
            st.markdown(f"**What-if:** {len(changed)} assumption(s) changed")
        st.caption(
            f"Price book as of **{book.as_of}**. Money is USD per month "
            f"({HOURS_PER_MONTH:g} hours)."
        )
        if a is not None:
            st.caption(m.window_caption(a.meta))


def money_column(label: str, help: str | None = None) -> Any:
    return st.column_config.NumberColumn(label, format="dollar", help=help)


def fleet_table_config() -> dict[str, Any]:
    """How the fleet table shows each column: money as dollars, counts grouped, words as-is."""
    return {
        "Verdict": st.column_config.TextColumn("Verdict", pinned=True),
        "Function": st.column_config.TextColumn("Function", pinned=True),
        "Saving $/month": money_column("Saving $/month", "Moving to the best alternative"),
        "Crossover": st.column_config.TextColumn(
            "Crossover", help="Traffic at which an alternative gets cheaper than Lambda"
        ),
        "Crossover date": st.column_config.TextColumn(
            "Crossover date", help="When traffic reaches the crossover at its current trend"
        ),
        "Lambda $/month": money_column("Lambda $/month", "Lambda cost today"),
        "Alternative $/month": money_column(
            "Alternative $/month", "Cheapest alternative at today's traffic"
        ),
        "Invocations / month": st.column_config.NumberColumn(
            "Invocations / month", format="localized"
        ),
    }


def fleet_table_height(rows: int) -> int:
    """Tall enough for every row (the table grows with the page, no 10-row box)."""
    return 38 + 35 * max(rows, 1)
