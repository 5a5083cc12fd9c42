"""Benchmark: put+get round trips per second on the embedded queue manager, durable commits.

One round trip = put one 2 KiB message and commit, then get it and commit: two durable
transactions (SQLite in WAL with synchronous=FULL, in a temporary directory). With
ETSGW_BENCH_PG_URL set (a database the benchmark may create ``mq_`` tables in) the PostgreSQL
figure is printed too. The last line is the SQLite figure:

    BENCH transport_roundtrips_per_s <value> 1/s

Run: .venv/bin/python bench/transport.py [seconds per backend, default 5]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gateway.transports.base import REQUEST_CORREL_ID, msg_id_from_digits  # noqa: E402
from gateway.transports.embedded.transport import EmbeddedTransport  # noqa: E402
from gateway.transports.embedded.objects import QueueManagerDefinition  # noqa: E402

QUEUE = "BENCH.Q"
BODY = b"<?xml version=\"1.0\" encoding=\"GBK\"?>" + b"x" * 2000


def round_trips(url: str, seconds: float) -> float:
    qm = f"QM.BENCH.{os.getpid()}"
    transport = EmbeddedTransport(url, qm, durable=True)
    transport.ensure_schema()
    transport.define(QueueManagerDefinition(qm).local(QUEUE, max_depth=1000))
    n = 0
    try:
        with transport.session() as s:
            for _ in range(20):  # warm up connections and statement caches
                s.put(QUEUE, BODY, msg_id=msg_id_from_digits("0" * 20), correl_id=REQUEST_CORREL_ID,
                      ccsid=1386)
                s.commit()
                s.get(QUEUE)
                s.commit()
            started = time.perf_counter()
            while time.perf_counter() - started < seconds:
                msg_id = msg_id_from_digits(f"{n:020d}")
                s.put(QUEUE, BODY, msg_id=msg_id, correl_id=REQUEST_CORREL_ID, ccsid=1386)
                s.commit()
                env = s.get(QUEUE)
                assert env is not None and env.msg_id == msg_id
                s.commit()
                n += 1
            elapsed = time.perf_counter() - started
    finally:
        transport.close()
    return n / elapsed


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    with tempfile.TemporaryDirectory(prefix="etsgw-bench-") as tmp:
        sqlite = round_trips(f"sqlite:///{Path(tmp) / 'queues.db'}", seconds)
    print(f"embedded/SQLite (WAL, synchronous=FULL): {sqlite:.1f} round trips/s "
          "(put+commit, get+commit)")
    pg_url = os.environ.get("ETSGW_BENCH_PG_URL")
    if pg_url:
        pg = round_trips(pg_url, seconds)
        print(f"embedded/PostgreSQL: {pg:.1f} round trips/s (put+commit, get+commit)")
    print(f"BENCH transport_roundtrips_per_s {sqlite:.1f} 1/s")


if __name__ == "__main__":
    main()
