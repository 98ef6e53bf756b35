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

Social value (the ``value`` objective) is the net effect times what one good
outcome is worth for this candidate, minus what the invitation costs:
``net * worth - cost``. ``worth`` comes from the municipality's price list
and settings (:func:`matching.sroi.outcome_value.value_per_good_outcome`): a
job of the hours the candidate can work ending their benefit, or a WEP, in
the mix and with the retention the history shows, counted only for the time
after the horizon the candidate would still have been on benefit without the
programme (``on_benefit``, from the same own-chance model). ``cost`` is the
relationship managers' time per invited candidate.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matching.outcomes.aftercare import add_months, sustained
from matching.outcomes.own_chance import OwnChanceModel
from matching.records.enums import OutcomeKind
from matching.records.schemas import Candidate, CheckIn, Outcome
from matching.records.storage import Store
from matching.sroi.outcome_value import value_per_good_outcome
from matching.sroi.prices import PriceList
from matching.sroi.settings import SroiSettings

__all__ = [
    "OwnProspects",
    "chance_if_invited",
    "good_outcome_mix",
    "net_effect",
    "own_prospects",
    "worth_of_good_outcome",
]

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


@dataclass(frozen=True)
class OwnProspects:
    """Each candidate's prospects without the programme, as of a day."""

    anyway: np.ndarray  # chance of a WEP or job found alone within the horizon
    on_benefit: np.ndarray  # (n, years): share of each year after the horizon still on benefit


def own_prospects(
    store: Store, municipality: str, candidates: Sequence[Candidate], on: dt.date, months: int,
    years: int = 1,
) -> OwnProspects:
    """The own-chance model fitted on the municipality's history as of ``on``, applied.

    ``on_benefit[:, y]`` is the mean, over the months of year ``y + 1`` after the horizon,
    of the chance of still not having found work alone, given none within the horizon.

    Raises
    ------
    OwnChanceError
        When the history holds too few works found alone to learn from.
    """
    model = OwnChanceModel().fit(store, as_of=on, municipality=municipality)
    survival = model.survival(candidates, on=on, months=months + 12 * years)
    at_horizon = survival[:, months - 1]
    later = survival[:, months:] / np.maximum(at_horizon, 1e-12)[:, None]
    return OwnProspects(1.0 - at_horizon, later.reshape(len(candidates), years, 12).mean(axis=2))


#: Good outcomes of the programme needed before their mix and retention are read from them.
MIN_MIX = 10


def good_outcome_mix(
    store: Store, municipality: str, on: dt.date
) -> tuple[float, tuple[float, float]]:
    """Share of jobs among the programme's good outcomes, and jobs' retention at 6 and 12 months.

    From outcomes recorded before ``on`` (only jobs started long enough before it for the
    check-in to be due count towards retention). Too few to tell: half jobs, all retained.
    """
    outcomes = [o for o in store.list(Outcome, municipality=municipality)
                if o.recorded_on < on and o.kind.is_good
                and (o.event_id is not None or o.employer_id is not None)]
    jobs = [o for o in outcomes if o.kind is OutcomeKind.JOB]
    share = len(jobs) / len(outcomes) if len(outcomes) >= MIN_MIX else 0.5
    checkins = store.list(CheckIn, municipality=municipality) if jobs else []
    by_outcome: dict[str, list[CheckIn]] = {}
    for c in checkins:
        if c.date < on:
            by_outcome.setdefault(c.outcome_id, []).append(c)
    rates = []
    for months in (6, 12):
        seen = [sustained(o, by_outcome.get(o.id, []), months) for o in jobs
                if o.start_date is not None and add_months(o.start_date, months) <= on]
        known = [k for k in seen if k is not None]
        rates.append(sum(known) / len(known) if len(known) >= MIN_MIX else 1.0)
    r6, r12 = rates
    return share, (r6, min(r6, r12))


def worth_of_good_outcome(
    store: Store,
    municipality: str,
    candidates: Sequence[Candidate],
    prospects: OwnProspects,
    on: dt.date,
    *,
    prices: PriceList | None = None,
    settings: SroiSettings | None = None,
) -> np.ndarray:
    """Social value in euros of one good outcome for each candidate (module docstring)."""
    share, retention = good_outcome_mix(store, municipality, on)
    return value_per_good_outcome(
        [c.benefit_type.value for c in candidates], [c.hours_max for c in candidates],
        prospects.on_benefit, job_share=share, retention=retention, prices=prices,
        settings=settings,
    )
