"""The review queue: an event the records contradict is accepted, held, and changes nothing until a
dispatcher resolves it, once, through the one resolution endpoint."""

import uuid

import sqlalchemy as sa

from common.enums import HolderKind, ItemStatus, JobStatus, ReturnStatus
from phones import Phone
from server.models import BackgroundTask, CustodyEntry, FieldEvent, Job, ReturnLine, ReviewItem, SerialisedItem
from test_sync_concurrency import run_together


def removal(phone, job_id, serial, **extra):
    return phone.new_event("part_removed", job_id, part_number="PRN-FUS-220", serial=serial, condition="faulty",
                           **extra)


def open_reviews(dana, **filters):
    r = dana.request("GET", "/api/v1/reviews", params={"status": "open", **filters})
    assert r.status == 200, r.json
    return r.json["items"]


def resolve(dana, review_id, action, comment="Checked with the customer."):
    return dana.request("POST", f"/api/v1/reviews/{review_id}/resolution", json={"action": action, "comment": comment})


def engine_tasks(session) -> list[dict]:
    session.rollback()
    return [t.args for t in session.scalars(sa.select(BackgroundTask).where(BackgroundTask.name == "decide_return_lines"))]


# --- a serial the records put elsewhere ------------------------------------------------------------

def test_removing_a_serial_installed_at_another_site_is_accepted_held_and_moves_nothing(amy, dana, world, session):
    ev = removal(amy, world.amy_job.id, "AR00000002")  # installed at Ben's South Office
    result = amy.push([ev]).json["results"][0]
    assert result == {"id": ev["id"], "seq": ev["seq"], "status": "accepted", "return_line_id": ev["id"]}

    session.rollback()
    item = session.get(SerialisedItem, world.south_fuser.id)
    assert (item.status, item.site_id, item.location_kind) == (ItemStatus.INSTALLED, world.south.id, HolderKind.SITE)
    line = session.get(ReturnLine, uuid.UUID(ev["id"]))
    assert (line.holder_kind, line.holder_id, line.serialised_item_id) == (HolderKind.ENGINEER, world.amy.id, None)
    custody = session.scalars(sa.select(CustodyEntry).where(CustodyEntry.return_line_id == line.id)).all()
    assert [(c.holder_id, c.serialised_item_id) for c in custody] == [(world.amy.id, None)]
    assert "held_for_review" in session.scalar(sa.select(FieldEvent.flags))
    assert engine_tasks(session) == []

    (review,) = open_reviews(dana)
    assert (review["kind"], review["event_id"], review["job_id"]) == ("removal_elsewhere", ev["id"], world.amy_job.id)
    assert (review["return_line_id"], review["serial"], review["engineer_id"]) == (ev["id"], "AR00000002", world.amy.id)
    assert review["reason"] == "Serial AR00000002 is installed at South Office."
    assert review["actions"] == ["move_serial", "void_line"]


def test_the_genuine_removal_at_the_other_site_is_accepted_after_a_held_one(amy, ben, world, session):
    amy.push([removal(amy, world.amy_job.id, "AR00000002")])
    genuine = removal(ben, world.ben_job.id, "AR00000002")
    assert ben.push([genuine]).json["results"][0]["status"] == "accepted"
    session.rollback()
    item = session.get(SerialisedItem, world.south_fuser.id)
    assert (item.status, item.location_kind, item.location_id) == (ItemStatus.REMOVED, HolderKind.ENGINEER, world.ben.id)
    assert session.get(ReturnLine, uuid.UUID(genuine["id"])).serialised_item_id == item.id
    assert session.scalar(sa.select(sa.func.count()).select_from(ReviewItem)) == 1


def test_removing_a_serial_on_another_engineers_return_line_is_held_not_refused(amy, ben, world, session):
    first = removal(ben, world.ben_job.id, "AR00000002")
    ben.push([first])
    second = removal(amy, world.amy_job.id, "AR00000002")
    assert amy.push([second]).json["results"][0]["status"] == "accepted"
    session.rollback()
    review = session.scalar(sa.select(ReviewItem))
    assert review.reason.startswith("Serial AR00000002 is on its way back: Ben logged it as removed on")
    item = session.get(SerialisedItem, world.south_fuser.id)
    assert (item.location_kind, item.location_id) == (HolderKind.ENGINEER, world.ben.id)


