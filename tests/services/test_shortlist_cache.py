"""The background thread of the shortlist service: one thread, below the requests' priority."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from services.shortlist_cache import BackgroundRefresh


def _me() -> tuple[int, int]:
    tid = threading.get_native_id()
    return tid, os.getpriority(os.PRIO_PROCESS, tid)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="only Linux gives a thread its own nice value")
@pytest.mark.parametrize("nice", [0, 5])
def test_background_work_runs_on_one_thread_below_the_callers_priority(nice: int) -> None:
    caller, before = _me()
    background = BackgroundRefresh(nice=nice)
    try:
        ran: list[tuple[int, int]] = []
        assert background.submit(("work_need", "GM0001", "W1"), lambda: ran.append(_me()))
        assert background.wait(10)
        thread, priority = background.run(_me).result(10)
    finally:
        background.close()
    assert ran == [(thread, priority)]  # lists and upkeep share the thread
    assert thread != caller
    assert priority == min(19, before + nice)
    assert _me() == (caller, before)  # the caller's own priority is left alone


def test_a_closed_background_runs_nothing() -> None:
    background = BackgroundRefresh()
    background.close()
    assert not background.submit(("work_need", "GM0001", "W1"), lambda: None)
    with pytest.raises(RuntimeError):
        background.run(lambda: None)
