"""How values look: Jinja filters (money, dates, Chinese state names) and the JSON provider of
the API (Decimal as text, dates in ISO form, Chinese left readable)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider

STATES = {
    "UNPAID": "未缴", "LOCKED": "处理中", "PAID": "已缴", "SETTLED": "已入库", "VOIDED": "已作废",
    "SENT": "已发送", "ACCEPTED": "已受理", "IN_DOUBT": "结果待查", "SUCCEEDED": "扣款成功",
    "FAILED": "扣款失败", "REVERSED": "已冲正",
    "PENDING": "待验证", "ACTIVE": "有效", "REJECTED": "验证未通过", "SUSPENDED": "已暂停",
    "REVOKED": "已撤销", "TERMINATED": "已终止",
    "RUNNING": "运行中", "INACTIVE": "未激活", "RETRYING": "重试中", "STOPPED": "已停止",
}
KINDS = {"UNIT": "单位", "FLEXIBLE": "灵活就业人员", "RESIDENT": "城乡居民",
         "SINGLE": "实时扣款", "BATCH_ITEM": "批量扣款", "COUNTER": "柜面缴款",
         "ONLINE": "网上签约", "ON_SITE": "柜面签约"}


def money(value: Any) -> str:
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.2f}"


def when(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return "" if value is None else str(value)


def period(start: dt.date, end: dt.date) -> str:
    if start.year == end.year and start.month == end.month:
        return f"{start:%Y年%m月}"
    return f"{start:%Y.%m}–{end:%Y.%m}"


class JsonProvider(DefaultJSONProvider):
    ensure_ascii = False
    sort_keys = False

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, Decimal):
            return f"{o:.2f}"
        if isinstance(o, dt.datetime):
            return o.isoformat(timespec="seconds")
        if isinstance(o, dt.date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)


def register(app: Flask) -> None:
    app.json = JsonProvider(app)
    app.jinja_env.filters.update(money=money, when=when, state=lambda s: STATES.get(s, s),
                                 kind=lambda k: KINDS.get(k, k))
    app.jinja_env.globals.update(period=period)
    app.jinja_env.autoescape = True