def test_installing_a_serial_installed_at_another_site_is_held(amy, dana, world, session):
    ev = amy.new_event("part_installed", world.amy_job.id, part_number="PRN-FUS-220", serial="AR00000002")
    assert amy.push([ev]).json["results"][0]["status"] == "accepted"
    session.rollback()
    assert session.get(SerialisedItem, world.south_fuser.id).site_id == world.south.id
    (review,) = open_reviews(dana, kind="install_elsewhere")
    assert review["actions"] == ["move_serial", "dismiss"] and review["return_line_id"] is None


def test_a_serial_new_in_the_same_batch_is_named_by_its_review_item(amy, world, session):
    import factories as make

    south_job = make.job(session, world.south, world.amy, world.dana)
    install = amy.new_event("part_installed", world.amy_job.id, part_number="PRN-FUS-220", serial="AR77777777")
    elsewhere = removal(amy, south_job.id, "AR77777777")
    assert [r["status"] for r in amy.push([install, elsewhere]).json["results"]] == ["accepted", "accepted"]
    session.rollback()
    item = session.scalar(sa.select(SerialisedItem).where(SerialisedItem.serial == "AR77777777"))
    assert item.site_id == world.north.id
    assert session.scalar(sa.select(ReviewItem.serialised_item_id)) == item.id


def in_stock_at_the_depot(session, item, world):
    item.status, item.location_kind, item.location_id = ItemStatus.IN_STOCK, HolderKind.FACILITY, world.depot.id
    session.commit()


def test_removing_a_serial_in_a_facilitys_stock_is_held(amy, world, session):
    in_stock_at_the_depot(session, world.south_fuser, world)
    assert amy.push([removal(amy, world.amy_job.id, "AR00000002")]).json["results"][0]["status"] == "accepted"
    session.rollback()
    assert session.scalar(sa.select(ReviewItem.reason)) == "Serial AR00000002 is in stock, with Trafford Park depot."
    assert session.get(SerialisedItem, world.south_fuser.id).status == ItemStatus.IN_STOCK


def test_installing_a_spare_from_a_facilitys_stock_is_not_held(amy, world, session):
    in_stock_at_the_depot(session, world.south_fuser, world)
    ev = amy.new_event("part_installed", world.amy_job.id, part_number="PRN-FUS-220", serial="AR00000002")
    assert amy.push([ev]).json["results"][0]["status"] == "accepted"
    session.rollback()
    item = session.get(SerialisedItem, world.south_fuser.id)
    assert (item.status, item.site_id) == (ItemStatus.INSTALLED, world.north.id)
    assert session.scalar(sa.select(sa.func.count()).select_from(ReviewItem)) == 0


def test_installing_a_serial_on_ones_own_return_line_is_still_rejected(amy, world, session):
    amy.push([removal(amy, world.amy_job.id, "AR00000001")])
    ev = amy.new_event("part_installed", world.amy_job.id, part_number="PRN-FUS-220", serial="AR00000001")
    r = amy.push([ev]).json["results"][0]
    assert r["status"] == "rejected" and "cannot be installed" in r["errors"]["payload"]["serial"][0]


# --- resolving ------------------------------------------------------------------------------------

def test_moving_a_held_removal_takes_the_serial_into_the_removers_van_once(amy, dana, world, session):
    ev = removal(amy, world.amy_job.id, "AR00000002")
    amy.push([ev])
    (review,) = open_reviews(dana)
    r = resolve(dana, review["id"], "move_serial", "The customer moved the printer to North Office.")
    assert r.status == 200, r.json
    assert (r.json["status"], r.json["resolution"], r.json["resolved_by_id"]) == ("resolved", "move_serial", world.dana.id)
    assert r.json["resolution_comment"] == "The customer moved the printer to North Office." and r.json["resolved_at"]

    session.rollback()
    item = session.get(SerialisedItem, world.south_fuser.id)
    assert (item.status, item.location_kind, item.location_id) == (ItemStatus.REMOVED, HolderKind.ENGINEER, world.amy.id)
    assert item.site_id == world.north.id
    assert session.get(ReturnLine, uuid.UUID(ev["id"])).serialised_item_id == item.id
    assert engine_tasks(session) == [{"return_line_ids": [ev["id"]]}]

    again = resolve(dana, review["id"], "void_line")
    assert again.status == 409 and "already resolved (move_serial) by Dana" in again.json["message"]
    session.rollback()
    assert session.get(ReturnLine, uuid.UUID(ev["id"])).status == ReturnStatus.AWAITING_DISPOSITION
    assert open_reviews(dana) == []


