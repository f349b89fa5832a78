"""What every page shares: session state, the data source, cached analyses, the sidebar.

The logic lives in `analyzer.present.app`; this module only wires it to Streamlit.
(Over 400 lines on purpose: every cache the pages share lives here, in one place, so no page
builds its own copy of an analysis, a figure or the recommendations.)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.dataframe_util import convert_anything_to_arrow_bytes
from streamlit.runtime.scriptrunner import get_script_run_ctx

from analyzer.adapters.pricebooks import resolve_pricebook
from analyzer.core.analyze import Analysis, analyze
from analyzer.core.assumptions import FIELDS, Assumptions, optimistic, pessimistic
from analyzer.core.blocks import CHUNK
from analyzer.core.demo import demo_fleet
from analyzer.core.fleet import Fleet, FleetData
from analyzer.core.pricebook import PriceBook
from analyzer.core.recommend import Recommendations
from analyzer.core.revise import pricing_assumptions, revised
from analyzer.core.runner import (
    Cancelled,
    ChunkRunner,
    Foreground,
    cancellable,
    in_this_thread,
    reporting,
)
from analyzer.core.vocabulary import HOURS_PER_MONTH
from analyzer.core.window import FirstPass, first_pass
from analyzer.exceptions import CrossoverError, StoreError
from analyzer.present import app as m
from analyzer.present import vega, vega_function

log = logging.getLogger(__name__)

DEMO = "demo"
FILTER_KEYS = {key: f"f_{key}" for key in m.FILTER_COLUMNS}
FUNCTION_KEY = "fn"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # as .streamlit/config.toml's server.maxUploadSize
# A figure's value wraps onto a second line rather than being cut with an ellipsis on a phone
# ("already past the cros…", "$1,77…"): every figure is read whole.
PAGE_STYLE = (
    '<style>[data-testid="stMetricValue"], [data-testid="stMetricValue"] * '
    "{white-space: normal !important; overflow: visible !important; "
    "text-overflow: clip !important; overflow-wrap: anywhere;}</style>"
)


# -- state ------------------------------------------------------------------------------------
def init_state() -> None:
    """Defaults for every assumption control and filter; re-assigning keeps widget values alive
    while their page is not shown (Streamlit drops the state of widgets not rendered)."""
    state = st.session_state
    for name, value in m.default_widget_values().items():
        key = control_key(name)
        state[key] = state.get(key, value)
    for key in FILTER_KEYS.values():
        state[key] = state.get(key, [])
    if FUNCTION_KEY in state:
        state[FUNCTION_KEY] = state[FUNCTION_KEY]
    state.setdefault("source_id", DEMO)
    state.setdefault("fleets", {})
    state.setdefault("last_good_assumptions", Assumptions())


def control_key(name: str) -> str:
    """The key of an assumption's control, which holds its value: a new one after each reset
    (`reset_assumptions`)."""
    generation = st.session_state.get("_controls_generation", 0)
    return m.state_key(name) if not generation else f"{m.state_key(name)}.{generation}"


def reset_assumptions() -> None:
    """Every control back to its default, as a new control (a new key): the browser has no
    value of its own for it. Given new values under the same keys, Streamlit's browser side
    sometimes kept a select's old value and sent it with the next change, which undid the
    reset (a commitment picked with the keyboard, Reset, then any other control: 1 to 2 runs
    in 4)."""
    state = st.session_state
    for name in FIELDS:
        state.pop(control_key(name), None)
    state["_controls_generation"] = state.get("_controls_generation", 0) + 1
    for name, value in m.default_widget_values().items():
        state[control_key(name)] = value


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


def set_fleet(source_id: str, fleet: Fleet) -> None:
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


def current_fleet() -> tuple[str, Fleet]:
    sid = str(st.session_state.get("source_id", DEMO))
    fleets: dict[str, Fleet] = st.session_state.get("fleets", {})
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
    values = {name: state.get(control_key(name)) for name in FIELDS}
    sid, fleet = current_fleet()
    token = repr((sid, sorted(values.items(), key=lambda kv: kv[0])))
    cached = state.get("_resolved")
    if cached is not None and cached[0] == token:
        return cached[1], cached[2], cached[3]
    last: Assumptions = state["last_good_assumptions"]
    result: tuple[Assumptions, str | None, tuple[str, ...]]
    try:
        a = m.assumptions_from_widgets(values)
        _stop_stale(sid, a)  # new values: their analysis has the processor to itself, not
        # beside this session's background work for the values it left (stopped here only)
        _analyze(sid, _key(a), fleet, a)
    except StoreError:  # the data source's problem, not the assumptions': the page says it
        state["last_good_assumptions"] = a
        result = (a, None, ())
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


class Analyses:
    """Every analysis this server has made, one per (source, assumptions), shared by sessions,
    the fleet recommendations made of them (key: source, "recommendations " + assumptions) and
    each source's first pass, which they share (key: source, "first pass").

    Not `st.cache_data`: an Analysis holds the fleet (millions of traffic rows for a large
    fleet) and would be pickled and copied on every hit; analyses are read-only here. The
    optimistic and pessimistic analyses behind the sensitivity verdicts are *prefetched*: priced
    on a background thread once the page that asked for the base analysis has been drawn (not
    during its run: two threads pricing and drawing at once would slow the page down), so
    opening a function or the What-if page rarely waits for them. An analysis a page needs
    now and still queued is taken off the queue and priced at once, in the page's own run.
    """

    MAX_ENTRIES = 32

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._futures: OrderedDict[tuple[str, str], Future[Any]] = OrderedDict()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crossover-prefetch")
        self._queued: list[tuple[str, str]] = []  # prefetched keys, oldest first
        self._jobs: list[Callable[[], None]] = []  # queued, not yet handed to the thread
        # prefetches that can be stopped while priced: key -> (the session that asked, its stop)
        self._stops: dict[tuple[str, str], tuple[set[str], threading.Event]] = {}
        # pages being drawn: the prefetches pause at their next step meanwhile (`page_run`)
        self.foreground = Foreground()

    def forget_queued(self, keep: Iterable[tuple[str, str]], owner: str = "") -> None:
        """Drop the prefetches not started yet except `keep`, and stop those `owner` asked for
        that are being priced (at their next step, `runner.checkpoint`): the user has moved on
        to other assumptions, and a stale analysis would only slow the pages down. What another
        session asked for too is left alone (it may still want it)."""
        wanted = set(keep)
        with self._lock:
            for key, (asked_by, _) in self._stops.items():
                if key not in wanted:
                    asked_by.discard(owner)
            for key in self._queued:
                fut = self._futures.get(key)
                still_wanted = key in wanted or bool(self._stops.get(key, (set(), None))[0])
                if not still_wanted and fut is not None and fut.cancel():
                    del self._futures[key]
            self._queued = [
                k for k in self._queued if k in wanted or self._stops.get(k, (set(), None))[0]
            ]
            for key, (asked_by, stop) in self._stops.items():
                if key not in wanted and not asked_by:  # nobody asks for it any more
                    stop.set()

    def _claim(self, key: tuple[str, str]) -> tuple[Future[Any], bool]:
        """The future for `key` and whether the caller must compute it (it is new or was
        still queued)."""
        with self._lock:
            fut = self._futures.get(key)
            if fut is not None and not fut.cancel():
                self._futures.move_to_end(key)
                return fut, False
            fut = Future()
            fut.set_running_or_notify_cancel()
            self._futures[key] = fut
            while len(self._futures) > self.MAX_ENTRIES:
                self._futures.popitem(last=False)
            return fut, True

    def _run(self, key: tuple[str, str], fut: Future[Any], compute: Callable[[], Any]) -> None:
        try:
            fut.set_result(compute())
        except BaseException as exc:  # the waiters see it; a later call tries again
            with self._lock:
                if self._futures.get(key) is fut:
                    del self._futures[key]
            fut.set_exception(exc)

    def get(self, key: tuple[str, str], compute: Callable[[], Any]) -> Any:
        """`key`'s result: computed here if new or still queued, else waited for; one a
        prefetch stopped before the end (`Cancelled`) is computed again, here."""
        while True:
            fut, mine = self._claim(key)
            if mine:
                self._run(key, fut, compute)
            try:
                with self.foreground.waiting():  # a prefetch this page waits for may go on
                    return fut.result()
            except (Cancelled, CancelledError):
                if mine:
                    raise

    def ready(self, key: tuple[str, str]) -> bool:
        """Priced and kept."""
        with self._lock:
            fut = self._futures.get(key)
        return fut is not None and fut.done()

    def peek(self, key: tuple[str, str]) -> Any:
        """`key`'s result if priced and kept, else None (nothing is priced)."""
        with self._lock:
            fut = self._futures.get(key)
        if fut is None or not fut.done() or fut.cancelled() or fut.exception() is not None:
            return None
        return fut.result()

    def pending(self, key: tuple[str, str]) -> bool:
        """Queued or being priced (a failed or forgotten analysis is not pending: asking for it
        prices it again, and shows its error)."""
        with self._lock:
            fut = self._futures.get(key)
        return fut is not None and not fut.done()

    def prefetch(
        self,
        key: tuple[str, str],
        compute: Callable[[], Any],
        stop: threading.Event | None = None,
        owner: str = "",
    ) -> None:
        """Queue `key`; it is priced once `start()` is called (at the end of the page's run,
        so the page is not drawn while another thread holds the interpreter). With `stop`
        (which `compute` watches), `forget_queued` from `owner`'s session stops it while it is
        priced."""
        with self._lock:
            if key in self._futures:
                if key in self._stops:  # being priced for another session: for this one too
                    self._stops[key][0].add(owner)
                return
            fut: Future[Any] = Future()
            self._futures[key] = fut
            self._queued.append(key)
            if stop is not None:
                self._stops[key] = ({owner}, stop)

            def job() -> None:
                try:
                    if fut.set_running_or_notify_cancel():  # False: a page took it over
                        self._run(key, fut, compute)
                finally:
                    with self._lock:
                        if stop is not None and self._stops.get(key, (None, None))[1] is stop:
                            del self._stops[key]

            self._jobs.append(job)

    def start(self) -> None:
        """Price the queued prefetches on the background thread."""
        with self._lock:
            jobs, self._jobs = self._jobs, []
        for job in jobs:
            self._pool.submit(job)


