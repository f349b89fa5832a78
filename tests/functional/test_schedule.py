"""The report scheduler: cron slots across DST changes, restarts, failures, signals."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analyzer.adapters.schedule import Scheduler, SentLog, next_slot, parse_tz, slots
from analyzer.exceptions import InputError

PARIS = parse_tz("Europe/Paris")
UTC = dt.UTC


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


class FakeClock:
    """A clock that only moves when the scheduler sleeps."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> dt.datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += dt.timedelta(seconds=seconds)


def take(cron: str, after: dt.datetime, n: int) -> list[dt.datetime]:
    it = slots(cron, PARIS, after)
    return [next(it) for _ in range(n)]


# -- slots across DST (Europe/Paris: +01:00 in winter, +02:00 in summer) ----------------------
def test_spring_forward_runs_a_missing_wall_time_right_after_the_gap() -> None:
    # 2027-03-28: clocks go from 02:00 CET straight to 03:00 CEST (01:00 UTC)
    got = take("0 2 * * *", utc(2027, 3, 26, 12), 3)
    assert got == [utc(2027, 3, 27, 1), utc(2027, 3, 28, 1), utc(2027, 3, 29, 0)]
    assert [g.astimezone(PARIS).strftime("%d %H:%M %z") for g in got] == [
        "27 02:00 +0100",
        "28 03:00 +0200",
        "29 02:00 +0200",
    ]
    got = take("30 2 * * *", utc(2027, 3, 26, 12), 3)
    assert got == [utc(2027, 3, 27, 1, 30), utc(2027, 3, 28, 1), utc(2027, 3, 29, 0, 30)]


def test_fall_back_runs_a_repeated_wall_time_once() -> None:
    # 2027-10-31: 03:00 CEST goes back to 02:00 CET; 02:00-03:00 happens twice
    for cron, first in (
        ("0 2 * * *", utc(2027, 10, 31, 0)),
        ("30 2 * * *", utc(2027, 10, 31, 0, 30)),
    ):
        got = take(cron, utc(2027, 10, 30, 12), 2)
        assert got[0] == first  # the first 02:xx (still CEST), and only that one
        assert got[1] == first + dt.timedelta(hours=25)  # 02:xx CET the next day


def test_slots_that_land_on_one_instant_run_once() -> None:
    got = take("0,30 2 * * *", utc(2027, 3, 27, 12), 2)
    assert got == [utc(2027, 3, 28, 1), utc(2027, 3, 29, 0)]


def test_weekly_slot_in_local_time() -> None:
    # Monday 08:00 in Paris is 07:00 UTC in winter, 06:00 UTC in summer
    assert next_slot("0 8 * * MON", PARIS, utc(2027, 3, 24)) == utc(2027, 3, 29, 6)
    assert next_slot("0 8 * * MON", PARIS, utc(2027, 3, 20)) == utc(2027, 3, 22, 7)
    assert next_slot("0 8 * * MON", parse_tz("UTC"), utc(2027, 3, 22, 8)) == utc(2027, 3, 29, 8)


def test_bad_cron_and_zone_are_input_errors() -> None:
    with pytest.raises(InputError, match="--cron"):
        next_slot("every monday", PARIS, utc(2027, 1, 1))
    with pytest.raises(InputError, match="--tz"):
        parse_tz("Mars/Olympus")


# -- the loop --------------------------------------------------------------------------------
def test_runs_each_slot_and_records_it(tmp_path: Path) -> None:
    clock = FakeClock(utc(2027, 3, 22, 12))
    ran: list[dt.datetime] = []
    sent = SentLog(tmp_path)
    sched = Scheduler(
        "0 8 * * MON",
        lambda s: ran.append(s),
        tz=PARIS,
        sent=sent,
        clock=clock,
        sleep=clock.sleep,
        max_runs=2,
    )
    assert sched.run() == 0
    assert ran == [utc(2027, 3, 29, 6), utc(2027, 4, 5, 6)]
    assert clock.now == utc(2027, 4, 5, 6)  # it slept until the slot, not past it
    assert max(clock.sleeps) <= 3600  # waits in bounded steps
    assert sent.slots() == {"2027-03-29T06:00:00+00:00", "2027-04-05T06:00:00+00:00"}