def test_voiding_a_held_removal_writes_its_line_off_and_leaves_the_installed_base(amy, dana, world, session):
    ev = removal(amy, world.amy_job.id, "AR00000002")
    amy.push([ev])
    (review,) = open_reviews(dana)
    assert resolve(dana, review["id"], "void_line", "Wrong serial typed.").status == 200
    session.rollback()
    assert session.get(ReturnLine, uuid.UUID(ev["id"])).status == ReturnStatus.WRITTEN_OFF
    assert session.get(SerialisedItem, world.south_fuser.id).status == ItemStatus.INSTALLED


def test_a_serial_on_another_line_meanwhile_cannot_move_and_the_item_stays_open(amy, ben, dana, world, session):
    amy.push([removal(amy, world.amy_job.id, "AR00000002")])
    ben.push([removal(ben, world.ben_job.id, "AR00000002")])
    (review,) = open_reviews(dana)
    r = resolve(dana, review["id"], "move_serial")
    assert r.status == 409 and "is already logged as on its way back (on another return line" in r.json["message"]
    session.rollback()
    assert session.get(SerialisedItem, world.south_fuser.id).location_id == world.ben.id
    assert [x["id"] for x in open_reviews(dana)] == [review["id"]]


def test_moving_a_held_install_puts_the_serial_at_the_jobs_site(amy, dana, world, session):
    amy.push([amy.new_event("part_installed", world.amy_job.id, part_number="PRN-FUS-220", serial="AR00000002")])
    (review,) = open_reviews(dana)
    assert resolve(dana, review["id"], "move_serial").status == 200
    session.rollback()
    item = session.get(SerialisedItem, world.south_fuser.id)
    assert (item.status, item.site_id, item.location_id) == (ItemStatus.INSTALLED, world.north.id, world.north.id)


def test_a_resolution_needs_an_action_of_its_kind_and_a_comment(amy, dana, world, session):
    amy.push([removal(amy, world.amy_job.id, "AR00000002")])
    (review,) = open_reviews(dana)
    wrong = resolve(dana, review["id"], "complete_job")
    assert wrong.status == 422 and list(wrong.json["errors"]) == ["action"]
    blank = resolve(dana, review["id"], "void_line", comment="   ")
    assert blank.status == 422 and list(blank.json["errors"]) == ["comment"]
    unknown = resolve(dana, review["id"], "shrug")
    assert unknown.status == 422
    assert resolve(dana, 99999, "void_line").status == 404
    assert len(open_reviews(dana)) == 1


def test_the_queue_filters_by_status_kind_engineer_and_job(amy, ben, dana, world):
    amy.push([removal(amy, world.amy_job.id, "AR00000002")])
    ben.push([ben.new_event("part_installed", world.ben_job.id, part_number="PRN-FUS-220", serial="AR00000001")])
    assert len(open_reviews(dana)) == 2
    assert [r["kind"] for r in open_reviews(dana, engineer_id=world.ben.id)] == ["install_elsewhere"]
    assert [r["kind"] for r in open_reviews(dana, job_id=world.amy_job.id)] == ["removal_elsewhere"]
    done = open_reviews(dana, kind="removal_elsewhere")[0]
    resolve(dana, done["id"], "void_line")
    resolved = dana.request("GET", "/api/v1/reviews", params={"status": "resolved"}).json["items"]
    assert [r["id"] for r in resolved] == [done["id"]] and resolved[0]["actions"] == []


# --- a completion after a reassignment ---------------------------------------------------------------

def reassign_to_ben(session, world):
    from server.services.work.jobs import update_job

    update_job(session, world.amy_job.id, {"engineer_id": world.ben.id}, world.dana)