@st.cache_resource(show_spinner=False)
def _analyses() -> Analyses:
    return Analyses()


def _first_pass(source_id: str, fleet: Fleet) -> FirstPass:
    """The source's first pass (its traffic's sums and trends, whatever the assumptions),
    made once and shared by every analysis of it: a What-if change prices only the options."""
    return _analyses().get((source_id, "first pass"), lambda: first_pass(fleet))


def _unchanged(source_id: str, fleet: Fleet) -> None:
    """A stored collection read block by block is read again at each analysis: one written
    since it was opened would mix two collections in one analysis, so it is refused."""
    from analyzer.adapters.store import StoredFleet

    if isinstance(fleet, StoredFleet) and "#" in source_id:
        if fleet.store.fingerprint() != source_id.rsplit("#", 1)[1]:
            raise StoreError(
                "the stored collection has changed since it was opened: open it again "
                "(Data source > Stored collection)"
            )


PROGRESS_FROM = 2 * CHUNK
"""A fleet of at least this many functions shows how many are priced while the page waits for
its analysis (one chunk at a time: 2 chunks and more take seconds)."""


def _analyze(source_id: str, assumptions_key: str, fleet: Fleet, a: Assumptions) -> Analysis:
    bar: Any = None  # the page's progress bar, drawn when a large fleet is priced here

    def show(done: int, total: int) -> None:
        if bar is not None and total >= PROGRESS_FROM:
            bar.progress(done / total, text=f"Priced {done:,} of {total:,} functions")

    def compute() -> Analysis:
        return _priced(source_id, fleet, a, reporting(show))

    store = _analyses()
    key = (source_id, assumptions_key)
    if store.ready(key):
        return store.get(key, compute)
    with st.spinner("Pricing every function…"):
        bar = st.empty()
        try:
            return store.get(key, compute)
        finally:
            bar.empty()


