"""A day asked for a pickup, by its customer or a dispatcher: a hard fact that re-planning keeps.

The pickup leaves the day it was on (that day is re-planned without it) and is
planned on the day asked for, mandatory (server/services/planning/planning.py). No
cancellation goes out for the old day: the invitation for the new day is a
later revision of the same calendar event and replaces it.
"""

from datetime import date

import sqlalchemy.orm as so

from common.enums import PickupStatus
from server.database import begin_write
from server.logistics.plan_days import access_window, day_label, last_plannable_day, opening_days
from server.models import Pickup
from server.services.planning import plan_runs
from server.services.errors import Invalid, NotFound
from server.services.planning.planning import has_plan, replan_later, unschedule
from server.services.settings import setting, site_today


def check_day_asked(pickup: Pickup, day: date, field: str) -> None:
    """Refuse a day that is not after today, beyond the horizon, or when the site is closed."""
    today = site_today()
    last = last_plannable_day(today, setting("PLAN_HORIZON_DAYS"))
    if not today < day <= last:
        message = f"Choose a day from tomorrow to {day_label(last, today)}."
        raise Invalid(message, {field: [message]})
    hours = pickup.site.access_hours or {}
    if access_window(hours, day) is None:
        message = (f"{pickup.site.name} is closed on {day_label(day, today)}; "
                   f"it is open {opening_days(hours)}.")
        raise Invalid(message, {field: [message]})


def ask_for_day(session: so.Session, pickup: Pickup, day: date) -> None:
    """Take the pickup off its day and make `day` its requested day; joins the caller's transaction."""
    old_day = pickup.planned_date
    if pickup.status == PickupStatus.SCHEDULED and old_day != day:
        unschedule(session, pickup, reason=None, not_before=day)
        replan_later(session, old_day)
    pickup.requested_date = pickup.not_before = day
    pickup.customer_answer = None
    if has_plan(session, day):
        plan_runs.queue_plan(session, day)  # that day is planned already: plan it again, with this pickup


def move_pickup(session: so.Session, pickup_id: int, new_day: date, *, field: str = "day") -> Pickup:
    """A dispatcher moves a pickup to another day: it is planned that day, mandatory; owns the transaction.

    `field` names the day's input in the errors raised."""
    begin_write(session)
    pickup = session.get(Pickup, pickup_id)
    if pickup is None:
        raise NotFound(f"No pickup {pickup_id}.")
    if pickup.status not in (PickupStatus.OPEN, PickupStatus.SCHEDULED):
        raise Invalid(f"The pickup is {pickup.status}.", {"status": [f"A {pickup.status} pickup cannot move."]})
    check_day_asked(pickup, new_day, field)
    ask_for_day(session, pickup, new_day)
    session.commit()
    return pickup
