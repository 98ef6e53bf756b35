"""Pages for events: list, the event with its invitations and plan, attendance, print view."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import Permission, User
from api.deps import RuntimeDep, StoreDep, Today
from api.openapi import ID_PATTERN
from api.web.session import CheckedForm, page_require, render
from matching.records.schemas import Event
from matching.records.storage import Store
from services import event_plans, events, records
from services.errors import InvalidInput
from services.event_plans import EventPlanOut, PlanRequest

router = APIRouter(include_in_schema=False)

EventId = Annotated[str, Path(pattern=ID_PATTERN)]
Reader = Annotated[User, Depends(page_require(Permission.EVENTS_READ))]
Planner = Annotated[User, Depends(page_require(Permission.EVENTS_WRITE))]
Recorder = Annotated[User, Depends(page_require(Permission.OUTCOMES_WRITE))]


@router.get("/bijeenkomsten", response_class=HTMLResponse)
def events_page(request: Request, store: StoreDep, user: Reader) -> Response:
    found, total = records.search(store, Event, municipality=user.municipality, limit=200)
    listed = sorted(found, key=lambda e: e.date, reverse=True)
    return render(request, "events.html", events=listed, total=total)


def _event_page(
    request: Request,
    store: Store,
    user: User,
    event_id: str,
    *,
    plan: EventPlanOut | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    detail = events.event_detail(store, user.actor, event_id)
    invitations = events.invitation_list(store, user.actor, event_id)
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


def _ids(text: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in text.replace(",", " ").split() if c.strip())


@router.post("/bijeenkomsten/{event_id}/plan", response_class=HTMLResponse)
def plan_form(
    request: Request,
    event_id: EventId,
    store: StoreDep,
    runtime: RuntimeDep,
    user: Planner,
    form: CheckedForm,
) -> Response:
    plan_request = PlanRequest(
        never_invite=_ids(form.get("never_invite", "")),
        must_invite=_ids(form.get("must_invite", "")),
        invite_by="net" if form.get("invite_by") == "net" else "chance",
        save=form.get("save") == "on",
    )
    try:
        shown = event_plans.plan_event(store, runtime.engine, user.actor, event_id, plan_request)
    except InvalidInput as exc:
        message = "; ".join(issue.msg for issue in exc.issues)
        return _event_page(request, store, user, event_id, error=message, status_code=422)
    return _event_page(request, store, user, event_id, plan=shown.out())


@router.post("/bijeenkomsten/{event_id}/aanwezigheid")
def attendance_form(
    request: Request,
    event_id: EventId,
    store: StoreDep,
    user: Recorder,
    today: Today,
    form: CheckedForm,
) -> Response:
    invited = [
        i.candidate_id for i in events.invitation_list(store, user.actor, event_id).invitations
    ]
    present = [c for c in invited if form.get(f"came_{c}") == "on"]
    absent = [c for c in invited if c not in present]
    try:
        events.record_attendance(
            store, user.actor, event_id, present, absent, rest_absent=False, today=today
        )
    except InvalidInput as exc:
        return _event_page(request, store, user, event_id, error=exc.message, status_code=422)
    return RedirectResponse(f"/bijeenkomsten/{event_id}", status_code=303)


@router.get("/bijeenkomsten/{event_id}/tafelplan", response_class=HTMLResponse)
def printable_plan(request: Request, event_id: EventId, store: StoreDep, user: Reader) -> Response:
    """The stored table plan, one table per printed page."""
    detail = events.event_detail(store, user.actor, event_id)
    plan = events.table_plan(store, user.actor, event_id)
    per_table: dict[str, list[tuple[int, list[str]]]] = {t.id: [] for t in detail.tables}
    for round_ in plan.rounds:
        for table in round_.tables:
            per_table[table.table_id].append(
                (round_.round, [s.candidate_id for s in table.candidates])
            )
    return render(request, "table_plan.html", detail=detail, plan=plan, per_table=per_table)
