"""Hard filters: pairs that must never be proposed, with the reason why.

A veto is not a low score: a vetoed pair gets no place on a shortlist and no
edge in an event plan. Everything here works on column arrays so a whole pool
is filtered at once; the same function serves one pair (arrays of length 1).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Literal

import numpy as np

from matching.records.enums import CandidateStatus
from matching.records.schemas import Employer, Event, WorkNeed
from matching.shortlists.candidate_arrays import CandidateArrays, demand_mask
from matching.shortlists.geo import reach_km, travel_km


class Veto(str, Enum):
    NO_CONSENT = "no_consent"
    NOT_AVAILABLE = "not_available"
    ALREADY_PLACED = "already_placed"
    TOO_FAR = "too_far"
    HOURS = "hours_do_not_fit"
    LIMITS = "limits_clash"


VETO_LABELS: dict[Veto, str] = {
    Veto.NO_CONSENT: "geen toestemming",
    Veto.NOT_AVAILABLE: "niet beschikbaar",
    Veto.ALREADY_PLACED: "al geplaatst",
    Veto.TOO_FAR: "reisafstand te groot",
    Veto.HOURS: "uren passen niet",
    Veto.LIMITS: "belastbaarheid past niet bij het werk",
}


@dataclass(frozen=True)
class Site:
    """Where and what the work is, as arrays broadcastable against a candidate pool."""

    lat: np.ndarray | float
    lon: np.ndarray | float
    hours_min: np.ndarray | float | None = None  # None: hours are not checked (events)
    hours_max: np.ndarray | float | None = None
    hard_demands: np.ndarray | int | None = None  # bit mask; None: limits are not checked

    @classmethod
    def of_work_need(cls, need: WorkNeed, employer: Employer) -> Site:
        return cls(
            lat=np.nan if employer.lat is None else employer.lat,
            lon=np.nan if employer.lon is None else employer.lon,
            hours_min=float(need.hours_min),
            hours_max=float(need.hours_max),
            hard_demands=int(demand_mask(sorted(need.hard_demands, key=lambda d: d.value))),
        )

    @classmethod
    def of_work_needs(cls, needs: list[WorkNeed], employers: dict[str, Employer]) -> Site:
        """Many work needs at once (for candidate -> work needs)."""
        sites = [cls.of_work_need(n, employers[n.employer_id]) for n in needs]
        return cls(
            lat=np.array([s.lat for s in sites], dtype=float),
            lon=np.array([s.lon for s in sites], dtype=float),
            hours_min=np.array([s.hours_min for s in sites], dtype=float),
            hours_max=np.array([s.hours_max for s in sites], dtype=float),
            hard_demands=np.array([s.hard_demands for s in sites], dtype=np.uint32),
        )

    @classmethod
    def of_event(cls, event: Event) -> Site:
        """The venue of a prettig gesprek: only travel is checked here."""
        return cls(
            lat=np.nan if event.lat is None else event.lat,
            lon=np.nan if event.lon is None else event.lon,
        )


@dataclass(frozen=True)
class DayStatus:
    """Who is placed, and who is not available though not placed, on one day: the part of
    the vetoes that does not depend on the work (:func:`day_status`)."""

    placed: np.ndarray
    not_available: np.ndarray


def day_status(
    pool: CandidateArrays, on: dt.date, placed_ids: frozenset[str] | np.ndarray = frozenset()
) -> DayStatus:
    """The candidates' placement and availability on ``on`` (``placed_ids``: see
    :func:`veto_masks`). The same for every work need of a pool, so a pool keeps it
    (:meth:`matching.shortlists.pool.Pool.day_status`)."""
    placed = pool.status_on(on) == CandidateStatus.PLACED.value
    if isinstance(placed_ids, np.ndarray):
        placed = placed | placed_ids
    elif placed_ids:
        # a set lookup per id: np.isin sorts object arrays, seconds for a large pool
        placed = placed | np.fromiter(
            (i in placed_ids for i in pool.ids.tolist()), dtype=bool, count=len(pool.ids)
        )
    return DayStatus(placed, ~pool.available_on(on) & ~placed)


def veto_masks(
    pool: CandidateArrays,
    site: Site,
    *,
    on: dt.date,
    consent: Literal["matching", "events", "employers"] = "matching",
    placed_ids: frozenset[str] | np.ndarray = frozenset(),
    day: DayStatus | None = None,
) -> dict[Veto, np.ndarray]:
    """For each veto, a boolean array: True where the pair is vetoed.

    Parameters
    ----------
    pool
        The candidates (one row per pair when ``site`` holds arrays).
    site
        The work or venue.
    on
        The date availability is judged on (today, or the event's date).
    consent
        Which consent the use needs: matching at all, being invited to events,
        or being shown to employers (which also needs consent to matching).
    placed_ids
        Candidates in a placement on ``on`` by the outcomes recorded by then
        (:func:`matching.shortlists.as_of.placed_on`), also when their status
        was not updated: their ids, or whether each row's candidate is one
        (as :meth:`matching.shortlists.pool.Pool.day_status` passes them).
    day
        :func:`day_status` of ``pool`` on ``on`` with ``placed_ids``, when the caller
        keeps it; worked out here otherwise.
    """
    if consent == "matching":
        no_consent = ~pool.consent_matching
    elif consent == "events":
        no_consent = ~(pool.consent_matching & pool.consent_events)
    elif consent == "employers":
        no_consent = ~(pool.consent_matching & pool.consent_share_employers)
    else:
        raise ValueError(f"consent must be 'matching', 'events' or 'employers', got {consent!r}")
    if day is None:
        day = day_status(pool, on, placed_ids)
    placed, not_available = day.placed, day.not_available
    km = travel_km(pool.lat, pool.lon, site.lat, site.lon)
    # unknown distance is not a veto: the reason says the distance is unknown
    too_far = np.nan_to_num(km, nan=0.0) > reach_km(pool.mobility, pool.max_travel_km)
    n = len(pool)
    masks = {
        Veto.NO_CONSENT: np.broadcast_to(no_consent, n).copy(),
        Veto.NOT_AVAILABLE: np.broadcast_to(not_available, n).copy(),
        Veto.ALREADY_PLACED: np.broadcast_to(placed, n).copy(),
        Veto.TOO_FAR: np.broadcast_to(too_far, n).copy(),
    }
    if site.hours_max is not None and site.hours_min is not None:  # set together
        low = np.maximum(pool.hours_min, site.hours_min)
        high = np.minimum(pool.hours_max, site.hours_max)
        masks[Veto.HOURS] = np.broadcast_to(low > high, n).copy()
    if site.hard_demands is not None:
        clash = (pool.limits & np.asarray(site.hard_demands, dtype=np.uint32)) != 0
        masks[Veto.LIMITS] = np.broadcast_to(clash, n).copy()
    return masks


def allowed(masks: dict[Veto, np.ndarray]) -> np.ndarray:
    """True where no veto applies."""
    vetoed = np.zeros(len(next(iter(masks.values()))), dtype=bool)
    for mask in masks.values():
        vetoed |= mask
    return ~vetoed


def vetoes_of(masks: dict[Veto, np.ndarray], row: int) -> tuple[list[Veto], list[Veto]]:
    """(vetoes that apply, checks passed) for one row."""
    hit = [v for v, m in masks.items() if m[row]]
    passed = [v for v, m in masks.items() if not m[row]]
    return hit, passed
