"""Pages for events: list, the event with its invitations and plan, attendance, print view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import Permission, User
from api.deps import ServicesDep, StoreDep, Today
from api.routers import _records as records
from api.routers._records import ID_PATTERN
from api.routers.events import PlanIn, event_detail, invitation_list, make_plan, table_plan
from api.web.session import CheckedForm, page_require, render
from matching.events.event_records import record_event_attendance
from matching.outcomes.recording import OutcomeError
from matching.records.schemas import Event
from matching.records.storage import Store

router = APIRouter(include_in_schema=False)

EventId = Annotated[str, Path(pattern=ID_PATTERN)]
Reader = page_require(Permission.EVENTS_READ)
Planner = page_require(Permission.EVENTS_WRITE)
Recorder = page_require(Permission.OUTCOMES_WRITE)


@router.get("/bijeenkomsten", response_class=HTMLResponse)
def events_page(request: Request, store: StoreDep, user: Reader) -> Response:
    found, total = records.search(store, Event, municipality=user.municipality, limit=200)
    events = sorted(found, key=lambda e: e.date, reverse=True)
    return render(request, "events.html", events=events, total=total)


def _event_page(
    request: Request,
    store: Store,
    user: User,
    event_id: str,
    *,
    plan: object = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    detail = event_detail(store, user, event_id)
    invitations = invitation_list(store, user, event_id)
    return render(
        request,
        "event.html",
        status_code=status_code,
        detail=detail,
        invitations=invitations,
        plan=plan,
        error=error,
    )


@router.get("/bijeenkomsten/{event_id}", response_class=HTMLResponse)
def event_page(request: Request, event_id: EventId, store: StoreDep, user: Reader) -> Response:
    return _event_page(request, store, user, event_id)


@router.post("/bijeenkomsten/{event_id}/plan", response_class=HTMLResponse)
def plan_form(
    request: Request,
    event_id: EventId,
    store: StoreDep,
    services: ServicesDep,
    user: Planner,
    form: CheckedForm,
) -> Response:
    never = [c.strip() for c in form.get("never_invite", "").replace(",", " ").split() if c.strip()]
    must = [c.strip() for c in form.get("must_invite", "").replace(",", " ").split() if c.strip()]
    try:
        body = PlanIn(never_invite=never, must_invite=must, save=form.get("save") == "on")
        plan = make_plan(store, services, user, event_id, body)
    except (RequestValidationError, ValueError) as exc:
        message = _message(exc)
        return _event_page(request, store, user, event_id, error=message, status_code=422)
    return _event_page(request, store, user, event_id, plan=plan)


def _message(exc: Exception) -> str:
    if isinstance(exc, RequestValidationError):
        return "; ".join(str(e.get("msg", "")) for e in exc.errors())
    return str(exc)


@router.post("/bijeenkomsten/{event_id}/aanwezigheid")
def attendance_form(
    request: Request,
    event_id: EventId,
    store: StoreDep,
    user: Recorder,
    today: Today,
    form: CheckedForm,
) -> Response:
    records.get_or_404(store, Event, event_id, user)
    invited = [i.candidate_id for i in invitation_list(store, user, event_id).invitations]
    present = [c for c in invited if form.get(f"came_{c}") == "on"]
    absent = [c for c in invited if c not in present]
    try:
        record_event_attendance(
            store, event_id, present, absent, rest_absent=False, today=today, actor=user.username
        )
    except OutcomeError as exc:
        return _event_page(request, store, user, event_id, error=exc.message, status_code=422)
    return RedirectResponse(f"/bijeenkomsten/{event_id}", status_code=303)


@router.get("/bijeenkomsten/{event_id}/tafelplan", response_class=HTMLResponse)
def printable_plan(request: Request, event_id: EventId, store: StoreDep, user: Reader) -> Response:
    """The stored table plan, one table per printed page."""
    detail = event_detail(store, user, event_id)
    plan = table_plan(store, user, event_id)
    per_table: dict[str, list[tuple[int, list[str]]]] = {t.id: [] for t in detail.tables}
    for round_ in plan.rounds:
        for table in round_.tables:
            per_table[table.table_id].append(
                (round_.round, [s.candidate_id for s in table.candidates])
            )
    return render(request, "table_plan.html", detail=detail, plan=plan, per_table=per_table)
