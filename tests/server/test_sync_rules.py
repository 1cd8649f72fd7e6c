"""Pure sync rules: sequence gaps, cursors."""

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.sync.cursor import BadCursor, Cursor, LogPosition, decode
from server.sync.sequence import SeqTracker


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(1, 300), max_size=150))
def test_seq_tracker_reports_exactly_the_missing_numbers(arrivals):
    tracker = SeqTracker()
    for seq in arrivals:
        tracker.receive(seq)
    seen = set(arrivals)
    top = max(seen, default=0)
    assert tracker.highest_seen == top
    assert tracker.missing_seqs(limit=10**6) == sorted(set(range(1, top + 1)) - seen)
    contiguous = 0
    while contiguous + 1 in seen:
        contiguous += 1
    assert tracker.highest_contiguous == contiguous


def test_missing_seqs_are_capped_for_huge_gaps():
    tracker = SeqTracker()
    tracker.receive(10**9)
    assert tracker.missing == [[1, 10**9 - 1]]
    assert len(tracker.missing_seqs(limit=1000)) == 1000


#: A snapshot position: a record kind and the last key sent (a record id, or a return line's UUID).
snapshot_positions = st.one_of(
    st.none(),
    st.tuples(st.integers(0, 3), st.one_of(st.none(), st.integers(0, 2**31 - 1).map(str))),
    st.tuples(st.just(4), st.one_of(st.none(), st.uuids().map(str))),
)


@given(st.uuids(), st.integers(0, 2**63 - 1), st.integers(0, 2**63 - 1), st.integers(0, 2**31 - 1),
       snapshot_positions)
def test_cursor_round_trips(epoch, txid, row_id, nonce, snapshot):
    cursor = Cursor(epoch, LogPosition(txid, row_id, nonce), *(snapshot or (None, None)))
    assert decode(cursor.encode()) == cursor


@pytest.mark.parametrize("text", ["", "abc", "eyJ2IjoyfQ", "eyJ2IjoxLCJlIjoiMTIzIn0"])
def test_unreadable_cursors_are_refused(text):
    with pytest.raises(BadCursor):
        decode(text)


def test_a_snapshot_cursor_cannot_name_an_unknown_record_kind():
    cursor = Cursor(uuid.uuid4(), LogPosition(0, 0, 0), 0, None).encode()
    import base64
    import json

    doc = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    doc["s"] = [42, None]
    with pytest.raises(BadCursor):
        decode(base64.urlsafe_b64encode(json.dumps(doc).encode()).decode())


def test_a_cursor_moved_on_watches_what_still_runs_below_its_new_position_or_stays_when_that_is_too_much():
    cursor = Cursor(uuid.uuid4(), LogPosition(10, 5, 1), pending=(3, 4, 7))
    running = frozenset({4, 7, 12, 15, 30})
    assert cursor.finished(running) == [3]
    moved = cursor.moved_to(LogPosition(20, 9, 2), running, max_pending=4)
    assert (moved.position, moved.pending) == (LogPosition(20, 9, 2), (4, 7, 12, 15))
    assert cursor.moved_to(LogPosition(20, 9, 2), running, max_pending=3) is None
    stays = cursor.stays(running)
    assert (stays.position, stays.pending) == (cursor.position, (4, 7))
