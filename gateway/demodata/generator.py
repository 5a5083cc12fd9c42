"""``generate``: load a reproducible Guangdong demo data set (reference data, the parameters of
the social-security years the levies need, payers, insured persons, levies, agreements, logins)
into an empty database in one transaction.

Same seed and same ``as_of`` give the same rows, ids included. The load refuses a database that
already has payers, so that demo data never mixes with real data or with an earlier load.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Engine

from gateway.demodata import accounts
from gateway.demodata.agreements import AGREEMENT_COLUMNS, agreement_rows
from gateway.demodata.bulk import BulkLoader, Progress
from gateway.demodata.levies import LEVY_COLUMNS, levy_rows, monthly_periods, resident_year
from gateway.demodata.parameters import load_parameters
from gateway.demodata.population import PAYER_COLUMNS, PERSON_COLUMNS, PopulationBuilder
from gateway.demodata.reference import FLEXIBLE_TYPES, UNIT_TYPES
from gateway.demodata.reference_rows import insert_reference_data
from gateway.domain.errors import DomainError
from gateway.persistence.records import UserRecord

DEFAULT_SEED = 20241105
_LABELS = {
    "insurance_type": "险种", "tax_office": "税务机关", "parameter_version": "社保参数",
    "parameter_basis": "参数依据", "bank": "银行网点", "treasury_route": "国库路由", "payer": "缴费人",
    "insured_person": "参保人员", "levy": "应征", "agreement": "三方协议", "app_user": "登录账号",
}
_KIND_LABELS = {"UNIT": "单位", "FLEXIBLE": "灵活就业人员", "RESIDENT": "城乡居民"}


class DemoDataExists(DomainError):
    """The database already holds payers; demo data is only loaded into an empty one."""

    rule = "demodata.empty_database"  # a DomainError, so the CLI shows it as one line


@dataclass(frozen=True)
class GenerationReport:
    """What one load inserted, per table, and how long it took (seconds, commit included)."""

    seed: int
    as_of: dt.date
    counts: dict[str, int]
    payers_by_kind: dict[str, int]
    seconds: float

    @property
    def levies(self) -> int:
        return self.counts.get("levy", 0)

    def __str__(self) -> str:
        lines = [f"演示数据已生成 / demo data generated: seed {self.seed}, as of {self.as_of}, "
                 f"{self.seconds:.2f} s"]
        for table, n in self.counts.items():
            line = f"  {_LABELS.get(table, table)} {table}: {n:,}"
            if table == "payer":
                kinds = ", ".join(f"{_KIND_LABELS[k]} {k} {v:,}" for k, v in self.payers_by_kind.items())
                line += f" ({kinds})"
            lines.append(line)
        if self.seconds > 0:
            lines.append(f"  应征写入速度 levies/s: {self.levies / self.seconds:,.0f}")
        return "\n".join(lines)


def expected_levy_count(units: int, flexible: int, residents: int, periods: int) -> int:
    """How many levies ``generate`` makes: five types monthly per unit, two per flexible person,
    and per resident one medical levy plus a pension levy for two residents in three."""
    adults = residents - residents // 3  # positions 2, 5, 8, … pay medical only
    return (units * len(UNIT_TYPES) + flexible * len(FLEXIBLE_TYPES)) * periods + residents + adults


def generate(engine: Engine, *, units: int, persons_per_unit: int, residents: int,
             flexible: int | None = None, periods: int = 6, seed: int = DEFAULT_SEED,
             agreement_share: float = 0.6, demo_password: str | None = None,
             as_of: dt.date | None = None, progress: Progress | None = None) -> GenerationReport:
    """Generate and load the data set; ``flexible`` defaults to half the number of units, the demo
    password to $ETSGW_DEMO_PASSWORD or the documented demo-only one, ``as_of`` (the "today" of the
    data: periods end with its month) to today. ``progress(table, rows_so_far)`` is called as
    the large tables load.

    Raises DemoDataExists when the database already has payers, ValueError on bad sizes.
    """
    flexible = units // 2 if flexible is None else flexible
    _check_sizes(units, persons_per_unit, residents, flexible, periods, agreement_share)
    as_of = as_of or dt.date.today()
    password = demo_password or accounts.default_password()
    started = time.perf_counter()
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        loader = BulkLoader(conn, progress)
        if not loader.is_empty("payer"):
            raise DemoDataExists("数据库中已有缴费人，演示数据只装入空库 / the database already has "
                                 "payers; demo data is only loaded into an empty database")
        counts.update(insert_reference_data(loader))
        monthly, year = monthly_periods(as_of, periods), resident_year(as_of)
        # The parameters go in through the same workbook import a bureau uses (demodata.parameters).
        params = load_parameters(conn, as_of, [p.start for p in monthly], year.start)
        counts["parameter_version"] = params.versions
        counts["parameter_basis"] = len(set(params.bases.values()))
        builder = PopulationBuilder(seed, as_of, loader.next_id("payer"), loader.next_id("insured_person"),
                                    params)
        unit_payers = builder.units(units, persons_per_unit)
        flexible_payers = builder.flexible(flexible)
        resident_payers = builder.residents(residents)
        payers = unit_payers + flexible_payers + resident_payers
        showcase = frozenset(group[0].id for group in (unit_payers, flexible_payers, resident_payers)
                             if group)
        big_tables = (
            ("payer", PAYER_COLUMNS, (p.row() for p in payers)),
            ("insured_person", PERSON_COLUMNS, builder.person_rows),
            ("levy", LEVY_COLUMNS, levy_rows(payers, monthly, year, seed, loader.next_id("levy"),
                                                   params.bases)),
            ("agreement", AGREEMENT_COLUMNS, agreement_rows(
                payers, agreement_share, seed, as_of, loader.next_id("agreement"), always=showcase)),
        )
        for table, columns, rows in big_tables:  # payer first: the others refer to it
            with loader.checks_deferred(table):
                counts[table] = loader.copy(table, columns, rows)
        first = [(g[0].id, g[0].name) if g else None
                 for g in (unit_payers, flexible_payers, resident_payers)]
        counts["app_user"] = loader.insert_new(
            UserRecord.__table__, accounts.user_rows(accounts.demo_accounts(*first), password),
            ("username",))
        loader.fix_sequences(("payer", "insured_person", "levy", "agreement", "app_user"))
    kinds = Counter(p.kind.value for p in payers)
    return GenerationReport(seed, as_of, counts, {k: kinds[k] for k in _KIND_LABELS if kinds[k]},
                            round(time.perf_counter() - started, 3))


def _check_sizes(units: int, persons_per_unit: int, residents: int, flexible: int, periods: int,
                 agreement_share: float) -> None:
    if min(units, residents, flexible) < 0:
        raise ValueError("units, residents and flexible must not be negative")
    if persons_per_unit < 1:
        raise ValueError("persons_per_unit must be at least 1")
    if not 1 <= periods <= 120:
        raise ValueError("periods must be between 1 and 120 months")
    if not 0 <= agreement_share <= 1:
        raise ValueError("agreement_share must be between 0 and 1")
