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
