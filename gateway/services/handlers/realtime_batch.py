"""``submit_many``: many single real-time debits in one unit of work (one commit, one fsync).

Each debit goes through exactly the rules of a single submit (:func:`debits.submit_one`): its own
levies, agreement, route, serials and 1001. The in-flight limit is counted once and then kept up
to date in memory, so the limit means what it means for single submits. A refused debit is
answered with its refusal in the result and the others go on; when the unit of work offers
savepoints (the SQL one does), each debit is written behind one, so that a failure after its
first write (an unencodable name, say) takes back only that debit's rows.
"""

from __future__ import annotations


from gateway.domain.commands import SubmitDebits
from gateway.domain.debit import Debit, DebitKind
from gateway.domain.errors import DomainError
from gateway.services import status
from gateway.services.savepoints import isolated
from gateway.services.context import HandlerContext
from gateway.services.handlers.debits import check_in_flight, submit_one
from gateway.services.ports import UnitOfWork


def submit_debits(cmd: SubmitDebits, uow: UnitOfWork,
                  ctx: HandlerContext) -> tuple[Debit | DomainError, ...]:
    """The Debit written, or the refusal, of each of ``cmd.debits``, in order."""
    now = ctx.now()
    status.ensure_open_for_requests(uow)
    in_flight = uow.debits.count_unresolved(DebitKind.SINGLE)
    results: list[Debit | DomainError] = []
    for one in cmd.debits:
        try:
            check_in_flight(in_flight, ctx)
            with isolated(uow):
                results.append(submit_one(one, uow, ctx, now))
            in_flight += 1
        except DomainError as refusal:
            results.append(refusal)
    return tuple(results)


__all__ = ["submit_debits"]
