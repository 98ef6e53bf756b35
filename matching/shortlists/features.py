"""Pair features for the ranker: pure functions from aligned column arrays to a table.

Row ``i`` of every input describes the same (candidate, work need) pair.
Protected attributes (gender, age, nationality or refugee status, disability
register) are not in :class:`~matching.shortlists.candidate_arrays.CandidateArrays` and so
cannot become features; ``tests/matching/shortlists/test_features.py`` enforces it.

Pair features carry what is specific to this candidate and this work: text
similarity, the occupational fit learned from profiles
(:mod:`matching.shortlists.occupation_fields`), travel against reach, hours,
limits against what can be adapted, language and education against what the
work asks. Candidate-side and employer-side features (rung, motivation read
from the text, engagement before the date, the employer's openness and
track record) set the level; the ranker learns how they combine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matching.records.enums import ContractForm, EducationLevel, LanguageLevel, SizeClass
from matching.records.schemas import Employer, WorkNeed
from matching.shortlists.as_of import ENGAGEMENT_FEATURES, TRACK_RECORD_BASE_RATE
from matching.shortlists.candidate_arrays import CandidateArrays, demand_mask
from matching.shortlists.geo import reach_km, travel_km, travel_minutes
from matching.shortlists.occupations import isco_match_level

FIELD_FEATURES: tuple[str, ...] = ("fit_desired", "fit_text", "fit_words", "fit_best")

FEATURE_NAMES: tuple[str, ...] = (
    "sim_dense",
    "occupation_level",
    *FIELD_FEATURES,
    "education_gap",
    "overqualified",
    "travel_km",
    "travel_share_of_reach",
    "travel_minutes",
    "hours_overlap_share",
    "hours_gap",
    "limits_adaptable_clash",
    "n_limits",
    "n_demands",
    "language_gap",
    "rung",
    "log_benefit_months",
    "education_rank",
    "startkwalificatie",
    "prior_paid_work",
    "profile_completeness",
    "soft_text_chars",
    "motivation_text",
    *ENGAGEMENT_FEATURES,
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

#: Education the ISCO-08 skill levels usually ask (ISCO-08's mapping to ISCED, in Dutch levels).
SKILL_EDUCATION: dict[int, int] = {
    1: EducationLevel.NONE.rank,
    2: EducationLevel.VMBO.rank,
    3: EducationLevel.MBO4.rank,
    4: EducationLevel.HBO.rank,
}

_CONTRACT_INDEX = {c: i for i, c in enumerate(ContractForm)}
_SIZE_INDEX = {s: i for i, s in enumerate(SizeClass)}


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
    def from_needs(cls, needs: Sequence[WorkNeed], employers: Mapping[str, Employer]) -> WorkNeedArrays:
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

    @classmethod
    def concat(cls, parts: Sequence[WorkNeedArrays]) -> WorkNeedArrays:
        """One table of several, in order."""
        return cls(**{name: np.concatenate([getattr(p, name) for p in parts])
                      for name in cls.__dataclass_fields__})


def _popcount(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.uint32)
    bits: np.ndarray = np.unpackbits(x.view(np.uint8).reshape(-1, 4), axis=1).sum(axis=1).astype(float)
    return bits


def occupation_levels(desired: Sequence[Sequence[str]], need_uris: Sequence[str]) -> np.ndarray:
    """Best ISCO match level (0-5) between each pair's desired occupations and the work's."""
    cache: dict[tuple[str, str], int] = {}
    out = np.zeros(len(need_uris), dtype=float)
    for i, (wanted, uri) in enumerate(zip(desired, need_uris, strict=True)):
        best = 0
        for w in wanted:
            key = (w, uri)
            if key not in cache:
                cache[key] = isco_match_level(w, uri)
            best = max(best, cache[key])
        out[i] = best
    return out


@dataclass(frozen=True)
class PairContext:
    """What the pair features need besides the records' columns; row ``i`` is pair ``i``.

    ``fields`` holds :data:`FIELD_FEATURES`, ``skill_level`` the ISCO skill
    level (1-4) of the work, ``motivation`` the candidate's motivation score
    and ``engagement`` the :data:`~matching.shortlists.as_of.ENGAGEMENT_FEATURES`.
    Without a trained model the learned parts are unknown: NaN.
    """

    similarity: np.ndarray
    occupation_level: np.ndarray
    fields: Mapping[str, np.ndarray]
    skill_level: np.ndarray
    motivation: np.ndarray
    engagement: Mapping[str, np.ndarray]
    employer_good_rate: np.ndarray
    employer_meetings: np.ndarray

    @classmethod
    def unknown(cls, n: int, similarity: np.ndarray, occupation_level: np.ndarray) -> PairContext:
        nan = np.full(n, np.nan)
        return cls(
            similarity=similarity,
            occupation_level=occupation_level,
            fields={name: nan for name in FIELD_FEATURES},
            skill_level=nan,
            motivation=nan,
            engagement={name: nan for name in ENGAGEMENT_FEATURES},
            employer_good_rate=np.full(n, TRACK_RECORD_BASE_RATE),
            employer_meetings=np.zeros(n),
        )


def pair_features(cand: CandidateArrays, need: WorkNeedArrays, context: PairContext) -> pd.DataFrame:
    """The ranker's feature table for aligned pairs (one row per pair, FEATURE_NAMES columns)."""
    n = len(cand)
    if len(need) != n:
        raise ValueError(f"candidate and work-need arrays must be aligned, got {n} and {len(need)}")
    km = travel_km(cand.lat, cand.lon, need.lat, need.lon)
    reach = reach_km(cand.mobility, cand.max_travel_km)
    overlap = np.clip(
        np.minimum(cand.hours_max, need.hours_max) - np.maximum(cand.hours_min, need.hours_min), 0, None
    )
    hours_gap = np.maximum(need.hours_min - cand.hours_max, 0) + np.maximum(cand.hours_min - need.hours_max, 0)
    skill = np.asarray(context.skill_level, dtype=float)
    asked = np.full(n, np.nan)
    known = ~np.isnan(skill)
    asked[known] = [SKILL_EDUCATION[int(s)] for s in skill[known]]
    columns = {
        "sim_dense": np.asarray(context.similarity, dtype=float),
        "occupation_level": np.asarray(context.occupation_level, dtype=float),
        **{name: np.asarray(context.fields[name], dtype=float) for name in FIELD_FEATURES},
        "education_gap": np.clip(asked - cand.education_rank, 0, None),
        "overqualified": np.where(
            known, ((cand.education_rank >= EducationLevel.HBO.rank) & (skill == 1)).astype(float), np.nan
        ),
        "travel_km": km,
        "travel_share_of_reach": km / np.maximum(reach, 0.1),
        "travel_minutes": travel_minutes(cand.mobility, km),
        "hours_overlap_share": overlap / np.maximum(need.hours_max, 1.0),
        "hours_gap": hours_gap,
        "limits_adaptable_clash": _popcount(cand.limits & need.adaptable),
        "n_limits": _popcount(cand.limits),
        "n_demands": _popcount(need.demands),
        "language_gap": cand.language_rank - need.min_language_rank,
        "rung": cand.rung,
        "log_benefit_months": np.log1p(cand.benefit_months),
        "education_rank": cand.education_rank,
        "startkwalificatie": cand.startkwalificatie.astype(float),
        "prior_paid_work": cand.prior_paid_work.astype(float),
        "profile_completeness": cand.completeness,
        "soft_text_chars": cand.soft_text_chars,
        "motivation_text": np.asarray(context.motivation, dtype=float),
        **{name: np.asarray(context.engagement[name], dtype=float) for name in ENGAGEMENT_FEATURES},
        "contract_form": need.contract_form,
        "employer_openness": need.openness,
        "employer_coaching_capacity": need.coaching_capacity,
        "employer_n_support": need.n_support,
        "employer_size_rank": need.size_rank,
        "employer_ambassador": need.ambassador,
        "employer_good_rate": np.asarray(context.employer_good_rate, dtype=float),
        "employer_meetings": np.asarray(context.employer_meetings, dtype=float),
    }
    # one float block, not a frame of a column each: pandas builds it 5-8x faster (some 50 us
    # against 260-410 us for a work need's 150 pairs), and a written candidate is scored in
    # every pool of its region after each write
    table = np.empty((n, len(FEATURE_NAMES)))
    for j, name in enumerate(FEATURE_NAMES):
        table[:, j] = columns[name]
    return pd.DataFrame(table, columns=list(FEATURE_NAMES), copy=False)
