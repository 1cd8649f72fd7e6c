"""gunicorn settings for Fieldloop; gunicorn reads this file from the directory it starts in.

Everything else (workers, bind address) is given on the command line.
"""

import gc


def post_worker_init(worker):
    # What the app loaded at start lives as long as the worker: keep the cyclic garbage
    # collector from scanning it again on every collection a large push triggers.
    gc.freeze()
