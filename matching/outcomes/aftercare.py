"""Aftercare (nazorg): check-ins on placements at 1, 3, 6 and 12 months.

Every placement (trial, WEP, regular job) is checked on at 1, 3, 6 and 12
months after its start date. Relationship managers see what is due within a
window and what is overdue (:func:`due_checkins`), record what they heard
(:func:`record_checkin`), and get placements at risk flagged
(:func:`at_risk`). Whether a placement *lasted* is derived from the check-ins
only (:func:`sustained`): True, False or None (not known yet), never guessed.

Scheduling rules
----------------
* The check-in for month *m* is due on ``start_date + m`` calendar months
  (the day is clamped to the month's last day).
* A check-in is open until one is recorded for that month (or for a later
  month: once month 6 is in, a missed month-3 call is moot).
* Nothing is due after a ``stopped`` check-in, after the placement's actual
  ``end_date``, or for placements without a start date.
"""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from pydantic import ValidationError

from matching.outcomes.recording import (
    MAX_PLACEMENT_HOURS,
    MIN_PLACEMENT_HOURS,
    OutcomeError,
    schema_error_in_dutch,
)
from matching.records.enums import CheckInStatus, OutcomeKind, dutch_date, dutch_label
from matching.records.schemas import Candidate, CheckIn, Outcome
from matching.records.storage import Store

__all__ = [
    "CHECKIN_MONTHS",
    "DueCheckIn",
    "RiskFlag",
    "RiskRules",
    "add_months",
    "at_risk",
    "due_by_manager",
    "due_checkins",
    "open_checkins",
    "record_checkin",
    "sustained",
]

#: Months after the start date at which a placement gets a check-in.
CHECKIN_MONTHS: tuple[int, ...] = (1, 3, 6, 12)
#: A check-in may be held at most this many days before its due date.
EARLY_DAYS = 31
PLACEMENT_KINDS = [k.value for k in OutcomeKind if k.is_placement]
_STILL_WORKING = (CheckInStatus.WORKING, CheckInStatus.HOURS_CHANGED)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole calendar months, the day clamped to the month's end."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# ---- sustained placement --------------------------------------------------------------------


def sustained(outcome: Outcome, checkins: Iterable[CheckIn], months: int = 6) -> bool | None:
    """Whether a placement lasted ``months`` months, derived from its check-ins.

    Parameters
    ----------
    outcome : Outcome
    checkins : iterable of CheckIn
        Check-ins of this outcome (others are ignored).
    months : int
        6 or 12 (any month from 1 to 24 works).

    Returns
    -------
    bool or None
        True: a check-in at month >= ``months`` says working (or working with
        changed hours) and no check-in before it says stopped.
        False: the outcome is not a placement, or a check-in at month <=
        ``months`` says stopped (before any check-in that shows it lasted).
        None: not known yet, e.g. the month-6 check-in is not in.

    Examples
    --------
    >>> sustained(job, [checkin(month=1, status="working")], months=6)  # doctest: +SKIP
    """
    if not outcome.kind.is_placement:
        return False
    ordered = sorted(
        (c for c in checkins if c.outcome_id == outcome.id), key=lambda c: (c.month, c.date)
    )
    for checkin in ordered:
        if checkin.status is CheckInStatus.STOPPED:
            return False if checkin.month <= months else None
        if checkin.month >= months:
            return True
    return None


# ---- what is due ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DueCheckIn:
    """A check-in that is due soon or overdue."""

    outcome_id: str
    candidate_id: str
    employer_id: str | None
    municipality: str
    relationship_manager: str
    kind: str
    month: int
    due_date: dt.date
    days_overdue: int  # negative: days until it is due
    state: Literal["due", "overdue"]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["due_date"] = self.due_date.isoformat()
        return data


def _stopped(checkins: Sequence[CheckIn]) -> CheckIn | None:
    stops = [c for c in checkins if c.status is CheckInStatus.STOPPED]
    return min(stops, key=lambda c: (c.month, c.date)) if stops else None


