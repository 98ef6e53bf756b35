"""Recording what meetings led to: attendance, follow-ups, outcomes and corrections.

This is the boundary where staff type in what happened after a *prettig
gesprek*. On top of what the record schemas check, every function here checks
the facts against the store and the calendar:

* ids must exist and belong to the same municipality (candidate, employer,
  work need, event, invitation, meeting, outcome);
* no date may lie after ``today`` — an outcome is recorded once it happened.
  ``end_date`` is the *actual* end of a placement; the planned end of a fixed
  contract follows from ``contract_type`` and is not stored;
* outcome dates may not lie before the event the candidate met the employer at;
* a placement (trial, WEP, job) works 1-60 hours a week; a follow-up or "none"
  has no hours, contract or dates beyond ``recorded_on``.

Every problem raises :class:`OutcomeError` naming the field, and nothing is
written: each function validates everything first and then writes in one
transaction. Corrections are ordinary upserts of the changed record; the store
keeps every earlier version (who, when, before, after), readable through
:func:`outcome_history`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import ValidationError

from matching.records.enums import dutch_date, dutch_label, validation_in_dutch
from matching.records.schemas import (
    Candidate,
    Employer,
    Event,
    Invitation,
    Outcome,
    Record,
    TableMeeting,
    WorkNeed,
)
from matching.records.storage import Store

__all__ = [
    "MAX_PLACEMENT_HOURS",
    "MIN_PLACEMENT_HOURS",
    "OutcomeError",
    "correct_outcome",
    "outcome_history",
    "record_attendance",
    "record_follow_up",
    "record_outcome",
    "validate_outcome",
]

R = TypeVar("R", bound=Record)

_NL = {"Candidate": "kandidaat", "Employer": "werkgever", "WorkNeed": "werkvraag",
       "Event": "bijeenkomst", "TableMeeting": "tafelgesprek", "Outcome": "uitkomst"}
#: What an outcome's fields are called for staff.
_FIELD_NL = {"id": "het kenmerk", "municipality": "de gemeente", "candidate_id": "de kandidaat",
             "contract_type": "een soort contract", "hours": "uren", "start_date": "een begindatum",
             "end_date": "een einddatum"}

MIN_PLACEMENT_HOURS = 1
MAX_PLACEMENT_HOURS = 60


class OutcomeError(ValueError):
    """Input for an outcome, attendance or check-in that cannot be recorded.

    Attributes
    ----------
    field : str
        The field that is wrong (``"start_date"``, ``"candidate_id"``, ...).
    """

    def __init__(self, field: str, message: str, *, dutch: str | None = None) -> None:
        self.field = field
        self.message = message
        self.dutch = dutch  # the whole message for staff, in Dutch; None: no wording of ours
        super().__init__(f"{field}: {message}")


def _from_validation_error(exc: ValidationError, fields: Mapping[str, Any]) -> OutcomeError:
    """The first schema error as an :class:`OutcomeError` naming its field."""
    first = exc.errors()[0]
    message = first.get("msg", str(exc)).removeprefix("Value error, ")
    field = ".".join(str(p) for p in first.get("loc", ()))
    if not field:
        # a whole-record rule: name the first field its message mentions
        mentioned = [(message.find(name), name) for name in fields if name in message]
        field = min(mentioned)[1] if mentioned else "record"
    return OutcomeError(field, message, dutch=schema_error_in_dutch(first, field))


def schema_error_in_dutch(error: Mapping[str, Any], field: str) -> str | None:
    """A schema refusal for staff: a record's own rule as it words it, a single value's
    problem after the field's name."""
    dutch = validation_in_dutch(error)
    if dutch is None or (error.get("ctx") or {}).get("dutch"):
        return dutch
    return f"{field}: {dutch}"


def _check_municipality(record: Record, municipality: str | None, field: str) -> None:
    if municipality is not None and record.municipality != municipality:
        raise OutcomeError(
            field,
            f"{record.id} belongs to municipality {record.municipality}, not {municipality}",
            dutch=f"{record.id} hoort niet bij gemeente {municipality}",
        )


def _fetch(
    store: Store, record_type: type[R], record_id: str, field: str, municipality: str
) -> R:
    """A referenced record of the same municipality, or a clear error."""
    found = store.get(record_type, record_id)
    if found is None:
        raise OutcomeError(field, f"unknown {record_type.__name__.lower()} id {record_id!r}",
                           dutch=f"{_NL[record_type.__name__]} {record_id} bestaat niet")
    if found.municipality != municipality:
        raise OutcomeError(
            field,
            f"{record_type.__name__.lower()} {record_id} belongs to municipality "
            f"{found.municipality}, not {municipality}",
            dutch=f"{_NL[record_type.__name__]} {record_id} hoort niet bij gemeente {municipality}",
        )
    assert isinstance(found, record_type)
    return found


