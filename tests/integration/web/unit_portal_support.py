"""Helpers of the unit-portal tests (HTTP and browser): a second unit's login, valid ID numbers,
debits and batch entries put in the states the void and declare rules react to."""

from __future__ import annotations

import datetime as dt

from gateway.domain.identifiers import id_check_char

OTHER_UNIT = 3  # a demo UNIT payer with an ACTIVE agreement, not unit_demo's


def id_number(seq: int, birth: str = "19900101", region: str = "440106") -> str:
    body = f"{region}{birth}{seq % 1000:03d}"
    return body + id_check_char(body)


def add_unit_login(web, username: str = "unit_two", payer_id: int = OTHER_UNIT) -> str:
    """A second unit account with the demo password (copied hash of unit_demo's)."""
    web.sql("INSERT INTO app_user (username, password_hash, role, display_name, payer_id, "
            "created_at) SELECT :u, password_hash, 'TAXPAYER', '第二单位', :p, created_at "
            "FROM app_user WHERE username = 'unit_demo'", u=username, p=payer_id)
    return username


def debit_state(web, debit_id: int, state: str, reason: str = "") -> None:
    web.sql("UPDATE debit SET state = :s, reason = :r WHERE id = :d", s=state, r=reason, d=debit_id)


def package_entries(web, payer_id: int, period_start: str) -> None:
    """Put the payer's levies of the period on a batch list, already packaged (cannot be voided)."""
    web.sql("INSERT INTO batch_list (kind, tax_org_code, criteria, created_by, created_at) "
            "VALUES ('MONTHLY', (SELECT tax_org_code FROM payer WHERE id = :p), '{}', 'test', :t)",
            p=payer_id, t=dt.datetime(2026, 11, 26, 18))
    list_id = web.sql("SELECT max(id) FROM batch_list")[0][0]
    web.sql("INSERT INTO batch_list_entry (list_id, levy_id, payer_id, tax_org_code, pay_bk_code, "
            "agreement_id, amount, state, package_id, note) SELECT :l, id, payer_id, tax_org_code, "
            "'102581000013', 1, amount, 'SENT', 7, '' FROM levy WHERE payer_id = :p AND period_start = :s",
            l=list_id, p=payer_id, s=period_start)


def bank_answers(application, debit_id: int, result: str, tax_date: dt.date | None = None) -> None:
    """The bank's 2001 for a debit, through the bus as the consumer would deliver it."""
    from sqlalchemy import text

    from gateway.domain.events import DebitAnswered, InboundRef
    with application.engine.connect() as conn:
        org, day, tra_no, vou = conn.execute(text(
            "SELECT originator, entrust_date, tra_no, tax_vou_no FROM debit WHERE id = :d"),
            {"d": debit_id}).one()
    day = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)[:10])
    application.bus.handle(DebitAnswered(
        ref=InboundRef(msg_no="2001", msg_id=f"{debit_id:020d}", src="102100099996", queue_class="ONLINE"),
        tax_org_code=org, entrust_date=day, tra_no=tra_no, tax_vou_no=vou, result=result,
        add_word="", tax_date=tax_date))


def ten_thousand_persons(engine, unit_id: int, count: int = 10_000) -> None:
    from gateway.demodata.large_unit import add_persons
    add_persons(engine, unit_id, count)
