"""Integration accounts for admins: create one, issue a key (shown once, on the answer to the form that issued
it), revoke a key, set or remove its webhook, disable or enable the integration."""

from flask import abort, current_app, flash, g, redirect, render_template, url_for

from server.api.fields import RECORD_ID
from server.console.forms import ActionForm, CreateIntegrationForm, IssueKeyForm, WebhookForm, show_errors
from server.console.pages import staff_blueprint
from server.console.security import admin_only
from server.extensions import db
from server.models import IntegrationKey
from server.services.errors import ServiceError
from server.services.integration import accounts

bp = staff_blueprint("console_integrations", __name__, url_prefix="/console/integrations")


@bp.route("")
@admin_only
def list_integrations(form: CreateIntegrationForm | None = None, issued: tuple | None = None,
                      key_form: tuple[int, IssueKeyForm] | None = None,
                      webhook_form: tuple[int, WebhookForm] | None = None, status: int = 200):
    """Every integration with its keys, the forms that issue each a key and set its webhook, and the form of a
    new integration."""
    return render_template("console/integrations.html", integrations=accounts.integrations(db.session),
                           form=form or CreateIntegrationForm(), key_form=key_form, issued=issued,
                           webhook_form=webhook_form, action=ActionForm(), key_form_of=key_form_of,
                           webhook_form_of=webhook_form_of, zone=current_app.config["SITE_TIMEZONE"]), status


@bp.route("", methods=["POST"])
@admin_only
def create_integration():
    form = CreateIntegrationForm()
    if not form.validate():
        return list_integrations(form, status=422)
    try:
        integration = accounts.create_integration(db.session, form.name.data, form.source.data, g.staff)
    except ServiceError as err:
        db.session.rollback()
        show_errors(form, err)
        return list_integrations(form, status=err.status)
    flash(f"Created the integration {integration.name} (source {integration.source}). Issue it a key.", "success")
    return redirect(url_for(".list_integrations"), 303)


def key_form_of(integration_id: int) -> IssueKeyForm:
    """The key form of one integration of the page, its fields named apart from the other integrations'."""
    return IssueKeyForm(prefix=f"integration-{integration_id}")


@bp.route(f"/<{RECORD_ID}:integration_id>/keys", methods=["POST"])
@admin_only
def issue_key(integration_id: int):
    """The new key is on this answer only: never in a flash message (the session cookie is readable)."""
    form = key_form_of(integration_id)
    if not form.validate():
        return list_integrations(key_form=(integration_id, form), status=422)
    try:
        key, plain = accounts.issue_key(db.session, integration_id, form.label.data, g.staff)
    except ServiceError as err:
        db.session.rollback()
        show_errors(form, err)
        return list_integrations(key_form=(integration_id, form), status=err.status)
    emptied = IssueKeyForm(formdata=None, prefix=f"integration-{integration_id}")
    return list_integrations(issued=(key, plain), key_form=(integration_id, emptied), status=201)


def webhook_form_of(integration) -> WebhookForm:
    """The webhook form of one integration, showing its URL (never its secret)."""
    return WebhookForm(prefix=f"webhook-{integration.id}", url=integration.webhook_url)


@bp.route(f"/<{RECORD_ID}:integration_id>/webhook", methods=["POST"])
@admin_only
def set_webhook(integration_id: int):
    """Set the URL and secret the feed's events are posted with; an empty URL removes the webhook."""
    form = WebhookForm(prefix=f"webhook-{integration_id}")
    if not form.validate():
        return list_integrations(webhook_form=(integration_id, form), status=422)
    try:
        integration = accounts.set_webhook(db.session, integration_id, form.url.data, form.secret.data,
                                           allow_loopback=current_app.config["WEBHOOK_ALLOW_LOOPBACK"])
    except ServiceError as err:
        db.session.rollback()
        show_errors(form, err)
        return list_integrations(webhook_form=(integration_id, form), status=err.status)
    flash(f"{integration.name}: feed events are posted to {integration.webhook_url}." if integration.webhook_url
          else f"{integration.name}: no webhook any more.", "success")
    return redirect(url_for(".list_integrations"), 303)


@bp.route(f"/<{RECORD_ID}:integration_id>/keys/<{RECORD_ID}:key_id>/revoke", methods=["POST"])
@admin_only
def revoke_key(integration_id: int, key_id: int):
    if not ActionForm().validate():
        abort(400)
    key = db.session.get(IntegrationKey, key_id)
    if key is None or key.integration_id != integration_id:
        abort(404, f"Integration {integration_id} has no key {key_id}.")
    key = accounts.revoke_key(db.session, key_id, g.staff)
    flash(f"Key {key.label} (flk_{key.prefix}_…) revoked: it is refused from now on.", "success")
    return redirect(url_for(".list_integrations"), 303)


@bp.route(f"/<{RECORD_ID}:integration_id>/<any(disable, enable):change>", methods=["POST"])
@admin_only
def set_disabled(integration_id: int, change: str):
    if not ActionForm().validate():
        abort(400)
    integration = accounts.set_disabled(db.session, integration_id, change == "disable", g.staff)
    flash(f"{integration.name} {'disabled: all its keys are refused' if integration.disabled else 'enabled'}.",
          "success")
    return redirect(url_for(".list_integrations"), 303)
