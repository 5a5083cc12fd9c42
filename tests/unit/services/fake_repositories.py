"""In-memory repositories of the payment aggregates, implementing the ports of
``gateway.services.ports`` (the others are in ``fake_reference``).

They work on the open transaction of a :class:`FakeUnitOfWork` (``uow.tx``) and hand out copies:
a handler that changes an aggregate and forgets to save it changes nothing, as with the real
database. Unique business keys are enforced like the real schema's indexes.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import TYPE_CHECKING, TypeVar

from gateway.domain.debit import UNRESOLVED, Debit, DebitKind, DebitState
from gateway.domain.errors import NotFound
from gateway.domain.reversal import Reversal
from gateway.domain.verification import Verification, VerificationState
from gateway.domain.voucher import CounterVoucher, VoucherState

if TYPE_CHECKING:
    from tests.unit.services.fake_uow import FakeData, FakeUnitOfWork

T = TypeVar("T")


class FakeIntegrityError(Exception):
    """A unique index of the real schema would refuse this row."""


def _copy(item: T) -> T:
    return copy.deepcopy(item)


class _Repo:
    def __init__(self, uow: "FakeUnitOfWork") -> None:
        self.uow = uow

    @property
    def tx(self) -> "FakeData":
        return self.uow.tx

    def _new_id(self) -> int:
        self.tx.next_id += 1
        return self.tx.next_id


class FakeDebitRepository(_Repo):
    def get(self, debit_id: int) -> Debit:
        if debit_id not in self.tx.debits:
            raise NotFound(f"扣款 {debit_id} 不存在")
        return _copy(self.tx.debits[debit_id])

    def _find(self, **values: object) -> Debit | None:
        for d in self.tx.debits.values():
            if all(getattr(d, k) == v for k, v in values.items()):
                return _copy(d)
        return None

    def by_key(self, originator: str, entrust_date: dt.date, tra_no: str) -> Debit | None:
        return self._find(originator=originator, entrust_date=entrust_date, tra_no=tra_no)

    def by_msg_id(self, msg_id: str) -> Debit | None:
        return self._find(msg_id=msg_id) if msg_id else None

    def due(self, now: dt.datetime, kind: DebitKind, limit: int,
            in_doubt: bool | None = None) -> list[Debit]:
        due = [d for d in self.tx.debits.values() if d.kind is kind and d.state in UNRESOLVED
               and (in_doubt is None or (d.state is DebitState.IN_DOUBT) == in_doubt)
               and d.next_check_at is not None and d.next_check_at <= now]
        due.sort(key=lambda d: (d.next_check_at, d.id))
        return [_copy(d) for d in due[:limit]]

    def count_unresolved(self, kind: DebitKind) -> int:
        return sum(1 for d in self.tx.debits.values() if d.kind is kind and d.state in UNRESOLVED)

    def add(self, debit: Debit) -> Debit:
        if len(debit.levy_amounts) != len(debit.levy_ids):
            raise FakeIntegrityError("debit_levy.amount is NOT NULL: every levy needs its amount")
        for d in self.tx.debits.values():
            if (d.originator, d.entrust_date, d.tra_no) == (
                    debit.originator, debit.entrust_date, debit.tra_no):
                raise FakeIntegrityError(f"uq_debit_key {debit.key}")
            if (d.tax_vou_no, d.kind) == (debit.tax_vou_no, debit.kind):
                raise FakeIntegrityError(f"uq_debit_tax_vou_no {debit.tax_vou_no}")
        debit.id = self._new_id()
        self.tx.debits[debit.id] = _copy(debit)
        return debit

    def save(self, debit: Debit) -> None:
        if debit.saved_id not in self.tx.debits:
            raise NotFound(f"扣款 {debit.id} 不存在")
        self.tx.debits[debit.saved_id] = _copy(debit)


class FakeReversalRepository(_Repo):
    def get(self, reversal_id: int) -> Reversal:
        if reversal_id not in self.tx.reversals:
            raise NotFound(f"冲正 {reversal_id} 不存在")
        return _copy(self.tx.reversals[reversal_id])

    def by_key(self, tax_org_code: str, entrust_date: dt.date, cancel_no: str) -> Reversal | None:
        found = [r for r in self.tx.reversals.values()
                 if (r.tax_org_code, r.entrust_date, r.cancel_no) == (tax_org_code, entrust_date,
                                                                      cancel_no)]
        return _copy(found[0]) if found else None

    def by_msg_id(self, msg_id: str) -> Reversal | None:
        found = [r for r in self.tx.reversals.values() if msg_id and r.msg_id == msg_id]
        return _copy(found[0]) if found else None

    def open_for(self, debit_id: int) -> list[Reversal]:
        return [_copy(r) for r in self.tx.reversals.values() if r.debit_id == debit_id and r.open]

    def due(self, now: dt.datetime, limit: int) -> list[Reversal]:
        due = [r for r in self.tx.reversals.values()
               if r.open and r.next_check_at is not None and r.next_check_at <= now]
        due.sort(key=lambda r: (r.next_check_at, r.id))
        return [_copy(r) for r in due[:limit]]

    def add(self, reversal: Reversal) -> Reversal:
        if self.by_key(reversal.tax_org_code, reversal.entrust_date, reversal.cancel_no):
            raise FakeIntegrityError(f"uq_reversal_key {reversal.key}")
        reversal.id = self._new_id()
        self.tx.reversals[reversal.id] = _copy(reversal)
        return reversal

    def save(self, reversal: Reversal) -> None:
        self.tx.reversals[reversal.saved_id] = _copy(reversal)


class FakeVerificationRepository(_Repo):
    def by_key(self, tax_org_code: str, entrust_date: dt.date, vc_no: str) -> Verification | None:
        found = [v for v in self.tx.verifications.values()
                 if (v.tax_org_code, v.entrust_date, v.vc_no) == (tax_org_code, entrust_date, vc_no)]
        return _copy(found[0]) if found else None

    def by_msg_id(self, msg_id: str) -> Verification | None:
        found = [v for v in self.tx.verifications.values() if msg_id and v.msg_id == msg_id]
        return _copy(found[0]) if found else None

    def due(self, now: dt.datetime, limit: int) -> list[Verification]:
        due = [v for v in self.tx.verifications.values() if v.state is VerificationState.SENT
               and v.deadline is not None and v.deadline <= now]
        return [_copy(v) for v in due[:limit]]

    def add(self, verification: Verification) -> Verification:
        if self.by_key(verification.tax_org_code, verification.entrust_date, verification.vc_no):
            raise FakeIntegrityError(f"uq_verification_key {verification.key}")
        verification.id = self._new_id()
        self.tx.verifications[verification.id] = _copy(verification)
        return verification

    def save(self, verification: Verification) -> None:
        self.tx.verifications[verification.saved_id] = _copy(verification)


class FakeVoucherRepository(_Repo):
    def by_no(self, tax_vou_no: str) -> CounterVoucher | None:
        found = [v for v in self.tx.vouchers.values() if v.tax_vou_no == tax_vou_no]
        return _copy(found[0]) if found else None

    def due(self, now: dt.datetime, limit: int) -> list[CounterVoucher]:
        due = [v for v in self.tx.vouchers.values() if v.state is VoucherState.RESERVED
               and v.reserved_until is not None and v.reserved_until <= now]
        return [_copy(v) for v in due[:limit]]

    def add(self, voucher: CounterVoucher) -> CounterVoucher:
        if self.by_no(voucher.tax_vou_no):
            raise FakeIntegrityError(f"counter_voucher.tax_vou_no {voucher.tax_vou_no}")
        voucher.id = self._new_id()
        self.tx.vouchers[voucher.id] = _copy(voucher)
        return voucher

    def save(self, voucher: CounterVoucher) -> None:
        self.tx.vouchers[voucher.saved_id] = _copy(voucher)


