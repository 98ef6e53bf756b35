"""The difference an invitation makes: chance if invited, chance anyway, net effect.

Over the horizon (``H`` months from the event) a candidate can find work
through the event's conversations or on their own. Let ``p_m`` be the chance
that conversation ``m`` leads to a WEP or a job (the calibrated ranker) and
``p_own`` the chance of finding one alone within ``H`` months
(:class:`matching.outcomes.own_chance.OwnChanceModel`). Taking the
conversations as independent of each other and of the own search:

* chance if invited: ``P_event = 1 - prod_m (1 - p_m)`` over the candidate's
  conversations;
* with the invitation: ``1 - (1 - p_own) * (1 - P_event)``; without it:
  ``p_own``;
* net effect (the difference): ``(1 - p_own) * P_event``.

So the net effect discounts the event's chance by the chance that the
candidate would have found work anyway: someone likely to succeed alone
gains less from a seat than someone equally likely to do well at the tables
who would not. For the invitation list the conversations are not planned
yet; each candidate is credited with their best ``meetings`` permitted
employers, as the table planner will seat most of them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

import numpy as np

from matching.outcomes.own_chance import OwnChanceModel
from matching.records.schemas import Candidate
from matching.records.storage import Store

__all__ = ["chance_if_invited", "chances_anyway", "net_effect"]

logger = logging.getLogger(__name__)


def chance_if_invited(chance: np.ndarray, veto: np.ndarray, meetings: int) -> np.ndarray:
    """``1 - prod (1 - p)`` over each candidate's best ``meetings`` permitted employers.

    ``chance`` and ``veto`` are (candidates × employers); NaN for a candidate
    with fewer than ``meetings`` permitted employers.

    Examples
    --------
    >>> chance_if_invited(np.array([[0.5, 0.2, 0.9]]), np.array([[False, False, True]]), 2)
    array([0.6])
    """
    p = np.where(veto, -np.inf, np.clip(np.asarray(chance, dtype=float), 0.0, 1.0))
    if p.shape[0] == 0:
        return np.zeros(0)
    best = -np.partition(-p, meetings - 1, axis=1)[:, :meetings]
    ok = np.isfinite(best).all(axis=1)
    result = 1.0 - np.prod(1.0 - np.where(np.isfinite(best), best, 0.0), axis=1)
    return np.where(ok, result, np.nan)


def net_effect(if_invited: np.ndarray, anyway: np.ndarray) -> np.ndarray:
    """``(1 - anyway) * if_invited``: the chance the invitation adds."""
    result: np.ndarray = (1.0 - np.asarray(anyway, dtype=float)) * np.asarray(if_invited, dtype=float)
    return result


def chances_anyway(
    store: Store, municipality: str, candidates: Sequence[Candidate], on: dt.date, months: int
) -> np.ndarray:
    """Each candidate's chance of finding work without the programme within ``months``.

    Fitted on the municipality's history as of ``on``.

    Raises
    ------
    OwnChanceError
        When the history holds too few works found alone to learn from.
    """
    model = OwnChanceModel().fit(store, as_of=on, municipality=municipality)
    return model.chance(candidates, on=on, months=months)

