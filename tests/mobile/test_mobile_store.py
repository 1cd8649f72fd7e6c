"""The phone's local store on its own: ids and seqs, answers recorded once, the cursor, snapshots, migrations."""

import sqlite3
import tempfile
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.enums import EventType
from mobile.store import Draft, Store
from mobile.store_schema import SCHEMA_VERSION, NewerDatabase

JOB_ID = 7


def draft(n: int = 0) -> Draft:
    return Draft(EventType.PART_REMOVED, JOB_ID, {"part_number": "PRN-RLR-KIT", "condition": "working", "quantity": n + 1})


def page(changes, cursor: str, has_more: bool = False, full_resync: bool = False) -> dict:
    return {"changes": changes, "cursor": cursor, "has_more": has_more, "full_resync": full_resync}


def upsert(entity: str, key, **data) -> dict:
    return {"entity": entity, "id": str(key), "op": "upsert", "data": {"id": key, **data}}


@pytest.fixture
def store(tmp_path):
    opened = Store(tmp_path / "phone.db")
    yield opened
    opened.close()


def test_the_device_id_is_chosen_once_and_kept(tmp_path):
    first = Store(tmp_path / "phone.db")
    device_id = first.device_id
    first.close()
    assert Store(tmp_path / "phone.db").device_id == device_id
    assert uuid.UUID(device_id)


def test_each_entry_gets_a_new_id_and_the_next_seq_even_after_a_restart(tmp_path):
    first = Store(tmp_path / "phone.db")
    a, b = first.log_entries([draft(), draft()], username="amy")
    first.close()
    [c] = Store(tmp_path / "phone.db").log_entries([draft()], username="amy")
    assert [a.seq, b.seq, c.seq] == [1, 2, 3]
    assert len({a.id, b.id, c.id}) == 3


def test_a_seq_is_never_reused_once_its_entry_was_answered(store):
    [a] = store.log_entries([draft()], username="amy")
    store.record_answers([{"id": a.id, "seq": a.seq, "status": "accepted"}])
    [b] = store.log_entries([draft()], username="amy")
    assert b.seq == 2


def test_the_database_is_at_the_current_schema_version_in_wal_mode(store):
    conn = sqlite3.connect(store.path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_a_database_from_a_newer_app_is_refused(tmp_path):
    conn = sqlite3.connect(tmp_path / "phone.db")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(NewerDatabase):
        Store(tmp_path / "phone.db")


def test_an_answer_moves_the_entry_out_of_the_outbox_once(store):
    [a, b] = store.log_entries([draft(), draft()], username="amy")
    answer = [{"id": a.id, "seq": a.seq, "status": "accepted", "return_line_id": a.id}]
    assert store.record_answers(answer)["accepted"] == 1
    assert store.record_answers(answer)["accepted"] == 0  # answered again by a second run: recorded once
    assert [e.id for e in store.waiting()] == [b.id]
    assert [(e.id, e.state) for e in store.entries()] == [(a.id, "accepted"), (b.id, "waiting")]


def test_an_answer_the_phone_cannot_read_keeps_the_entry(store):
    [a] = store.log_entries([draft()], username="amy")
    store.record_answers([{"id": a.id, "seq": a.seq, "status": "queued"}])
    assert [e.id for e in store.waiting()] == [a.id]


def test_a_duplicate_of_a_refused_entry_is_a_problem_with_the_first_reasons(store):
    [a] = store.log_entries([draft()], username="amy")
    errors = {"payload": {"part_number": ["Unknown part number 'PRN-RLR-KIT'."]}}
    store.record_answers([{"id": a.id, "seq": a.seq, "status": "duplicate", "original_status": "rejected",
                           "errors": errors}])
    [problem] = store.problems()
    assert problem.id == a.id and problem.errors == errors and problem.problem == "open"


def test_a_pull_page_asked_with_a_cursor_that_has_moved_on_is_not_applied(store):
    assert store.apply_pull_page(None, page([upsert("part", 1, part_number="A")], "c1", full_resync=True))
    assert not store.apply_pull_page(None, page([upsert("part", 2, part_number="B")], "c1b", full_resync=True))
    assert store.cursor == "c1" and store.part("B") is None


def test_a_full_snapshot_replaces_the_cache_only_once_complete(store):
    store.apply_pull_page(None, page([upsert("part", 1, part_number="OLD")], "c1", full_resync=True))
    store.forget_cursor()  # a 409
    store.apply_pull_page(None, page([upsert("part", 2, part_number="NEW-1")], "s1", has_more=True, full_resync=True))
    assert store.part("OLD") is not None and store.part("NEW-1") is None  # mid-way: the old cache still shows

    store.apply_pull_page("s1", page([upsert("part", 3, part_number="NEW-2")], "s2", full_resync=True))

    assert store.part("OLD") is None and store.part("NEW-1") and store.part("NEW-2")


def test_the_first_log_page_after_a_snapshot_completes_it(store):
    store.apply_pull_page(None, page([upsert("part", 1, part_number="A")], "s1", has_more=True, full_resync=True))
    store.apply_pull_page("s1", page([upsert("part", 2, part_number="B"),
                                      {"entity": "part", "id": "1", "op": "delete", "data": None}], "l1"))
    assert store.part("A") is None and store.part("B") is not None


def test_forgetting_the_cursor_keeps_every_entry_waiting(store):
    logged = store.log_entries([draft(), draft()], username="amy")
    store.apply_pull_page(None, page([], "c1", full_resync=True))
    store.forget_cursor()
    assert store.cursor is None and [e.id for e in store.waiting()] == [e.id for e in logged]


def test_an_accepted_removal_is_carried_until_the_server_record_arrives(store):
    store.apply_pull_page(None, page([upsert("job", JOB_ID, site_id=3, status="open")], "c1", full_resync=True))
    [a] = store.log_entries([draft()], username="amy")
    store.record_answers([{"id": a.id, "seq": 1, "status": "accepted", "return_line_id": a.id}])
    line = store.record("return_line", a.id)
    assert line["part_number"] == "PRN-RLR-KIT" and line["origin_site_id"] == 3


# --- a rule for every sequence of work ------------------------------------------------------

operations = st.lists(
    st.one_of(
        st.tuples(st.just("log"), st.integers(1, 3)),
        st.tuples(st.just("answer"), st.lists(st.sampled_from(["accepted", "rejected", "duplicate", "lost", "junk"]),
                                              max_size=4)),
        st.tuples(st.just("dismiss"), st.just(0)),
    ),
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations)
def test_every_entry_is_either_waiting_or_answered_exactly_once(ops):
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "phone.db")
        logged = []
        for kind, arg in ops:
            if kind == "log":
                logged += store.log_entries([draft(i) for i in range(arg)], username="amy")
            elif kind == "answer":
                waiting = store.waiting()
                results = [{"id": e.id, "seq": e.seq, "status": outcome, "original_status": "accepted"}
                           for e, outcome in zip(waiting, arg) if outcome != "lost"]
                store.record_answers(results)
                store.record_answers(results)  # the same answer again, from a retried push
            elif store.problems():
                store.dismiss_problem(store.problems()[0].id)
        waiting = {e.id for e in store.waiting()}
        everything = store.entries()
        assert sorted(e.id for e in everything) == sorted(e.id for e in logged)
        assert [e.seq for e in everything] == list(range(1, len(logged) + 1))
        assert waiting == {e.id for e in everything if e.state == "waiting"}
        assert {e.id for e in store.problems()} <= {e.id for e in everything if e.state == "rejected"}
        raw = sqlite3.connect(store.path)
        outbox_ids = {r[0] for r in raw.execute("SELECT id FROM outbox")}
        answered_ids = {r[0] for r in raw.execute("SELECT id FROM answered")}
        assert not outbox_ids & answered_ids
        assert outbox_ids == waiting
        raw.close()
        store.close()


