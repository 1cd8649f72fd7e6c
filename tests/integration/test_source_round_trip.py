"""Work in, facts out: a job the source booked is done on a phone, the source reads what happened to the
part from the feed, and its own stale view of that part never overwrites what Fieldloop logged."""

from datetime import timedelta

import sqlalchemy as sa

import factories as make
from common.enums import ItemStatus
from fake_source import FeedReader
from server.models import Job, SerialisedItem, Site
from server.runner import run_due
from source_records import item, northwind_estate


def test_a_removal_on_a_source_job_reaches_the_source_and_its_stale_record_is_kept_back(app, source, phone_of,
                                                                                     session, world):
    today = make.now().date()
    source.push_until_applied([northwind_estate(today)])
    job_id = session.scalar(sa.select(Job.id).where(Job.source == "erp", Job.external_id == "J-500"))
    amy = phone_of("amy")
    amy.sync_down()
    assert str(job_id) in amy.cached("job")
    removal = amy.new_event("part_removed", job_id, part_number="ERP-FUS-220", serial="FU000001",
                            condition="faulty", failure_code="no_power")
    assert amy.push([removal]).json["results"][0]["status"] == "accepted"
    run_due(app)

    about = [e for e in FeedReader(source, limit=50).read_to_end() if e["refs"].get("return_line_id") == removal["id"]]
    assert {"return_line.status_changed", "return_line.disposition_set"} <= {e["type"] for e in about}
    assert {(e["refs"]["job_id"], e["refs"]["serial"], e["refs"]["part_number"]) for e in about} == {
        (job_id, "FU000001", "ERP-FUS-220")}

    moved = item("I-1", "ERP-FUS-220", "FU000001", "S-101", today - timedelta(days=400))  # its books: moved
    (answer,) = source.push([moved])

    assert answer["result"] == "unchanged" and set(answer["kept"]) == {"site_external_id"}, answer
    session.rollback()
    unit = session.scalar(sa.select(SerialisedItem).where(SerialisedItem.serial == "FU000001"))
    north = session.scalar(sa.select(Site.id).where(Site.source == "erp", Site.external_id == "S-100"))
    assert unit.status != ItemStatus.INSTALLED and unit.site_id == north
