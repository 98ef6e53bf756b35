"""Write an event plan and its aftermath to the store: invitations, meetings, attendance.

:mod:`matching.events.event_planning` makes a plan; this module records it and what
happened at the event, so planning stays free of store writes.

:func:`save_plan` writes the invitations and the planned
:class:`~matching.records.schemas.TableMeeting` records in one transaction. Until
attendance is recorded a meeting is *planned*. :func:`record_event_attendance`
records who came (through :func:`matching.outcomes.recording.record_attendance`) and
then deletes the planned meetings of candidates who did not come (the store
keeps them in its history; correcting a candidate to "came" restores them).
So once attendance is in, the event's meetings are exactly the conversations
held, which is what training labels and employer track records assume.
Follow-ups are marked on held meetings with :func:`record_table_follow_up`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from matching.events.event_plan import EventPlan, EventPlanningError
from matching.outcomes.recording import OutcomeError, record_attendance, record_follow_up
from matching.records.enums import InvitationStatus, InvitedBy
from matching.records.schemas import Event, EventTable, ExplorationDraw, Invitation, TableMeeting
from matching.records.storage import Store

__all__ = [
    "AttendanceResult",
    "SaveSummary",
    "invitation_id",
    "meeting_id",
    "record_event_attendance",
    "record_table_follow_up",
    "save_plan",
]


# --------------------------------------------------------------------------- saving


def _short_id(prefix: str, *parts: str) -> str:
    """A readable id when it fits the 64-character limit, else a stable hash."""
    text = "-".join((prefix, *parts)) if prefix else "-".join(parts)
    if len(text) <= 64:
        return text
    return "x" + hashlib.sha1(text.encode()).hexdigest()[:32]


def invitation_id(event_id: str, candidate_id: str) -> str:
    """Id of a new invitation saved from a plan."""
    return _short_id("", event_id, "i", candidate_id)


def meeting_id(event_id: str, candidate_id: str, round: int) -> str:
    """Id of a planned meeting (round from 1)."""
    return _short_id("", event_id, f"r{round}", candidate_id)


@dataclass(frozen=True)
class SaveSummary:
    """What :func:`save_plan` changed."""

    invitations_added: int
    invitations_removed: int
    meetings_added: int
    meetings_changed: int
    meetings_removed: int

    @property
    def changed(self) -> int:
        return (self.invitations_added + self.invitations_removed + self.meetings_added
                + self.meetings_changed + self.meetings_removed)


def save_plan(store: Store, plan: EventPlan, *, actor: str = "system") -> SaveSummary:
    """Write the plan's invitations and planned meetings, in one transaction.

    The event's stored invitations and meetings become those of the plan:
    invitations and meetings no longer in the plan are removed (a declined
    invitation is kept), existing ones keep their id and status. Saving the
    same plan twice changes nothing. Refused once attendance or a follow-up
    has been recorded for the event: the plan is history by then.
    """
    event_id = plan.event.id
    event = store.get(Event, event_id)
    stored = {t.id: t.seats for t in store.list(EventTable, where={"event_id": event_id})}
    planned = {t.id: t.seats for t in plan.tables}
    if event is None or event.rounds != plan.rounds or stored != planned:
        raise EventPlanningError(
            f"this plan of event {event_id} was made with other rounds or seats than the "
            "event now has in the store, so it cannot be saved",
            suggestion="Change the event's rounds or tables first and plan again, "
            "or save a plan without what-if rounds or seats.",
            ids=[event_id],
        )
    invitations = store.list(Invitation, where={"event_id": event_id})
    meetings = store.list(TableMeeting, where={"event_id": event_id})
    if any(i.attended is not None for i in invitations) or any(m.follow_up for m in meetings):
        raise EventPlanningError(
            f"attendance or follow-ups are already recorded for event {event_id}; "
            "its plan can no longer be replaced",
            suggestion="Correct attendance or meetings one by one instead.",
            ids=[event_id],
        )
    muni = plan.event.municipality
    by_candidate = {i.candidate_id: i for i in invitations}
    invited = set(plan.invited)
    explored = set(plan.explored)
    new_invitations = [
        Invitation(id=invitation_id(event_id, c), municipality=muni, event_id=event_id,
                   candidate_id=c, status=InvitationStatus.INVITED, exploration=c in explored,
                   invited_by=InvitedBy(plan.invite_by))
        for c in plan.invited if c not in by_candidate
    ]
    drop_invitations = [i.id for i in invitations
                        if i.candidate_id not in invited
                        and i.status is not InvitationStatus.DECLINED]
    existing = {(m.candidate_id, m.round): m for m in meetings}
    wanted = {(m.candidate_id, m.round): m for m in plan.meetings}
    records: list[Invitation | TableMeeting] = list(new_invitations)
    added, changed = 0, 0
    for key, m in wanted.items():
        old = existing.get(key)
        record = TableMeeting(
            id=old.id if old else meeting_id(event_id, m.candidate_id, m.round),
            municipality=muni, event_id=event_id, table_id=m.table_id,
            employer_id=m.employer_id, candidate_id=m.candidate_id, round=m.round,
        )
        if old is None:
            added += 1
        elif old != record:
            changed += 1
        records.append(record)
    drop_meetings = [m.id for key, m in existing.items() if key not in wanted]
    # the exploration seats' lottery, drawn or not, replaces any earlier plan's
    draws = [ExplorationDraw(id=_short_id("", event_id, "l", c), municipality=muni, event_id=event_id,
                             candidate_id=c, drawn=c in explored) for c in plan.lottery]
    old_draws = {d.id: d for d in store.list(ExplorationDraw, where={"event_id": event_id})}
    with store.transaction() as conn:
        store.delete(TableMeeting, drop_meetings, actor=actor, conn=conn)
        store.upsert([*records, *(d for d in draws if old_draws.get(d.id) != d)],
                     actor=actor, conn=conn)
        store.delete(Invitation, drop_invitations, actor=actor, conn=conn)
        store.delete(ExplorationDraw, sorted(set(old_draws) - {d.id for d in draws}),
                     actor=actor, conn=conn)
    return SaveSummary(len(new_invitations), len(drop_invitations), added, changed,
                       len(drop_meetings))


# --------------------------------------------------------------------------- after the event


@dataclass(frozen=True)
class AttendanceResult:
    """What :func:`record_event_attendance` recorded."""

    present: list[str]
    absent: list[str]
    meetings_removed: int
    meetings_restored: int


def record_event_attendance(
    store: Store,
    event_id: str,
    present: Iterable[str],
    absent: Iterable[str] = (),
    *,
    rest_absent: bool = True,
    today: dt.date,
    actor: str = "system",
) -> AttendanceResult:
    """Record who came, and keep only the held meetings.

    Parameters
    ----------
    present, absent : iterables of candidate ids
        Who came, and who did not.
    rest_absent : bool
        Record every other invited candidate as absent (a sign-in sheet);
        False leaves them untouched.
    today : date
        Attendance is recorded on or after the event date.

    Validation and the attendance itself go through
    :func:`matching.outcomes.recording.record_attendance`; then, in a second
    transaction, the planned meetings of absent candidates are deleted and
    those of candidates corrected to present are restored from the history.
    Both steps are idempotent, so running the command again completes an
    interrupted run.

    Raises
    ------
    OutcomeError
        Unknown event, a future event, a candidate who was not invited, a
        candidate both present and absent, or an absent candidate who already
        has a follow-up recorded.
    """
    if store.get(Event, event_id) is None:
        raise OutcomeError("event_id", f"unknown event id {event_id!r}")
    present, absent = list(dict.fromkeys(present)), list(dict.fromkeys(absent))
    both = sorted(set(present) & set(absent))
    if both:
        raise OutcomeError(
            "attended", f"candidate(s) {', '.join(both)} are both present and absent"
        )
    invitations = store.list(Invitation, where={"event_id": event_id})
    marks = {c: True for c in present} | {c: False for c in absent}
    if rest_absent:
        for inv in invitations:
            marks.setdefault(inv.candidate_id, False)
    meetings = store.list(TableMeeting, where={"event_id": event_id})
    followed = sorted({m.candidate_id for m in meetings
                       if m.follow_up and marks.get(m.candidate_id) is False})
    if followed:
        raise OutcomeError(
            "attended",
            f"candidate(s) {', '.join(followed)} have a follow-up recorded at event {event_id} "
            "but are marked absent; clear the follow-up first",
        )
    if not marks:
        raise OutcomeError("attended", f"nobody to record: event {event_id} has no invitations")
    record_attendance(store, event_id, marks, today=today, actor=actor)
    event = store.get(Event, event_id)
    assert event is not None  # record_attendance refuses an unknown event
    drop = [m.id for m in meetings if marks.get(m.candidate_id) is False]
    has_meeting = {m.candidate_id for m in meetings}
    restore: list[TableMeeting] = []
    for cid in (c for c, came in marks.items() if came and c not in has_meeting):
        for r in range(1, event.rounds + 1):
            history = store.history(TableMeeting, meeting_id(event_id, cid, r))
            if history and history[-1]["action"] == "delete" and history[-1]["before"]:
                restore.append(TableMeeting.model_validate(history[-1]["before"]))
    with store.transaction() as conn:
        store.delete(TableMeeting, drop, actor=actor, conn=conn)
        store.upsert(restore, actor=actor, conn=conn)
    return AttendanceResult(
        present=[c for c, came in marks.items() if came],
        absent=[c for c, came in marks.items() if not came],
        meetings_removed=len(drop),
        meetings_restored=len(restore),
    )


def record_table_follow_up(
    store: Store,
    event_id: str,
    candidate_id: str,
    employer_id: str,
    follow_up: bool = True,
    *,
    today: dt.date,
    actor: str = "system",
) -> TableMeeting:
    """Mark that a table conversation leads to a follow-up conversation (or not).

    Finds the candidate's meeting with the employer at the event and records
    it with :func:`matching.outcomes.recording.record_follow_up`; the flag is the grade-1
    label for training. Later outcomes (trial, WEP, job) are recorded as
    outcomes with the event id.

    Raises
    ------
    OutcomeError
        No such meeting (never planned, or removed because the candidate did
        not come), or any check of :func:`record_follow_up`.
    """
    if store.get(Event, event_id) is None:
        raise OutcomeError("event_id", f"unknown event id {event_id!r}")
    found = store.list(TableMeeting, where={"event_id": event_id, "candidate_id": candidate_id,
                                            "employer_id": employer_id})
    if not found:
        met = sorted({m.employer_id for m in store.list(
            TableMeeting, where={"event_id": event_id, "candidate_id": candidate_id})})
        detail = f"they met {', '.join(met)}" if met else "they have no meetings there"
        raise OutcomeError(
            "employer_id",
            f"candidate {candidate_id} did not meet employer {employer_id} at event {event_id} "
            f"({detail})",
        )
    return record_follow_up(store, found[0].id, follow_up, today=today, actor=actor)
