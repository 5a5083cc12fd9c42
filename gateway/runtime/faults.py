"""Crash points for the kill tests: ``ETSGW_CRASH_AT=<point>`` makes the process kill itself
(SIGKILL, no clean-up) when it reaches that point, to prove nothing is lost or duplicated.
Unset in normal operation; reading one environment variable is the whole cost."""

from __future__ import annotations

import os
import signal

ENV = "ETSGW_CRASH_AT"
POINTS = ("relay.after_put", "relay.after_transport_commit", "inbound.after_effect",
          "inbound.batch_before_commit", "inbound.after_db_commit")


def point(name: str) -> None:
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