def van_stock(store, quantity: int = 2) -> None:
    store.apply_pull_page(None, page([upsert("van_stock", "1:new", part_number="PRN-FUS-220", description="Fuser",
                                             grade="new", quantity=quantity)], "c1", full_resync=True))


def install(store, **payload) -> list:
    return store.log_entries([Draft(EventType.PART_INSTALLED, JOB_ID, {"part_number": "PRN-FUS-220", **payload})],
                             username="amy")


def test_an_install_logged_on_the_phone_lowers_its_van_stock_at_once(store):
    from mobile.workday import van_stock as shown

    van_stock(store)
    install(store, serial="AR00000009")

    [row] = shown(store)
    assert (row.part_number, row.grade, row.quantity, row.not_sent) == ("PRN-FUS-220", "new", 1, 1)


def test_an_accepted_install_keeps_the_van_stock_lowered_until_the_next_pull(store):
    from mobile.workday import van_stock as shown

    van_stock(store)
    [entry] = install(store, serial="AR00000009")
    store.record_answers([{"id": entry.id, "seq": entry.seq, "status": "accepted"}])

    [row] = shown(store)
    assert (row.quantity, row.not_sent) == (1, 0)


def test_an_install_of_a_grade_the_van_does_not_hold_shows_a_negative_count(store):
    from mobile.workday import van_stock as shown

    van_stock(store)
    install(store, serial="AR00000009", grade="refurbished")

    assert [(r.grade, r.quantity) for r in shown(store)] == [("new", 2), ("refurbished", -1)]


def test_an_install_takes_the_grade_of_its_jobs_replacement_else_refurbished_from_the_van_else_new(store):
    from mobile.workday import install_grade_for

    assert install_grade_for(store, JOB_ID, "PRN-FUS-220") == "new"
    store.apply_pull_page(None, page([upsert("van_stock", "1:refurbished", part_number="PRN-FUS-220",
                                             description="Fuser", grade="refurbished", quantity=1)],
                                     "c1", full_resync=True))
    assert install_grade_for(store, JOB_ID, "prn-fus-220") == "refurbished"
    install(store, serial="AR00000009", grade="refurbished")  # the van's only refurbished unit is gone
    assert install_grade_for(store, JOB_ID, "PRN-FUS-220") == "new"
    store.apply_pull_page("c1", page([upsert("delivery", 7, job_id=JOB_ID, part_number="PRN-FUS-220", quantity=1,
                                             grade="refurbished", mode="courier_to_site", status="dispatched")],
                                     "c2"))
    assert install_grade_for(store, JOB_ID, "PRN-FUS-220") == "refurbished"
