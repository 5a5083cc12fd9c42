"""Agreement verification and revocation: 9114 ⇒ 9115 (§6.1), with the monthly cutoff (§7.6)."""

from __future__ import annotations

import datetime as dt

from gateway.domain.agreement import Agreement, AgreementChannel, AgreementState
from gateway.domain.calendar import LATE_AGREEMENT_NOTICE
from gateway.domain.commands import (RegisterAgreement, RevokeAgreement, TerminateAgreement,
                                     VerifyAgreement)
from gateway.domain.errors import AgreementInUse, IllegalTransition, InvalidIdentifier
from gateway.domain.entity import require_id
from gateway.domain.events import VerificationAcknowledged, VerificationAnswered
from gateway.domain.parties import Payer
from gateway.domain.verification import VcSign, Verification
from gateway.services import status
from gateway.services.context import HandlerContext
from gateway.services.ports import UnitOfWork
from gateway.services.serials import new_serial


def register_agreement(cmd: RegisterAgreement, uow: UnitOfWork, ctx: HandlerContext) -> int:
    """Record an online or on-site (一次上门) agreement as PENDING and send its 9114."""
    payer = uow.payers.get(cmd.payer_id)
    for name, value, digits in (("付款行行号", cmd.pay_bk_code, 12), ("开户网点行号", cmd.pay_op_bk_code, 12)):
        if not (value.isdigit() and len(value) == digits):
            raise InvalidIdentifier(f"{name}必须是{digits}位数字")
    acct = cmd.pay_acct.strip()
    if not (1 <= len(acct) <= 32 and all(c.isalnum() or c == "-" for c in acct)):
        raise InvalidIdentifier("账号格式不正确")
    protocol = cmd.protocol_no.strip()
    if not (1 <= len(protocol) <= 60 and all(c.isalnum() or c == "-" for c in protocol)):
        raise InvalidIdentifier("协议号格式不正确")
    agreement = uow.agreements.add(Agreement(
        id=None, protocol_no=protocol, payer_id=require_id(payer.id, "payer"),
        tax_org_code=payer.tax_org_code,
        pay_bk_code=cmd.pay_bk_code, pay_op_bk_code=cmd.pay_op_bk_code, pay_acct=acct,
        hand_org_name=cmd.hand_org_name.strip() or payer.name, channel=AgreementChannel(cmd.channel)))
    _send(uow, ctx, agreement, payer, VcSign.VERIFY)
    return require_id(agreement.id, "agreement")


def verify_agreement(cmd: VerifyAgreement, uow: UnitOfWork, ctx: HandlerContext) -> int:
    agreement = uow.agreements.get(cmd.agreement_id)
    if agreement.state is AgreementState.REJECTED:
        agreement.resubmit()
        uow.agreements.save(agreement)
    elif agreement.state not in (AgreementState.PENDING, AgreementState.SUSPENDED):
        raise IllegalTransition("agreement", agreement.protocol_no, agreement.state.value, "ACTIVE",
                                "only PENDING, REJECTED or SUSPENDED agreements are verified")
    return _send(uow, ctx, agreement, uow.payers.get(agreement.payer_id), VcSign.VERIFY)


def revoke_agreement(cmd: RevokeAgreement, uow: UnitOfWork, ctx: HandlerContext) -> int:
    agreement = uow.agreements.get(cmd.agreement_id)
    if agreement.state not in (AgreementState.ACTIVE, AgreementState.SUSPENDED):
        raise IllegalTransition("agreement", agreement.protocol_no, agreement.state.value, "REVOKED",
                                "only ACTIVE or SUSPENDED agreements are revoked")
    if uow.agreements.has_locked_levies(require_id(agreement.id, "agreement")):
        raise AgreementInUse("该协议下有正在处理中的缴款，暂不能撤销")
    return _send(uow, ctx, agreement, uow.payers.get(agreement.payer_id), VcSign.REVOKE)


