"""Tripartite agreements (三方协议) of the demo: a share of the payers have one with a bank branch of
their city, mostly ACTIVE since some time, a few still PENDING verification."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Iterator

from gateway.demodata import names
from gateway.demodata.banks import BankBrand, brands_for, branch_for
from gateway.demodata.population import DemoPayer, timestamp
from gateway.domain.agreement import AgreementChannel, AgreementState
from gateway.domain.parties import PayerKind

AGREEMENT_COLUMNS = ("id", "protocol_no", "payer_id", "tax_org_code", "pay_bk_code",
                     "pay_op_bk_code", "pay_acct", "hand_org_name", "channel", "state",
                     "activated_at", "reason", "created_at")
PENDING_SHARE = 0.05
ONLINE_SHARE = 0.70


def agreement_rows(payers: Iterable[DemoPayer], share: float, seed: int, as_of: dt.date,
                   first_id: int, always: frozenset[int] = frozenset()) -> Iterator[tuple]:
    """Rows in AGREEMENT_COLUMNS order for about ``share`` of the payers; payers in ``always``
    (the demo logins) get an ACTIVE agreement whatever the draw."""
    rng = random.Random(f"{seed}:agreements")
    brands: dict[str, tuple[tuple[BankBrand, ...], list[int]]] = {}
    next_id = first_id
    for payer in payers:
        # Draw for every payer, so the sequence does not depend on earlier outcomes.
        chosen = rng.random() < share
        if not (chosen or payer.id in always):
            continue
        city = payer.city
        if city.code not in brands:
            options = brands_for(city)
            brands[city.code] = (options, [b.weight for b in options])
        options, weights = brands[city.code]
        brand = rng.choices(options, weights=weights)[0]
        branch = branch_for(brand, city, payer.district_index)
        account = (names.corporate_account(rng, brand) if payer.kind is PayerKind.UNIT
                   else names.card_number(rng, brand))
        channel = AgreementChannel.ONLINE if rng.random() < ONLINE_SHARE else AgreementChannel.ON_SITE
        if payer.id not in always and rng.random() < PENDING_SHARE:
            state, activated = AgreementState.PENDING, None
            signed = _at(rng, as_of - dt.timedelta(days=rng.randint(1, 3)))
        else:
            state = AgreementState.ACTIVE
            active_since = _at(rng, as_of - dt.timedelta(days=rng.randint(1, 1000)))
            activated = timestamp(active_since)
            # Signed at the bank one to three days before the verification activated it.
            signed = _at(rng, active_since.date() - dt.timedelta(days=rng.randint(1, 3)))
        yield (next_id, names.protocol_no(payer.district.admin_code, signed.year, next_id), payer.id,
               payer.tax_org_code, branch.clearing_code, branch.code, account, payer.name,
               channel.value, state.value, activated, "", timestamp(signed))
        next_id += 1


def _at(rng: random.Random, day: dt.date) -> dt.datetime:
    """A moment in office hours of ``day``."""
    return dt.datetime(day.year, day.month, day.day, rng.randint(9, 16), rng.randrange(60),
                       rng.randrange(60))
