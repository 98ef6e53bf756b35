"""Shortlists in both directions: work need → candidates and candidate → work needs.

The pipeline: hard vetoes as of the day asked → every candidate who passes them is
scored (a municipality's pool is thousands, not millions; above
:attr:`ShortlistConfig.exhaustive_limit` the most similar are picked first) → pair
features → the ranker's score and its calibrated, conservative chance of a good outcome
(or, without a trained model, the text similarity, and the shortlist says so) →
relationship-manager overrides (pin, exclude with reason) → a Dutch reason per match.

The engine keeps each municipality's pool as column arrays and vectors in
memory, patches it with what the writes to that municipality's records since
concern (a write in another municipality leaves it alone) and rebuilds it when
the model in service changes or the day moves on; the vector index is synced,
with the records written, only when candidates or work needs changed. A
request touches the database twice for those checks.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from matching.records.schemas import Candidate, Employer, Municipality, WorkNeed, region_members
from matching.records.storage import Change, Store
from matching.shortlists.explanations import FIELD_NEAR, explain, work_facts
from matching.shortlists.fair_exposure import exposure_weights, protected_groups, rerank
from matching.shortlists.features import (
    PairContext,
    WorkNeedArrays,
    occupation_levels,
    pair_features,
)
from matching.shortlists.occupation_fields import WorkFields
from matching.shortlists.pool import (
    MAX_PIECEMEAL,
    POOL_TYPES,
    PROFILE_TYPES,
    Pool,
    load_pool,
    regional_pool,
    regional_work,
    touched_by,
    with_changes,
    with_new_history,
)
from matching.shortlists.quotes import Quote, common_words, quote_for, work_words
from matching.shortlists.retrieval import RetrievalIndex, most_similar
from matching.shortlists.shortlist import (
    SIMILARITY_NOTE,
    Audience,
    Match,
    PairMatrix,
    PairScorer,
    Ranking,
    Shortlist,
    ShortlistConfig,
    ShortlistError,
    SortBy,
    UnknownRecordError,
    chance_band,
    copied,
    retrieved_digest,
)
from matching.shortlists.text_models import TextModels
from matching.shortlists.text_space import TextVectors
from matching.shortlists.vetoes import (
    VETO_LABELS,
    DayStatus,
    Site,
    Veto,
    allowed,
    day_status,
    veto_masks,
    vetoes_of,
)

logger = logging.getLogger(__name__)

#: The record types the vector index holds texts of.
INDEXED = (Candidate, WorkNeed)
#: After writes to candidates, those retrieved by similarity at most this much above the least
#: similar retrieved before are scored again too (a scan of patched vectors may differ in the
#: last bits from the one before).
FLOOR_MARGIN = 1e-6
#: Steps of a pool kept (:meth:`ShortlistEngine.carry_forward` follows a list along them). A
#: pass follows each write within a fraction of a second, so a list is rarely more than a step
#: behind; each step keeps the pool before it, which after a profile edit holds its own copy of
#: the text readings (tens of MB in a municipality of 40,000).
MAX_STEPS = 4


@dataclass(frozen=True)
class _Step:
    """A municipality's pool moved on by writes that concern only these candidates' profiles
    and history (and employers' track record): the pool before, and the version after."""

    before: Pool
    after: int
    candidates: frozenset[str]


def _same(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """Equal, NaN for NaN."""
    return a == b or len(a) == len(b) and all(
        x == y or (math.isnan(x) and math.isnan(y)) for x, y in zip(a, b, strict=True)
    )


class ShortlistEngine:
    """Answers shortlist requests for every municipality in a store.

    Parameters
    ----------
    store
        The records.
    index
        The retrieval index (its text space embeds queries).
    scorer
        A trained ranker bundle; None ranks by similarity and says so.
    today
        Gives the date everything is judged on: availability, placements,
        the history the features count (injected for tests and back-tests).
    """

    def __init__(
        self,
        store: Store,
        index: RetrievalIndex,
        *,
        scorer: PairScorer | None = None,
        config: ShortlistConfig = ShortlistConfig(),
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.store = store
        self.index = index
        self.scorer = scorer
        self.config = config
        self.today = today
        self._pools: dict[str, Pool] = {}
        #: per municipality and side (False: candidates, True: work needs): the members' pools
        #: its region's pool was made of, and that pool
        self._regional_pools: dict[tuple[str, bool], tuple[list[Pool], Pool]] = {}
        self._indexed: int | None = None  # version of the candidates and work needs indexed
        #: per municipality: its pool's latest steps from one version to the next (:class:`_Step`)
        self._steps: dict[str, list[_Step]] = {}
        #: how often a pool held was replaced by a newer one (lists may be carried forward)
        self.moves = 0
        #: what carrying lists forward read of the pools as they were at ``moves`` (:class:`_Pass`)
        self._pass: tuple[int, _Pass] = (-1, _Pass())
        #: per ``id`` of a pool's work needs: those work needs, their employers and the work as
        #: a :class:`Site` (writes to candidates leave a pool's work needs as they were)
        self._sites: dict[int, tuple[list[WorkNeed], dict[str, Employer], Site]] = {}
        #: per municipality and protected group: exposure given and deserved over lists so far
        self._exposure: dict[str, dict[str, list[float]]] = {}
        self._exposure_lock = threading.Lock()
        self._lock = threading.Lock()
        #: per municipality: the words most of its open work needs use (never a quote's marks)
        self._common: dict[str, tuple[tuple[int, dt.date], frozenset[str]]] = {}

    def set_scorer(self, scorer: PairScorer | None) -> None:
        """Swap the ranker (reload without restart); pools are read again by its text models."""
        with self._lock:
            self.scorer = scorer
            self._pools = {}
            self._regional_pools = {}
            self._steps = {}

    @property
    def text_models(self) -> TextModels | None:
        """The text readers the ranker in service was trained with, if any."""
        extras: Mapping[str, Any] = getattr(self.scorer, "extras", None) or {}
        found = extras.get("text_models")
        return found if isinstance(found, TextModels) else None

    # ---- pool ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Sync the index with the store when candidates or work needs changed since: only
        those the store's history names as written, when they are few and named (an erasure
        leaves only a pseudonym: everything is compared then)."""
        version = self.store.version(record_types=INDEXED)
        if version == self._indexed:
            return
        with self._lock:
            if version != self._indexed:
                changes = None if self._indexed is None else self.store.changed_since(
                    self._indexed, municipalities=None, record_types=INDEXED, limit=MAX_PIECEMEAL
                )
                named = changes is not None and all(c.before or c.after for c in changes)
                self.index.sync(self.store, ids={c.record_id for c in changes or ()} if named else None)
                self._indexed = version

    def warm(self, municipalities: Iterable[str] | None = None) -> list[str]:
        """Build the candidate and work-need pools now, and each municipality's pool over its
        region (when it is in one), so the first shortlist is not slow.

        Returns the municipalities warmed (default: every one in the store).
        """
        names = list(self.store.municipalities() if municipalities is None else municipalities)
        for municipality in names:
            self._pool(municipality)
        for municipality in names:
            if len(self.region_of(municipality)) > 1:
                self._regional(municipality)
        return names

    def keep_in_step(self) -> int:
        """Bring the pools held for today up to date with the writes since they were made,
        the municipalities' own and then the regional ones drawing on them; how many.

        A request does this itself for the pools it needs, but then it waits for it: after a
        profile edit in a region of ten municipalities, the first regional list of each home
        municipality copies the written rows in. The service calls this five times a second,
        so a request after a write mostly finds its pools current. Pools of another day or model
        are left to :meth:`warm` (reading them in full takes seconds).
        """
        self.refresh()
        day = self.today()
        held = [m for m, p in list(self._pools.items()) if (p.model, p.day) == (self.scored_by, day)]
        if not held:
            return 0
        versions = self.store.versions(held, record_types=POOL_TYPES)
        moved = {m for m in held if self._pools[m].version != versions[m]}
        for municipality in sorted(moved):
            self._pool(municipality, versions[municipality])
        regional = [
            key for key, (members, _) in list(self._regional_pools.items())
            if any(m.municipality in moved for m in members)
        ]
        municipalities = self.store.list(Municipality) if regional else []
        for municipality, work in regional:
            region = region_members(municipalities, municipality)
            known = {m: versions[m] for m in region if m in versions}
            self._regional(municipality, work=work, versions=known if len(known) == len(region) else None)
        return len(moved) + len(regional)

    def _pool(self, municipality: str, version: int | None = None) -> Pool:
        """The municipality's pool, as of its records now (``version``: theirs, when the
        caller asked for it already, with the index in step).

        Read again only when its own records changed (a write in another municipality, or of
        a record type no pool reads, leaves it alone), and then only what the writes concern
        when they are few and reach no further
        (:func:`~matching.shortlists.pool.with_changes`); in full when the model in service
        changed or the day moved on.
        """
        if version is None:
            self.refresh()
            version = self.store.version(municipalities=[municipality], record_types=POOL_TYPES)
        day = self.today()
        pool = self._pools.get(municipality)
        if pool is not None and (pool.version, pool.model, pool.day) == (version, self.scored_by, day):
            return pool
        profiles = self.store.version(municipalities=[municipality], record_types=PROFILE_TYPES)
        space, text_models = self.index.space, self.text_models
        patched = step = None
        if pool is not None and (pool.model, pool.day) == (self.scored_by, day):
            changes = self.store.changed_since(
                pool.version, municipalities=[municipality], record_types=POOL_TYPES, limit=MAX_PIECEMEAL
            )
            if changes is not None:
                patched = with_changes(pool, self.store, space, text_models, changes, version, profiles)
                touched = touched_by(changes)
                if patched is not None and touched is not None:  # candidates' writes alone
                    step = _Step(before=pool, after=version, candidates=touched[0])
            if patched is None and pool.profile_version == profiles:
                patched = with_new_history(pool, self.store, space, text_models, version)
        pool = patched or load_pool(
            self.store, space, municipality, version, day, text_models, self.scored_by, profiles
        )
        with self._lock:
            self._pools[municipality] = pool
            self.moves += 1
            steps = self._steps.setdefault(municipality, [])
            if step is None:
                steps.clear()  # read in full, or by a write reaching further: no step to follow
            else:
                steps.append(step)
                del steps[:-MAX_STEPS]
        return pool

    def region_of(self, municipality: str) -> list[str]:
        """The municipalities of ``municipality``'s labour-market region, itself first
        (only itself when it is in no region)."""
        return region_members(self.store.list(Municipality), municipality)

    def _regional(self, municipality: str, *, work: bool = False, versions: Mapping[str, int] | None = None) -> Pool:
        """The municipality's pool with the region's shared candidates (:func:`regional_pool`),
        or with ``work`` the region's open work needs (:func:`regional_work`); ``versions``:
        the region's members (itself first) and the version of their records, when the caller
        asked for them already, with the index in step."""
        if versions is None:
            self.refresh()
            versions = self.store.versions(self.region_of(municipality), record_types=POOL_TYPES)
        members = [self._pool(m, version) for m, version in versions.items()]
        found = self._regional_pools.get((municipality, work))
        same = found is not None and [m.municipality for m in found[0]] == [
            m.municipality for m in members
        ]
        if found is not None and same and all(a is b for a, b in zip(found[0], members, strict=True)):
            return found[1]
        if work:
            pool = regional_work(members[0], members[1:])
        else:  # the candidates it lists may not have changed: kept where they were then
            now = [(m.model, m.day) for m in members]
            before = found if found is not None and same and now == [
                (m.model, m.day) for m in found[0]
            ] else None
            pool = regional_pool(members[0], members[1:], before, None if before is None else self._written(before[0], members))
        with self._lock:
            self._regional_pools[(municipality, work)] = (members, pool)
            self.moves += 1
        return pool

    # ---- requests --------------------------------------------------------------------------

    def _check_k(self, k: int) -> int:
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
            raise ShortlistError(f"k must be a whole number, got {k!r}",
                                 dutch=f"het aantal resultaten moet een heel getal zijn, niet {k!r}")
        if k < 1:
            raise ShortlistError(f"k must be >= 1, got {k}",
                                 dutch=f"het aantal resultaten moet minstens 1 zijn, niet {k}")
        if k > self.config.max_k:
            raise ShortlistError(f"k must be at most {self.config.max_k}, got {k}",
                                 dutch=f"het aantal resultaten mag hoogstens {self.config.max_k} "
                                 f"zijn, niet {k}")
        return int(k)

    def for_work_need(
        self,
        work_need_id: str,
        k: int = 20,
        *,
        municipality: str | None = None,
        audience: Audience = "staff",
        pinned: Sequence[str] = (),
        excluded: Mapping[str, str] | None = None,
        sort: SortBy = "chance",
        region: bool = False,
    ) -> Shortlist:
        """The candidates most likely to lead to a good outcome for one work need.

        Parameters
        ----------
        municipality
            When given, a work need of another municipality is unknown.
        audience
            ``"employer"`` also drops candidates who did not consent to being
            shown to employers.
        pinned, excluded
            Relationship-manager overrides: pinned candidates go first (if they
            pass the vetoes), excluded ones (id -> reason) are left out.
        sort
            ``"chance"``: by the ranker's score. ``"net"``: by the difference
            meeting makes, ``(1 - chance anyway) * chance``, where both are
            known (otherwise as ``"chance"``, with a note).
        region
            Also the candidates of the labour-market region's other municipalities who
            consented to regional sharing.
        """
        k = self._check_k(k)
        need = self.store.get(WorkNeed, work_need_id, municipality=municipality)
        if need is None:
            raise UnknownRecordError("work need", work_need_id)
        pool = self._regional(need.municipality) if region else self._pool(need.municipality)
        employer = pool.employers.get(need.employer_id) or self.store.get(Employer, need.employer_id)
        if employer is None:  # pragma: no cover - imports check references
            raise UnknownRecordError("employer", need.employer_id)
        excluded = dict(excluded or {})
        masks, ok, vetoed = self._allowed(pool, need, employer, audience, excluded)
        base: dict[str, Any] = {
            "direction": "work_need", "query_id": work_need_id, "municipality": need.municipality,
            "pool_size": len(pool.candidates), "vetoed": vetoed, "excluded": excluded,
        }
        if not ok.any():
            note = "geen kandidaten in deze gemeente" if not pool.candidates else (
                "alle kandidaten vallen af op harde criteria"
            )
            return Shortlist(matches=[], scored_by=self.scored_by, note=note, **base)
        notes = []
        if region:
            shared = len(pool.candidates) - len(self._pool(need.municipality).candidates)
            notes.append(f"regio: {shared} gedeelde kandidaten uit andere gemeenten")
        if not need.title.strip() and not need.description.strip():
            notes.append("werkvraag heeft geen tekst: alleen harde criteria en werkgever tellen mee")
        need_vec, need_fields = self._need_side(pool, need)
        rows, similarities = self._to_score("candidates", need_vec.dense[0], ok, pool.row_of, pool.vectors)
        retrieved = None if len(rows) == ok.sum() else retrieved_digest(pool.arrays.ids[rows].tolist())
        floor = None if retrieved is None or similarities is None else float(similarities[rows[-1]])
        pin_rows = [pool.row_of[c] for c in pinned if c in pool.row_of and ok[pool.row_of[c]]]
        rows = np.array(list(dict.fromkeys([*pin_rows, *rows.tolist()])), dtype=int)
        skipped = [c for c in pinned if c not in pool.row_of or not ok[pool.row_of[c]]]
        if skipped:
            notes.append("vastgezet maar valt af: " + ", ".join(skipped))
        features = self._features(
            pool, rows, np.zeros(len(rows), dtype=int), [need],
            WorkNeedArrays.from_needs([need], {employer.id: employer}), need_vec, need_fields,
        )
        score, probability = self._score(features)
        anyway = None if pool.anyway is None else pool.anyway[rows]
        if sort == "net" and (probability is None or anyway is None):
            notes.append("verschil dat het maakt niet bekend: gesorteerd op kans")
        rank_by = self._rank_by(score, probability, anyway, sort)
        pinned_set = set(pinned)
        ranked = sorted(
            range(len(rows)),
            key=lambda i: (pool.candidates[rows[i]].id not in pinned_set, -rank_by[i], pool.candidates[rows[i]].id),
        )
        order = ranked[:k]
        exposure = None
        ranking = None
        if self.config.fair_exposure is None:
            depth = k + Ranking.DEPTH
            ranking = Ranking(
                order=tuple((pool.candidates[rows[i]].id, float(rank_by[i])) for i in ranked[:depth]),
                complete=len(ranked) <= depth,
                retrieved=retrieved,
                floor=floor,
                employer_record=self._employer_record(pool, employer.id),
                pools=pool.stamp,
                allowed=int(ok.sum()),
            )
        else:
            order, exposure = self._fair(
                pool, rows, rank_by, probability, order, pinned_set, need.id, need.municipality
            )
            if exposure["moved"]:
                notes.append(
                    f"evenwichtige zichtbaarheid: {int(exposure['moved'])} kandidaat/kandidaten "
                    "naar voren gehaald"
                )
        contributions = self._explain(features, order)
        quotes = self._quoting(need, need_vec.dense[0])
        matches = []
        for rank, (i, contrib) in enumerate(zip(order, contributions, strict=True), start=1):
            candidate = pool.candidates[rows[i]]
            _, passed = vetoes_of(masks, rows[i])
            matches.append(
                self._match(rank, candidate, need, employer, features.iloc[i], score[i],
                            probability, contrib, i, passed, candidate.id in pinned_set,
                            None if anyway is None else float(anyway[i]), quotes,
                            with_work_facts=False)
            )
        if self.scorer is None:
            notes.append(SIMILARITY_NOTE)
        facts = work_facts(need, employer, features.iloc[0].to_dict() if len(features) else {})
        return Shortlist(matches=matches, scored_by=self.scored_by, note="; ".join(notes) or None,
                         exposure=exposure, about_work="; ".join(facts.values()) or None,
                         ranking=ranking, **base)

    def update_work_need(
        self,
        held: Shortlist,
        changes: Sequence[Change],
        k: int,
        *,
        municipality: str | None = None,
        audience: Audience = "staff",
        pinned: Sequence[str] = (),
        excluded: Mapping[str, str] | None = None,
        sort: SortBy = "chance",
        region: bool = False,
    ) -> Shortlist | None:
        """``held`` brought up to date after ``changes`` by scoring again only the candidates
        the changes name: the list :meth:`for_work_need` would make now, line for line, for a
        fraction of its cost in a large municipality.

        ``held`` is this same request's list (the same work need, ``k``, audience, overrides,
        sort and scope), made by the model in service on the same day before ``changes``:
        every write since to its candidates' municipalities' records (candidates' profiles
        and consent, events, invitations, conversations, outcomes).

        None when that cannot be known without scoring every candidate again: the changes
        concern an employer, a work need, the employer's track record, an event or a pinned
        candidate, the list was re-ranked for fair exposure, the vector index retrieves other
        candidates than it did (a scan of the pool's vectors tells who came in), or too many of
        the lines it held in reserve dropped out.
        Call :meth:`for_work_need` then.
        """
        ranking = held.ranking
        touched = touched_by(changes)
        if (
            ranking is None
            or touched is None
            or held.scored_by != self.scored_by
            or self.config.fair_exposure is not None
            or touched[0] & set(pinned)
        ):
            return None
        need = self.store.get(WorkNeed, held.query_id, municipality=municipality)
        if need is None:
            return None
        pool = self._regional(need.municipality) if region else self._pool(need.municipality)
        employer = pool.employers.get(need.employer_id)
        if employer is None or not _same(self._employer_record(pool, employer.id), ranking.employer_record):
            return None
        excluded = dict(excluded or {})
        masks, ok, vetoed = self._allowed(pool, need, employer, audience, excluded)
        if not ok.any():
            return None
        allowed_rows = int(ok.sum())
        need_vec, need_fields = self._need_side(pool, need)
        scored, similarities = self._to_score("candidates", need_vec.dense[0], ok, pool.row_of, pool.vectors)
        entrants = np.zeros(0, dtype=int)
        if len(scored) < ok.sum():  # retrieved by similarity: the same candidates as before?
            if ranking.retrieved is None:
                return None
            if retrieved_digest(pool.arrays.ids[scored].tolist()) != ranking.retrieved:
                # only the written candidates' similarities changed: anyone else retrieved now
                # and not then lies at or below the least similar retrieved then
                if similarities is None or ranking.floor is None:
                    return None
                entrants = scored[similarities[scored] <= ranking.floor + FLOOR_MARGIN]
            ok = np.zeros_like(ok)
            ok[scored] = True
        elif ranking.retrieved is not None:
            return None

        def scored_now(c: str) -> bool:
            return c in pool.row_of and bool(ok[pool.row_of[c]])

        value = {c: v for c, v in ranking.order if c not in touched[0] and scored_now(c)}
        rescored = np.union1d(
            np.array([pool.row_of[c] for c in touched[0] if scored_now(c)], dtype=int), entrants
        )
        need_arrays = WorkNeedArrays.from_needs([need], {employer.id: employer})
        if rescored.size:
            features = self._features(
                pool, rescored, np.zeros(len(rescored), dtype=int), [need], need_arrays, need_vec, need_fields
            )
            score, probability = self._score(features)
            anyway = None if pool.anyway is None else pool.anyway[rescored]
            rank_by = self._rank_by(score, probability, anyway, sort)
            value.update((pool.candidates[r].id, float(v)) for r, v in zip(rescored, rank_by, strict=True))
        pinned_set = set(pinned)

        def key(c: str) -> tuple[bool, float, str]:
            return c not in pinned_set, -value[c], c

        merged = sorted(value, key=key)
        if not ranking.complete:  # everyone never ranked lies after the last one ranked
            last, last_value = ranking.order[-1]
            bound = (last not in pinned_set, -last_value, last)
            merged = [c for c in merged if key(c) <= bound]
            if len(merged) < k:
                return None
        depth = k + Ranking.DEPTH
        shown = merged[:k]
        kept = {m.candidate_id: m for m in held.matches if m.candidate_id not in touched[0]}
        new_rows = np.array([pool.row_of[c] for c in shown if c not in kept], dtype=int)
        made: dict[str, Match] = {}
        if new_rows.size:
            features = self._features(
                pool, new_rows, np.zeros(len(new_rows), dtype=int), [need], need_arrays, need_vec, need_fields
            )
            score, probability = self._score(features)
            quotes = self._quoting(need, need_vec.dense[0])
            for i, (row, contrib) in enumerate(
                zip(new_rows, self._explain(features, list(range(len(new_rows)))), strict=True)
            ):
                candidate = pool.candidates[row]
                _, passed = vetoes_of(masks, row)
                made[candidate.id] = self._match(
                    0, candidate, need, employer, features.iloc[i], score[i], probability, contrib, i,
                    passed, candidate.id in pinned_set,
                    None if pool.anyway is None else float(pool.anyway[row]), quotes, with_work_facts=False,
                )
        matches = [replace(kept.get(c) or made[c], rank=rank) for rank, c in enumerate(shown, start=1)]
        return replace(
            held,
            matches=matches,
            pool_size=len(pool.candidates),
            vetoed=vetoed,
            excluded=excluded,
            ranking=replace(
                ranking,
                order=tuple((c, value[c]) for c in merged[:depth]),
                complete=ranking.complete and len(merged) <= depth,
                pools=pool.stamp,
                allowed=allowed_rows,
            ),
        )

    def carry_forward(
        self, lists: Sequence[tuple[Shortlist, Audience, SortBy, bool]]
    ) -> list[Shortlist | None]:
        """Work needs' lists (each with its audience, sort and whether it is over the region)
        carried to the pools held now, where the writes since they were made cannot change
        them; None where that cannot be shown (:meth:`update_work_need` then).

        A list made from pools that have since moved on only by writes to some candidates'
        profiles or history (:class:`_Step`) stays as it is when none of those candidates is
        among those it ranked, each of them is vetoed for the work exactly as before (and so
        left out as before), and those the vetoes allow rank below the last it ranked, with
        their similarity on the same side of its retrieval floor as before; the employer's
        track record and the pool's size are unchanged. That holds for nearly every list after
        a write, so a service can keep them all current after each write (:meth:`keep_in_step`)
        by scoring the written candidates against every open work need once per pool, instead
        of bringing each list up to date on its next showing.

        Reads only what the engine holds in memory: a list whose pools are not held, or moved
        further than the steps kept (``MAX_STEPS``), is not carried. Lists with overrides,
        pinned candidates or a fair-exposure policy are not carried either.
        """
        moves, memo = self._pass
        if moves != self.moves:  # the pools moved on: what was read of them is of no more use
            moves = self.moves
            self._pass = (moves, memo := _Pass())
        if self.config.fair_exposure is not None:
            return [None] * len(lists)
        now = (self.scored_by, self.today())
        return [self._carried(held, audience, sort, region, memo, now) for held, audience, sort, region in lists]

    def _carried(
        self,
        held: Shortlist,
        audience: Audience,
        sort: SortBy,
        region: bool,
        memo: _Pass,
        now: tuple[str, dt.date],
    ) -> Shortlist | None:
        """One list of :meth:`carry_forward`; ``memo``: what the lists carried since the pools
        last moved share; ``now``: the model in service and the day."""
        ranking = held.ranking
        if (
            ranking is None
            or not ranking.pools
            or held.direction != "work_need"
            or held.scored_by != now[0]
            or held.excluded
            or (held.matches and held.matches[0].pinned)  # pinned ones come first
        ):
            return None
        pool = self.held_pool(held.municipality, region=region, now=now)
        if pool is None:
            return None
        stamp = pool.stamp
        if ranking.pools == stamp:
            return held
        if (ranking.pools, stamp) not in memo.since:
            memo.since[(ranking.pools, stamp)] = self._since(ranking.pools, stamp)
        since = memo.since[(ranking.pools, stamp)]
        if since is None:
            return None
        befores, written = since
        row = pool.need_row_of.get(held.query_id)
        if row is None:
            return None
        record = memo.record(pool, pool.needs[row].employer_id)
        if (
            record is None
            or not _same(record, ranking.employer_record)
            or len(pool.candidates) != held.pool_size
            or (ranking.retrieved is not None and ranking.floor is None)
        ):
            return None
        consent: _Consent = "employers" if audience == "employer" else "matching"
        last_id, last_value = ranking.order[-1] if ranking.order else ("", np.inf)
        n_allowed, vetoed = ranking.allowed, dict(held.vetoed)
        listed: set[str] | None = None
        # the stamp the list was made at names the pools before
        group = (memo.keep(pool), ranking.pools, consent)
        if group not in memo.read:
            memo.read[group] = self._read_written(pool, befores, written, group, memo)
        reading = memo.read[group]
        if reading is None:  # someone came into the pool or left it
            return None
        touched, settled = reading
        for cid, one in () if settled[row] else touched:
            names, before, after, alike = one.vetoes(consent)
            if alike[row] and after[:, row].any():  # left out for this work then and now alike
                continue
            if listed is None:
                listed = {c for c, _ in ranking.order}
            if cid in listed:  # ranked then: it may move
                return None
            then, later = bool(~before[:, row].any()), bool(~after[:, row].any())
            if not alike[row]:
                for name, a, b in zip(names, before[:, row], after[:, row], strict=True):
                    vetoed[name] = vetoed.get(name, 0) + int(b) - int(a)
                n_allowed += int(later) - int(then)
            if ranking.retrieved is not None:  # retrieved then and now alike?
                assert ranking.floor is not None
                sides = (one.similarity_before[row] - ranking.floor, one.similarity[row] - ranking.floor)
                if then and later and min(abs(d) for d in sides) <= FLOOR_MARGIN:
                    return None
                if (then and sides[0] > 0) != (later and sides[1] > 0):
                    return None
                later = later and sides[1] > 0
            if not later:
                continue
            if ranking.complete or not ranking.order:  # it would be among those ranked
                return None
            value = float(self._rank_by(one.score, one.probability, one.anyway, sort)[row])
            if (-value, cid) <= (-last_value, last_id):
                return None
        exhaustive = n_allowed <= self.config.exhaustive_limit
        if ranking.allowed < 0 or n_allowed < 1 or exhaustive != (ranking.retrieved is None):
            return None
        stamped = copied(ranking, pools=stamp, allowed=n_allowed)
        if vetoed == held.vetoed:
            return copied(held, ranking=stamped)
        return copied(
            held,
            vetoed={v.value: vetoed[v.value] for v in Veto if vetoed.get(v.value, 0) > 0},
            ranking=stamped,
        )

    def held_pool(
        self, municipality: str, *, region: bool, now: tuple[str, dt.date] | None = None
    ) -> Pool | None:
        """The municipality's pool (``region``: over its region) held in memory for the model
        in service and the day (``now``, when the caller has them), as the last
        :meth:`keep_in_step` left it; None when none is held. :meth:`carry_forward` carries
        only lists of pools held."""
        now = now or (self.scored_by, self.today())
        if region:
            found = self._regional_pools.get((municipality, False))
            pool = None if found is None else found[1]
        else:
            pool = self._pools.get(municipality)
        return pool if pool is not None and (pool.model, pool.day) == now else None

    def _read_written(
        self, pool: Pool, befores: dict[str, Pool], written: frozenset[str], group: tuple[int, Any, _Consent],
        memo: _Pass,
    ) -> tuple[list[tuple[str, _Touched]], np.ndarray] | None:
        """The ``written`` candidates of lists of ``group`` (the pool's key in ``memo``, the
        stamp the lists were made at, the consent they need) read against the pool's work:
        those whose writes the pool holds, in id order, and for each work need whether every
        one of them is left out of it then and now alike (a list of it is carried as it is);
        None when one came into the pool or left it."""
        at, made, consent = group
        touched = []
        for cid in sorted(written):
            key = (at, made, cid)
            if key not in memo.touched:
                memo.touched[key] = _Touched.read(self, pool, befores, cid)
            one = memo.touched[key]
            if one is None:
                return None
            if not one.unchanged:
                touched.append((cid, one))
        settled = np.ones(len(pool.needs), dtype=bool)
        for _, one in touched:
            _, _, after, alike = one.vetoes(consent)
            settled &= alike & after.any(axis=0)
        return touched, settled

    def _since(
        self, was: tuple[tuple[str, int], ...], now: tuple[tuple[str, int], ...]
    ) -> tuple[dict[str, Pool], frozenset[str]] | None:
        """What the pools of stamp ``was`` became at ``now``: each moved member's pool before,
        and the candidates the steps between wrote; None when not kept."""
        then, later = dict(was), dict(now)
        if then.keys() != later.keys():
            return None
        return self._between([(m, version, later[m]) for m, version in then.items() if later[m] != version])

    def _site(self, pool: Pool) -> Site:
        """The pool's open work as one :class:`Site`, made once for its work needs."""
        found = self._sites.get(id(pool.needs))
        if found is None or found[0] is not pool.needs or found[1] is not pool.employers:
            found = (pool.needs, pool.employers, Site.of_work_needs(pool.needs, pool.employers))
            with self._lock:
                if len(self._sites) >= 4 * (len(self._pools) + len(self._regional_pools)) + 8:
                    self._sites.clear()  # those of pools replaced since
                self._sites[id(pool.needs)] = found
        return found[2]

    def _written(self, was: Sequence[Pool], now: Sequence[Pool]) -> frozenset[str] | None:
        """The candidates whose profiles or history the steps from each pool of ``was`` to
        the same municipality's in ``now`` wrote; None when a pool moved by other writes, or
        further than the steps kept."""
        moved = [(old, new) for old, new in zip(was, now, strict=True) if old is not new]
        found = self._between([(new.municipality, old.version, new.version) for old, new in moved])
        if found is None or any(found[0][new.municipality] is not old for old, new in moved):
            return None
        return found[1]

    def _between(
        self, moves: Sequence[tuple[str, int, int]]
    ) -> tuple[dict[str, Pool], frozenset[str]] | None:
        """For each (municipality, version, later version) of ``moves``: its pool at the
        version, and the candidates the steps since wrote; None when a step is not kept."""
        befores: dict[str, Pool] = {}
        written: set[str] = set()
        for municipality, start, end in moves:
            steps = self._chain(municipality, start, end)
            if steps is None:
                return None
            befores[municipality] = steps[0].before
            for step in steps:
                written |= step.candidates
        return befores, frozenset(written)

    def _chain(self, municipality: str, start: int, end: int) -> list[_Step] | None:
        """The steps the municipality's pool took from version ``start`` to ``end``, if kept."""
        with self._lock:
            steps = list(self._steps.get(municipality, ()))
        chain = []
        for step in steps:
            if step.before.version == start and start != end:
                chain.append(step)
                start = step.after
        return chain if chain and start == end else None

    def for_candidate(
        self,
        candidate_id: str,
        k: int = 20,
        *,
        municipality: str | None = None,
        one_per_employer: bool = True,
        excluded: Mapping[str, str] | None = None,
        region: bool = False,
    ) -> Shortlist:
        """The work needs (and so employers) a candidate is most worth meeting.

        With ``one_per_employer`` only each employer's best work need is listed; with
        ``region`` also the open work needs of the labour-market region's other
        municipalities (travel checked as for the candidate's own).
        """
        k = self._check_k(k)
        candidate = self.store.get(Candidate, candidate_id, municipality=municipality)
        if candidate is None:
            raise UnknownRecordError("candidate", candidate_id)
        home = candidate.municipality
        pool = self._regional(home, work=True) if region else self._pool(home)
        excluded = dict(excluded or {})
        base: dict[str, Any] = {
            "direction": "candidate", "query_id": candidate_id, "municipality": home,
            "pool_size": len(pool.needs), "excluded": excluded,
        }
        notes = []
        if region:
            elsewhere = sum(n.municipality != home for n in pool.needs)
            notes.append(f"regio: {elsewhere} open werkvragen uit andere gemeenten")
        if not pool.needs:
            where = "deze arbeidsmarktregio" if region else "deze gemeente"
            return Shortlist(matches=[], vetoed={}, scored_by=self.scored_by,
                             note=f"geen open werkvragen in {where}", **base)
        row = pool.row_of[candidate.id]
        repeated = pool.arrays.take(np.full(len(pool.needs), row))
        site = self._site(pool)
        masks = veto_masks(repeated, site, on=pool.day, placed_ids=pool.placed_ids)
        ok = allowed(masks)
        for nid in excluded:
            if nid in pool.need_row_of:
                ok[pool.need_row_of[nid]] = False
        vetoed = {v.value: int(m.sum()) for v, m in masks.items() if m.any()}
        if not ok.any():
            reasons = sorted({VETO_LABELS[v] for v, m in masks.items() if m.any()})
            notes.append("alle werkvragen vallen af: " + ", ".join(reasons))
            return Shortlist(matches=[], vetoed=vetoed, scored_by=self.scored_by,
                             note="; ".join(notes), **base)
        query = pool.vectors.rows(np.array([row]))[0]
        need_rows, _ = self._to_score("work_needs", query, ok, pool.need_row_of, pool.need_vectors)
        features = self._features(
            pool, np.full(len(need_rows), row), need_rows, pool.needs, pool.need_arrays,
            pool.need_vectors, pool.work_fields,
        )
        score, probability = self._score(features)
        order = sorted(range(len(need_rows)), key=lambda i: (-score[i], pool.needs[need_rows[i]].id))
        shown: list[int] = []
        seen: set[str] = set()
        for i in order:
            employer_id = pool.needs[need_rows[i]].employer_id
            if one_per_employer and employer_id in seen:
                continue
            seen.add(employer_id)
            shown.append(i)
            if len(shown) == k:
                break
        matches: list[Match] = []
        for rank, (i, contrib) in enumerate(zip(shown, self._explain(features, shown), strict=True), start=1):
            need = pool.needs[need_rows[i]]
            _, passed = vetoes_of(masks, need_rows[i])
            matches.append(
                self._match(rank, candidate, need, pool.employers[need.employer_id],
                            features.iloc[i], score[i], probability, contrib, i, passed, False,
                            None if pool.anyway is None else float(pool.anyway[pool.row_of[candidate.id]]),
                            self._quoting(need, pool.need_vectors.dense[need_rows[i]]))
            )
        if self.scorer is None:
            notes.append(SIMILARITY_NOTE)
        return Shortlist(matches=matches, vetoed=vetoed, scored_by=self.scored_by,
                         note="; ".join(notes) or None, **base)

    # ---- steps -----------------------------------------------------------------------------

    def _allowed(
        self, pool: Pool, need: WorkNeed, employer: Employer, audience: Audience, excluded: Mapping[str, str]
    ) -> tuple[dict[Veto, np.ndarray], np.ndarray, dict[str, int]]:
        """The vetoes of the pool's candidates for ``need``, who passes them and is not
        excluded, and how many each veto left out."""
        masks = veto_masks(
            pool.arrays,
            Site.of_work_need(need, employer),
            on=pool.day,
            consent="employers" if audience == "employer" else "matching",
            day=pool.day_status(),
        )
        ok = allowed(masks)
        for cid in excluded:
            if cid in pool.row_of:
                ok[pool.row_of[cid]] = False
        return masks, ok, {v.value: int(m.sum()) for v, m in masks.items() if m.any()}

    @staticmethod
    def _rank_by(
        score: np.ndarray, probability: np.ndarray | None, anyway: np.ndarray | None, sort: SortBy
    ) -> np.ndarray:
        """What a list is ordered by: the score, or with ``sort="net"`` the difference meeting
        makes where both chances are known."""
        if sort == "net" and probability is not None and anyway is not None:
            net: np.ndarray = (1.0 - anyway) * probability
            return net
        return score

    @staticmethod
    def _employer_record(pool: Pool, employer_id: str) -> tuple[float, float]:
        """The employer's track record as the features read it (:meth:`_features`)."""
        return (
            float(pool.employer_rate.get(employer_id, np.nan)),
            float(pool.employer_meetings.get(employer_id, 0.0)),
        )

    def _need_side(self, pool: Pool, need: WorkNeed) -> tuple[TextVectors, WorkFields | None]:
        """The work need's vector and place among the fields (also when it is not pooled)."""
        row = pool.need_row_of.get(need.id)
        if row is not None:
            fields = pool.work_fields
            one = np.array([row])
            taken = None if fields is None else WorkFields(fields.vector[one], fields.item[one], fields.known[one])
            return pool.need_vectors.take(one), taken
        vectors = self.index.space.work_need_vectors([need])  # a closed work need is not pooled
        models = self.text_models
        return vectors, None if models is None else models.work_side([need], vectors.dense)

    def _to_score(
        self,
        kind: str,
        query: np.ndarray,
        ok: np.ndarray,
        row_of: dict[str, int],
        vectors: TextVectors,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Rows to score: every allowed one, or above ``exhaustive_limit`` the ``retrieve_k``
        most similar: by an exact scan of the pool's own vectors, or in a pool larger than
        ``scan_limit`` through the vector index first (the scan when too few it found survive
        the vetoes). With the rows, after an exact scan, every row's similarity to ``query``
        (None otherwise)."""
        allowed_rows = np.flatnonzero(ok)
        if allowed_rows.size <= self.config.exhaustive_limit:
            return allowed_rows, None
        wanted = self.config.retrieve_k
        if len(ok) > self.config.scan_limit and self.config.overfetch > 0:
            _, ids = self.index.search(kind, query, wanted * self.config.overfetch)
            rows = [row_of[i] for i in ids if i in row_of and ok[row_of[i]]][:wanted]
            if len(rows) >= wanted:
                return np.array(rows, dtype=int), None
        similarities = vectors.similarities(query)
        return most_similar(similarities, ok, wanted), similarities

    def _features(
        self,
        pool: Pool,
        cand_rows: np.ndarray,
        need_rows: np.ndarray,
        needs: Sequence[WorkNeed],
        need_arrays: WorkNeedArrays,
        need_vectors: TextVectors,
        work_fields: WorkFields | None,
    ) -> pd.DataFrame:
        """Features of the pairs (pool candidate ``cand_rows[i]``, ``needs[need_rows[i]]``)."""
        similarity = self.index.space.pair_similarities(pool.vectors, need_vectors, cand_rows, need_rows)
        occupation = occupation_levels(
            [pool.candidates[r].desired_occupations for r in cand_rows],
            [needs[r].esco_uri or "" for r in need_rows],
        )
        employer_ids = [needs[r].employer_id for r in need_rows]
        models = self.text_models
        if models is None or pool.text is None or work_fields is None:
            context = PairContext.unknown(len(cand_rows), similarity, occupation)
        else:
            fields, skill, motivation = models.pair_fields(pool.text, work_fields, cand_rows, need_rows)
            context = PairContext(
                similarity=similarity,
                occupation_level=occupation,
                fields=fields,
                skill_level=skill,
                motivation=motivation,
                engagement={name: values[cand_rows] for name, values in pool.engagement.items()},
                employer_good_rate=np.array([pool.employer_rate.get(e, np.nan) for e in employer_ids]),
                employer_meetings=np.array([pool.employer_meetings.get(e, 0.0) for e in employer_ids]),
            )
        return pair_features(pool.arrays.take(cand_rows), need_arrays.take(need_rows), context)

    def pair_matrix(
        self,
        municipality: str,
        candidate_ids: Sequence[str],
        work_need_ids: Sequence[str],
        stand_ins: Sequence[WorkNeed] = (),
    ) -> PairMatrix:
        """Scores of every (candidate, work need) pair, for planning events.

        ``work_need_ids`` are open work needs; ``stand_ins`` are work needs that are not
        open (an employer's past work, or one read from its profile) scored the same way,
        in the columns after them. Vetoes are not applied here: the planner applies the
        ones that fit an event (travel to the venue, consent to events) itself.
        """
        pool = self._pool(municipality)
        unknown = [c for c in candidate_ids if c not in pool.row_of]
        if unknown:
            raise UnknownRecordError("candidate", unknown[0])
        closed = [w for w in work_need_ids if w not in pool.need_row_of]
        if closed:
            raise UnknownRecordError("open work need", closed[0])
        c_rows = np.array([pool.row_of[c] for c in candidate_ids], dtype=int)
        needs: Sequence[WorkNeed] = pool.needs
        need_arrays, need_vectors, work_fields = pool.need_arrays, pool.need_vectors, pool.work_fields
        n_rows = np.array([pool.need_row_of[w] for w in work_need_ids], dtype=int)
        if stand_ins:  # the needs asked for, on their own: stand-ins are not in the pool
            needs = [*(pool.needs[r] for r in n_rows), *stand_ins]
            need_arrays = WorkNeedArrays.from_needs(needs, pool.employers)
            need_vectors = self.index.space.work_need_vectors(needs)
            models = self.text_models
            work_fields = None if models is None else models.work_side(needs, need_vectors.dense)
            n_rows = np.arange(len(needs))
        nc, nw = len(c_rows), len(n_rows)
        features = self._features(
            pool, np.repeat(c_rows, nw), np.tile(n_rows, nc), needs, need_arrays,
            need_vectors, work_fields,
        )
        score, probability = self._score(features)
        if probability is not None:
            score = probability  # planners combine chances, not raw ranking scores
        return PairMatrix(
            candidate_ids=list(candidate_ids),
            work_need_ids=[needs[r].id for r in n_rows],
            employer_ids=[needs[r].employer_id for r in n_rows],
            score=score.reshape(nc, nw),
            probability=None if probability is None else probability.reshape(nc, nw),
            similarity=features["sim_dense"].to_numpy().reshape(nc, nw),
            occupation_level=features["occupation_level"].to_numpy().reshape(nc, nw),
            scored_by=self.scored_by,
        )

    def _score(self, features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
        """(ranking score, calibrated probability or None) of every row.

        Pairs are ranked by the ranker's score, never by the probability: a
        calibrated, capped chance ties pairs the score tells apart.
        """
        if self.scorer is None:
            return features["sim_dense"].to_numpy(), None
        prediction = self.scorer.predict(features, explain=False)
        return np.asarray(prediction.score, dtype=float), np.asarray(prediction.probability, dtype=float)

    def _explain(self, features: pd.DataFrame, rows: Sequence[int]) -> list[dict[str, float] | None]:
        """The ranker's per-feature contributions for the rows shown (None without a ranker)."""
        if self.scorer is None or not rows:
            return [None] * len(rows)
        contributions, _ = self.scorer.explain(features.iloc[list(rows)])
        return [
            {name: float(v) for name, v in zip(contributions.columns, values, strict=True)}
            for values in contributions.to_numpy()
        ]

    def _fair(
        self,
        pool: Pool,
        rows: np.ndarray,
        rank_by: np.ndarray,
        probability: np.ndarray | None,
        order: list[int],
        pinned: set[str],
        seed: str,
        municipality: str,
    ) -> tuple[list[int], dict[str, float]]:
        """The top re-ranked by the municipality's exposure policy, and what that cost.

        Amortised over lists (Biega et al. 2018): a group is held to its bounds in
        this list only when, counting this list as the model ranks it, its exposure
        over the municipality's lists so far would be outside them. A municipality
        whose lists are fair on the whole keeps the model's order.
        """
        policy = self.config.fair_exposure
        assert policy is not None
        people = [pool.candidates[r] for r in rows]
        groups = protected_groups(people)
        weights = exposure_weights(len(order))

        def given(top: list[int], member: np.ndarray) -> tuple[float, float]:
            return float((weights * member[top]).sum()), float(weights.sum() * member.mean())

        with self._exposure_lock:
            tally = {g: list(v) for g, v in self._exposure.get(municipality, {}).items()}
        active = {}
        for g, member in groups.items():
            exposure, deserved = given(order, member)
            so_far = tally.get(g, [0.0, 0.0])
            if so_far[1] + deserved > 0:
                ratio = (so_far[0] + exposure) / (so_far[1] + deserved)
                if not policy.low <= ratio <= policy.high:
                    active[g] = member
        fair = order
        moved = 0
        if active:
            pinned_rows = [i for i in order if people[i].id in pinned]
            reranked = rerank(rank_by, active, len(order), policy, seed=seed, pinned=pinned_rows)
            fair, moved = [int(i) for i in reranked.order[: len(order)]], reranked.moved
        with self._exposure_lock:
            totals = self._exposure.setdefault(municipality, {})
            for g, member in groups.items():
                exposure, deserved = given(fair, member)
                so_far = totals.setdefault(g, [0.0, 0.0])
                so_far[0] += exposure
                so_far[1] += deserved
        chance = rank_by if probability is None else probability
        given_up = float(chance[order].sum() - chance[fair].sum())
        return fair, {"moved": float(moved), "expected_good_given_up": given_up}

    @property
    def scored_by(self) -> str:
        """What ranks the shortlists now: the model version, or "similarity"."""
        return "similarity" if self.scorer is None else str(self.scorer.version)

    @property
    def shows_chances(self) -> bool:
        """Whether its scores may be shown as chances: a trained model, with enough good
        outcomes behind its calibration (otherwise a band, or nothing, is shown)."""
        evidence = getattr(self.scorer, "metadata", {}).get("calibration") or {}
        return self.scorer is not None and not evidence.get("thin")

    def _common_words(self, municipality: str) -> frozenset[str]:
        """Words most of a municipality's open work needs use, kept per pool version."""
        pool = self._pool(municipality)
        key = (pool.version, pool.day)
        found = self._common.get(municipality)
        if found is None or found[0] != key:
            found = (key, common_words(pool.needs))
            self._common[municipality] = found
        return found[1]

    def _quoting(self, need: WorkNeed, need_vector: np.ndarray) -> Callable[[Candidate, float], Quote | None]:
        """Candidate, occupational fit -> the sentence of theirs to quote for ``need``: the
        closest to it (by the sentence vectors the text space holds) among those sharing a word."""
        work = work_words(need, self._common_words(need.municipality))
        space = self.index.space

        def closeness(sentences: Sequence[str]) -> np.ndarray:
            vectors = space.sentence_vectors(sentences)
            return np.array([float(vectors[s] @ need_vector) for s in sentences])

        def quote(candidate: Candidate, fit: float) -> Quote | None:
            return quote_for(candidate, need, closeness=closeness, near=fit >= FIELD_NEAR, work=work)

        return quote

    def _match(
        self,
        rank: int,
        candidate: Candidate,
        need: WorkNeed,
        employer: Employer,
        features: pd.Series,
        score: float,
        probability: np.ndarray | None,
        contrib: dict[str, float] | None,
        i: int,
        passed: Sequence[Veto],
        pinned: bool,
        anyway: float | None,
        quoting: Callable[[Candidate, float], Quote | None],
        *,
        with_work_facts: bool = True,
    ) -> Match:
        values = features.to_dict()
        quote = quoting(candidate, float(values.get("fit_best", 0.0)))
        chance = None if probability is None else float(probability[i])
        band = None
        if chance is not None:
            evidence = getattr(self.scorer, "metadata", {}).get("calibration") or {}
            band = chance_band(chance, float(evidence.get("base_rate", chance)))
            if not self.shows_chances:
                chance = None  # too few good outcomes behind the calibration to show a number
        return Match(
            rank=rank,
            candidate_id=candidate.id,
            work_need_id=need.id,
            employer_id=employer.id,
            score=float(score),
            probability=chance,
            chance_band=band,
            similarity=float(features["sim_dense"]),
            reason=explain(candidate, need, employer, values, contrib, quote=quote,
                           with_work_facts=with_work_facts),
            reason_without_limits=explain(
                candidate, need, employer, values, contrib, include_limits=False, quote=quote,
                with_work_facts=with_work_facts,
            ),
            quote=quote,
            checks_passed=[v.value for v in passed],
            pinned=pinned,
            contributions=contrib,
            anyway=anyway,
            net=None if chance is None or anyway is None else (1.0 - anyway) * chance,
        )


@dataclass
class _Pass:
    """What the lists :meth:`ShortlistEngine.carry_forward` carries while the pools stay as
    they are share: the steps between two stamps, and each written candidate as read for
    each pool and stamp the lists were made at. Pools are keyed by ``id``, and held here so
    that no other pool takes the same ``id`` while it is in use."""

    since: dict[tuple[Any, Any], tuple[dict[str, Pool], frozenset[str]] | None] = field(
        default_factory=dict
    )
    touched: dict[tuple[int, Any, str], _Touched | None] = field(default_factory=dict)
    #: per pool, stamp made at and consent: :meth:`ShortlistEngine._read_written`
    read: dict[tuple[int, Any, _Consent], tuple[list[tuple[str, _Touched]], np.ndarray] | None] = field(
        default_factory=dict
    )
    pools: dict[int, Pool] = field(default_factory=dict)
    #: per pool and employer: the track record the features read, None for an employer
    #: not in the pool
    records: dict[tuple[int, str], tuple[float, float] | None] = field(default_factory=dict)

    def keep(self, pool: Pool) -> int:
        """``pool``'s key here."""
        self.pools[id(pool)] = pool
        return id(pool)

    def record(self, pool: Pool, employer_id: str) -> tuple[float, float] | None:
        """The employer's track record in ``pool`` (:meth:`ShortlistEngine._employer_record`),
        read once per pass; None when the pool does not hold the employer."""
        key = (self.keep(pool), employer_id)
        if key not in self.records:
            self.records[key] = (
                ShortlistEngine._employer_record(pool, employer_id) if employer_id in pool.employers else None
            )
        return self.records[key]


#: veto names, and each veto (rows) for each work need (columns) before and after a write,
#: and for each work need whether they are alike
_Compared = tuple[list[str], np.ndarray, np.ndarray, np.ndarray]
_Consent = Literal["matching", "employers"]


@dataclass(frozen=True)
class _Touched:
    """A written candidate against every open work need of a pool, before and after the
    writes (:meth:`ShortlistEngine.carry_forward`)."""

    #: in a pool of a member whose pool did not move: nothing about them changed
    unchanged: bool
    #: consent -> (veto names, before, after, alike): each veto (rows) for each work need
    #: (columns) before and after, and for each work need whether they are the same; the
    #: consent to matching read at once, the other (lists shown to employers) when asked
    _vetoes: dict[_Consent, _Compared]
    similarity_before: np.ndarray
    similarity: np.ndarray
    score: np.ndarray
    probability: np.ndarray | None
    anyway: np.ndarray | None
    _compare: Callable[[_Consent], _Compared] | None = None

    def vetoes(self, consent: _Consent) -> _Compared:
        """The vetoes' names; each veto (rows) for each work need (columns) before and after;
        for each work need whether they are alike."""
        found = self._vetoes.get(consent)
        if found is None:
            assert self._compare is not None
            found = self._vetoes[consent] = self._compare(consent)
        return found

    @classmethod
    def same(cls) -> _Touched:
        """Nothing about them in the pool changed."""
        nothing = np.zeros(0)
        return cls(True, {}, nothing, nothing, nothing, None, None)

    @classmethod
    def read(cls, engine: ShortlistEngine, pool: Pool, befores: Mapping[str, Pool], cid: str) -> _Touched | None:
        """``cid`` in ``pool`` now and in its member's pool before (``befores``: the pools
        before of the members that moved); None when they came into the pool or left it."""
        row = pool.row_of.get(cid)
        home = next((m for m, before in befores.items() if cid in before.row_of), None)
        if home is None:  # in no pool that moved: new, or of a member whose pool did not move
            if row is not None and pool.candidates[row].municipality in befores:
                return None
            return cls.same()
        before = befores[home]
        was = before.row_of[cid]
        shared = bool(before.arrays.consent_region[was] & before.arrays.consent_matching[was])
        if (home == pool.municipality or shared) != (row is not None):
            return None
        if row is None:  # outside the pool before and now
            return cls.same()
        n = len(pool.needs)
        site = engine._site(pool)

        def vetoes(p: Pool, r: int, consent: _Consent) -> dict[Veto, np.ndarray]:
            one = p.arrays.take(np.array([r]))
            day = day_status(one, p.day, np.array([cid in p.placed_ids]))
            return veto_masks(
                one.take(np.zeros(n, dtype=int)), site, on=pool.day, consent=consent,
                day=DayStatus(np.repeat(day.placed, n), np.repeat(day.not_available, n)),
            )

        def compare(consent: _Consent) -> _Compared:
            masks = vetoes(before, was, consent), vetoes(pool, row, consent)
            then, now = (np.array(list(m.values())) for m in masks)
            return [v.value for v in masks[1]], then, now, (then == now).all(axis=0)

        side: dict[_Consent, _Compared] = {"matching": compare("matching")}
        needs = pool.need_vectors.dense
        vector = pool.vectors.rows(np.array([row]))[0]
        old = before.vectors.rows(np.array([was]))[0]
        similarity = needs @ vector
        # scored only for the work the vetoes allow them now (an employer's audience needs more)
        allowed_rows = np.flatnonzero(~side["matching"][2].any(axis=0))
        score = np.full(n, np.nan)
        probability = None
        if allowed_rows.size:
            features = engine._features(
                pool, np.full(allowed_rows.size, row), allowed_rows, pool.needs, pool.need_arrays,
                pool.need_vectors, pool.work_fields,
            )
            scored, chance = engine._score(features)
            score[allowed_rows] = scored
            if chance is not None:
                probability = np.full(n, np.nan)
                probability[allowed_rows] = chance
        anyway = None if pool.anyway is None else np.full(n, pool.anyway[row])
        return cls(
            False, side, similarity if np.array_equal(old, vector) else needs @ old, similarity, score,
            probability, anyway, compare,
        )