def _not_after_today(field: str, value: dt.date | None, today: dt.date) -> None:
    if value is not None and value > today:
        raise OutcomeError(field, f"{value} lies in the future (today is {today})",
                           dutch=f"{dutch_date(value)} ligt in de toekomst (vandaag is {dutch_date(today)})")


# ---- attendance and follow-up ----------------------------------------------------------------


def record_attendance(
    store: Store,
    event_id: str,
    attended: Mapping[str, bool],
    *,
    today: dt.date,
    municipality: str | None = None,
    actor: str = "system",
) -> list[Invitation]:
    """Record who came to an event.

    Parameters
    ----------
    store : Store
    event_id : str
        The event (prettig gesprek).
    attended : mapping of candidate id to bool
        True: came; False: invited but did not come. Candidates left out are
        not touched.
    today : date
        Attendance can only be recorded on or after the event date.
    municipality : str, optional
        When given, the event must belong to it.
    actor : str
        Who records it; kept in the history.

    Returns
    -------
    list of Invitation
        The updated invitations.

    Raises
    ------
    OutcomeError
        Unknown event, an event in the future, a candidate who was not invited.
    """
    event = store.get(Event, event_id)
    if event is None:
        raise OutcomeError("event_id", f"unknown event id {event_id!r}",
                           dutch=f"bijeenkomst {event_id} bestaat niet")
    _check_municipality(event, municipality, "event_id")
    if event.date > today:
        raise OutcomeError(
            "event_id", f"event {event_id} is on {event.date}, after today ({today})",
            dutch=f"bijeenkomst {event_id} is op {dutch_date(event.date)}, dat is na vandaag",
        )
    invitations = {
        inv.candidate_id: inv for inv in store.list(Invitation, where={"event_id": event_id})
    }
    updated: list[Invitation] = []
    for candidate_id, came in attended.items():
        invitation = invitations.get(candidate_id)
        if invitation is None:
            raise OutcomeError(
                "candidate_id", f"candidate {candidate_id!r} was not invited to event {event_id}",
                dutch=f"kandidaat {candidate_id} was niet uitgenodigd voor bijeenkomst {event_id}",
            )
        if not isinstance(came, bool):
            raise OutcomeError("attended", f"must be true or false, got {came!r}",
                               dutch=f"aanwezig moet ja of nee zijn, niet {came!r}")
        updated.append(invitation.model_copy(update={"attended": came}))
    store.upsert(updated, actor=actor)
    return updated


def record_follow_up(
    store: Store,
    meeting_id: str,
    follow_up: bool,
    *,
    today: dt.date,
    municipality: str | None = None,
    actor: str = "system",
) -> TableMeeting:
    """Record whether a table conversation led to a follow-up conversation.

    Raises
    ------
    OutcomeError
        Unknown meeting, a meeting at an event that has not happened yet, or a
        meeting with a candidate recorded as absent.
    """
    meeting = store.get(TableMeeting, meeting_id)
    if meeting is None:
        raise OutcomeError("meeting_id", f"unknown meeting id {meeting_id!r}",
                           dutch=f"tafelgesprek {meeting_id} bestaat niet")
    _check_municipality(meeting, municipality, "meeting_id")
    event = store.get(Event, meeting.event_id)
    if event is not None and event.date > today:
        raise OutcomeError(
            "meeting_id", f"meeting {meeting_id} is on {event.date}, after today ({today})",
            dutch=f"tafelgesprek {meeting_id} is op {dutch_date(event.date)}, dat is na vandaag",
        )
    if follow_up:
        absent = store.list(
            Invitation,
            where={"event_id": meeting.event_id, "candidate_id": meeting.candidate_id},
        )
        if absent and absent[0].attended is False:
            raise OutcomeError(
                "follow_up",
                f"candidate {meeting.candidate_id} is recorded as absent at event "
                f"{meeting.event_id}; correct the attendance first",
                dutch=f"kandidaat {meeting.candidate_id} staat als afwezig bij bijeenkomst "
                f"{meeting.event_id}; pas eerst de aanwezigheid aan",
            )
    updated = meeting.model_copy(update={"follow_up": bool(follow_up)})
    store.upsert([updated], actor=actor)
    return updated


# ---- outcomes --------------------------------------------------------------------------------


