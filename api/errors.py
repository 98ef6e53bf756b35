"""The use cases' refusals (:mod:`services.errors`) as HTTP answers.

404, 409 and 503 answer like any ``HTTPException`` (``{"detail": "..."}``, or
the error page, in Dutch, for a page request); an
:class:`~services.errors.InvalidInput` answers 422 in the same shape as
FastAPI's own validation errors, one line per problem.
"""

from __future__ import annotations

import inspect

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from api.wording import in_dutch
from services.errors import Conflict, InvalidInput, NotFound, Unavailable, UseCaseError

__all__ = ["STATUS", "as_validation_error", "install"]

STATUS: dict[type[UseCaseError], int] = {NotFound: 404, Conflict: 409, Unavailable: 503}


def as_validation_error(exc: InvalidInput) -> RequestValidationError:
    return RequestValidationError(
        [{"loc": issue.loc, "msg": issue.msg, "type": issue.type} for issue in exc.issues]
    )


def install(app: FastAPI) -> None:
    """Answer the use cases' errors; call after every other handler is installed."""

    async def answer(request: Request, handled: type[Exception], exc: Exception) -> Response:
        handler = app.exception_handlers.get(handled, http_exception_handler)
        response = handler(request, exc)
        return await response if inspect.isawaitable(response) else response

    async def refused(request: Request, exc: Exception) -> Response:
        status = next(code for kind, code in STATUS.items() if isinstance(exc, kind))
        route = request.scope.get("route")
        for_staff = route is not None and not getattr(route, "include_in_schema", True)
        detail = in_dutch(exc) if for_staff else str(exc)  # pages speak Dutch, the API English
        return await answer(request, HTTPException, HTTPException(status, detail))

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, InvalidInput)
        return await answer(request, RequestValidationError, as_validation_error(exc))

    for kind in STATUS:
        app.add_exception_handler(kind, refused)
    app.add_exception_handler(InvalidInput, invalid)
