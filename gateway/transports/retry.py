"""The one retry policy of the transports (tenacity).

Only for calls that are safe to repeat: connecting, inquiries (PCF, depth, browse), definitions
that are idempotent. Never for a get or a put inside a unit of work: when the connection breaks
there, the unit of work is lost and the caller decides (the outbox re-puts the same MsgID, an
uncommitted get comes back by itself). Only :class:`ConnectionBroken` is retried.
"""

from __future__ import annotations

import time
from typing import Callable, TypeVar

import tenacity

from gateway.transports.base import ConnectionBroken

T = TypeVar("T")

DEFAULT_ATTEMPTS = 5
DEFAULT_TOTAL_S = 30.0


def retrying(*, attempts: int = DEFAULT_ATTEMPTS, total_s: float = DEFAULT_TOTAL_S,
             initial_s: float = 0.2, max_wait_s: float = 5.0,
             sleep: Callable[[float], None] = time.sleep) -> tenacity.Retrying:
    """Exponential backoff with jitter, bounded by attempts and by elapsed time; re-raises the
    last :class:`ConnectionBroken` when it gives up."""
    return tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(ConnectionBroken),
        stop=tenacity.stop_after_attempt(attempts) | tenacity.stop_after_delay(total_s),
        wait=(tenacity.wait_exponential(multiplier=initial_s, max=max_wait_s)
              + tenacity.wait_random(0, initial_s)),
        sleep=sleep,
        reraise=True,
    )


def call_idempotent(fn: Callable[[], T], policy: tenacity.Retrying | None = None) -> T:
    """Run ``fn`` under the policy. ``fn`` must be safe to run more than once."""
    return (policy or retrying()).copy()(fn)
