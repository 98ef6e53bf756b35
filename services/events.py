"""Events (*prettig gesprek*) as staff see and keep them: the event with its tables, the
invitation list and table plan (logged as shown), attendance and follow-ups afterwards.

Candidates without ``consent_events`` never appear in an invitation list or
table plan shown here, even when a stored invitation predates the withdrawal
of their consent; the answer says how many were held back. Planning an event
is :mod:`services.event_plans`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from pydantic import BaseModel, Field

from matching.events.event_records import (
    AttendanceResult,
    record_event_attendance,
    record_table_follow_up,
)
from matching.outcomes.recording import OutcomeError, record_follow_up
from matching.privacy import audit_log
from matching.records.enums import InvitationStatus, dutch_date
from matching.records.schemas import (
    Candidate,
    Employer,
    Event,
    EventTable,
    Invitation,
    RecordId,
    TableMeeting,
)
from matching.records.storage import Store
from services import record_models, records
from services.actor import Actor
from services.errors import NotFound
from services.outcomes import invalid_outcome

__all__ = [
    "EventDetail",
    "InvitationListOut",
    "InvitationOut",
    "RoundOut",
    "SeatOut",
    "TableIn",
    "TablePlanOut",
    "TableRoundOut",
    "add_table",
    "consenting",
    "event_detail",
    "free_table_id",
    "invitation_list",
    "invitations_of",
    "record_attendance",
    "record_follow_up_at_table",
    "record_meeting_follow_up",
    "remove_table",
    "table_plan",
]


class TableIn(BaseModel):
    id: RecordId
    employer_id: RecordId
    seats: int = Field(ge=1, le=50)


class EventDetail(BaseModel):
    event: Event
    tables: list[EventTable]
    employers: dict[str, str] = Field(description="Employer id -> name, for the tables.")
    invitations: int
    meetings: int


class InvitationOut(BaseModel):
    candidate_id: str
    status: InvitationStatus
    attended: bool | None


class InvitationListOut(BaseModel):
    event_id: str
    invitations: list[InvitationOut]
    held_back_no_consent: int = Field(
        description="Stored invitations not shown: the candidate withdrew consent for events."
    )


class SeatOut(BaseModel):
    meeting_id: str
    candidate_id: str
    follow_up: bool


class TableRoundOut(BaseModel):
    table_id: str
    employer_id: str
    employer_name: str | None
    seats: int
    candidates: list[SeatOut]


class RoundOut(BaseModel):
    round: int
    tables: list[TableRoundOut]


class TablePlanOut(BaseModel):
    event_id: str
    rounds: list[RoundOut]
    held_back_no_consent: int


def consenting(store: Store, ids: set[str], municipality: str) -> set[str]:
    """Those of ``ids`` who consent to being invited to events."""
    if not ids:
        return set()
    found = store.list(Candidate, municipality=municipality, where={"id": sorted(ids)})
    return {c.id for c in found if c.consent_events}


def _employer_names(store: Store, tables: list[EventTable], municipality: str) -> dict[str, str]:
    return {
        e.id: e.name
        for e in store.list(
            Employer,
            municipality=municipality,
            where={"id": sorted({t.employer_id for t in tables})},
        )
    }


def event_detail(store: Store, actor: Actor, event_id: str) -> EventDetail:
    """The event with its tables, the hosting employers' names and how much hangs on it."""
    event = records.get(store, Event, event_id, actor)
    muni = event.municipality
    tables = store.list(EventTable, municipality=muni, where={"event_id": event_id})
    counts = records.referrers(store, Event, event_id)
    return EventDetail(
        event=event,
        tables=tables,
        employers=_employer_names(store, tables, muni),
        invitations=counts.get("invitations", 0),
        meetings=counts.get("meetings", 0),
    )


class HostInvitationOut(BaseModel):
    employer_id: str
    employer_name: str
    contact_name: str = Field(description="The employer's contact person ('' when not recorded).")
    contact_email: str
    contact_phone: str
    tables: list[str] = Field(description="The employer's tables at the event.")
    seats: int = Field(description="Seats per round over those tables.")
    subject: str = Field(description="Subject of the invitation, in Dutch.")
    body: str = Field(description="The invitation to host, in Dutch, ready to send.")


