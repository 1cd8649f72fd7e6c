"""Return lines: the searchable list, one line's page, and overriding its disposition."""

import uuid

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for

from common.enums import Disposition, ReturnStatus
from server.console import listings
from server.console.forms import OverrideForm, ReturnFilterForm, show_errors
from server.console.pages import staff_blueprint
from server.console.paging import page_number
from server.extensions import db
from server.models.types import utcnow
from server.services.returns.engine import UNDECIDED_OR_WAITING
from server.services.errors import ServiceError
from server.services.returns.overrides import override_disposition

bp = staff_blueprint("console_returns", __name__, url_prefix="/console/returns")


@bp.route("")
def list_returns():
    form = ReturnFilterForm(request.args)
    form.site.choices = [(None, "Any site")] + listings.sites(db.session)
    form.engineer.choices = [(None, "Any engineer")] + [(u.id, u.display_name) for u in listings.engineers(db.session)]
    filters = _filters(form) if form.validate() else listings.ReturnFilters()
    page = listings.returns_page(db.session, filters, page_number(request.args.get("page")), utcnow())
    return render_template("console/returns.html", form=form, page=page, now=utcnow())


def _filters(form: ReturnFilterForm) -> listings.ReturnFilters:
    return listings.ReturnFilters(
        text=(form.q.data or "").strip(),
        status=ReturnStatus(form.status.data) if form.status.data else None,
        disposition=Disposition(form.disposition.data) if form.disposition.data else None,
        site_id=form.site.data,
        engineer_id=form.engineer.data,
        part_number=(form.part_number.data or "").strip(),
        age=form.age.data or "",
        overdue_only=bool(form.overdue.data),
    )


@bp.route("/<uuid:line_id>", methods=["GET", "POST"])
def return_line(line_id: uuid.UUID):
    form = OverrideForm()
    status = 200
    if form.is_submitted():
        status = _override(line_id, form)
        if status == 303:
            flash("Disposition overridden; your comment is kept with the decision.", "success")
            return redirect(url_for(".return_line", line_id=line_id), 303)
    detail = listings.line_detail(db.session, line_id)
    if detail is None:
        abort(404, f"There is no return line {line_id}.")
    destinations = listings.destinations(db.session, detail.line.part.hazardous, utcnow().date())
    _fill_override_form(form, detail, destinations)
    return render_template(
        "console/return_line.html", detail=detail, form=form, can_override=detail.line.status in UNDECIDED_OR_WAITING,
        destinations=destinations, zone=current_app.config["SITE_TIMEZONE"],
    ), status


def _override(line_id: uuid.UUID, form: OverrideForm) -> int:
    form.facility.choices = [(None, "Chosen by the engine")] + listings.facility_choices(db.session)
    if not form.validate():
        return 422
    try:
        override_disposition(db.session, line_id, Disposition(form.disposition.data), form.comment.data, g.staff,
                             facility_id=form.facility.data)
    except ServiceError as err:
        db.session.rollback()
        if err.status == 404:
            raise
        show_errors(form, err)
        return 422
    return 303


def _fill_override_form(form: OverrideForm, detail: listings.LineDetail, destinations: listings.Destinations) -> None:
    """Offer the destinations able to perform the disposition shown; the others stay in the page, hidden,
    for static/override.js to offer when the dispatcher picks another disposition."""
    if not form.is_submitted() and detail.line.disposition is not None:
        form.disposition.data = detail.line.disposition.value
    shown = Disposition(form.disposition.data) if form.disposition.data in set(Disposition) else None
    form.facility.choices = [(None, "Chosen by the engine", {})] + [
        (facility_id, name, _option_attributes(facility_id, destinations, shown))
        for facility_id, name in destinations.names.items()
    ]


def _option_attributes(facility_id: int, destinations: listings.Destinations, shown: Disposition | None) -> dict:
    able = [d.value for d in Disposition if facility_id in destinations.able[d]]
    attributes = {"data-dispositions": " ".join(able)}
    if shown is not None and facility_id not in destinations.able[shown]:
        attributes.update(hidden=True, disabled=True)
    return attributes
