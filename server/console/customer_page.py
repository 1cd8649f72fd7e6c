"""The customer's pickup page, opened from the signed link in the pickup email (no account):
the window, the items and where each one is; confirm, not ready, or another day."""

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, url_for

from common.enums import CustomerAnswer, PickupStatus
from server.console import listings, security
from server.console.forms import CustomerAnswerForm, show_errors
from server.console.pages import page_blueprint
from server.console.wording import today_in
from server.extensions import db
from server.services.planning.customer import answer_pickup, pickup_for_link
from server.services.errors import ServiceError

bp = page_blueprint("customer", __name__, url_prefix="/pickup", error_template="customer/link_problem.html")

ANSWERED = {
    CustomerAnswer.CONFIRMED: "Thank you: we will come as planned.",
    CustomerAnswer.NOT_READY: ("Thank you: we will not come on that day. We will email you the new window; "
                               "if a day suits you, you can choose it below."),
    CustomerAnswer.ANOTHER_DAY: "Thank you: we will plan the pickup for the day you chose and email you the new window.",
}


@bp.before_request
def _check_csrf():
    security.csrf.protect()


@bp.route("/<token>", methods=["GET", "POST"])
def pickup_page(token: str):
    pickup = pickup_for_link(db.session, token)
    form = CustomerAnswerForm(open_weekdays=_open_weekdays(pickup))
    status = 200
    if form.is_submitted():
        if form.validate():
            answer = CustomerAnswer(form.answer.data)
            try:
                answer_pickup(db.session, token, answer, form.another_day.data if answer == CustomerAnswer.ANOTHER_DAY else None)
            except ServiceError as err:
                db.session.rollback()
                if err.status in (403, 404):
                    raise
                show_errors(form, err)
                status = 422
            else:
                flash(ANSWERED[answer], "success")
                return redirect(url_for(".pickup_page", token=token), 303)
        else:
            status = 422
        pickup = pickup_for_link(db.session, token)
    today = today_in(current_app.config["SITE_TIMEZONE"])
    return render_template(
        "customer/pickup.html", pickup=pickup, items=listings.pickup_items(db.session, pickup.id), form=form, zone=current_app.config["SITE_TIMEZONE"],
        can_answer=pickup.status in (PickupStatus.OPEN, PickupStatus.SCHEDULED),
        can_confirm=pickup.status == PickupStatus.SCHEDULED,
        can_say_not_ready=pickup.status == PickupStatus.SCHEDULED or pickup.customer_answer != CustomerAnswer.NOT_READY,
        first_day=today + timedelta(days=1), last_day=today + timedelta(days=form.max_days),
    ), status


def _open_weekdays(pickup) -> set[int]:
    """The weekdays (0 = Monday) the site is open; every weekday when its hours are not known."""
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    hours = pickup.site.access_hours or {}
    open_days = {i for i, name in enumerate(names) if hours.get(name)}
    return open_days or set(range(5))