def open_checkins(
    outcome: Outcome, checkins: Sequence[CheckIn], *, until: dt.date
) -> list[tuple[int, dt.date]]:
    """Scheduled check-ins not yet recorded, due on or before ``until``: (month, due date)."""
    if not outcome.kind.is_placement or outcome.start_date is None:
        return []
    if _stopped(checkins) is not None:
        return []
    last_month = max((c.month for c in checkins), default=0)
    found = []
    for month in CHECKIN_MONTHS:
        if month <= last_month:
            continue
        due = add_months(outcome.start_date, month)
        if due > until or (outcome.end_date is not None and due > outcome.end_date):
            break
        found.append((month, due))
    return found


def _load(
    store: Store, municipality: str | None
) -> tuple[list[Outcome], dict[str, list[CheckIn]], dict[str, Candidate]]:
    outcomes = store.list(Outcome, municipality=municipality, where={"kind": PLACEMENT_KINDS})
    checkins: dict[str, list[CheckIn]] = defaultdict(list)
    for checkin in store.list(CheckIn, municipality=municipality):
        checkins[checkin.outcome_id].append(checkin)
    candidates = {c.id: c for c in store.list(Candidate, municipality=municipality)}
    return outcomes, checkins, candidates


def due_checkins(
    store: Store,
    today: dt.date,
    municipality: str | None = None,
    *,
    window_days: int = 14,
) -> list[DueCheckIn]:
    """Check-ins due within ``window_days`` from ``today``, and every overdue one.

    Returns
    -------
    list of DueCheckIn
        Sorted by relationship manager, then most overdue first. Group them with
        :func:`due_by_manager`.
    """
    if window_days < 0:
        raise ValueError(f"window_days must be >= 0, got {window_days}")
    outcomes, checkins, candidates = _load(store, municipality)
    until = today + dt.timedelta(days=window_days)
    items = []
    for outcome in outcomes:
        candidate = candidates.get(outcome.candidate_id)
        manager = candidate.relationship_manager if candidate else ""
        for month, due in open_checkins(outcome, checkins.get(outcome.id, []), until=until):
            overdue = (today - due).days
            items.append(
                DueCheckIn(
                    outcome_id=outcome.id,
                    candidate_id=outcome.candidate_id,
                    employer_id=outcome.employer_id,
                    municipality=outcome.municipality,
                    relationship_manager=manager,
                    kind=outcome.kind.value,
                    month=month,
                    due_date=due,
                    days_overdue=overdue,
                    state="overdue" if overdue > 0 else "due",
                )
            )
    items.sort(key=lambda d: (d.relationship_manager, -d.days_overdue, d.outcome_id, d.month))
    return items


def due_by_manager(items: Iterable[DueCheckIn]) -> dict[str, list[DueCheckIn]]:
    """Group due check-ins per relationship manager ("" when none is set)."""
    grouped: dict[str, list[DueCheckIn]] = defaultdict(list)
    for item in items:
        grouped[item.relationship_manager].append(item)
    return dict(grouped)


# ---- recording ------------------------------------------------------------------------------


