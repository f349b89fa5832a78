"""The app's store of analyses: prefetched on a background thread once the page is drawn, taken
over when a page needs one still queued, and stale prefetches dropped when the user moves on."""

from __future__ import annotations

import threading
import time
from typing import Any

from app_pages.common import Analyses


def test_prefetch_take_over_and_forget() -> None:
    store = Analyses()
    release = threading.Event()
    ran: list[str] = []

    def compute(name: str, wait: bool = False) -> Any:
        def run() -> Any:
            if wait:
                release.wait(10)
            ran.append(f"{name}@{threading.current_thread().name.split('_')[0]}")
            return name

        return run

    store.prefetch(("s", "early"), compute("early"))
    time.sleep(0.2)
    assert ran == [] and not store.ready(("s", "early"))  # not while the page is drawn
    store.start()  # the page is drawn
    early: Any = store.get(("s", "early"), compute("never"))
    assert early == "early"
    assert ran == ["early@crossover-prefetch"]
    ran.clear()

    store.prefetch(("s", "busy"), compute("busy", wait=True))  # occupies the one worker
    store.prefetch(("s", "stale"), compute("stale"))
    store.prefetch(("s", "wanted"), compute("wanted"))
    assert store.pending(("s", "stale")) and store.pending(("s", "wanted"))
    store.start()
    time.sleep(0.2)  # the worker has taken "busy"

    store.forget_queued([("s", "wanted")])  # the user moved on: "stale" is not priced
    assert not store.pending(("s", "stale"))
    # a page needs "wanted" now: priced in the page's own thread, not after "busy"
    got: Any = store.get(("s", "wanted"), compute("never"))
    assert got == "never"
    assert ran == ["never@MainThread"]

    release.set()
    got = store.get(("s", "busy"), compute("again"))
    assert got == "busy"  # waited for, not recomputed
    assert store.ready(("s", "busy")) and not store.ready(("s", "stale"))
    assert ran == ["never@MainThread", "busy@crossover-prefetch"]


def test_a_sessions_stale_analysis_is_stopped_while_priced_and_another_sessions_is_not() -> None:
    """A What-if change stops this session's background analyses of the assumptions it left,
    at its next step (`runner.cancellable`), so the new analysis has the processor to itself;
    an analysis another session asked for runs on; one stopped is priced again when asked."""
    from analyzer.core.runner import Cancelled

    store = Analyses()
    started = threading.Event()

    def chunks(stop: threading.Event) -> Any:
        def run() -> Any:  # an analysis checking `stop` between its chunks
            started.set()
            for _ in range(500):
                if stop.is_set():
                    raise Cancelled
                time.sleep(0.01)
            return "finished"

        return run

    mine, theirs = threading.Event(), threading.Event()
    store.prefetch(("s", "theirs"), chunks(theirs), theirs, owner="other session")
    store.prefetch(("s", "mine"), chunks(mine), mine, owner="me")
    store.start()
    assert started.wait(5)  # "theirs" is being priced, "mine" queued behind it
    store.forget_queued([("s", "wanted")], owner="me")
    assert not theirs.is_set()  # another session's analysis is left alone
    assert not store.pending(("s", "mine"))  # mine was still queued: dropped
    theirs.set()  # (the other session moves on too)
    time.sleep(0.2)
    assert not store.pending(("s", "theirs"))

    running = threading.Event()
    store.prefetch(("s", "stale"), chunks(running), running, owner="me")
    started.clear()
    store.start()
    assert started.wait(5)
    store.forget_queued([("s", "wanted")], owner="me")  # the user moved on
    assert running.is_set()
    deadline = time.monotonic() + 5
    while store.pending(("s", "stale")) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not store.pending(("s", "stale")) and not store.ready(("s", "stale"))
    assert store.get(("s", "stale"), lambda: "priced again") == "priced again"


def test_an_analysis_two_sessions_asked_for_runs_on_when_one_moves_on() -> None:
    """Two visitors on the same assumptions share one background analysis: the one who
    changes an assumption does not stop it for the other."""
    store = Analyses()
    started, stop = threading.Event(), threading.Event()

    def run() -> Any:
        started.set()
        for _ in range(300):
            if stop.is_set():
                return "stopped"
            time.sleep(0.01)
        return "finished"

    store.prefetch(("s", "shared"), run, stop, owner="a")
    store.prefetch(("s", "shared"), lambda: "never", threading.Event(), owner="b")
    store.start()
    assert started.wait(5)
    store.forget_queued([], owner="a")  # visitor a moves on
    assert not stop.is_set()
    store.forget_queued([], owner="b")  # and b: nobody asks for it any more
    assert stop.is_set()


def test_a_page_waiting_for_a_prefetch_it_holds_back_gets_it() -> None:
    """While a page is drawn (`page_run`) the prefetches pause at their next step; a page that
    needs one being priced waits for it and lets it run meanwhile (no deadlock), and gets the
    same figures as an analysis made in the page."""
    import pandas as pd

    from analyzer.core.analyze import analyze
    from analyzer.core.demo import demo_fleet
    from analyzer.core.pricebook import PriceBook
    from analyzer.core.runner import cancellable

    demo, book = demo_fleet(), PriceBook.load()
    plain = analyze(demo, book, chunk=10)
    store = Analyses()
    stop, steps = threading.Event(), []

    def prefetched() -> Any:
        steps.append("started")
        return analyze(demo, book, chunk=10, runner=cancellable(stop, yield_to=store.foreground))

    store.prefetch(("demo", "tilted"), prefetched, stop, owner="me")
    got: dict[str, Any] = {}

    def page() -> None:
        with store.foreground.running():  # the page is drawn
            store.start()
            deadline = time.monotonic() + 10
            while not steps and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.3)
            assert store.pending(("demo", "tilted"))  # held back at its first step
            got["a"] = store.get(("demo", "tilted"), lambda: "never")  # the page needs it now

    drawn = threading.Thread(target=page)
    drawn.start()
    drawn.join(120)
    assert not drawn.is_alive(), "the page waited for a prefetch that waited for the page"
    pd.testing.assert_frame_equal(got["a"].functions, plain.functions, check_exact=True)
