"""Liveness: is the service up and can it reach its database. No login needed."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.deps import StoreDep

router = APIRouter(tags=["health"])


class HealthOut(BaseModel):
    status: str = Field(examples=["ok"])
    database: str = Field(examples=["ok"])


@router.get(
    "/health",
    summary="Liveness check",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "The database cannot be reached"}},
)
def health(store: StoreDep) -> HealthOut | JSONResponse:
    try:
        with store.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return JSONResponse({"status": "degraded", "database": "unreachable"}, status_code=503)
    return HealthOut(status="ok", database="ok")