def terminate_agreement(cmd: TerminateAgreement, uow: UnitOfWork, ctx: HandlerContext) -> None:
    agreement = uow.agreements.get(cmd.agreement_id)
    if agreement.state is AgreementState.ACTIVE:
        raise IllegalTransition("agreement", agreement.protocol_no, "ACTIVE", "TERMINATED",
                                "an ACTIVE agreement is revoked with the bank first")
    if uow.agreements.has_locked_levies(require_id(agreement.id, "agreement")):
        raise AgreementInUse("该协议下有正在处理中的缴款，暂不能终止")
    agreement.terminate(cmd.reason.strip()[:200] or f"terminated by {cmd.requested_by}")
    uow.agreements.save(agreement)


def _send(uow: UnitOfWork, ctx: HandlerContext, agreement: Agreement, payer: Payer,
          vc_sign: VcSign) -> int:
    """Send a 9114 (verify or revoke) and record the request with its 9115 timer."""
    now = ctx.now()
    status.ensure_open_for_requests(uow)
    day = status.work_date(uow, ctx.options, now)
    vc_no = new_serial(uow, "VCNO", agreement.tax_org_code, day)
    msg_id = uow.messages.send_verification(agreement, payer, vc_no, vc_sign, day)
    verification = uow.verifications.add(Verification(
        id=None, agreement_id=require_id(agreement.id, "agreement"),
        tax_org_code=agreement.tax_org_code, entrust_date=day, vc_no=vc_no, vc_sign=vc_sign,
        msg_id=msg_id, deadline=now + dt.timedelta(seconds=ctx.options.timers.answer_9115)))
    return verification.saved_id


def on_verification_acknowledged(event: VerificationAcknowledged, uow: UnitOfWork,
                                 ctx: HandlerContext) -> None:
    """9120 refusal of a 9114: the agreement stays as it was; the request is recorded refused.
    An acceptance changes nothing (the 9115 decides), nor does a refusal overtaken by the
    9115 itself."""
    verification = uow.verifications.by_msg_id(event.request_msg_id)
    if verification is None or event.accepted or not verification.awaiting_answer:
        return
    verification.refused(f"{event.result} {event.add_word}".strip())
    uow.verifications.save(verification)


def on_verification_answered(event: VerificationAnswered, uow: UnitOfWork, ctx: HandlerContext) -> str:
    """9115: activate, reject or revoke; returns the message for the payer (with the cutoff
    notice when the agreement became ACTIVE after this month's cutoff)."""
    v = uow.verifications.by_key(event.tax_org_code, event.entrust_date, event.vc_no)
    if v is None:
        uow.reviews.add("UNMATCHED_9115", f"9115 for unknown 9114 {event.vc_no}",
                        event.tax_org_code, event.vc_no)
        return ""
    if not v.awaiting_answer:
        return ""  # answered already
    agreement = uow.agreements.get(v.agreement_id)
    now = ctx.now()
    message = ""
    if v.revocation:
        if event.passed and agreement.state in (AgreementState.ACTIVE, AgreementState.SUSPENDED):
            agreement.revoked("9115 撤销成功")
            message = "三方协议已撤销"
        else:
            message = f"撤销失败：{event.reason}"
    else:
        if event.passed and agreement.state is AgreementState.REJECTED:
            agreement.resubmit()  # an earlier request's late refusal; this one passed
        if agreement.state in (AgreementState.PENDING, AgreementState.SUSPENDED):
            agreement.verified(event.passed, event.reason, now)
        if event.passed:
            message = "三方协议验证通过"
            if ctx.options.cutoff.after_cutoff(now):
                message += "。" + LATE_AGREEMENT_NOTICE
        else:
            message = f"三方协议验证失败：{event.reason}"
    uow.agreements.save(agreement)
    v.answered(event.passed, message)
    uow.verifications.save(v)
    return message


def sweep_verifications(uow: UnitOfWork, now: dt.datetime, limit: int = 500) -> int:
    """No 9115 within 60 s: the agreement stays PENDING and the request is marked TIMEOUT."""
    expired = uow.verifications.due(now, limit)
    for verification in expired:
        verification.expired()
        uow.verifications.save(verification)
    return len(expired)
