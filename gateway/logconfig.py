"""structlog configuration: a console renderer in dev, JSON lines in production, and a processor
that masks account and ID numbers (rules in :mod:`gateway.logmask`) in every line, those logged
through structlog and those logged through the standard library's ``logging`` alike."""

from __future__ import annotations

import logging
import sys
import warnings
from typing import Any, Collection

import structlog

from gateway.config import Settings
from gateway.logmask import mask_value

# Keys that ProcessorFormatter adds for its own use; they are objects, not log content.
_FORMATTER_KEYS = frozenset({"_record", "_from_structlog"})


class MaskSensitive:
    """structlog processor: masks account and ID numbers in every field, by field name and by
    pattern; ``codes`` (the node codes of this gateway and of the ETS) stay readable in text."""

    def __init__(self, codes: Collection[str] = ()) -> None:
        self.codes = frozenset(c for c in codes if c)

    def __call__(self, _logger: Any, _method: str, event_dict: dict) -> dict:
        for key, value in list(event_dict.items()):
            if key not in _FORMATTER_KEYS:
                event_dict[key] = mask_value(value, self.codes, field=key)
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
    masking = MaskSensitive((settings.gateway.node, settings.gateway.ets_node))
    # Tracebacks and stacks become text before masking, so numbers in them are masked too.
    shared = [structlog.processors.add_log_level,
              structlog.processors.TimeStamper(fmt="iso", utc=False),
              structlog.processors.StackInfoRenderer(),
              structlog.processors.format_exc_info]
    out = stream or _CurrentStderr()
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, *shared, masking, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )
    # Lines from the standard library's logging (gateway modules, SQLAlchemy, waitress ...) go
    # through the same chain, masking included, and come out in the same format.
    handler = logging.StreamHandler(out)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared, masking],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer]))
    logging.basicConfig(level=max(level, logging.WARNING), handlers=[handler], force=True)
