"""A stored event, checked and ready to plan; and the history a plan looks back on.

:func:`load_event` reads the event, its tables (with the organiser's what-if
seats and rounds) and the hosting employers' open work, and rejects what
cannot be planned with an :class:`~matching.events.event_plan.EventPlanningError`
saying what to change. :func:`invitation_history` and :func:`placed_candidates`
give the earlier invitations and the running placements a plan must respect.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import ValidationError

from matching.events.event_plan import EventPlanningError, PlanControls
from matching.records.enums import InvitationStatus, OutcomeKind, dutch_label
from matching.records.schemas import Employer, Event, EventTable, Invitation, Outcome, WorkNeed
from matching.records.storage import Store
from matching.shortlists.pool import open_on

__all__ = [
    "EventSetup",
    "invitation_history",
    "load_event",
    "months_before",
    "placed_candidates",
    "stand_in_needs",
]

_MAX_ROUNDS = 20  # what an Event and a TableMeeting can hold


@dataclass(frozen=True)
class EventSetup:
    """A stored event ready to plan: tables with their planned seats, rounds, employers."""

    event: Event
    tables: tuple[EventTable, ...]
    rounds: int
    k: int
    employer_ids: list[str]
    employers: dict[str, Employer]
    needs: list[WorkNeed]  # open on the event's day
    stand_ins: tuple[WorkNeed, ...] = ()  # for hosts without open work: past work or profile

    @property
    def all_needs(self) -> list[WorkNeed]:
        """The work planned for: the open work needs, then the stand-ins (in the engine's
        column order)."""
        return [*self.needs, *self.stand_ins]


def load_event(store: Store, event_id: str, controls: PlanControls) -> EventSetup:
    """The event, its tables (with what-if overrides) and the employers' open work; validated."""
    try:
        event = store.get(Event, event_id)
        tables = store.list(EventTable, where={"event_id": event_id})
    except ValidationError as exc:
        raise EventPlanningError(
            f"event {event_id!r} or one of its tables is stored with invalid values: "
            f"{exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}",
            suggestion="Correct the event or table (every table needs 1-50 seats, "
            "an event 1-20 rounds) and import it again.",
            ids=[event_id],
        ) from None
    if event is None:
        raise EventPlanningError(
            f"unknown event id {event_id!r}",
            suggestion="Check the id, or import the event and its tables first.",
            ids=[event_id],
            dutch=f"Bijeenkomst {event_id} bestaat niet.",
        )
    if not tables:
        raise EventPlanningError(
            f"event {event_id} has no tables",
            suggestion="Add a table (employer and seats) for every employer taking part.",
            ids=[event_id],
            dutch=f"Bijeenkomst {event_id} heeft nog geen tafels: zet een tafel neer voor elke "
            "werkgever die meedoet.",
        )
    seats = dict(controls.seats or {})
    unknown = sorted(set(seats) - {t.id for t in tables})
    if unknown:
        raise EventPlanningError(
            f"seats are given for table(s) {', '.join(unknown)}, which are not tables of event "
            f"{event_id}",
            suggestion=f"Use one of its tables: {', '.join(t.id for t in tables)}.",
            ids=unknown,
        )
    empty = [t.id for t in tables if seats.get(t.id, t.seats) < 1]
    if empty:
        raise EventPlanningError(
            f"table(s) {', '.join(empty)} of event {event_id} have no seats",
            suggestion="Give every table at least one seat, or remove the table.",
            ids=empty,
            dutch=f"Tafel(s) {', '.join(empty)} hebben geen plaatsen: geef elke tafel minstens "
            "een plaats, of haal de tafel weg.",
        )
    tables = [t.model_copy(update={"seats": int(seats[t.id])}) if t.id in seats else t
              for t in tables]
    rounds = event.rounds if controls.rounds is None else int(controls.rounds)
    if not 1 <= rounds <= _MAX_ROUNDS:
        raise EventPlanningError(
            f"rounds must be at least 1 and at most {_MAX_ROUNDS}, got {rounds}",
            suggestion="Plan at least one round." if rounds < 1 else
            f"Plan at most {_MAX_ROUNDS} rounds, or split the event in two.",
            dutch=f"Een bijeenkomst heeft 1 tot {_MAX_ROUNDS} rondes, niet {rounds}.",
        )
    employer_ids = list(dict.fromkeys(t.employer_id for t in tables))
    # by default everybody talks every round, or once with each host when there are fewer hosts
    k = (min(rounds, len(employer_ids)) if controls.rounds_per_candidate is None
         else int(controls.rounds_per_candidate))
    if not 1 <= k <= rounds:
        raise EventPlanningError(
            f"rounds_per_candidate must be between 1 and the {rounds} rounds, got {k}",
            suggestion=f"Give each candidate 1 to {rounds} conversations.",
            dutch=f"Elke kandidaat heeft 1 tot {rounds} gesprekken, niet {k}.",
        )
    employers = {e.id: e for e in store.list(Employer, where={"id": employer_ids})}
    needs = open_on(  # as of the event's day, so a plan for a past day sees that day's work
        store.list(WorkNeed, municipality=event.municipality, where={"employer_id": employer_ids}),
        store.list(Outcome, municipality=event.municipality), event.date,
    )
    without = [e for e in employer_ids if not any(n.employer_id == e for n in needs)]
    stand_ins = stand_in_needs(store, [employers[e] for e in without], event.date) if without else []
    if k > len(employer_ids):
        raise EventPlanningError(
            f"{k} conversations per candidate asked, but only {len(employer_ids)} employer(s) "
            "host a table and nobody meets the same employer twice",
            suggestion=f"Set rounds_per_candidate to at most {len(employer_ids)} "
            "(candidates sit out the other rounds), or add employers.",
            dutch=f"{k} gesprekken per kandidaat, maar er zijn maar {len(employer_ids)} werkgevers "
            "en niemand spreekt een werkgever twee keer: geef minder gesprekken per kandidaat, of "
            "zet meer werkgevers aan tafel.",
        )
    return EventSetup(event, tuple(tables), rounds, k, employer_ids, employers, needs,
                      tuple(stand_ins))


