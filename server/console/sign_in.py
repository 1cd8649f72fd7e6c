"""Signing in to the console and out again: dispatchers and admins only."""

from flask import current_app, flash, redirect, render_template, request, url_for

from server.api.auth import sign_in_policy
from server.console import security
from server.console.forms import ActionForm, SignInForm
from server.console.pages import page_blueprint
from server.extensions import db
from server.services import auth
from server.services.errors import TooManyAttempts, Unauthorized

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
                return redirect(_safe_next(form.next.data) or url_for("console_overview.overview"))
    elif form.is_submitted():
        status = 400
    return render_template("console/sign_in.html", form=form), status


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    if ActionForm().validate_on_submit():
        security.close_session()
        flash("You are signed out.", "info")
    return redirect(url_for("console_auth.sign_in"))


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never send a signed-in user off to another host."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None
