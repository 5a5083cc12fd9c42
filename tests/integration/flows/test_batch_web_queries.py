"""The console's batch read queries (gateway.persistence.batch_web_queries) on SQLite and
PostgreSQL after a real flow (select, 1102, 9121, a partial 2102): lists with their entry
counts, groups per office and bank, packages, items, in-doubt debits, refund cases and notices,
each limited to the scope, with server-side paging, search and counts."""

from __future__ import annotations

from decimal import Decimal

from gateway.persistence import batch_web_queries as bq
from gateway.persistence.web_queries import ReadScope
from tests.integration.flows.test_batch_packages import accept, launch, result_2102
from tests.support.seed import BANK, ORG

MINE = ReadScope(office_codes=("14401000000", ORG))  # the city office that selected, and ORG
OTHER = ReadScope(office_codes=("14406040000",))
TAXPAYER = ReadScope(payer_id=1)


def test_scoped_listings_after_a_partial_2102(harness):
    h = harness
    summary, pkg = launch(h)
    accept(h, pkg)
    assert result_2102(h, pkg, ["90000", "24007", "24001"]) == "PROCESSED"
    with h.rt.app.engine.connect() as conn:
        (row,) = list(bq.lists(conn, MINE))
        assert (row["id"], row["entries"], row["generated"]) == (summary.list_id, 9, 0)
        assert row["in_package"] + row["sent"] + row["finished"] == 9
        assert bq.batch_list(conn, OTHER, summary.list_id) is None
        assert bq.batch_list(conn, TAXPAYER, summary.list_id) is None
        assert list(bq.lists(conn, OTHER)) == []

        assert bq.list_groups(conn, summary.list_id) == []  # nothing left to package
        entries = list(bq.entries(conn, summary.list_id, limit=None))
        assert len(entries) == 9 and bq.count(conn, bq.entries_stmt(summary.list_id)) == 9
        name = entries[0]["payer_name"]
        found = list(bq.entries(conn, summary.list_id, q=name, limit=None))
        assert found and {e["payer_name"] for e in found} == {name}
        assert [e["id"] for e in bq.entries(conn, summary.list_id, offset=3, limit=3)] == \
            [e["id"] for e in entries[3:6]]

        (p,) = list(bq.packages(conn, MINE))
        assert (p["id"], p["pay_bk_code"], p["state"], p["succ_num"]) == (pkg.id, BANK, "ANSWERED", 1)
        assert p["total_amount"] == pkg.total_amount
        assert list(bq.packages(conn, OTHER)) == [] and bq.package(conn, OTHER, pkg.id) is None
        assert bq.package(conn, MINE, pkg.id)["key"] == pkg.key
        figures = bq.item_figures(conn, pkg.id)
        assert {s: f["count"] for s, f in figures.items()} == {"SUCCEEDED": 1, "FAILED": 2}
        assert sum((f["amount"] for f in figures.values()), Decimal("0")) == pkg.total_amount
        items = list(bq.items(conn, pkg.id, limit=None))
        assert [i["state"] for i in items] == ["SUCCEEDED", "FAILED", "FAILED"]
        assert [i["tra_no"] for i in bq.items(conn, pkg.id, q=items[1]["tra_no"])] == [items[1]["tra_no"]]
        assert bq.count(conn, bq.items_stmt(pkg.id, state="FAILED")) == 2

        assert list(bq.in_doubt(conn, MINE)) == []
        assert list(bq.refunds(conn, MINE)) == [] and list(bq.notices(conn, OTHER)) == []
        assert bq.offices(conn, (ORG,)) and bq.insurance_types(conn)
