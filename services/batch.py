"""The batch run, nightly or on demand: embed new and changed texts on a Dask cluster, bring
the vector index in step, retrain if asked, and compute every open work need's shortlist
ahead of its first view.

Why Dask (``distributed``): its futures run our own functions on a ``LocalCluster`` of
worker processes by default and, unchanged, on a real cluster (``scheduler="tcp://…"``);
it installs from PyPI with nothing else to run, and our tasks are coarse (a few hundred
texts, a slice of a municipality's work needs), which plain futures fit. Ray would bring
an object store and a runtime of its own that this work does not need.

Steps, each over partitions handed to the workers as they free up:

1. **embed**: every sentence of the profiles (and each work need's text) that the
   embedding cache does not hold yet, in partitions of ``partition_texts``. Workers embed
   (one text model per worker process, loaded once); this process stores each partition
   in the cache as it arrives, so the cache is the checkpoint: after a crash a new run
   finds the finished partitions cached and embeds only the rest.
2. **index**: the vector index synced with the store (every vector is cached by now).
3. **train** (when asked): the pooled ranker over every municipality's history, promoted
   if better. This process reads the history and computes the features; the models
   (the ranker's bags of the tested and the served fit, the baselines and the motivation
   model's folds) are independent jobs, fitted on the workers through joblib's Dask
   backend, or with ``workers=0`` on a thread per core of this process.
4. **precompute**: every open work need's first list (as the page and API ask for it,
   and over the region where the municipality is in one), partitioned by municipality, into the shortlist cache the service workers share. A
   finished partition is recorded in ``WERKKANS_HOME/batch/<database id>/precomputed.json`` for the
   store version, model, day and stored form it was computed for; a new run of the same
   skips it.

With ``workers=0`` the same task functions run one after another in this process.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from matching.records.schemas import Municipality, Outcome, WorkNeed, region_members
from matching.records.storage import Store
from matching.serving.model_registry import TrackingError, champion_version
from matching.shortlists.pool import open_on
from matching.shortlists.retrieval import indexable_candidates
from matching.shortlists.text_space import (
    TextSpace,
    candidate_sentences,
    desired_labels,
    work_need_text,
)
from models.atomic_write import atomic_write
from services.actor import Actor
from services.runtime import RuntimeConfig, new_audit_writer, open_runtime
from services.shortlist_cache import ShortlistCache
from services.shortlists import Scope, ShortlistService

__all__ = ["BatchConfig", "BatchReport", "Trained", "run_batch", "texts_to_embed"]

logger = logging.getLogger(__name__)

#: ``progress(step, done, total)``: a Dutch step label and the partitions done of the total.
Progress = Callable[[str, int, int], None]

#: Work needs per precompute partition (a municipality's open work is cut in such slices).
NEEDS_PER_PARTITION = 50


@dataclass(frozen=True)
class BatchConfig:
    """How to run the batch.

    Attributes
    ----------
    workers : int
        Worker processes of the local Dask cluster; 0 runs everything in this process.
    scheduler : str or None
        Address of a running Dask scheduler (``tcp://host:8786``) instead of a local cluster.
    partition_texts : int
        Texts per embedding partition.
    train : bool
        Retrain the pooled ranker (and promote it if better) before precomputing.
    precompute : bool
        Compute every open work need's first shortlist.
    k : int
        Length of the precomputed lists (what the page and the API ask for by default).
    """

    workers: int = 2
    scheduler: str | None = None
    partition_texts: int = 64
    train: bool = False
    precompute: bool = True
    k: int = 10

    def __post_init__(self) -> None:
        if self.workers < 0 or self.partition_texts < 1 or self.k < 1:
            raise ValueError(
                "workers must be >= 0, partition_texts and k >= 1; got "
                f"{self.workers}, {self.partition_texts}, {self.k}"
            )


@dataclass(frozen=True)
class Trained:
    """What the training step reports back."""

    version: str | None  # the model version logged
    pairs: int  # the history's meetings it learned from
    fit_seconds: float  # of the step, fitting the models


@dataclass
class BatchReport:
    """What a batch run did, with the seconds each step took."""

    texts: int = 0  # distinct texts the records need vectors of
    embedded: int = 0  # of which embedded in this run (the rest were cached)
    embed_partitions: int = 0
    precompute_partitions: int = 0
    precompute_skipped: int = 0  # partitions a previous run of the same day already did
    shortlists: int = 0  # work-need lists computed in this run
    trained: str | None = None  # the model version trained, when asked
    trained_pairs: int = 0  # the history's meetings it learned from
    workers: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


# ---- what to embed ---------------------------------------------------------------------------


def texts_to_embed(store: Store) -> list[str]:
    """Every distinct text the index and the shortlist pools read: the sentences and chosen
    occupations of candidates who consented to matching, and each work need's text."""
    texts: dict[str, None] = {}
    for candidate in indexable_candidates(store):
        for text in (*candidate_sentences(candidate), *desired_labels(candidate)):
            texts[text] = None
    for need in store.list(WorkNeed):
        texts[work_need_text(need)] = None
    return list(texts)


# ---- the task functions (run in worker processes, or here with workers=0) ---------------------

_SPACES: dict[str | None, TextSpace] = {}
_SERVICES: dict[tuple[str, str], ShortlistService] = {}


def embed_partition(texts: list[str], model: str | None) -> np.ndarray:
    """Vectors of ``texts`` by the text model (loaded once per worker process)."""
    space = _SPACES.get(model)
    if space is None:
        space = _SPACES[model] = TextSpace.create(None, model)  # no cache: the driver keeps it
    return np.asarray(space.cache.encoder.encode(texts), dtype=np.float32)


def precompute_partition(
    part: tuple[list[str], bool], db_url: str, config: RuntimeConfig, k: int
) -> int:
    """Compute and share the first lists of a partition's work needs (with ``part[1]`` also
    their lists over the region); returns how many were computed.

    Each worker process opens the database and the runtime ``config`` names (home, model,
    tracking store, fair-exposure policy: what the service computes lists with) once and
    keeps them for its later partitions.
    """
    key = (db_url, repr(config))
    service = _SERVICES.get(key)
    if service is None:
        store = Store(db_url, create=False)
        runtime = open_runtime(config, store=store)
        service = ShortlistService(
            runtime, cache=ShortlistCache(store=store), writer=new_audit_writer(store)
        )
        _SERVICES[key] = service
    actor = Actor("batch", "administrator", None, sees_health=True)

    need_ids, regional = part
    scopes: list[Scope] = ["municipality", "region"] if regional else ["municipality"]

    async def run() -> int:
        done = 0
        for need_id in need_ids:
            for scope in scopes:
                done += await service.precompute(actor, need_id, k=k, scope=scope)
        return done

    return asyncio.run(run())


# ---- running them ------------------------------------------------------------------------------


class _Cluster:
    """Dask's futures on a local cluster or a scheduler; or, with no workers, this process."""

    def __init__(self, config: BatchConfig) -> None:
        self.client: Any = None
        self.cluster: Any = None
        if config.scheduler or config.workers > 0:
            _quiet_dask()
        if config.scheduler:
            from distributed import Client

            self.client = Client(config.scheduler)
        elif config.workers > 0:
            import dask
            from distributed import Client, LocalCluster

            threads = max(1, (os.cpu_count() or 1) // config.workers)
            settings = {
                # no dashboard, so nobody reads the workers' profiles: their sampling every
                # 10 ms would take time from the work
                "distributed.worker.profile.enabled": False,
                # the workers live for one run, so glibc may keep what they free for their
                # next arrays; Dask's trimming returned it, and every large array of a fit
                # faulted its pages in anew (two workers fitted a region 7 % slower)
                "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
            }
            with dask.config.set(settings):
                self.cluster = LocalCluster(
                    n_workers=config.workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                    # the text model's own threads: the cores shared out between the workers
                    env={"OMP_NUM_THREADS": str(threads), "HF_HUB_OFFLINE": "1"},
                )
            self.client = Client(self.cluster)

    @property
    def workers(self) -> int:
        if self.client is None:
            return 0
        return len(self.client.scheduler_info()["workers"])

    def map(self, fn: Callable[..., Any], parts: Sequence[Any], *args: Any) -> Iterator[tuple[int, Any]]:
        """``(i, fn(parts[i], *args))`` as each finishes."""
        if self.client is None:
            for i, part in enumerate(parts):
                yield i, fn(part, *args)
            return
        from distributed import as_completed

        futures = {
            self.client.submit(fn, part, *args, pure=False): i for i, part in enumerate(parts)
        }
        for future in as_completed(futures):
            yield futures[future], future.result()

    def joblib(self) -> contextlib.AbstractContextManager[Any]:
        """Around code that fits with joblib (``Parallel``): its jobs go to the workers."""
        if self.client is None:
            return contextlib.nullcontext()
        from joblib import parallel_config

        config: contextlib.AbstractContextManager[Any] = parallel_config(
            backend="dask", n_jobs=-1, client=self.client
        )
        return config

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _quiet_dask() -> None:
    """Dask logs every worker and connection at INFO: keep that for a caller who asks
    (``werkkans -v``)."""
    import distributed  # noqa: F401 - its import sets up its loggers

    level = max(logging.getLogger().getEffectiveLevel(), logging.WARNING)
    for name in list(logging.root.manager.loggerDict):
        if name == "distributed" or name.startswith("distributed."):
            logging.getLogger(name).setLevel(level)


def _chunks(items: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def run_batch(
    store: Store,
    space: TextSpace,
    runtime_config: RuntimeConfig,
    config: BatchConfig = BatchConfig(),
    *,
    db_url: str | None = None,
    progress: Progress | None = None,
    index_sync: Callable[[], object] | None = None,
    train: Callable[[], Trained] | None = None,
) -> BatchReport:
    """Run the batch (see the module) and report what it did.

    Parameters
    ----------
    store, space
        The records and the text space whose embedding cache is filled.
    runtime_config
        Home, model and tracking store the workers open for precomputing.
    db_url
        The database the workers open (default: the store's URL).
    index_sync, train
        The index and training steps (the command line passes the runtime's; None skips).
    """
    report = BatchReport()

    def tell(step: str, done: int, total: int) -> None:
        if progress is not None:
            progress(step, done, total)

    started = time.perf_counter()
    cluster = _Cluster(config)
    try:
        report.workers = cluster.workers
        report.seconds["start"] = time.perf_counter() - started
        started = time.perf_counter()
        texts = texts_to_embed(store)
        missing = space.cache.missing(texts)
        report.texts, report.embedded = len(texts), len(missing)
        parts = _chunks(missing, config.partition_texts)
        report.embed_partitions = len(parts)
        tell("teksten inbedden", 0, len(parts))
        for n, (i, vectors) in enumerate(cluster.map(embed_partition, parts, runtime_config.model), 1):
            space.cache.put(parts[i], vectors)  # committed: a crash after this keeps it
            tell("teksten inbedden", n, len(parts))
        report.seconds["embed"] = time.perf_counter() - started

        if index_sync is not None:
            started = time.perf_counter()
            tell("index bijwerken", 0, 1)
            index_sync()
            tell("index bijwerken", 1, 1)
            report.seconds["index"] = time.perf_counter() - started

        if config.train and train is not None:
            started = time.perf_counter()
            tell("ranker trainen", 0, 1)
            with cluster.joblib():
                trained = train()
            report.trained, report.trained_pairs = trained.version, trained.pairs
            tell("ranker trainen", 1, 1)
            report.seconds["train"] = time.perf_counter() - started
            report.seconds["fit"] = trained.fit_seconds

        if config.precompute:
            started = time.perf_counter()
            report.shortlists, report.precompute_partitions, report.precompute_skipped = (
                _precompute(store, runtime_config, config, cluster, db_url or store.url, tell)
            )
            report.seconds["precompute"] = time.perf_counter() - started
    finally:
        cluster.close()
    logger.info("batch run: %s", report.to_dict())
    return report


def _precompute(
    store: Store,
    runtime_config: RuntimeConfig,
    config: BatchConfig,
    cluster: _Cluster,
    db_url: str,
    tell: Progress,
) -> tuple[int, int, int]:
    """(lists computed, partitions, partitions skipped as done before)."""
    try:  # the workers load the model itself; naming it is enough here
        model = champion_version(runtime_config.tracking_uri) or "similarity"
    except TrackingError:
        model = "similarity"  # as the workers will rank: by similarity, and say so
    # the lists' stored form too: a release that stores them differently makes them again
    stamp = f"{store.version()}|{model}|{dt.date.today()}|{ShortlistCache.SHARED_FORMAT}"
    state_file = runtime_config.home / "batch" / store.database_id / "precomputed.json"
    done = _read_state(state_file, stamp)
    parts: list[tuple[str, tuple[list[str], bool]]] = []
    places = store.list(Municipality)
    for municipality in store.municipalities():
        needs = open_on(
            store.list(WorkNeed, municipality=municipality),
            store.list(Outcome, municipality=municipality),
            dt.date.today(),
        )
        regional = len(region_members(places, municipality)) > 1
        for j, chunk in enumerate(_chunks(sorted(n.id for n in needs), NEEDS_PER_PARTITION)):
            parts.append((f"{municipality}/{j}", (chunk, regional)))
    todo = [(name, part) for name, part in parts if name not in done]
    computed = 0
    tell("kortelijsten vooraf berekenen", 0, len(todo))
    results = cluster.map(
        precompute_partition, [part for _, part in todo], db_url, runtime_config, config.k
    )
    for n, (i, count) in enumerate(results, 1):
        computed += count
        done.add(todo[i][0])
        _write_state(state_file, stamp, done)  # finished partitions survive a crash
        tell("kortelijsten vooraf berekenen", n, len(todo))
    return computed, len(parts), len(parts) - len(todo)


def _read_state(path: Path, stamp: str) -> set[str]:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return set(state.get("done", [])) if state.get("stamp") == stamp else set()


def _write_state(path: Path, stamp: str, done: Iterable[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"stamp": stamp, "done": sorted(done)}
    atomic_write(path, (json.dumps(payload, indent=1) + "\n").encode("utf-8"))
