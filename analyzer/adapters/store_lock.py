"""One collection at a time per data directory: `store/.lock`, holding the holder's pid.

The lock is an advisory `flock` on the lock file, so the kernel releases it when its holder
exits or is killed: a lock file left behind by a dead process (a stale lock) is simply taken
over. A second collection waits (saying which pid holds the lock) up to `timeout_s`, then stops
with one line; it never writes over the first one's windows or inventory.

A store in S3 has no flock: the lock is the object `store/.lock`, created with a conditional
put (`If-None-Match: *`), which S3 grants to one writer only, and deleted at the end. It holds
the holder's host, pid and start time. S3 cannot tell that its holder died, so a lock left by
a killed collection stays: the waiting collection names the object and says when it was
taken; delete it by hand once no collection runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from analyzer.adapters.store_fs import StorePath
from analyzer.exceptions import StoreError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock; collections are not serialised
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".lock"
DEFAULT_TIMEOUT_S = 1800.0


def _holder(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()[:20] or "?"
    except OSError:
        return "?"


@contextlib.contextmanager
def store_lock(
    root: Path | StorePath,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    waiting: Callable[[str], None] | None = None,
    poll_s: float = 0.2,
) -> Iterator[Path | StorePath]:
    """Hold the store's lock for the duration of the block."""
    if isinstance(root, StorePath):
        if root.local is None:
            with _s3_lock(root, timeout_s, waiting, poll_s) as held:
                yield held
            return
        root = root.local
    root.mkdir(parents=True, exist_ok=True)
    path = root / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(f"cannot create the lock {path}: {exc.strerror or exc}") from exc
    try:
        deadline = time.monotonic() + timeout_s
        told = False
        while fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"the store at {root} is in use by another collection (pid "
                        f"{_holder(path)}) for more than {timeout_s:.0f} s; try again later"
                    ) from None
                if waiting and not told:
                    waiting(f"waiting for another collection (pid {_holder(path)}) to finish")
                    told = True
                time.sleep(poll_s)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield path
    finally:
        os.close(fd)  # releases the flock


@contextlib.contextmanager
def _s3_lock(
    root: StorePath, timeout_s: float, waiting: Callable[[str], None] | None, poll_s: float
) -> Iterator[StorePath]:
    """The lock object of a store in S3 (conditional put; see the module docstring)."""
    import botocore.exceptions

    from analyzer.adapters.aws.session import base_session, client_config

    lock = root / LOCK_NAME
    bucket, key = lock.s3["bucket"], lock.s3["key"]
    # not `guarded_client`: S3 answers PutObject with headers only, which the guards refuse
    client = base_session(region=lock.s3["region"]).client(
        "s3", endpoint_url=lock.s3["endpoint"], config=client_config()
    )
    since = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    body = json.dumps({"host": socket.gethostname(), "pid": os.getpid(), "since": since})
    deadline = time.monotonic() + timeout_s
    told = False
    while True:
        try:
            client.put_object(Bucket=bucket, Key=key, Body=body.encode(), IfNoneMatch="*")
            break
        except botocore.exceptions.ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code not in ("PreconditionFailed", "ConditionalRequestConflict") and status not in (
                409,
                412,
            ):
                raise StoreError(f"cannot create the lock {lock}: {code or status}") from None
        except botocore.exceptions.BotoCoreError as exc:
            raise StoreError(f"cannot create the lock {lock}: {type(exc).__name__}") from None
        holder = _s3_holder(client, bucket, key)
        if time.monotonic() >= deadline:
            raise StoreError(
                f"the store at {root} is in use by another collection ({holder}) for more than "
                f"{timeout_s:.0f} s; if no collection is running, delete {lock} and try again"
            )
        if waiting and not told:
            waiting(f"waiting for another collection ({holder}) to finish")
            told = True
        time.sleep(poll_s)
    try:
        yield lock
    finally:
        # if this fails, the next collection names the object to delete
        with contextlib.suppress(
            botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError
        ):
            client.delete_object(Bucket=bucket, Key=key)


def _s3_holder(client: Any, bucket: str, key: str) -> str:
    """'pid P on HOST since T' of the S3 lock object, or '?'."""
    try:
        raw = client.get_object(Bucket=bucket, Key=key)["Body"].read(500)
        held = json.loads(raw.decode("utf-8"))
        host, since = str(held["host"])[:60], str(held["since"])[:25]
        return f"pid {int(held['pid'])} on {host} since {since}"
    except Exception:  # gone, unreadable or foreign: the message says so
        return "holder unknown"
