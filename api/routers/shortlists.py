"""Shortlists in both directions, with overrides applied and every shown list logged.

The ranking itself is :class:`matching.shortlists.engine.ShortlistEngine`'s; this
module adds what the service owes its users around it: the relationship
managers' overrides go in, consent and health fields are respected for the
audience, and what was shown is written to the audit log (who, when, inputs,
model version, results) before it is returned.

The routes are coroutines: a shortlist found in the :class:`ShortlistCache`
costs about a millisecond of Python (four small queries, one audit row) and is
answered on the event loop, where thread-pool hand-offs would cost more than
the work; the engine's own work (tens of milliseconds) runs in the thread pool.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

from api.auth import Permission, User
from api.deps import Requires
from api.routers._records import AUTH_ERRORS, ID_PATTERN, invalid, responses
from api.routers.overrides import OverrideOut, override_out
from api.services import Services
from matching.privacy import audit_log
from matching.records.schemas import Employer, WorkNeed
from matching.records.storage import Store
from matching.serving import shared_cache
from matching.shortlists import overrides as override_store
from matching.shortlists.shortlist import Match, Shortlist, ShortlistError, UnknownRecordError

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/shortlists", tags=["shortlists"], responses=AUTH_ERRORS)

Viewer = Requires(Permission.SHORTLISTS_VIEW)
K = Annotated[int, Query(ge=1, le=100, description="How many matches to return.")]
Contributions = Annotated[
    bool,
    Query(
        description="Also return each match's per-feature contributions to the ranking score "
        "(score units; the reason already says what they mean). Staff view only."
    ),
]


class MatchOut(BaseModel):
    rank: int
    candidate_id: str
    work_need_id: str
    employer_id: str
    employer_name: str | None = None
    work_need_title: str | None = None
    probability: float | None = Field(
        description="Calibrated chance of a work-experience place or a job if they meet; "
        "null when no trained model is in service."
    )
    score: float = Field(description="What the list is ordered by (probability or similarity).")
    similarity: float
    reason: str = Field(description="Plain-language reason, in Dutch.")
    checks_passed: list[str] = Field(description="Hard vetoes this pair passed.")
    pinned: bool = Field(description="Pinned by a relationship manager.")
    override_reason: str | None = None
    contributions: dict[str, float] | None = Field(
        None, description="Per-feature contributions to the score; only with ?contributions=true."
    )


class ExcludedOut(BaseModel):
    id: str = Field(description="Candidate id (work need → candidates) or work need id.")
    reason: str


class ShortlistOut(BaseModel):
    direction: Literal["work_need", "candidate"]
    query_id: str
    audience: Literal["staff", "employer"]
    scored_by: str = Field(description="Model version in service, or 'similarity'.")
    note: str | None = None
    pool_size: int
    vetoed: dict[str, int] = Field(description="How many were left out per hard veto.")
    matches: list[MatchOut]
    excluded: list[ExcludedOut] = Field(description="Left out by a relationship manager.")
    overrides: list[OverrideOut] = Field(description="Overrides in force that shaped this list.")
    audit_ref: str = Field(
        description="Reference of the audit-log entry recording that this list was shown "
        "(GET /audit?ref=...)."
    )
    shown_at: dt.datetime


@dataclass(frozen=True)
class _Computed:
    shortlist: Shortlist
    employer_names: dict[str, str]
    need_titles: dict[str, str]
    #: The answer as shown, per (audience, contributions, overrides), without the fields
    #: each showing gets (audit reference, time), and the results the audit log records.
    shown: dict[tuple[Any, ...], tuple[ShortlistOut, list[dict[str, Any]]]] = field(
        default_factory=dict, compare=False, repr=False
    )


class ShortlistCache:
    """Answers of the engine, reused while nothing they depend on changed.

    The key holds everything a shortlist depends on: the request, the overrides in
    force, the store's version (any write moves it on), the model in service and
    the date the vetoes judge on. Entries are kept in memory, least-recently-used
    first out; with a ``store`` they are also shared through it
    (:mod:`matching.serving.shared_cache`), so other worker processes and machines find
    an answer one of them computed instead of computing it again. Erasure
    clears the memory (:mod:`api.erasure`) and, in its own transaction, the
    municipality's shared entries (:func:`matching.privacy.erasure.erase_candidate`).
    """

    #: Purge dead shared entries after this many writes.
    PURGE_EVERY = 256
    #: Part of every shared key: raise it when the stored form of a shortlist changes, so
    #: a newer release never reads an older one's entries.
    SHARED_FORMAT = 2

    def __init__(self, max_entries: int = 2048, *, store: Store | None = None) -> None:
        self.max_entries = max_entries
        self.store = store
        self._entries: OrderedDict[tuple[Any, ...], _Computed] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.shared_hits = 0
        self._writes = 0
        self._version: int | None = None
        if store is not None:
            shared_cache.ensure_tables(store)

    def get(self, key: tuple[Any, ...], store_version: int) -> _Computed | None:
        """The answer in memory (cheap: called on the event loop).

        Answers from before ``store_version`` can never be asked for again (the
        version is part of every key): the first request to see a newer version
        drops them, so data changed or erased elsewhere leaves this process too.
        """
        with self._lock:
            if self._version is None or store_version > self._version:
                self._entries.clear()
                self._version = store_version
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            else:
                self.misses += 1
            return found

    def put(self, key: tuple[Any, ...], value: _Computed) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def load_or_compute(
        self,
        key: tuple[Any, ...],
        compute: Callable[[], _Computed],
        *,
        municipality: str,
        store_version: int,
    ) -> _Computed:
        """The shared answer if one is stored, else ``compute()`` and share it (blocking I/O).

        The shared table only saves work: when it cannot be read or written the
        answer is computed or kept in memory only, and the request goes on.
        """
        if self.store is None:
            value = compute()
            self.put(key, value)
            return value
        digest = shared_cache.key_digest((self.SHARED_FORMAT, *key))
        try:
            stored = shared_cache.get(self.store, digest)
            value = None if stored is None else _decode(stored)
        except (SQLAlchemyError, KeyError, TypeError) as exc:
            logger.warning("shared shortlist cache entry unusable, computing: %s", exc)
            value = None
        if value is not None:
            self.shared_hits += 1
            self.put(key, value)
            return value
        value = compute()
        self.put(key, value)
        try:
            shared_cache.put(
                self.store, digest, _encode(value),
                municipality=municipality, store_version=store_version,
            )
            self._writes += 1
            if self._writes % self.PURGE_EVERY == 0:
                shared_cache.purge(self.store, before_version=store_version)
        except SQLAlchemyError as exc:
            logger.warning("could not share a computed shortlist: %s", exc)
        return value

    def clear(self) -> None:
        """Forget the answers in memory (the shared ones are the store's to delete)."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def _encode(computed: _Computed) -> dict[str, Any]:
    return {
        "shortlist": asdict(computed.shortlist),
        "employer_names": computed.employer_names,
        "need_titles": computed.need_titles,
    }


def _decode(value: dict[str, Any]) -> _Computed:
    shortlist = dict(value["shortlist"])
    shortlist["matches"] = [Match(**m) for m in shortlist["matches"]]
    return _Computed(Shortlist(**shortlist), value["employer_names"], value["need_titles"])


async def get_cache(request: Request) -> ShortlistCache:
    return request.app.state.shortlist_cache


CacheDep = Annotated[ShortlistCache, Depends(get_cache)]


def _computed(store: Store, shortlist: Shortlist, municipality: str) -> _Computed:
    """The shortlist with the names shown next to it."""
    employer_ids = sorted({m.employer_id for m in shortlist.matches})
    need_ids = sorted({m.work_need_id for m in shortlist.matches})
    names = (
        {
            e.id: e.name
            for e in store.list(
                Employer,
                municipality=municipality,
                where={"id": employer_ids},
            )
        }
        if employer_ids
        else {}
    )
    titles = (
        {
            n.id: n.title
            for n in store.list(
                WorkNeed,
                municipality=municipality,
                where={"id": need_ids},
            )
        }
        if need_ids
        else {}
    )
    return _Computed(shortlist, names, titles)


def _logged(m: Match) -> dict[str, Any]:
    return {
        "rank": m.rank,
        "candidate_id": m.candidate_id,
        "work_need_id": m.work_need_id,
        "probability": m.probability,
        "score": round(m.score, 6),
        "pinned": m.pinned,
    }


class ShortlistService:
    """Shortlists as shown to a user: overrides in, consent and health respected, logged.

    Built once by the app factory from the engine (``services``), the store, the
    :class:`ShortlistCache` and the audit-log writer; the API routes and the
    pages both call it.
    """

    def __init__(
        self,
        services: Services,
        store: Store,
        *,
        cache: ShortlistCache,
        writer: audit_log.AuditWriter,
    ) -> None:
        self.services = services
        self.store = store
        self.cache = cache
        self.writer = writer
        # the engine's work is CPU-bound Python: more than a couple at once only makes every
        # one of them slower (and holds database connections while waiting for the GIL)
        self._computing = threading.BoundedSemaphore(2)

    async def for_work_need(
        self,
        user: User,
        work_need_id: str,
        *,
        k: int,
        audience: Literal["staff", "employer"],
        contributions: bool = False,
    ) -> ShortlistOut:
        """The candidates for a work need; raises 404/422 HTTP errors."""
        overrides = override_store.active_overrides(
            self.store, work_need_id, municipality=user.municipality
        )
        pinned = [o.candidate_id for o in overrides if o.kind == "pin"]
        excluded = {o.candidate_id: o.reason for o in overrides if o.kind == "exclude"}
        key = (
            "work_need",
            user.municipality,
            work_need_id,
            k,
            audience,
            tuple(o.id for o in overrides),
        )

        def compute() -> Shortlist:
            return self.services.engine.for_work_need(
                work_need_id,
                k,
                municipality=user.municipality,
                audience=audience,
                pinned=pinned,
                excluded=excluded,
            )

        computed = await self._cached(key, user.municipality, compute, f"work need {work_need_id}")
        return self._out(
            computed,
            audience=audience,
            overrides=overrides,
            user=user,
            inputs={"k": k, "audience": audience},
            contributions=contributions,
        )

    async def for_candidate(
        self,
        user: User,
        candidate_id: str,
        *,
        k: int,
        one_per_employer: bool,
        contributions: bool = False,
    ) -> ShortlistOut:
        """The work needs a candidate is most worth meeting; raises 404/422 HTTP errors."""
        overrides = override_store.overrides_for_candidate(
            self.store, candidate_id, municipality=user.municipality
        )
        excluded = {o.work_need_id: o.reason for o in overrides if o.kind == "exclude"}
        key = (
            "candidate",
            user.municipality,
            candidate_id,
            k,
            one_per_employer,
            tuple(o.id for o in overrides),
        )

        def compute() -> Shortlist:
            return self.services.engine.for_candidate(
                candidate_id,
                k,
                municipality=user.municipality,
                one_per_employer=one_per_employer,
                excluded=excluded,
            )

        computed = await self._cached(key, user.municipality, compute, f"candidate {candidate_id}")
        return self._out(
            computed,
            audience="staff",
            overrides=overrides,
            user=user,
            inputs={"k": k, "one_per_employer": one_per_employer},
            contributions=contributions,
        )

    async def _cached(
        self,
        key: tuple[Any, ...],
        municipality: str,
        compute: Callable[[], Shortlist],
        subject: str,
    ) -> _Computed:
        """A cache hit is answered on the event loop; the engine's work goes to the thread pool.

        An unknown ``subject`` becomes a 404, a bad ``k`` a 422.
        """
        try:
            return await self._answer(key, municipality, compute)
        except UnknownRecordError:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"{subject} not found") from None
        except ShortlistError as exc:
            raise invalid("k", str(exc), where="query") from None

    async def _answer(
        self, key: tuple[Any, ...], municipality: str, compute: Callable[[], Shortlist]
    ) -> _Computed:

        def work() -> _Computed:
            with self._computing:
                return _computed(self.store, compute(), municipality)

        engine = self.services.engine
        version = self.store.version()
        full_key = (*key, version, engine.scored_by, engine.today())
        found = self.cache.get(full_key, version)
        if found is None:
            found = await run_in_threadpool(
                self.cache.load_or_compute,
                full_key,
                work,
                municipality=municipality,
                store_version=version,
            )
        return found

    def _out(
        self,
        computed: _Computed,
        *,
        audience: Literal["staff", "employer"],
        overrides: list[override_store.Override],
        user: User,
        inputs: dict[str, Any],
        contributions: bool,
    ) -> ShortlistOut:
        shortlist = computed.shortlist
        key = (audience, contributions, tuple(o.id for o in overrides))
        found = computed.shown.get(key)
        if found is None:  # the first showing renders; later ones copy (no re-validation)
            found = (
                self._render(computed, audience, overrides, contributions),
                [_logged(m) for m in shortlist.matches],
            )
            computed.shown[key] = found
        rendered, logged = found
        audit_ref = self.writer.submit(
            actor=user.username,
            role=user.role.value,
            municipality=user.municipality,
            action="shortlist_shown",
            subject_type=shortlist.direction,
            subject_id=shortlist.query_id,
            inputs={**inputs, "overrides": [o.id for o in overrides]},
            model_version=shortlist.scored_by,
            results=logged,
        )
        return rendered.model_copy(
            update={"audit_ref": audit_ref, "shown_at": dt.datetime.now(dt.timezone.utc)}
        )

    @staticmethod
    def _render(
        computed: _Computed,
        audience: Literal["staff", "employer"],
        overrides: list[override_store.Override],
        contributions: bool,
    ) -> ShortlistOut:
        shortlist = computed.shortlist
        pins = {o.candidate_id: o.reason for o in overrides if o.kind == "pin"}
        employer_view = audience == "employer"
        matches = [
            MatchOut(
                rank=m.rank,
                candidate_id=m.candidate_id,
                work_need_id=m.work_need_id,
                employer_id=m.employer_id,
                employer_name=computed.employer_names.get(m.employer_id),
                work_need_title=computed.need_titles.get(m.work_need_id),
                probability=m.probability,
                score=m.score,
                similarity=m.similarity,
                reason=m.reason_without_limits if employer_view else m.reason,
                checks_passed=list(m.checks_passed),
                pinned=m.pinned,
                override_reason=pins.get(m.candidate_id) if m.pinned else None,
                contributions=m.contributions if contributions and not employer_view else None,
            )
            for m in shortlist.matches
        ]
        excluded = (
            []
            if employer_view
            else [ExcludedOut(id=i, reason=r) for i, r in sorted(shortlist.excluded.items())]
        )
        return ShortlistOut(
            direction=shortlist.direction,
            query_id=shortlist.query_id,
            audience=audience,
            scored_by=shortlist.scored_by,
            note=shortlist.note,
            pool_size=shortlist.pool_size,
            vetoed=shortlist.vetoed,
            matches=matches,
            excluded=excluded,
            overrides=[override_out(o) for o in overrides],
            audit_ref="",
            shown_at=dt.datetime.fromtimestamp(0, dt.timezone.utc),
        )


