"""Value types shared by several message families.

Enumerated wire values stay strings (they are codes on the wire, and ``Result`` is any n(5));
the ``Literal`` aliases document the allowed values and let type checkers catch typos.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

#: {0,1}: VCSign, VCResult, TrimSign, StopType, SearchType.
Flag01 = Literal["0", "1"]
#: {1,2}: HandleType, BudgetType, CancelAnswer, StopAnswer.
Choice12 = Literal["1", "2"]


@dataclass(frozen=True, slots=True)
class TaxTypeList:
    """One levy line (险种 and fee period). The three wire blocks TaxTypeList1001, TaxTypeList1009
    and TaxTypeList1102 have exactly these five elements (§6.4, §6.6), so they share this base
    and differ only in their element name, which is the subclass name."""

    project_id: int
    tax_type_name: str
    tax_start_date: date
    tax_end_date: date
    tax_type_amt: Decimal
