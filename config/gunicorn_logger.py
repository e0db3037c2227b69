"""gunicorn's own log lines through the personal-data scrubber.

gunicorn writes the access line (the request line with its query string, the Referer) and its
error log itself, on handlers of its own that Django's LOGGING never sees: a desk search
`?q=15873863413` or a path with an ID number would reach the log whole. This logger class
(`logger_class` in deploy/gunicorn.conf.py) puts the same PiiScrubFilter on every handler
gunicorn sets up, again after a configuration reload.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from .logs import PiiScrubFilter


class ScrubbingLogger(Logger):  # type: ignore[misc]
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(f, PiiScrubFilter) for f in handler.filters):
                    handler.addFilter(PiiScrubFilter())
