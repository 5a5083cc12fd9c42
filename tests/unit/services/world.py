"""The handlers' world in memory: a fake database seeded with two payers, their levies and
agreements, a bus over FakeUnitOfWork, a settable clock, and helpers that play the ETS the way
the gateway runtime would (one unit of work per inbound event, committed, then published)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from gateway.domain import events as e
from gateway.domain.agreement import Agreement, AgreementChannel, AgreementState
from gateway.domain.commands import SubmitDebit, SweepTimeouts
from gateway.domain.debit import Debit
from gateway.domain.levy import Levy, LevyState
from gateway.domain.parties import Payer, PayerKind, TreasuryRoute
from gateway.services.messagebus import MessageBus
from gateway.services.options import GatewayOptions
from tests.unit.services.fake_messenger import Sent
from tests.unit.services.fake_uow import FakeData, FakeDatabase, FakeUnitOfWork

ORG = "14401060000"
ETS = "100000000000"
BANK = "102581000013"
DAY = dt.date(2024, 11, 5)
START = dt.datetime(2024, 11, 5, 9, 30)
AMOUNTS = (Decimal("8640.00"), Decimal("3086.40"), Decimal("619.20"))
UNITS = (("91440106MA5CXN3L4D", "广州市天河区云帆信息科技有限公司", "3602000109200123456"),
         ("91440106MA59AB1232", "广州市天河区星河贸易有限公司", "3602000109200654321"))


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.t = start

    def __call__(self) -> dt.datetime:
        return self.t

    def advance(self, seconds: float) -> dt.datetime:
        self.t += dt.timedelta(seconds=seconds)
        return self.t


def seed(data: FakeData) -> None:
    data.routes[ORG] = TreasuryRoute(ORG, "1", "011581000016", "4401000000", "4401000000270001",
                                     "国家金库广州市中心支库")
    for code, name, acct in UNITS:
        data.next_id += 1
        payer_id = data.next_id
        data.payers[payer_id] = Payer(id=payer_id, kind=PayerKind.UNIT, tax_pay_code=code,
                                      name=name, tax_org_code=ORG,
                                      social_security_no=f"4401060{payer_id:05d}")
        for insurance, amount in zip(("PENSION", "MEDICAL", "UNEMPLOYMENT"), AMOUNTS):
            data.next_id += 1
            data.levies[data.next_id] = Levy(
                id=data.next_id, payer_id=payer_id, tax_org_code=ORG, insurance_code=insurance,
                period_start=dt.date(2024, 10, 1), period_end=dt.date(2024, 10, 31), amount=amount)
        data.next_id += 1
        data.agreements[data.next_id] = Agreement(
            id=data.next_id, protocol_no=f"4401062024{payer_id:09d}", payer_id=payer_id,
            tax_org_code=ORG, pay_bk_code=BANK, pay_op_bk_code="102581002107", pay_acct=acct,
            hand_org_name=name, channel=AgreementChannel.ONLINE, state=AgreementState.ACTIVE,
            activated_at=dt.datetime(2024, 10, 8, 10, 0))


class World:
    def __init__(self, options: GatewayOptions | None = None) -> None:
        self.db = FakeDatabase()
        seed(self.db.data)
        self.clock = Clock(START)
        self.options = options or GatewayOptions(initial_work_date=DAY)
        self.opened: list[FakeUnitOfWork] = []
        self.bus = MessageBus(self.uow, self.options, self.clock)
        self.payers = sorted(self.db.data.payers)
        self._seq = 0

    def uow(self) -> FakeUnitOfWork:
        uow = FakeUnitOfWork(self.db)
        self.opened.append(uow)
        return uow

    @property
    def data(self) -> FakeData:
        return self.db.data

    # -- reading the committed state ----------------------------------------------------------

    def levies_of(self, payer_id: int) -> list[Levy]:
        return [lv for lv in self.data.levies.values() if lv.payer_id == payer_id]

    def levy_ids(self, payer_id: int) -> tuple[int, ...]:
        return tuple(lv.id for lv in self.levies_of(payer_id) if lv.id is not None)

    def levy_states(self, payer_id: int) -> list[LevyState]:
        return [lv.state for lv in self.levies_of(payer_id)]

    def agreement_of(self, payer_id: int) -> Agreement:
        return next(a for a in self.data.agreements.values() if a.payer_id == payer_id)

    def debit(self, debit_id: int | None) -> Debit:
        assert debit_id is not None
        return self.data.debits[debit_id]

    def sent(self, msg_no: str) -> list[Sent]:
        return [m for m in self.data.outbox if m.msg_no == msg_no]

    def last(self, msg_no: str) -> Sent:
        found = self.sent(msg_no)
        assert found, f"no {msg_no} in the outbox"
        return found[-1]

    def review_kinds(self) -> list[str]:
        return [r[0] for r in self.data.reviews]

    # -- playing the front-ends and the ETS ---------------------------------------------------

    def handle(self, message: Any) -> Any:
        return self.bus.handle(message)

    def submit(self, payer_index: int = 0) -> Debit:
        payer = self.payers[payer_index]
        debit: Debit = self.handle(SubmitDebit(payer_id=payer, levy_ids=self.levy_ids(payer),
                                               requested_by="test"))
        return debit

    def sweep(self) -> dict[str, int]:
        done: dict[str, int] = self.handle(SweepTimeouts(now=self.clock()))
        return done

    def ref(self, msg_no: str, queue_class: str = "ONLINE") -> e.InboundRef:
        self._seq += 1
        return e.InboundRef(msg_no, f"{self.clock():%Y%m%d%H%M%S}{900000 + self._seq:06d}", ETS,
                            queue_class)

    def deliver(self, event: e.Event) -> Any:
        """As the inbound consumer does: the event in a unit of work of its own, committed, then
        the events its handler raised published."""
        uow = self.uow()
        with uow:
            result = self.bus.handle(event, uow)
            uow.commit()
        self.bus.publish(uow)
        return result

    def ack(self, request: Sent, result: str = "90000", add_word: str = "",
            kind: type[e.RequestAcknowledged] = e.DebitAcknowledged) -> Any:
        return self.deliver(kind(self.ref("9120"), request.msg_id, result, add_word))

    def answer_2001(self, debit: Debit, result: str = "90000", add_word: str = "",
                    tax_date: dt.date | None = DAY, vou: str | None = None) -> Any:
        return self.deliver(e.DebitAnswered(
            self.ref("2001"), debit.tax_org_code, debit.entrust_date, debit.tra_no,
            vou or debit.tax_vou_no, result, add_word,
            tax_date if result in ("90000", "94051") else None))

    def status(self, debit: Debit, op_stat: str, chk_date: dt.date = DAY,
               search_type: str = "0") -> Any:
        return self.deliver(e.StatusReported(self.ref("9004"), debit.tax_org_code, search_type,
                                             debit.entrust_date, "00000000", debit.tra_no,
                                             chk_date, op_stat))