async def get_shortlists(request: Request) -> ShortlistService:
    return request.app.state.shortlists


ShortlistsDep = Annotated[ShortlistService, Depends(get_shortlists)]


def _json(out: ShortlistOut) -> Response:
    # already a validated ShortlistOut: skip FastAPI's second validation of the answer
    return Response(out.model_dump_json(), media_type="application/json")


@router.get(
    "/work-needs/{work_need_id}",
    summary="Candidates for a work need",
    response_model=ShortlistOut,
    responses=responses(404),
)
async def for_work_need(
    work_need_id: Annotated[str, Path(pattern=ID_PATTERN)],
    shortlists: ShortlistsDep,
    user: Viewer,
    k: K = 10,
    audience: Annotated[
        Literal["staff", "employer"],
        Query(
            description="'employer': a list to show the employer — only candidates who "
            "consented to being shown to employers, no health details, no internal notes."
        ),
    ] = "staff",
    contributions: Contributions = False,
) -> Response:
    """Hard vetoes, retrieval, the ranker's calibrated chance and a Dutch reason per match;
    relationship managers' pins come first and exclusions are left out (listed with reason).
    Every list shown is written to the audit log."""
    out = await shortlists.for_work_need(
        user, work_need_id, k=k, audience=audience, contributions=contributions
    )
    return _json(out)


@router.get(
    "/candidates/{candidate_id}",
    summary="Employers (work needs) for a candidate",
    response_model=ShortlistOut,
    responses=responses(404),
)
async def for_candidate(
    candidate_id: Annotated[str, Path(pattern=ID_PATTERN)],
    shortlists: ShortlistsDep,
    user: Viewer,
    k: K = 10,
    one_per_employer: Annotated[
        bool, Query(description="Only each employer's best work need.")
    ] = True,
    contributions: Contributions = False,
) -> Response:
    """The work needs this candidate is most worth meeting, best first; logged."""
    out = await shortlists.for_candidate(
        user, candidate_id, k=k, one_per_employer=one_per_employer, contributions=contributions
    )
    return _json(out)
