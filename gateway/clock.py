"""Business time is Beijing time (ets-interface: MsgID, EntrustDate, WorkDate, the 18:00 cutoff),
whatever the host's time zone. This is the one system clock; everything else is handed a clock.

Times inside the gateway are naive datetimes *in Beijing time*: the database columns and the wire
formats carry no zone, and mixing aware and naive values is a class of bug we avoid by never
creating aware ones past this point.
"""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

#: China has one zone and no daylight saving; tzdata (a dependency) supplies it where the host
#: has no zone database.
BEIJING = ZoneInfo("Asia/Shanghai")


def beijing_now() -> dt.datetime:
    """The current time in Beijing, naive (from the epoch clock, which no TZ setting moves)."""
    return dt.datetime.fromtimestamp(time.time(), BEIJING).replace(tzinfo=None)


def beijing_today() -> dt.date:
    return beijing_now().date()


def to_beijing(instant: dt.datetime) -> dt.datetime:
    """An aware instant (e.g. an MQ put time in UTC) as naive Beijing time."""
    return instant.astimezone(BEIJING).replace(tzinfo=None)
