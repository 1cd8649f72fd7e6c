"""Users and devices: create engineers and dispatchers, reset a forgotten password, revoke a lost phone (after
confirming), re-enable it."""

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for

from common.enums import Role
from server.api.fields import RECORD_ID
from server.console import listings
from server.console.forms import ActionForm, CreateUserForm, ResetPasswordForm, show_errors
from server.console.pages import staff_blueprint
from server.console.paging import page_number
from server.console.security import admin_only, is_admin
from server.extensions import db
from server.models import User
from server.services.accounts import auth, password_changes
from server.services.errors import ServiceError
from server.sync.sequence import seq_tracker

bp = staff_blueprint("console_users", __name__, url_prefix="/console/users")


def _roles_allowed() -> list[tuple[str, str]]:
    # Dispatchers add engineers; a new dispatcher is an admin's decision.
    roles = [(Role.ENGINEER.value, "Engineer")]
    if is_admin():
        roles.append((Role.DISPATCHER.value, "Dispatcher"))
    return roles


@bp.route("")
def list_users(form: CreateUserForm | None = None, status: int = 200):
    form = form or CreateUserForm()
    form.role.choices = _roles_allowed()
    page = listings.users_page(db.session, page_number(request.args.get("page")))
    resettable = {row.user.id for row in page.rows if password_changes.may_reset_password(g.staff, row.user)}
    return render_template("console/users.html", page=page, form=form, action=ActionForm(), resettable=resettable,
                           zone=current_app.config["SITE_TIMEZONE"], admin=is_admin(), may_revoke=auth.may_revoke,
                           waiting_on=_waiting_on), status


def _waiting_on(device) -> int:
    return seq_tracker(device).waiting_on_device(device.reported_seq)


@bp.route("", methods=["POST"])
def create_user():
    form = CreateUserForm()
    form.role.choices = _roles_allowed()
    if not form.validate():
        return list_users(form, 422)
    try:
        user = auth.create_user(
            db.session, current_app.extensions["fieldloop.passwords"], username=form.username.data.strip(),
            role=Role(form.role.data), password=form.password.data, display_name=form.display_name.data.strip(),
            email=form.email.data or None,
        )
    except ServiceError as err:
        db.session.rollback()
        show_errors(form, err)
        return list_users(form, 422)
    flash(f"Created {user.role.value} {user.username}.", "success")
    return redirect(url_for(".list_users"), 303)


@bp.route(f"/<{RECORD_ID}:user_id>/password", methods=["GET", "POST"])
def reset_password(user_id: int):
    """Give a user a temporary password, to be changed at their next sign-in."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404, f"No user {user_id}.")
    if not password_changes.may_reset_password(g.staff, user):
        abort(403, "Dispatchers reset engineers' passwords; only an admin resets a dispatcher's or an admin's, "
                   "and nobody resets their own (change it instead).")
    form = ResetPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            password_changes.reset_password(db.session, current_app.extensions["fieldloop.passwords"],
                                            user_id=user.id, new_password=form.new_password.data, reset_by=g.staff)
        except ServiceError as err:
            db.session.rollback()
            show_errors(form, err)
            status = err.status
        else:
            flash(f"{user.display_name}'s password is reset; their phones and sessions are signed out. Tell them "
                  f"the temporary password: they choose a new one when they next sign in.", "success")
            return redirect(url_for(".list_users"), 303)
    elif form.is_submitted():
        status = 422
    return render_template("console/reset_password.html", user=user, form=form), status


# One view for both methods: with two rules on one path, an id out of range would answer 405, not 404.
@bp.route(f"/devices/<{RECORD_ID}:device_id>/revoke", methods=["GET", "POST"])
def revoke_device(device_id: int):
    """GET: what revoking will do, and the button that does it. POST: revoke."""
    if request.method == "GET":
        device = auth.device_to_revoke(db.session, device_id, g.staff)
        return render_template("console/revoke_device.html", device=device, action=ActionForm(),
                               waiting=_waiting_on(device), zone=current_app.config["SITE_TIMEZONE"],
                               page_number=page_number(request.args.get("page")))
    if not ActionForm().validate():
        abort(400)
    device = auth.revoke_device(db.session, device_id, g.staff)
    flash(f"Device {device.label or device.device_uid} revoked: its sign-in has ended. Entries waiting on it "
          "stay on the phone until an admin re-enables it.", "success")
    return redirect(url_for(".list_users", page=request.args.get("page", 1)), 303)


@bp.route(f"/devices/<{RECORD_ID}:device_id>/enable", methods=["POST"])
@admin_only
def enable_device(device_id: int):
    if not ActionForm().validate():
        abort(400)
    device = auth.enable_device(db.session, device_id)
    flash(f"Device {device.label or device.device_uid} re-enabled: at its next sign-in it sends the entries "
          "waiting on it.", "success")
    return redirect(url_for(".list_users", page=request.args.get("page", 1)), 303)
