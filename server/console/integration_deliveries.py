"""An integration's feed webhooks that failed for good (the dead letters), and "resend from here"."""

import json

from flask import abort, current_app, flash, redirect, render_template, url_for

from server.api.fields import RECORD_ID
from server.console.forms import ActionForm
from server.console.pages import staff_blueprint
from server.console.security import admin_only
from server.extensions import db
from server.models import Integration
from server.services.integration.feed_webhooks import dead_letters, resend_from

bp = staff_blueprint("console_integration_deliveries", __name__, url_prefix="/console/integrations")


@bp.route(f"/<{RECORD_ID}:integration_id>/deliveries")
@admin_only
def deliveries(integration_id: int):
    """The failed deliveries, oldest event first, each with the event it carried."""
    integration = db.session.get(Integration, integration_id) or abort(404)
    failed = [(n, json.loads(n.content)) for n in dead_letters(db.session, integration_id)]
    return render_template("console/integration_deliveries.html", integration=integration, failed=failed,
                           action=ActionForm(), zone=current_app.config["SITE_TIMEZONE"])


@bp.route(f"/<{RECORD_ID}:integration_id>/deliveries/<{RECORD_ID}:notification_id>/resend", methods=["POST"])
@admin_only
def resend(integration_id: int, notification_id: int):
    """Queue this event's webhook again, and every later event's for the same integration."""
    if not ActionForm().validate():
        abort(400)
    count = resend_from(db.session, integration_id, notification_id)
    flash(f"{count} deliveries queued again, from this event on; the receiver drops any it already has by "
          "event id.", "success")
    return redirect(url_for(".deliveries", integration_id=integration_id), 303)
