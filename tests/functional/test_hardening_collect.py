"""Collections as cron sees them: partial failures exit 4, a run where everything failed says
which account/regions failed, concurrent runs into one data directory lose nothing (the store
lock), and a lock left by a dead process is taken over."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aws_helpers import MAIN_ACCOUNT, seed_fleet
from click.testing import CliRunner
from test_hardening_aws import HTML, on_path, proxy

from analyzer.adapters.store import Store
from analyzer.adapters.store_lock import LOCK_NAME, store_lock
from analyzer.cli import cli
from analyzer.exceptions import StoreError

REGIONS = ("us-east-1", "eu-west-1")


def collect(url: str, data: Path, *regions: str) -> tuple[int, str, str]:
    args = ["collect", "--endpoint-url", url, "--days", "1", "--yes", "--data-dir", str(data)]
    for r in regions:
        args += ["--region", r]
    result = CliRunner().invoke(cli, args)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.aws
@pytest.mark.xdist_group("moto")
def test_a_partial_failure_exits_4_and_keeps_what_was_collected(
    moto_url: str, tmp_path: Path
) -> None:
    seeded = seed_fleet(moto_url, accounts=(MAIN_ACCOUNT,), regions=REGIONS, hours=3)
    with proxy(moto_url, on_path("/functions", 200, HTML)) as url:
        code, out, err = collect(url, tmp_path / "d", *REGIONS)
    assert code == 4, err
    assert "Traceback" not in err
    assert f"warning: {MAIN_ACCOUNT}/eu-west-1 inventory" in err
    assert "partial: 1 account/region(s) failed (exit status 4)" in err
    assert "(1 failures)" in out
    east = seeded.functions[seeded.functions["region"] == "us-east-1"]
    assert Store(tmp_path / "d").known_functions(MAIN_ACCOUNT, "us-east-1") == set(east["name"])


@pytest.mark.aws
@pytest.mark.xdist_group("moto")
def test_when_every_region_fails_the_error_lists_them_not_an_empty_store(
    moto_url: str, tmp_path: Path
) -> None:
    seed_fleet(moto_url, accounts=(MAIN_ACCOUNT,), regions=REGIONS, hours=2)

    def every_list(_m: str, path: str, _b: bytes) -> tuple[int, bytes] | None:
        return (200, HTML) if "/functions" in path else None

    with proxy(moto_url, every_list) as url:
        code, _, err = collect(url, tmp_path / "d", *REGIONS)
    assert code == 1
    last = err.strip().splitlines()[-1]
    assert "every account/region failed" in last
    assert f"{MAIN_ACCOUNT}/us-east-1 (inventory)" in last
    assert f"{MAIN_ACCOUNT}/eu-west-1 (inventory)" in last
    assert "store" not in last and "Traceback" not in err


@pytest.mark.aws
@pytest.mark.xdist_group("moto")
def test_twelve_concurrent_collections_lose_nothing(moto_url: str, tmp_path: Path) -> None:
    regions = ("us-east-1", "eu-west-1", "us-west-2", "ap-south-1")
    seeded = seed_fleet(
        moto_url, accounts=(MAIN_ACCOUNT,), regions=regions, functions_per_pair=2, hours=3
    )
    data = tmp_path / "d"
    command = [sys.executable, "-m", "analyzer", "collect", "--endpoint-url", moto_url]
    command += ["--days", "1", "--yes", "--data-dir", str(data)]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "analyzer",
                "collect",
                "--endpoint-url",
                moto_url,
                "--region",
                regions[i % len(regions)],
                "--days",
                "1",
                "--yes",
                "--data-dir",
                str(data),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )
        for i in range(12)
    ]
    results = [p.communicate(timeout=500) for p in procs]
    assert [p.returncode for p in procs] == [0] * 12, [e[-500:] for _, e in results]
    store = Store(data)
    for region in regions:
        expected = seeded.functions.loc[seeded.functions["region"] == region, "name"]
        assert store.known_functions(MAIN_ACCOUNT, region) == set(expected), region
    assert set(store.windows()) == {f"{MAIN_ACCOUNT}:{r}" for r in regions}
    fleet = store.load_fleet()
    assert len(fleet.traffic) == len(seeded.traffic)  # every seeded hour, none lost or doubled
    assert (data / "store" / LOCK_NAME).read_text().strip().isdigit()  # the last holder's pid


def test_a_held_lock_makes_the_next_collection_wait_then_stop_naming_the_holder(
    tmp_path: Path,
) -> None:
    root = tmp_path / "store"
    root.mkdir()
    fd = os.open(root / LOCK_NAME, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, b"4242\n")
        told: list[str] = []
        with (
            pytest.raises(StoreError, match=r"in use by another collection \(pid 4242\)"),
            store_lock(root, timeout_s=0.5, waiting=told.append, poll_s=0.05),
        ):
            pytest.fail("the lock was taken twice")
        assert told == ["waiting for another collection (pid 4242) to finish"]
    finally:
        os.close(fd)


def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    root = tmp_path / "store"
    root.mkdir()
    script = [sys.executable, "-c", "import os; print(os.getpid())"]
    dead = subprocess.run(script, capture_output=True, text=True, check=True).stdout.strip()
    (root / LOCK_NAME).write_text(f"{dead}\n")  # left behind by a killed collection
    with store_lock(root, timeout_s=0.5) as path:
        assert path.read_text() == f"{os.getpid()}\n"
