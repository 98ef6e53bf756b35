"""The training's fit jobs: results in order, on threads, each on one thread of the numeric libraries."""

from __future__ import annotations

import threading
import time

from joblib import delayed
from threadpoolctl import threadpool_info

from models.fit_jobs import run_jobs


def _job(tag: int) -> tuple[int, int, str]:
    time.sleep(0.01 * (tag % 3))  # finishing out of order
    blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    return tag, max(blas), threading.current_thread().name


def test_results_come_back_in_the_jobs_order_each_fitted_on_one_blas_thread() -> None:
    before = {pool["filepath"]: pool["num_threads"] for pool in threadpool_info()}
    jobs = [delayed(_job)(tag) for tag in range(9)]
    one_after_another = run_jobs(jobs)
    assert [(tag, blas) for tag, blas, _ in one_after_another] == [(tag, 1) for tag in range(9)]
    assert {thread for _, _, thread in one_after_another} == {threading.current_thread().name}
    on_threads = run_jobs(jobs, n_jobs=2)
    assert [(tag, blas) for tag, blas, _ in on_threads] == [(tag, 1) for tag in range(9)]
    assert len({thread for _, _, thread in on_threads}) == 2
    # the limits hold only while the jobs run
    assert {pool["filepath"]: pool["num_threads"] for pool in threadpool_info()} == before
