"""A shortlist and its lines; what the engine needs of a ranker; how a request can fail.

:class:`~matching.shortlists.engine.ShortlistEngine` answers with a
:class:`Shortlist` of :class:`Match` lines, scores pairs for event plans as
a :class:`PairMatrix`, and uses any :class:`PairScorer` (a trained
:class:`models.bundle.RankerBundle` is one).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal, Protocol, TypeVar

import numpy as np
import pandas as pd

from matching.shortlists.fair_exposure import ExposurePolicy
from matching.shortlists.quotes import Quote

__all__ = [
    "MAX_K",
    "SIMILARITY_NOTE",
    "Audience",
    "ChanceBand",
    "Direction",
    "Match",
    "PairMatrix",
    "PairScorer",
    "Prediction",
    "Ranking",
    "Shortlist",
    "ShortlistConfig",
    "ShortlistError",
    "SortBy",
    "UnknownRecordError",
    "chance_band",
    "copied",
    "retrieved_digest",
]

MAX_K = 500
SIMILARITY_NOTE = "geen getraind model in gebruik: gerangschikt op tekstovereenkomst"
Direction = Literal["work_need", "candidate"]
Audience = Literal["staff", "employer"]
#: What a shortlist of candidates is ordered by (see ``ShortlistEngine.for_work_need``).
SortBy = Literal["chance", "net"]
ChanceBand = Literal["laag", "middel", "hoog"]


def chance_band(probability: float, base_rate: float) -> ChanceBand:
    """The chance in words, against the rate of good outcomes after a conversation:
    below it "laag", up to twice it "middel", above that "hoog"."""
    if probability < base_rate:
        return "laag"
    return "middel" if probability < 2 * base_rate else "hoog"


class ShortlistError(ValueError):
    """A shortlist request that cannot be answered as asked; ``dutch`` words it for staff."""

    def __init__(self, message: str, *, dutch: str | None = None) -> None:
        super().__init__(message)
        self.dutch = dutch


class UnknownRecordError(ShortlistError):
    """The work need or candidate does not exist (in this municipality)."""

    def __init__(self, kind: str, record_id: str) -> None:
        self.kind = kind
        self.record_id = record_id
        super().__init__(f"unknown {kind} {record_id!r}")


class Prediction(Protocol):
    @property
    def score(self) -> np.ndarray: ...

    @property
    def probability(self) -> np.ndarray: ...


class PairScorer(Protocol):
    """What the shortlist needs of a trained ranker bundle (see ``models.bundle``)."""

    @property
    def version(self) -> str: ...

    def predict(self, features: pd.DataFrame, *, explain: bool = True) -> Prediction: ...

    def explain(self, features: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]: ...


@dataclass(frozen=True)
class Match:
    """One line of a shortlist."""

    rank: int
    candidate_id: str
    work_need_id: str
    employer_id: str
    score: float
    probability: float | None  # calibrated chance of a WEP or job if they meet; None: see band
    similarity: float
    reason: str
    reason_without_limits: str  # the same without health information, for employers
    checks_passed: list[str]
    pinned: bool = False
    contributions: dict[str, float] | None = None
    chance_band: ChanceBand | None = None  # the chance in words; alone when evidence is thin
    anyway: float | None = None  # chance of work found without the programme (6 months)
    net: float | None = None  # the difference meeting makes: (1 - anyway) * probability
    quote: Quote | None = None  # the candidate's own sentence about the work, as written


_Frozen = TypeVar("_Frozen")


def copied(value: _Frozen, **changes: object) -> _Frozen:
    """A copy of a frozen dataclass instance (without ``__slots__``) with ``changes`` to its
    fields, made without calling ``__init__`` again, as :func:`dataclasses.replace` does.

    For the lists every write carries forward
    (:meth:`~matching.shortlists.engine.ShortlistEngine.carry_forward`), some thousands
    after each write in a region, three copies each: ``replace`` took about 3.8 µs a copy
    against 1 µs. Only for changes the class's ``__init__`` would not check or derive from.
    """
    new = object.__new__(type(value))
    new.__dict__.update(value.__dict__, **changes)
    return new


def retrieved_digest(ids: Sequence[str]) -> str:
    """A digest of a set of candidate ids (:attr:`Ranking.retrieved`)."""
    return hashlib.blake2b("\x1f".join(sorted(ids)).encode(), digest_size=16).hexdigest()


@dataclass(frozen=True)
class Ranking:
    """Where a work need's list stood among every candidate scored for it: enough to bring
    it up to date after new history without scoring them all again
    (:meth:`~matching.shortlists.engine.ShortlistEngine.update_work_need`)."""

    #: The first candidates in the list's order (pinned first, then by what the list is
    #: sorted by, then by id), some more than the list shows: (candidate id, that value).
    order: tuple[tuple[str, float], ...]
    #: ``order`` holds every candidate scored.
    complete: bool
    #: With more candidates than are scored, those retrieved by similarity and scored: a digest
    #: of their ids (:func:`retrieved_digest`); None when every candidate the vetoes allowed was.
    retrieved: str | None
    #: Retrieved by an exact scan of the pool's vectors: the similarity of the least similar
    #: of them (None: every allowed candidate was scored, or the vector index retrieved them).
    floor: float | None
    #: The employer's track record the scores were made with: (good-outcome rate, meetings).
    employer_record: tuple[float, float]
    #: The pool's records it was made of: (municipality, version) of each
    #: (:attr:`~matching.shortlists.pool.Pool.stamp`).
    pools: tuple[tuple[str, int], ...] = ()
    #: How many candidates the vetoes (and exclusions) allowed; -1: not known.
    allowed: int = -1

    #: Candidates ``order`` holds beyond the list's own length.
    DEPTH = 40


@dataclass(frozen=True)
class Shortlist:
    """A ranked answer with what it was based on."""

    direction: Direction
    query_id: str
    municipality: str
    matches: list[Match]
    pool_size: int
    vetoed: dict[str, int]
    excluded: dict[str, str]
    scored_by: str  # the model version, or "similarity"
    note: str | None = None
    #: with a fair-exposure policy: rows moved into the top, expected good outcomes given up
    exposure: dict[str, float] | None = None
    #: for one work need: what holds for every candidate (contract, coaching, the employer's record)
    about_work: str | None = None
    #: for one work need ranked by the model alone (no fair-exposure policy): where it stood
    ranking: Ranking | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class PairMatrix:
    """Scores of candidate × work need pairs; rows follow ``candidate_ids``."""

    candidate_ids: list[str]
    work_need_ids: list[str]
    employer_ids: list[str]  # per work need
    score: np.ndarray  # the calibrated probability, or the similarity without a model
    probability: np.ndarray | None
    similarity: np.ndarray
    occupation_level: np.ndarray
    scored_by: str


@dataclass(frozen=True)
class ShortlistConfig:
    """Tuning of the pipeline."""

    exhaustive_limit: int = 20_000  # score every allowed candidate up to this many
    retrieve_k: int = 2_000  # above it: pairs retrieved by similarity and scored
    #: up to this many candidates in a pool, retrieval scans the pool's own vectors: exact, and
    #: faster there than the index over every municipality (median 3.3 against 19.6 ms in a
    #: pool of 40,000, 12 against 18 ms over a region of 71,562)
    scan_limit: int = 250_000
    overfetch: int = 4  # from the index: this many times more, since vetoes remove some; 0: scan only
    max_k: int = MAX_K
    #: bounds on protected groups' share of a list's top (a municipality's policy); None: off
    fair_exposure: ExposurePolicy | None = None
