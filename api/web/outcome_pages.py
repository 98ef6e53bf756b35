"""Pages to record outcomes and aftercare check-ins, and the outcome report."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import Permission, User
from api.deps import RuntimeDep, StoreDep, Today
from api.openapi import ID_PATTERN
from api.web.session import CheckedForm, page_require, render
from matching.records.enums import ContractType, OutcomeKind
from matching.records.schemas import Outcome
from matching.records.storage import Store
from services import outcomes, records, reports
from services.errors import InvalidInput

router = APIRouter(include_in_schema=False)

#: Check-ins shown per page of the aftercare list.
DUE_PER_PAGE = 25

Reader = Annotated[User, Depends(page_require(Permission.OUTCOMES_READ))]
Writer = Annotated[User, Depends(page_require(Permission.OUTCOMES_WRITE))]
ReportReader = Annotated[User, Depends(page_require(Permission.REPORTS_READ))]

KIND_LABELS = {
    "follow_up": "vervolggesprek",
    "trial": "proefplaatsing",
    "wep": "werkervaringsplaats",
    "job": "reguliere baan",
    "none": "geen vervolg",
}
CONTRACT_LABELS = {
    "fixed_6m": "tijdelijk 6 maanden",
    "fixed_12m": "tijdelijk 12 maanden",
    "permanent": "vast",
    "payroll": "payroll of detachering",
}
STATUS_LABELS = {"working": "werkt nog", "hours_changed": "uren gewijzigd", "stopped": "gestopt"}


def _page(
    request: Request,
    store: Store,
    user: User,
    today: dt.date,
    *,
    error: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
    relationship_manager: str | None = None,
    page: int = 1,
) -> Response:
    recent, _ = records.search(store, Outcome, municipality=user.municipality, limit=500)
    recent = sorted(recent, key=lambda o: (o.recorded_on, o.id), reverse=True)[:25]
    every = outcomes.due_checkins(store, user.municipality, today=today, window_days=14)
    managers = sorted({d.relationship_manager for d in every if d.relationship_manager})
    due = [d for d in every if relationship_manager in (None, d.relationship_manager)]
    pages = max((len(due) + DUE_PER_PAGE - 1) // DUE_PER_PAGE, 1)
    page = min(page, pages)
    return render(
        request,
        "outcomes.html",
        status_code=status_code,
        recent=recent,
        due=due[(page - 1) * DUE_PER_PAGE : page * DUE_PER_PAGE],
        due_total=len(due),
        overdue=sum(d.state == "overdue" for d in due),
        managers=managers,
        manager=relationship_manager,
        page=page,
        pages=pages,
        names=records.candidate_names(store, user.municipality),
        error=error,
        values=values or {},
        kinds=KIND_LABELS,
        contracts=CONTRACT_LABELS,
        statuses=STATUS_LABELS,
        today=today,
    )


@router.get("/uitkomsten", response_class=HTMLResponse)
def outcomes_page(
    request: Request,
    store: StoreDep,
    user: Reader,
    today: Today,
    relatiemanager: Annotated[str | None, Query(max_length=80)] = None,
    pagina: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    return _page(request, store, user, today, relationship_manager=relatiemanager or None, page=pagina)


def _optional(form: dict[str, str], name: str) -> str | None:
    value = form.get(name, "").strip()
    return value or None


def _outcome_fields(values: dict[str, Any]) -> dict[str, Any]:
    """The form's values as outcome fields; :class:`InvalidInput` names a value it cannot read."""
    if values["kind"] not in KIND_LABELS:
        raise InvalidInput.of("kind", "kies een soort uitkomst")
    if values["contract_type"] not in (None, *CONTRACT_LABELS):
        raise InvalidInput.of("contract_type", "onbekend contract")
    if values["kind"] != "job":
        values["contract_type"] = None
    if values["hours"] is not None:
        if not values["hours"].isdigit():
            raise InvalidInput.of("hours", "vul een heel aantal uren in")
        values["hours"] = int(values["hours"])
    if values["start_date"] is not None:
        try:
            values["start_date"] = dt.date.fromisoformat(values["start_date"])
        except ValueError:
            raise InvalidInput.of("start_date", "vul een datum in als 2026-04-01") from None
    fields = {k: v for k, v in values.items() if v is not None}
    fields["kind"] = OutcomeKind(fields["kind"])
    if "contract_type" in fields:
        fields["contract_type"] = ContractType(fields["contract_type"])
    return fields


@router.post("/uitkomsten", response_class=HTMLResponse)
def record_form(
    request: Request, store: StoreDep, user: Writer, today: Today, form: CheckedForm
) -> Response:
    values: dict[str, Any] = {
        "candidate_id": _optional(form, "candidate_id"),
        "employer_id": _optional(form, "employer_id"),
        "work_need_id": _optional(form, "work_need_id"),
        "event_id": _optional(form, "event_id"),
        "kind": form.get("kind", ""),
        "contract_type": _optional(form, "contract_type"),
        "hours": _optional(form, "hours"),
        "start_date": _optional(form, "start_date"),
    }
    try:
        fields = _outcome_fields(values)
        outcomes.record(store, user.actor, fields, today=today)
    except InvalidInput as exc:
        message = "; ".join(f"{issue.field}: {issue.msg}" for issue in exc.issues)
        return _page(
            request,
            store,
            user,
            today,
            error=message,
            values={k: str(v or "") for k, v in values.items()},
            status_code=422,
        )
    return RedirectResponse("/uitkomsten", status_code=303)


@router.post("/uitkomsten/{outcome_id}/nazorg", response_class=HTMLResponse)
def checkin_form(
    request: Request,
    outcome_id: Annotated[str, Path(pattern=ID_PATTERN)],
    store: StoreDep,
    user: Writer,
    today: Today,
    form: CheckedForm,
) -> Response:
    try:
        month = int(form.get("month", "0"))
        date = dt.date.fromisoformat(form.get("date", "") or today.isoformat())
        hours = int(form["hours"]) if form.get("hours", "").strip().isdigit() else None
        outcomes.record_checkin(
            store,
            user.actor,
            outcome_id,
            month=month,
            date=date,
            status=form.get("status", ""),
            today=today,
            hours=hours,
            reason=form.get("reason", "")[:4000],
        )
    except (InvalidInput, ValueError) as exc:
        message = f"{exc.field}: {exc.message}" if isinstance(exc, InvalidInput) else str(exc)
        return _page(request, store, user, today, error=message, status_code=422)
    return RedirectResponse("/uitkomsten", status_code=303)


@router.get("/rapport", response_class=HTMLResponse)
def report_form(request: Request, user: ReportReader, today: Today) -> Response:
    return render(request, "report.html", period=str(today.year))


@router.get("/rapport/bekijken", response_class=HTMLResponse)
def report_page(
    request: Request,
    store: StoreDep,
    runtime: RuntimeDep,
    user: ReportReader,
    periode: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """The report page itself (self-contained, printable on A4)."""
    try:
        report = reports.outcome_report(store, periode, municipality=user.municipality,
                                        **runtime.config.valuation)
    except InvalidInput as exc:
        return render(request, "report.html", status_code=422, period=periode, error=exc.message)
    return HTMLResponse(reports.as_html(report))
