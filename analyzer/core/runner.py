"""Where a pass over a fleet's chunks runs: here, on a few threads (`in_process`), or on a
cluster (`adapters.dask_run`). Both passes use it: the first (`window.window_sums`, the
per-function sums) and the second (`blocks.price_fleet_options`, every option and the
crossover). A pass is a task `task(fleet, shared, lo, hi)` over chunks [lo, hi) of function
positions; a runner yields the results in chunk order, so they do not depend on where each
chunk ran.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from analyzer.core.fleet import Fleet

THREADS = 4  # chunks run at once in process, at most one per core

T = TypeVar("T")
ChunkTask = Callable[[Fleet, Any, int, int], T]


class ChunkRunner(Protocol):
    def __call__(
        self, task: ChunkTask[T], fleet: Fleet, shared: Any, spans: list[tuple[int, int]]
    ) -> Iterable[T]:
        """`task(fleet, shared, lo, hi)` for each span, the results in the order of `spans`."""
        ...


def in_process(
    task: ChunkTask[T], fleet: Fleet, shared: Any, spans: list[tuple[int, int]]
) -> Iterator[T]:
    """The chunks run here on up to THREADS threads (numpy, pandas and pyarrow do their array
    work outside Python's lock, so chunks overlap on the cores). Memory: one chunk's arrays per
    thread."""
    threads = min(THREADS, len(spans), len(os.sched_getaffinity(0)))
    if threads <= 1:
        for lo, hi in spans:
            yield task(fleet, shared, lo, hi)
        return
    with ThreadPoolExecutor(threads, thread_name_prefix="crossover-chunk") as pool:
        yield from pool.map(lambda span: task(fleet, shared, span[0], span[1]), spans)


def reporting(report: Callable[[int, int], None], runner: ChunkRunner = in_process) -> ChunkRunner:
    """`runner`, calling `report(functions done, functions in the pass)` as each chunk's result
    arrives (in chunk order, in the thread that reads the results): e.g. the app's progress bar
    while a large fleet is priced. The results are `runner`'s, unchanged."""

    def run(task: ChunkTask[T], fleet: Fleet, shared: Any, spans: list[tuple[int, int]]) -> Any:
        total = sum(hi - lo for lo, hi in spans)
        done = 0
        for (lo, hi), result in zip(spans, runner(task, fleet, shared, spans), strict=True):
            done += hi - lo
            report(done, total)
            yield result

    return run


class Cancelled(Exception):
    """A pass stopped before its end (`checkpoint`): its result is no longer wanted
    (`cancellable`)."""


_PASS = threading.local()  # the stop of the cancellable pass this thread is working for


def checkpoint() -> None:
    """Raise `Cancelled` if the pass this thread works for has been stopped (`cancellable`);
    the engine calls it between the steps of a chunk, so a stopped pass ends within one step
    instead of one chunk. Nothing happens outside a cancellable pass."""
    stop = getattr(_PASS, "stop", None)
    if stop is not None and stop.is_set():
        raise Cancelled


def cancellable(stop: threading.Event, runner: ChunkRunner = in_process) -> ChunkRunner:
    """`runner`, except that once `stop` is set the pass raises `Cancelled`: no further chunk
    starts, and the chunks being priced stop at their next `checkpoint` (a step of the
    crossover walk at most). For work nobody waits for, e.g. the app's background analyses of
    assumptions the user has already left. Runs the chunks here (threads): a cluster's
    workers cannot see `stop`."""

    def run(task: ChunkTask[T], fleet: Fleet, shared: Any, spans: list[tuple[int, int]]) -> Any:
        def checked(fleet: Fleet, shared: Any, lo: int, hi: int) -> T:
            _PASS.stop = stop
            try:
                checkpoint()
                return task(fleet, shared, lo, hi)
            finally:
                _PASS.stop = None

        return runner(checked, fleet, shared, spans)

    return run