def record_checkin(
    store: Store,
    outcome_id: str,
    *,
    month: int,
    date: dt.date,
    status: CheckInStatus | str,
    today: dt.date,
    hours: int | None = None,
    reason: str = "",
    checkin_id: str | None = None,
    municipality: str | None = None,
    actor: str = "system",
) -> CheckIn:
    """Record an aftercare check-in on a placement.

    Recording the same month again corrects the earlier check-in (the id is
    ``<outcome_id>-m<month>`` by default); the store keeps the old version.

    Parameters
    ----------
    outcome_id : str
        The placement (an outcome of kind trial, WEP or job).
    month : int
        Which scheduled check-in this is (1, 3, 6, 12; up to 24 allowed).
    date : date
        When the check-in took place: not after ``today``, not before the
        start date, at most a month before it is due.
    status : {"working", "hours_changed", "stopped"}
    hours : int, optional
        Hours per week now; required for ``hours_changed``, none for ``stopped``.
    reason : str
        Why the placement stopped (required for ``stopped``), or a note.

    Raises
    ------
    OutcomeError
        Unknown placement, an outcome that is not a placement, dates out of
        order, hours out of range, or a check-in after the placement stopped.
        Nothing is written.
    """
    outcome = store.get(Outcome, outcome_id)
    if outcome is None:
        raise OutcomeError("outcome_id", f"unknown placement id {outcome_id!r}",
                           dutch=f"plaatsing {outcome_id} bestaat niet")
    assert isinstance(outcome, Outcome)
    if municipality is not None and outcome.municipality != municipality:
        raise OutcomeError(
            "outcome_id",
            f"{outcome_id} belongs to municipality {outcome.municipality}, not {municipality}",
            dutch=f"{outcome_id} hoort niet bij gemeente {municipality}",
        )
    if not outcome.kind.is_placement:
        raise OutcomeError(
            "outcome_id", f"outcome {outcome_id} is a {outcome.kind.value}, not a placement",
            dutch=f"uitkomst {outcome_id} is een {dutch_label(outcome.kind)}, geen plaatsing",
        )
    if checkin_id is None:
        checkin_id = f"{outcome_id}-m{month}"
        if len(checkin_id) > 64:
            checkin_id = f"CI{uuid.uuid4().hex[:12]}"
    try:
        checkin = CheckIn(
            id=checkin_id,
            municipality=outcome.municipality,
            outcome_id=outcome_id,
            month=month,
            date=date,
            status=status,
            hours=hours,
            reason=reason,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or (
            "reason" if "reason" in first.get("msg", "") else "checkin"
        )
        message = first.get("msg", str(exc)).removeprefix("Value error, ")
        raise OutcomeError(field, message, dutch=schema_error_in_dutch(first, field)) from None

    start = outcome.start_date
    if checkin.date > today:
        raise OutcomeError("date", f"{checkin.date} lies in the future (today is {today})",
                           dutch=f"{dutch_date(checkin.date)} ligt in de toekomst")
    if start is not None and checkin.date < start:
        raise OutcomeError("date", f"{checkin.date} is before the placement started ({start})",
                           dutch=f"{dutch_date(checkin.date)} ligt voor het begin van de plaatsing "
                           f"({dutch_date(start)})")
    if start is not None:
        earliest = add_months(start, month) - dt.timedelta(days=EARLY_DAYS)
        if checkin.date < earliest:
            raise OutcomeError(
                "month",
                f"a month-{month} check-in is due on {add_months(start, month)}; "
                f"{checkin.date} is more than {EARLY_DAYS} days early",
                dutch=f"het contact na {month} maanden is op {dutch_date(add_months(start, month))}; "
                f"{dutch_date(checkin.date)} is meer dan {EARLY_DAYS} dagen te vroeg",
            )
    if checkin.status is CheckInStatus.STOPPED:
        if checkin.hours not in (None, 0):
            raise OutcomeError("hours", "a stopped placement has no hours",
                               dutch="een gestopte plaatsing heeft geen uren")
    else:
        if checkin.status is CheckInStatus.HOURS_CHANGED and checkin.hours is None:
            raise OutcomeError("hours", "hours_changed needs the new hours per week",
                               dutch="bij andere uren hoort het nieuwe aantal uren per week")
        if checkin.hours is not None and not (
            MIN_PLACEMENT_HOURS <= checkin.hours <= MAX_PLACEMENT_HOURS
        ):
            raise OutcomeError(
                "hours",
                f"{checkin.hours} hours per week is out of range "
                f"({MIN_PLACEMENT_HOURS}-{MAX_PLACEMENT_HOURS})",
                dutch=f"{checkin.hours} uur per week kan niet: {MIN_PLACEMENT_HOURS} tot "
                f"{MAX_PLACEMENT_HOURS}",
            )
    others = [
        c for c in store.list(CheckIn, where={"outcome_id": outcome_id})
        if isinstance(c, CheckIn) and c.id != checkin.id
    ]
    stop = _stopped(others)
    if stop is not None and stop.month <= checkin.month:
        raise OutcomeError(
            "status",
            f"placement {outcome_id} stopped at the month-{stop.month} check-in ({stop.date}); "
            "record a new outcome if the candidate started again",
            dutch=f"plaatsing {outcome_id} is gestopt bij het contact na {stop.month} maanden "
            f"({dutch_date(stop.date)}); leg een nieuwe uitkomst vast als de kandidaat weer begon",
        )
    store.upsert([checkin], actor=actor)
    return checkin


# ---- at risk --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskRules:
    """When a running placement is flagged as at risk."""

    hours_drop_share: float = 0.25  # hours now at least this much below the start hours
    overdue_days: int = 30  # a check-in overdue by more than this

    def __post_init__(self) -> None:
        if not 0 < self.hours_drop_share < 1:
            raise ValueError(f"hours_drop_share must be in (0, 1), got {self.hours_drop_share}")
        if self.overdue_days < 0:
            raise ValueError(f"overdue_days must be >= 0, got {self.overdue_days}")


@dataclass(frozen=True)
class RiskFlag:
    """A running placement that needs attention, with every reason found.

    ``reasons`` are codes: ``hours_dropped`` (hours now well below the start),
    ``hours_reduced`` (the latest check-in reports fewer hours than before),
    ``checkin_overdue`` (a check-in overdue by more than the allowed days).
    ``details`` say the same in Dutch for relationship managers.
    """

    outcome_id: str
    candidate_id: str
    relationship_manager: str
    reasons: tuple[str, ...]
    details: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "reasons": list(self.reasons), "details": list(self.details)}


