"""Tables of the web application: login state (failures, lock-out, disabled), server-side
sessions and API tokens (one table: a cookie session and a bearer token are both a random secret
whose hash we keep), and the hash-chained audit log with its chain head."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.persistence.records.base import Base


class LoginStateRecord(Base):
    """Per account: consecutive failed log-ins, the lock-out end, and whether the system
    administrator disabled it. A missing row means "never failed, enabled"."""

    __tablename__ = "web_login_state"
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class WebSessionRecord(Base):
    """A browser session (kind ``browser``) or an API token (kind ``api``). Only the SHA-256 of
    the secret is stored, so a copy of the table logs nobody in. Log-out sets ``ended_at``."""

    __tablename__ = "web_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    address: Mapped[str] = mapped_column(String(64), default="")


class AuditRecord(Base):
    """One audited action. ``row_hash`` = SHA-256 over the row's fields and ``prev_hash``, so an
    edited row no longer matches its hash and a deleted one leaves a gap in ``seq``."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(40))
    actor_role: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(80), default="")
    tax_org_code: Mapped[str] = mapped_column(String(12), default="")
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_actor", "actor"),
        Index("ix_audit_log_action", "action"),
    )


class AuditHeadRecord(Base):
    """The chain head (one row, id 1): the last seq and hash. Writers lock it (``FOR UPDATE``;
    SQLite writers are serialised by BEGIN IMMEDIATE) so concurrent actions cannot fork the
    chain, and deleting the newest audit rows is detected because the head still names them."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    row_hash: Mapped[str] = mapped_column(String(64))
