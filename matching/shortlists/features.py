"""Pair features for the ranker: pure functions from aligned column arrays to a table.

Row ``i`` of every input describes the same (candidate, work need) pair.
Protected attributes (gender, age, nationality or refugee status, disability
register) are not in :class:`~matching.shortlists.candidate_arrays.CandidateArrays` and so
cannot become features; ``tests/matching/shortlists/test_features.py`` enforces it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matching.records.enums import ContractForm, LanguageLevel, OutcomeKind, SizeClass
from matching.records.schemas import Candidate, Employer, Outcome, TableMeeting, WorkNeed
from matching.shortlists.candidate_arrays import CandidateArrays, demand_mask
from matching.shortlists.geo import reach_km, travel_km, travel_minutes
from matching.shortlists.occupations import isco_match_level

FEATURE_NAMES: tuple[str, ...] = (
    "sim_dense",
    "sim_lexical",
    "sim_hybrid",
    "occupation_level",
    "travel_km",
    "travel_share_of_reach",
    "travel_minutes",
    "hours_overlap_share",
    "hours_gap",
    "limits_adaptable_clash",
    "n_limits",
    "n_demands",
    "rung",
    "log_benefit_months",
    "language_gap",
    "education_rank",
    "startkwalificatie",
    "prior_paid_work",
    "profile_completeness",
    "soft_text_chars",
    "contract_form",
    "employer_openness",
    "employer_coaching_capacity",
    "employer_n_support",
    "employer_size_rank",
    "employer_ambassador",
    "employer_good_rate",
    "employer_meetings",
)

#: Attributes that must never be ranker features (equal treatment; AVG art. 9).
PROTECTED_ATTRIBUTES: frozenset[str] = frozenset(
    {"gender", "age_band", "young_under_27", "statushouder", "banenafspraak", "nationality"}
)

_CONTRACT_INDEX = {c: i for i, c in enumerate(ContractForm)}
_SIZE_INDEX = {s: i for i, s in enumerate(SizeClass)}
#: Prior of the employer track record: a fresh employer counts as this many meetings at the base rate.
TRACK_RECORD_PRIOR_MEETINGS = 10.0
TRACK_RECORD_BASE_RATE = 0.08


@dataclass(frozen=True)
class WorkNeedArrays:
    """Work needs with their employer's data as columns; row ``i`` is ``ids[i]``."""

    ids: np.ndarray
    employer_ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    hours_min: np.ndarray
    hours_max: np.ndarray
    demands: np.ndarray
    adaptable: np.ndarray
    min_language_rank: np.ndarray
    contract_form: np.ndarray
    esco_uri: np.ndarray
    openness: np.ndarray
    coaching_capacity: np.ndarray
    n_support: np.ndarray
    size_rank: np.ndarray
    ambassador: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_needs(cls, needs: Sequence[WorkNeed], employers: dict[str, Employer]) -> WorkNeedArrays:
        emp = [employers[n.employer_id] for n in needs]
        return cls(
            ids=np.array([n.id for n in needs], dtype=object),
            employer_ids=np.array([n.employer_id for n in needs], dtype=object),
            lat=np.array([np.nan if e.lat is None else e.lat for e in emp], dtype=float),
            lon=np.array([np.nan if e.lon is None else e.lon for e in emp], dtype=float),
            hours_min=np.array([n.hours_min for n in needs], dtype=float),
            hours_max=np.array([n.hours_max for n in needs], dtype=float),
            demands=np.array([demand_mask(n.demands) for n in needs], dtype=np.uint32),
            adaptable=np.array([demand_mask(n.adaptable) for n in needs], dtype=np.uint32),
            min_language_rank=np.array(
                [
                    np.nan if n.min_language_level is None else LanguageLevel(n.min_language_level).rank
                    for n in needs
                ],
                dtype=float,
            ),
            contract_form=np.array([_CONTRACT_INDEX[ContractForm(n.contract_form)] for n in needs], dtype=float),
            esco_uri=np.array([n.esco_uri or "" for n in needs], dtype=object),
            openness=np.array([e.openness for e in emp], dtype=float),
            coaching_capacity=np.array([e.coaching_capacity for e in emp], dtype=float),
            n_support=np.array([len(e.support_valued) for e in emp], dtype=float),
            size_rank=np.array([_SIZE_INDEX[SizeClass(e.size_class)] for e in emp], dtype=float),
            ambassador=np.array([e.ambassador for e in emp], dtype=float),
        )

    def take(self, rows: np.ndarray) -> WorkNeedArrays:
        return WorkNeedArrays(**{name: getattr(self, name)[rows] for name in self.__dataclass_fields__})


def _popcount(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.uint32)
    result: np.ndarray = np.unpackbits(x.view(np.uint8).reshape(-1, 4), axis=1).sum(axis=1).astype(float)
    return result


def occupation_levels(
    desired: Sequence[Sequence[str]], need_uris: Sequence[str]
) -> np.ndarray:
    """Best ISCO match level (0-5) between each pair's desired occupations and the work's."""
    cache: dict[tuple[str, str], int] = {}
    out = np.zeros(len(need_uris), dtype=float)
    for i, (wanted, uri) in enumerate(zip(desired, need_uris, strict=False)):
        best = 0
        for w in wanted:
            key = (w, uri)
            if key not in cache:
                cache[key] = isco_match_level(w, uri)
            best = max(best, cache[key])
        out[i] = best
    return out


