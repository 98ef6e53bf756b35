"""The use cases' refusals (:mod:`services.errors`) as HTTP answers.

404, 409 and 503 answer like any ``HTTPException`` (``{"detail": "..."}``, or
the error page for a page request); an
:class:`~services.errors.InvalidInput` answers 422 in the same shape as
FastAPI's own validation errors, one line per problem.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from services.errors import Conflict, InvalidInput, NotFound, Unavailable, UseCaseError

__all__ = ["STATUS", "as_validation_error", "install"]

STATUS: dict[type[UseCaseError], int] = {NotFound: 404, Conflict: 409, Unavailable: 503}


def as_validation_error(exc: InvalidInput) -> RequestValidationError:
    return RequestValidationError(
        [{"loc": issue.loc, "msg": issue.msg, "type": issue.type} for issue in exc.issues]
    )


def install(app: FastAPI) -> None:
    """Answer the use cases' errors; call after every other handler is installed."""

    async def refused(request: Request, exc: Exception) -> Response:
        status = next(code for kind, code in STATUS.items() if isinstance(exc, kind))
        as_http = HTTPException(status, str(exc))
        handler = app.exception_handlers.get(HTTPException, http_exception_handler)
        return await handler(request, as_http)

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, InvalidInput)
        handler = app.exception_handlers[RequestValidationError]
        return await handler(request, as_validation_error(exc))

    for kind in STATUS:
        app.add_exception_handler(kind, refused)
    app.add_exception_handler(InvalidInput, invalid)
