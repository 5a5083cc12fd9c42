"""The web attack run (issue 18.5), shared by ``bench/web_attack.py`` and its short form in the
tests: every route of the Flask app's url_map, found at run time, attacked over the test client.

Kinds, each counted as tried / got through:

- ``anonymous``: every route and method without a session; through = a 2xx from a route that
  is not public.
- ``foreign_id``: every ``<int:...>`` route parameter naming a payer's data (levy, agreement,
  debit, payer) filled with the ids of other payers (taxpayers) or of payers outside the
  office subtree (staff), as every demo login, pages and API (bearer token); the same ids in
  form fields and JSON bodies named ``*_id(s)``; through = anything below 400.
- ``csrf``: every POST route without the CSRF token, as every demo login; and the JSON API's
  POST and DELETE routes with the browser session cookie but no bearer token; through = < 400.
- ``markup``: script and markup in every text field of every form found on the pages, then
  every page crawled as every login; through = the markup found unescaped anywhere.
- ``sql``: SQL-like strings in every text field of every form (POST and GET); through = 500.
- ``upload``: oversized and malformed files to every form with a file input; through = 500 or
  a success (a redirect).
- ``lockout``: repeated wrong passwords, then the right one, on /login and /api/v1/tokens;
  through = the right password accepted while locked.
"""

from __future__ import annotations

import collections
import io
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import html as lxml_html
from sqlalchemy import text

from gateway.persistence.web_queries import office_subtree

PUBLIC = {"auth.login", "api.openapi", "static", "api.create_token"}
#: Route parameters naming a payer's data: parameter → (table, the payer id column).
SCOPED = {"levy_id": ("levy", "payer_id"), "agreement_id": ("agreement", "payer_id"),
          "debit_id": ("debit", "payer_id"), "payer_id": ("payer", "id")}
STRING_PARAMS = {"fmt": "csv", "decision": "approve"}
SQL_STRINGS = ("' OR '1'='1' --", "1; DROP TABLE levy; --", "\" OR 1=1 #", "%' UNION SELECT 1 --")
MARK = "x18m"


def markup(n: int) -> str:
    return f"<script>alert('{MARK}{n}')</script><b onmouseover=\"{MARK}{n}\">"


@dataclass
class Tally:
    tried: collections.Counter = field(default_factory=collections.Counter)
    through: collections.Counter = field(default_factory=collections.Counter)
    holes: list[str] = field(default_factory=list)
    escaped: int = 0  # payloads found shown escaped on pages after the injections

    def check(self, kind: str, ok: bool, what: str) -> None:
        self.tried[kind] += 1
        if not ok:
            self.through[kind] += 1
            self.holes.append(f"{kind}: {what}")


@dataclass
class Form:
    page: str
    action: str
    method: str
    fields: dict[str, str]  # name → current value (hidden, select's first option …)
    texts: list[str]  # text inputs and textareas
    files: list[str]