def _build_outcome(values: Mapping[str, Any]) -> Outcome:
    try:
        return Outcome.model_validate(dict(values))
    except ValidationError as exc:
        raise _from_validation_error(exc, Outcome.model_fields) from None


def validate_outcome(
    store: Store, outcome: Outcome, *, today: dt.date, municipality: str | None = None
) -> None:
    """Check an outcome against the store and the calendar; raise :class:`OutcomeError`.

    Used by :func:`record_outcome` and :func:`correct_outcome`; exposed so the
    API can check a form before showing a confirmation.
    """
    _check_municipality(outcome, municipality, "municipality")
    home = outcome.municipality
    _fetch(store, Candidate, outcome.candidate_id, "candidate_id", home)
    employer = None
    if outcome.employer_id is not None:
        employer = _fetch(store, Employer, outcome.employer_id, "employer_id", home)
    if outcome.work_need_id is not None:
        need = _fetch(store, WorkNeed, outcome.work_need_id, "work_need_id", home)
        if employer is None:
            raise OutcomeError("employer_id", "a work need is given, so the employer is needed too",
                               dutch="bij een werkvraag hoort ook de werkgever (--employer)")
        if need.employer_id != employer.id:
            raise OutcomeError(
                "work_need_id",
                f"work need {need.id} belongs to employer {need.employer_id}, not {employer.id}",
                dutch=f"werkvraag {need.id} is van werkgever {need.employer_id}, niet van {employer.id}",
            )
    event_date: dt.date | None = None
    if outcome.event_id is not None:
        event = _fetch(store, Event, outcome.event_id, "event_id", home)
        event_date = event.date
        invited = store.list(
            Invitation, where={"event_id": event.id, "candidate_id": outcome.candidate_id}
        )
        if not invited:
            raise OutcomeError(
                "event_id",
                f"candidate {outcome.candidate_id} was not invited to event {event.id}",
                dutch=f"kandidaat {outcome.candidate_id} was niet uitgenodigd voor bijeenkomst {event.id}",
            )

    for name in ("recorded_on", "start_date", "end_date"):
        _not_after_today(name, getattr(outcome, name), today)
    if event_date is not None:
        for name in ("start_date", "recorded_on"):
            value = getattr(outcome, name)
            if value is not None and value < event_date:
                raise OutcomeError(
                    name, f"{value} is before the event ({outcome.event_id} on {event_date})",
                    dutch=f"{dutch_date(value)} ligt voor de bijeenkomst ({outcome.event_id} op "
                    f"{dutch_date(event_date)})",
                )
    if outcome.end_date is not None and outcome.start_date is None:
        raise OutcomeError("start_date", "an end_date is given, so the start_date is needed too",
                           dutch="bij een einddatum hoort ook een begindatum (--start)")
    if outcome.start_date and outcome.end_date and outcome.end_date < outcome.start_date:
        raise OutcomeError(
            "end_date", f"{outcome.end_date} is before start_date {outcome.start_date}",
            dutch=f"einddatum {dutch_date(outcome.end_date)} ligt voor de begindatum "
            f"{dutch_date(outcome.start_date)}",
        )

    if outcome.kind.is_placement:
        if outcome.hours is None:
            raise OutcomeError("hours", f"a {outcome.kind.value} needs the hours per week",
                               dutch=f"een {dutch_label(outcome.kind)} heeft uren per week nodig (--hours)")
        if not MIN_PLACEMENT_HOURS <= outcome.hours <= MAX_PLACEMENT_HOURS:
            raise OutcomeError(
                "hours",
                f"{outcome.hours} hours per week is out of range "
                f"({MIN_PLACEMENT_HOURS}-{MAX_PLACEMENT_HOURS})",
                dutch=f"{outcome.hours} uur per week kan niet: {MIN_PLACEMENT_HOURS} tot "
                f"{MAX_PLACEMENT_HOURS}",
            )
    else:
        for name in ("hours", "start_date", "end_date"):
            if getattr(outcome, name) is not None:
                raise OutcomeError(name, f"does not apply to outcome {outcome.kind.value}",
                                   dutch=f"{_FIELD_NL.get(name, name)} hoort niet bij een "
                                   f"{dutch_label(outcome.kind)}")
        if outcome.wage_subsidy:
            raise OutcomeError("wage_subsidy", f"does not apply to outcome {outcome.kind.value}",
                               dutch=f"loonkostensubsidie hoort niet bij een {dutch_label(outcome.kind)}")


