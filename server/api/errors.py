"""Every error the API can give, turned into the one JSON shape of docs/sync-protocol.md."""

import logging

import sqlalchemy.exc
from flask import Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from common.protocol import ProtocolError
from server.logistics.states import IllegalTransition
from server.services.errors import ServiceError

log = logging.getLogger(__name__)

DEFAULT_MESSAGES = {
    400: "The request could not be read.",
    401: "Sign in first.",
    403: "You may not do this.",
    404: "There is nothing here.",
    405: "This address does not accept that method.",
    413: "The request is too large.",
    415: "Send JSON with Content-Type: application/json.",
    422: "Some fields are not valid; see 'errors'.",
    429: "Too many requests; wait a little.",
    500: "The server failed; nothing was saved. The problem has been logged.",
    503: "The database is unavailable just now; nothing was saved. Try again shortly.",
}


def error_body(code: int, status: str, message: str | None = None, errors: dict | None = None):
    body = {"code": code, "status": status, "message": message or DEFAULT_MESSAGES.get(code, status)}
    if errors:
        body["errors"] = errors
    return body


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        data = getattr(err, "data", None) or {}
        errors = data.get("errors") or data.get("messages")
        message = data.get("message") or _message_for(err.code, errors)
        response = jsonify(error_body(err.code, err.name, message, errors))
        response.status_code = err.code
        for key, value in (data.get("headers") or {}).items():
            response.headers[key] = value
        return response

    @app.errorhandler(ServiceError)
    def _service(err: ServiceError):
        response = jsonify(error_body(err.status, _status_name(err.status), err.message, err.errors))
        response.status_code = err.status
        response.headers.update(err.headers)
        return response

    @app.errorhandler(ProtocolError)
    def _protocol(err: ProtocolError):
        response = jsonify(error_body(err.status, _status_name(err.status), err.message))
        response.status_code = err.status
        return response

    @app.errorhandler(IllegalTransition)
    def _transition(err: IllegalTransition):
        response = jsonify(error_body(409, "Conflict", str(err)))
        response.status_code = 409
        return response

    @app.errorhandler(sqlalchemy.exc.OperationalError)
    @app.errorhandler(sqlalchemy.exc.InterfaceError)
    def _database_down(err):
        log.warning("Database unavailable: %s", err)
        response = jsonify(error_body(503, "Service Unavailable"))
        response.status_code = 503
        response.headers["Retry-After"] = "5"
        return response


def _message_for(code: int, errors) -> str | None:
    """A sentence for the errors webargs and werkzeug report without one."""
    body_errors = (errors or {}).get("json")
    if code == 400 and body_errors == ["Invalid JSON body."]:
        return "The body is not valid JSON."
    if code == 422 and isinstance(body_errors, dict) and body_errors.get("_schema") == ["Invalid input type."]:
        return "The body must be a JSON object."
    if code == 422 and request.content_length and not request.is_json:
        return DEFAULT_MESSAGES[415]
    if code == 413:
        return f"The request is larger than the {current_app.config['MAX_CONTENT_LENGTH'] // 1024} KiB the server accepts."
    return None


def _status_name(code: int) -> str:
    from werkzeug.http import HTTP_STATUS_CODES

    return HTTP_STATUS_CODES.get(code, "Error")
