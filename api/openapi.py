"""What every router shares in its OpenAPI description: the error answers and the id pattern."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = ["AUTH_ERRORS", "ID_PATTERN", "ErrorOut", "responses"]

ID_PATTERN = r"^[A-Za-z0-9_.\-]{1,64}$"
#: A report period: 2026, 2026-Q1, 2026-03 or a month range 2025-06:2026-05.
PERIOD_PATTERN = r"^[1-9][0-9]{3}(-[Qq][1-4]|-(0[1-9]|1[0-2])(:[1-9][0-9]{3}-(0[1-9]|1[0-2]))?)?$"


class ErrorOut(BaseModel):
    """Every 4xx and 5xx answer except 422: a sentence saying what is wrong."""

    detail: str = Field(examples=["candidate C9 not found"])


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI descriptions of the error answers a route can give."""
    text = {
        400: "Malformed request",
        401: "Not logged in, or the token is expired or invalid",
        403: "Your role may not use this endpoint",
        404: "Not found (also when it belongs to another municipality)",
        409: "Conflicts with what is stored",
        413: "Request body too large",
        429: "Too many failed logins; try again after Retry-After seconds",
        503: "A model or service this endpoint needs is not available",
    }
    return {code: {"model": ErrorOut, "description": text[code]} for code in codes}


#: The answers every authenticated route can give (400: a body that cannot be decoded).
AUTH_ERRORS = responses(400, 401, 403)
