"""Use cases of the individual portal: contact details, contribution base and insurance types of
flexible-employment persons, stopping insurance (停保), residents' grade changes, paying for
another person (代他人缴费) and the residents' virtual units (两居企业端)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from gateway.domain import individual_commands as ic
from gateway.domain.agreement import AgreementState
from gateway.domain.commands import RevokeAgreement, SubmitDebit, TerminateAgreement
from gateway.domain.debit import Debit, DebitKind
from gateway.domain.entity import require_id
from gateway.domain.identifiers import is_valid_id_number
from gateway.domain.individual import (RESIDENT_PENSION, RESIDENT_TYPES, IndividualProfile,
                                       IndividualRefused, LockedLevy, LockResolution, StopOutcome,
                                       check_grade_year, check_person, resolve_lock)
from gateway.domain.levy import Levy, LevyState, LockKind, LockOwner
from gateway.domain.parties import Payer, PayerKind
from gateway.domain.reference import ParameterKind
from gateway.domain.reference_errors import NoValueInForce
from gateway.services import status
from gateway.services.batch_ports import batch_uow
from gateway.services.context import HandlerContext
from gateway.services.handlers import agreements, debits
from gateway.services.individual_ports import IndividualRepository, individual_uow
from gateway.services.ports import UnitOfWork


def _person(uow: UnitOfWork, payer_id: int, *kinds: PayerKind) -> Payer:
    payer = uow.payers.get(payer_id)
    if payer.kind not in kinds:
        raise IndividualRefused("该业务仅限" + "、".join(k.label for k in kinds) + "办理")
    return payer


def change_contact(cmd: ic.ChangeContact, uow: UnitOfWork, ctx: HandlerContext) -> IndividualProfile:
    _person(uow, cmd.payer_id, PayerKind.FLEXIBLE, PayerKind.RESIDENT)
    repo = individual_uow(uow).individuals
    profile = repo.profile(cmd.payer_id, for_update=True)
    profile.change_contact(cmd.phone, cmd.address)
    repo.save_profile(profile, ctx.now())
    return profile


def base_bounds(repo: IndividualRepository, payer: Payer, on: dt.date) -> tuple[Decimal, Decimal]:
    """The city's floor and ceiling of the flexible-employment pension base in force on ``on``."""
    city, district = repo.place_of(payer.tax_org_code)
    table = repo.parameters(city)
    try:
        floor, ceiling = (table.lookup(kind, city, on, payer_kind=PayerKind.FLEXIBLE.value,
                                       insurance_code="PENSION", district_code=district).value
                          for kind in (ParameterKind.BASE_FLOOR, ParameterKind.BASE_CEILING))
    except NoValueInForce:
        raise IndividualRefused("本市当前没有生效的缴费基数上下限，请稍后再试") from None
    return floor, ceiling


def adjust_base(cmd: ic.AdjustBase, uow: UnitOfWork, ctx: HandlerContext) -> dict[str, Any]:
    payer = _person(uow, cmd.payer_id, PayerKind.FLEXIBLE)
    repo = individual_uow(uow).individuals
    today = ctx.now().date()
    floor, ceiling = base_bounds(repo, payer, today)
    profile = repo.profile(cmd.payer_id, for_update=True)
    first = profile.adjust_base(cmd.base, floor, ceiling, today)
    repo.save_profile(profile, ctx.now())
    return {"base": profile.base, "from": first, "floor": floor, "ceiling": ceiling}


def change_types(cmd: ic.ChangeInsuranceTypes, uow: UnitOfWork, ctx: HandlerContext) -> IndividualProfile:
    _person(uow, cmd.payer_id, PayerKind.FLEXIBLE)
    repo = individual_uow(uow).individuals
    profile = repo.profile(cmd.payer_id, for_update=True)
    profile.change_types(cmd.insurance_codes)
    repo.save_profile(profile, ctx.now())
    return profile


