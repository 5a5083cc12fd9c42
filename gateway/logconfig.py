"""structlog configuration: a console renderer in dev, JSON lines in production, and a processor
that masks bank account numbers wherever they appear in an event's fields."""

from __future__ import annotations

import logging
import re
import sys
import warnings
from typing import Any

import structlog

from gateway.config import Settings

# Runs of 12 to 32 digits are account-number shaped (bank accounts are 12–32 digits here). Codes
# the interface carries with such lengths (12-digit node/bank codes, 20-digit MsgIDs) are named
# fields, listed in SAFE_FIELDS, and are left alone.
_ACCOUNT = re.compile(r"(?<!\d)(\d{4})(\d{4,24})(\d{4})(?!\d)")
ACCOUNT_FIELDS = frozenset({"pay_acct", "acct", "account", "payee_acct", "PayAcct", "PayeeAcct"})
SAFE_FIELDS = frozenset({"msg_id", "msg_ref", "correl_id", "node", "src", "des", "bank_no", "queue",
                         "pay_bk_code", "pay_op_bk_code", "tax_org_code", "business_key",
                         "tax_vou_no", "timestamp", "level", "logger"})


def mask_digits(text: str) -> str:
    """Keep the first 4 and last 4 digits of any account-number-shaped run of digits."""
    return _ACCOUNT.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)


def _mask(value: Any, force: bool) -> Any:
    if isinstance(value, str):
        if force:
            return value if len(value) <= 8 else value[:4] + "*" * (len(value) - 8) + value[-4:]
        return mask_digits(value)
    if isinstance(value, dict):
        return {k: _mask(v, force or k in ACCOUNT_FIELDS) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_mask(v, force) for v in value)
    return value


def mask_accounts(_logger, _method, event_dict: dict) -> dict:
    """structlog processor: masks account numbers in every field except the safe identifiers."""
    for key, value in list(event_dict.items()):
        if key in SAFE_FIELDS:
            continue
        event_dict[key] = _mask(value, key in ACCOUNT_FIELDS)
    return event_dict


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is at the time of writing, not at configuration: a
    stream captured at start-up may be closed later (test runners, daemonisers)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(settings: Settings, stream=None) -> None:
    """Configure structlog and the standard library's root logger once per entry point."""
    fmt = settings.log.format
    if fmt == "auto":
        fmt = "json" if settings.gateway.env == "production" else "console"
    level = getattr(logging, settings.log.level)
    renderer: Any = (structlog.processors.JSONRenderer(ensure_ascii=False) if fmt == "json"
                     else structlog.dev.ConsoleRenderer(colors=False))
    # structlog suggests dropping format_exc_info for pretty console tracebacks; we keep it so
    # that tracebacks pass through the masking processor.
    warnings.filterwarnings("ignore", message="Remove `format_exc_info`", category=UserWarning)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=False),
            # Tracebacks become text before masking, so account numbers in them are masked too.
            structlog.processors.format_exc_info,
            mask_accounts,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=stream or _CurrentStderr()),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=max(level, logging.WARNING), stream=stream or _CurrentStderr(),
                        format="%(levelname)s %(name)s: %(message)s", force=True)
