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
from contextlib import contextmanager
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
        yield from in_this_thread(task, fleet, shared, spans)
        return
    with ThreadPoolExecutor(threads, thread_name_prefix="crossover-chunk") as pool:
        yield from pool.map(lambda span: task(fleet, shared, span[0], span[1]), spans)


def in_this_thread(
    task: ChunkTask[T], fleet: Fleet, shared: Any, spans: list[tuple[int, int]]
) -> Iterator[T]:
    """The chunks run one after the other in the calling thread: one core at most, e.g. for
    background work that should leave the other cores to the work somebody waits for."""
    for lo, hi in spans:
        yield task(fleet, shared, lo, hi)


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


_PASS = threading.local()  # the stop (and the foreground) of the cancellable pass of this thread


class Foreground:
    """Work somebody is waiting for goes first. While a thread is `running()` foreground work
    (the app: a page being drawn), the passes that yield to it (`cancellable(..., yield_to=)`)
    wait at their next `checkpoint` instead of sharing Python's lock with it: two threads
    share one interpreter, and a page drawn while a background analysis prices took up to twice
    as long. A foreground thread that waits for such a pass (`waiting()`) lets it run meanwhile,
    so it never waits for work that waits for it."""

    POLL_S = 0.1  # a paused pass looks at its stop this often

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy = 0  # foreground threads running and not waiting
        self._idle = threading.Event()
        self._idle.set()
        self._thread = threading.local()  # depth of running(), and whether waiting()

    def _count(self, step: int) -> None:
        with self._lock:
            self._busy += step
            if self._busy:
                self._idle.clear()
            else:
                self._idle.set()

    @contextmanager
    def running(self) -> Iterator[None]:
        """This thread's work goes first until the block ends (nested blocks count once)."""
        depth = getattr(self._thread, "depth", 0)
        self._thread.depth = depth + 1
        if not depth:
            self._count(1)
        try:
            yield
        finally:
            self._thread.depth = depth
            if not depth:
                self._count(-1)

    @contextmanager
    def waiting(self) -> Iterator[None]:
        """This thread waits for background work: the passes it holds back may run meanwhile
        (nothing changes for a thread that is not running foreground work)."""
        mine = getattr(self._thread, "depth", 0) > 0 and not getattr(self._thread, "waits", False)
        if mine:
            self._thread.waits = True
            self._count(-1)
        try:
            yield
        finally:
            if mine:
                self._count(1)
                self._thread.waits = False

    def wait_turn(self, stop: threading.Event) -> None:
        """Return once no foreground work runs; raise `Cancelled` if `stop` is set meanwhile."""
        while not self._idle.wait(self.POLL_S):
            if stop.is_set():
                break
        if stop.is_set():  # also when stopped just before the foreground ended
            raise Cancelled


def checkpoint() -> None:
    """Raise `Cancelled` if the pass this thread works for has been stopped (`cancellable`),
    and wait here while the foreground work it yields to runs; the engine calls it between
    the steps of a chunk, so a stopped pass ends (and a yielding one pauses) within one step
    instead of one chunk. Nothing happens outside a cancellable pass."""
    stop = getattr(_PASS, "stop", None)
    if stop is None:
        return
    if stop.is_set():
        raise Cancelled
    yield_to: Foreground | None = getattr(_PASS, "yield_to", None)
    if yield_to is not None:
        yield_to.wait_turn(stop)


def cancellable(
    stop: threading.Event, runner: ChunkRunner = in_process, yield_to: Foreground | None = None
) -> ChunkRunner:
    """`runner`, except that once `stop` is set the pass raises `Cancelled`: no further chunk
    starts, and the chunks being priced stop at their next `checkpoint` (a step of the
    crossover walk at most). For work nobody waits for, e.g. the app's background analyses of
    assumptions the user has already left. With `yield_to`, the chunks also pause at each
    checkpoint while its foreground work runs (the same figures, later). Runs the chunks here
    (threads): a cluster's workers cannot see `stop`."""

    def run(task: ChunkTask[T], fleet: Fleet, shared: Any, spans: list[tuple[int, int]]) -> Any:
        def checked(fleet: Fleet, shared: Any, lo: int, hi: int) -> T:
            _PASS.stop, _PASS.yield_to = stop, yield_to
            try:
                checkpoint()
                return task(fleet, shared, lo, hi)
            finally:
                _PASS.stop = _PASS.yield_to = None

        return runner(checked, fleet, shared, spans)

    return run
