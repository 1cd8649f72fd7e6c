"""Overdue return lines: what the chasing job flagged, who holds it, and notifying again."""

import uuid

from flask import current_app, flash, g, redirect, render_template, request, url_for

from server.console import listings
from server.console.forms import ActionForm
from server.console.pages import staff_blueprint
from server.console.paging import page_number
from server.extensions import db
from server.models.types import utcnow
from server.services.returns.chasing import chase_line

bp = staff_blueprint("console_overdue", __name__, url_prefix="/console/overdue")


@bp.route("")
def list_overdue():
    page = listings.overdue_page(db.session, page_number(request.args.get("page")))
    return render_template("console/overdue.html", page=page, form=ActionForm(), now=utcnow(),
                           zone=current_app.config["SITE_TIMEZONE"])


@bp.route("/<uuid:line_id>/chase", methods=["POST"])
def chase(line_id: uuid.UUID):
    chase_line(db.session, line_id, g.staff)
    flash("Reminder sent again to whoever holds it.", "success")
    return redirect(url_for(".list_overdue", page=request.args.get("page", 1)), 303)
