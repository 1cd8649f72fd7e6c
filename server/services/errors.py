"""Errors a use case raises; the API turns each into one HTTP answer (server/api/errors.py)."""


class ServiceError(Exception):
    status = 400

    def __init__(self, message: str, errors: dict | None = None, headers: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors
        self.headers = headers or {}


class Unauthorized(ServiceError):
    status = 401


class Forbidden(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class Invalid(ServiceError):
    status = 422


class TooManyAttempts(ServiceError):
    status = 429


class ResyncRequired(Conflict):
    """The phone must drop its cache and pull from no cursor."""
