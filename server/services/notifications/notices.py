"""What customers, dispatchers and engineers are told, built from the database and queued.

Each function composes the message (server/notify) for a pickup or a set of
lines and puts it in the outbox, with the customer's webhook alongside. The
idempotency key names the event, so asking twice queues it once. Every function
runs in the caller's transaction: a message is queued only if the decision that
prompted it commits.
"""

from datetime import datetime, timedelta
from email.utils import parseaddr

import sqlalchemy as sa
import sqlalchemy.orm as so

from common.enums import HolderKind
from server.models import Pickup, ReturnLine, User
from server.models.types import utcnow
from server.notify import messages
from server.notify.links import make_pickup_token
from server.services.notifications.outbox import queue_email, queue_webhook
from server.services.settings import setting


def _sender() -> messages.Sender:
    return messages.Sender(setting("MAIL_FROM"), setting("MAIL_REPLY_TO"))


def _organiser_email() -> str:
    return parseaddr(setting("MAIL_FROM"))[1]


def _item(line: ReturnLine) -> messages.ItemLine:
    return messages.ItemLine(line.part.part_number, line.part.description, line.serial, line.quantity)


def pickup_link(pickup: Pickup) -> str:
    expires = (pickup.window_end or utcnow()) + timedelta(days=setting("CUSTOMER_LINK_TTL_DAYS"))
    token = make_pickup_token(setting("SECRET_KEY"), pickup.id, pickup.site.contact_email or "", expires)
    return f"{setting('PUBLIC_BASE_URL').rstrip('/')}/pickup/{token}"


def _pickup_notice(pickup: Pickup) -> messages.PickupNotice:
    site = pickup.site
    return messages.PickupNotice(
        pickup_ref=pickup.reference, site_name=site.name, site_address=site.address,
        contact_name=site.contact_name or "", contact_email=site.contact_email, window_start=pickup.window_start,
        window_end=pickup.window_end, items=tuple(_item(line) for line in pickup.lines), link_url=pickup_link(pickup),
        sequence=pickup.calendar_sequence, organiser_email=_organiser_email(), lat=site.latitude,
        lon=site.longitude, site_timezone=setting("SITE_TIMEZONE"),
    )


def _webhook_items(lines) -> list[dict]:
    return [{"return_line_id": str(line.id), "part_number": line.part.part_number, "serial": line.serial,
             "quantity": line.quantity, "status": str(line.status)} for line in lines]


def pickup_scheduled(session: so.Session, pickup: Pickup, previous_window: tuple[datetime, datetime] | None = None) -> None:
    """The pickup has a (new) window: tell the site contact, with a calendar invitation."""
    if not pickup.site.contact_email:
        return
    key = f"pickup:{pickup.id}:seq:{pickup.calendar_sequence}"
    notice = _pickup_notice(pickup)
    if previous_window is None:
        message = messages.pickup_scheduled(notice, _sender(), idempotency_key=key, now=utcnow())
        kind = "pickup_scheduled"
    else:
        message = messages.pickup_changed(notice, _sender(), idempotency_key=key, now=utcnow(),
                                          previous_window=previous_window)
        kind = "pickup_changed"
    queue_email(session, message, kind=kind, idempotency_key=key, pickup_id=pickup.id)
    queue_webhook(session, pickup.site.customer, kind, _pickup_payload(pickup), idempotency_key=key, pickup_id=pickup.id)


def pickup_cancelled(session: so.Session, pickup: Pickup, window: tuple[datetime, datetime], reason: str) -> None:
    """The visit the contact was told about will not happen (they asked, or nothing is left)."""
    if not pickup.site.contact_email:
        return
    key = f"pickup:{pickup.id}:seq:{pickup.calendar_sequence}:cancel"
    notice = _pickup_notice(pickup)
    notice = messages.PickupNotice(**{**notice.__dict__, "window_start": window[0], "window_end": window[1]})
    message = messages.pickup_changed(notice, _sender(), idempotency_key=key, now=utcnow(), cancelled=True,
                                      reason=reason)
    queue_email(session, message, kind="pickup_cancelled", idempotency_key=key, pickup_id=pickup.id)
    queue_webhook(session, pickup.site.customer, "pickup_cancelled", _pickup_payload(pickup), idempotency_key=key,
                  pickup_id=pickup.id)