def stop_insurance(cmd: ic.StopInsurance, uow: UnitOfWork, ctx: HandlerContext) -> StopOutcome:
    """All or nothing: void every unpaid levy, release abandoned payments, end the agreements and
    mark the person stopped. A levy whose payment may still move money refuses the whole stop;
    a real-time debit of unknown outcome is queried (that 9003 is the one thing that commits)."""
    _person(uow, cmd.payer_id, PayerKind.FLEXIBLE)
    repo = individual_uow(uow).individuals
    now = ctx.now()
    profile = repo.profile(cmd.payer_id, for_update=True)
    profile.stop(now)  # refuses a second stop before anything else is looked at
    levies = uow.levies.get_many(repo.open_levy_ids(cmd.payer_id), for_update=True)
    refusals, queried, stale = _resolve_locks(uow, levies, now)
    if refusals:
        return StopOutcome(queried=tuple(queried), refusals=tuple(refusals))
    report = batch_uow(uow).batch_lists.void_payer(cmd.payer_id, "停保")
    if report[1]:
        raise IndividualRefused("、".join(f"应征 {lid}" for lid, _ in report[1]) + " 已在银行批量扣款中，"
                                "请待结果返回后再办理停保")
    for levy, owner in stale:
        levy.unlock(owner, f"停保 by {cmd.requested_by}: 扣款未成功")
    for levy in levies:
        levy.void()
    uow.levies.save(levies)
    terminated, revoking = _end_agreements(uow, ctx, repo.open_agreement_ids(cmd.payer_id),
                                           cmd.requested_by)
    repo.save_profile(profile, now)
    return StopOutcome(voided=tuple(require_id(lv.id, "levy") for lv in levies),
                       released=tuple(require_id(lv.id, "levy") for lv, _ in stale),
                       agreements_terminated=tuple(terminated), agreements_revoking=tuple(revoking))


def _resolve_locks(uow: UnitOfWork, levies: list[Levy], now: dt.datetime
                   ) -> tuple[list[str], list[int], list[tuple[Levy, LockOwner]]]:
    refusals: list[str] = []
    queried: list[int] = []
    stale: list[tuple[Levy, LockOwner]] = []
    for levy in levies:
        if levy.state is not LevyState.LOCKED or levy.lock_owner is None:
            continue
        owner = levy.lock_owner
        debit: Debit | None = None
        if owner.kind in (LockKind.DEBIT, LockKind.BATCH_ITEM):
            debit = uow.debits.get(int(owner.ref))
        verdict, why = resolve_lock(LockedLevy(require_id(levy.id, "levy"), owner.kind,
                                               debit.state.value if debit else None,
                                               levy.lock_until), now)
        if verdict is LockResolution.RELEASE:
            stale.append((levy, owner))
            continue
        refusals.append(why)
        if verdict is LockResolution.QUERY and debit is not None and debit.saved_id not in queried:
            uow.messages.send_status_query(debit.tax_org_code, "0", debit.entrust_date, "00000000",
                                           debit.tra_no)
            queried.append(debit.saved_id)
    return refusals, queried, stale


def _end_agreements(uow: UnitOfWork, ctx: HandlerContext, ids: list[int],
                    by: str) -> tuple[list[int], list[int]]:
    """ACTIVE (or SUSPENDED) agreements are revoked with the bank (9114, REVOKED on its 9115);
    the others end here at once."""
    terminated, revoking = [], []
    for agreement_id in ids:
        state = uow.agreements.get(agreement_id).state
        if state in (AgreementState.ACTIVE, AgreementState.SUSPENDED):
            agreements.revoke_agreement(RevokeAgreement(agreement_id, by), uow, ctx)
            revoking.append(agreement_id)
        else:
            agreements.terminate_agreement(TerminateAgreement(agreement_id, "停保", by), uow, ctx)
            terminated.append(agreement_id)
    return terminated, revoking


def grade_amount(repo: IndividualRepository, payer: Payer, year: int, grade: str) -> Decimal:
    city, district = repo.place_of(payer.tax_org_code)
    try:
        return repo.parameters(city).lookup(
            ParameterKind.RESIDENT_GRADE, city, dt.date(year, 1, 1), payer_kind=PayerKind.RESIDENT.value,
            insurance_code=RESIDENT_PENSION, item=grade, district_code=district).value
    except NoValueInForce:
        raise IndividualRefused(f"{year} 年度没有第 {grade} 档缴费标准") from None


