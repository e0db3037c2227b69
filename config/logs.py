"""Structured JSON logs with the request id, and a filter that keeps personal data out."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

from .requestid import current_request_id

# Mainland mobile numbers and resident ID numbers, wherever they appear in a message: not
# inside a longer number or the decimals of one ("0.0055003868662123"), but anywhere else, a
# host name ("13812345678.example.com") or a path included, in the forms people write them:
# with the country code (+86, 86, 0086, URL-encoded %2B86), grouped by spaces, dashes or dots
# (158-7386-3413, 110105 19491231 002X), URL-encoded (%20, +), a lowercase x.
_SEP = r"(?:[-. +]|%20)"  # one separator between groups, the same one throughout


def _grouped(name: str, *groups: str) -> str:
    """Groups joined by an optional separator, the same one (or none) between each pair."""
    sep = f"(?P<{name}>{_SEP}?)"
    return groups[0] + sep + f"(?P={name})".join(groups[1:])


_COUNTRY = rf"(?:(?:\+|%2[Bb]|00)?86{_SEP}?)"
_MOBILE = _COUNTRY + "?" + _grouped("m", r"1[3-9]\d", r"\d{4}", r"\d{4}")
_ID = _grouped(
    "i",
    r"[1-9]\d{5}",
    r"(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])",
    r"\d{3}[\dXx]",
)
# The lookahead lets the engine skip, cheaply, every position no number can start at.
_PII = re.compile(rf"(?=[+%0-9])(?<!\d)(?<!\d\.)(?:{_MOBILE}|{_ID})(?!\d)(?!\.\d)")


def scrub(text: str) -> str:
    """Phone and ID numbers masked: the first three and last four characters kept."""
    return _PII.sub(lambda m: m.group(0)[:3] + "*" * (len(m.group(0)) - 7) + m.group(0)[-4:], text)


class PiiScrubFilter(logging.Filter):
    """Scrubs the message, and the traceback and stack too: formatters reuse `exc_text`, so
    the plain formatter (and any other handler) prints the scrubbed traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        record.request_id = current_request_id()
        return True


_TRACEBACKS = logging.Formatter()


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", current_request_id()),
        }
        if record.exc_info:
            payload["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)


def scrub_every_handler() -> None:
    """Put the filter on every handler any logger has that lacks it: the ones a library sets up
    for itself (Celery's task logger and pool logger, which do not propagate to the root)."""
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", ()):
            if not any(isinstance(f, PiiScrubFilter) for f in handler.filters):
                handler.addFilter(PiiScrubFilter())


def connect_celery() -> None:
    """Celery adds its own handlers when a worker starts: scrub them too."""
    from celery.signals import after_setup_logger, after_setup_task_logger

    def _scrub(**_kwargs: object) -> None:
        scrub_every_handler()

    after_setup_logger.connect(_scrub, weak=False)
    after_setup_task_logger.connect(_scrub, weak=False)
