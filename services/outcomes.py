"""Record what contacts led to (uitkomsten) and keep up aftercare (nazorg).

Recording goes through :mod:`matching.outcomes.recording` and
:mod:`matching.outcomes.aftercare`, which check every fact against the store
and the calendar; their :class:`~matching.outcomes.recording.OutcomeError`
becomes an :class:`~services.errors.InvalidInput` naming the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field

from matching.outcomes import aftercare
from matching.outcomes.recording import (
    OutcomeError,
    correct_outcome,
    outcome_history,
    record_outcome,
)
from matching.records.enums import CheckInStatus
from matching.records.schemas import CheckIn, Outcome
from matching.records.storage import Store
from services import records
from services.actor import Actor
from services.errors import InvalidInput

__all__ = [
    "DueCheckInOut",
    "OutcomeChangeOut",
    "at_risk",
    "checkins_of",
    "correct",
    "due_checkins",
    "history",
    "record",
    "record_checkin",
]


class OutcomeChangeOut(BaseModel):
    changed_at: str
    actor: str
    action: str
    changes: dict[str, list[Any]]


class DueCheckInOut(BaseModel):
    outcome_id: str
    candidate_id: str
    employer_id: str | None
    relationship_manager: str
    kind: str
    month: int
    due_date: dt.date
    days_overdue: int = Field(description="Negative: days until it is due.")
    state: str = Field(description="due or overdue")


def invalid_outcome(exc: OutcomeError) -> InvalidInput:
    """The domain's refusal of an outcome, attendance or check-in as a use-case refusal
    (English for the API, Dutch for staff)."""
    return InvalidInput.of(exc.field, exc.message, dutch=exc.dutch)


def record(store: Store, actor: Actor, values: Mapping[str, Any], *, today: dt.date) -> Outcome:
    """Record a new outcome; every id must exist in the actor's municipality, no date may
    lie after ``today``, placements need hours and a start date.

    ``values`` are :class:`~matching.records.schemas.Outcome` fields; ``id``
    defaults to a new one, ``recorded_on`` to today and ``municipality`` to
    the actor's (an actor who sees every municipality records in the
    candidate's).
    """
    fields = dict(values)
    given = fields.pop("municipality", None)
    if given is not None and actor.municipality is not None and given != actor.municipality:
        raise InvalidInput.of(
            "municipality", f"you can only record outcomes of {actor.municipality}"
        )
    records.check_ids(store, Outcome, fields, actor.municipality)
    try:
        # the record's municipality is the candidate's, checked above to be the actor's
        return record_outcome(
            store, today=today, municipality=actor.municipality, actor=actor.username, **fields
        )
    except OutcomeError as exc:
        raise invalid_outcome(exc) from None


def correct(
    store: Store, actor: Actor, outcome_id: str, changes: Mapping[str, Any], *, today: dt.date
) -> Outcome:
    """Correct fields of an outcome; the old version stays in the history."""
    records.get(store, Outcome, outcome_id, actor)
    records.check_ids(store, Outcome, changes, actor.municipality)
    try:
        return correct_outcome(
            store,
            outcome_id,
            today=today,
            municipality=actor.municipality,
            actor=actor.username,
            **changes,
        )
    except OutcomeError as exc:
        raise invalid_outcome(exc) from None


def history(store: Store, actor: Actor, outcome_id: str) -> list[OutcomeChangeOut]:
    """Every version of an outcome: who changed what, when."""
    records.get(store, Outcome, outcome_id, actor)
    return [
        OutcomeChangeOut(
            changed_at=str(e.get("changed_at", "")),
            actor=str(e.get("actor", "")),
            action=str(e.get("action", "")),
            changes=e.get("changes", {}),
        )
        for e in outcome_history(store, outcome_id)
    ]


def checkins_of(store: Store, actor: Actor, outcome_id: str) -> list[CheckIn]:
    """The aftercare check-ins of a placement, in the order of the months."""
    outcome = records.get(store, Outcome, outcome_id, actor)
    found = store.list(CheckIn, municipality=outcome.municipality, where={"outcome_id": outcome_id})
    return sorted(found, key=lambda c: (c.month, c.date))


def record_checkin(
    store: Store,
    actor: Actor,
    outcome_id: str,
    *,
    month: int,
    date: dt.date,
    status: CheckInStatus | str,
    today: dt.date,
    hours: int | None = None,
    reason: str = "",
) -> CheckIn:
    """Record an aftercare check-in on a placement; the same month again corrects it."""
    outcome = records.get(store, Outcome, outcome_id, actor)
    try:
        return aftercare.record_checkin(
            store,
            outcome_id,
            month=month,
            date=date,
            status=status,
            today=today,
            hours=hours,
            reason=reason,
            municipality=outcome.municipality,
            actor=actor.username,
        )
    except OutcomeError as exc:
        raise invalid_outcome(exc) from None


def due_checkins(
    store: Store,
    municipality: str | None,
    *,
    today: dt.date,
    window_days: int = 14,
    relationship_manager: str | None = None,
) -> list[aftercare.DueCheckIn]:
    """Check-ins due within ``window_days`` or overdue, most overdue first.

    ``municipality`` None: every municipality (the command line).
    """
    items = aftercare.due_checkins(store, today, municipality, window_days=window_days)
    if relationship_manager is not None:
        items = [i for i in items if i.relationship_manager == relationship_manager]
    return items


def due_out(item: aftercare.DueCheckIn) -> DueCheckInOut:
    return DueCheckInOut(**{k: v for k, v in item.__dict__.items() if k != "municipality"})


def at_risk(store: Store, municipality: str | None, *, today: dt.date) -> list[aftercare.RiskFlag]:
    """Running placements at risk: hours dropped, or a check-in long overdue."""
    return aftercare.at_risk(store, today, municipality)
