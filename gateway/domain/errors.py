"""Domain errors. Each names the rule it protects, so web and CLI can show it as it stands."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule was broken. ``rule`` is a stable identifier, the message is readable."""

    rule = "domain"

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.__doc__ or self.rule)


class InvalidAmount(DomainError):
    """An amount is not exact money with two decimals."""

    rule = "money.exact_two_places"


class IllegalTransition(DomainError):
    """A state change that the state model does not allow."""

    rule = "state.transition_allowed"

    def __init__(self, entity: str, ident: object, current: str, target: str, why: str = "") -> None:
        self.entity, self.ident, self.current, self.target = entity, ident, current, target
        text = f"{entity} {ident}: {current} -> {target} is not allowed"
        super().__init__(f"{text} ({why})" if why else text)


class LevyLocked(IllegalTransition):
    """A levy is locked by another payment."""

    rule = "levy.one_lock"


class LevyNotPayable(DomainError):
    """The levy is not UNPAID and cannot be paid now."""

    rule = "levy.payable_only_when_unpaid"


class AgreementNotActive(DomainError):
    """Only ACTIVE agreements are debited."""

    rule = "agreement.active_for_debit"


class InvalidIdentifier(DomainError):
    """An identifier (ID number, credit code, bank code ...) is malformed."""

    rule = "identifier.valid"


class TooManyItems(DomainError):
    """A debit or package holds more items than the interface allows."""

    rule = "limits.items"


class NotSameWorkDate(DomainError):
    """Reversals are only allowed on the work date of the original debit."""

    rule = "reversal.same_work_date"


class GatewayUnavailable(DomainError):
    """No new request starts while the link is DOWN or the ETS is switching days (§6.2, §6.11)."""

    rule = "gateway.available_for_new_requests"


class TooManyInFlight(DomainError):
    """At most the configured number of real-time debits are in flight (§6.5)."""

    rule = "limits.in_flight"


class NotFound(DomainError):
    """The named record does not exist (or is not visible to the caller)."""

    rule = "lookup.exists"


class AgreementInUse(DomainError):
    """A revocation is sent only when no LOCKED levy depends on the agreement (§6.1)."""

    rule = "agreement.revoke_only_when_unused"
