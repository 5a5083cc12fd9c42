"""In-memory repositories of the reference data and the side records (levies, agreements,
payers, routes, serials, gateway state, reviews, alerts), implementing the ports of
``gateway.services.ports``; see ``fake_repositories`` for how they work."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Sequence

from gateway.domain.agreement import Agreement, AgreementState
from gateway.domain.debit import UNRESOLVED
from gateway.domain.entity import require_id
from gateway.domain.errors import NotFound
from gateway.domain.levy import Levy, LevyState
from gateway.domain.parties import Payer, TreasuryRoute
from tests.unit.services.fake_repositories import _copy, _Repo


class FakeLevyRepository(_Repo):
    def get_many(self, ids: Sequence[int], for_update: bool = False) -> list[Levy]:
        missing = [i for i in ids if i not in self.tx.levies]
        if missing:
            raise NotFound(f"应征不存在: {missing}")
        return [_copy(self.tx.levies[i]) for i in ids]

    def save(self, levies: Sequence[Levy]) -> None:
        for levy in levies:
            self.tx.levies[require_id(levy.id, "levy")] = _copy(levy)


class FakeAgreementRepository(_Repo):
    def get(self, agreement_id: int) -> Agreement:
        if agreement_id not in self.tx.agreements:
            raise NotFound(f"三方协议 {agreement_id} 不存在")
        return _copy(self.tx.agreements[agreement_id])

    def active_for_payer(self, payer_id: int) -> Agreement | None:
        active = [a for a in self.tx.agreements.values()
                  if a.payer_id == payer_id and a.state is AgreementState.ACTIVE]
        active.sort(key=lambda a: (a.activated_at or dt.datetime.min, a.id or 0))
        return _copy(active[-1]) if active else None

    def add(self, agreement: Agreement) -> Agreement:
        agreement.id = self._new_id()
        self.tx.agreements[agreement.id] = _copy(agreement)
        return agreement

    def save(self, agreement: Agreement) -> None:
        self.tx.agreements[require_id(agreement.id, "agreement")] = _copy(agreement)

    def has_locked_levies(self, agreement_id: int) -> bool:
        return any(self.tx.levies[lid].state is LevyState.LOCKED
                   for d in self.tx.debits.values()
                   if d.agreement_id == agreement_id and d.state in UNRESOLVED
                   for lid in d.levy_ids)


class FakePayerRepository(_Repo):
    def get(self, payer_id: int) -> Payer:
        if payer_id not in self.tx.payers:
            raise NotFound(f"缴费人 {payer_id} 不存在")
        return self.tx.payers[payer_id]


class FakeRouteRepository(_Repo):
    def get(self, tax_org_code: str) -> TreasuryRoute:
        if tax_org_code not in self.tx.routes:
            raise NotFound(f"征收机关 {tax_org_code} 未配置收款国库")
        return self.tx.routes[tax_org_code]


class FakeSerialRepository(_Repo):
    def next(self, kind: str, scope: str, day: dt.date) -> int:
        key = (kind, scope, day)
        self.tx.serials[key] = self.tx.serials.get(key, 0) + 1
        return self.tx.serials[key]


class FakeStateRepository(_Repo):
    def get(self, key: str, default: str | None = None) -> str | None:
        return self.tx.state.get(key, default)

    def set(self, key: str, value: str, now: dt.datetime) -> None:
        self.tx.state[key] = value


class FakeReviewRepository(_Repo):
    def add(self, kind: str, detail: str, tax_org_code: str = "", ref: str = "",
            amount: Decimal | None = None) -> None:
        self.tx.reviews.append((kind, detail, tax_org_code, ref, amount))


class FakeAlertRepository(_Repo):
    def add(self, severity: str, source: str, message: str) -> None:
        self.tx.alerts.append((severity, source, message))


class FakeBatchInboundRepository(_Repo):
    def flag(self, msg_no: str, business_key: str, detail: str) -> None:
        self.tx.flags.append((msg_no, business_key, detail))