def test_the_old_engineers_completion_is_held_and_the_new_engineers_is_accepted(amy, ben, dana, world, session):
    reassign_to_ben(session, world)
    old = amy.new_event("job_completed", world.amy_job.id, notes="Amy's notes", customer_signoff_name="Sam")
    assert amy.push([old]).json["results"][0]["status"] == "accepted"
    session.rollback()
    job = session.get(Job, world.amy_job.id)
    assert (job.status, job.notes, job.customer_signoff_name) == (JobStatus.OPEN, None, None)

    new = ben.new_event("job_completed", world.amy_job.id, notes="Ben's notes", customer_signoff_name="Kim")
    assert ben.push([new]).json["results"][0]["status"] == "accepted"
    session.rollback()
    job = session.get(Job, world.amy_job.id)
    assert (job.status, job.notes, job.customer_signoff_name) == (JobStatus.COMPLETED, "Ben's notes", "Kim")
    (review,) = open_reviews(dana)
    assert (review["kind"], review["event_id"], review["engineer_id"]) == (
        "completion_after_reassignment", old["id"], world.amy.id)


def test_a_late_completion_of_the_old_engineer_keeps_the_new_engineers_sign_off(amy, ben, dana, world, session):
    reassign_to_ben(session, world)
    ben.push([ben.new_event("job_completed", world.amy_job.id, notes="Ben's notes", customer_signoff_name="Kim")])
    old = amy.new_event("job_completed", world.amy_job.id, notes="Amy's notes", customer_signoff_name="Sam")
    assert amy.push([old]).json["results"][0]["status"] == "accepted"
    session.rollback()
    job = session.get(Job, world.amy_job.id)
    assert (job.notes, job.customer_signoff_name) == ("Ben's notes", "Kim")
    (review,) = open_reviews(dana)
    r = resolve(dana, review["id"], "complete_job")
    assert r.status == 409 and "cannot be completed again" in r.json["message"]
    assert resolve(dana, review["id"], "dismiss").status == 200


def test_completing_a_job_from_a_held_completion_takes_its_notes(amy, dana, world, session):
    reassign_to_ben(session, world)
    amy.push([amy.new_event("job_completed", world.amy_job.id, notes="Amy's notes", customer_signoff_name="Sam")])
    (review,) = open_reviews(dana)
    assert resolve(dana, review["id"], "complete_job", "Amy did the job; Ben never went.").status == 200
    session.rollback()
    job = session.get(Job, world.amy_job.id)
    assert (job.status, job.notes, job.customer_signoff_name) == (JobStatus.COMPLETED, "Amy's notes", "Sam")


def test_two_dispatchers_resolving_at_once_get_one_success_and_one_409(live_server, world, session):
    amy, dana, root = (Phone(base_url=live_server.url) for _ in range(3))
    for phone, name in ((amy, "amy"), (dana, "dana"), (root, "root")):
        assert phone.sign_in(name).status == 200
    ev = removal(amy, world.amy_job.id, "AR00000002")
    amy.push([ev])
    (review,) = open_reviews(dana)
    answers = run_together(lambda: resolve(dana, review["id"], "move_serial"),
                           lambda: resolve(root, review["id"], "void_line"))
    assert sorted(a.status for a in answers) == [200, 409]
    winner = next(a for a in answers if a.status == 200).json["resolution"]
    session.rollback()
    line = session.get(ReturnLine, uuid.UUID(ev["id"]))
    assert (line.status == ReturnStatus.WRITTEN_OFF) == (winner == "void_line")
    assert (line.serialised_item_id is not None) == (winner == "move_serial")


def test_a_held_completion_still_leaves_the_courier_items_at_the_site(app, amy, dana, logistics, session):
    from common.enums import Disposition
    from server.runner import run_due
    from server.services.returns.overrides import override_disposition

    w = logistics.world
    ev = removal(amy, w.amy_job.id, "AR00000001")
    amy.push([ev])
    run_due(app)
    override_disposition(session, uuid.UUID(ev["id"]), Disposition.RECYCLE, "send to the recycler", w.dana)
    reassign_to_ben(session, w)
    amy.push([amy.new_event("job_completed", w.amy_job.id)])
    session.rollback()
    left = session.get(ReturnLine, uuid.UUID(ev["id"]))
    assert (left.holder_kind, left.holder_id) == (HolderKind.SITE, w.north.id)
    assert session.get(Job, w.amy_job.id).status == JobStatus.OPEN
    assert [r["kind"] for r in open_reviews(dana)] == ["completion_after_reassignment"]
