"""The social value of one good outcome per candidate, against the SROI calculation by hand."""

from __future__ import annotations

import numpy as np
import pytest

from matching.sroi.calculation import compute_sroi
from matching.sroi.inputs import JobGroup, SroiInputs
from matching.sroi.outcome_value import value_per_good_outcome
from matching.sroi.settings import SroiSettings


def test_a_full_time_job_from_bijstand_is_worth_the_sroi_of_one_placement():
    settings = SroiSettings()
    value = value_per_good_outcome(["bijstand"], [36], np.ones((1, 1)), job_share=1.0)
    one = compute_sroi(SroiInputs(jobs=(JobGroup(1),), discount_rate=settings.discount_rate))
    assert value[0] == pytest.approx(one.total_benefits - settings.outflow_fee_per_job)


def test_value_grows_with_hours_and_with_time_they_would_have_stayed_on_benefit():
    stay = np.array([[1.0], [1.0], [0.5], [1.0]])
    value = value_per_good_outcome(["bijstand", "bijstand", "bijstand", "ww"], [36, 18, 36, 36],
                                   stay, job_share=1.0)
    assert value[0] > value[1] > 0 and value[0] > value[2] > 0
    # the year's value scales with the share of it they would still be on benefit
    fee = SroiSettings().outflow_fee_per_job
    assert value[2] + fee == pytest.approx(0.5 * (value[0] + fee))
    assert value[3] != value[0]  # WW ends another benefit (administration) than bijstand


def test_a_wep_is_worth_the_same_whatever_the_hours_and_mixes_by_the_job_share():
    stay = np.ones((2, 1))
    wep = value_per_good_outcome(["bijstand", "ww"], [36, 12], stay, job_share=0.0)
    assert wep[0] == pytest.approx(wep[1])
    job = value_per_good_outcome(["bijstand", "ww"], [36, 12], stay, job_share=1.0)
    mixed = value_per_good_outcome(["bijstand", "ww"], [36, 12], stay, job_share=0.3)
    assert np.allclose(mixed, 0.3 * job + 0.7 * wep)


def test_retention_and_longer_valuation_are_counted_per_year():
    settings = SroiSettings(duration_years=2)
    stay = np.array([[1.0, 1.0], [1.0, 0.0]])
    kept = value_per_good_outcome(["bijstand"] * 2, [36] * 2, stay, job_share=1.0, settings=settings)
    assert kept[0] > kept[1]  # the second year counts only while they would be on benefit
    lost = value_per_good_outcome(["bijstand"] * 2, [36] * 2, stay, job_share=1.0,
                                  retention=(0.5, 0.25), settings=settings)
    assert np.all(lost < kept)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"on_benefit": np.ones((2, 1))}, "on_benefit must have shape"),
        ({"job_share": 1.5}, "job_share"),
        ({"retention": (0.5, 0.8)}, "retention"),
    ],
)
def test_bad_inputs_are_refused(kwargs, message):
    args = {"on_benefit": np.ones((1, 1)), "job_share": 0.5, **kwargs}
    with pytest.raises(ValueError, match=message):
        value_per_good_outcome(["bijstand"], [36], args.pop("on_benefit"), **args)
