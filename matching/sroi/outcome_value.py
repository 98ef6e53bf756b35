"""What one good outcome is worth to society, per candidate, in euros.

The planner's ``value`` objective (:mod:`matching.events.net_value`) weighs
each candidate's net effect by the social value of the good outcome it would
bring. That value comes from the same calculation as the report's
social-value section (:func:`matching.sroi.calculation.compute_sroi`, the
municipality's price list and settings), for one placement:

* a **regular job** of the candidate's size (their most weekly hours / 36, to a
  quarter) ending their benefit (bijstand, WW or none): production,
  wellbeing and the benefit's administration, the transfers cancelling as in
  the report, over ``duration_years`` with the retention the municipality's
  check-ins show, minus the outflow fee;
* a **work-experience place** (``wep_months`` long): production and
  wellbeing, minus its supervision;
* a good outcome is a job with the share of jobs among the programme's good
  outcomes so far, else a WEP.

Each year's value counts only for the part of that year the candidate would
still have been on benefit without the programme (``on_benefit``, from the
own-chance model): a job found for someone who would have found one alone a
few months later saves only those months. The horizon's own chance is already
in the net effect; this is the time after it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from matching.sroi.calculation import compute_sroi
from matching.sroi.inputs import JobGroup, PriorBenefit, SroiInputs
from matching.sroi.prices import PriceList
from matching.sroi.settings import SroiSettings, job_size, prior_benefit

__all__ = ["value_per_good_outcome"]

#: Placements behind the retention shares given to ``compute_sroi`` (it counts people).
_COHORT = 1000


def value_per_good_outcome(
    benefit_types: Sequence[str],
    hours: Sequence[float | None],
    on_benefit: np.ndarray,
    *,
    job_share: float,
    retention: tuple[float, float] = (1.0, 1.0),
    prices: PriceList | None = None,
    settings: SroiSettings | None = None,
) -> np.ndarray:
    """Social value in euros (present value) of one good outcome for each candidate.

    Parameters
    ----------
    benefit_types, hours
        Per candidate: the benefit they receive and the most weekly hours they can work.
    on_benefit : array of shape (n_candidates, settings.duration_years)
        Share of each valued year the candidate would still be on benefit without the
        programme (1: all of it).
    job_share : float
        Share of good outcomes that are regular jobs (the rest are WEPs), in [0, 1].
    retention : (float, float)
        Share of jobs still held at 6 and at 12 months.

    Examples
    --------
    >>> v = value_per_good_outcome(["bijstand", "bijstand"], [36, 18], np.ones((2, 1)),
    ...                            job_share=1.0)
    >>> bool(v[0] > v[1] > 0)
    True
    """
    prices = PriceList() if prices is None else prices
    settings = SroiSettings() if settings is None else settings
    years = settings.duration_years
    stay = np.asarray(on_benefit, dtype=float)
    if stay.shape != (len(benefit_types), years):
        raise ValueError(f"on_benefit must have shape ({len(benefit_types)}, {years}), got {stay.shape}")
    if len(hours) != len(benefit_types):
        raise ValueError(f"{len(hours)} hours for {len(benefit_types)} candidates")
    if not 0.0 <= job_share <= 1.0:
        raise ValueError(f"job_share must be in [0, 1], got {job_share}")
    r6, r12 = retention
    if not 0.0 <= r12 <= r6 <= 1.0:
        raise ValueError(f"retention must be 0 <= at 12 months <= at 6 months <= 1, got {retention}")

    base = SroiInputs(duration_years=years, attribution=settings.attribution,
                      drop_off=settings.drop_off, discount_rate=settings.discount_rate)

    per_year: dict[tuple[PriorBenefit, float], np.ndarray] = {}
    kinds = [(prior_benefit(b), job_size(h)) for b, h in zip(benefit_types, hours, strict=True)]
    for prior, fte in set(kinds):
        job = JobGroup(_COHORT, fte=fte, prior_benefit=prior,
                       sustained_6m=round(_COHORT * r6), sustained_12m=round(_COHORT * r12))
        pv = compute_sroi(dataclasses.replace(base, jobs=(job,)), prices).present_value_by_year
        per_year[(prior, fte)] = np.array([pv.get(y, 0.0) for y in range(1, years + 1)]) / _COHORT
    job_value = np.array([per_year[k] @ stay[i] for i, k in enumerate(kinds)]) if kinds else np.zeros(0)
    job_value = job_value - settings.outflow_fee_per_job

    # compute_sroi adds the place's supervision as its cost
    wep = compute_sroi(dataclasses.replace(base, weps=1, wep_months=settings.wep_months), prices)
    wep_value = wep.total_benefits * stay[:, 0] - wep.total_costs
    result: np.ndarray = job_share * job_value + (1.0 - job_share) * wep_value
    return result
