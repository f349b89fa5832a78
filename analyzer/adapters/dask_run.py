"""Running a fleet's chunks on a Dask distributed cluster (`crossover analyze --dask`): a
`runner.ChunkRunner` for both passes of the analysis.

Both passes run on the workers: the first (per-function sums over the window, chunk by chunk)
and the costly second (every option and the crossover). What stays here is small and
fleet-wide: the Lambda bill with its tiers, the trends, the verdicts. The fleet (for a stored
fleet, the store's address and the inventory, not the traffic) and the pass's shared figures
are sent to every worker once, then each task handles one chunk of functions [lo, hi), reading
its own traffic from the store. Functions are listed by id ("account:region:name"), so a chunk
covers one (account, region) or a few. Results are gathered in chunk order: they are the
in-process results, figure for figure.

    --dask local:2               a LocalCluster of 2 worker processes on 127.0.0.1
    --dask tcp://scheduler:8786  an existing cluster's scheduler; its workers must reach the
                                 same store: a shared file system, or the S3 store itself
                                 (--data-dir s3://...: each worker reads S3 with its own AWS
                                 credentials; the store's address travels, never a key)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

from analyzer.core.fleet import Fleet
from analyzer.core.runner import ChunkTask, T
from analyzer.exceptions import InputError

LOCAL = "local:"
MAX_LOCAL_WORKERS = 64


def parse_address(address: str) -> tuple[str, int]:
    """("local", workers) for local:N, ("scheduler", 0) for a scheduler address."""
    text = address.strip()
    if text.startswith(LOCAL):
        count = text.removeprefix(LOCAL)
        if not count.isdigit() or not 1 <= int(count) <= MAX_LOCAL_WORKERS:
            raise InputError(
                "--dask", address, f"local:N needs N workers from 1 to {MAX_LOCAL_WORKERS}"
            )
        return "local", int(count)
    if not text or any(c.isspace() for c in text) or "://" not in text:
        raise InputError(
            "--dask", address, "is neither local:N nor a scheduler address like tcp://host:8786"
        )
    return "scheduler", 0


class DaskRunner(AbstractContextManager["DaskRunner"]):
    """A `ChunkRunner` on a Dask cluster (a local one it starts, or an existing scheduler)."""

    def __init__(self, address: str) -> None:
        kind, workers = parse_address(address)
        from distributed import Client, LocalCluster

        self.cluster: Any = None
        if kind == "local":
            self.cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                # The scheduler always serves HTTP (health, metrics): on loopback, on a free port
                # (None still meant 0.0.0.0:8787, which clashes with any other cluster).
                dashboard_address="127.0.0.1:0",
            )
            self.client = Client(self.cluster)
        else:
            self.client = Client(address, timeout="20s")

    def __exit__(self, *exc: object) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __call__(
        self, task: ChunkTask[T], fleet: Fleet, shared: Any, spans: list[tuple[int, int]]
    ) -> Iterator[T]:
        remote_fleet = self.client.scatter(fleet, broadcast=True)
        remote_shared = self.client.scatter(shared, broadcast=True)
        futures = [
            self.client.submit(task, remote_fleet, remote_shared, lo, hi, pure=False)
            for lo, hi in spans
        ]
        for future in futures:  # in chunk order, as they finish
            yield future.result()


def dask_runner(address: str) -> DaskRunner:
    """A runner for `analyze(..., runner=)`: use it as a context manager (it closes the client
    and a local cluster)."""
    return DaskRunner(address)
