"""How every console blueprint is made: staff only, CSRF-checked forms, errors shown as pages;
and the security headers every page answers with (the record views under /console/admin too)."""

from flask import Blueprint, Flask, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from server.console.security import require_staff
from server.logistics.states import IllegalTransition
from server.services.errors import ServiceError

#: Pages may draw only on what the app itself serves (tiles are added when configured).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: {tiles}; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
#: Where the HTML pages are: the console (its record views included) and the customer's pickup page.
PAGE_PATHS = ("/console", "/pickup/")


def staff_blueprint(name: str, import_name: str, url_prefix: str) -> Blueprint:
    """A blueprint whose every page needs a signed-in dispatcher or admin."""
    bp = page_blueprint(name, import_name, url_prefix)
    bp.before_request(require_staff)
    return bp


def page_blueprint(name: str, import_name: str, url_prefix: str | None = None,
                   error_template: str = "console/error.html") -> Blueprint:
    """A blueprint of HTML pages: errors become pages (register_page_headers adds the CSP)."""
    bp = Blueprint(name, import_name, url_prefix=url_prefix, template_folder="templates")

    def http_error(err: HTTPException):
        return render_template(error_template, code=err.code, title=err.name, message=err.description), err.code

    def service_error(err: ServiceError):
        return render_template(error_template, code=err.status, title="Not done", message=err.message), err.status

    def transition_error(err: IllegalTransition):
        return render_template(error_template, code=409, title="Not done", message=str(err)), 409

    bp.register_error_handler(HTTPException, http_error)
    bp.register_error_handler(ServiceError, service_error)
    bp.register_error_handler(IllegalTransition, transition_error)
    return bp


def register_page_headers(app: Flask) -> None:
    """Every page, whichever blueprint or extension draws it, answers with the same security headers."""
    app.after_request(_security_headers)


def _is_page(path: str, endpoint: str | None) -> bool:
    # Stylesheets, scripts and icons stay cacheable.
    return path.startswith(PAGE_PATHS) and not (endpoint or "").endswith("static")


def _security_headers(response):
    if not _is_page(request.path, request.endpoint):
        return response
    tiles = _origin(current_app.config.get("MAP_TILE_URL") or "")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY.format(tiles=tiles).replace("  ", " "))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _origin(url: str) -> str:
    """The scheme://host[:port] of a tile URL template, for the CSP."""
    if "://" not in url:
        return ""
    scheme, rest = url.split("://", 1)
    host = rest.split("/", 1)[0]
    if "{s}" in host:
        host = "*." + host.split(".", 1)[1] if "." in host else host
    return f"{scheme}://{host}"
