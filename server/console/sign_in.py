"""Signing in to the console and out again, and choosing a new password: dispatchers and admins only."""

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for

from server.api.auth import sign_in_policy
from server.console import security
from server.console.forms import ActionForm, ChangePasswordForm, SignInForm, show_errors
from server.console.pages import page_blueprint
from server.extensions import db
from server.services.accounts import auth, password_changes
from server.services.errors import ServiceError, TooManyAttempts, Unauthorized

bp = page_blueprint("console_auth", __name__, url_prefix="/console")


@bp.before_request
def _check_csrf():
    security.csrf.protect()


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form = SignInForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        try:
            user = auth.check_password(
                db.session, current_app.extensions["fieldloop.passwords"], sign_in_policy(),
                username=form.username.data.strip(), password=form.password.data,
                remote_addr=request.remote_addr or "unknown",
            )
        except Unauthorized as err:
            form.form_errors.append(err.message)
            status = 401
        except TooManyAttempts as err:
            form.form_errors.append(err.message)
            status = 429
        else:
            if user.role not in security.STAFF:
                form.form_errors.append("The console is for dispatchers and admins. Engineers use the field app.")
                status = 403
            else:
                security.open_session(user)
                if user.must_change_password:
                    return redirect(url_for(".change_password"))
                return redirect(_safe_next(form.next.data) or url_for("console_overview.overview"))
    elif form.is_submitted():
        status = 400
    return render_template("console/sign_in.html", form=form), status


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    """Sign out: the session ends on the server too, so a copied cookie opens nothing afterwards."""
    if ActionForm().validate_on_submit():
        security.close_session()
        flash("You are signed out.", "info")
    return redirect(url_for("console_auth.sign_in"))


@bp.route("/password", methods=["GET", "POST"])
def change_password():
    """Choose a new password: asked for after a reset, open to any signed-in staff member."""
    user = security.signed_in_user() or security.password_change_pending()
    if user is None:
        return redirect(url_for(".sign_in", next=url_for(".change_password")))
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = password_changes.change_password(
                db.session, current_app.extensions["fieldloop.passwords"], sign_in_policy(),
                username=user.username, password=form.current_password.data, new_password=form.new_password.data,
                remote_addr=request.remote_addr or "unknown",
            )
        except Unauthorized:
            db.session.rollback()
            form.current_password.errors = ["This is not your current password."]
            status = 422
        except ServiceError as err:
            db.session.rollback()
            show_errors(form, err)
            status = err.status
        else:
            security.open_session(user)
            flash("Your password is changed. Other sessions and the phones signed in with the old one are "
                  "signed out.", "success")
            return redirect(url_for("console_overview.overview"), 303)
    elif form.is_submitted():
        status = 422
    return render_template("console/change_password.html", form=form, pending=user.must_change_password), status


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never send a signed-in user off to another host.

    A target with any control character is refused whole: browsers drop tabs and
    line breaks from a URL, so "/%09/evil.example" would lead to //evil.example.
    """
    if not target or not target.isprintable() or "\\" in target or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    return target
