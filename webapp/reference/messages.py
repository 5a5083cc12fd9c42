"""The Chinese message of a reference-data refusal, and the form field it belongs next to.

The reference rules (``reference.*``, ``bank.*``) raise messages written for the user already,
naming the version and the dates; they are shown as they stand, not replaced by a generic one.
"""

from __future__ import annotations

import re

from gateway.domain.errors import DomainError
from gateway.services.reference import ProposalRefused
from webapp.errors import domain_message

_LINE = re.compile(r"^第\d+项: ")


def messages(exc: DomainError) -> list[str]:
    if isinstance(exc, ProposalRefused):
        return [_LINE.sub("", e) for e in exc.errors]
    errors = getattr(exc, "errors", None)
    if errors:
        return list(errors)
    if exc.rule.startswith(("reference.", "bank.")):
        return [str(exc)]
    return [domain_message(exc)]


def field_for(message: str) -> str:
    """Which field of the version form a domain message is about."""
    if any(w in message for w in ("数值", "比例", "金额", "小数", "浮点")):
        return "value"
    if "失效日期" in message and "早于" in message:
        return "valid_to"
    return "valid_from"


def attach(form, exc: DomainError) -> None:
    """Put each message of ``exc`` next to its field of ``form``."""
    for message in messages(exc):
        getattr(form, field_for(message)).errors.append(message)
