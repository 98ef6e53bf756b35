"""Column arrays of a candidate pool, built once and shared by vetoes and features.

Hard filters and pair features run over thousands of candidates per request;
working on numpy columns instead of record objects keeps a 50k pool in
milliseconds. The arrays hold only what matching needs: protected attributes
(gender, age band, target-group flags) are deliberately absent, so no feature
can be built from them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import DTypeLike

from matching.records.enums import CandidateStatus, Demand, EducationLevel, LanguageLevel, Mobility
from matching.records.schemas import Candidate
from matching.shortlists.geo import MOBILITY_ORDER

DEMAND_ORDER: tuple[Demand, ...] = tuple(Demand)
_DEMAND_BIT = {d: np.uint32(1 << i) for i, d in enumerate(DEMAND_ORDER)}
_MOBILITY_INDEX = {m: i for i, m in enumerate(MOBILITY_ORDER)}


def demand_mask(demands: Sequence[Demand]) -> np.uint32:
    """Demands (or limits) as a bit mask."""
    mask = np.uint32(0)
    for d in demands:
        mask |= _DEMAND_BIT[Demand(d)]
    return mask


def demands_of(mask: int) -> list[Demand]:
    return [d for d in DEMAND_ORDER if int(mask) & int(_DEMAND_BIT[d])]


@dataclass(frozen=True)
class CandidateArrays:
    """A candidate pool as columns; row ``i`` is ``ids[i]``."""

    ids: np.ndarray  # object (str)
    lat: np.ndarray
    lon: np.ndarray
    mobility: np.ndarray  # index into MOBILITY_ORDER
    max_travel_km: np.ndarray
    hours_min: np.ndarray
    hours_max: np.ndarray
    limits: np.ndarray  # uint32 bit mask over DEMAND_ORDER
    consent_matching: np.ndarray
    consent_share_employers: np.ndarray
    consent_events: np.ndarray
    consent_region: np.ndarray
    status: np.ndarray  # object (CandidateStatus value)
    status_since: np.ndarray  # datetime64[D]; NaT means the status always held
    available_from: np.ndarray  # datetime64[D]; NaT means available now
    registered_on: np.ndarray  # datetime64[D]; NaT means in the caseload for as long as known
    rung: np.ndarray
    benefit_months: np.ndarray
    language_rank: np.ndarray
    education_rank: np.ndarray
    startkwalificatie: np.ndarray
    prior_paid_work: np.ndarray
    completeness: np.ndarray
    soft_text_chars: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_candidates(cls, candidates: Sequence[Candidate]) -> CandidateArrays:
        def col(getter: Callable[[Candidate], object], dtype: DTypeLike) -> np.ndarray:
            return np.fromiter((getter(c) for c in candidates), dtype=dtype, count=len(candidates))

        return cls(
            ids=np.array([c.id for c in candidates], dtype=object),
            lat=col(lambda c: np.nan if c.lat is None else c.lat, float),
            lon=col(lambda c: np.nan if c.lon is None else c.lon, float),
            mobility=col(lambda c: _MOBILITY_INDEX[Mobility(c.mobility)], np.int8),
            max_travel_km=col(lambda c: c.max_travel_km, float),
            hours_min=col(lambda c: c.hours_min, float),
            hours_max=col(lambda c: c.hours_max, float),
            limits=col(lambda c: demand_mask(c.limits), np.uint32),
            consent_matching=col(lambda c: c.consent_matching, bool),
            consent_share_employers=col(lambda c: c.consent_share_employers, bool),
            consent_events=col(lambda c: c.consent_events, bool),
            consent_region=col(lambda c: c.consent_region, bool),
            status=np.array([CandidateStatus(c.status).value for c in candidates], dtype=object),
            status_since=_dates([c.status_since for c in candidates]),
            available_from=_dates([c.available_from for c in candidates]),
            registered_on=_dates([c.registered_on for c in candidates]),
            rung=col(lambda c: c.rung, float),
            benefit_months=col(lambda c: c.benefit_months, float),
            language_rank=col(lambda c: LanguageLevel(c.language_level).rank, float),
            education_rank=col(lambda c: EducationLevel(c.education).rank, float),
            startkwalificatie=col(lambda c: EducationLevel(c.education).has_startkwalificatie, bool),
            prior_paid_work=col(lambda c: c.prior_paid_work, bool),
            completeness=col(lambda c: c.profile_completeness, float),
            soft_text_chars=col(lambda c: len(c.soft_text), float),
        )

    def take(self, rows: np.ndarray) -> CandidateArrays:
        """The sub-pool of the given row indices (or boolean mask)."""
        return CandidateArrays(**{name: getattr(self, name)[rows] for name in self.__dataclass_fields__})

    def with_rows(self, rows: np.ndarray, other: CandidateArrays) -> CandidateArrays:
        """The same candidates with ``rows`` replaced by ``other``'s rows (their profiles
        written again; the ids stay). Only the columns whose values in ``rows`` changed are
        copied: an edit changes a field or two, and a region's pools hold 70,000 rows."""
        columns = {}
        for name in self.__dataclass_fields__:
            column, new = getattr(self, name), getattr(other, name)
            if name != "ids" and not np.array_equal(column[rows], new, equal_nan=column.dtype.kind in "fmM"):
                column = column.copy()
                column[rows] = new
            columns[name] = column
        return CandidateArrays(**columns)

    @classmethod
    def concat(cls, parts: Sequence[CandidateArrays]) -> CandidateArrays:
        """One pool of several, in order."""
        return cls(**{name: np.concatenate([getattr(p, name) for p in parts])
                      for name in cls.__dataclass_fields__})

    def _later(self, day: dt.date) -> np.ndarray:
        """Whose stored status took effect after ``day``."""
        later: np.ndarray = ~np.isnat(self.status_since) & (self.status_since > np.datetime64(day, "D"))
        return later

    def status_on(self, day: dt.date) -> np.ndarray:
        """Each candidate's status on ``day``: a status that took effect later did not hold yet,
        and the candidate counts as active then."""
        return np.where(self._later(day), CandidateStatus.ACTIVE.value, self.status)

    def available_on(self, day: dt.date) -> np.ndarray:
        """Candidates who can start work on ``day``: registered by then, active then (or at the
        end of a pause with a known end), and available from then.

        ``available_from`` belongs to the stored status: on a day before that
        status took effect it does not apply.
        """
        d = np.datetime64(day, "D")
        status = self.status_on(day)
        known_end = ~np.isnat(self.available_from)
        avail = np.where(known_end & ~self._later(day), self.available_from, d)
        registered = np.isnat(self.registered_on) | (self.registered_on <= d)
        active = (status == CandidateStatus.ACTIVE.value) | (
            (status == CandidateStatus.PAUSED.value) & known_end
        )
        result: np.ndarray = registered & active & (avail <= d)
        return result


def _dates(values: Sequence[dt.date | None]) -> np.ndarray:
    return np.array([np.datetime64("NaT") if v is None else v for v in values], dtype="datetime64[D]")

