"""One collection at a time per data directory: `store/.lock`, holding the holder's pid.

The lock is an advisory `flock` on the lock file, so the kernel releases it when its holder
exits or is killed: a lock file left behind by a dead process (a stale lock) is simply taken
over. A second collection waits (saying which pid holds the lock) up to `timeout_s`, then stops
with one line; it never writes over the first one's windows or inventory.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

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
    root: Path,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    waiting: Callable[[str], None] | None = None,
    poll_s: float = 0.2,
) -> Iterator[Path]:
    """Hold the store's lock for the duration of the block."""
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
