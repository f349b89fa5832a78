"""One collection at a time per data directory: `store/.lock`, holding the holder's pid.

The lock is an advisory `flock` on the lock file, so the kernel releases it when its holder
exits or is killed: a lock file left behind by a dead process (a stale lock) is simply taken
over. A second collection waits (saying which pid holds the lock) up to `timeout_s`, then stops
with one line; it never writes over the first one's windows or inventory.

A store in S3 has no flock: the lock is the object `store/.lock` (the holder's host, pid and
start time), created with a conditional put (`If-None-Match: *`), which S3 grants to one writer
only, and deleted at the end. S3 cannot tell that a holder died, so the holder rewrites the
object every S3_HEARTBEAT_S (`If-Match` its last ETag), and a lock S3 says was last written more
than S3_STALE_AFTER_S ago is taken over with `If-Match` the stale ETag: of several waiting
collections one wins, and a holder that was only slow loses its next rewrite, logs a warning
and leaves the lock alone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import json
import logging
import os
import socket
import threading
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

log = logging.getLogger(__name__)

LOCK_NAME = ".lock"
DEFAULT_TIMEOUT_S = 1800.0
S3_HEARTBEAT_S = 60.0  # the holder rewrites the S3 lock this often
S3_STALE_AFTER_S = 600.0  # an S3 lock not rewritten for this long belongs to a dead collection
_LOST = ("PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey")


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
    root: StorePath,
    timeout_s: float,
    waiting: Callable[[str], None] | None,
    poll_s: float,
) -> Iterator[StorePath]:
    """The lock object of a store in S3 (conditional puts; see the module docstring)."""
    heartbeat_s, stale_after_s = S3_HEARTBEAT_S, S3_STALE_AFTER_S
    from analyzer.adapters.aws.session import base_session, client_config

    lock = root / LOCK_NAME
    # not `guarded_client`: S3 answers PutObject with headers only, which the guards refuse
    client = base_session(region=lock.s3["region"]).client(
        "s3", endpoint_url=lock.s3["endpoint"], config=client_config()
    )
    held = _S3Lock(client, lock)
    deadline = time.monotonic() + timeout_s
    told = False
    while not held.acquire(stale_after_s):
        holder = held.holder()
        if time.monotonic() >= deadline:
            raise StoreError(
                f"the store at {root} is in use by another collection ({holder}) for more than "
                f"{timeout_s:.0f} s; try again later"
            )
        if waiting and not told:
            waiting(f"waiting for another collection ({holder}) to finish")
            told = True
        time.sleep(poll_s)
    if held.took_over and waiting:
        waiting(
            f"took over the lock {lock}: its holder had not refreshed it for {stale_after_s:.0f} s"
        )
    stop = threading.Event()
    beat = threading.Thread(target=held.keep_fresh, args=(stop, heartbeat_s), daemon=True)
    beat.start()
    try:
        yield lock
    finally:
        stop.set()
        beat.join()
        held.release()


class _S3Lock:
    """The lock object: created if absent (If-None-Match: *), refreshed by its holder and taken
    over when stale (If-Match: the ETag seen), so two writers never both succeed."""

    def __init__(self, client: Any, lock: StorePath) -> None:
        self.client = client
        self.lock = lock
        self.bucket, self.key = lock.s3["bucket"], lock.s3["key"]
        since = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        info = {"host": socket.gethostname(), "pid": os.getpid(), "since": since}
        self.body = json.dumps(info).encode()
        self.etag: str | None = None
        self.took_over = False

    def _put(self, **condition: str) -> str | None:
        """The new ETag, or None when the condition failed (another writer was first)."""
        import botocore.exceptions

        try:
            answer = self.client.put_object(
                Bucket=self.bucket, Key=self.key, Body=self.body, **condition
            )
        except botocore.exceptions.ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in _LOST or status in (409, 412):
                return None
            raise StoreError(f"cannot write the lock {self.lock}: {code or status}") from None
        except botocore.exceptions.BotoCoreError as exc:
            raise StoreError(f"cannot write the lock {self.lock}: {type(exc).__name__}") from None
        return str(answer.get("ETag", ""))

    def acquire(self, stale_after_s: float) -> bool:
        self.etag = self._put(IfNoneMatch="*")
        if self.etag is None:
            stale = self._stale_etag(stale_after_s)
            if stale is not None:
                self.etag = self._put(IfMatch=stale)
                self.took_over = self.etag is not None
        return self.etag is not None

    def _stale_etag(self, stale_after_s: float) -> str | None:
        """The lock's ETag if S3 says it was last written more than stale_after_s ago (both
        times S3's own: no clock skew), else None."""
        import botocore.exceptions

        try:
            head = self.client.get_object(Bucket=self.bucket, Key=self.key)  # tiny; GetObject
            head["Body"].close()
            now = email.utils.parsedate_to_datetime(head["ResponseMetadata"]["HTTPHeaders"]["date"])
            age = (now - head["LastModified"]).total_seconds()
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError, KeyError):
            return None  # gone (the next put creates it) or unreadable: wait
        except (TypeError, ValueError):
            return None
        return str(head["ETag"]) if age > stale_after_s else None

    def keep_fresh(self, stop: threading.Event, every_s: float) -> None:
        """Rewrite the lock every `every_s` while held, so that it never looks stale."""
        while not stop.wait(every_s) and self.etag is not None:
            try:
                self.etag = self._put(IfMatch=self.etag)
            except StoreError as exc:  # S3 unreachable for now: try again at the next beat
                log.warning("%s", exc)
                continue
            if self.etag is None:
                log.warning("the lock %s was taken over by another collection", self.lock)

    def release(self) -> None:
        import botocore.exceptions

        if self.etag is None:  # lost to another collection: its lock, not ours, to delete
            return
        # if this fails, the lock goes stale and the next collection takes it over
        with contextlib.suppress(
            botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError
        ):
            self.client.delete_object(Bucket=self.bucket, Key=self.key)

    def holder(self) -> str:
        """'pid P on HOST since T' of the lock object, or 'holder unknown'."""
        try:
            raw = self.client.get_object(Bucket=self.bucket, Key=self.key)["Body"].read(500)
            held = json.loads(raw.decode("utf-8"))
            host, since = str(held["host"])[:60], str(held["since"])[:25]
            return f"pid {int(held['pid'])} on {host} since {since}"
        except Exception:  # gone, unreadable or foreign: the message says so
            return "holder unknown"
