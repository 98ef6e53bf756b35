"""The batch run: every text the records need is embedded once, a crash loses only the
partitions in flight, the index comes in step, and every open work need's first list is
precomputed into the cache the service reads — the same in this process as on a Dask
cluster."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

import numpy as np
import pytest

from services.actor import Actor
from services.batch import BatchConfig, Trained, run_batch, texts_to_embed
from services.runtime import RuntimeConfig, new_audit_writer, open_runtime
from services.shortlist_cache import ShortlistCache
from services.shortlists import ShortlistService

CLI = Actor("cli:anna", "command_line", None, sees_health=True)


@pytest.fixture
def config(tmp_path) -> RuntimeConfig:
    return RuntimeConfig(home=tmp_path / "home", model=None, tracking_uri=f"sqlite:///{tmp_path}/m.db")


def _run(store, config, batch, **kw):
    runtime = open_runtime(config, store=store, with_model=False)
    return runtime, run_batch(
        store, runtime.space, config, batch, index_sync=lambda: runtime.index.sync(store), **kw
    )


def test_embeds_every_needed_text_once_and_a_crash_keeps_what_was_done(store, config):
    texts = texts_to_embed(store)
    assert len(texts) >= 6
    calls = []

    def crash_after_two(step, done, total):
        calls.append((step, done, total))
        if step == "teksten inbedden" and done == 2:
            raise KeyboardInterrupt  # the machine goes down after two partitions

    with pytest.raises(KeyboardInterrupt):
        _run(store, config, BatchConfig(workers=0, partition_texts=2, precompute=False),
             progress=crash_after_two)
    runtime, report = _run(store, config, BatchConfig(workers=0, partition_texts=2, precompute=False))
    assert report.texts == len(texts)
    assert report.embedded == len(texts) - 4  # the two finished partitions were kept
    assert runtime.space.cache.missing(texts) == []
    # the vectors are the text model's own
    direct = runtime.space.cache.encoder.encode(texts[:3])
    np.testing.assert_allclose(runtime.space.embed(texts[:3]), direct, atol=1e-5)
    # the index needed nothing more
    assert runtime.index.check(store)["candidates"].missing == []
    _, again = _run(store, config, BatchConfig(workers=0, precompute=False))
    assert again.embedded == 0 and again.embed_partitions == 0


def test_precomputes_the_first_list_of_every_open_work_need(store, config):
    _, report = _run(store, config, BatchConfig(workers=0))
    assert report.shortlists == 4 and report.precompute_partitions == 2  # W1-W3 and BW1
    # what the service then shows comes from the shared cache, not from the engine
    runtime = open_runtime(config, store=store, with_model=False)
    service = ShortlistService(runtime, cache=ShortlistCache(store=store), writer=new_audit_writer(store))
    try:
        out = asyncio.run(service.for_work_need(CLI, "W1", k=10))
    finally:
        service.writer.close()
    assert out.matches and service.cache.shared_hits == 1 and service.cache.computed == 0
    # a second run the same day finds every partition done
    _, again = _run(store, config, BatchConfig(workers=0))
    assert again.precompute_skipped == 2 and again.shortlists == 0


def _fit_process() -> tuple[int, str | None, bool]:
    """Where a fit job runs: its process, Dask's memory trimming and the workers' profiling."""
    import dask

    return (
        os.getpid(),
        os.environ.get("MALLOC_TRIM_THRESHOLD_"),
        dask.config.get("distributed.worker.profile.enabled", default=None),
    )


def _training_that_notes_where_its_fits_run(seen: dict) -> Callable[[], Trained]:
    def train() -> Trained:
        from joblib import Parallel, delayed

        processes = Parallel()(delayed(_fit_process)() for _ in range(8))
        seen["pids"] = {pid for pid, *_ in processes}
        seen["settings"] = {tuple(rest) for _, *rest in processes}
        return Trained("3", 120, 0.5)

    return train


def test_without_workers_training_fits_in_this_process(store, config):
    seen: dict = {}
    _, report = _run(store, config, BatchConfig(workers=0, train=True, precompute=False),
                     train=_training_that_notes_where_its_fits_run(seen))
    assert seen["pids"] == {os.getpid()}
    assert (report.trained, report.trained_pairs, report.seconds["fit"]) == ("3", 120, 0.5)


@pytest.mark.slow
def test_a_local_dask_cluster_does_the_same(store, config, tmp_path, monkeypatch):
    # a cluster started with Dask's defaults earlier in this process leaves its memory
    # trimming in the environment, which every later worker would inherit
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    seen: dict = {}
    _, report = _run(store, config, BatchConfig(workers=2, partition_texts=2, train=True),
                     train=_training_that_notes_where_its_fits_run(seen))
    assert report.workers == 2
    # the training's joblib jobs ran in the workers, not here, set up for the fits
    assert seen["pids"] and os.getpid() not in seen["pids"]
    assert seen["settings"] == {(None, False)}
    assert report.trained == "3"
    assert report.embedded == len(texts_to_embed(store)) and report.embed_partitions > 1
    assert report.shortlists == 4
    runtime = open_runtime(config, store=store, with_model=False)
    texts = texts_to_embed(store)[:4]
    direct = runtime.space.cache.encoder.encode(texts)
    np.testing.assert_allclose(runtime.space.embed(texts), direct, atol=1e-4)


def test_rejects_meaningless_settings():
    with pytest.raises(ValueError):
        BatchConfig(workers=-1)
    with pytest.raises(ValueError):
        BatchConfig(partition_texts=0)


def test_precomputes_the_regional_lists_of_a_region(store, config):
    from matching.records.schemas import Municipality

    store.upsert([
        Municipality(id="GM0855", municipality="GM0855", name="Tilburg", region="R"),
        Municipality(id="GM0363", municipality="GM0363", name="Amsterdam", region="R"),
    ])
    _, report = _run(store, config, BatchConfig(workers=0))
    assert report.shortlists == 8  # four work needs, each over its municipality and the region
    runtime = open_runtime(config, store=store, with_model=False)
    service = ShortlistService(runtime, cache=ShortlistCache(store=store), writer=new_audit_writer(store))
    try:
        asyncio.run(service.for_work_need(CLI, "W1", k=10, scope="region"))
    finally:
        service.writer.close()
    assert service.cache.shared_hits == 1 and service.cache.computed == 0


def test_lists_are_precomputed_as_the_service_computes_them(store, tmp_path):
    from matching.shortlists.fair_exposure import ExposurePolicy
    from services import batch

    policy = ExposurePolicy(0.8, 1.25)
    config = RuntimeConfig(home=tmp_path / "fair", model=None,
                           tracking_uri=f"sqlite:///{tmp_path}/m.db", fair_exposure=policy)
    _run(store, config, BatchConfig(workers=0))
    service = batch._SERVICES[(store.url, repr(config))]
    assert service.runtime.engine.config.fair_exposure == policy  # the service's own policy
