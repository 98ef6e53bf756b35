from __future__ import annotations

import datetime as dt

import pytest
from factories import make_candidate, make_work_need
from pydantic import ValidationError

from matching.records.enums import (
    BenefitDurationBand,
    CheckInStatus,
    ContractType,
    Demand,
    EducationLevel,
    OutcomeKind,
)
from matching.records.schemas import CheckIn, Outcome


def test_candidate_derived_fields():
    c = make_candidate(benefit_months=40)
    assert c.benefit_duration_band is BenefitDurationBand.Y3_5
    assert 0 < c.profile_completeness < 1
    assert "zorg" in c.soft_text


@pytest.mark.parametrize(
    "field, value",
    [
        ("rung", 7),
        ("rung", 0),
        ("benefit_months", -1),
        ("max_travel_km", 0),
        ("age_band", "12-17"),
        ("postcode", "0123AB"),
        ("lat", 40.0),
        ("hours_max", 80),
    ],
)
def test_candidate_rejects_out_of_range(field, value):
    with pytest.raises(ValidationError) as info:
        make_candidate(**{field: value})
    assert field in str(info.value)


def test_candidate_rejects_unknown_field_and_hours_out_of_order():
    with pytest.raises(ValidationError, match="shoe_size"):
        make_candidate(shoe_size=44)
    with pytest.raises(ValidationError, match="hours_min"):
        make_candidate(hours_min=30, hours_max=20)


def test_work_need_adaptable_must_be_a_demand():
    with pytest.raises(ValidationError, match="heights"):
        make_work_need(demands=[Demand.NOISE], adaptable=[Demand.HEIGHTS])
    need = make_work_need(demands=[Demand.NOISE, Demand.HEIGHTS], adaptable=[Demand.HEIGHTS])
    assert need.hard_demands == {Demand.NOISE}


def test_startkwalificatie():
    assert not EducationLevel.MBO1.has_startkwalificatie
    assert EducationLevel.MBO2.has_startkwalificatie
    assert EducationLevel.HBO.is_higher


def _outcome(**kw):
    values = {"id": "O1", "municipality": "GM0855", "candidate_id": "C1", "employer_id": "E1",
                  "kind": OutcomeKind.JOB, "contract_type": ContractType.PERMANENT, "hours": 24,
                  "start_date": dt.date(2026, 2, 1), "recorded_on": dt.date(2026, 1, 20)}
    values.update(kw)
    return Outcome(**values)


def test_outcome_rules():
    assert _outcome().kind.is_good
    with pytest.raises(ValidationError, match="contract_type"):
        _outcome(contract_type=None)
    with pytest.raises(ValidationError, match="before start_date"):
        _outcome(end_date=dt.date(2026, 1, 1))
    with pytest.raises(ValidationError, match="start_date"):
        _outcome(kind=OutcomeKind.WEP, contract_type=None, start_date=None)


def test_stopped_checkin_needs_reason():
    with pytest.raises(ValidationError, match="reason"):
        CheckIn(id="K1", municipality="GM0855", outcome_id="O1", month=3,
                date=dt.date(2026, 5, 1), status=CheckInStatus.STOPPED)


def test_every_code_people_can_see_has_a_dutch_label():
    import inspect
    from enum import Enum

    from matching.records import enums
    from matching.shortlists.vetoes import VETO_LABELS, Veto

    kinds = [v for _, v in inspect.getmembers(enums, inspect.isclass)
             if issubclass(v, Enum) and v.__module__ == enums.__name__]
    assert len(kinds) >= 17
    missing = [f"{kind.__name__}.{member.name}" for kind in kinds for member in kind
               if member not in enums.DUTCH_LABELS]
    assert not missing
    assert all("_" not in label for label in enums.DUTCH_LABELS.values())
    assert set(VETO_LABELS) == set(Veto)
