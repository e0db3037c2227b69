"""Structured JSON logs with the request id, and a filter that keeps personal data out."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

from .requestid import current_request_id

# Mainland mobile numbers and resident ID numbers, wherever they appear in a message: not
# inside a longer number or the decimals of one ("0.0055003868662123"), but anywhere else, a
# host name ("13812345678.example.com") or a path included.
_PII = re.compile(
    r"(?<!\d)(?<!\d\.)("
    r"1[3-9]\d{9}"  # mobile
    r"|[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"  # ID
    r")(?!\d)(?!\.\d)"
)


def scrub(text: str) -> str:
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
