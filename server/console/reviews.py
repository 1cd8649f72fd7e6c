"""Needs review: field events held because the records contradict them, and their resolution."""

from flask import current_app, flash, g, redirect, render_template, request, url_for

from common.enums import ReviewAction, ReviewStatus
from common.schemas import MAX_RECORD_ID
from server.console import listings
from server.console.forms import ResolveReviewForm, show_errors
from server.console.pages import staff_blueprint
from server.console.paging import page_number
from server.console.wording import label
from server.extensions import db
from server.logistics.reviews import REVIEW_ACTIONS
from server.services.sync import reviews
from server.services.errors import ServiceError

bp = staff_blueprint("console_reviews", __name__, url_prefix="/console/reviews")


def _status() -> ReviewStatus:
    raw = request.args.get("status", ReviewStatus.OPEN.value)
    return ReviewStatus(raw) if raw in {s.value for s in ReviewStatus} else ReviewStatus.OPEN


@bp.route("")
def list_reviews(form: ResolveReviewForm | None = None, failed: int | None = None, status_code: int = 200):
    status = _status()
    page = listings.reviews_page(db.session, status, page_number(request.args.get("page")))
    # An item resolved meanwhile is no longer listed: its errors go above the list.
    off_page = form is not None and failed not in {review.id for review in page.rows}
    return render_template(
        "console/reviews.html", page=page, status=status, statuses=list(ReviewStatus), actions=REVIEW_ACTIONS,
        form=form, failed=failed, off_page_errors=form.form_errors if off_page else [],
        zone=current_app.config["SITE_TIMEZONE"],
    ), status_code


@bp.route(f"/<int(min=1, max={MAX_RECORD_ID}):review_id>/resolve", methods=["POST"])
def resolve(review_id: int):
    form = ResolveReviewForm()
    if not form.validate():
        return list_reviews(form=form, failed=review_id, status_code=422)
    try:
        review = reviews.resolve_review(
            db.session, review_id, reviews.Resolution(ReviewAction(form.action.data), form.comment.data), g.staff)
    except ServiceError as err:
        db.session.rollback()
        show_errors(form, err)
        return list_reviews(form=form, failed=review_id, status_code=err.status)
    flash(f"Resolved: {label(review.resolution)}.", "success")
    return redirect(url_for(".list_reviews", page=request.args.get("page", 1)), 303)
