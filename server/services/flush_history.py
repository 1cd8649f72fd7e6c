"""What a flush is about to change on an ORM object, read without loading anything more.

The change log (server/services/sync/changes.py) and the outbound feed
(server/services/integration/feed_log.py) both decide what to write from it.
"""

from sqlalchemy.orm import attributes


def history(obj, name: str):
    # What inspect(obj).attrs[name].history gives, without building every attribute's state first.
    return attributes.get_history(obj, name, passive=attributes.PASSIVE_NO_INITIALIZE)


def before(obj, name: str):
    """The attribute's value before this flush (the current one if unchanged)."""
    past = history(obj, name)
    if past.deleted:
        return past.deleted[0]
    return getattr(obj, name)


def changed(obj, *names: str) -> bool:
    return any(history(obj, n).has_changes() for n in names)
