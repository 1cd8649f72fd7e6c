"""What a customer does through the signed link of a pickup email: look, confirm, postpone."""

from datetime import date, timedelta

import sqlalchemy.orm as so

from common.enums import CustomerAnswer, PickupStatus
from server.database import begin_write
from server.models import Pickup
from server.models.types import utcnow
from server.notify.links import ExpiredLink, InvalidLink, read_pickup_token
from server.services.errors import Forbidden, Invalid, NotFound
from server.services.planning.pickup_days import ask_for_day, check_day_asked
from server.services.planning.planning import replan_later, unschedule
from server.services.settings import setting, site_today


def pickup_for_link(session: so.Session, token: str) -> Pickup:
    try:
        claims = read_pickup_token(setting("SECRET_KEY"), token, now=utcnow())
    except ExpiredLink as err:
        raise Forbidden("This link has expired. Reply to the email and we will send a new one.") from err
    except InvalidLink as err:
        raise Forbidden("This link is not valid. Please use the link in your latest email.") from err
    pickup = session.get(Pickup, int(claims.pickup_id))
    if pickup is None:
        raise NotFound("This pickup no longer exists.")
    return pickup


def answer_pickup(session: so.Session, token: str, answer: CustomerAnswer, another_day: date | None = None) -> Pickup:
    """Record the customer's answer; "not ready" and "another day" take the visit off its day; owns the transaction.

    The day asked for is kept: the pickup is planned that day (server/services/planning/pickup_days.py).
    """
    pickup = pickup_for_link(session, token)
    begin_write(session)
    pickup = session.get(Pickup, pickup.id)
    if answer == CustomerAnswer.ANOTHER_DAY and another_day is None:
        raise Invalid("Choose the day you would like.", {"another_day": ["Choose a day."]})
    if pickup.status not in (PickupStatus.OPEN, PickupStatus.SCHEDULED):
        raise Invalid(f"The items have already been {pickup.status}.", {"answer": [f"This pickup is {pickup.status}."]})
    if answer == CustomerAnswer.CONFIRMED and pickup.status != PickupStatus.SCHEDULED:
        raise Invalid("There is no planned visit to confirm: we will email you the day and time when we plan one.",
                      {"answer": ["No visit is planned yet."]})
    if answer == CustomerAnswer.ANOTHER_DAY:
        check_day_asked(pickup, another_day, "another_day")
        ask_for_day(session, pickup, another_day)
    elif answer == CustomerAnswer.NOT_READY:
        old_day = pickup.planned_date
        not_before = (old_day or site_today()) + timedelta(days=1)
        pickup.requested_date = None
        if pickup.status == PickupStatus.SCHEDULED:
            unschedule(session, pickup, reason="You told us the items are not ready.", not_before=not_before)
            replan_later(session, old_day)
        else:
            pickup.not_before = not_before
    pickup.customer_answer, pickup.customer_answered_at = answer, utcnow()
    session.commit()
    return pickup
