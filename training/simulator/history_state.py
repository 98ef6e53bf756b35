"""What the monthly history reads (``HistoryInputs``) and builds up (``History``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from matching.records.enums import ContractType, OutcomeKind
from matching.records.schemas import Event, EventTable, Invitation, Outcome, TableMeeting
from training.simulator.candidate_texts import CandidateText
from training.simulator.config import SimulationConfig
from training.simulator.employers import EmployerArrays, WorkArrays
from training.simulator.occupations import OccupationCatalogue
from training.simulator.population import SimulatedCandidates


@dataclass(frozen=True)
class Placement:
    """A good outcome, for the aftercare check-ins."""

    outcome_id: str
    kind: OutcomeKind
    contract_type: ContractType | None
    start_date: dt.date
    end_date: dt.date | None
    hours: int
    p_good: float | None  # None when found outside werkkans


@dataclass
class HistoryInputs:
    """The drawn world the history runs on, with the truth it draws outcomes from."""

    config: SimulationConfig
    candidates: SimulatedCandidates
    texts: list[CandidateText]
    employers: EmployerArrays
    employer_names: list[str]
    works: WorkArrays
    catalogue: OccupationCatalogue
    affinity: np.ndarray
    score: np.ndarray  # observable latent score s, candidates x work needs
    p_good: np.ndarray
    p_base: np.ndarray
    comparison: np.ndarray
    candidate_ids: list[str]
    employer_ids: list[str]
    work_ids: list[str]


def _ints(n: int, fill: int = 0) -> np.ndarray:
    return np.full(n, fill, dtype=int)


@dataclass
class History:
    """Records produced month by month, and per-candidate bookkeeping for the truth."""

    CHANNEL_NONE = 0
    CHANNEL_EVENT = 1
    CHANNEL_BASE = 2

    events: list[Event] = field(default_factory=list)
    tables: list[EventTable] = field(default_factory=list)
    invitations: list[Invitation] = field(default_factory=list)
    meetings: list[TableMeeting] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    placements: list[Placement] = field(default_factory=list)
    # per candidate
    invited: np.ndarray = field(default_factory=lambda: _ints(0))
    first_invited_month: np.ndarray = field(default_factory=lambda: _ints(0))
    attended: np.ndarray = field(default_factory=lambda: _ints(0))
    meeting_works: list[list[int]] = field(default_factory=list)
    good_month: np.ndarray = field(default_factory=lambda: _ints(0))  # -1: none
    good_channel: np.ndarray = field(default_factory=lambda: _ints(0))
    base_month: np.ndarray = field(default_factory=lambda: _ints(0))  # own-search success
    leave_month: np.ndarray = field(default_factory=lambda: _ints(0))
    caseload_months: np.ndarray = field(default_factory=lambda: _ints(0))
    in_caseload: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    paused_until: list[dt.date | None] = field(default_factory=list)
    paused_since: list[dt.date | None] = field(default_factory=list)
    rm_belief: np.ndarray = field(default_factory=lambda: _ints(0))
    # per work need
    filled: np.ndarray = field(default_factory=lambda: _ints(0))

    @classmethod
    def empty(cls, n_candidates: int, n_works: int) -> History:
        return cls(
            invited=_ints(n_candidates),
            first_invited_month=_ints(n_candidates, -1),
            attended=_ints(n_candidates),
            meeting_works=[[] for _ in range(n_candidates)],
            good_month=_ints(n_candidates, -1),
            good_channel=_ints(n_candidates),
            filled=_ints(n_works),
        )

    def next_outcome_id(self) -> str:
        return f"o{len(self.outcomes) + 1:06d}"
