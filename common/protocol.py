"""Constants and request-level errors of the sync protocol (docs/sync-protocol.md)."""

PROTOCOL_VERSION = 2
#: Version 1 apps keep working: they send none of version 2's fields (V2_PAYLOAD_FIELDS).
SUPPORTED_PROTOCOL_VERSIONS = frozenset({1, 2})

#: Most events one push may carry; more is answered 413.
MAX_BATCH_EVENTS = 500
#: Largest request body the server reads; more is answered 413.
MAX_REQUEST_BYTES = 2 * 1024 * 1024

DEFAULT_PULL_LIMIT = 500
MAX_PULL_LIMIT = 2000

#: An event whose device time is this far ahead of the server's receipt is flagged.
CLOCK_FUTURE_TOLERANCE_MINUTES = 10
#: An event logged more than this long before the server received it is flagged.
CLOCK_PLAUSIBLE_AGE_DAYS = 3


class ProtocolError(Exception):
    """A request the server refuses as a whole; `status` is its HTTP code."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UnsupportedProtocolVersion(ProtocolError):
    status = 426

    def __init__(self, version):
        super().__init__(
            f"This app speaks sync protocol version {version!r}; the server speaks "
            f"{sorted(SUPPORTED_PROTOCOL_VERSIONS)}. Please update the app."
        )
        self.version = version


class BatchTooLarge(ProtocolError):
    status = 413

    def __init__(self, count: int):
        super().__init__(
            f"A push carries at most {MAX_BATCH_EVENTS} events; this one has {count}. "
            "Split it into smaller batches."
        )
        self.count = count


class BodyNotAnObject(ProtocolError):
    def __init__(self):
        super().__init__("The body must be a JSON object.")
