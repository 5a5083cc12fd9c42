"""Package deadlines on the official calendar (National Day week, adjusted working Saturday),
the package and stop state rules, 2102 item verdicts and totals, refund cases, list entries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gateway.calendar_table import official_calendar
from gateway.domain.batch import Package, PackageState
from gateway.domain.debit import Debit, DebitKind
from gateway.domain.errors import IllegalTransition
from gateway.domain.package import (ItemReturn, ItemVerdict, StopRequest, StopState, StopType,
                                    judge, totals_problem)
from gateway.domain.pending_list import EntryState, VoidReport, check_entry
from gateway.domain.refund import RefundCase, RefundState

AT = dt.datetime(2024, 11, 5, 10)


def pkg(day=dt.date(2024, 11, 5), term=1) -> Package:
    return Package(id=1, tax_org_code="14401060000", entrust_date=day, pack_no="00000001",
                   pay_bk_code="102581000013", item_count=2, return_term=term,
                   total_amount=Decimal("30.00"))


def test_deadline_skips_the_national_day_week():
    cal = official_calendar()
    # Monday 30 Sep 2024, ReturnTerm 1: 1–7 October are holidays, Tuesday 8 October is next.
    assert pkg(dt.date(2024, 9, 30)).deadline(cal) == dt.datetime(2024, 10, 9)


def test_deadline_counts_the_adjusted_working_saturday():
    cal = official_calendar()
    # Friday 11 Oct 2024: Saturday 12 October is a working day (调休).
    assert pkg(dt.date(2024, 10, 11)).deadline(cal) == dt.datetime(2024, 10, 13)
    # Sunday 29 Sep 2024 is a working day too: from Friday 27 Sep with ReturnTerm 2 → 30 Sep.
    assert pkg(dt.date(2024, 9, 27), term=2).deadline(cal) == dt.datetime(2024, 10, 1)


def test_package_states_and_a_late_answer():
    p = pkg()
    p.sent("M1", AT, dt.datetime(2024, 11, 7))
    assert p.accepted() and not p.accepted()  # a second receipt changes nothing
    assert not p.past_deadline(dt.datetime(2024, 11, 6, 23, 59))
    assert p.past_deadline(dt.datetime(2024, 11, 7))
    p.failed("DEADLINE", "超时")
    assert not p.open and not p.past_deadline(dt.datetime(2024, 11, 8))
    p.answered("90000", "", 1, Decimal("10.00"))
    assert p.state is PackageState.ANSWERED and p.late
    with pytest.raises(IllegalTransition):
        p.failed("X", "answered is final")


def test_package_is_re_put_once_after_opstat_98():
    p = pkg()
    p.resend_after_not_found()
    with pytest.raises(IllegalTransition):
        p.resend_after_not_found()


def item(tra_no="00000001", amount="10.00") -> Debit:
    return Debit(id=7, kind=DebitKind.BATCH_ITEM, tax_org_code="14401060000",
                 entrust_date=dt.date(2024, 11, 5), tra_no=tra_no, tax_vou_no="344010624110500001",
                 payer_id=1, amount=Decimal(amount), levy_ids=(1,))


@pytest.mark.parametrize("code,verdict", [("90000", ItemVerdict.PAID), ("94051", ItemVerdict.PAID),
                                          ("24007", ItemVerdict.FAILED), ("12345", ItemVerdict.IN_DOUBT)])
def test_item_verdicts(code, verdict):
    ret = ItemReturn("00000001", Decimal("10.00"), "344010624110500001", None, code)
    assert judge(item(), ret) is verdict


def test_mismatched_items_are_never_applied():
    assert judge(item(), ItemReturn("00000001", Decimal("10.01"), "344010624110500001", None,
                                    "90000")) is ItemVerdict.MISMATCH
    assert judge(item(), ItemReturn("00000001", Decimal("10.00"), "344010624110500999", None,
                                    "90000")) is ItemVerdict.MISMATCH
    assert judge(None, ItemReturn("00000009", Decimal("10.00"), "x", None, "90000")) is ItemVerdict.MISMATCH


def test_totals_of_a_2102_must_add_up():
    rets = (ItemReturn("1", Decimal("10.00"), "a", dt.date(2024, 11, 6), "90000"),
            ItemReturn("2", Decimal("20.00"), "b", None, "24007"))
    assert totals_problem(rets, 2, Decimal("30.00"), 1, Decimal("10.00"), 2, Decimal("30.00")) == ""
    assert "AllNum" in totals_problem(rets, 3, Decimal("30.00"), 1, Decimal("10.00"), 2, Decimal("30.00"))
    assert "SuccNum" in totals_problem(rets, 2, Decimal("30.00"), 2, Decimal("30.00"), 2, Decimal("30.00"))
    assert "AllAmt" in totals_problem(rets, 2, Decimal("31.00"), 1, Decimal("10.00"), 2, Decimal("30.00"))


def test_stop_request_answers_once():
    s = StopRequest(None, 1, "14401060000", dt.date(2024, 11, 5), "00000001", StopType.PACKAGE,
                    dt.date(2024, 11, 5), "00000001", "00000000", "止付")
    assert s.answered(False, "银行已开始扣款")
    assert s.state is StopState.REFUSED and not s.answered(True, "")
    with pytest.raises(ValueError):
        StopRequest(None, 1, "1", dt.date(2024, 11, 5), "2", StopType.ITEM, dt.date(2024, 11, 5),
                    "1", "00000000", "an item stop names its TraNo")


def test_refund_case_walks_its_states():
    case = RefundCase(None, 1, "14401060000", "BATCH_ITEM:7", "k", "DEBIT:3", Decimal("10"))
    case.confirm("staff1", AT)
    case.exported("staff1", AT)
    case.refunded("staff2", AT, "社保核实后退还")
    assert case.state is RefundState.REFUNDED and len(case.history) == 3
    with pytest.raises(IllegalTransition):
        case.reject("staff1", AT, "too late")
    other = RefundCase(None, 2, "1", "p", "k", "d", Decimal("1"))
    with pytest.raises(IllegalTransition):
        other.refunded("staff1", AT)  # not confirmed and exported first
    with pytest.raises(ValueError):
        other.reject("staff1", AT, "")


def test_list_entries_and_void_report():
    check_entry("1", EntryState.GENERATED, EntryState.VOIDED)
    with pytest.raises(IllegalTransition):
        check_entry("1", EntryState.IN_PACKAGE, EntryState.VOIDED)
    report = VoidReport(1, (1, 2), ((3, "已组入批量包 5"),))
    assert not report.complete and "应征 3" in report.message()
    assert VoidReport(1, (1,)).message() == "已作废待批扣清册中 1 条应征"
