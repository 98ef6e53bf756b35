"""Independent model fits run as joblib jobs: one after another in this process, or over
the workers of whatever backend the caller configures (``joblib.parallel_config``; the
batch run's Dask cluster). The results are the same either way."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from joblib import Parallel, delayed
from threadpoolctl import threadpool_limits


def run_jobs(jobs: Sequence[Any], n_jobs: int | None = None) -> list[Any]:
    """The results of joblib ``delayed`` fits, in their order: one job per task, all handed
    out at once, since a dozen coarse jobs balance over the workers only if joblib does not
    pair short ones into batches as it learns their length.

    Each job runs with the numeric libraries' thread pools held to one thread: the jobs are
    what runs in parallel. Left to two BLAS threads on these small matrices, a region's
    twelve ranker fits (20,378 meetings) took 9.4 s in one process instead of 7.2 s. The limit
    is process-wide: on a worker that runs several jobs on threads, one job's end lifts it
    for the others (a matter of speed only).
    """
    parallel = Parallel(n_jobs=n_jobs, batch_size=1, pre_dispatch="all")
    return list(parallel(delayed(_on_one_thread)(fit, args, kwargs) for fit, args, kwargs in jobs))


def _on_one_thread(fit: Callable[..., Any], args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
    with threadpool_limits(limits=1):
        return fit(*args, **kwargs)