def stand_in_needs(store: Store, employers: list[Employer], day: dt.date) -> list[WorkNeed]:
    """For hosts without open work: the work they had last (as of ``day``), else work read
    from their profile (sector and name), so they can be planned for; the plan warns.

    A past work need keeps its id, so the plan says which work it planned from; one read
    from the profile gets the id ``<employer id>.profiel``.
    """
    past = store.list(WorkNeed, where={"employer_id": [e.id for e in employers]})
    out = []
    for employer in employers:
        earlier = [n for n in past if n.employer_id == employer.id
                   and (n.created_on is None or n.created_on <= day)]
        if earlier:
            latest = max(earlier, key=lambda n: (n.created_on or dt.date.min, n.id))
            out.append(latest.model_copy(update={"open": True}))
        else:
            out.append(WorkNeed(
                id=f"{employer.id}.profiel", municipality=employer.municipality,
                employer_id=employer.id, title=f"werk in de sector {dutch_label(employer.sbi_section)}",
                description=f"{employer.name}, {dutch_label(employer.size_class)}", hours_max=40,
            ))
    return out


def months_before(day: dt.date, months: int) -> dt.date:
    m = day.year * 12 + day.month - 1 - months
    year, month = divmod(m, 12)
    last = (dt.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month + 1, min(day.day, last))


def invitation_history(
    store: Store, event: Event
) -> tuple[list[tuple[str, dt.date]], dict[str, Invitation]]:
    """(candidate id, event date) of earlier invitations, and this event's invitations."""
    dates = {e.id: e.date for e in store.list(Event, municipality=event.municipality)}
    past, current = [], {}
    for inv in store.list(Invitation, municipality=event.municipality):
        if inv.event_id == event.id:
            current[inv.candidate_id] = inv
        elif (inv.status is not InvitationStatus.DECLINED
              and dates.get(inv.event_id, event.date) < event.date):
            past.append((inv.candidate_id, dates[inv.event_id]))
    return past, current


def placed_candidates(store: Store, municipality: str, day: dt.date) -> frozenset[str]:
    return frozenset(
        o.candidate_id for o in store.list(Outcome, municipality=municipality)
        if OutcomeKind(o.kind).is_placement and o.start_date is not None and o.start_date <= day
        and (o.end_date is None or o.end_date >= day)
    )
