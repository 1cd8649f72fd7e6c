"""Leak control: a completed job's expected parts that nobody logged become unconfirmed lines."""

import uuid

import sqlalchemy as sa

import factories as make
from common.enums import HolderKind, ReturnStatus, ReviewKind
from common.leaks import MissingUnit
from server.models import BackgroundTask, ReturnLine, ReviewItem


def completion(phone, job_id, **payload):
    return phone.new_event("job_completed", job_id, **payload)


def removal(phone, job_id, serial="AR00000001"):
    return phone.new_event("part_removed", job_id, part_number="PRN-FUS-220", serial=serial, condition="faulty")


def lines(session, *where) -> list[ReturnLine]:
    session.rollback()
    return session.scalars(sa.select(ReturnLine).where(*where).order_by(ReturnLine.id)).all()


def test_an_expected_part_nobody_removed_becomes_one_unconfirmed_line_held_by_the_engineer(amy, world, session):
    done = completion(amy, world.amy_job.id)
    assert amy.push([done]).json["results"][0]["status"] == "accepted"
    (line,) = lines(session)
    assert line.id == MissingUnit("PRN-FUS-220", 1).line_id(world.amy_job.id)
    assert (line.status, line.holder_kind, line.holder_id) == (ReturnStatus.UNCONFIRMED, HolderKind.ENGINEER, world.amy.id)
    assert line.expected_value == world.fuser.residual_value and line.job_id == world.amy_job.id
    tasks = session.scalars(sa.select(BackgroundTask).where(BackgroundTask.name == "decide_return_lines")).all()
    assert tasks == []


def test_a_removal_logged_before_the_completion_leaves_nothing_unconfirmed(amy, world, session):
    amy.push([removal(amy, world.amy_job.id), completion(amy, world.amy_job.id)])
    assert [line.status for line in lines(session)] == [ReturnStatus.AWAITING_DISPOSITION]


def test_each_missing_unit_is_one_line_and_replays_add_none(amy, dana, world, session):
    job = make.job(session, world.north, world.amy, world.dana, expected_parts=[
        {"part_number": "PRN-RLR-KIT", "quantity": 3, "action": "collect"},
        {"part_number": "PRN-FUS-220", "quantity": 1, "action": "replace"},
        {"part_number": "PRN-FUS-220", "quantity": 1, "action": "inspect"},
    ])
    session.commit()
    collected = amy.new_event("part_removed", job.id, part_number="PRN-RLR-KIT", quantity=2, condition="working")
    done = completion(amy, job.id)
    amy.push([collected, done])
    for _ in range(2):
        amy.push([collected, done])
    unconfirmed = lines(session, ReturnLine.job_id == job.id, ReturnLine.status == ReturnStatus.UNCONFIRMED)
    assert sorted((line.part.part_number, line.quantity) for line in unconfirmed) == [("PRN-FUS-220", 1), ("PRN-RLR-KIT", 1)]


def test_the_engineers_reason_for_not_returning_is_kept_on_the_line(amy, world, session):
    done = completion(amy, world.amy_job.id, not_returned=[{"part_number": "PRN-FUS-220",
                                                            "reason": "Customer keeps the old fuser as a spare"}])
    amy.push([done])
    (line,) = lines(session)
    assert line.not_returned_reason == "Customer keeps the old fuser as a spare"


def test_a_removal_logged_after_the_completion_confirms_the_unconfirmed_line(amy, world, session):
    amy.push([completion(amy, world.amy_job.id)])
    late = removal(amy, world.amy_job.id)
    result = amy.push([late]).json["results"][0]
    (line,) = lines(session)
    assert result["return_line_id"] == str(line.id) == str(MissingUnit("PRN-FUS-220", 1).line_id(world.amy_job.id))
    assert (line.status, line.serial, line.condition) == (ReturnStatus.AWAITING_DISPOSITION, "AR00000001", "faulty")
    tasks = session.scalars(sa.select(BackgroundTask).where(BackgroundTask.name == "decide_return_lines")).all()
    assert [t.args for t in tasks] == [{"return_line_ids": [str(line.id)]}]


def test_an_install_without_a_removal_on_a_swap_job_is_flagged_for_review(amy, dana, world, session):
    installed = amy.new_event("part_installed", world.amy_job.id, part_number="PRN-FUS-220", serial="AR00000077")
    amy.push([installed, completion(amy, world.amy_job.id)])
    session.rollback()
    (review,) = session.scalars(sa.select(ReviewItem)).all()
    assert (review.kind, review.event_id, review.job_id) == (ReviewKind.INSTALL_WITHOUT_REMOVAL, uuid.UUID(installed["id"]),
                                                             world.amy_job.id)
    assert review.return_line_id == MissingUnit("PRN-FUS-220", 1).line_id(world.amy_job.id)


def test_resolving_an_install_without_removal_by_voiding_writes_the_unconfirmed_line_off(amy, dana, world, session):
    installed = amy.new_event("part_installed", world.amy_job.id, part_number="PRN-FUS-220", serial="AR00000077")
    amy.push([installed, completion(amy, world.amy_job.id)])
    review_id = session.scalar(sa.select(ReviewItem.id))
    r = dana.request("POST", f"/api/v1/reviews/{review_id}/resolution",
                     json={"action": "void_line", "comment": "The old fuser was scrapped on site."})
    assert r.status == 200, r.json
    (line,) = lines(session)
    assert (line.status, line.written_off_value) == (ReturnStatus.WRITTEN_OFF, world.fuser.residual_value)


def test_a_swap_logged_whole_is_not_flagged(amy, world, session):
    removed = removal(amy, world.amy_job.id)
    installed = amy.new_event("part_installed", world.amy_job.id, part_number="PRN-FUS-220", serial="AR00000077",
                              replaces=removed["id"])
    amy.push([removed, installed, completion(amy, world.amy_job.id)])
    session.rollback()
    assert session.scalars(sa.select(ReviewItem)).all() == []


def test_a_held_completion_completed_by_a_dispatcher_opens_the_unconfirmed_lines_too(amy, dana, world, session):
    from test_review_queue import reassign_to_ben

    reassign_to_ben(session, world)
    amy.push([completion(amy, world.amy_job.id, not_returned=[{"part_number": "PRN-FUS-220", "reason": "Kept"}])])
    assert lines(session) == []
    review_id = session.scalar(sa.select(ReviewItem.id))
    assert dana.request("POST", f"/api/v1/reviews/{review_id}/resolution",
                        json={"action": "complete_job", "comment": "Amy did the job."}).status == 200
    (line,) = lines(session)
    assert (line.status, line.holder_id, line.not_returned_reason) == (ReturnStatus.UNCONFIRMED, world.amy.id, "Kept")
