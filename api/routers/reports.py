"""The outcome report for policy and management, as JSON or as a printable HTML page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from api.auth import Permission, User
from api.deps import RuntimeDep, StoreDep, require
from api.openapi import AUTH_ERRORS, PERIOD_PATTERN
from services import reports

router = APIRouter(prefix="/reports", tags=["reports"], responses=AUTH_ERRORS)

Reader = Annotated[User, Depends(require(Permission.REPORTS_READ))]
PeriodQuery = Annotated[
    str,
    Query(
        max_length=20,
        pattern=PERIOD_PATTERN,
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
    fairness_trend: list[dict[str, Any]] = Field(default_factory=list)
    oversight: dict[str, Any] | None = Field(
        None, description="Human oversight: lists shown, pins and exclusions, how often the top "
        "suggestions were followed, overrides per group."
    )
    notes: list[str]
    seconds: float


@router.get("/outcomes", summary="Outcome report (data)", response_model=ReportOut)
def outcome_report(store: StoreDep, runtime: RuntimeDep, user: Reader, period: PeriodQuery) -> Any:
    """Werktop KPIs against goals, the funnel from invitation to sustained work, the net
    effect against the comparison group (chi-square and confidence interval), social value
    (by the workspace's price list, `WERKKANS_PRICES`) and fairness per group — for your
    municipality."""
    return reports.outcome_report(store, period, municipality=user.municipality,
                                  **runtime.config.valuation).to_dict()


@router.get(
    "/outcomes.html",
    summary="Outcome report (printable page)",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}, "description": "A4-printable page"}},
)
def outcome_report_html(
    store: StoreDep, runtime: RuntimeDep, user: Reader, period: PeriodQuery
) -> HTMLResponse:
    report = reports.outcome_report(store, period, municipality=user.municipality,
                                    **runtime.config.valuation)
    return HTMLResponse(reports.as_html(report))