def _priced(source_id: str, fleet: Fleet, a: Assumptions, runner: ChunkRunner) -> Analysis:
    """The analysis of the source under `a`: an analysis already made with the same pricing
    assumptions, revised (`revise.revised`: a change of the verdicts' thresholds or the
    migration hours alone prices nothing again), else a new one priced by `runner`."""
    store = _analyses()
    priced_key = (source_id, "priced " + _key(pricing_assumptions(a)))
    made = store.peek(priced_key)
    again = None if made is None else revised(made, a)
    if again is not None:
        log.info("revising %s for %s", source_id, _key(a))
        return again
    log.info("analysing %s with %s", source_id, _key(a))
    _unchanged(source_id, fleet)
    first = _first_pass(source_id, fleet)
    out = analyze(fleet, price_book(), a, first=first, runner=runner)
    store.get(priced_key, lambda: out)  # kept for a later change of those fields only
    return out


def _session() -> str:
    """This browser session's id: its own stale background analyses may be stopped."""
    ctx = get_script_run_ctx()
    return str(ctx.session_id) if ctx is not None else ""


def _prefetch(source_id: str, fleet: Fleet, a: Assumptions) -> None:
    """Queue the optimistic and pessimistic analyses of `a` and the recommendations made of
    the three (this session's work for assumptions it has left was stopped by `_resolve`,
    before `a` was priced)."""
    owner = _session()

    def priced(tilted: Assumptions, stop: threading.Event) -> Callable[[], Analysis]:
        def compute() -> Analysis:  # on the worker: the first pass too, if it was dropped
            return _priced(
                source_id,
                fleet,
                tilted,
                cancellable(stop, in_this_thread, yield_to=store.foreground),
            )

        return compute

    tilted = (optimistic(a), pessimistic(a))
    store = _analyses()
    rkey = _recommendations_key(source_id, a)
    for t in tilted:
        stop = threading.Event()
        store.prefetch((source_id, _key(t)), priced(t, stop), stop, owner)
    rstop = threading.Event()

    def recommended() -> Recommendations:  # after the two above (one worker, in order)
        from analyzer.present.recommendations import recommend

        three = []
        for t in (a, *tilted):
            if rstop.is_set():
                raise Cancelled
            three.append(store.get((source_id, _key(t)), priced(t, rstop)))
        return recommend(*three)

    store.prefetch(rkey, recommended, rstop, owner)


