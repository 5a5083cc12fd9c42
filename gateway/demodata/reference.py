"""Static reference data of the demo: Guangdong's prefecture-level cities outside Shenzhen (Shenzhen
is a separate tax administration, 国家税务总局深圳市税务局, with its own ETS), a few real districts
or counties of each, and per-city contribution parameters.

The wage floors/ceilings and rates are demo figures in the range of 2024; they look right but are
not the official tables. Amounts and rates are Decimal literals (never float, domain.money).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

PROVINCE_CODE = "4400"
PROVINCE_OFFICE_CODE = "14400000000"  # "1" + admin code 440000 + "0000"
PROVINCE_OFFICE_NAME = "国家税务总局广东省税务局"

UNIT_TYPES = ("PENSION", "MEDICAL", "UNEMPLOYMENT", "INJURY", "MATERNITY")
FLEXIBLE_TYPES = ("PENSION", "MEDICAL")
UNEMPLOYMENT_RATE = Decimal("0.0080")
# Flexible-employment persons pay the whole pension share themselves (20 %), on the floor base.
FLEXIBLE_PENSION_RATE = Decimal("0.2000")

# 城乡居民养老 annual grades (yuan) and how often each is chosen: most residents pick the lowest.
RESIDENT_PENSION_GRADES: tuple[tuple[Decimal, int], ...] = (
    (Decimal("180.00"), 40), (Decimal("240.00"), 10), (Decimal("360.00"), 10),
    (Decimal("600.00"), 10), (Decimal("900.00"), 8), (Decimal("1200.00"), 7),
    (Decimal("1800.00"), 5), (Decimal("2400.00"), 4), (Decimal("3600.00"), 3),
    (Decimal("4800.00"), 3),
)


@dataclass(frozen=True)
class District:
    """A district, county, county-level city or (Dongguan, Zhongshan) town with its own tax office.

    ``admin_code`` is the 6-digit administrative code used in ID numbers and credit codes; towns of
    the two cities without counties share the city's code (441900, 442000), so they get their
    own ``office_no`` to keep TaxOrgCodes distinct.
    """

    admin_code: str
    name: str
    office_no: int = 0

    @property
    def is_town(self) -> bool:
        return self.name.endswith(("镇", "街道"))

    @property
    def short(self) -> str:
        """The name without its level suffix, as banks name their branches (天河区 → 天河)."""
        for suffix in ("街道", "区", "县", "市", "镇"):
            if self.name.endswith(suffix) and len(self.name) - len(suffix) >= 2:
                return self.name[: -len(suffix)]
        return self.name


@dataclass(frozen=True)
class City:
    code: str  # 4-digit administrative prefix
    name: str
    cnaps_area: str  # the PBOC city code inside 12-digit bank codes (广州 5810)
    wage_floor: Decimal
    wage_ceiling: Decimal
    pension_rate: Decimal
    medical_rate: Decimal
    injury_rate: Decimal
    maternity_rate: Decimal
    resident_medical: Decimal  # 城乡居民医保, annual, per person
    weight: int  # relative share of the demo payers (economic size)
    districts: tuple[District, ...] = field(default=())

    @property
    def short(self) -> str:
        return self.name.removesuffix("市")

    @property
    def unit_rates(self) -> dict[str, Decimal]:
        return {"PENSION": self.pension_rate, "MEDICAL": self.medical_rate,
                "UNEMPLOYMENT": UNEMPLOYMENT_RATE, "INJURY": self.injury_rate,
                "MATERNITY": self.maternity_rate}

    @property
    def flexible_rates(self) -> dict[str, Decimal]:
        return {"PENSION": FLEXIBLE_PENSION_RATE, "MEDICAL": self.medical_rate}


def _d(*pairs: tuple[str, str]) -> tuple[District, ...]:
    return tuple(District(code, name) for code, name in pairs)


def _towns(admin_code: str, *names: str) -> tuple[District, ...]:
    return tuple(District(admin_code, name, office_no=i) for i, name in enumerate(names, start=1))


D = Decimal
# Order matters only for reproducibility (seeded choices index into these tuples). 天河 is second
# in Guangzhou so that its ICBC branch gets the code of the interface examples (102581002107).
CITIES: tuple[City, ...] = (
    City("4401", "广州市", "5810", D("5284.00"), D("26421.00"), D("0.1600"), D("0.0550"),
         D("0.0040"), D("0.0085"), D("440.00"), 22,
         _d(("440104", "越秀区"), ("440106", "天河区"), ("440105", "海珠区"), ("440113", "番禺区"))),
    City("4402", "韶关市", "5820", D("4588.00"), D("17916.00"), D("0.1600"), D("0.0600"),
         D("0.0030"), D("0.0100"), D("400.00"), 2,
         _d(("440203", "武江区"), ("440204", "浈江区"), ("440205", "曲江区"))),
    City("4404", "珠海市", "5850", D("4588.00"), D("25431.00"), D("0.1600"), D("0.0500"),
         D("0.0030"), D("0.0085"), D("420.00"), 4,
         _d(("440402", "香洲区"), ("440403", "斗门区"), ("440404", "金湾区"))),
    City("4405", "汕头市", "5860", D("4588.00"), D("18570.00"), D("0.1600"), D("0.0600"),
         D("0.0030"), D("0.0100"), D("400.00"), 5,
         _d(("440507", "龙湖区"), ("440511", "金平区"), ("440515", "澄海区"))),
    City("4406", "佛山市", "5880", D("4588.00"), D("24312.00"), D("0.1600"), D("0.0550"),
         D("0.0040"), D("0.0100"), D("420.00"), 12,
         _d(("440604", "禅城区"), ("440605", "南海区"), ("440606", "顺德区"), ("440607", "三水区"))),
    City("4407", "江门市", "5890", D("4588.00"), D("19782.00"), D("0.1600"), D("0.0600"),
         D("0.0040"), D("0.0085"), D("400.00"), 5,
         _d(("440703", "蓬江区"), ("440704", "江海区"), ("440705", "新会区"), ("440781", "台山市"))),
    City("4408", "湛江市", "5910", D("4588.00"), D("18210.00"), D("0.1600"), D("0.0650"),
         D("0.0030"), D("0.0100"), D("400.00"), 5,
         _d(("440802", "赤坎区"), ("440803", "霞山区"), ("440811", "麻章区"), ("440881", "廉江市"))),
    City("4409", "茂名市", "5920", D("4588.00"), D("17634.00"), D("0.1600"), D("0.0650"),
         D("0.0030"), D("0.0100"), D("400.00"), 4,
         _d(("440902", "茂南区"), ("440904", "电白区"), ("440981", "高州市"))),
    City("4412", "肇庆市", "5930", D("4588.00"), D("18864.00"), D("0.1600"), D("0.0600"),
         D("0.0040"), D("0.0085"), D("400.00"), 3,
         _d(("441202", "端州区"), ("441203", "鼎湖区"), ("441204", "高要区"), ("441284", "四会市"))),
    City("4413", "惠州市", "5950", D("4588.00"), D("20466.00"), D("0.1600"), D("0.0550"),
         D("0.0040"), D("0.0085"), D("400.00"), 6,
         _d(("441302", "惠城区"), ("441303", "惠阳区"), ("441322", "博罗县"), ("441323", "惠东县"))),
    City("4414", "梅州市", "5960", D("4588.00"), D("16740.00"), D("0.1400"), D("0.0650"),
         D("0.0020"), D("0.0100"), D("400.00"), 2,
         _d(("441402", "梅江区"), ("441403", "梅县区"), ("441481", "兴宁市"))),
    City("4415", "汕尾市", "5970", D("4588.00"), D("16662.00"), D("0.1400"), D("0.0650"),
         D("0.0020"), D("0.0100"), D("400.00"), 2,
         _d(("441502", "城区"), ("441521", "海丰县"), ("441581", "陆丰市"))),
    City("4416", "河源市", "5980", D("4588.00"), D("16758.00"), D("0.1600"), D("0.0650"),
         D("0.0030"), D("0.0100"), D("400.00"), 2,
         _d(("441602", "源城区"), ("441625", "东源县"), ("441622", "龙川县"))),
    City("4417", "阳江市", "5990", D("4588.00"), D("17466.00"), D("0.1600"), D("0.0600"),
         D("0.0030"), D("0.0100"), D("400.00"), 2,
         _d(("441702", "江城区"), ("441704", "阳东区"), ("441781", "阳春市"))),
    City("4418", "清远市", "6010", D("4588.00"), D("18180.00"), D("0.1600"), D("0.0600"),
         D("0.0040"), D("0.0085"), D("400.00"), 3,
         _d(("441802", "清城区"), ("441803", "清新区"), ("441881", "英德市"))),
    City("4419", "东莞市", "6020", D("4588.00"), D("22788.00"), D("0.1400"), D("0.0500"),
         D("0.0050"), D("0.0085"), D("420.00"), 14,
         _towns("441900", "南城街道", "东城街道", "虎门镇", "长安镇")),
    City("4420", "中山市", "6030", D("4588.00"), D("21840.00"), D("0.1400"), D("0.0500"),
         D("0.0050"), D("0.0085"), D("400.00"), 5,
         _towns("442000", "石岐街道", "东区街道", "小榄镇", "古镇镇")),
    City("4451", "潮州市", "5869", D("4588.00"), D("16902.00"), D("0.1600"), D("0.0600"),
         D("0.0020"), D("0.0100"), D("400.00"), 2,
         _d(("445102", "湘桥区"), ("445103", "潮安区"), ("445122", "饶平县"))),
    City("4452", "揭阳市", "5865", D("4588.00"), D("16830.00"), D("0.1600"), D("0.0600"),
         D("0.0020"), D("0.0100"), D("400.00"), 4,
         _d(("445202", "榕城区"), ("445203", "揭东区"), ("445281", "普宁市"))),
    City("4453", "云浮市", "5937", D("4588.00"), D("16590.00"), D("0.1600"), D("0.0650"),
         D("0.0020"), D("0.0100"), D("400.00"), 1,
         _d(("445302", "云城区"), ("445303", "云安区"), ("445381", "罗定市"))),
)
CITY_BY_CODE = {c.code: c for c in CITIES}
