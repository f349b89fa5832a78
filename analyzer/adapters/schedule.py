"""`crossover schedule`: run a job on a cron schedule, as a long-lived process.

Slots are wall-clock times in a time zone (the local one, or `--tz`):

- a wall time that does not exist (spring forward: 02:30 in Europe/Paris on the last Sunday of
  March) runs at the first instant after the gap (03:00 local), like cron;
- a wall time that occurs twice (fall back) runs once, at its first occurrence;
- several cron times that land on the same instant run once.

Each slot that ran successfully is recorded (UTC ISO timestamp) in `reports/sent-slots.json`
under the data directory, so a restarted scheduler never sends the same slot twice. On start,
the latest slot within `catch_up` (default 1 hour) that was not recorded runs at once: a restart
right at the scheduled time neither loses nor repeats a report. A failing run is logged and the
loop goes on to the next slot (the failed slot is not retried: deliveries retry on their own).
SIGTERM / SIGINT stop the loop between runs, or at once while it waits.

The clock and the sleep are injectable, so tests drive the loop without waiting.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadDateError, croniter

from analyzer.exceptions import InputError, StoreError

log = logging.getLogger(__name__)

SENT_FILE = Path("reports") / "sent-slots.json"
MAX_SENT_KEPT = 500
UTC = dt.UTC


def parse_tz(name: str | None) -> dt.tzinfo:
    """The zone named (IANA, via zoneinfo) or the machine's local zone."""
    if not name:
        local = dt.datetime.now().astimezone().tzinfo
        return local if local is not None else UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError("--tz", name, "is not a known time zone (e.g. Europe/Paris, UTC)") from exc


def check_cron(expr: str) -> str:
    if not croniter.is_valid(expr) or len(expr.split()) != 5:
        raise InputError("--cron", expr, 'is not a 5-field cron expression (e.g. "0 8 * * MON")')
    try:  # "0 0 31 2 *" is valid but never fires: refuse it rather than wait forever
        croniter(expr, dt.datetime(2024, 1, 1)).get_next(dt.datetime)
    except (CroniterBadDateError, ValueError, OverflowError) as exc:
        raise InputError("--cron", expr, "never fires (no such date in any year)") from exc
    return expr


def _exists(wall: dt.datetime, tz: dt.tzinfo) -> bool:
    aware = wall.replace(tzinfo=tz, fold=0)
    return aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall


def _after_gap(wall: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """The first instant after the DST gap that swallows the wall time `wall`."""
    lo = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)  # read with the offset after the gap
    hi = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)  # read with the offset before it
    lo, hi = min(lo, hi), max(lo, hi)
    target = hi.astimezone(tz).utcoffset()
    while (hi - lo) > dt.timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).utcoffset() == target:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0)


