"""The outcome report for policy and management, as JSON or as a printable HTML page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from api.auth import Permission, User
from api.deps import Requires, StoreDep
from api.routers._records import AUTH_ERRORS, invalid
from matching.records.storage import Store

router = APIRouter(prefix="/reports", tags=["reports"], responses=AUTH_ERRORS)

Reader = Requires(Permission.REPORTS_READ)
PeriodQuery = Annotated[
    str,
    Query(
        max_length=20,
        pattern=r"^[0-9]{4}(-[Qq][1-4]|-[0-9]{2}(:[0-9]{4}-[0-9]{2})?)?$",
        description="2026, 2026-Q1, 2026-03 or a month range 2025-06:2026-05",
        examples=["2026"],
    ),
]


class ReportOut(BaseModel):
    """The report's sections as plain data (see the HTML version for the layout)."""

    period: dict[str, str]
    municipality: str | None
    generated_at: str
    counts: dict[str, int]
    kpis: list[dict[str, Any]]
    funnel: list[dict[str, Any]]
    net_effect: dict[str, Any]
    social_value: dict[str, Any]
    fairness: dict[str, list[dict[str, Any]]]
    fairness_labels: dict[str, Any] = Field(default_factory=dict)
    notes: list[str]
    seconds: float


def build(store: Store, user: User, period: str) -> Any:
    """The report of the user's municipality; a bad period is a 422 naming it."""
    from matching.report.builder import build_report
    from matching.report.period import parse_period

    try:
        parsed = parse_period(period)
    except ValueError as exc:
        raise invalid("period", str(exc), where="query") from None
    return build_report(store, parsed, municipality=user.municipality)


@router.get("/outcomes", summary="Outcome report (data)", response_model=ReportOut)
def outcome_report(store: StoreDep, user: Reader, period: PeriodQuery) -> Any:
    """Werktop KPIs against goals, the funnel from invitation to sustained work, the net
    effect against the comparison group (chi-square and confidence interval), social value
    and fairness per group — for your municipality."""
    return build(store, user, period).to_dict()


@router.get(
    "/outcomes.html",
    summary="Outcome report (printable page)",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}, "description": "A4-printable page"}},
)
def outcome_report_html(store: StoreDep, user: Reader, period: PeriodQuery) -> HTMLResponse:
    from matching.report.render import render_html

    return HTMLResponse(render_html(build(store, user, period)))