def _risk_of(
    outcome: Outcome, checkins: list[CheckIn], today: dt.date, rules: RiskRules
) -> list[tuple[str, str]]:
    if _stopped(checkins) is not None or outcome.start_date is None:
        return []
    if outcome.end_date is not None and outcome.end_date <= today:
        return []
    found: list[tuple[str, str]] = []
    ordered = sorted(checkins, key=lambda c: (c.month, c.date))
    with_hours = [c for c in ordered if c.hours is not None]
    if outcome.hours and with_hours:
        now = with_hours[-1].hours
        if now is not None and now <= outcome.hours * (1 - rules.hours_drop_share):
            found.append(
                ("hours_dropped", f"uren per week {outcome.hours} -> {now} sinds de start")
            )
    if ordered and ordered[-1].status is CheckInStatus.HOURS_CHANGED:
        latest = ordered[-1]
        earlier = [c.hours for c in with_hours if c is not latest]
        before = earlier[-1] if earlier else outcome.hours
        if before is not None and latest.hours is not None and latest.hours < before:
            found.append(
                ("hours_reduced", f"maand {latest.month}: uren {before} -> {latest.hours}")
            )
    for month, due in open_checkins(outcome, checkins, until=today):
        late = (today - due).days
        if late > rules.overdue_days:
            found.append(("checkin_overdue", f"nazorg maand {month}: {late} dagen te laat"))
            break
    return found


def at_risk(
    store: Store,
    today: dt.date,
    municipality: str | None = None,
    *,
    rules: RiskRules = RiskRules(),
) -> list[RiskFlag]:
    """Running placements at risk, sorted by relationship manager and outcome id."""
    outcomes, checkins, candidates = _load(store, municipality)
    flags = []
    for outcome in outcomes:
        found = _risk_of(outcome, checkins.get(outcome.id, []), today, rules)
        if not found:
            continue
        candidate = candidates.get(outcome.candidate_id)
        flags.append(
            RiskFlag(
                outcome_id=outcome.id,
                candidate_id=outcome.candidate_id,
                relationship_manager=candidate.relationship_manager if candidate else "",
                reasons=tuple(code for code, _ in found),
                details=tuple(text for _, text in found),
            )
        )
    flags.sort(key=lambda f: (f.relationship_manager, f.outcome_id))
    return flags
