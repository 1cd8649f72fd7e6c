"""Shortages: replacement units nothing could be set aside for, with their job and date, and trying again."""

from flask import current_app, flash, redirect, render_template, request, url_for

from server.console import listings
from server.console.forms import ActionForm
from server.console.pages import staff_blueprint
from server.console.paging import page_number
from server.extensions import db
from server.services.stock.reservations import retry_shortages_now

bp = staff_blueprint("console_shortages", __name__, url_prefix="/console/shortages")


@bp.route("")
def list_shortages():
    page = listings.shortages_page(db.session, page_number(request.args.get("page")))
    return render_template("console/shortages.html", page=page, form=ActionForm(),
                           zone=current_app.config["SITE_TIMEZONE"])


@bp.route("/retry", methods=["POST"])
def retry():
    met = retry_shortages_now(db.session)
    flash(f"{met} shortage{'s' if met != 1 else ''} now held from stock." if met else
          "No stock has arrived for any shortage yet.", "success" if met else "info")
    return redirect(url_for(".list_shortages"), 303)
