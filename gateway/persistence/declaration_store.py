"""Write side of the unit portal (issue 15): enrolment changes with their history rows,
declarations created set-based (INSERT … SELECT of every person × type line, then one levy per
type added to or inserted), voiding a declaration's rows, and voiding the period's entries of a
pending batch-deduction list. All on the caller's session, inside its transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Sequence

from sqlalchemy import BigInteger, and_, func, insert, literal, select, type_coerce, update
from sqlalchemy.orm import Session

from gateway.domain.declaration import (ChangeKind, DeclarationKind, DeclarationState, PersonState,
                                        PortalRefused, Scheme, TypeTerms)
from gateway.domain.money import money
from gateway.domain.pending_list import EntryState, VoidReport
from gateway.persistence.records import (BatchListEntryRecord, DeclarationLineRecord,
                                         DeclarationRecord, InsuredPersonRecord, LevyRecord,
                                         PersonChangeRecord)
from gateway.persistence.types import fen_to_yuan
from gateway.persistence.unit_portal_queries import undeclared_lines

ip, dl, d = InsuredPersonRecord.__table__, DeclarationLineRecord.__table__, DeclarationRecord.__table__
lv, pc, be = LevyRecord.__table__, PersonChangeRecord.__table__, BatchListEntryRecord.__table__
PACKAGED = (EntryState.IN_PACKAGE.value, EntryState.SENT.value)


class DeclarationStore:
    def __init__(self, session: Session) -> None:
        self.s = session

    # -- enrolment -------------------------------------------------------------------------
    def _change(self, unit_id: int, person_id: int, kind: ChangeKind, effective: dt.date,
                before: str, after: str, by: str, at: dt.datetime) -> None:
        self.s.execute(insert(pc).values(unit_id=unit_id, person_id=person_id, kind=kind.value,
                                         effective_from=effective, before=before[:200],
                                         after=after[:200], changed_at=at, changed_by=by[:60]))

    def _person(self, unit_id: int, person_id: int):
        row = self.s.execute(select(ip).where(ip.c.id == person_id, ip.c.unit_id == unit_id)
                             .with_for_update()).first()
        if row is None:
            from gateway.domain.errors import NotFound
            raise NotFound(f"参保人 {person_id} 不存在")
        return row

    def add_person(self, unit_id: int, id_number: str, name: str, wage: Decimal, scheme: Scheme,
                   ss_no: str, effective: dt.date, by: str, at: dt.datetime) -> int:
        """增员 (or 非全日制工伤增员): a new person, or a removed one enrolled again."""
        found = self.s.execute(select(ip.c.id, ip.c.state).where(
            ip.c.unit_id == unit_id, ip.c.id_number == id_number)).first()
        values = dict(name=name, declared_wage=money(wage), scheme=scheme.value,
                      social_security_no=ss_no, state=PersonState.ACTIVE.value,
                      enrolled_from=effective, removed_from=None)
        if found is not None and found.state == PersonState.ACTIVE.value:
            raise PortalRefused("该人员已在本单位参保，不能重复增员")
        if found is not None:
            person_id = found.id
            self.s.execute(update(ip).where(ip.c.id == person_id).values(**values))
        else:
            person_id = self.s.execute(insert(ip).values(unit_id=unit_id, id_number=id_number, **values)
                                       .returning(ip.c.id)).scalar_one()
        kind = ChangeKind.ADD if scheme is Scheme.FULL else ChangeKind.ADD_INJURY
        self._change(unit_id, person_id, kind, effective, "",
                     f"{scheme.label}，缴费工资 {money(wage):,.2f}", by, at)
        return int(person_id)

    def remove_person(self, unit_id: int, person_id: int, effective: dt.date, by: str,
                      at: dt.datetime) -> None:
        row = self._person(unit_id, person_id)
        if row.state != PersonState.ACTIVE.value:
            raise PortalRefused("该人员已减员")
        self.s.execute(update(ip).where(ip.c.id == person_id).values(
            state=PersonState.REMOVED.value, removed_from=effective))
        self._change(unit_id, person_id, ChangeKind.REMOVE, effective, "在册", "已减员", by, at)

    def adjust_wage(self, unit_id: int, person_id: int, wage: Decimal, note: str,
                    effective: dt.date, by: str, at: dt.datetime) -> Decimal:
        """缴费工资调整; returns the wage before."""
        row = self._person(unit_id, person_id)
        if row.state != PersonState.ACTIVE.value:
            raise PortalRefused("已减员的人员不能调整缴费工资")
        before = row.declared_wage
        self.s.execute(update(ip).where(ip.c.id == person_id).values(declared_wage=money(wage)))
        self._change(unit_id, person_id, ChangeKind.WAGE, effective, f"{before:,.2f}",
                     f"{money(wage):,.2f}{note}", by, at)
        return before

    # -- pending batch-deduction list ------------------------------------------------------
    def void_pending(self, payer_id: int, period_start: dt.date, reason: str
                     ) -> tuple[VoidReport, Decimal]:
        """Void the payer's GENERATED entries for levies of the period; report what stays
        pending (already packaged) and its amount."""
        of_period = select(lv.c.id).where(lv.c.payer_id == payer_id, lv.c.period_start == period_start)
        voided = [r[0] for r in self.s.execute(
            update(be).where(be.c.payer_id == payer_id, be.c.state == EntryState.GENERATED.value,
                             be.c.levy_id.in_(of_period))
            .values(state=EntryState.VOIDED.value, note=reason[:200]).returning(be.c.levy_id))]
        pending = self.s.execute(select(be.c.levy_id, be.c.state, be.c.package_id, be.c.amount).where(
            be.c.payer_id == payer_id, be.c.state.in_(PACKAGED), be.c.levy_id.in_(of_period))
            .order_by(be.c.levy_id)).all()
        report = VoidReport(payer_id, tuple(sorted(voided)), tuple(
            (lid, f"已组入批量包 {pkg}（{'已发送' if st == 'SENT' else '已组包'}）")
            for lid, st, pkg, _ in pending))
        return report, sum((a for *_, a in pending), Decimal("0.00"))

    # -- declarations ----------------------------------------------------------------------
    def period_levies(self, payer_id: int, period_start: dt.date) -> dict[str, tuple[int, str, Decimal]]:
        """insurance code → (levy id, state, amount) of the payer's levies of the period."""
        rows = self.s.execute(select(lv.c.insurance_code, lv.c.id, lv.c.state, lv.c.amount).where(
            lv.c.payer_id == payer_id, lv.c.period_start == period_start)).all()
        return {code: (lid, st, a) for code, lid, st, a in rows}

    def has_declaration(self, payer_id: int, period_start: dt.date) -> bool:
        return self.s.execute(select(func.count()).select_from(d).where(
            d.c.payer_id == payer_id, d.c.period_start == period_start,
            d.c.state == DeclarationState.DECLARED.value)).scalar_one() > 0

    def create(self, payer_id: int, tax_org_code: str, period: tuple[dt.date, dt.date],
               terms: Sequence[TypeTerms], kind: DeclarationKind, basis_id: int | None, by: str,
               at: dt.datetime) -> tuple[int, str, dict[str, Decimal], int]:
        """The declaration row and its lines in one INSERT … SELECT; returns (id, number,
        amount per type, persons). Nothing to declare raises PortalRefused."""
        start, end = period
        decl_id = self.s.execute(insert(d).values(
            declaration_no=f"TMP{payer_id}-{at:%Y%m%d%H%M%S%f}", payer_id=payer_id,
            tax_org_code=tax_org_code, period_start=start, period_end=end, kind=kind.value,
            state=DeclarationState.DECLARED.value, persons=0, lines=0, amount=Decimal("0.00"),
            parameter_basis_id=basis_id, declared_at=at, declared_by=by[:60], void_reason="")
            .returning(d.c.id)).scalar_one()
        src = undeclared_lines(payer_id, start, end, terms).subquery("src")
        self.s.execute(insert(dl).from_select(
            ["declaration_id", "person_id", "insurance_code", "wage", "base", "rate_e4", "amount"],
            select(literal(decl_id), src.c.person_id, src.c.insurance_code, src.c.wage_fen,
                   src.c.base_fen, src.c.rate_e4, src.c.amount_fen)))
        per_type = {code: fen_to_yuan(int(fen)) for code, fen in self.s.execute(
            select(dl.c.insurance_code, func.sum(type_fen(dl.c.amount))).where(
                dl.c.declaration_id == decl_id).group_by(dl.c.insurance_code))}
        persons, lines = self.s.execute(select(func.count(func.distinct(dl.c.person_id)), func.count())
                                        .where(dl.c.declaration_id == decl_id)).one()
        if not lines:
            raise PortalRefused("本期没有需要申报的人员（在册人员均已申报）")
        number = f"SB{start:%Y%m}{decl_id:010d}"
        self.s.execute(update(d).where(d.c.id == decl_id).values(
            declaration_no=number, persons=persons, lines=lines,
            amount=sum(per_type.values(), Decimal("0.00"))))
        return int(decl_id), number, per_type, int(persons)

    def add_to_levies(self, payer_id: int, tax_org_code: str, period: tuple[dt.date, dt.date],
                      per_type: dict[str, Decimal], declaration_no: str, basis_id: int | None,
                      at: dt.datetime) -> None:
        """Insert the period's missing levies; add to the UNPAID ones (checked by the caller).

        ``created_at`` is the business clock's Beijing time ``at``, not the database's ``now()``
        (UTC on SQLite): the levied summaries and the batch selection count a levy on that day."""
        existing = self.period_levies(payer_id, period[0])
        for code, amount in sorted(per_type.items()):
            if code in existing:
                lid = existing[code][0]
                done = self.s.execute(update(lv).where(lv.c.id == lid, lv.c.state == "UNPAID").values(
                    amount=type_fen(lv.c.amount) + int(amount * 100), version=lv.c.version + 1)).rowcount
                if done != 1:
                    raise PortalRefused("本期应征状态已变化，请刷新后重试")
            else:
                self.s.execute(insert(lv).values(
                    payer_id=payer_id, tax_org_code=tax_org_code, insurance_code=code,
                    period_start=period[0], period_end=period[1], amount=amount, state="UNPAID",
                    lock_reason="", paid_by="", declaration_no=declaration_no, version=1,
                    parameter_basis_id=basis_id, created_at=at))

    def declaration_row(self, payer_id: int, declaration_id: int, for_update: bool = True):
        stmt = select(d).where(d.c.id == declaration_id, d.c.payer_id == payer_id)
        row = self.s.execute(stmt.with_for_update() if for_update else stmt).first()
        if row is None:
            from gateway.domain.errors import NotFound
            raise NotFound(f"申报 {declaration_id} 不存在")
        return row

    def amounts_by_type(self, declaration_id: int) -> dict[str, Decimal]:
        return {code: fen_to_yuan(int(fen)) for code, fen in self.s.execute(
            select(dl.c.insurance_code, func.sum(type_fen(dl.c.amount)))
            .where(dl.c.declaration_id == declaration_id).group_by(dl.c.insurance_code))}

    def reduce_levy(self, levy_id: int, amount: Decimal) -> None:
        """Take a voided supplement's share off an UNPAID levy that other declarations keep."""
        self.s.flush()  # a lock the caller released on the ORM record goes first
        done = self.s.execute(update(lv).where(and_(lv.c.id == levy_id, lv.c.state == "UNPAID",
                                                    type_fen(lv.c.amount) > int(amount * 100)))
                              .values(amount=type_fen(lv.c.amount) - int(amount * 100),
                                      version=lv.c.version + 1)).rowcount
        if done != 1:
            raise PortalRefused("应征状态已变化，请刷新后重试")

    def mark_voided(self, declaration_id: int, reason: str, at: dt.datetime) -> None:
        self.s.execute(update(d).where(d.c.id == declaration_id).values(
            state=DeclarationState.VOIDED.value, voided_at=at, void_reason=reason[:200]))


def type_fen(col):
    """A Money column as its raw integer fen, so that SQL arithmetic with fen literals is not
    bound through Money (which would read them as yuan)."""
    return type_coerce(col, BigInteger)