def record_outcome(
    store: Store,
    *,
    today: dt.date,
    municipality: str | None = None,
    actor: str = "system",
    **fields: Any,
) -> Outcome:
    """Record a new outcome of contact between a candidate and an employer.

    Parameters
    ----------
    store : Store
    today : date
        No date may lie after it.
    municipality : str, optional
        When given, the outcome must belong to it.
    actor : str
        Who records it; kept in the history.
    **fields
        The :class:`~matching.records.schemas.Outcome` fields. ``id`` defaults to a
        new random id, ``recorded_on`` to ``today`` and ``municipality`` to the
        candidate's municipality.

    Returns
    -------
    Outcome
        The stored record.

    Raises
    ------
    OutcomeError
        Any problem, naming the field; nothing is written. An ``id`` that is
        already stored is refused: use :func:`correct_outcome`.

    Examples
    --------
    >>> record_outcome(store, today=date(2026, 5, 1), candidate_id="C1",  # doctest: +SKIP
    ...                employer_id="E1", event_id="EV1", kind="job",
    ...                contract_type="fixed_12m", hours=24, start_date=date(2026, 4, 1))
    """
    values = dict(fields)
    values.setdefault("id", f"O{uuid.uuid4().hex[:12]}")
    values.setdefault("recorded_on", today)
    if "municipality" not in values:
        candidate_id = values.get("candidate_id")
        found = store.municipality_of(Candidate, candidate_id) if candidate_id else None
        if found is None:
            raise OutcomeError("candidate_id", f"unknown candidate id {candidate_id!r}",
                               dutch=f"kandidaat {candidate_id} bestaat niet")
        values["municipality"] = found
    outcome = _build_outcome(values)
    if store.get(Outcome, outcome.id) is not None:
        raise OutcomeError("id", f"outcome {outcome.id} already exists; correct it instead",
                           dutch=f"uitkomst {outcome.id} bestaat al; corrigeer die in plaats daarvan")
    validate_outcome(store, outcome, today=today, municipality=municipality)
    store.upsert([outcome], actor=actor)
    return outcome


def correct_outcome(
    store: Store,
    outcome_id: str,
    *,
    today: dt.date,
    municipality: str | None = None,
    actor: str = "system",
    **changes: Any,
) -> Outcome:
    """Correct fields of a stored outcome; the old version stays in the history.

    ``changes`` are field values to replace (``hours=20``, ``end_date=...``);
    the corrected record goes through the same checks as a new one. ``id``,
    ``municipality`` and ``candidate_id`` cannot be changed: record a new
    outcome instead.

    Raises
    ------
    OutcomeError
        Unknown outcome, an unchangeable field, or any check failing.
    """
    current = store.get(Outcome, outcome_id)
    if current is None:
        raise OutcomeError("outcome_id", f"unknown outcome id {outcome_id!r}",
                           dutch=f"uitkomst {outcome_id} bestaat niet")
    _check_municipality(current, municipality, "outcome_id")
    for frozen_field in ("id", "municipality", "candidate_id"):
        if frozen_field in changes and changes[frozen_field] != getattr(current, frozen_field):
            raise OutcomeError(frozen_field, "cannot be corrected; record a new outcome instead",
                               dutch=f"{_FIELD_NL.get(frozen_field, frozen_field)} kan niet worden "
                               "gecorrigeerd; leg een nieuwe uitkomst vast")
    unknown = set(changes) - set(Outcome.model_fields)
    if unknown:
        name = min(unknown)
        raise OutcomeError(name, "is not a field of an outcome",
                           dutch=f"{name} is geen gegeven van een uitkomst")
    values = current.model_dump()
    values.update(changes)
    corrected = _build_outcome(values)
    validate_outcome(store, corrected, today=today, municipality=municipality)
    store.upsert([corrected], actor=actor)
    return corrected


def outcome_history(store: Store, outcome_id: str) -> list[dict[str, Any]]:
    """Every version of an outcome, oldest first: who changed what, when.

    Returns
    -------
    list of dict
        One entry per change with ``changed_at``, ``actor``, ``action``
        (insert, update, delete) and ``changes``: field -> ``[before, after]``
        (for an insert, ``before`` is None for every given field).
    """
    entries = []
    for row in store.history(Outcome, outcome_id):
        before = row["before"] or {}
        after = row["after"] or {}
        names = sorted(set(before) | set(after))
        changes = {
            name: [before.get(name), after.get(name)]
            for name in names
            if before.get(name) != after.get(name)
        }
        entries.append(
            {
                "changed_at": row["changed_at"],
                "actor": row["actor"],
                "action": row["action"],
                "changes": changes,
            }
        )
    return entries
