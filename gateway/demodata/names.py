"""Seeded generators for the demo's people and identifiers: Chinese names, company names, valid
ID numbers and unified social credit codes, 单位社保号, bank accounts and agreement numbers.

Every function draws from the ``random.Random`` it is given, never from the global generator, so
that one seed gives one data set.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Callable

from gateway.demodata.banks import BankBrand
from gateway.demodata.reference import City, District
from gateway.domain.identifiers import USCC_ALPHABET, id_check_char, uscc_check_char

# Guangdong's common surnames, weighted roughly by frequency (陈, 李 and 黄 lead in the province).
_SURNAMES = (
    ("陈", 105), ("李", 70), ("黄", 65), ("张", 45), ("梁", 40), ("林", 40), ("刘", 35), ("吴", 30),
    ("罗", 25), ("杨", 25), ("王", 25), ("郑", 22), ("何", 22), ("谢", 18), ("周", 16), ("邓", 16),
    ("钟", 16), ("曾", 15), ("冯", 14), ("叶", 14), ("蔡", 13), ("苏", 12), ("许", 12), ("潘", 11),
    ("朱", 11), ("卢", 11), ("彭", 10), ("赖", 10), ("郭", 10), ("余", 10), ("廖", 10), ("庄", 8),
    ("方", 8), ("江", 8), ("邱", 8), ("胡", 8), ("徐", 8), ("温", 7), ("莫", 7), ("唐", 6),
    ("麦", 5), ("关", 5), ("古", 5), ("孙", 5), ("马", 5), ("甘", 4), ("韦", 4), ("杜", 4),
    ("洪", 4), ("欧阳", 4), ("邝", 3), ("区", 3), ("司徒", 2),
)
SURNAMES: tuple[str, ...] = tuple(s for s, weight in _SURNAMES for _ in range(weight))
_MALE_CHARS = "伟强军杰涛明辉斌勇俊华志文建国浩宇子轩晨嘉豪锦荣汉健炜鹏坤彬泽铭振家立永锋海"
_FEMALE_CHARS = "芳娜敏静丽艳婷玲燕慧霞琳颖欣怡雪梅娟秀佳嘉晓诗雅思丹倩婉紫莉萍凤洁彤"
_TRADE_CHARS = ("华盛恒信鑫瑞泰达隆通源丰宏业创新科嘉汇宝利安康美联骏越星辰海天润和"
                "锦程远博雅卓智腾凯力祥富德兴辉晟誉昌荣宇航帆云峰")
_INDUSTRIES = (
    "信息科技", "电子科技", "贸易", "商贸", "建筑工程", "餐饮管理", "物流", "服装", "家具制造",
    "陶瓷", "五金制品", "食品", "房地产开发", "物业管理", "机械设备", "印刷", "塑料制品",
    "医疗器械", "教育咨询", "人力资源服务", "电器", "灯饰", "汽车配件", "纺织", "装饰工程",
)
_OLD_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code check


def draw_unique(make: Callable[[], str], used: set[str], attempts: int = 1000) -> str:
    """Draw until the value is new; identifiers such as ID numbers must not repeat. A space so
    full that ``attempts`` draws all collide is a sizing error, reported rather than looped on."""
    for _ in range(attempts):
        value = make()
        if value not in used:
            used.add(value)
            return value
    raise ValueError(f"no unused identifier after {attempts} draws ({len(used)} in use)")


def person_name(rng: random.Random, female: bool) -> str:
    chars = _FEMALE_CHARS if female else _MALE_CHARS
    given = rng.choice(chars) if rng.random() < 0.25 else rng.choice(chars) + rng.choice(chars)
    return rng.choice(SURNAMES) + given


def place_prefix(city: City, district: District) -> str:
    """How a company registered in the district spells its place (广州市天河区, 台山市, 东莞市)."""
    if district.is_town:
        return city.name
    if district.name.endswith("区"):
        return city.name + district.name
    return district.name


def company_name(rng: random.Random, city: City, district: District) -> str:
    trade = "".join(rng.sample(_TRADE_CHARS, 2))
    r = rng.random()
    form = "股份有限公司" if r < 0.05 else "有限责任公司" if r < 0.10 else "有限公司"
    return f"{place_prefix(city, district)}{trade}{rng.choice(_INDUSTRIES)}{form}"


def birth_date(rng: random.Random, as_of: dt.date, min_age: int, max_age: int) -> dt.date:
    """A birthday making the person ``min_age`` to ``max_age`` (inclusive) years old on ``as_of``."""
    latest = as_of.toordinal() - min_age * 366
    earliest = as_of.toordinal() - (max_age + 1) * 365 + 1
    return dt.date.fromordinal(rng.randint(earliest, latest))


def id_number(rng: random.Random, region: str, birth: dt.date, female: bool) -> str:
    """An 18-digit resident ID number; the 17th digit is odd for men, even for women."""
    seq = rng.randrange(100) * 10 + rng.randrange(0 if female else 1, 10, 2)
    first17 = f"{region}{birth.year:04d}{birth.month:02d}{birth.day:02d}{seq:03d}"
    return first17 + id_check_char(first17)


def _old_org_code(rng: random.Random) -> str:
    body = str(rng.randint(10000000, 79999999))
    c = 11 - sum(int(ch) * w for ch, w in zip(body, _OLD_ORG_WEIGHTS)) % 11
    return body + ("X" if c == 10 else "0" if c == 11 else str(c))


def uscc(rng: random.Random, admin_code: str) -> str:
    """统一社会信用代码: ``91`` (enterprise) + registration area + organisation code + check.

    Units registered since 2015 carry ``MA…`` organisation codes; older ones kept their GB 11714
    code (8 digits + check), which is how real codes of both ages look.
    """
    if rng.random() < 0.75:
        org = "MA" + "".join(rng.choices(USCC_ALPHABET, k=7))
    else:
        org = _old_org_code(rng)
    first17 = f"91{admin_code}{org}"
    return first17 + uscc_check_char(first17)


def social_security_no(rng: random.Random, admin_code: str) -> str:
    """单位社保号 as issued by the district: its code and eight digits."""
    return f"{admin_code}{rng.randrange(10**8):08d}"


def _luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # doubled positions, counted from the digit left of the check digit
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def corporate_account(rng: random.Random, brand: BankBrand) -> str:
    """A unit's settlement account in the bank's own layout (16-19 digits)."""
    n = brand.corporate_length - len(brand.corporate_prefix)
    return brand.corporate_prefix + f"{rng.randrange(10**n):0{n}d}"


def card_number(rng: random.Random, brand: BankBrand) -> str:
    """A person's debit card: the bank's BIN, digits and a Luhn check digit."""
    n = brand.card_length - len(brand.card_bin) - 1
    body = brand.card_bin + f"{rng.randrange(10**n):0{n}d}"
    return body + _luhn_digit(body)


def protocol_no(admin_code: str, year: int, seq: int) -> str:
    """三方协议号 as in the interface examples: area + signing year + 9-digit sequence."""
    return f"{admin_code}{year:04d}{seq:09d}"
