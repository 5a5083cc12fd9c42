"""Shared by the web tests (HTTP and browser): a demo database built once per test session and
copied per test, settings for it, a clock the tests can move, and a logged-in test client."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from gateway.config import Settings
from gateway.demodata.accounts import DEMO_ONLY_PASSWORD

PASSWORD = DEMO_ONLY_PASSWORD
AS_OF = dt.date(2026, 11, 16)
TAXPAYERS = ("unit_demo", "person_demo", "resident_demo")
HOMES = {"unit_demo": "/portal/", "person_demo": "/portal/", "resident_demo": "/portal/",
         "staff_gz": "/console/", "staff_fs": "/console/", "head_gz": "/console/", "ops": "/ops/",
         "sysadmin": "/admin/accounts", "secadmin": "/admin/roles", "auditor": "/admin/audit"}
TITLES = {"/portal/": "我的缴费", "/console/": "征收工作台", "/ops/": "运行监控",
          "/admin/accounts": "账户管理", "/admin/roles": "角色与范围", "/admin/audit": "审计日志"}
_CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def build_template(directory: Path) -> Path:
    """A migrated SQLite file with a small demo data set and every demo login."""
    from gateway.bootstrap import build
    from gateway.demodata import generate
    from gateway.persistence import migrate
    from webapp.demo_accounts import ensure_demo_accounts

    path = directory / "template.db"
    app = build(settings_for(path))
    migrate.upgrade(app.engine)
    generate(app.engine, units=6, persons_per_unit=2, residents=4, flexible=3, periods=2,
             as_of=AS_OF, demo_password=PASSWORD)
    ensure_demo_accounts(app, PASSWORD)
    app.close()  # the last connection closing checkpoints the WAL into the file
    return path


def copy_of(template: Path, directory: Path) -> Path:
    path = directory / "web.db"
    shutil.copyfile(template, path)
    for suffix in ("-wal", "-shm"):
        extra = template.with_name(template.name + suffix)
        if extra.exists():
            shutil.copyfile(extra, path.with_name(path.name + suffix))
    return path


def settings_for(path: Path, **web) -> Settings:
    return Settings().replace(database={"url": f"sqlite:///{path}"},
                              web={"secret_key": "t" * 64,
                                   "report_cache_dir": str(path.parent / "report-cache"), **web},
                              simulator={"database_url": f"sqlite:///{path.parent / 'sim.db'}"})


class MovableClock:
    """Beijing time that a test can move forward (session expiry, lock-out)."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def csrf_token(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


@dataclass
class Web:
    """An app over a copy of the demo database, with helpers to log in and post forms."""

    app: object
    path: Path
    clock: MovableClock

    def client(self, username: str | None = None):
        client = self.app.test_client()
        if username:
            response = self.login(client, username)
            assert response.status_code == 302, response.text[:500]
        return client

    def login(self, client, username: str, password: str = PASSWORD):
        page = client.get("/login")
        return client.post("/login", data={"csrf_token": csrf_token(page.text),
                                           "username": username, "password": password})

    def post(self, client, url: str, page_url: str, **data):
        """Post a form the way a browser would: with the CSRF token of the page it is on."""
        token = csrf_token(client.get(page_url).text)
        return client.post(url, data={"csrf_token": token, **data})

    def sql(self, statement: str, **params):
        with self.app.extensions["etsgw"].app.engine.begin() as conn:
            return conn.execute(text(statement), params).fetchall() if statement.lstrip().upper() \
                .startswith("SELECT") else conn.execute(text(statement), params).rowcount

    def user_payer(self, username: str) -> int:
        return self.sql("SELECT payer_id FROM app_user WHERE username = :u", u=username)[0][0]


@dataclass
class Records:
    """Records of two offices and two payers, for the scope tests."""

    debit_gz: int  # a debit of unit_demo (天河区, staff_gz's office)
    debit_fs: int  # a debit of a resident under a branch of 禅城区 (staff_fs's subtree)
    agreement_gz: int
    agreement_fs: int
    payer_gz: int
    payer_fs: int
    levy_unit: int  # unit_demo's
    levy_person: int  # person_demo's
    agreement_unit: int
    agreement_person: int
    discrepancy_gz: int = 0  # a reconciliation discrepancy of debit_gz's office
    discrepancy_fs: int = 0


def make_records(web: Web) -> Records:
    """Two real debits through the bus (1001s in the outbox) and the ids the tests guess."""
    from gateway.domain.commands import SubmitDebit

    application = web.app.extensions["etsgw"].app

    def levies(payer_id: int) -> list[int]:
        return [r[0] for r in web.sql("SELECT id FROM levy WHERE payer_id = :p AND state = 'UNPAID' "
                                      "ORDER BY id", p=payer_id)]

    def agreement(payer_id: int) -> int:
        return web.sql("SELECT id FROM agreement WHERE payer_id = :p", p=payer_id)[0][0]

    unit, person = web.user_payer("unit_demo"), web.user_payer("person_demo")
    fs_payer = web.sql("SELECT p.id FROM payer p JOIN agreement a ON a.payer_id = p.id "
                       "WHERE p.tax_org_code LIKE '144060401%' AND a.state = 'ACTIVE'")[0][0]
    debit_gz = application.bus.handle(SubmitDebit(unit, tuple(levies(unit)[:1]), "test")).id
    debit_fs = application.bus.handle(SubmitDebit(fs_payer, tuple(levies(fs_payer)[:1]), "test")).id
    return Records(debit_gz, debit_fs, agreement(unit), agreement(fs_payer), unit, fs_payer,
                   levies(unit)[-1], levies(person)[-1], agreement(unit), agreement(person),
                   add_discrepancy(web, debit_gz), add_discrepancy(web, debit_fs))


def add_discrepancy(web: Web, debit_id: int, kind: str = "AMOUNT", day: str = "2026-11-16") -> int:
    """A discrepancy line on a debit's office, as a run would write it (the run itself is
    tested in tests/integration/flows/test_reconciliation.py)."""
    org, amount, vou = web.sql("SELECT tax_org_code, amount, tax_vou_no FROM debit WHERE id = :d",
                               d=debit_id)[0]
    web.sql("INSERT INTO recon_discrepancy (tax_org_code, chk_date, kind, item_id, debit_id, "
            "ori_key, reported_amount, held_amount, reported_voucher, held_voucher, held_state, "
            "state, note, resolved_by) VALUES (:o, :day, :k, (SELECT coalesce(max(id), 0) + 1 FROM "
            "recon_discrepancy), :d, :key, :a + 1, :a, :v, :v, "
            "'SUCCEEDED', 'OPEN', '', '')", o=org, day=day, k=kind, d=debit_id,
            key=f"1001/{org}/00000000/{debit_id:08d}", a=amount, v=vou)
    return web.sql("SELECT max(id) FROM recon_discrepancy")[0][0]
