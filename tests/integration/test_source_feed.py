"""The source system reads the feed of a whole day through a link that cuts, loses and holds answers, and
restarts from the cursor it last saved: after de-duplication by event id every fact arrives exactly once, in
the feed's order (each line's status changes chain from one to the next), and a replay from an old cursor hands
over everything since it. Each event matches the OpenAPI components of its type and version."""

import sqlalchemy as sa

from common.enums import MovementKind
from fake_source import FakeSource, FeedReader, undocumented
from scripted_day import DAY_TYPES, afternoon, morning
from server.models import DispositionRecord, FeedEvent, StockMovement
from tcp_proxy import CUT_ANSWER, CUT_REQUEST, DELAY_ANSWER, FAULT_KINDS, LOSE_ANSWER, Fault

SEED = 1203
ODDS = {CUT_REQUEST: 0.15, CUT_ANSWER: 0.15, LOSE_ANSWER: 0.15, DELAY_ANSWER: 0.05}
READ_TIMEOUT_S = 1.0
HELD_S = 1.3  # past the source's read timeout


def feed_in_order(session) -> list[str]:
    session.rollback()
    return [str(i) for i in session.scalars(sa.select(FeedEvent.id).order_by(FeedEvent.txid, FeedEvent.seq))]


def status_chain(events: list[dict], line_id) -> bool:
    """Whether the line's status changes, in feed order, each start where the one before ended."""
    changes = [e["data"] for e in events if e["type"] == "return_line.status_changed"
               and e["refs"]["return_line_id"] == str(line_id)]
    ends = [None] + [c["to_status"] for c in changes]
    return len(changes) >= 3 and [c["from_status"] for c in changes] == ends[:-1] and ends[-1] == "processed"


def test_every_fact_of_a_day_arrives_exactly_once_through_a_failing_link(app, amy, dana, logistics, link, source,
                                                                        session):
    source.timeout_s = (1.0, READ_TIMEOUT_S)
    link.script(*(Fault(kind, HELD_S if kind == DELAY_ANSWER else 0.5) for kind in FAULT_KINDS if kind in ODDS))
    link.randomly(SEED, ODDS, delay_s=HELD_S)
    reader = FeedReader(source, limit=3, save_every=2)

    lines = morning(app, amy, logistics)
    reader.read_to_end()
    afternoon(app, dana, logistics, session, lines)
    reader.read_to_end()

    assert all(link.faults[kind] >= 1 for kind in ODDS), link.faults
    assert reader.failed_reads >= len(ODDS) and max(reader.arrivals.values()) > 1  # repeats were handed over
    assert list(reader.events) == feed_in_order(session)
    events = list(reader.events.values())
    types = [e["type"] for e in events]
    assert DAY_TYPES <= set(types), sorted(set(types))
    assert types.count("stock.movement") == session.scalar(sa.select(sa.func.count()).select_from(StockMovement))
    assert types.count("return_line.disposition_set") == session.scalar(
        sa.select(sa.func.count()).select_from(DispositionRecord))
    assert types.count("pickup.scheduled") == types.count("pickup.collected") == 1
    assert types.count("return_line.received") == types.count("processing.outcome") == 2
    assert all(status_chain(events, line) for line in lines.values())
    assert undocumented(source.call("GET", "/api/openapi.json").json(), events) == []
    movements = [e for e in events if e["type"] == "stock.movement"]
    assert {e["data"].get("kind") for e in movements} >= {MovementKind.RECEIPT, MovementKind.PROCESSING}
    assert all(e["refs"].get("part_number") in ("PRN-FUS-220", "PRN-MFP-C550") for e in movements)


def test_a_replay_from_an_old_cursor_hands_over_everything_since_it(app, amy, dana, logistics, link, source,
                                                                   session, live_server):
    first = FeedReader(source, limit=2)
    lines = morning(app, amy, logistics)
    first.read_to_end()
    old_cursor, before = first.cursor, list(first.events)
    afternoon(app, dana, logistics, session, lines)
    first.read_to_end()
    since = list(first.events)[len(before):]
    assert since

    direct = FakeSource(live_server.url, source.key)
    replay, everything = FeedReader(direct, cursor=old_cursor, limit=5), FeedReader(direct, limit=50)
    assert [e["id"] for e in replay.read_to_end()] == since
    assert [e["id"] for e in everything.read_to_end()] == before + since == feed_in_order(session)
    assert max(replay.arrivals.values()) == max(everything.arrivals.values()) == 1
