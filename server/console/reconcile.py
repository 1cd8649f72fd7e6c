"""Reconciling the source system's balances in the console: upload a balance file, see the differences and
the movements that explain them, agree a reconciliation (server/services/integration/reconcile.py)."""

import sqlalchemy as sa
from flask import current_app, flash, g, redirect, render_template, url_for

from server.api.fields import RECORD_ID
from server.console.forms import ActionForm, ReconcileForm
from server.console.pages import staff_blueprint
from server.extensions import db
from server.models import Reconciliation
from server.services.errors import ServiceError
from server.services.integration import reconcile as service
from server.services.master_data.imports import decode

bp = staff_blueprint("console_reconcile", __name__, url_prefix="/console/stock/reconcile")

#: Reconciliations listed on the page, latest first.
RECENT_SHOWN = 20


@bp.route("")
def reconcile_page(form: ReconcileForm | None = None, row_errors: list | None = None, status: int = 200):
    recent = db.session.scalars(sa.select(Reconciliation).order_by(Reconciliation.id.desc()).limit(RECENT_SHOWN)).all()
    return render_template("console/reconcile.html", form=form or ReconcileForm(formdata=None), recent=recent,
                           row_errors=row_errors or [], agreed=service.last_agreed(db.session), counts=service.counts,
                           zone=current_app.config["SITE_TIMEZONE"]), status


@bp.route("", methods=["POST"])
def upload():
    form = ReconcileForm()
    if not form.validate():
        return reconcile_page(form=form, status=422)
    upload_file = form.file.data
    try:
        rows = service.read_balance_file(decode(upload_file.read()))
        reconciliation = service.reconcile(db.session, form.as_of.data, rows, g.staff,
                                           zone=current_app.config["SITE_TIMEZONE"], rows_field="file",
                                           filename=(upload_file.filename or "")[:200] or None)
    except ServiceError as err:
        db.session.rollback()
        return reconcile_page(form=form, row_errors=_placed(form, err), status=err.status)
    return redirect(url_for(".reconciliation_page", reconciliation_id=reconciliation.id), 303)


def _placed(form: ReconcileForm, err: ServiceError) -> list[tuple[str, str, str]]:
    """The date's and the file's errors under their fields; each bad row's as (line, column, message)."""
    errors = err.errors or {}
    form.as_of.errors = list(form.as_of.errors) + errors.get("as_of", [])
    rows = errors.get("file", [])
    if isinstance(rows, list):
        form.file.errors = list(form.file.errors) + rows
        return []
    form.file.errors = list(form.file.errors) + [f"{len(rows)} row{'s' if len(rows) != 1 else ''} of the file "
                                                 "are wrong; nothing was compared or stored."]
    return [(line, column, message) for line, columns in rows.items()
            for column, messages in columns.items() for message in messages]


@bp.route(f"/<{RECORD_ID}:reconciliation_id>")
def reconciliation_page(reconciliation_id: int):
    reconciliation = service.get(db.session, reconciliation_id)
    return render_template("console/reconciliation.html", reconciliation=reconciliation,
                           movements=service.explaining_movements(db.session, reconciliation),
                           counts=service.counts(reconciliation), agreed=service.last_agreed(db.session),
                           form=ActionForm(), zone=current_app.config["SITE_TIMEZONE"])


@bp.route(f"/<{RECORD_ID}:reconciliation_id>/agree", methods=["POST"])
def agree(reconciliation_id: int):
    try:
        service.agree(db.session, reconciliation_id, g.staff)
    except ServiceError as err:
        db.session.rollback()
        flash(" ".join(m for ms in (err.errors or {}).values() for m in ms) or err.message, "error")
    else:
        flash("Agreed: the next reconciliation explains its differences by the movements since this one.", "success")
    return redirect(url_for(".reconciliation_page", reconciliation_id=reconciliation_id), 303)