def _stop_stale(source_id: str, a: Assumptions) -> None:
    """Drop or stop this session's background work for assumptions other than `a`."""
    keep = [(source_id, _key(t)) for t in (optimistic(a), pessimistic(a))]
    _analyses().forget_queued([*keep, _recommendations_key(source_id, a)], _session())


def _recommendations_key(source_id: str, a: Assumptions) -> tuple[str, str]:
    return source_id, "recommendations " + _key(a)


@contextmanager
def page_run() -> Iterator[None]:
    """A page is being drawn: the background analyses pause at their next step until it is
    (unless it waits for one of them), so the page has Python's lock to itself."""
    with _analyses().foreground.running():
        yield


def start_prefetch() -> None:
    """Start pricing the analyses queued by this run (app.py calls it once the page is drawn)."""
    _analyses().start()


def analysis(a: Assumptions | None = None) -> Analysis:
    """The analysis of the current source under `a` (default: the what-if assumptions, whose
    optimistic and pessimistic analyses are then prefetched)."""
    user = a is None
    a = assumptions() if a is None else a
    sid, fleet = current_fleet()
    out = _analyze(sid, _key(a), fleet, a)
    if user:
        _prefetch(sid, fleet, a)
    return out


def sensitivity_analyses(a: Assumptions | None = None) -> tuple[Analysis, Analysis, Analysis]:
    """The analyses under `a` (default: the what-if assumptions), optimistic and pessimistic.
    `a` is the set the user chose, not `Analysis.assumptions` (which carries the data source's
    price-region proxies and so would be a different cache key)."""
    a = assumptions() if a is None else a
    return analysis(a), analysis(optimistic(a)), analysis(pessimistic(a))


