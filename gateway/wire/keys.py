"""Business keys (ets-interface §4.3), written once for both directions.

A business key is the tuple the interface names for a message (e.g. TaxOrgCode + EntrustDate +
TraNo), joined with ``/`` and dates as yyyyMMdd. The outbox stores a request under
``<MsgNo>:<key>`` so that a reply, which names the request by the same fields in its own body,
finds it again (§3.2: matched by key; MsgRef is a cross-check).
"""

from __future__ import annotations

import datetime as dt


def business_key(*parts: str | int | dt.date) -> str:
    """``244000000001/20261202/00000123``: the parts of a key as the interface orders them."""
    return "/".join(f"{p:%Y%m%d}" if isinstance(p, dt.date) else str(p) for p in parts)


def request_key(msg_no: str, *parts: str | int | dt.date) -> str:
    """The outbox key of a request we sent: ``1001:244000000001/20261202/00000123``."""
    return f"{msg_no}:{business_key(*parts)}" if parts else msg_no
