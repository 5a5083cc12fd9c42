"""Reconciliation in SQL (§6.8): every step of a package is one set-based statement over its
items, never a loop over rows. The rules are domain.reconciliation's; the CASE below is
:func:`~gateway.domain.reconciliation.classify` (tests hold the two together)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Sequence

from sqlalchemy import and_, case, delete, exists, func, insert, literal, null, select, update
from sqlalchemy.orm import Session

from gateway.domain.debit import DebitKind, DebitState
from gateway.domain.reconciliation import (MSG_KIND, NO_PACK, OP_REVERSED, SETTLE_FROM, SETTLE_TO,
                                           Discrepancy, DiscrepancyKind, DiscrepancyState,
                                           EntryDetail, FundAccountLine, ItemOutcome,
                                           PackageView, ReconciliationSummary, SubPackage)
from gateway.persistence.records import (DebitLevyRecord, DebitRecord, FundReportLineRecord,
                                         LevyRecord, PackageRecord, ReconDiscrepancyRecord,
                                         ReconItemRecord, ReconPackageRecord,
                                         ReconSubPackageRecord)

i = ReconItemRecord.__table__.c
d = DebitRecord.__table__.c
x = ReconDiscrepancyRecord.__table__.c
pk = ReconPackageRecord.__table__.c
ITEM = ReconItemRecord.__table__
DEBIT = DebitRecord.__table__
DISC = ReconDiscrepancyRecord.__table__
LEVY = LevyRecord.__table__

#: Discrepancy kinds an item's outcome can be (the rest are ABSENT, found from the debits).
_ITEM_KINDS = tuple(k.value for k in DiscrepancyKind if k is not DiscrepancyKind.ABSENT)


def _kind_of_msg() -> Any:
    return case(*((i.ori_msg_no == msg, kind.value) for msg, kind in MSG_KIND.items()),
                else_=literal("?"))


def _belongs_to() -> Any:
    """The check date a transaction belongs to (§6.8): a single debit's EntrustDate; a batch
    item's or counter payment's 2102/2108 work date (chk_date), else its accounting date."""
    return case((d.kind == DebitKind.SINGLE.value, d.entrust_date),
                else_=func.coalesce(d.chk_date, d.tax_date))


class ReconciliationRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # -- receipt -------------------------------------------------------------------------
    def store_subpackage(self, tax_org_code: str, chk_date: dt.date, pack_no: str,
                         sub: SubPackage, items: Sequence[EntryDetail], msg_id: str,
                         now: dt.datetime) -> PackageView:
        self.s.execute(delete(ReconPackageRecord.__table__).where(  # the placeholder, if any
            pk.tax_org_code == tax_org_code, pk.chk_date == chk_date, pk.pack_no == NO_PACK))
        pid = self.s.execute(select(pk.id).where(
            pk.tax_org_code == tax_org_code, pk.chk_date == chk_date, pk.pack_no == pack_no)
        ).scalar()
        if pid is None:
            pid = self.s.execute(insert(ReconPackageRecord.__table__).values(
                tax_org_code=tax_org_code, chk_date=chk_date, pack_no=pack_no,
                child_pack_num=sub.child_pack_num, all_num=sub.all_num, all_amt=sub.all_amt,
                state="RECEIVING").returning(pk.id)).scalar_one()
        self.s.execute(insert(ReconSubPackageRecord.__table__).values(
            package_id=pid, cur_pack_no=sub.cur_pack_no, cur_pack_num=sub.cur_pack_num,
            cur_pack_amt=sub.cur_pack_amt, msg_id=msg_id, received_at=now))
        if items:
            self.s.execute(insert(ITEM), [dict(
                package_id=pid, tax_org_code=tax_org_code, chk_date=chk_date,
                cur_pack_no=sub.cur_pack_no, line_no=n, payee_org_code=e.payee_org_code,
                ori_msg_no=e.ori_msg_no, ori_send_org_code=e.ori_send_org_code,
                ori_entrust_date=e.ori_entrust_date, ori_pack_no=e.ori_pack_no,
                ori_tra_no=e.ori_tra_no, ori_tax_vou_no=e.ori_tax_vou_no, tra_amt=e.tra_amt,
                tax_date=e.tax_date, op_stat=e.op_stat, debit_id=None, outcome="")
                for n, e in enumerate(items, 1)])
        return self._views(pk.id == pid)[0]

    def mark_complete(self, package_id: int) -> None:
        self.s.execute(update(ReconPackageRecord.__table__).where(
            pk.id == package_id, pk.state == "RECEIVING").values(state="COMPLETE"))

    def packages(self, chk_date: dt.date | None = None,
                 states: Sequence[str] = ()) -> list[PackageView]:
        cond = [literal(True)]
        if chk_date is not None:
            cond.append(pk.chk_date == chk_date)
        if states:
            cond.append(pk.state.in_(states))
        return self._views(and_(*cond))

    def _views(self, where: Any) -> list[PackageView]:
        sc = ReconSubPackageRecord.__table__.c
        heads = self.s.execute(select(ReconPackageRecord.__table__).where(where)
                               .order_by(pk.chk_date, pk.tax_org_code, pk.id)).all()
        if not heads:
            return []
        subs: dict[int, list[SubPackage]] = {}
        for r in self.s.execute(select(ReconSubPackageRecord.__table__).where(
                sc.package_id.in_([h.id for h in heads])).order_by(sc.package_id, sc.cur_pack_no)):
            h = next(h for h in heads if h.id == r.package_id)
            subs.setdefault(r.package_id, []).append(SubPackage(
                r.cur_pack_no, h.child_pack_num, h.all_num, h.all_amt, r.cur_pack_num,
                r.cur_pack_amt))
        return [PackageView(h.id, h.tax_org_code, h.chk_date, h.pack_no, h.state,
                            tuple(subs.get(h.id, ())), h.alerted_at is not None) for h in heads]

    def reconciled_dates(self, tax_org_code: str, since: dt.date, upto: dt.date
                         ) -> list[dt.date]:
        return list(self.s.execute(select(pk.chk_date).distinct().where(
            pk.tax_org_code == tax_org_code, pk.state == "RECONCILED",
            pk.chk_date >= since, pk.chk_date <= upto)).scalars())

    def offices_without_package(self, since: dt.date, before: dt.date
                                ) -> list[tuple[str, dt.date]]:
        """(TaxOrgCode, check date) of closed dates with transactions held as succeeded or in
        doubt but no 3122 package at all (§11: the ETS sends one for every office, even empty)."""
        belongs = _belongs_to()
        has_package = exists().where(pk.tax_org_code == d.tax_org_code, pk.chk_date == belongs)
        return [(org, day) for org, day in self.s.execute(
            select(d.tax_org_code, belongs).distinct().where(
                d.state.in_((DebitState.SUCCEEDED.value, DebitState.IN_DOUBT.value)),
                belongs >= since, belongs < before, ~has_package))]

    def expect_package(self, tax_org_code: str, chk_date: dt.date, now: dt.datetime) -> None:
        """A placeholder for a package none of whose sub-packages came (PackNo ``00000000``,
        never a real one: ``ser`` starts at 1), alerted now; the real one replaces it."""
        self.s.execute(insert(ReconPackageRecord.__table__).values(
            tax_org_code=tax_org_code, chk_date=chk_date, pack_no=NO_PACK, child_pack_num=0,
            all_num=0, all_amt=0, state="RECEIVING", alerted_at=now))

    def mark_alerted(self, package_id: int, now: dt.datetime) -> None:
        self.s.execute(update(ReconPackageRecord.__table__).where(pk.id == package_id)
                       .values(alerted_at=now))

    # -- the run -------------------------------------------------------------------------
    def reconcile(self, package: PackageView, absence_dates: Sequence[dt.date], operator: str,
                  now: dt.datetime) -> ReconciliationSummary:
        pid, org = package.id, package.tax_org_code
        mine = i.package_id == pid
        self._match(mine)
        settled_levies = self._settle(mine)
        before = self._count_discrepancies(org, package.chk_date)
        self._list_item_discrepancies(mine)
        self._close_agreed(pid, now)
        self._list_absent(org, absence_dates)
        after = self._count_discrepancies(org, package.chk_date)
        items, settled_items = self.s.execute(select(
            func.count(), func.coalesce(func.sum(case((i.outcome == ItemOutcome.SETTLED.value, 1),
                                                      else_=0)), 0)).where(mine)).one()
        self.s.execute(update(ReconPackageRecord.__table__).where(pk.id == pid).values(
            state="RECONCILED", items=items, settled_items=settled_items,
            settled_levies=pk.settled_levies + settled_levies, discrepancies=after,
            runs=pk.runs + 1, reconciled_at=now, reconciled_by=operator))
        total_levies = self.s.execute(select(pk.settled_levies).where(pk.id == pid)).scalar_one()
        return ReconciliationSummary(org, package.chk_date, items, settled_items, total_levies,
                                     after, after - before)

    def _match(self, mine: Any) -> None:
        """§6.8 rule 3 and :func:`domain.reconciliation.classify` in one UPDATE … FROM debit:
        (OriMsgNo, OriSendOrgCode, OriEntrustDate, OriPackNo, OriTraNo) → the gateway's
        transaction (debit key: originator, entrust_date, tra_no), and the outcome as a CASE;
        then the items that matched nothing."""
        p = PackageRecord.__table__.c
        o = ItemOutcome
        pack_of = func.coalesce(select(p.pack_no).where(p.id == d.package_id).scalar_subquery(),
                                NO_PACK)
        succeeded = d.state == DebitState.SUCCEEDED.value
        outcome = case(
            (d.amount != i.tra_amt, o.AMOUNT.value),
            (d.tax_vou_no != i.ori_tax_vou_no, o.VOUCHER.value),
            (and_(i.op_stat == OP_REVERSED, succeeded), o.REVERSED_PAID.value),
            (i.op_stat == OP_REVERSED, o.REVERSED.value),
            (succeeded, o.SETTLED.value),
            else_=o.STATE_DIFFERS.value)
        self.s.execute(update(ITEM).where(
            mine, d.originator == i.ori_send_org_code, d.entrust_date == i.ori_entrust_date,
            d.tra_no == i.ori_tra_no, d.kind == _kind_of_msg(), pack_of == i.ori_pack_no
        ).values(debit_id=d.id, outcome=outcome))
        self.s.execute(update(ITEM).where(mine, i.debit_id.is_(None)).values(outcome=case(
            (i.ori_msg_no == "2108", o.COUNTER_UNKNOWN.value), else_=o.UNKNOWN.value)))

    def _settle(self, mine: Any) -> int:
        """PAID → SETTLED for the levies of every confirmed transaction; returns how many moved
        now (a re-run moves none: settled stays settled)."""
        dl, lv = DebitLevyRecord.__table__.c, LEVY.c
        result = self.s.execute(update(LEVY).where(  # UPDATE … FROM debit_levy, recon_item
            lv.id == dl.levy_id, dl.debit_id == i.debit_id, mine,
            i.outcome == ItemOutcome.SETTLED.value, lv.state == SETTLE_FROM.value
        ).values(state=SETTLE_TO.value))
        # The debit's own ``settled`` flag is not written: the item's outcome says it, and a
        # second million-row UPDATE doubled the run on PostgreSQL.
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def _settle_levies(self, debit_ids: Any) -> int:
        dl, lv = DebitLevyRecord.__table__.c, LEVY.c
        levies = select(dl.levy_id).where(dl.debit_id.in_(debit_ids))
        result = self.s.execute(update(LEVY).where(
            lv.state == SETTLE_FROM.value, lv.id.in_(levies)).values(state=SETTLE_TO.value))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def settle_debit(self, debit_id: int) -> int:
        ok = select(d.id).where(d.id == debit_id, d.state == DebitState.SUCCEEDED.value)
        return self._settle_levies(ok)

    def _list_item_discrepancies(self, mine: Any) -> None:
        """One line per item whose outcome is a discrepancy kind, unless it is listed already."""
        listed = exists().where(x.kind == i.outcome, x.item_id == i.id)
        source = (select(i.tax_org_code, i.chk_date, i.outcome, i.id,
                         func.coalesce(i.debit_id, 0), self._ori_key(), i.tra_amt, d.amount,
                         i.ori_tax_vou_no, func.coalesce(d.tax_vou_no, ""),
                         func.coalesce(d.state, ""), literal(DiscrepancyState.OPEN.value),
                         literal(""), literal(""))
                  .select_from(ITEM.outerjoin(DEBIT, d.id == i.debit_id))
                  .where(mine, i.outcome.in_(_ITEM_KINDS), ~listed))
        self.s.execute(insert(DISC).from_select(self._columns(), source))

    @staticmethod
    def _ori_key() -> Any:
        return (i.ori_msg_no + "/" + i.ori_send_org_code + "/" + i.ori_pack_no + "/"
                + i.ori_tra_no)

    @staticmethod
    def _columns() -> list[str]:
        return ["tax_org_code", "chk_date", "kind", "item_id", "debit_id", "ori_key",
                "reported_amount", "held_amount", "reported_voucher", "held_voucher",
                "held_state", "state", "note", "resolved_by"]

    def _close_agreed(self, package_id: int, now: dt.datetime) -> None:
        """An open item discrepancy whose item now agrees (e.g. a late 2001 arrived before the
        re-run) is closed by the run, saying so."""
        agreed = exists().where(i.id == x.item_id, i.package_id == package_id,
                                i.outcome != x.kind)
        self.s.execute(update(DISC).where(x.item_id != 0, x.state == DiscrepancyState.OPEN.value,
                                          agreed).values(
            state=DiscrepancyState.RESOLVED.value, note="重新对账后已一致", resolved_by="system",
            resolved_at=now))

    def _list_absent(self, org: str, dates: Sequence[dt.date]) -> None:
        """(d): held as succeeded, belongs to one of ``dates`` (past the grace), listed by no
        3122 item of any date."""
        if not dates:
            return
        belongs = _belongs_to()
        in_3122 = exists().where(i.debit_id == d.id)
        listed = exists().where(x.kind == DiscrepancyKind.ABSENT.value, x.debit_id == d.id,
                                x.item_id == 0)
        source = select(
            d.tax_org_code, belongs, literal(DiscrepancyKind.ABSENT.value), literal(0), d.id,
            d.kind + "/" + d.originator + "/" + d.tra_no, null(), d.amount, literal(""),
            d.tax_vou_no, d.state, literal(DiscrepancyState.OPEN.value), literal(""), literal("")
        ).where(d.tax_org_code == org, d.state == DebitState.SUCCEEDED.value,
                belongs.in_(list(dates)), ~in_3122, ~listed)
        self.s.execute(insert(DISC).from_select(self._columns(), source))

    def _count_discrepancies(self, org: str, chk_date: dt.date) -> int:
        return int(self.s.execute(select(func.count()).select_from(DISC).where(
            x.tax_org_code == org, x.chk_date == chk_date)).scalar_one())

    # -- discrepancies -------------------------------------------------------------------
    def discrepancy(self, discrepancy_id: int) -> Discrepancy | None:
        r = self.s.execute(select(DISC).where(x.id == discrepancy_id)).first()
        if r is None:
            return None
        return Discrepancy(r.id, r.tax_org_code, r.chk_date, DiscrepancyKind(r.kind),
                           DiscrepancyState(r.state), r.debit_id or None, r.note, r.resolved_by,
                           r.resolved_at)

    def save_discrepancy(self, disc: Discrepancy) -> None:
        self.s.execute(update(DISC).where(x.id == disc.id).values(
            state=disc.state.value, note=disc.note, resolved_by=disc.resolved_by,
            resolved_at=disc.resolved_at))

    # -- 3128 ----------------------------------------------------------------------------
    def store_fund_report(self, report_date: dt.date, lines: Sequence[FundAccountLine]) -> None:
        if not lines:
            return
        self.s.execute(insert(FundReportLineRecord.__table__), [dict(
            report_date=report_date, tre_code=a.tre_code, acct_code=a.acct_code,
            acct_name=a.acct_name, acct_date=a.acct_date,
            yesterday_balance=a.yesterday_balance, today_receipt=a.today_receipt,
            today_pay=a.today_pay, today_balance=a.today_balance, balanced=a.balanced,
            difference=a.difference) for a in lines])

