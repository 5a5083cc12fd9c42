"""The bank-branch directory editor's use cases on a real database."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.domain.bank_directory import BankBranch, BranchState
from gateway.domain.errors import NotFound
from gateway.domain.reference_commands import SaveBankBranch, SetBankBranchState
from gateway.domain.reference_errors import InvalidBankBranch
from gateway.persistence.records import BankRecord
from gateway.services import bank_directory as service

NOW = dt.datetime(2025, 3, 1, 10, 0)
ICBC_GZ = "102581000013"  # the demo's ICBC clearing bank in Guangzhou


def _branch(code="102581009990", clearing=ICBC_GZ, name="中国工商银行广州新港支行") -> BankBranch:
    return BankBranch(code, name, "中国工商银行", clearing, "4401")


def test_add_change_close_and_find_a_branch(uow):
    with uow() as u:
        assert service.save_branch(SaveBankBranch(_branch(), "staff_gz"), u, NOW) is True
        u.commit()
    with uow() as u:
        assert service.save_branch(SaveBankBranch(_branch(name="中国工商银行广州新港东支行"), "staff_fs"),
                                   u, NOW) is False
        closed = service.set_branch_state(SetBankBranchState("102581009990", BranchState.CLOSED, "staff_gz"), u, NOW)
        u.commit()
    assert closed.state is BranchState.CLOSED and closed.name == "中国工商银行广州新港东支行"
    with uow() as u:
        total, page = service.find_branches(u, text="新港")
        assert total == 1 and page[0].state is BranchState.CLOSED
        active, _ = service.find_branches(u, city_code="4401", state=BranchState.ACTIVE, per_page=5)
        everything, first = service.find_branches(u, city_code="4401", bank_name="中国工商银行", per_page=2)
        assert active > 5 and everything >= 2 and len(first) == 2
        assert first[0].code < first[1].code and all(b.bank_name == "中国工商银行" for b in first)
        assert "中国工商银行" in u.banks.bank_names()
        row = u.session.get(BankRecord, "102581009990")
        assert (row.updated_by, row.updated_at) == ("staff_gz", NOW)


def test_a_branch_needs_a_known_clearing_bank_and_a_known_code_to_close(uow):
    with uow() as u, pytest.raises(InvalidBankBranch, match="清算行"):
        service.save_branch(SaveBankBranch(_branch(clearing="999999999999"), "staff_gz"), u, NOW)
    with uow() as u:  # a new clearing bank names itself
        assert service.save_branch(SaveBankBranch(_branch("313581000017", "313581000017", "广州银行"),
                                                  "staff_gz"), u, NOW)
    with uow() as u, pytest.raises(NotFound):
        service.set_branch_state(SetBankBranchState("102581000000", BranchState.CLOSED, "x"), u, NOW)
