"""gunicorn settings for Fieldloop; gunicorn reads this file from the directory it starts in.

Everything else (workers, bind address, access log file) is given on the command line.
"""

import gc

from gunicorn.glogging import Logger

from server.access_log import redact_tokens


class TokenFreeLogger(Logger):
    """gunicorn's logger, whose access log lines (request line, path, referrer…) carry no customer tokens."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {name: redact_tokens(value) if isinstance(value, str) else value for name, value in atoms.items()}


logger_class = TokenFreeLogger


def post_worker_init(worker):
    # What the app loaded at start lives as long as the worker: keep the cyclic garbage
    # collector from scanning it again on every collection a large push triggers.
    gc.freeze()
