"""Pages for events: list and create, the event with its tables, invitations and plan,
attendance, print view."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.auth import Permission, User
from api.deps import RuntimeDep, StoreDep, Today
from api.openapi import ID_PATTERN
from api.web.session import CheckedForm, page_require, render
from api.wording import in_dutch
from matching.events.event_plan import InviteBy
from matching.records.schemas import Employer, Event, EventTable
from matching.records.storage import Store
from services import event_plans, events, record_models, records
from services.errors import InvalidInput, UseCaseError
from services.event_plans import EventPlanOut, PlanRequest

#: The event page's choice of what to invite on (anything else: chance).
_OBJECTIVES: dict[str, InviteBy] = {"chance": "chance", "net": "net", "value": "value"}

router = APIRouter(include_in_schema=False)

EventId = Annotated[str, Path(pattern=ID_PATTERN)]
Reader = Annotated[User, Depends(page_require(Permission.EVENTS_READ))]
Planner = Annotated[User, Depends(page_require(Permission.EVENTS_WRITE))]
Recorder = Annotated[User, Depends(page_require(Permission.OUTCOMES_WRITE))]


@router.get("/bijeenkomsten", response_class=HTMLResponse)
def events_page(request: Request, store: StoreDep, user: Reader) -> Response:
    return _events_page(request, store, user)


def _events_page(
    request: Request, store: Store, user: User, *, error: str | None = None, status_code: int = 200
) -> Response:
    found, total = records.search(store, Event, municipality=user.municipality, limit=200)
    listed = sorted(found, key=lambda e: e.date, reverse=True)
    return render(request, "events.html", status_code=status_code, events=listed, total=total,
                  error=error)


@router.post("/bijeenkomsten")
def create_event_form(request: Request, store: StoreDep, user: Planner, form: CheckedForm) -> Response:
    """A new event from the list page's form; its id is made from the date."""
    values: dict[str, Any] = {
        "date": form.get("date", ""), "place": form.get("place", "").strip(),
        "rounds": form.get("rounds", ""), "minutes_per_round": form.get("minutes", "") or 20,
        "municipality": user.municipality,
    }
    day = values["date"].replace("-", "")
    values["id"] = next(  # ids are unique over every municipality in the database
        f"ev{day}" + ("" if n == 1 else f"-{n}") for n in range(1, 1000)
        if store.municipality_of(Event, f"ev{day}" + ("" if n == 1 else f"-{n}")) is None
    )
    try:
        body = record_models.input_model(Event)(**values)
        event = records.create(store, Event, body, user.actor)
    except (ValidationError, UseCaseError) as exc:
        return _events_page(request, store, user, error=in_dutch(exc), status_code=422)
    return RedirectResponse(f"/bijeenkomsten/{event.id}", status_code=303)


@router.post("/bijeenkomsten/{event_id}/tafels")
def add_table_form(
    request: Request, event_id: EventId, store: StoreDep, user: Planner, form: CheckedForm
) -> Response:
    try:
        table = events.TableIn(id=events.free_table_id(store, user.actor, event_id),
                               employer_id=form.get("employer_id", ""),
                               seats=form.get("seats", ""))
        events.add_table(store, user.actor, event_id, table)
    except (ValidationError, UseCaseError) as exc:
        return _event_page(request, store, user, event_id, error=in_dutch(exc), status_code=422)
    return RedirectResponse(f"/bijeenkomsten/{event_id}", status_code=303)


@router.post("/bijeenkomsten/{event_id}/tafels/{table_id}/weghalen")
def remove_table_form(
    request: Request, event_id: EventId, table_id: EventId, store: StoreDep, user: Planner,
    form: CheckedForm,
) -> Response:
    try:
        events.remove_table(store, user.actor, event_id, table_id)
    except UseCaseError as exc:
        return _event_page(request, store, user, event_id, error=in_dutch(exc), status_code=422)
    return RedirectResponse(f"/bijeenkomsten/{event_id}", status_code=303)


@router.post("/bijeenkomsten/{event_id}/vervallen")
def cancel_event_form(
    request: Request, event_id: EventId, store: StoreDep, user: Planner, form: CheckedForm
) -> Response:
    try:
        records.delete(store, Event, event_id, user.actor, cascade=(EventTable,))
    except UseCaseError as exc:
        return _event_page(request, store, user, event_id, error=in_dutch(exc), status_code=422)
    return RedirectResponse("/bijeenkomsten", status_code=303)


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
    employers = (
        sorted(store.list(Employer, municipality=detail.event.municipality), key=lambda e: e.name)
        if user.can(Permission.EVENTS_WRITE) else []
    )
    came = {i.candidate_id for i in invitations.invitations if i.attended}
    # once attendance is in: the conversations of those who came, to record which lead further
    conversations = [
        (r.round, t, seat)
        for r in events.table_plan(store, user.actor, event_id).rounds
        for t in r.tables
        for seat in t.candidates
        if seat.candidate_id in came
    ] if came and user.can(Permission.OUTCOMES_WRITE) else []
    return render(
        request,
        "event.html",
        status_code=status_code,
        detail=detail,
        invitations=invitations,
        plan=plan,
        error=error,
        employers=employers,
        conversations=conversations,
        hosts={h.employer_id: h for h in events.host_invitations(store, user.actor, event_id)},
        names=records.candidate_names(store, detail.event.municipality),
    )


@router.post("/bijeenkomsten/{event_id}/vervolg")
def follow_up_form(
    request: Request,
    event_id: EventId,
    store: StoreDep,
    user: Recorder,
    today: Today,
    form: CheckedForm,
) -> Response:
    """Which table conversations lead to a follow-up conversation: each listed one whose box
    changed is recorded as ticked or not."""
    shown = {key.removeprefix("gesprek_"): value == "1" for key, value in form.items()
             if key.startswith("gesprek_")}
    try:
        for meeting_id, before in shown.items():
            now = form.get(f"vervolg_{meeting_id}") == "on"
            if now != before:
                events.record_meeting_follow_up(
                    store, user.actor, meeting_id, now, today=today, event_id=event_id
                )
    except UseCaseError as exc:
        return _event_page(request, store, user, event_id, error=in_dutch(exc), status_code=422)
    return RedirectResponse(f"/bijeenkomsten/{event_id}", status_code=303)


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
        invite_by=_OBJECTIVES.get(form.get("invite_by", ""), "chance"),
        save=form.get("save") == "on",
        **runtime.config.valuation,
    )
    try:
        shown = event_plans.plan_event(store, runtime.engine, user.actor, event_id, plan_request)
    except InvalidInput as exc:
        message = in_dutch(exc)
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
        return _event_page(request, store, user, event_id, error=in_dutch(exc), status_code=422)
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
    return render(request, "table_plan.html", detail=detail, plan=plan, per_table=per_table,
                  names=records.candidate_names(store, detail.event.municipality))