def requested_day_refused(session: so.Session, pickup: Pickup, asked_day: str, reason: str,
                          new_day: str | None) -> None:
    """The day the customer (or a dispatcher) asked for cannot be kept: say why, and which day it will be."""
    key = f"pickup:{pickup.id}:refused:{asked_day}"
    if pickup.site.contact_email:
        notice = messages.DayRefusedNotice(
            pickup_ref=pickup.reference, site_name=pickup.site.name, contact_name=pickup.site.contact_name or "",
            contact_email=pickup.site.contact_email, asked_day=asked_day, reason=reason, new_day=new_day,
            link_url=pickup_link(pickup),
        )
        queue_email(session, messages.requested_day_refused(notice, _sender(), idempotency_key=key, now=utcnow()),
                    kind="requested_day_refused", idempotency_key=key, pickup_id=pickup.id)
    queue_webhook(session, pickup.site.customer, "requested_day_refused",
                  {**_pickup_payload(pickup), "asked_day": asked_day, "reason": reason, "new_day": new_day},
                  idempotency_key=key, pickup_id=pickup.id)


def pickup_reminder(session: so.Session, pickup: Pickup) -> None:
    if not pickup.site.contact_email:
        return
    key = f"pickup:{pickup.id}:reminder:{pickup.planned_date}"
    message = messages.pickup_reminder(_pickup_notice(pickup), _sender(), idempotency_key=key, now=utcnow())
    queue_email(session, message, kind="pickup_reminder", idempotency_key=key, pickup_id=pickup.id)


def items_collected(session: so.Session, pickup: Pickup) -> None:
    site = pickup.site
    key = f"pickup:{pickup.id}:collected"
    if site.contact_email:
        notice = messages.CollectionNotice(
            pickup_ref=pickup.reference, site_name=site.name, contact_name=site.contact_name or "",
            contact_email=site.contact_email, collected_at=pickup.collected_at,
            items=tuple(_item(line) for line in pickup.lines), site_timezone=setting("SITE_TIMEZONE"),
        )
        queue_email(session, messages.items_collected(notice, _sender(), idempotency_key=key, now=utcnow()),
                    kind="items_collected", idempotency_key=key, pickup_id=pickup.id)
    queue_webhook(session, site.customer, "items_collected", _pickup_payload(pickup), idempotency_key=key,
                  pickup_id=pickup.id)


def items_received(session: so.Session, pickup: Pickup, facility_name: str) -> None:
    site = pickup.site
    key = f"pickup:{pickup.id}:received"
    if site.contact_email:
        notice = messages.ReceiptNotice(
            pickup_ref=pickup.reference, site_name=site.name, contact_name=site.contact_name or "",
            contact_email=site.contact_email, facility_name=facility_name,
            lines=tuple(messages.ReceivedLine(_item(line), line.received_at, line.disposition) for line in pickup.lines),
            site_timezone=setting("SITE_TIMEZONE"),
        )
        queue_email(session, messages.items_received(notice, _sender(), idempotency_key=key, now=utcnow()),
                    kind="items_received", idempotency_key=key, pickup_id=pickup.id)
    queue_webhook(session, site.customer, "items_received", _pickup_payload(pickup), idempotency_key=key,
                  pickup_id=pickup.id)


def overdue_alert(session: so.Session, lines: list[ReturnLine], recipients: list[User], key: str) -> None:
    """Tell dispatchers and the engineers holding them which lines are late."""
    emails = tuple(sorted({u.email for u in recipients if u.email}))
    if not emails or not lines:
        return
    engineer_ids = {line.holder_id for line in lines if line.holder_kind == HolderKind.ENGINEER}
    holders = dict(session.execute(sa.select(User.id, User.display_name).where(User.id.in_(engineer_ids))).all())
    alert = messages.OverdueAlert(
        recipients=emails, threshold_days=setting("OVERDUE_PICKUP_DAYS"),
        lines=tuple(messages.OverdueLine(
            return_ref=str(line.id)[:8], item=_item(line), site_name=line.origin_site.name, status=line.status,
            held_by=holders.get(line.holder_id, "an engineer") if line.holder_kind == HolderKind.ENGINEER
            else _holder_place(line), since=line.removed_at,
        ) for line in lines),
        console_url=f"{setting('PUBLIC_BASE_URL').rstrip('/')}/console/overdue",
        local_timezone=setting("SITE_TIMEZONE"),
    )
    queue_email(session, messages.overdue_alert(alert, _sender(), idempotency_key=key, now=utcnow()),
                kind="overdue_alert", idempotency_key=key)


def _holder_place(line: ReturnLine) -> str:
    if line.holder_kind == HolderKind.SITE:
        return f"the site ({line.origin_site.name})"
    return str(line.holder_kind)


def _pickup_payload(pickup: Pickup) -> dict:
    return {
        "pickup": pickup.reference, "site": pickup.site.name, "status": str(pickup.status),
        "window_start": pickup.window_start.isoformat() if pickup.window_start else None,
        "window_end": pickup.window_end.isoformat() if pickup.window_end else None,
        "items": _webhook_items(pickup.lines),
    }
