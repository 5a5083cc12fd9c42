"""Waking pollers when a SQLite file changes, for almost nothing while it does not.

SQLite has no cross-process "something was committed" signal, but ``PRAGMA data_version`` on a
connection changes whenever *another* connection has committed to the file since the last time
it was asked, and asking costs a few microseconds (no table is read). One watcher thread per
process and file asks every few milliseconds (less often once the file has been quiet for a
while) and counts the changes (a generation number); consumers, the relay, channel agents and
the simulator's loop wait on that generation instead of running their SQL peeks every few
milliseconds. An idle gateway then costs one pragma per
interval, whatever the number of its waiting threads.

No wake-up is lost: a waiter reads the generation *before* it looks for work, so a commit after
its look bumps the generation and ends the wait; a commit before its look is seen by the look.
Waits are bounded (callers pass a timeout), so a watcher that fails only slows waiters down to
their timeout. Not for ``:memory:`` databases or other dialects (:func:`watch_for` gives None).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time

from sqlalchemy.engine import Engine

#: How often the watcher asks: every millisecond after a change, backing off to MAX_INTERVAL_S
#: while the file stays quiet, and to IDLE_INTERVAL_S once it has been quiet for IDLE_AFTER_S
#: (a change is seen at most that long after its commit). Each look costs a thread wake-up
#: (about 0.1 ms of CPU on this machine), so looking every 8 ms for ever kept an idle process at
#: 1.7 % of a core; after a quiet spell the first message pays at most IDLE_INTERVAL_S once.
INTERVAL_S = 0.001
MAX_INTERVAL_S = 0.008
IDLE_AFTER_S = 0.5
IDLE_INTERVAL_S = 0.04

_watches: dict[str, "ChangeWatch"] = {}
_real_paths: dict[str, str] = {}
_registry_lock = threading.Lock()


class ChangeWatch:
    """Counts the commits other connections make to one SQLite file (see the module)."""

    def __init__(self, path: str, interval_s: float = INTERVAL_S,
                 max_interval_s: float = MAX_INTERVAL_S, idle_after_s: float = IDLE_AFTER_S,
                 idle_interval_s: float = IDLE_INTERVAL_S) -> None:
        self.path, self.interval_s, self.max_interval_s = path, interval_s, max_interval_s
        self.idle_after_s, self.idle_interval_s = idle_after_s, idle_interval_s
        self.pid = os.getpid()
        self._cond = threading.Condition()
        self._generation = 0
        self._thread = threading.Thread(target=self._run, name=f"watch {os.path.basename(path)}",
                                        daemon=True)
        self._thread.start()

    def generation(self) -> int:
        """Read this before looking for work; pass it to :meth:`wait`."""
        return self._generation

    def wait(self, since: int, timeout_s: float) -> bool:
        """Until the file changed after generation ``since`` (True) or ``timeout_s`` passed."""
        with self._cond:
            return self._cond.wait_for(lambda: self._generation != since, max(0.0, timeout_s))

    def _run(self) -> None:
        conn = None
        last = None
        delay = self.interval_s
        changed_at = time.monotonic()
        while True:
            try:
                if conn is None:
                    conn = sqlite3.connect(self.path, timeout=1.0, check_same_thread=False)
                version = conn.execute("PRAGMA data_version").fetchone()[0]
            except sqlite3.Error:
                # The file may be replaced or not yet created: wake everyone (they look for
                # themselves) and reconnect a little later.
                if conn is not None:
                    conn.close()
                conn, version = None, None
                time.sleep(0.1)
            if version != last:
                last, delay, changed_at = version, self.interval_s, time.monotonic()
                with self._cond:
                    self._generation += 1
                    self._cond.notify_all()
            elif time.monotonic() - changed_at >= self.idle_after_s:
                delay = self.idle_interval_s
            else:
                delay = min(delay * 2, self.max_interval_s)
            time.sleep(delay)


def watch_for(engine: Engine | None) -> ChangeWatch | None:
    """The process's watcher of ``engine``'s SQLite file (started on first use), else None."""
    if engine is None or engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    # Callers ask on every wait: look the resolved path up by the URL's own text first
    # (os.path.realpath is a system call per path component).
    path = _real_paths.get(database)
    if path is None:
        path = _real_paths[database] = os.path.realpath(database)
    with _registry_lock:
        watch = _watches.get(path)
        if watch is None or watch.pid != os.getpid():  # a forked child has no watcher thread
            watch = _watches[path] = ChangeWatch(path)
        return watch
