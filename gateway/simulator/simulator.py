"""The :class:`Simulator`: the provincial ETS centre and the banks behind it, as the partner
queue manager (``QM.ETS``), for the demo and the gateway's end-to-end tests.

It talks to the gateway only with wire messages through the transport. In-process, a test
calls :meth:`Simulator.process_once` (and runs the channel agents itself); ``etsgw sim run``
calls :meth:`Simulator.run`, which also runs QM.ETS's sender channel towards the gateway.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy import insert, select

from gateway.clock import beijing_now
from gateway.codec import Codec, msg_id_to_mqmd
from gateway.config import Settings
from gateway.simulator import counter, dayend, inbound, jobs
from gateway.simulator import schema as t
from gateway.simulator.context import Clock, SimEnv, Tx, d2s, s2d
from gateway.simulator.contract_choices import (BATCH_BUDGET_S, BATCH_PER_UNIT, IDLE_POLL_S, IDLE_WAKE_S,
                                               JOBS_PER_PASS, MAX_3122_ITEMS)
from gateway.simulator.faults import Faults
from gateway.simulator.reference import ReferenceData
from gateway.transports.embedded.schema import create_queue_engine
from gateway.transport_factory import open_channel_agent, open_transport

log = structlog.get_logger("gateway.simulator")


class Simulator(ReferenceData):
    """The ETS and its banks. Thread-safe for one loop plus API calls from other threads."""

    def __init__(self, settings: Settings, clock: Clock = beijing_now, *,
                 transport: Any = None, max_3122_items: int = MAX_3122_ITEMS) -> None:
        self.settings = settings
        self.clock = clock
        self.queue_manager = settings.transport.partner_queue_manager
        self.transport = transport or open_transport(settings, self.queue_manager)
        engine = getattr(self.transport, "engine", None)
        # Sharing the queue store's engine lets one transaction hold the get, the state and
        # the puts (the embedded queue manager keeps QM.ETS in simulator.database_url).
        joined = settings.transport.kind == "embedded" and engine is not None
        if not joined:
            engine = create_queue_engine(settings.simulator.database_url)
        codec = Codec(encoding=settings.gateway.encoding,
                      max_bytes=settings.gateway.max_message_bytes, validate=True,
                      max_package_items=settings.gateway.max_package_items)
        reader = getattr(self.transport, "reader", engine) if joined else engine
        self.env = SimEnv(settings=settings, codec=codec, clock=clock, engine=engine,
                          reader=reader, transport=self.transport, joined=joined,
                          config_faults=Faults.configured(settings.simulator.faults),
                          max_3122_items=max_3122_items, log=log)
        self._lock = threading.RLock()
        self._single_rounds = 0
        self.ensure_schema()

    @property
    def codec(self) -> Codec:
        return self.env.codec

    def ensure_schema(self) -> None:
        """Create the ``sim_`` tables and the state row if missing (idempotent)."""
        t.ensure_schema(self.engine)
        with self.engine.begin() as conn:
            if conn.execute(select(t.state.c.id)).first() is None:
                initial = self.settings.gateway.initial_work_date or d2s(self.clock().date())
                conn.execute(insert(t.state).values(id=1, work_date=initial, sys_stat="0"))

    def close(self) -> None:
        self.transport.close()
        if not self.env.joined:
            self.engine.dispose()

    # --- the loop --------------------------------------------------------------------------

    def process_once(self, max_messages: int = 100) -> int:
        """Handle up to ``max_messages`` inbound messages, then the work that is due; returns
        how many messages and jobs were handled."""
        count = 0
        queues = [(self.settings.transport.online_in, "ONLINE"),
                  (self.settings.transport.batch_in, "BATCH")]
        while count < max_messages and queues:
            got = 0
            for queue, queue_class in list(queues):
                if count + got < max_messages:
                    limit = max_messages - count - got
                    n, drained = self._receive_batch(queue, queue_class, limit)
                    got += n
                    if drained:
                        # What arrives meanwhile is the next call's: looking again cost an empty
                        # unit of work per queue and call.
                        queues.remove((queue, queue_class))
            if not got:
                break
            count += got
        for job_id in jobs.due(self.env.reader, self.clock(), JOBS_PER_PASS):
            try:
                with self._unit() as tx:
                    kind = jobs.run(tx, job_id)
            except Exception:  # noqa: BLE001 - one broken job must not stop the others
                log.exception("sim.job_failed", job_id=job_id)
                with self._unit() as tx:
                    jobs.postpone(tx, job_id)
                continue
            count += kind is not None
        return count

    def channel_agent(self) -> Any:
        """QM.ETS's sender channel agent (embedded transport): ``run_once()`` moves what the
        simulator put to the gateway's queue manager; ``run_forever(stop)`` keeps doing it."""
        return open_channel_agent(self.settings, self.queue_manager)

    def run(self, stop: threading.Event, *, channel_agent: bool = True) -> None:
        """Run the loop (and QM.ETS's sender channel) until ``stop`` is set."""
        agent_thread = None
        if channel_agent and self.settings.transport.kind == "embedded":
            agent = self.channel_agent()
            agent_thread = threading.Thread(target=agent.run_forever, args=(stop,),
                                            name="sim-channel", daemon=True)
            agent_thread.start()
        log.info("sim.started", work_date=d2s(self.work_date), queue_manager=self.queue_manager)
        watch = getattr(self.transport, "change_watch", None)
        while not stop.is_set():
            generation = watch.generation() if watch is not None else 0
            try:
                handled = self.process_once()
            except Exception:  # noqa: BLE001 - the loop must survive; the message was backed out
                log.exception("sim.loop_error")
                handled = 0
            if not handled:
                self._idle(stop, watch, generation)
        if agent_thread is not None:
            agent_thread.join(timeout=5)
        log.info("sim.stopped")

    def _idle(self, stop: threading.Event, watch: Any, generation: int) -> None:
        """Sleep until a commit to the simulator's store (a message delivered, an API call) or
        the next job falls due, at most IDLE_WAKE_S; without a watcher, poll."""
        if watch is None:
            stop.wait(IDLE_POLL_S)
            return
        timeout = IDLE_WAKE_S
        due = jobs.next_due(self.env.reader)
        if due is not None:
            now = self.clock()
            if due.tzinfo is None and now.tzinfo is not None:
                due = due.replace(tzinfo=now.tzinfo)
            timeout = min(timeout, max(0.0, (due - now).total_seconds()))
        watch.wait(generation, timeout)

    def _receive_batch(self, queue: str, queue_class: str, limit: int) -> tuple[int, bool]:
        """Up to ``limit`` messages in one unit of work (one commit for many messages, as a
        busy ETS would); if any fails, the unit is backed out and they are taken one by one,
        so that only the failing message collects backouts from then on. Returns how many
        were handled and whether the queue was found empty."""
        if limit <= 1 or self._single_rounds:
            self._single_rounds = max(0, self._single_rounds - 1)
            return int(self._receive(queue, queue_class)), False
        lines = []
        drained = False
        try:
            # Bounded in time as well as in number: the unit holds the store's write lock,
            # which the gateway's channel agent needs to deliver the next requests.
            until = time.monotonic() + BATCH_BUDGET_S
            with self._unit() as tx:
                for _ in range(min(limit, BATCH_PER_UNIT)):
                    if lines and time.monotonic() >= until:
                        break
                    envelope = tx.session.get(queue)
                    if envelope is None:
                        drained = True
                        break
                    lines.append(inbound.handle(tx, envelope.body, envelope.ccsid, queue,
                                                queue_class))
        except Exception:  # noqa: BLE001 - backed out as a whole; retried one by one
            log.exception("sim.batch_failed", queue=queue, messages=len(lines) + 1)
            self._single_rounds = 2 * BATCH_PER_UNIT
            return 0, False
        for line in lines:
            log.info("sim.in", **line)
        return len(lines), drained

    def _receive(self, queue: str, queue_class: str) -> bool:
        try:
            with self._unit() as tx:
                envelope = tx.session.get(queue)
                if envelope is None:
                    return False
                line = inbound.handle(tx, envelope.body, envelope.ccsid, queue, queue_class)
        except Exception:  # noqa: BLE001 - backed out; past the threshold it goes to BACKOUT
            log.exception("sim.message_failed", queue=queue)
            return False
        log.info("sim.in", **line)
        return True

    @contextlib.contextmanager
    def _unit(self) -> Iterator[Tx]:
        # One unit at a time per process: the loop, the channel thread and API callers share the
        # codec (lxml validators) and, on SQLite, one writer lock anyway.
        with self._lock, self.engine.connect() as conn:
            session_cm = (self.transport.session(connection=conn) if self.env.joined
                          else self.transport.session())
            with session_cm as session:
                tx = Tx(self.env, conn, session, self.clock())
                try:
                    yield tx
                    tx.flush()
                    conn.commit()
                    session.commit()
                except BaseException:
                    conn.rollback()
                    with contextlib.suppress(Exception):
                        session.backout()
                    raise

    # --- ETS and bank actions -----------------------------------------------------------------

    @property
    def work_date(self) -> dt.date:
        with self.env.reader.connect() as conn:
            return s2d(conn.execute(select(t.state.c.work_date)).scalar_one())

    def day_switch(self, new_work_date: dt.date | None = None, *,
                   max_items: int | None = None) -> dt.date:
        """9101(1), a 3122 per TaxOrgCode, the 3128, 9101(0); returns the new work date."""
        with self._unit() as tx:
            return dayend.day_switch(tx, new_work_date, max_items)

    def counter_query(self, bank_no: str, pay_op_bk_code: str, tax_org_code: str,
                      tax_pay_code: str, tax_vou_no: str) -> str:
        """A bank asks for a printed voucher: puts a 2091; returns ``BankNo|Date|QueryNo``."""
        with self._unit() as tx:
            return counter.counter_query(tx, bank_no, pay_op_bk_code, tax_org_code,
                                         tax_pay_code, tax_vou_no)

    def counter_pay(self, bank_no: str, tax_vou_no: str, amount: Decimal, acct: str | None = None,
                    result: str = "90000", tax_org_code: str | None = None) -> str:
        """A bank takes a counter payment: puts a 2108; returns ``BankNo|Date|TraNo``."""
        with self._unit() as tx:
            return counter.counter_pay(tx, bank_no, tax_vou_no, amount, acct, result,
                                       tax_org_code)

    def receive(self, data: bytes, queue_class: str = "ONLINE", ccsid: int | None = None) -> None:
        """Put raw bytes on the simulator's inbound queue, as if the channel had delivered them
        (tests and tools; the MQMD MsgId is taken from HEAD when it can be read)."""
        found = re.search(rb"<MsgID>([0-9]{20})</MsgID>", data)
        msg_id = msg_id_to_mqmd(found.group(1).decode() if found else "0" * 20)
        queue = (self.settings.transport.online_in if queue_class == "ONLINE"
                 else self.settings.transport.batch_in)
        with self.transport.session() as session:
            session.put(queue, data, msg_id=msg_id, correl_id=b"REQ" + b"\0" * 21,
                        ccsid=ccsid or self.codec.ccsid)
            session.commit()