def analysis_key() -> tuple[str, str]:
    """What identifies the current analysis: the data source and the what-if assumptions."""
    return current_fleet()[0], _key(assumptions())


# Figures and recommendations are made once per analysis (and function) and shared, not copied:
# Streamlit only reads them. The key is the analysis key; the Analysis itself is not hashed.
def arrow_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """`spec` with its datasets serialised to Arrow once (Streamlit sends bytes as they are;
    a DataFrame it would serialise again on every rerun)."""
    data = {name: convert_anything_to_arrow_bytes(df) for name, df in spec["datasets"].items()}
    return {**spec, "datasets": data}


@st.cache_resource(max_entries=64, show_spinner=False)
def _figure(key: tuple[str, str], kind: str, fid: str, _a: Analysis) -> dict[str, Any]:
    log.debug("drawing %s of %s under %s", kind, fid, key)
    make = {  # 30 traffic levels (the exports draw 60): each is priced exactly, the crossover
        # is drawn at its exact traffic, and the function opens in half the time
        "cost_curves": lambda a, f: vega_function.cost_curve_chart(a, f, points=30),
        "traffic": vega_function.traffic_chart,
        "breakdown": vega_function.breakdown_chart,
    }[kind]
    return arrow_spec(make(_a, fid))


def figure(a: Analysis, kind: str, fid: str) -> dict[str, Any]:
    """A function's chart (cost_curves, traffic or breakdown) under the current analysis `a`,
    as a Vega-Lite spec (for `st.vega_lite_chart`): Vega, as the overview's, so opening a
    function loads no Plotly script either."""
    return _figure(analysis_key(), kind, fid, a)


def ids_key(f: pd.DataFrame) -> str:
    """A short digest of the functions `f` holds, in order: the cache key standing for `f`
    (Streamlit hashing 10,000 ids one by one costs a quarter of a second per call)."""
    hashed = pd.util.hash_pandas_object(f["function_id"], index=False).to_numpy()
    return hashlib.blake2b(hashed.tobytes(), digest_size=16).hexdigest()


@st.cache_resource(max_entries=16, show_spinner=False)
def _fleet_figure(key: tuple[str, str], ids: str, _a: Analysis, _f: pd.DataFrame) -> dict[str, Any]:
    log.debug("drawing the fleet chart of %d functions (%s) under %s", len(_f), ids, key)
    return arrow_spec(vega.fleet_chart(_a, _f))


def fleet_figure(a: Analysis, f: pd.DataFrame) -> dict[str, Any]:
    """The fleet chart of the functions `f` (rows of `a.functions`): a Vega-Lite spec, so a
    new visitor's overview does not wait for Plotly's script."""
    return _fleet_figure(analysis_key(), ids_key(f), a, f)


@st.cache_resource(max_entries=16, show_spinner=False)
def _fleet_table(key: tuple[str, str], ids: str, _f: pd.DataFrame, mm: float) -> Any:
    log.debug("tabling %d functions (%s) under %s", len(_f), ids, key)
    return m.fleet_table(_f, mm)


def fleet_table(a: Analysis, f: pd.DataFrame) -> pd.DataFrame:
    """The overview's table of the functions `f` (rows of `a.functions`), worst first."""
    mm = float(a.assumptions.max_multiple)
    return _fleet_table(analysis_key(), ids_key(f), f, mm)


@st.cache_resource(max_entries=16, show_spinner=False)
def _function_choices(key: tuple[str, str], _a: Analysis) -> dict[str, str]:
    log.debug("listing the functions under %s", key)
    return m.function_choices(_a.functions)