def desired_occupations_by_id(candidates: Iterable[Candidate]) -> dict[str, tuple[str, ...]]:
    return {c.id: tuple(c.desired_occupations) for c in candidates}


def pair_features(
    cand: CandidateArrays,
    need: WorkNeedArrays,
    *,
    sim_dense: np.ndarray,
    sim_lexical: np.ndarray,
    occupation_level: np.ndarray,
    employer_good_rate: np.ndarray | None = None,
    employer_meetings: np.ndarray | None = None,
    dense_weight: float = 0.5,
) -> pd.DataFrame:
    """The ranker's feature table for aligned pairs (one row per pair, FEATURE_NAMES columns)."""
    n = len(cand)
    if len(need) != n:
        raise ValueError(f"candidate and work-need arrays must be aligned, got {n} and {len(need)}")
    km = travel_km(cand.lat, cand.lon, need.lat, need.lon)
    reach = reach_km(cand.mobility, cand.max_travel_km)
    overlap = np.clip(
        np.minimum(cand.hours_max, need.hours_max) - np.maximum(cand.hours_min, need.hours_min), 0, None
    )
    need_hours = np.maximum(need.hours_max, 1.0)
    hours_gap = np.maximum(need.hours_min - cand.hours_max, 0) + np.maximum(cand.hours_min - need.hours_max, 0)
    sim_dense = np.asarray(sim_dense, dtype=float)
    sim_lexical = np.asarray(sim_lexical, dtype=float)
    if employer_good_rate is None:
        employer_good_rate = np.full(n, TRACK_RECORD_BASE_RATE)
    if employer_meetings is None:
        employer_meetings = np.zeros(n)
    columns = {
        "sim_dense": sim_dense,
        "sim_lexical": sim_lexical,
        "sim_hybrid": dense_weight * sim_dense + (1 - dense_weight) * sim_lexical,
        "occupation_level": np.asarray(occupation_level, dtype=float),
        "travel_km": km,
        "travel_share_of_reach": km / np.maximum(reach, 0.1),
        "travel_minutes": travel_minutes(cand.mobility, km),
        "hours_overlap_share": overlap / need_hours,
        "hours_gap": hours_gap,
        "limits_adaptable_clash": _popcount(cand.limits & need.adaptable),
        "n_limits": _popcount(cand.limits),
        "n_demands": _popcount(need.demands),
        "rung": cand.rung,
        "log_benefit_months": np.log1p(cand.benefit_months),
        "language_gap": cand.language_rank - need.min_language_rank,
        "education_rank": cand.education_rank,
        "startkwalificatie": cand.startkwalificatie.astype(float),
        "prior_paid_work": cand.prior_paid_work.astype(float),
        "profile_completeness": cand.completeness,
        "soft_text_chars": cand.soft_text_chars,
        "contract_form": need.contract_form,
        "employer_openness": need.openness,
        "employer_coaching_capacity": need.coaching_capacity,
        "employer_n_support": need.n_support,
        "employer_size_rank": need.size_rank,
        "employer_ambassador": need.ambassador,
        "employer_good_rate": np.asarray(employer_good_rate, dtype=float),
        "employer_meetings": np.asarray(employer_meetings, dtype=float),
    }
    return pd.DataFrame({name: np.broadcast_to(columns[name], n) for name in FEATURE_NAMES})


@dataclass(frozen=True)
class TrackRecord:
    """An employer's meetings and good outcomes before a date, smoothed towards a base rate."""

    meetings: dict[str, int]
    good: dict[str, int]

    def rate(self, employer_ids: Sequence[str]) -> np.ndarray:
        m = np.array([self.meetings.get(e, 0) for e in employer_ids], dtype=float)
        g = np.array([self.good.get(e, 0) for e in employer_ids], dtype=float)
        prior = TRACK_RECORD_PRIOR_MEETINGS
        return (g + prior * TRACK_RECORD_BASE_RATE) / (m + prior)

    def count(self, employer_ids: Sequence[str]) -> np.ndarray:
        return np.array([self.meetings.get(e, 0) for e in employer_ids], dtype=float)


def employer_track_record(
    meetings: Iterable[TableMeeting],
    outcomes: Iterable[Outcome],
    *,
    event_dates: dict[str, dt.date],
    before: dt.date,
) -> TrackRecord:
    """Meetings held and good outcomes recorded strictly before ``before``.

    Only information available on that date is used, so features built for a
    meeting never see its own outcome or anything later (no leakage).
    """
    counts: dict[str, int] = defaultdict(int)
    for meeting in meetings:
        if event_dates[meeting.event_id] < before:
            counts[meeting.employer_id] += 1
    good: dict[str, int] = defaultdict(int)
    for outcome in outcomes:
        if (
            outcome.employer_id is not None
            and OutcomeKind(outcome.kind).is_good
            and outcome.recorded_on < before
        ):
            good[outcome.employer_id] += 1
    return TrackRecord(meetings=dict(counts), good=dict(good))
