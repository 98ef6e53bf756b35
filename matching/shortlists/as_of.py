"""What was known on a date: counts of past events per key, strictly before each pair's date.

A shortlist asked for a past date (a back-test, or a plan prepared for an
earlier event) and a training pair for a past meeting must both see only
what had happened before that date. Every count here takes per-row dates
and counts only what lies strictly before them, so the engine (one date,
today) and the training data (one date per meeting) compute the same
features the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matching.records.enums import InvitationStatus, OutcomeKind
from matching.records.schemas import Invitation, Outcome, TableMeeting

#: An employer without a record counts as this many meetings at the base rate.
TRACK_RECORD_PRIOR_MEETINGS = 10.0
TRACK_RECORD_BASE_RATE = 0.08

ENGAGEMENT_FEATURES: tuple[str, ...] = (
    "hist_invited",
    "hist_decline_rate",
    "hist_noshow_rate",
    "hist_meetings",
    "hist_followup_rate",
)


def days(values: Iterable[object]) -> np.ndarray:
    """Dates as ``datetime64[D]``."""
    return np.asarray(pd.to_datetime(pd.Series(list(values), dtype=object)), dtype="datetime64[D]")


def count_before(
    keys: np.ndarray,
    when: np.ndarray,
    probe_keys: np.ndarray,
    probe_when: np.ndarray,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Per probe, the summed ``weights`` (default 1) of entries with its key and a date before its date.

    Keys are any hashable values; dates are ``datetime64[D]``. Vectorised:
    entries are sorted once by (key, date) and probes are located by binary search.

    Examples
    --------
    >>> d = lambda *s: np.array(s, dtype="datetime64[D]")
    >>> count_before(np.array(["a", "a", "b"]), d("2025-01-01", "2025-02-01", "2025-01-01"),
    ...              np.array(["a", "a", "c"]), d("2025-01-15", "2025-02-01", "2026-01-01")).tolist()
    [1.0, 1.0, 0.0]
    """
    n = len(probe_keys)
    if len(keys) == 0 or n == 0:
        return np.zeros(n)
    codes, _ = pd.factorize(np.concatenate([np.asarray(keys, dtype=object), np.asarray(probe_keys, dtype=object)]))
    entry, probe = codes[: len(keys)].astype(np.int64), codes[len(keys) :].astype(np.int64)
    t_entry = np.asarray(when, dtype="datetime64[D]").astype(np.int64)
    t_probe = np.asarray(probe_when, dtype="datetime64[D]").astype(np.int64)
    lo = min(t_entry.min(), t_probe.min())
    span = int(max(t_entry.max(), t_probe.max()) - lo) + 2
    packed = entry * span + (t_entry - lo)
    order = np.argsort(packed, kind="stable")
    packed = packed[order]
    w = np.ones(len(keys)) if weights is None else np.asarray(weights, dtype=float)[order]
    cumulative = np.concatenate([[0.0], np.cumsum(w)])
    start = np.searchsorted(packed, probe * span, side="left")
    stop = np.searchsorted(packed, probe * span + (t_probe - lo), side="left")
    counted: np.ndarray = cumulative[stop] - cumulative[start]
    return counted


@dataclass(frozen=True)
class TrackRecordHistory:
    """Every meeting and every good outcome of employers, with their dates."""

    meeting_employers: np.ndarray
    meeting_dates: np.ndarray
    good_employers: np.ndarray
    good_dates: np.ndarray

    @classmethod
    def from_records(
        cls,
        meetings: Sequence[TableMeeting],
        outcomes: Sequence[Outcome],
        event_dates: Mapping[str, dt.date],
    ) -> TrackRecordHistory:
        good = [o for o in outcomes if o.employer_id is not None and OutcomeKind(o.kind).is_good]
        return cls(
            np.array([m.employer_id for m in meetings], dtype=object),
            days(event_dates[m.event_id] for m in meetings),
            np.array([o.employer_id for o in good], dtype=object),
            days(o.recorded_on for o in good),
        )

    def features(self, employer_ids: np.ndarray, dates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(smoothed good-outcome rate, meetings) of each employer strictly before each date."""
        meetings = count_before(self.meeting_employers, self.meeting_dates, employer_ids, dates)
        good = count_before(self.good_employers, self.good_dates, employer_ids, dates)
        prior = TRACK_RECORD_PRIOR_MEETINGS
        return (good + prior * TRACK_RECORD_BASE_RATE) / (meetings + prior), meetings


@dataclass(frozen=True)
class EngagementHistory:
    """Candidates' invitations and table conversations, with their dates.

    The features say how a candidate took part before a date: how often
    invited, the share declined, the share of accepted invitations not
    attended, conversations held and the share that led to a follow-up. The
    rates are smoothed towards typical values, so one event says little.
    """

    invited: np.ndarray  # candidate id per invitation
    invited_on: np.ndarray
    declined: np.ndarray
    came: np.ndarray
    met: np.ndarray  # candidate id per table conversation
    met_on: np.ndarray
    follow_up: np.ndarray

    @classmethod
    def from_records(
        cls,
        invitations: Sequence[Invitation],
        meetings: Sequence[TableMeeting],
        event_dates: Mapping[str, dt.date],
    ) -> EngagementHistory:
        return cls(
            np.array([i.candidate_id for i in invitations], dtype=object),
            days(event_dates[i.event_id] for i in invitations),
            np.array([i.status == InvitationStatus.DECLINED for i in invitations], dtype=float),
            np.array([bool(i.attended) for i in invitations], dtype=float),
            np.array([m.candidate_id for m in meetings], dtype=object),
            days(event_dates[m.event_id] for m in meetings),
            np.array([m.follow_up for m in meetings], dtype=float),
        )

    def features(self, candidate_ids: np.ndarray, dates: np.ndarray) -> dict[str, np.ndarray]:
        """:data:`ENGAGEMENT_FEATURES` of each (candidate, date), from what happened before the date."""
        invited = count_before(self.invited, self.invited_on, candidate_ids, dates)
        declined = count_before(self.invited, self.invited_on, candidate_ids, dates, self.declined)
        came = count_before(self.invited, self.invited_on, candidate_ids, dates, self.came)
        met = count_before(self.met, self.met_on, candidate_ids, dates)
        follow = count_before(self.met, self.met_on, candidate_ids, dates, self.follow_up)
        accepted = invited - declined
        return {
            "hist_invited": invited,
            "hist_decline_rate": (declined + 0.12) / (invited + 1.0),
            "hist_noshow_rate": (accepted - came + 0.1) / (accepted + 1.0),
            "hist_meetings": met,
            "hist_followup_rate": (follow + 0.25) / (met + 1.0),
        }


def placed_on(outcomes: Iterable[Outcome], day: dt.date) -> frozenset[str]:
    """Candidates with a placement (trial, WEP or job) recorded by ``day`` that has not ended
    before it (one that starts later counts: they are spoken for)."""
    return frozenset(
        o.candidate_id
        for o in outcomes
        if OutcomeKind(o.kind).is_placement
        and o.recorded_on <= day
        and (o.end_date is None or o.end_date >= day)
    )
