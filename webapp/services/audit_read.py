"""The auditor's use case: the audit log, filtered, paged and exported (the export is itself
audited). Only the auditor role reaches these functions (``audit.read``)."""

from __future__ import annotations

from typing import Any, Iterator

from gateway.persistence import audit_log
from webapp.context import reader, web
from webapp.roles import Principal
from webapp.services import actions

COLUMNS = (("seq", "序号"), ("at", "时间"), ("actor", "操作人"), ("actor_role", "角色"),
           ("address", "来源地址"), ("action", "操作"), ("target", "对象"),
           ("tax_org_code", "税务机关"), ("before", "操作前"), ("after", "操作后"),
           ("row_hash", "哈希"))
PAGE = 50


def entries(f: audit_log.AuditFilter, page: int = 1) -> dict[str, Any]:
    conn = reader()
    page = max(page, 1)
    total = audit_log.count_entries(conn, f)
    return {"rows": audit_log.list_entries(conn, f, PAGE, (page - 1) * PAGE), "total": total,
            "page": page, "pages": max((total + PAGE - 1) // PAGE, 1)}


def export(p: Principal, f: audit_log.AuditFilter) -> Iterator[dict[str, Any]]:
    actions.record(p, "EXPORT_AUDIT", "audit_log",
                   {"actor": f.actor, "action": f.action, "since": str(f.since or ""),
                    "until": str(f.until or "")})
    engine = web().app.reader

    def rows() -> Iterator[dict[str, Any]]:
        # A connection of its own, open while the download streams (the request's may be gone).
        with engine.connect() as conn:
            yield from audit_log.iter_entries(conn, f)
    return rows()
