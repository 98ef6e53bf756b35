"""Shortlists in both directions as shown to a user: overrides in, consent respected, logged.

The ranking itself is :class:`matching.shortlists.engine.ShortlistEngine`'s;
:class:`ShortlistService` adds what is owed to the people who see it: the
relationship managers' overrides go in, consent and health fields are
respected for the audience, and what was shown is written to the audit log
(who, when, inputs, model version, results) before it is returned. The HTTP
routes, the web pages and ``werkkans shortlist`` all call it.

Its methods are coroutines: a shortlist found in the :class:`ShortlistCache`
costs about a millisecond of Python (four small queries, one audit row) and is
answered on the event loop, where thread-pool hand-offs would cost more than
the work; the engine's own work (tens of milliseconds) runs in a worker
thread. The command line runs them with :func:`asyncio.run`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import anyio.to_thread
from pydantic import BaseModel, Field

from matching.privacy.audit_writer import AuditNotDurable, AuditWriter
from matching.records.schemas import Candidate, Employer, WorkNeed
from matching.records.storage import Change, Store
from matching.shortlists import overrides as override_store
from matching.shortlists.pool import HISTORY_TYPES, MAX_PIECEMEAL, POOL_TYPES
from matching.shortlists.shortlist import (
    Match,
    Shortlist,
    ShortlistError,
    SortBy,
    UnknownRecordError,
    copied,
)
from services import records
from services.actor import Actor
from services.errors import AuditUnavailable, Conflict, InvalidInput, NotFound
from services.overrides import OverrideOut, override_out
from services.runtime import Runtime
from services.shortlist_cache import (
    BACKGROUND_NICE,
    BackgroundRefresh,
    CacheKey,
    Computed,
    ShortlistCache,
)

__all__ = ["Audience", "ExcludedOut", "MatchOut", "Scope", "ShortlistOut", "ShortlistService"]

T = TypeVar("T")

#: Seconds a shortlist waits for its audit entry to be committed before it is refused.
AUDIT_TIMEOUT = 2.0
#: Record types whose change alone lets a list be shown stale while it is computed again
#: (so does a change of candidates it does not show; of anyone it shows, or of a region,
#: work need or employer, it is unusable at once).
HISTORY_ENTITIES = frozenset(t.entity for t in HISTORY_TYPES)
#: ... and whose change lets a list held be brought up to date.
UPDATABLE_ENTITIES = HISTORY_ENTITIES | {Candidate.entity}

Audience = Literal["staff", "employer"]
#: Whose candidates a work need's list draws on: the municipality's own, or also those the
#: labour-market region's other municipalities share (with the candidates' consent).
Scope = Literal["municipality", "region"]


class MatchOut(BaseModel):
    rank: int
    candidate_id: str
    candidate_name: str | None = Field(
        None, description="The candidate's name (staff; employers only with the candidate's consent)."
    )
    candidate_municipality: str = Field(description="The candidate's own municipality.")
    shared_by_region: bool = Field(
        False,
        description="Found through the labour-market region: another municipality's candidate "
        "who consented to regional sharing. Shown without health details or contact details; "
        "their own municipality arranges contact.",
    )
    work_need_id: str
    employer_id: str
    employer_name: str | None = None
    work_need_title: str | None = None
    work_need_municipality: str | None = Field(
        None,
        description="The work need's municipality when it is another of the labour-market "
        "region's (a candidate's list with scope=region); its own municipality arranges contact.",
    )
    probability: float | None = Field(
        description="Calibrated chance of a work-experience place or a job if they meet; "
        "null when no trained model is in service."
    )
    anyway: float | None = Field(
        None,
        description="Chance of a WEP or job found without the programme within 6 months "
        "(staff lists only; null when the history holds too little work found alone).",
    )
    net: float | None = Field(
        None,
        description="The difference meeting makes: (1 - anyway) * probability (staff lists only).",
    )
    score: float = Field(description="What the list is ordered by (probability or similarity).")
    similarity: float
    reason: str = Field(description="Plain-language reason, in Dutch.")
    quote: QuoteOut | None = Field(
        None, description="The candidate's own sentence about the work, quoted in the reason."
    )
    checks_passed: list[str] = Field(description="Hard vetoes this pair passed.")
    pinned: bool = Field(description="Pinned by a relationship manager.")
    override_reason: str | None = None
    contributions: dict[str, float] | None = Field(
        None, description="Per-feature contributions to the score; only with ?contributions=true."
    )


class QuoteOut(BaseModel):
    field: Literal["wishes", "interests", "strengths"] = Field(
        description="The candidate's field the sentence comes from."
    )
    text: str = Field(description="The sentence exactly as the candidate's record has it.")
    marks: list[tuple[int, int]] = Field(
        description="[start, end) character ranges in `text` of the words the work shares."
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
    about_work: str | None = Field(
        None,
        description="For a work need: what holds for every candidate on the list (contract, "
        "coaching, the employer's record), said once instead of in every reason.",
    )
    pool_size: int
    vetoed: dict[str, int] = Field(description="How many were left out per hard veto.")
    matches: list[MatchOut]
    excluded: list[ExcludedOut] = Field(description="Left out by a relationship manager.")
    exposure: dict[str, float] | None = Field(
        None,
        description="With the municipality's fair-exposure policy on (WERKKANS_FAIR_EXPOSURE): "
        "`moved` (candidates the policy brought into the list) and `expected_good_given_up` "
        "(the sum of chances the list gave up for it). Null when the policy is off.",
    )
    overrides: list[OverrideOut] = Field(description="Overrides in force that shaped this list.")
    audit_ref: str = Field(
        description="Reference of the audit-log entry recording that this list was shown "
        "(GET /audit?ref=...)."
    )
    shown_at: dt.datetime
    stale: bool = Field(
        False,
        description="The list as it was before the latest history (outcomes, meetings, "
        "invitations) or edits of candidates it does not show were recorded, shown while its "
        "successor is computed; never older than WERKKANS_STALE_SECONDS after those writes, "
        "and never after a change of the profile or consent of anyone it shows, or of an "
        "override.",
    )


def _computed(
    store: Store, shortlist: Shortlist, municipality: str, members: list[str]
) -> Computed:
    """The shortlist with the names shown next to it; ``members``: the municipalities whose
    candidates or work it may hold (``municipality`` first)."""
    employer_ids = sorted({m.employer_id for m in shortlist.matches})
    need_ids = sorted({m.work_need_id for m in shortlist.matches})
    names = {
        e.id: e.name for e in store.list(Employer, where={"id": employer_ids})
        if e.municipality in members
    } if employer_ids else {}
    needs = [
        n for n in store.list(WorkNeed, where={"id": need_ids}) if n.municipality in members
    ] if need_ids else []
    titles = {n.id: n.title for n in needs}
    candidate_ids = sorted({m.candidate_id for m in shortlist.matches})
    # a regional list names the region's candidates too (the engine only shares consenting ones)
    found = [
        c
        for c in store.list(Candidate, where={"id": candidate_ids})
        if c.municipality in members
    ] if candidate_ids else []
    people = {c.id: c.name for c in found if c.name}
    homes = {c.id: c.municipality for c in found if c.municipality != municipality}
    elsewhere = {n.id: n.municipality for n in needs if n.municipality != municipality}
    return Computed(shortlist, names, titles, people, homes, elsewhere)


#: Brings a list held from before new history up to date with those changes; None: cannot.
Update = Callable[[Shortlist, list[Change]], Shortlist | None]


@dataclass(frozen=True)
class _Held:
    """A list made before the latest writes, the writes since and when the first came in
    (None when the profile or consent of someone it shows changed: never shown as it was)."""

    computed: Computed
    changes: list[Change]
    since: dt.datetime | None


def _shown(shortlist: Shortlist) -> set[str]:
    """The candidates whose records a list shows: those on it, and the one a candidate's list
    is for."""
    shown = {m.candidate_id for m in shortlist.matches}
    if shortlist.direction == "candidate":
        shown.add(shortlist.query_id)
    return shown


def _scope(municipality: str, members: Sequence[str]) -> str:
    """What a list of ``municipality`` drawing on ``members`` depends on, in the caches: the
    municipality, or ``region:<code>`` for a list over its region."""
    return municipality if len(members) == 1 else f"region:{municipality}"


def _logged(m: Match) -> dict[str, Any]:
    return {
        "rank": m.rank,
        "candidate_id": m.candidate_id,
        "work_need_id": m.work_need_id,
        "probability": m.probability,
        "score": round(m.score, 6),
        "pinned": m.pinned,
    }


def _collector_paused(job: Callable[[], T]) -> T:
    """``job()`` with the garbage collector paused (as it was, after).

    For the upkeep after a write (:meth:`ShortlistService.catch_up`): the pools and lists it
    makes, some 15,000 objects for 1,500 lists, nearly all live until the next write (the
    service then freezes them out of collection). Collections during it walked them again
    and again. In-process on the load test's region, six passes each way, alternating: a
    pass over 2,000 lists took a median 77 ms with the collector paused against 114 ms
    without.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        return job()
    finally:
        if was:
            gc.enable()