def host_invitations(store: Store, actor: Actor, event_id: str) -> list[HostInvitationOut]:
    """An invitation to host, per employer with a table: to its contact person, in Dutch, with
    the day, place, rounds and seats (a mail merge, or a message from the event page)."""
    event = records.get(store, Event, event_id, actor)
    tables = store.list(EventTable, municipality=event.municipality, where={"event_id": event_id})
    by_employer: dict[str, list[EventTable]] = {}
    for table in tables:
        by_employer.setdefault(table.employer_id, []).append(table)
    employers = {e.id: e for e in store.list(Employer, municipality=event.municipality,
                                             where={"id": sorted(by_employer)})}
    out = []
    for employer_id, own in sorted(by_employer.items(), key=lambda kv: employers[kv[0]].name):
        employer = employers[employer_id]
        seats = sum(t.seats for t in own)
        greeting = f"Beste {employer.contact_name}," if employer.contact_name else "Beste,"
        body = (
            f"{greeting}\n\n"
            f"Graag nodigen we {employer.name} uit voor ons prettig gesprek op "
            f"{dutch_date(event.date)} in {event.place}. U zit aan tafel met steeds "
            f"{seats} kandidaat/kandidaten tegelijk, in {event.rounds} rondes van "
            f"{event.minutes_per_round} minuten. We kiezen de kandidaten bij het werk dat u ons "
            "vertelde.\n\n"
            "Wilt u laten weten of u erbij bent?\n\nMet vriendelijke groet,\n"
            f"{employer.relationship_manager or 'de relatiemanager'}"
        )
        out.append(HostInvitationOut(
            employer_id=employer_id, employer_name=employer.name,
            contact_name=employer.contact_name, contact_email=employer.contact_email,
            contact_phone=employer.contact_phone, tables=[t.id for t in own], seats=seats,
            subject=f"Uitnodiging prettig gesprek {dutch_date(event.date)}", body=body,
        ))
    return out


def invitation_list(store: Store, actor: Actor, event_id: str) -> InvitationListOut:
    """The invitations of an event as shown to ``actor``, logged."""
    muni = records.get(store, Event, event_id, actor).municipality
    stored = store.list(Invitation, municipality=muni, where={"event_id": event_id})
    allowed = consenting(store, {i.candidate_id for i in stored}, muni)
    shown = [
        InvitationOut(candidate_id=i.candidate_id, status=i.status, attended=i.attended)
        for i in stored
        if i.candidate_id in allowed
    ]
    audit_log.log_entry(
        store,
        actor=actor.username,
        role=actor.role,
        municipality=muni,
        action="event_plan_shown",
        subject_type="event",
        subject_id=event_id,
        inputs={"view": "invitations"},
        results=[i.candidate_id for i in shown],
    )
    return InvitationListOut(
        event_id=event_id, invitations=shown, held_back_no_consent=len(stored) - len(shown)
    )


def table_plan(store: Store, actor: Actor, event_id: str) -> TablePlanOut:
    """The stored table plan of an event, per round and table, as shown to ``actor``; logged."""
    muni = records.get(store, Event, event_id, actor).municipality
    tables = store.list(EventTable, municipality=muni, where={"event_id": event_id})
    meetings = store.list(TableMeeting, municipality=muni, where={"event_id": event_id})
    allowed = consenting(store, {m.candidate_id for m in meetings}, muni)
    names = _employer_names(store, tables, muni)
    rounds = sorted({m.round for m in meetings})
    shown = [m for m in meetings if m.candidate_id in allowed]
    plan = [
        RoundOut(
            round=r,
            tables=[
                TableRoundOut(
                    table_id=t.id,
                    employer_id=t.employer_id,
                    seats=t.seats,
                    employer_name=names.get(t.employer_id),
                    candidates=[
                        SeatOut(meeting_id=m.id, candidate_id=m.candidate_id, follow_up=m.follow_up)
                        for m in shown
                        if m.round == r and m.table_id == t.id
                    ],
                )
                for t in tables
            ],
        )
        for r in rounds
    ]
    audit_log.log_entry(
        store,
        actor=actor.username,
        role=actor.role,
        municipality=muni,
        action="event_plan_shown",
        subject_type="event",
        subject_id=event_id,
        inputs={"view": "table_plan"},
        results=[[m.round, m.table_id, m.candidate_id] for m in shown],
    )
    return TablePlanOut(
        event_id=event_id, rounds=plan, held_back_no_consent=len(meetings) - len(shown)
    )


