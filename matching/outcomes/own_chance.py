"""The chance that a candidate finds work without the programme: a discrete-time hazard model.

An invitation is worth most to someone who would not have found work anyway.
:class:`OwnChanceModel` estimates, per candidate, the chance of a good outcome
(a WEP or a regular job) found *on their own* within a horizon of months, from
the history of time nobody invited them:

* **Risk set.** Every candidate contributes one row per calendar month in the
  caseload, from registration (or the first month of the history: the first
  outcome or event on record, since work found before it was never recorded)
  until the first of: their first invitation to an event (from then on the
  programme acts, so that time says nothing about finding work alone), a WEP
  or job of any kind, leaving the caseload (status ``left`` or ``placed``), or
  the last whole month before the date the model is fitted as of. Candidates
  never invited, the comparison group among them, contribute their whole
  caseload time.
* **Event.** A WEP or job without an event or employer of werkkans, started
  in that month (work found on one's own).
* **Model.** A logistic regression of the monthly event on the candidate's
  rung, benefit type and duration, months in the caseload, education, Dutch
  level and earlier paid work: the discrete-time proportional-odds hazard
  (Allison 1982). Protected attributes (age, gender, statushouder,
  banenafspraak, nationality) are never features; they stay evaluation
  groups.
* **Chance over a horizon** ``H`` from a day: ``1 - prod_h (1 - hazard_h)``
  over the next ``H`` months, each month with its own months-in-caseload.

Everything is as of a date: outcomes recorded after it and months after it
are not used, so a back-test never sees the future.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from matching.records.enums import (
    BenefitType,
    CandidateStatus,
    EducationLevel,
    LanguageLevel,
    OutcomeKind,
)
from matching.records.schemas import Candidate, Event, Invitation, Outcome
from matching.records.storage import Store

__all__ = ["OWN_CHANCE_FEATURES", "OwnChanceError", "OwnChanceModel", "risk_set"]

logger = logging.getLogger(__name__)

#: The model's inputs; none is a protected attribute (a test holds it to that).
OWN_CHANCE_FEATURES: tuple[str, ...] = (
    *(f"rung_{r}" for r in range(1, 7)),
    *(f"benefit_{b.value}" for b in BenefitType),
    "log_benefit_months",
    "months_in_caseload",
    "education_rank",
    "language_rank",
    "prior_paid_work",
)
#: Fewest own-found outcomes in the risk set to fit on.
MIN_EVENTS = 10


class OwnChanceError(ValueError):
    """The history cannot support an own-chance model (too little of it)."""


def _month(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


_COLUMN = {name: j for j, name in enumerate(OWN_CHANCE_FEATURES)}


def _candidate_rows(candidates: Sequence[Candidate]) -> np.ndarray:
    """OWN_CHANCE_FEATURES per candidate, months in the caseload still 0 (see :func:`_at`)."""
    x = np.zeros((len(candidates), len(OWN_CHANCE_FEATURES)))
    col = _COLUMN
    for i, c in enumerate(candidates):
        x[i, col[f"rung_{c.rung}"]] = 1.0
        x[i, col[f"benefit_{BenefitType(c.benefit_type).value}"]] = 1.0
        x[i, col["log_benefit_months"]] = np.log1p(c.benefit_months)
        x[i, col["education_rank"]] = EducationLevel(c.education).rank
        x[i, col["language_rank"]] = LanguageLevel(c.language_level).rank
        x[i, col["prior_paid_work"]] = float(c.prior_paid_work)
    return x


def _at(rows: np.ndarray, months_in: np.ndarray) -> np.ndarray:
    """Candidate rows (a copy) with their months in the caseload filled in."""
    x = rows.copy()
    x[:, _COLUMN["months_in_caseload"]] = np.log1p(np.asarray(months_in, dtype=float))
    return x


def _own_found(outcome: Outcome) -> bool:
    return (
        OutcomeKind(outcome.kind) in (OutcomeKind.WEP, OutcomeKind.JOB)
        and outcome.event_id is None
        and outcome.employer_id is None
    )


@dataclass(frozen=True)
class RiskSet:
    """Person-month rows: candidate row index, months in the caseload, event (0/1), and the
    calendar month (``year * 12 + month - 1``)."""

    candidates: list[Candidate]
    rows: np.ndarray  # index into candidates
    months_in: np.ndarray
    event: np.ndarray
    months: np.ndarray

    @property
    def n_events(self) -> int:
        return int(self.event.sum())


def risk_set(
    candidates: Sequence[Candidate],
    outcomes: Sequence[Outcome],
    invitations: Sequence[Invitation],
    event_days: Mapping[str, dt.date],
    as_of: dt.date,
) -> RiskSet:
    """The months candidates spent looking for work without the programme, as of ``as_of``.

    ``event_days`` gives each event's date.
    """
    candidates = list(candidates)
    outcomes = [o for o in outcomes if o.recorded_on <= as_of]
    first_invited: dict[str, int] = {}
    for inv in invitations:
        day = event_days.get(inv.event_id)
        if day is not None and day <= as_of:
            m = _month(day)
            first_invited[inv.candidate_id] = min(m, first_invited.get(inv.candidate_id, m))
    first_good: dict[str, tuple[int, bool]] = {}  # month of the first WEP/job, and if found alone
    for o in outcomes:
        if OutcomeKind(o.kind) not in (OutcomeKind.WEP, OutcomeKind.JOB):
            continue
        m = _month(o.start_date or o.recorded_on)
        if o.candidate_id not in first_good or m < first_good[o.candidate_id][0]:
            first_good[o.candidate_id] = (m, _own_found(o))
    # The history starts with the first outcome or event on record: months before it say
    # nothing (no work found then was recorded), so candidates registered earlier count
    # from it on (left truncation; months in the caseload keep counting from registration).
    recorded = [o.start_date or o.recorded_on for o in outcomes]
    history_start = _month(min([*recorded, *event_days.values()], default=as_of))
    last = _month(as_of + dt.timedelta(days=1)) - 1  # the last whole month up to as_of
    rows: list[int] = []
    months_in: list[int] = []
    event: list[int] = []
    months: list[int] = []
    for i, c in enumerate(candidates):
        registered = _month(c.registered_on) if c.registered_on is not None else history_start
        start = max(registered, history_start)
        stop = last  # inclusive
        if c.id in first_invited:
            stop = min(stop, first_invited[c.id] - 1)
        if (
            CandidateStatus(c.status) in (CandidateStatus.LEFT, CandidateStatus.PLACED)
            and c.status_since is not None
            and c.status_since <= as_of
            and c.id not in first_good
        ):
            stop = min(stop, _month(c.status_since) - 1)
        good = first_good.get(c.id)
        if good is not None and good[0] <= stop:
            stop = good[0]
        for m in range(start, stop + 1):
            rows.append(i)
            months.append(m)
            months_in.append(m - registered)
            event.append(int(good is not None and good[1] and m == good[0]))
    return RiskSet(
        candidates,
        np.asarray(rows, dtype=np.int64),
        np.asarray(months_in, dtype=np.int64),
        np.asarray(event, dtype=np.int8),
        np.asarray(months, dtype=np.int64),
    )


class OwnChanceModel:
    """Monthly hazard of finding work alone, and its chance over a horizon (module docstring).

    Examples
    --------
    >>> model = OwnChanceModel().fit(store, as_of=dt.date(2026, 9, 1))  # doctest: +SKIP
    >>> model.chance(candidates, on=dt.date(2026, 9, 1), months=6)      # doctest: +SKIP
    array([0.04, 0.12, ...])
    """

    def __init__(self, C: float = 1.0) -> None:
        self.C = C

    def fit(self, store: Store, *, as_of: dt.date, municipality: str | None = None) -> OwnChanceModel:
        """Learn the hazard from the store's history as of ``as_of`` (see :meth:`fit_records`)."""
        return self.fit_records(
            store.list(Candidate, municipality=municipality),
            store.list(Outcome, municipality=municipality),
            store.list(Invitation, municipality=municipality),
            {e.id: e.date for e in store.list(Event, municipality=municipality)},
            as_of=as_of,
        )

    def fit_records(
        self,
        candidates: Sequence[Candidate],
        outcomes: Sequence[Outcome],
        invitations: Sequence[Invitation],
        event_days: Mapping[str, dt.date],
        *,
        as_of: dt.date,
    ) -> OwnChanceModel:
        """Learn the hazard from these records' history as of ``as_of``.

        Raises
        ------
        OwnChanceError
            When the risk set holds fewer than :data:`MIN_EVENTS` own-found outcomes.
        """
        from sklearn.linear_model import LogisticRegression

        risk = risk_set(candidates, outcomes, invitations, event_days, as_of)
        if risk.n_events < MIN_EVENTS:
            raise OwnChanceError(
                f"the history holds {risk.n_events} work(s) found without the programme in "
                f"{risk.rows.size} caseload month(s): need >= {MIN_EVENTS}"
            )
        # each candidate's features once, then one row per caseload month
        x = _at(_candidate_rows(risk.candidates)[risk.rows], risk.months_in)
        self.mean_, self.scale_ = x.mean(axis=0), x.std(axis=0)
        self.scale_[self.scale_ == 0] = 1.0
        self.model_ = LogisticRegression(C=self.C, max_iter=1000).fit(
            (x - self.mean_) / self.scale_, risk.event
        )
        self.as_of_ = as_of
        self.n_months_ = int(risk.rows.size)
        self.n_events_ = risk.n_events
        logger.info(
            "own-chance model: %d caseload months, %d found alone (%.2f %% a month)",
            self.n_months_, self.n_events_, 100 * self.n_events_ / max(self.n_months_, 1),
        )
        return self

    def monthly(self, candidates: Sequence[Candidate], months_in: np.ndarray) -> np.ndarray:
        """The hazard of each candidate in a month with ``months_in`` months in the caseload."""
        return self._hazard(_candidate_rows(candidates), months_in)

    def risk_hazard(self, risk: RiskSet) -> np.ndarray:
        """The hazard of each person-month row of a risk set (for evaluation on later months)."""
        return self._hazard(_candidate_rows(risk.candidates)[risk.rows], risk.months_in)

    def _hazard(self, rows: np.ndarray, months_in: np.ndarray) -> np.ndarray:
        x = _at(rows, months_in)
        return np.asarray(self.model_.predict_proba((x - self.mean_) / self.scale_)[:, 1])

    def chance(self, candidates: Sequence[Candidate], *, on: dt.date, months: int = 6) -> np.ndarray:
        """Chance of a WEP or job found alone within ``months`` months from ``on``."""
        result: np.ndarray = 1.0 - self.survival(candidates, on=on, months=months)[:, -1]
        return result

    def survival(self, candidates: Sequence[Candidate], *, on: dt.date, months: int) -> np.ndarray:
        """Chance of still not having found work alone after each of the next ``months`` months.

        Returns
        -------
        ndarray of shape (n_candidates, months)
            Column ``t`` holds the chance after ``t + 1`` months from ``on``.
        """
        if months < 1:
            raise ValueError(f"months must be >= 1, got {months}")
        now = _month(on)
        since = np.array(
            [max(now - _month(c.registered_on), 0) if c.registered_on is not None else 0 for c in candidates]
        )
        rows = _candidate_rows(candidates)
        if not len(candidates):
            return np.zeros((0, months))
        hazard = np.column_stack([self._hazard(rows, since + h) for h in range(months)])
        result: np.ndarray = np.cumprod(1.0 - hazard, axis=1)
        return result
