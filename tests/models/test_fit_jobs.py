"""The training's fit jobs: results in order, each job on one thread of the numeric libraries."""

from __future__ import annotations

from joblib import delayed
from threadpoolctl import threadpool_info

from models.fit_jobs import run_jobs


def _threads(tag: int) -> tuple[int, int]:
    return tag, max(pool["num_threads"] for pool in threadpool_info())


def test_results_come_back_in_the_jobs_order_each_fitted_on_one_thread() -> None:
    before = {pool["filepath"]: pool["num_threads"] for pool in threadpool_info()}
    jobs = [delayed(_threads)(tag) for tag in range(7)]
    assert run_jobs(jobs) == [(tag, 1) for tag in range(7)]
    # the limits hold only while a job runs
    assert {pool["filepath"]: pool["num_threads"] for pool in threadpool_info()} == before