def free_table_id(store: Store, actor: Actor, event_id: str) -> str:
    """The first ``<event>-t<n>`` not in use (ids are unique over the whole database)."""
    records.get(store, Event, event_id, actor)
    return next(
        f"{event_id}-t{n}" for n in range(1, 10_000)
        if store.municipality_of(EventTable, f"{event_id}-t{n}") is None
    )


def add_table(store: Store, actor: Actor, event_id: str, table: TableIn) -> EventTable:
    """Add an employer's table to an event."""
    event = records.get(store, Event, event_id, actor)
    body = record_models.input_model(EventTable)(
        **table.model_dump(), event_id=event_id, municipality=event.municipality
    )
    return records.create(store, EventTable, body, actor)


def remove_table(store: Store, actor: Actor, event_id: str, table_id: str) -> None:
    """Remove a table of an event (refused while meetings are planned at it)."""
    table = records.get(store, EventTable, table_id, actor)
    if table.event_id != event_id:
        raise NotFound(record_models.label(EventTable), table_id)
    records.delete(store, EventTable, table_id, actor)


def record_attendance(
    store: Store,
    actor: Actor,
    event_id: str,
    present: Iterable[str],
    absent: Iterable[str] = (),
    *,
    rest_absent: bool = False,
    today: dt.date,
) -> AttendanceResult:
    """Record who came (only after the event, only invited candidates).

    Planned meetings of those who did not come are removed (restored if
    corrected), so the stored meetings are the conversations that were held.
    With ``rest_absent`` every invited candidate not listed is recorded as absent.
    """
    records.get(store, Event, event_id, actor)
    try:
        return record_event_attendance(
            store,
            event_id,
            list(present),
            list(absent),
            rest_absent=rest_absent,
            today=today,
            actor=actor.username,
        )
    except OutcomeError as exc:
        raise invalid_outcome(exc) from None


def invitations_of(
    store: Store, actor: Actor, event_id: str, candidate_ids: Mapping[str, object]
) -> list[Invitation]:
    """The stored invitations of the given candidates to an event."""
    muni = records.get(store, Event, event_id, actor).municipality
    stored = store.list(Invitation, municipality=muni, where={"event_id": event_id})
    return [i for i in stored if i.candidate_id in candidate_ids]


def record_meeting_follow_up(
    store: Store,
    actor: Actor,
    meeting_id: str,
    follow_up: bool,
    *,
    today: dt.date,
    event_id: str | None = None,
) -> TableMeeting:
    """Record whether a table conversation (by its id) leads to a follow-up conversation."""
    meeting = records.get(store, TableMeeting, meeting_id, actor)
    if event_id is not None and meeting.event_id != event_id:
        raise NotFound(record_models.label(TableMeeting), meeting_id)
    try:
        return record_follow_up(
            store,
            meeting_id,
            follow_up,
            today=today,
            municipality=meeting.municipality,
            actor=actor.username,
        )
    except OutcomeError as exc:
        raise invalid_outcome(exc) from None


def record_follow_up_at_table(
    store: Store,
    actor: Actor,
    event_id: str,
    *,
    candidate_id: str,
    employer_id: str,
    follow_up: bool,
    today: dt.date,
) -> TableMeeting:
    """Record whether a candidate's conversation with an employer at an event leads to a
    follow-up conversation."""
    records.get(store, Event, event_id, actor)
    try:
        return record_table_follow_up(
            store, event_id, candidate_id, employer_id, follow_up, today=today,
            actor=actor.username,
        )
    except OutcomeError as exc:
        raise invalid_outcome(exc) from None