def test_a_slot_already_sent_is_not_sent_again_after_a_restart(tmp_path: Path) -> None:
    slot = utc(2027, 3, 29, 6)
    first: list[dt.datetime] = []
    clock = FakeClock(slot - dt.timedelta(minutes=5))
    Scheduler(
        "0 8 * * MON",
        first.append,
        tz=PARIS,
        sent=SentLog(tmp_path),
        clock=clock,
        sleep=clock.sleep,
        max_runs=1,
    ).run()
    assert first == [slot]
    # the process restarts 30 seconds after the slot: it must not send that slot again
    again: list[dt.datetime] = []
    clock = FakeClock(slot + dt.timedelta(seconds=30))
    Scheduler(
        "0 8 * * MON",
        again.append,
        tz=PARIS,
        sent=SentLog(tmp_path),
        clock=clock,
        sleep=clock.sleep,
        max_runs=1,
    ).run()
    assert again == [slot + dt.timedelta(days=7)]


def test_a_slot_missed_during_a_short_outage_runs_at_start(tmp_path: Path) -> None:
    slot = utc(2027, 3, 29, 6)
    ran: list[dt.datetime] = []
    clock = FakeClock(slot + dt.timedelta(minutes=10))
    Scheduler(
        "0 8 * * MON",
        ran.append,
        tz=PARIS,
        sent=SentLog(tmp_path),
        clock=clock,
        sleep=clock.sleep,
        max_runs=1,
    ).run()
    assert ran == [slot]
    assert clock.sleeps == []
    # without catch-up it waits for the next slot instead
    ran.clear()
    clock = FakeClock(slot + dt.timedelta(minutes=10))
    Scheduler(
        "0 8 * * MON",
        ran.append,
        tz=PARIS,
        sent=SentLog(tmp_path / "other"),
        clock=clock,
        sleep=clock.sleep,
        max_runs=1,
        catch_up=dt.timedelta(0),
    ).run()
    assert ran == [slot + dt.timedelta(days=7)]


def test_a_failing_run_does_not_stop_the_schedule(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock(utc(2027, 3, 22, 12))
    calls: list[dt.datetime] = []

    def job(slot: dt.datetime) -> None:
        calls.append(slot)
        if len(calls) == 1:
            raise RuntimeError("SMTP server on fire")

    sent = SentLog(tmp_path)
    sched = Scheduler(
        "0 8 * * MON", job, tz=PARIS, sent=sent, clock=clock, sleep=clock.sleep, max_runs=2
    )
    with caplog.at_level("ERROR", logger="analyzer.adapters.schedule"):
        failed = sched.run()
    assert failed == 1
    assert [ok for _, ok in sched.runs] == [False, True]
    assert sent.slots() == {"2027-04-05T06:00:00+00:00"}  # only the one that went out
    assert "SMTP server on fire" in caplog.text


def test_sigterm_stops_the_loop(tmp_path: Path) -> None:
    clock = FakeClock(utc(2027, 3, 22, 12, 1))
    ran: list[dt.datetime] = []

    def sleep(seconds: float) -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # delivered to the handler the scheduler installed
        clock.sleep(seconds)

    sched = Scheduler(
        "*/5 * * * *",
        ran.append,
        tz=PARIS,
        sent=SentLog(tmp_path),
        clock=clock,
        sleep=sleep,
        catch_up=dt.timedelta(0),
    )
    before = signal.getsignal(signal.SIGTERM)
    restore = sched.install_signal_handlers()
    try:
        assert sched.run() == 0
    finally:
        restore()
    assert ran == []
    assert sched.stopping
    assert signal.getsignal(signal.SIGTERM) == before


def test_crossover_schedule_process_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "CROSSOVER_DATA_DIR": str(tmp_path / "data"), "CROSSOVER_CHARTS": "0"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "analyzer",
            "schedule",
            "--cron",
            "0 8 * * MON",
            "--tz",
            "UTC",
            "--demo",
            "--dry-run",
            "--out",
            str(tmp_path / "out"),
            "--catch-up-minutes",
            "0",
        ],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 60
    lines: list[str] = []
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        lines.append(line)
        if "next report at" in line or not line:
            break
    assert any("next report at" in x for x in lines), "".join(lines)
    proc.send_signal(signal.SIGTERM)
    rest = proc.communicate(timeout=30)[1]
    assert proc.returncode == 0, rest
    assert "scheduler stopped" in rest
    assert "0 run(s), 0 failed" in rest
    assert not (tmp_path / "out").exists()
