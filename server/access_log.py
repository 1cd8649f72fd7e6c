"""Access logs name the route of a customer link, never its token.

A pickup link's token opens the customer's page to whoever holds it, so it must not
sit in log files: ``/pickup/<token>`` and ``/api/v1/customer/pickups/<token>/answer``
are logged as written here. `redact_tokens` does it for werkzeug's development
server (a filter on its logger, installed by `create_app`) and for gunicorn (the
logger class of gunicorn.conf.py).
"""

import logging
import re

_TOKEN_IN_PATH = re.compile(r"(/pickup/|/api/v1/customer/pickups/)[^/?#\s\"]+")


def redact_tokens(text: str) -> str:
    """`text` with the token of every customer-link path replaced by ``<token>``."""
    return _TOKEN_IN_PATH.sub(r"\1<token>", text)


class RedactTokens(logging.Filter):
    """Rewrites each record's message without customer-link tokens."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact_tokens(record.getMessage()), ()
        return True


def redact_werkzeug_log() -> None:
    """Make the development server's access log (logger ``werkzeug``) name routes, not tokens."""
    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactTokens) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(RedactTokens())