def wall_to_instant(wall: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """A naive local wall time -> the UTC instant it runs at (see the module docstring)."""
    if _exists(wall, tz):
        return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    return _after_gap(wall, tz)


def slots(cron: str, tz: dt.tzinfo, after: dt.datetime) -> Iterator[dt.datetime]:
    """The UTC instants of the cron schedule strictly after `after` (aware), in order."""
    check_cron(cron)
    start_wall = after.astimezone(tz).replace(tzinfo=None) - dt.timedelta(hours=3)
    it = croniter(cron, start_wall)
    last: dt.datetime | None = None
    while True:
        wall = it.get_next(dt.datetime)
        instant = wall_to_instant(wall, tz)
        if instant <= after or instant == last:
            continue
        last = instant
        yield instant


def next_slot(cron: str, tz: dt.tzinfo, after: dt.datetime) -> dt.datetime:
    return next(slots(cron, tz, after))


def previous_slot(
    cron: str, tz: dt.tzinfo, at: dt.datetime, within: dt.timedelta
) -> dt.datetime | None:
    """The latest slot in (at - within, at], if any."""
    found = None
    for s in slots(cron, tz, at - within):
        if s > at:
            break
        found = s
    return found


class SentLog:
    """The slots already delivered, kept on disk (atomic writes)."""

    def __init__(self, data_dir: str | Path | None) -> None:
        from analyzer.adapters.store import default_data_dir

        self.path = default_data_dir(data_dir) / SENT_FILE

    def slots(self) -> set[str]:
        if not self.path.exists():
            return set()
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return {str(s) for s in data.get("sent", [])}
        except (OSError, json.JSONDecodeError, AttributeError) as exc:
            raise StoreError(f"cannot read the sent-report record {self.path}: {exc}") from exc

    def __contains__(self, slot: object) -> bool:
        return isinstance(slot, dt.datetime) and _key(slot) in self.slots()

    def add(self, slot: dt.datetime) -> None:
        from analyzer.adapters.store import atomic_write_text

        sent = sorted(self.slots() | {_key(slot)})[-MAX_SENT_KEPT:]
        try:
            atomic_write_text(self.path, json.dumps({"sent": sent}, indent=1) + "\n")
        except OSError as exc:
            raise StoreError(f"cannot write the sent-report record {self.path}: {exc}") from exc


def _key(slot: dt.datetime) -> str:
    return slot.astimezone(UTC).isoformat(timespec="seconds")


class Scheduler:
    """Runs `job(slot)` at every slot of `cron` until stopped."""

    def __init__(
        self,
        cron: str,
        job: Callable[[dt.datetime], Any],
        *,
        tz: dt.tzinfo | None = None,
        sent: SentLog,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(UTC),
        sleep: Callable[[float], None] | None = None,
        catch_up: dt.timedelta = dt.timedelta(hours=1),
        max_runs: int | None = None,
    ) -> None:
        self.cron = check_cron(cron)
        self.job = job
        self.tz = tz or parse_tz(None)
        self.sent = sent
        self.clock = clock
        self._stop = threading.Event()
        self.sleep = sleep or self._wait
        self.catch_up = catch_up
        self.max_runs = max_runs
        self.runs: list[tuple[dt.datetime, bool]] = []  # (slot, ok)

    # -- stopping ---------------------------------------------------------------------------
    def _wait(self, seconds: float) -> None:
        self._stop.wait(max(0.0, seconds))

    def stop(self, *_: Any) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def install_signal_handlers(self) -> Callable[[], None]:
        """SIGTERM / SIGINT stop the loop (main thread only); returns a function restoring the
        previous handlers."""
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

        def handler(signum: int, _frame: FrameType | None) -> None:
            log.warning("received %s: stopping after the current step", signal.Signals(signum).name)
            self.stop()

        for sig in previous:
            signal.signal(sig, handler)

        def restore() -> None:
            for sig, h in previous.items():
                signal.signal(sig, h)

        return restore

    # -- the loop ---------------------------------------------------------------------------
    def _run_slot(self, slot: dt.datetime) -> None:
        local = slot.astimezone(self.tz)
        log.info("running the report for slot %s (%s)", local.isoformat(), _key(slot))
        try:
            result = self.job(slot)
        except Exception as exc:  # a failed run must not stop the schedule
            log.error("report for slot %s failed: %s", local.isoformat(), exc)
            self.runs.append((slot, False))
            return
        try:
            self.sent.add(slot)
        except StoreError as exc:
            log.error("%s", exc)
        self.runs.append((slot, True))
        log.info("report for slot %s done%s", local.isoformat(), f": {result}" if result else "")

    def run(self) -> int:
        """Loop until stopped (or `max_runs` slots ran); returns the number of failed runs."""
        now = self.clock()
        due = previous_slot(self.cron, self.tz, now, self.catch_up) if self.catch_up else None
        if due is not None and due in self.sent:
            log.info("slot %s was already sent: skipping it", due.astimezone(self.tz).isoformat())
            due = None
        cursor = now if due is None else due - dt.timedelta(microseconds=1)
        log.info("scheduler started: cron %r in %s", self.cron, self.tz)
        while not self.stopping:
            slot = next_slot(self.cron, self.tz, cursor)
            log.info("next report at %s", slot.astimezone(self.tz).isoformat())
            while not self.stopping:
                wait = (slot - self.clock()).total_seconds()
                if wait <= 0:
                    break
                self.sleep(min(wait, 3600.0))
            if self.stopping:
                break
            if slot in self.sent:
                log.info(
                    "slot %s was already sent: skipping it", slot.astimezone(self.tz).isoformat()
                )
            else:
                self._run_slot(slot)
            cursor = slot
            if self.max_runs is not None and len(self.runs) >= self.max_runs:
                break
        log.info("scheduler stopped")
        return sum(1 for _, ok in self.runs if not ok)
