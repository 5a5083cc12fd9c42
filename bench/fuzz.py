"""Poison and fuzz run (issue 18.2): hostile inbound messages mixed with valid traffic through a
real ``etsgw gateway`` process on the embedded transport.

The messages (tests/support/hostile.py, reproducible from ``--seed``): mutations of the golden
messages, wrong encodings, XML attacks, unknown message numbers, replies to requests never sent,
misaddressed messages, oversized ones, duplicates, and valid 9005 link tests and 2091 counter
queries. All are put on the gateway's ONLINE.OUT / BATCH.OUT queues, then one worker processes
them. Afterwards every message is checked against the interface (hostile.violations): a refused
one is in the error store with its reason, on the backout queue, and answered exactly when
§3.1 rule 8 says so; a good one is processed and answered; nothing is processed twice (one inbox
row per MsgID); the worker never dies and logs no failed step.

Floor: the bare codec decoding the same messages in this process (what any validating receiver
pays); the worker's rate over it shows what the transactions, the error store and the backout
copies add.

    python bench/fuzz.py [--messages 10000] [--seed 18]

Ends with ``BENCH fuzz_violations <n> count``.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, select  # noqa: E402

from gateway.bootstrap import build  # noqa: E402
from gateway.codec import Codec, MessageRejected, REQ_CORREL_ID, msg_id_to_mqmd  # noqa: E402
from gateway.config import load_settings  # noqa: E402
from gateway.persistence import migrate  # noqa: E402
from gateway.persistence.records import ErrorStoreRecord, InboxRecord, OutboxRecord  # noqa: E402
from gateway.transport_factory import open_embedded  # noqa: E402
from tests.e2e.killtests.harness import CRASHING, Worker, wait_until, write_config  # noqa: E402
from tests.support import hostile  # noqa: E402
from tests.support.seed import seed  # noqa: E402

PUT_BATCH = 500


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def configure(tmp: Path, messages: int) -> Path:
    """The kill tests' configuration (long timers: nothing times out), with queues deep enough
    to hold the whole run at once."""
    config = write_config(tmp, "joined")
    text = config.read_text(encoding="utf-8").replace(
        "[transport]\n", f"[transport]\nmax_queue_depth = {messages * 2}\n", 1)
    config.write_text(text, encoding="utf-8")
    return config


def floor(codec: Codec, cases: list[hostile.Case]) -> tuple[list[hostile.Expected], float]:
    """The oracle's verdicts and the bare codec's decode rate over the same messages."""
    seen: set[str] = set()
    verdicts = []
    for case in cases:  # also warms the codec's schema caches, as a running worker has them
        verdict = hostile.oracle(codec, case, seen)
        if verdict.msg_id:
            seen.add(verdict.msg_id)
        verdicts.append(verdict)
    start = time.perf_counter()
    for case in cases:
        try:
            codec.decode(case.data, ccsid=hostile.envelope_ccsid(case))
        except MessageRejected:
            pass
    return verdicts, len(cases) / (time.perf_counter() - start)


def put_all(qm, settings, cases: list[hostile.Case]) -> None:
    queues = {"ONLINE": settings.online_out_queue, "BATCH": settings.batch_out_queue}
    for start in range(0, len(cases), PUT_BATCH):
        with qm.session() as s:
            for case in cases[start:start + PUT_BATCH]:
                s.put(queues[hostile.queue_class(case)], case.data,
                      msg_id=msg_id_to_mqmd(case.msg_id), correl_id=REQ_CORREL_ID,
                      ccsid=hostile.envelope_ccsid(case))
            s.commit()


def depth(qm, settings) -> int:
    with qm.reader.connect() as conn:
        return sum(qm.depth(conn, q) for q in (settings.online_out_queue, settings.batch_out_queue))


def observe(db, qm, settings, codec: Codec):
    """What the gateway did: error-store and backout bodies, answers by MsgRef, inbox rows."""
    with db.connect() as conn:
        stored = collections.Counter(digest(b) for b in conn.execute(
            select(ErrorStoreRecord.body)).scalars())
        inbox = collections.defaultdict(list)
        for src, msg_id, outcome in conn.execute(
                select(InboxRecord.src, InboxRecord.msg_id, InboxRecord.outcome)):
            inbox[(src, msg_id)].append(outcome)
        answers = collections.defaultdict(list)
        for body, ccsid in conn.execute(select(OutboxRecord.body, OutboxRecord.ccsid)):
            msg = codec.decode(body, ccsid=ccsid)
            ret = getattr(msg.body, "msg_return9120", None) or getattr(msg.body, "msg_return9121", None)
            answers[msg.head.msg_ref].append((msg.head.msg_no, getattr(ret, "result", "")))
    backed_out = collections.Counter()
    with qm.session() as s:
        for queue in (settings.online_out_queue, settings.batch_out_queue):
            backed_out.update(digest(e.body) for e in s.browse(queue + ".BACKOUT", 10**6))
    return stored, backed_out, answers, inbox


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()

    cases = list(hostile.traffic(args.messages, args.seed))
    codec = Codec()
    verdicts, codec_rate = floor(codec, cases)
    print(f"{len(cases)} messages generated; bare codec decode {codec_rate:,.0f} /s")

    with tempfile.TemporaryDirectory(prefix="etsgw-fuzz-") as tmpdir:
        tmp = Path(tmpdir)
        config = configure(tmp, len(cases))
        settings = load_settings(config, environ={})
        app = build(settings)
        migrate.upgrade(app.engine)
        seed(app.engine)
        app.close()
        qm = open_embedded(settings, settings.transport.queue_manager)
        db = create_engine(settings.database.url)
        put_all(qm, settings, cases)
        worker = Worker(config, tmp / "worker.log", args=CRASHING)
        start = time.perf_counter()
        worker.start()
        try:
            wait_until(lambda: not worker.alive() or depth(qm, settings) == 0, 1800,
                       "the inbound queues to drain", worker.tail)
            elapsed = time.perf_counter() - start
            alive = worker.alive()
        finally:
            worker.kill() if not worker.alive() else worker.proc.terminate()
            if worker.proc is not None:
                worker.proc.wait(30)
        log = worker.log.read_text(encoding="utf-8", errors="replace")
        stored, backed_out, answers, inbox = observe(db, qm, settings, codec)
        db.dispose()
        qm.close()

    rate = len(cases) / elapsed
    tally: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    problems: list[str] = []
    if not alive:
        problems.append("the gateway worker died during the run")
    for sign in ("worker step failed", "Traceback"):
        if sign in log:
            problems.append(f"{sign!r} in the worker's log")
    doubled = [k for k, rows in inbox.items() if len(rows) > 1]
    problems += [f"MsgID {k[1]} recorded {len(inbox[k])} times in the inbox" for k in doubled[:10]]
    for case, exp in zip(cases, verdicts):
        key = digest(case.data)
        replies = answers.get(case.msg_id, [])
        error_replies = answers.get(exp.msg_id or "", []) if exp.rejected else []
        rows = inbox.get((hostile.ETS, case.msg_id), [])
        seen = hostile.Observed(
            outcome=None if case.kind == "duplicate" else (rows[0] if rows else None),
            stored=stored[key] > 0, backed_out=backed_out[key] > 0,
            error_answer=any(no in hostile.ERROR_ANSWERS and (no == "1009" or res in ("92004", "92005"))
                             for no, res in error_replies),
            answered=bool(replies))
        t = tally[case.kind]
        t["sent"] += 1
        t["refused"] += exp.rejected or exp.misaddressed
        t["answered"] += seen.error_answer or (not exp.rejected and seen.answered)
        t["backed out"] += seen.backed_out
        t["processed"] += (not exp.rejected and not exp.misaddressed)
        found = hostile.violations(case, exp, seen)
        t["violations"] += len(found)
        problems += [f"{case.kind} {case.msg_id}: {v}" for v in found]

    columns = ["sent", "refused", "answered", "backed out", "processed", "violations"]
    print(f"\n{'kind':20}" + "".join(f"{c:>12}" for c in columns))
    for kind in sorted(tally):
        print(f"{kind:20}" + "".join(f"{tally[kind][c]:>12}" for c in columns))
    total = collections.Counter()
    for t in tally.values():
        total.update(t)
    print(f"{'total':20}" + "".join(f"{total[c]:>12}" for c in columns))
    for line in problems[:30]:
        print("VIOLATION", line)
    print(f"\nworker: {len(cases)} messages in {elapsed:.1f} s = {rate:,.0f} /s; bare codec "
          f"{codec_rate:,.0f} /s; codec floor / worker = {codec_rate / rate:.1f}x")
    print(f"BENCH fuzz_messages_per_s {rate:.1f} /s")
    print(f"BENCH fuzz_codec_floor_per_s {codec_rate:.1f} /s")
    print(f"BENCH fuzz_violations {len(problems)} count")
    return 0 if not problems else 1


if __name__ == "__main__":
    raise SystemExit(main())
