"""Report exports generated once per data version and served from a file (month-end load).

A file's name is ``<family>-<version>.<fmt>``: the family hashes the report, its parameters and
the scope; the version hashes the data version it was built from. The first request for a
missing file generates it into a temporary file in the same folder and renames it into place
(atomic: nobody ever reads half a file); one generator at a time per file — a thread lock per
key within the process and an ``flock`` on ``<key>.lock`` across processes — and every other
request for the same file waits for it and then serves the finished file. A new data version
removes the family's older files once its own is in place.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

_POLL_S = 0.05  # waiting on another process's flock


class ReportBusy(RuntimeError):
    """Another request is still generating this file after the configured wait."""


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class ReportCache:
    def __init__(self, directory: str | os.PathLike[str], wait_s: float = 120.0) -> None:
        self.directory = Path(directory).resolve()  # send_file reads relative paths elsewhere
        self.wait_s = wait_s
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self.generated = 0  # files this process generated (tests and the bench read it)

    def _lock_for(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def path(self, family: Any, version: Any, fmt: str) -> Path:
        return self.directory / f"{_digest(family)}-{_digest(version)}.{fmt}"

    def get(self, family: Any, version: Any, fmt: str, build: Callable[[str], str]) -> Path:
        """The file for (family, version): served if there, else generated once.
        ``build(directory)`` writes the content to a new file in ``directory`` and returns its
        path (webapp.export.xlsx_file with ``directory``)."""
        target = self.path(family, version, fmt)
        if target.exists():
            return target
        self.directory.mkdir(parents=True, exist_ok=True)
        lock = self._lock_for(target.name)
        if not lock.acquire(timeout=self.wait_s):
            raise ReportBusy(target.name)
        try:
            with self._file_lock(target):
                if not target.exists():  # the one that held the lock before may have made it
                    tmp = build(str(self.directory))
                    os.replace(tmp, target)
                    self.generated += 1
                    self._prune(target)
        finally:
            lock.release()
        return target

    @contextmanager
    def _file_lock(self, target: Path) -> Iterator[None]:
        """An exclusive ``flock`` on the key's lock file, across processes, within the wait."""
        with open(target.with_suffix(".lock"), "a+b") as f:
            deadline = time.monotonic() + self.wait_s
            while True:
                try:
                    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise ReportBusy(target.name) from None
                    time.sleep(_POLL_S)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def _prune(self, target: Path) -> None:
        """Older versions of the same family go once the new file is in place (a reader that
        opened one keeps its open file)."""
        family = target.name.split("-", 1)[0]
        for old in self.directory.glob(f"{family}-*"):
            if old != target and old.suffix != ".lock" and not old.name.endswith(".tmp"):
                old.unlink(missing_ok=True)