class AttackRun:
    """``app``: the Flask app over a seeded demo database; ``password``: the demo password;
    ``users``: the demo logins to attack as; ``sql``: run a SELECT on the app's database."""

    def __init__(self, app: Any, password: str, users: list[str], lockout_users: tuple[str, str],
                 sql: Callable[..., list], foreign_limit: int = 3) -> None:
        self.app, self.password, self.users, self.sql = app, password, users, sql
        self.foreign_limit = foreign_limit
        self.lockout_users = lockout_users
        self.tally = Tally()
        self.rules = [r for r in app.url_map.iter_rules() if r.endpoint != "static"]
        self.markers = 0

    # -- sessions ---------------------------------------------------------------------------

    def login(self, username: str):
        client = self.app.test_client()
        page = client.get("/login")
        r = client.post("/login", data={"csrf_token": csrf(page.text), "username": username,
                                        "password": self.password})
        assert r.status_code == 302, f"{username} cannot log in: {r.status_code}"
        return client

    def token(self, username: str) -> str:
        r = self.app.test_client().post("/api/v1/tokens",
                                        json={"username": username, "password": self.password})
        assert r.status_code in (200, 201), r.text[:300]
        return r.get_json()["token"]

    # -- ids ----------------------------------------------------------------------------------

    def scope_of(self, username: str) -> tuple[str, Any]:
        role, payer, office = self.sql("SELECT role, payer_id, tax_org_code FROM app_user "
                                       "WHERE username = :u", u=username)[0]
        if payer is not None:
            return "payer", payer
        if role in ("STAFF", "HEAD") and office:
            engine = self.app.extensions["etsgw"].app.engine
            with engine.connect() as conn:
                return "offices", set(office_subtree(conn, office))
        return "none", None

    def ids(self, param: str, username: str, foreign: bool, limit: int | None = None) -> list[int]:
        table, column = SCOPED[param]
        kind, scope = self.scope_of(username)
        rows = self.sql(f"SELECT t.id, p.id, p.tax_org_code FROM {table} t "
                        f"JOIN payer p ON p.id = t.{column} ORDER BY t.id")
        out = []
        for row_id, payer, office in rows:
            mine = (kind == "payer" and payer == scope) or (kind == "offices" and office in scope)
            if mine != foreign:
                out.append(row_id)
        # Spread over the table: the first, the middle and the last other payer's rows.
        picks = [out[0], out[len(out) // 2], out[-1]] if len(out) > 2 else out
        return list(dict.fromkeys(picks))[:limit or self.foreign_limit]

    def url(self, rule, values: dict[str, Any]) -> str:
        args = {}
        for name in rule.arguments:
            if name in values:
                args[name] = values[name]
            elif name in STRING_PARAMS:
                args[name] = STRING_PARAMS[name]
            elif name == "code":
                args[name] = self.sql("SELECT code FROM bank ORDER BY code LIMIT 1")[0][0]
            else:
                args[name] = 1
        with self.app.test_request_context():
            from flask import url_for

            return url_for(rule.endpoint, **args)

    # -- the kinds ----------------------------------------------------------------------------

    def anonymous(self) -> None:
        client = self.app.test_client()
        for rule in self.rules:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                url = self.url(rule, {})
                r = client.open(url, method=method)
                ok = rule.endpoint in PUBLIC or not 200 <= r.status_code < 300
                self.tally.check("anonymous", ok, f"{method} {url} → {r.status_code}")

    def foreign_ids(self) -> None:
        for username in self.users:
            if self.scope_of(username)[0] == "none":
                continue  # ops and the administrators see no payer data: nothing is foreign
            client, token = self.login(username), self.token(username)
            bearer = {"Authorization": f"Bearer {token}"}
            page_token = self.any_token(client)
            for rule in self.rules:
                scoped = [a for a in rule.arguments if a in SCOPED]
                if not scoped:
                    continue
                for foreign in self.ids(scoped[0], username, foreign=True):
                    url = self.url(rule, {scoped[0]: foreign})
                    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                        if url.startswith("/api/"):
                            r = self.app.test_client().open(url, method=method, headers=bearer,
                                                            json={"reason": "attack"})
                        else:
                            data = {"csrf_token": page_token, "reason": "attack"}
                            r = client.open(url, method=method, data=data)
                        self.tally.check("foreign_id", r.status_code >= 400,
                                         f"{username} {method} {url} → {r.status_code}")
            self.foreign_in_bodies(username, client, bearer)

    def foreign_in_bodies(self, username: str, client, bearer: dict[str, str]) -> None:
        """Other payers' ids in form fields and JSON bodies named ``*_id`` / ``*_ids``."""
        for form in self.forms(username, client):
            if form.method != "post":
                continue
            for name in form.fields:
                param = name.rstrip("s") if name.endswith("_ids") else name
                if param not in SCOPED:
                    continue
                for foreign in self.ids(param, username, foreign=True):
                    data = {**form.fields, name: str(foreign), "csrf_token": self.any_token(client)}
                    r = client.post(form.action, data=data)
                    self.tally.check("foreign_id", r.status_code >= 400,
                                     f"{username} POST {form.action} {name}={foreign} → {r.status_code}")
        for rule in self.rules:
            if not rule.rule.startswith("/api/") or "POST" not in rule.methods or rule.arguments \
                    or rule.endpoint in PUBLIC:
                continue
            for param in SCOPED:
                for foreign in self.ids(param, username, foreign=True, limit=1):
                    body = {param: foreign, param + "s": [foreign], "reason": "attack"}
                    r = self.app.test_client().post(rule.rule, headers=bearer, json=body)
                    self.tally.check("foreign_id", r.status_code >= 400,
                                     f"{username} POST {rule.rule} {body} → {r.status_code}")

    def csrf_missing(self) -> None:
        for username in self.users:
            client = self.login(username)
            for rule in self.rules:
                methods = rule.methods & {"POST", "DELETE", "PUT", "PATCH"}
                for method in sorted(methods):
                    values = {a: self.first_own(a, username) for a in rule.arguments if a in SCOPED}
                    url = self.url(rule, values)
                    if rule.endpoint == "auth.logout":
                        continue  # checked below on a client of its own
                    r = client.open(url, method=method, data={"reason": "x", "note": "x"})
                    self.tally.check("csrf", r.status_code >= 400 and r.status_code != 500,
                                     f"{username} {method} {url} without token → {r.status_code}")
            r = client.post("/logout")
            still = client.get(self.url(self.rule_of("auth.index"), {}))
            self.tally.check("csrf", r.status_code >= 400 and still.status_code != 500,
                             f"{username} POST /logout without token → {r.status_code}")
        anonymous = self.app.test_client()
        r = anonymous.post("/login", data={"username": self.users[0], "password": self.password})
        self.tally.check("csrf", r.status_code != 302, f"POST /login without token → {r.status_code}")

    def first_own(self, param: str, username: str) -> int:
        own = self.ids(param, username, foreign=False, limit=1)
        return own[0] if own else 1

    def rule_of(self, endpoint: str):
        return next(r for r in self.rules if r.endpoint == endpoint)

    def any_token(self, client) -> str:
        for url in ("/portal/", "/console/", "/ops/", "/admin/accounts", "/admin/roles",
                    "/admin/audit", "/reference/", "/no-role"):
            r = client.get(url)
            if r.status_code == 200 and "csrf_token" in r.text:
                return csrf(r.text)
        return ""

    # -- forms, markup and SQL ----------------------------------------------------------------

    def pages(self, username: str) -> Iterator[str]:
        """Every GET page of the app for this login: parameterless routes and routes with the
        login's own ids."""
        for rule in self.rules:
            if "GET" not in rule.methods or rule.endpoint in PUBLIC:
                continue
            values: dict[str, Any] = {}
            for a in rule.arguments:
                if a in SCOPED:
                    values[a] = self.first_own(a, username)
                elif a.endswith("_id"):
                    table = {"proposal_id": "parameter_proposal",
                             "version_id": "parameter_version", "user_id": "app_user"}.get(a)
                    found = self.sql(f"SELECT max(id) FROM {table}") if table else [(None,)]
                    values[a] = found[0][0] or 1
            if "fmt" in rule.arguments:
                continue  # exports are files; their escaping is webapp/export.py's own test
            yield self.url(rule, values)

    def forms(self, username: str, client) -> list[Form]:
        out, seen = [], set()
        for url in self.pages(username):
            r = client.get(url)
            if r.status_code != 200 or "<form" not in r.text:
                continue
            for form in lxml_html.fromstring(r.text).forms:
                action = form.action or url
                key = (action, form.method.lower(), tuple(sorted(form.fields.keys())))
                if key in seen or action.endswith("/logout"):
                    continue
                seen.add(key)
                fields, texts, files = {}, [], []
                for el in form.inputs:
                    name = el.get("name")
                    if not name:
                        continue
                    tag, typ = el.tag, (el.get("type") or "text").lower()
                    if tag == "textarea" or (tag == "input" and typ in ("text", "search", "")):
                        texts.append(name)
                        fields[name] = el.value or "正常值"
                    elif tag == "input" and typ == "file":
                        files.append(name)
                    elif tag == "select":
                        options = [o.get("value", o.text or "") for o in el.iter("option")]
                        fields[name] = options[0] if options else ""
                    elif tag == "input" and typ in ("checkbox", "radio"):
                        fields.setdefault(name, el.get("value", "on"))
                    elif tag == "input" and typ not in ("submit", "button", "password"):
                        fields[name] = el.value or ""
                out.append(Form(url, action, form.method.lower(), fields, texts, files))
        return out

    def inject_markup(self) -> None:
        """Markup in every text field of every form, one field at a time, as every login."""
        for username in self.users:
            client = self.login(username)
            for form in self.forms(username, client):
                for name in form.texts:
                    self.markers += 1
                    payload = markup(self.markers)
                    r = self.submit(client, form, {name: payload})
                    self.tally.check("markup", payload not in r.get_data().decode("utf-8", "replace"),
                                     f"{username} {form.action} {name}: shown unescaped at once")

    def inject_sql(self) -> None:
        """SQL-like strings in every text field of every form (after the markup crawl: they
        overwrite what the markup pass stored)."""
        for username in self.users:
            client = self.login(username)
            for form in self.forms(username, client):
                for name in form.texts:
                    for sql in SQL_STRINGS:
                        r = self.submit(client, form, {name: sql})
                        self.tally.check("sql", r.status_code != 500,
                                         f"{username} {form.action} {name}={sql!r} → 500")

    def submit(self, client, form: Form, values: dict[str, str]):
        data = {**form.fields, **values}
        if form.method == "get":
            return client.get(form.action, query_string=data)
        return client.post(form.action, data={**data, "csrf_token": self.any_token(client)})

    def crawl_for_markup(self) -> None:
        """After the injections: every page as every login (and the audit log as the auditor)
        must show each payload escaped, never as markup."""
        raw = re.compile(re.escape("<script>alert('" + MARK) + r"(\d+)")
        found: set[str] = set()
        for username in self.users:
            client = self.login(username)
            for url in self.pages(username):
                page = client.get(url).get_data().decode("utf-8", "replace")
                for n in raw.findall(page):
                    found.add(f"{url} as {username}: payload {n}")
                self.tally.escaped += page.count("&lt;script&gt;alert(&#39;" + MARK)
        for hit in sorted(found):
            self.tally.check("markup", False, f"shown unescaped on {hit}")

    # -- uploads and lock-out -----------------------------------------------------------------

    def uploads(self) -> None:
        limit = self.app.config.get("MAX_CONTENT_LENGTH") or 16 * 1024 * 1024
        samples = {
            "oversized.xlsx": os.urandom(limit + 1024),
            "random.xlsx": os.urandom(4096),
            "empty.xlsx": b"",
            "text.xlsx": b"name,value\n" + b"' OR 1=1 --,<script>x</script>\n",
            "notxlsx.zip.xlsx": _zip({"hello.txt": b"hello"}),
            "bomb.xlsx": _zip({"xl/worksheets/sheet1.xml": b"<a>" + b" " * 5_000_000 + b"</a>"}),
            "page.html": b"<html><script>alert(1)</script></html>",
        }
        for username in self.users:
            client = self.login(username)
            for form in self.forms(username, client):
                for name in form.files:
                    for filename, content in samples.items():
                        data = {**form.fields, "csrf_token": self.any_token(client),
                                name: (io.BytesIO(content), filename)}
                        r = client.post(form.action, data=data, content_type="multipart/form-data")
                        ok = r.status_code >= 400 and r.status_code != 500 or \
                            (r.status_code == 200 and "错误" in r.text or "请" in r.text)
                        self.tally.check("upload", ok and r.status_code != 500,
                                         f"{username} {form.action} {filename} → {r.status_code}")

    def lockout(self, failures: int) -> None:
        web_user, api_user = self.lockout_users
        client = self.app.test_client()
        for _ in range(failures + 2):
            page = client.get("/login")
            r = client.post("/login", data={"csrf_token": csrf(page.text), "username": web_user,
                                            "password": "wrong-" + self.password})
            self.tally.check("lockout", r.status_code != 302, "/login wrong password accepted")
        page = client.get("/login")
        r = client.post("/login", data={"csrf_token": csrf(page.text), "username": web_user,
                                        "password": self.password})
        self.tally.check("lockout", r.status_code != 302,
                         f"/login: {web_user} logged in while locked out")
        api = self.app.test_client()
        for _ in range(failures + 2):
            r = api.post("/api/v1/tokens", json={"username": api_user, "password": "wrong"})
            self.tally.check("lockout", r.status_code >= 400, "/api/v1/tokens wrong password accepted")
        r = api.post("/api/v1/tokens", json={"username": api_user, "password": self.password})
        self.tally.check("lockout", r.status_code >= 400,
                         f"/api/v1/tokens: {api_user} got a token while locked out")

    def run(self, failures: int) -> Tally:
        self.anonymous()
        self.csrf_missing()
        self.foreign_ids()
        self.inject_markup()
        self.crawl_for_markup()
        self.inject_sql()
        self.uploads()
        self.lockout(failures)
        return self.tally


_CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def csrf(page: str) -> str:
    found = _CSRF.search(page)
    return found.group(1) if found else ""


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def report(tally: Tally) -> list[str]:
    kinds = ["anonymous", "foreign_id", "csrf", "markup", "sql", "upload", "lockout"]
    lines = [f"{'kind':12}{'tried':>8}{'through':>9}"]
    lines += [f"{k:12}{tally.tried[k]:>8}{tally.through[k]:>9}" for k in kinds]
    lines.append(f"{'total':12}{sum(tally.tried.values()):>8}{sum(tally.through.values()):>9}")
    lines.append(f"markup payloads shown escaped on the pages crawled afterwards: {tally.escaped}")
    return lines


def sql_runner(app) -> Callable[..., list]:
    engine = app.extensions["etsgw"].app.engine

    def run(statement: str, **params: Any) -> list:
        with engine.connect() as conn:
            return conn.execute(text(statement), params).fetchall()

    return run