def change_grade(cmd: ic.ChangeGrade, uow: UnitOfWork, ctx: HandlerContext) -> dict[str, Any]:
    """The grade-year rule is checked here, whatever the form offered."""
    payer = _person(uow, cmd.payer_id, PayerKind.RESIDENT)
    year = check_grade_year(cmd.year, ctx.now().date())
    repo = individual_uow(uow).individuals
    amount = grade_amount(repo, payer, year, cmd.grade)
    ids = repo.year_levy_ids(cmd.payer_id, RESIDENT_PENSION, year)
    levies = uow.levies.get_many(ids, for_update=True)
    if any(lv.state is not LevyState.UNPAID for lv in levies):
        raise IndividualRefused(f"{year} 年度养老保险已缴费或正在缴费，不能变更档次")
    if ids:
        # The month's batch list must not debit the old amount: its entries of this person are
        # voided (the next list takes the new one); entries already packaged refuse the change.
        _, packaged = batch_uow(uow).batch_lists.void_payer(cmd.payer_id, "缴费档次变更")
        if packaged:
            raise IndividualRefused(f"{year} 年度养老保险费正在银行批量扣款中，请待结果返回后再变更档次")
    repo.set_grade(cmd.payer_id, year, cmd.grade, amount)
    repo.set_amounts(ids, amount)
    return {"year": year, "grade": cmd.grade, "amount": amount, "levies_changed": len(ids)}


def pay_for_other(cmd: ic.PayForOther, uow: UnitOfWork, ctx: HandlerContext) -> Debit:
    """A debit over the payer's own agreement of another resident's UNPAID levies; the
    beneficiary is found by ID number and must carry the given name."""
    payer = _person(uow, cmd.payer_id, PayerKind.FLEXIBLE, PayerKind.RESIDENT)
    beneficiary = beneficiary_of(uow, cmd.id_number, cmd.name)
    if beneficiary.id == payer.id:
        raise IndividualRefused("为本人缴费请使用“本人缴费”")
    return _proxy_debit(uow, ctx, payer, cmd.levy_ids, frozenset({require_id(beneficiary.id, "payer")}),
                        cmd.requested_by)


def beneficiary_of(uow: UnitOfWork, id_number: str, name: str) -> Payer:
    found = individual_uow(uow).individuals.resident_by_id_number(id_number.strip().upper())
    check_person(id_number, name, found.name if found else None)
    assert found is not None  # check_person refuses a missing one
    return found


def _proxy_debit(uow: UnitOfWork, ctx: HandlerContext, payer: Payer, levy_ids: tuple[int, ...],
                 owners: frozenset[int], by: str) -> Debit:
    now = ctx.now()
    status.ensure_open_for_requests(uow)
    debits.check_in_flight(uow.debits.count_unresolved(DebitKind.SINGLE), ctx)
    debit = debits.submit_one(SubmitDebit(require_id(payer.id, "payer"), levy_ids, by), uow, ctx,
                              now, owners=owners)
    paid_for = {lv.payer_id for lv in uow.levies.get_many(debit.levy_ids)}
    individual_uow(uow).individuals.record_proxy(debit.saved_id, require_id(payer.id, "payer"),
                                                 sorted(paid_for))
    return debit


def pay_declared(cmd: ic.PayDeclared, uow: UnitOfWork, ctx: HandlerContext) -> Debit:
    """A virtual unit pays the levies it declared, over its own agreement."""
    unit = _virtual_unit(uow, cmd.unit_id)
    repo = individual_uow(uow).individuals
    owners = frozenset(repo.declared_owners(cmd.unit_id, cmd.levy_ids))
    return _proxy_debit(uow, ctx, unit, cmd.levy_ids, owners, cmd.requested_by)


def _virtual_unit(uow: UnitOfWork, unit_id: int) -> Payer:
    unit = uow.payers.get(unit_id)
    if not individual_uow(uow).individuals.is_virtual_unit(unit_id):
        raise IndividualRefused("该单位不是城乡居民代缴单位（两居企业）")
    return unit