class ShortlistService:
    """Shortlists as shown to a user: overrides in, consent and health respected, logged.

    Built once per service (or command) from the runtime's engine, the
    :class:`ShortlistCache` and the audit-log writer.

    Examples
    --------
    >>> service = ShortlistService(runtime, cache=ShortlistCache(), writer=writer)  # doctest: +SKIP
    >>> out = asyncio.run(service.for_work_need(actor, "W1", k=10))  # doctest: +SKIP
    >>> out.audit_ref  # doctest: +SKIP
    '3f2a...'
    """

    def __init__(
        self,
        runtime: Runtime,
        *,
        cache: ShortlistCache,
        writer: AuditWriter,
        audit_timeout: float = AUDIT_TIMEOUT,
        max_stale: float = 0.0,
        background_nice: int = BACKGROUND_NICE,
    ) -> None:
        self.runtime = runtime
        self.store = runtime.store
        self.cache = cache
        self.writer = writer
        self.audit_timeout = audit_timeout
        self.max_stale = max_stale
        self.refresh = BackgroundRefresh(nice=background_nice)
        self.updated = 0  # lists brought up to date after new history instead of made anew
        self._carried_at = -1  # the engine's pool moves when lists were last carried forward
        self._catching = threading.Lock()
        #: request -> the version of the newest list held of it, which could not be carried
        self._stuck: dict[tuple[Any, ...], int] = {}
        # the engine's work is CPU-bound Python: more than a couple at once only makes every
        # one of them slower (and holds database connections while waiting for the GIL)
        self._computing = threading.BoundedSemaphore(2)

    async def for_work_need(
        self,
        actor: Actor,
        work_need_id: str,
        *,
        k: int,
        audience: Audience = "staff",
        contributions: bool = False,
        sort: SortBy = "chance",
        scope: Scope = "municipality",
    ) -> ShortlistOut:
        """The candidates for a work need, with its overrides applied; logged as shown.

        ``sort="net"`` orders by the difference meeting makes (staff only; an
        employer's list is always by chance). ``scope="region"`` adds the candidates
        the labour-market region's other municipalities share; each of those
        municipalities' audit logs records that their candidates were shown.

        Raises :class:`NotFound` for an unknown work need, :class:`InvalidInput` for a
        bad ``k`` and :class:`Conflict` for a regional list of a municipality in no region.
        """
        if audience == "employer":
            sort = "chance"  # the chance anyway is about the candidate: staff only
        (computed, stale), overrides, municipality = await self._work_need_list(
            actor, work_need_id, k=k, audience=audience, sort=sort, scope=scope
        )
        return await self._out(
            computed,
            stale=stale,
            audience=audience,
            overrides=overrides,
            actor=actor,
            municipality=municipality,
            inputs={"k": k, "audience": audience, "sort": sort, "scope": scope},
            contributions=contributions,
        )

    async def precompute(
        self, actor: Actor, work_need_id: str, *, k: int, scope: Scope = "municipality"
    ) -> bool:
        """Compute a work need's list as its page and the API first ask for it (``k`` staff
        lines by chance) into the shared cache, so that first view is answered at once.
        Nothing is shown, so nothing is logged.

        Returns whether it was computed (False: the cache held it already).
        """
        before = self.cache.computed
        await self._work_need_list(
            actor, work_need_id, k=k, audience="staff", sort="chance", scope=scope,
            fresh=True,
        )
        return self.cache.computed > before

    def preload(self, municipalities: Iterable[str]) -> int:
        """Take into this process's memory the lists any worker or the batch stored for the
        municipalities' records (and their regions') as they are now (blocking I/O); how many.

        Otherwise each worker reads every list from the store the first time it is asked
        for it, and a service that just started answers many of its first views that way.
        """
        engine = self.runtime.engine
        model, day = engine.scored_by, engine.today()
        taken = 0
        for municipality in municipalities:
            region = engine.region_of(municipality)
            for members in ([municipality], region) if len(region) > 1 else ([municipality],):
                version = self.store.version(municipalities=members, record_types=POOL_TYPES)
                taken += self.cache.preload(
                    _scope(municipality, members), version, model, day,
                    limit=self.cache.max_entries - taken,
                )
        return taken

    def catch_up(self) -> int:
        """Bring the engine's pools up to date with the writes since
        (:meth:`~matching.shortlists.engine.ShortlistEngine.keep_in_step`) and carry forward the
        lists held that those writes cannot change (:meth:`carry_forward`); how many lists.

        The service calls it five times a second, and so does a thread about to make a list's
        successor: right after a write, one pass keeps nearly every list current, and only the
        rest is made again. One pass at a time; a caller during a pass waits for it. It runs
        with the garbage collector paused (:func:`_collector_paused`).
        """
        with self._catching:
            return _collector_paused(self._catch_up)

    def _catch_up(self) -> int:
        self.runtime.engine.keep_in_step()
        return self.carry_forward()

    def carry_forward(self) -> int:
        """Keep under the version of their records now the work needs' lists this process
        holds that the writes since cannot change
        (:meth:`~matching.shortlists.engine.ShortlistEngine.carry_forward`); how many.

        Called after the engine brought its pools up to date with new writes
        (:meth:`~matching.shortlists.engine.ShortlistEngine.keep_in_step`): a list's next
        showing then finds it current instead of showing it as it was while its successor is
        made, once per list and worker. Lists with overrides are left to their next showing.
        """
        engine = self.runtime.engine
        moves = engine.moves
        if moves == self._carried_at:  # no pool moved on since the last time
            return 0
        self._carried_at = moves
        model, day = engine.scored_by, engine.today()
        newest = self.cache.newest()
        if len(self._stuck) > len(newest):  # only lists still held can be stuck: the rest left the cache
            self._stuck = {key.request: v for key, _ in newest if (v := self._stuck.get(key.request)) is not None}
        held = [
            (key, computed) for key, computed in newest
            if self._passes(key.request) and (key.model, key.day) == (model, day)
            and self._stuck.get(key.request) != key.version
        ]
        carried = engine.carry_forward([
            (computed.shortlist, key.request[4], key.request[5], key.request[6] == "region")
            for key, computed in held
        ])
        kept = 0
        versions: dict[int, int] = {}  # the version of each stamp (by id: the pool's own tuple)
        for (key, computed), shortlist in zip(held, carried, strict=True):
            if shortlist is None or shortlist.ranking is None:
                self._stuck[key.request] = key.version  # until a newer list of it is held
                continue
            stamp = shortlist.ranking.pools
            version = versions.get(id(stamp))
            if version is None:
                version = versions[id(stamp)] = max(v for _, v in stamp)
            if version <= key.version:
                continue
            # with the same counts of vetoes it shows as it did: the same renderings serve both
            shown = computed.shown if shortlist.vetoed == computed.shortlist.vetoed else {}
            scope = _scope(key.request[1], key.request[7])
            self.cache.put(
                CacheKey(key.request, version, key.model, key.day),
                copied(computed, shortlist=shortlist, shown=shown),
                scope,
            )
            kept += 1
        return kept

    async def _work_need_list(
        self,
        actor: Actor,
        work_need_id: str,
        *,
        k: int,
        audience: Audience,
        sort: SortBy,
        scope: Scope,
        fresh: bool = False,
    ) -> tuple[tuple[Computed, float | None], list[override_store.Override], str]:
        """The engine's list with the overrides in force, from the cache when it is there;
        ``fresh``: never the list before the latest history (:meth:`_answer`)."""
        municipality, members, overrides, key = await self._asked(
            actor, WorkNeed, work_need_id, scope, override_store.active_overrides, k, audience, sort
        )
        pinned = [o.candidate_id for o in overrides if o.kind == "pin"]
        excluded = {o.candidate_id: o.reason for o in overrides if o.kind == "exclude"}

        asked: dict[str, Any] = {
            "municipality": municipality,
            "audience": audience,
            "pinned": pinned,
            "excluded": excluded,
            "sort": sort,
            "region": scope == "region",
        }

        def compute() -> Shortlist:
            return self.runtime.engine.for_work_need(work_need_id, k, **asked)

        def update(held: Shortlist, changes: list[Change]) -> Shortlist | None:
            return self.runtime.engine.update_work_need(held, changes, k, **asked)

        answer = await self._cached(
            key, municipality, compute, f"work need {work_need_id}", members, fresh=fresh,
            update=update, named=pinned,
        )
        return answer, overrides, municipality

    async def _asked(
        self,
        actor: Actor,
        record_type: type[WorkNeed | Candidate],
        record_id: str,
        scope: Scope,
        overrides_of: Callable[..., list[override_store.Override]],
        *asked: object,
    ) -> tuple[str, list[str], list[override_store.Override], CacheKey]:
        """Where a request about ``record_id`` works, the municipalities its list draws on,
        the overrides in force and its cache key (the store's version now).

        These are the store's questions every view asks, cache hit or not; they are put
        in one worker thread, so a worker's event loop goes on serving while the database
        answers them."""

        def ask() -> tuple[str, list[str], list[override_store.Override], CacheKey]:
            municipality = records.scope(self.store, actor, record_type, record_id)
            members = self._members(municipality, scope)
            overrides = overrides_of(self.store, record_id, municipality=municipality)
            kind = "work_need" if record_type is WorkNeed else "candidate"
            # the members too: a list over a region is another list once the region changed,
            # even where no record of the members it has now did
            request = (
                kind, municipality, record_id, *asked, scope, tuple(members), tuple(o.id for o in overrides)
            )
            return municipality, members, overrides, self._key(request, members)

        return await anyio.to_thread.run_sync(ask)

    def _key(self, request: tuple[Any, ...], members: list[str]) -> CacheKey:
        """The cache key of ``request`` now: the version of its municipalities' records, the
        model in service and the day (blocking I/O)."""
        engine = self.runtime.engine
        version = self.store.version(municipalities=members, record_types=POOL_TYPES)
        return CacheKey(request, version, engine.scored_by, engine.today())

    def _members(self, municipality: str, scope: Scope) -> list[str]:
        """The municipalities a list of ``scope`` draws on, ``municipality`` first.

        Raises :class:`Conflict` for the region of a municipality in no region.
        """
        if scope == "municipality":
            return [municipality]
        members = self.runtime.engine.region_of(municipality)
        if len(members) == 1:
            raise Conflict(
                f"municipality {municipality} is in no labour-market region with others "
                "(municipalities.csv)",
                dutch="Deze gemeente hoort bij geen arbeidsmarktregio met andere gemeenten.",
            )
        return members

    async def for_candidate(
        self,
        actor: Actor,
        candidate_id: str,
        *,
        k: int,
        one_per_employer: bool = True,
        contributions: bool = False,
        scope: Scope = "municipality",
    ) -> ShortlistOut:
        """The work needs a candidate is most worth meeting, with exclusions applied; logged.

        ``scope="region"`` adds the open work needs of the labour-market region's other
        municipalities.

        Raises :class:`NotFound` for an unknown candidate, :class:`InvalidInput` for a
        bad ``k`` and :class:`Conflict` for a regional list of a municipality in no region.
        """
        municipality, members, overrides, key = await self._asked(
            actor, Candidate, candidate_id, scope, override_store.overrides_for_candidate, k,
            one_per_employer,
        )
        excluded = {o.work_need_id: o.reason for o in overrides if o.kind == "exclude"}

        def compute() -> Shortlist:
            return self.runtime.engine.for_candidate(
                candidate_id,
                k,
                municipality=municipality,
                one_per_employer=one_per_employer,
                excluded=excluded,
                region=scope == "region",
            )

        computed, stale = await self._cached(
            key, municipality, compute, f"candidate {candidate_id}", members
        )
        return await self._out(
            computed,
            stale=stale,
            audience="staff",
            overrides=overrides,
            actor=actor,
            municipality=municipality,
            inputs={"k": k, "one_per_employer": one_per_employer, "scope": scope},
            contributions=contributions,
        )

    async def _cached(
        self,
        key: CacheKey,
        municipality: str,
        compute: Callable[[], Shortlist],
        subject: str,
        members: list[str],
        *,
        fresh: bool = False,
        update: Update | None = None,
        named: Iterable[str] = (),
    ) -> tuple[Computed, float | None]:
        """``key`` from :meth:`_asked` (in a worker thread); a cache hit is then answered on
        the event loop, and the engine's work goes to a worker thread. ``named``: candidates
        the list may name without listing them (pinned ones the vetoes leave out).

        An unknown ``subject`` is :class:`NotFound`, a bad ``k`` :class:`InvalidInput`.
        """
        try:
            return await self._answer(
                key, municipality, compute, members, fresh=fresh, update=update, named=frozenset(named)
            )
        except UnknownRecordError as exc:
            raise NotFound(exc.kind, exc.record_id, f"{subject} not found") from None
        except ShortlistError as exc:
            raise InvalidInput.of("k", str(exc), where="query", dutch=exc.dutch) from None

    async def _answer(
        self,
        key: CacheKey,
        municipality: str,
        compute: Callable[[], Shortlist],
        members: list[str],
        *,
        fresh: bool,
        update: Update | None,
        named: frozenset[str],
    ) -> tuple[Computed, float | None]:
        """The list of ``key`` (:meth:`_asked`), and None; or the list before the latest
        history was recorded, and how many seconds ago the first of that history came in.

        A list whose records changed only in their history (events, invitations, meetings,
        outcomes) and candidates (no employer, work need or override, the same model and
        day) since it was last made is brought up to date by ``update`` where it can be
        (:meth:`~matching.shortlists.engine.ShortlistEngine.update_work_need`), and
        otherwise computed anew. After history and edits of candidates it does not show, with
        ``max_stale`` seconds and unless ``fresh`` is asked, it is shown as it was while a
        thread of its own makes its successor, as long as the first of those changes is at
        most ``max_stale`` seconds old; never after a change of the profile or consent of
        anyone it shows or ``named`` (a candidate's list: of the candidate), nor after an
        erasure.
        """
        # a list depends on its municipality's records (and its region's, for a regional one)
        scope = _scope(municipality, members)
        request = key.request

        def work(key: CacheKey, held: _Held | None) -> Computed:
            with self._computing:
                shortlist = None
                if held is not None and update is not None:
                    shortlist = update(held.computed.shortlist, held.changes)
                    self.updated += shortlist is not None
                return _computed(self.store, shortlist or compute(), municipality, members)

        def load(key: CacheKey) -> tuple[Computed, float | None]:
            may_be_late = not fresh and self.max_stale > 0
            # a list the next pass takes forward is made anew by no worker meanwhile: no need
            # to ask the shared table first, when it may be shown late
            asked = not (may_be_late and self._left_to_pass(key))
            found = self.cache.shared(key, scope) if asked else None
            if found is not None:
                return found, None
            held = self._held(key, members, named) if update is not None or may_be_late else None
            if held is not None and held.since is not None and may_be_late:
                age = self._age(held.since)
                if age is not None:
                    self.cache.hold_late(key, held.computed, held.since, scope)
                    self.refresh.submit(request, refresh)
                    return held.computed, age
            if not asked and (found := self.cache.shared(key, scope)) is not None:
                return found, None
            return self.cache.compute(key, lambda: work(key, held), scope), None

        def refresh() -> None:
            # queued behind the pass: the list is mostly carried forward by the time this
            # runs, and then nothing is asked of the store (a later write is judged at the
            # list's next showing)
            held = self._newest_held(key)
            if held is not None and held.version >= key.version:
                return
            self.catch_up()  # most lists need no successor after a write: carried forward at once
            now = self._key(request, members)
            if self.cache.get(now, scope) is not None or self._left_to_pass(now):
                return
            if self.cache.shared(now, scope) is None:
                self.cache.compute(now, lambda: work(now, self._held(now, members, named)), scope)

        found = self.cache.get(key, scope)
        if found is not None:
            return found, None
        # shown late before: again, without asking the store (until its successor lands)
        late = None if fresh or self.max_stale <= 0 else self.cache.late(key)
        age = None if late is None else self._age(late[1])
        if late is not None and age is not None:
            self.refresh.submit(request, refresh)
            return late[0], age
        return await anyio.to_thread.run_sync(load, key)

    def _left_to_pass(self, key: CacheKey) -> bool:
        """Whether the next pass (:meth:`catch_up`) tries to carry the newest list of
        ``key.request`` held here forward to ``key``: one of an older version, that no pass
        found it could not carry, of pools the engine holds (after a pass, then, a write
        came in since).

        Its successor is then not made for it alone: under a steady stream of writes the
        successors the background thread made or brought up to date one by one, for lists
        the next pass would carry anyway, were a third of its work in the load test. And
        no other worker has made it anew unless its pass could not carry it, so a request
        showing the list late does not look for it in the shared table first.
        """
        held = self._newest_held(key)
        return (
            held is not None
            and held.version < key.version
            and self._passes(key.request)
            and self._stuck.get(key.request) != held.version
            and self.runtime.engine.held_pool(
                key.request[1], region=key.request[6] == "region", now=(key.model, key.day)
            ) is not None
        )

    def _newest_held(self, key: CacheKey) -> CacheKey | None:
        """The key of the newest list of ``key.request`` this process holds, when it was made
        by the same model on the same day (whatever its version); None otherwise."""
        found = self.cache.latest(key)
        if found is None or (found[0].model, found[0].day) != (key.model, key.day):
            return None
        return found[0]

    @staticmethod
    def _passes(request: tuple[Any, ...]) -> bool:
        """Whether :meth:`carry_forward` looks at the lists of ``request``: a work need's,
        without overrides."""
        # a work need's request: (kind, municipality, id, k, audience, sort, scope, members,
        # overrides)
        return request[0] == "work_need" and not request[-1]

    def _held(self, key: CacheKey, members: list[str], named: frozenset[str]) -> _Held | None:
        """The newest list held for ``key.request`` (this worker's own, else the newest any
        worker stored: the nightly batch's, say) by the same model on the same day, if only
        history and candidates changed since it was made (and not too much), with the changes;
        ``named``: candidates it may name besides those it lists (:meth:`_cached`)."""
        for fetch in (self.cache.latest, self.cache.newest_shared):
            found = fetch(key)
            if found is None:
                continue
            held, computed = found
            if (held.model, held.day) != (key.model, key.day) or held.version >= key.version:
                continue
            changes = self.store.changed_since(
                held.version, municipalities=members, record_types=POOL_TYPES, limit=MAX_PIECEMEAL
            )
            if changes is None or any(
                c.entity not in UPDATABLE_ENTITIES or not (c.before or c.after) for c in changes
            ):
                self.cache.forget(key)  # an employer, work need, region or erasure: made anew
                return None
            shown = _shown(computed.shortlist) | named
            since = None if any(
                c.entity not in HISTORY_ENTITIES and c.record_id in shown for c in changes
            ) else min((c.changed_at for c in changes), default=dt.datetime.now(dt.UTC))
            return _Held(computed, changes, since)
        return None

    def _age(self, since: dt.datetime) -> float | None:
        """Seconds since ``since`` (never below 0), or None when more than ``max_stale``."""
        age = (dt.datetime.now(dt.UTC) - since).total_seconds()
        return max(age, 0.0) if age <= self.max_stale else None

    async def _out(
        self,
        computed: Computed,
        *,
        stale: float | None,
        audience: Audience,
        overrides: list[override_store.Override],
        actor: Actor,
        municipality: str,
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
        shared: dict[str, list[dict[str, Any]]] = {}
        for m, entry in zip(shortlist.matches, logged, strict=True):
            home = computed.candidate_municipalities.get(m.candidate_id)
            if home is not None:
                shared.setdefault(home, []).append(entry)

        async def log(where: str, action: str, extra: dict[str, Any], results: Any) -> str:
            return await self.writer.write(
                timeout=self.audit_timeout,
                actor=actor.username,
                role=actor.role,
                municipality=where,
                action=action,
                subject_type=shortlist.direction,
                subject_id=shortlist.query_id,
                inputs={**inputs, **extra},
                model_version=shortlist.scored_by,
                results=results,
            )

        extra: dict[str, Any] = {"overrides": [o.id for o in overrides]}
        if stale is not None:
            extra["stale_seconds"] = round(stale, 1)
        # each municipality sees in its own log who elsewhere was shown its candidates; all
        # entries are submitted at once, so one commit of the writer takes them together
        entries = [
            log(home, "regional_shortlist_shown", {"viewer_municipality": municipality}, rows)
            for home, rows in sorted(shared.items())
        ]
        try:  # shown only once its audit entries are committed
            *_, audit_ref = await asyncio.gather(
                *entries, log(municipality, "shortlist_shown", extra, logged)
            )
        except AuditNotDurable as exc:
            raise AuditUnavailable(f"audit log: {exc}; the shortlist is not shown") from None
        return rendered.model_copy(
            update={"audit_ref": audit_ref, "shown_at": dt.datetime.now(dt.UTC),
                    "stale": stale is not None}
        )

    @staticmethod
    def _render(
        computed: Computed,
        audience: Audience,
        overrides: list[override_store.Override],
        contributions: bool,
    ) -> ShortlistOut:
        shortlist = computed.shortlist
        pins = {o.candidate_id: o.reason for o in overrides if o.kind == "pin"}
        employer_view = audience == "employer"
        homes = computed.candidate_municipalities
        matches = [
            MatchOut(
                rank=m.rank,
                candidate_id=m.candidate_id,
                candidate_name=computed.candidate_names.get(m.candidate_id),
                candidate_municipality=homes.get(m.candidate_id, shortlist.municipality),
                shared_by_region=m.candidate_id in homes,
                work_need_id=m.work_need_id,
                employer_id=m.employer_id,
                employer_name=computed.employer_names.get(m.employer_id),
                work_need_title=computed.need_titles.get(m.work_need_id),
                work_need_municipality=computed.need_municipalities.get(m.work_need_id),
                probability=m.probability,
                anyway=None if employer_view else m.anyway,
                net=None if employer_view else m.net,
                score=m.score,
                similarity=m.similarity,
                # no health details of another municipality's candidate, nor of anyone for employers
                reason=m.reason_without_limits if employer_view or m.candidate_id in homes else m.reason,
                quote=None if m.quote is None else QuoteOut(
                    field=m.quote.field, text=m.quote.text, marks=list(m.quote.marks)
                ),
                checks_passed=list(m.checks_passed),
                pinned=m.pinned,
                override_reason=pins.get(m.candidate_id) if m.pinned else None,
                contributions=m.contributions
                if contributions and not employer_view and m.candidate_id not in homes
                else None,
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
            about_work=shortlist.about_work,
            exposure=None if employer_view else shortlist.exposure,
            pool_size=shortlist.pool_size,
            vetoed=shortlist.vetoed,
            matches=matches,
            excluded=excluded,
            overrides=[override_out(o) for o in overrides],
            audit_ref="",
            shown_at=dt.datetime.fromtimestamp(0, dt.UTC),
        )
