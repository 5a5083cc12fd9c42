"""The ETS key store and the SRC+MsgID store (§2.3, §4.3).

A key row (``sim_key``) is what the ETS knows about one business key, and the group its stored
answers hang on. Messages without a business key (9003, 9005, an invalid message whose key is
unreadable) get a row of kind ``MSG`` keyed by SRC+MsgID, so that a duplicate by MsgID can be
answered with what was answered the first time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from sqlalchemy import delete, update

from gateway.simulator import schema as t
from gateway.simulator import statements as q
from gateway.simulator.context import Tx, d2s
from gateway.simulator.contract_choices import KEY_SEP

#: MsgNo -> (first body block, its key fields, their XML names) for keyed requests (§4.3).
KEYED: Mapping[str, tuple[str, tuple[str, str, str], tuple[str, str, str]]] = {
    "9114": ("prove_info9114", ("send_org_code", "entrust_date", "vc_no"),
             ("SendOrgCode", "EntrustDate", "VCNo")),
    "1001": ("real_head1001", ("tax_org_code", "entrust_date", "tra_no"),
             ("TaxOrgCode", "EntrustDate", "TraNo")),
    "1021": ("rush_apply1021", ("tax_org_code", "entrust_date", "cancel_no"),
             ("TaxOrgCode", "EntrustDate", "CancelNo")),
    "1102": ("batch_head1102", ("tax_org_code", "entrust_date", "pack_no"),
             ("TaxOrgCode", "EntrustDate", "PackNo")),
    "1123": ("stop_apply1123", ("tax_org_code", "entrust_date", "stop_no"),
             ("TaxOrgCode", "EntrustDate", "StopNo")),
}
_ORG = re.compile(r"[0-9]{1,12}")
_SER = re.compile(r"[0-9]{8}")
#: Column values of a new key row that the caller did not give (the table's defaults).
_DEFAULTS: Mapping[str, Any] = {
    c.name: (getattr(c.default, "arg", None) if c.default is not None and c.default.is_scalar
             else None)
    for c in t.keys.columns}


def key_of(*parts: str | dt.date) -> str:
    """``TaxOrgCode|yyyyMMdd|Serial`` (dates formatted), the stored form of a business key."""
    return KEY_SEP.join(d2s(p) if isinstance(p, dt.date) else p for p in parts)


def business_key(msg_no: str, body: Any) -> str | None:
    """The business key of a decoded keyed request, else None."""
    spec = KEYED.get(msg_no)
    if spec is None:
        return None
    block = getattr(body, spec[0])
    return key_of(*(getattr(block, name) for name in spec[1]))


def business_key_from_texts(msg_no: str | None, texts: Mapping[str, str]) -> str | None:
    """The key of an invalid message when its three key texts are present and well-formed."""
    spec = KEYED.get(msg_no or "")
    if spec is None:
        return None
    org, day, serial = (texts.get(name) for name in spec[2])
    if not (org and _ORG.fullmatch(org) and serial and _SER.fullmatch(serial)
            and serial != "00000000" and day and valid_date(day)):
        return None
    return key_of(org, day, serial)


def valid_date(text: str) -> bool:
    if not re.fullmatch(r"[0-9]{8}", text):
        return False
    try:
        day = dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return False
    return dt.date(1900, 1, 1) <= day <= dt.date(2099, 12, 31)


class KeyRow(SimpleNamespace):
    """A ``sim_key`` row as this unit of work last wrote or read it (attributes by column)."""


def _known(tx: Tx) -> dict[Any, KeyRow | None]:
    """Key rows by ``(kind, key)`` and by id, for this unit of work. Every write to ``sim_key``
    goes through :func:`create` and :func:`change`, which keep them current: a 1001 reads its
    key three times (duplicate check, create, bank), and a batch of them shares a unit."""
    known: dict[Any, KeyRow | None] = tx.cache.setdefault("keys", {})
    return known


def _remember(tx: Tx, row: KeyRow) -> KeyRow:
    known = _known(tx)
    known[(row.kind, row.key)] = known[row.id] = row
    return row


def find(tx: Tx, kind: str, key: str) -> KeyRow | None:
    known = _known(tx)
    if (kind, key) not in known:
        row = tx.conn.execute(q.KEY_BY_KIND, {"b_kind": kind, "b_key": key}).first()
        known[(kind, key)] = _remember(tx, KeyRow(**row._mapping)) if row is not None else None
    return known[(kind, key)]


def get(tx: Tx, key_id: int) -> KeyRow:
    row = _known(tx).get(key_id)
    if row is None:
        row = _remember(tx, KeyRow(**tx.conn.execute(q.KEY_BY_ID, {"b_id": key_id}).one()._mapping))
    return row


def held(tx: Tx, kind: str, key: str) -> KeyRow | None:
    """The key row if the ETS holds the key (a forgotten key is not held, §11 2.3)."""
    row = find(tx, kind, key)
    return row if row is not None and not row.forgotten else None


def create(tx: Tx, kind: str, key: str, *, src: str, msg_id: str, **values: Any) -> int:
    """Record a key (or take over a forgotten one, keeping its id); returns the row id."""
    old = find(tx, kind, key)
    if old is not None:
        # A forgotten key starts afresh: the answers of its first life are not re-sent.
        tx.flush()  # answers of this unit may still be held back
        tx.conn.execute(delete(t.answers).where(t.answers.c.key_id == old.id))
        tx.conn.execute(update(t.keys).where(t.keys.c.id == old.id).values(
            src=src, msg_id=msg_id, forgotten=False, **values))
        _remember(tx, KeyRow(**{**vars(old), "src": src, "msg_id": msg_id, "forgotten": False,
                                **values}))
        return int(old.id)
    row = dict(kind=kind, key=key, src=src, msg_id=msg_id, created_at=tx.now, **values)
    result = tx.conn.execute(q.INSERT_KEY, row)
    key_id = int(result.inserted_primary_key[0])
    _remember(tx, KeyRow(**{**_DEFAULTS, **row, "id": key_id}))
    return key_id


def change(tx: Tx, key_id: int, **values: Any) -> None:
    tx.conn.execute(q.UPDATE_KEY, {"b_id": key_id, **values})
    row = _known(tx).get(key_id)
    if row is not None:
        _remember(tx, KeyRow(**{**vars(row), **values}))


def seen(tx: Tx, src: str, msg_id: str) -> Any:
    """The SRC+MsgID record of a message received before (in this unit, or committed)."""
    pending = tx.deferred.get(("seen", src, msg_id))
    if pending is not None:
        return SimpleNamespace(**pending)
    return tx.conn.execute(q.SEEN, {"b_src": src, "b_msg_id": msg_id}).first()


def mark_seen(tx: Tx, src: str, msg_id: str, msg_no: str) -> None:
    tx.defer_insert(q.INSERT_SEEN, dict(src=src, msg_id=msg_id, msg_no=msg_no, key_id=None,
                                        received_at=tx.now), ("seen", src, msg_id))


def link_seen(tx: Tx, src: str, msg_id: str, key_id: int) -> None:
    """The answers of ``key_id`` are what a duplicate of this MsgID gets."""
    pending = tx.deferred.get(("seen", src, msg_id))
    if pending is not None:
        pending["key_id"] = key_id  # not inserted yet: it goes in with the row
        return
    tx.conn.execute(q.LINK_SEEN, {"b_src": src, "b_msg_id": msg_id, "key_id": key_id})


def message_group(tx: Tx, src: str, msg_id: str) -> int:
    """A ``MSG`` key row for an unkeyed message, linked to its MsgID."""
    key_id = create(tx, "MSG", key_of(src, msg_id), src=src, msg_id=msg_id)
    link_seen(tx, src, msg_id, key_id)
    return key_id