def declare_residents(cmd: ic.DeclareResidents, uow: UnitOfWork,
                      ctx: HandlerContext) -> dict[str, Any]:
    """Each valid row becomes an UNPAID levy of its resident (a resident not yet known is added
    under the unit's office); each invalid row is returned with its line and reasons and changes
    nothing. Set-based: one lookup of the residents, one insert of the levies."""
    unit = _virtual_unit(uow, cmd.unit_id)
    repo = individual_uow(uow).individuals
    today = ctx.now().date()
    known = repo.residents_by_id_numbers([r.id_number for r in cmd.rows])
    errors: dict[int, list[str]] = {}
    seen: set[tuple[str, str, int]] = set()
    valid = []
    for row in cmd.rows:
        why = _row_errors(row, known, today, seen)
        if not why:
            try:
                amount = _row_amount(repo, unit, row)
            except IndividualRefused as refused:
                why.append(str(refused))
        if why:
            errors[row.line] = why
            continue
        seen.add((row.id_number, row.insurance_code, row.year))
        valid.append((row, amount))
    new = [Payer(None, PayerKind.RESIDENT, r.id_number, r.name, unit.tax_org_code)
           for r in {row.id_number: row for row, _ in valid if row.id_number not in known}.values()]
    ids = {p: require_id(known[p].id, "payer") for p in known} | repo.add_residents(new)
    keys = [(ids[row.id_number], row.insurance_code, dt.date(row.year, 1, 1)) for row, _ in valid]
    taken = repo.existing_levies(keys)
    rows: list[dict[str, Any]] = []
    for (row, amount), key in zip(valid, keys):
        if key in taken:
            errors[row.line] = [f"{row.year} 年度该人员此险种已申报"]
            continue
        rows.append({"payer_id": key[0], "tax_org_code": unit.tax_org_code, "insurance_code": key[1],
                     "period_start": key[2], "period_end": dt.date(row.year, 12, 31), "amount": amount,
                     "declaration_no": f"LJ{cmd.unit_id}{row.year}",
                     # the business clock's day, not the database's now() (UTC on SQLite)
                     "created_at": ctx.now()})
    levy_ids = repo.declare(cmd.unit_id, rows)
    return {"levy_ids": levy_ids, "errors": dict(sorted(errors.items())),
            "amount": sum((Decimal(r["amount"]) for r in rows), Decimal("0.00"))}


def _row_errors(row: ic.ResidentRow, known: dict[str, Payer], today: dt.date,
                seen: set[tuple[str, str, int]]) -> list[str]:
    why = []
    if not is_valid_id_number(row.id_number):
        why.append("身份证号码无效")
    elif row.id_number in known and known[row.id_number].name != row.name:
        why.append("身份证号码与姓名不匹配")
    elif row.id_number in known and known[row.id_number].kind is not PayerKind.RESIDENT:
        why.append("该人员不是城乡居民")
    if not (2 <= len(row.name) <= 30):
        why.append("姓名为 2 至 30 个字")
    if row.insurance_code not in RESIDENT_TYPES:
        why.append("险种应为城乡居民养老保险或城乡居民医疗保险")
    try:
        check_grade_year(row.year, today)
    except IndividualRefused as refused:
        why.append(str(refused))
    if (row.id_number, row.insurance_code, row.year) in seen:
        why.append("文件中重复的人员与险种")
    return why


def _row_amount(repo: IndividualRepository, unit: Payer, row: ic.ResidentRow) -> Decimal:
    if row.insurance_code == RESIDENT_PENSION:
        return grade_amount(repo, unit, row.year, row.grade or "1")
    city, district = repo.place_of(unit.tax_org_code)
    try:
        return repo.parameters(city).lookup(
            ParameterKind.RESIDENT_GRADE, city, dt.date(row.year, 1, 1),
            payer_kind=PayerKind.RESIDENT.value, insurance_code=row.insurance_code, item="1",
            district_code=district).value
    except NoValueInForce:
        raise IndividualRefused(f"{row.year} 年度没有城乡居民医保个人缴费标准") from None
