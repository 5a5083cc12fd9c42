"""Serial and voucher numbers (§4.2): gateway serials per (kind, TaxOrgCode, EntrustDate)."""

from __future__ import annotations

import datetime as dt

from gateway.services.ports import HasSerials


def new_serial(uow: HasSerials, kind: str, tax_org_code: str, day: dt.date) -> str:
    """An 8-digit serial: TRANO (shared by 1001 and 1102 items), PACKNO, VCNO, CANCELNO, STOPNO."""
    return f"{uow.serials.next(kind, tax_org_code, day):08d}"


def new_voucher_no(uow: HasSerials, tax_org_code: str, day: dt.date) -> str:
    """TaxVouNo an(..18), unique for all time: '3' + the office's 6-digit area code + yyMMdd +
    a 5-digit daily sequence per area (the shape of the interface's example 344010624110500123)."""
    area = (tax_org_code[1:7] if len(tax_org_code) >= 7 else tax_org_code).rjust(6, "0")
    # One sequence per area (not per office): offices of one district share the area digits.
    seq = uow.serials.next("TAXVOU", area, day)
    if seq > 99_999:
        raise OverflowError(f"voucher numbers for area {area} on {day} exhausted")
    return f"3{area}{day:%y%m%d}{seq:05d}"
