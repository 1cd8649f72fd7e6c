"""A dispatcher overrides the engine's disposition of a line, with a comment that is kept."""

import uuid

import sqlalchemy.orm as so

from common.enums import Disposition, ReturnStatus
from server.database import begin_write
from server.logistics import disposition as engine
from server.logistics.carbon import co2e_avoided_kg
from server.logistics.destination import choose_destination
from server.logistics.policy import Policy
from server.models import ReturnLine, User
from server.models.types import utcnow
from server.services.returns.engine import UNDECIDED_OR_WAITING, apply_decision, engine_line, facility_options
from server.services.stock.need import stock_needs
from server.services.errors import Invalid, NotFound
from server.services.settings import current_policy


def override_disposition(
    session: so.Session, line_id: uuid.UUID, disposition: Disposition, comment: str, by: User,
    facility_id: int | None = None, *, policy: Policy | None = None,
) -> ReturnLine:
    policy = policy or current_policy()
    begin_write(session)
    if not (comment or "").strip():
        raise Invalid("Say why you override the engine.", {"comment": ["A comment is required."]})
    line = session.get(ReturnLine, line_id)
    if line is None:
        raise NotFound(f"No return line {line_id}.")
    if line.status not in UNDECIDED_OR_WAITING:
        raise Invalid(f"This line is {line.status}: its disposition can no longer change.",
                      {"disposition": [f"Too late: the line is {line.status}."]})
    now = utcnow()
    facilities = facility_options(session, now.date())
    item = engine_line(line, stock_needs(session, [line.part_number_id]).get(line.part_number_id, ()))
    rule = engine.scrap_barred_by(item, list(facilities.values()), policy) if disposition == Disposition.SCRAP else None
    if rule is not None:
        message = f"Scrapping is not allowed ({rule.name}) while a certified recycler is reachable."
        raise Invalid(message, {"disposition": [message]})
    if facility_id is None:
        choice = choose_destination(disposition, list(facilities.values()), policy, lat=item.site_lat,
                                    lon=item.site_lon, quantity=item.quantity, hazardous=item.part.hazardous)
        if choice.chosen is None:
            raise Invalid(choice.reason, {"facility_id": [choice.reason]})
        facility = choice.chosen.facility
    else:
        facility = facilities.get(facility_id)
        refusal = f"There is no facility {facility_id}" if facility is None else facility.refusal(
            disposition, item.part.hazardous)
        if refusal:
            raise Invalid("That facility cannot do this.",
                          {"facility_id": [f"{refusal}: choose another destination, or let the engine choose."]})
    decision = engine.DispositionDecision(
        disposition=disposition, facility=facility, expected_value=engine.value_at(disposition, item, facility, policy),
        reason=f"Overridden by {by.display_name}: {comment.strip()}", alternatives=(),
        deadline=line.deadline.date() if line.deadline and disposition == Disposition.RETURN_TO_VENDOR else None,
        co2e_avoided_kg=round(co2e_avoided_kg(disposition, item, policy), 2),
    )
    if line.status == ReturnStatus.AWAITING_PICKUP and line.pickup is not None and line.pickup.status != "open":
        raise Invalid("The line is on a scheduled pickup; move the pickup first.",
                      {"disposition": ["The line is on a scheduled pickup."]})
    apply_decision(session, line, decision, facilities, policy, now, by=by, comment=comment.strip())
    line.disposition_overridden_by_id, line.disposition_overridden_at = by.id, now
    line.override_comment = comment.strip()
    session.commit()
    return line
