"""The report cache: concurrent requests for one file get one generation; a new data version
makes a new file and removes the old one; a file is never seen half-written."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from webapp.report_cache import ReportCache

THREADS = 16


def _builder(calls: list, release: threading.Event, content: bytes):
    def build(directory: str) -> str:
        calls.append(threading.get_ident())
        assert release.wait(30), "the test never released the generator"
        path = f"{directory}/part-{len(calls)}.tmp"
        with open(path, "wb") as f:
            f.write(content)
        return path
    return build


def test_concurrent_requests_share_one_generation(tmp_path):
    cache = ReportCache(tmp_path / "cache", wait_s=30)
    calls: list[int] = []
    release = threading.Event()
    started = []
    build = _builder(calls, release, b"x" * 100_000)

    def request():
        started.append(1)
        return cache.get(("monthly", "14401060000"), 7, "xlsx", build)

    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(request) for _ in range(THREADS)]
        deadline = time.monotonic() + 30
        while (len(started) < THREADS or not calls) and time.monotonic() < deadline:
            time.sleep(0.01)  # polling for the threads to be inside get(), with a deadline
        release.set()
        paths = {f.result(timeout=30) for f in futures}
    assert len(calls) == 1 and cache.generated == 1
    (path,) = paths
    assert path.read_bytes() == b"x" * 100_000
    assert not list(path.parent.glob("*.tmp"))


def test_a_new_data_version_replaces_the_file(tmp_path):
    cache = ReportCache(tmp_path, wait_s=5)
    release = threading.Event()
    release.set()
    calls: list[int] = []
    old = cache.get("family", 1, "csv", _builder(calls, release, b"old"))
    again = cache.get("family", 1, "csv", _builder(calls, release, b"not used"))
    assert again == old and len(calls) == 1
    new = cache.get("family", 2, "csv", _builder(calls, release, b"new"))
    assert new != old and new.read_bytes() == b"new" and not old.exists()
    other = cache.get("another", 1, "csv", _builder(calls, release, b"other"))
    assert other.exists() and new.exists()