def function_choices(a: Analysis) -> dict[str, str]:
    """function_id -> label of every function of `a`, worst verdict first (once per analysis:
    it tables the whole fleet)."""
    return _function_choices(analysis_key(), a)


@st.cache_resource(max_entries=64, show_spinner=False)
def _function_rec(key: tuple[str, str], fid: str, _a: Analysis) -> pd.Series:
    log.debug("recommending %s under %s", fid, key)
    return m.function_recommendation(_a, fid)


def function_rec(a: Analysis, fid: str) -> pd.Series:
    """One function's recommendation row, for the verdict sentence: the fleet's (priced once
    per analysis) when the sensitivity analyses are in, else this function's alone (the same
    words: the sentence uses no sensitivity column)."""
    if sensitivity_ready():
        fns = recommendations().functions
        rows = fns[fns["function_id"] == fid]
        if not rows.empty:
            return rows.iloc[0]
    return _function_rec(analysis_key(), fid, a)


def recommendations() -> Recommendations:
    """The whole fleet's recommendations under the what-if assumptions, sensitivity included
    (migration cost, payback, confidence, Tune): computed once per analysis, as the exports
    (usually in the background, after the optimistic and pessimistic analyses)."""
    from analyzer.present.recommendations import recommend

    a = assumptions()
    key = _recommendations_key(current_fleet()[0], a)
    store = _analyses()

    def compute() -> Recommendations:
        log.debug("recommending the fleet under %s", key)
        return recommend(*sensitivity_analyses(a))

    if store.ready(key):
        return store.get(key, compute)
    with st.spinner("Checking the verdicts under optimistic and pessimistic assumptions…"):
        return store.get(key, compute)


def sensitivity_ready() -> bool:
    """Whether the optimistic and pessimistic analyses of the what-if assumptions, and the
    recommendations made of them, are no longer being priced in the background."""
    a = assumptions()
    sid, _ = current_fleet()
    store = _analyses()
    keys = [(sid, _key(t)) for t in (a, optimistic(a), pessimistic(a))]
    return not any(store.pending(k) for k in [*keys, _recommendations_key(sid, a)])


def with_recommendations(slot: Any, render: Callable[[Recommendations], None]) -> None:
    """`render(recommendations())` into `slot` (an `st.empty()` placed earlier on the page) once
    the sensitivity analyses are priced. Until then the slot says so and checks every second,
    then reruns the page: the rest of the page does not wait for them."""
    if sensitivity_ready():
        with slot.container():
            render(recommendations())
        return

    @st.fragment(run_every=1.0)
    def poll() -> None:
        if sensitivity_ready():
            st.rerun()
        st.caption(
            "Checking the verdicts under the optimistic and the pessimistic assumptions "
            "(migration cost, payback, firm verdicts, Tune)…"
        )

    with slot.container():
        poll()


@st.cache_resource(max_entries=8, show_spinner=False)
def _report(key: tuple[str, str], snapshot: str, _a: Analysis) -> tuple[Any, tuple[str, ...]]:
    """The e-mail report's numbers of the analysis against the snapshot (the file named)."""
    import pyarrow.parquet as pq

    from analyzer.present.email_body import build_report

    log.debug("changes of %s since %s", key, snapshot or "nothing")
    previous = pq.read_table(snapshot).to_pandas() if snapshot else None
    ids = () if previous is None else tuple(previous["function_id"].astype(str))
    return build_report(_a, previous), ids


def changes_since_last_report(a: Analysis, function_ids: Any) -> m.Changes | None:
    """What changed since the last `crossover report` (its recorded verdicts, in the data
    directory's store), kept to `function_ids`; None when the history cannot be read."""
    from analyzer.adapters.store import Store

    try:
        snaps = Store().verdict_snapshots()
        rep, previous_ids = _report(analysis_key(), str(snaps[-1]) if snaps else "", a)
    except (CrossoverError, OSError, ValueError) as exc:
        log.warning("verdict history unreadable: %s", exc)
        return None
    return m.changes(rep, list(function_ids), previous_ids if snaps else None)


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
