"""Factories for small hand-made records with sensible defaults."""

from __future__ import annotations

import datetime as dt

from matching.records.enums import (
    AgeBand,
    BenefitType,
    ContractForm,
    Demand,
    EducationLevel,
    LanguageLevel,
    Mobility,
    SbiSection,
    SizeClass,
)
from matching.records.schemas import Candidate, Employer, Event, EventTable, WorkNeed

MUNICIPALITY = "GM0855"
#: The key test stores pseudonymise erased ids with (the commands get it from the environment).
PSEUDONYM_KEY = bytes.fromhex("7e" * 32)


def make_candidate(id: str = "C1", **overrides: object) -> Candidate:
    values: dict[str, object] = {
        "id": id,
        "municipality": MUNICIPALITY,
        "age_band": AgeBand.A25_44,
        "education": EducationLevel.MBO2,
        "benefit_type": BenefitType.BIJSTAND,
        "benefit_months": 18,
        "rung": 4,
        "language_level": LanguageLevel.B1,
        "postcode": "5038AB",
        "lat": 51.560,
        "lon": 5.080,
        "mobility": Mobility.BIKE,
        "max_travel_km": 10,
        "hours_min": 16,
        "hours_max": 32,
        "prior_paid_work": True,
        "wishes": "Ik wil graag in de zorg werken, bijvoorbeeld als helpende.",
        "motivation": "Ik wil weer meedoen en collega's hebben.",
    }
    values.update(overrides)
    return Candidate(**values)


def make_employer(id: str = "E1", **overrides: object) -> Employer:
    values: dict[str, object] = {
        "id": id,
        "municipality": MUNICIPALITY,
        "name": "Zorggroep De Linde",
        "sbi_section": SbiSection.Q,
        "size_class": SizeClass.S50_249,
        "postcode": "5041AA",
        "lat": 51.570,
        "lon": 5.070,
    }
    values.update(overrides)
    return Employer(**values)


def make_work_need(id: str = "W1", employer_id: str = "E1", **overrides: object) -> WorkNeed:
    values: dict[str, object] = {
        "id": id,
        "municipality": MUNICIPALITY,
        "employer_id": employer_id,
        "title": "Helpende in de ouderenzorg",
        "description": "Je helpt bewoners bij de dagelijkse verzorging en maaltijden.",
        "hours_min": 16,
        "hours_max": 24,
        "contract_form": ContractForm.WEP,
        "demands": [Demand.LONG_STANDING, Demand.CUSTOMER_CONTACT],
        "adaptable": [Demand.LONG_STANDING],
    }
    values.update(overrides)
    return WorkNeed(**values)


def make_event(id: str = "EV1", **overrides: object) -> Event:
    values: dict[str, object] = {
        "id": id,
        "municipality": MUNICIPALITY,
        "date": dt.date(2026, 3, 12),
        "place": "Zorggroep De Linde",
        "lat": 51.570,
        "lon": 5.070,
        "rounds": 3,
    }
    values.update(overrides)
    return Event(**values)


def make_table(id: str, event_id: str, employer_id: str, seats: int = 6) -> EventTable:
    return EventTable(
        id=id, municipality=MUNICIPALITY, event_id=event_id, employer_id=employer_id, seats=seats
    )


def tiny_world() -> list:
    """Two employers, three work needs, four candidates, one event with two tables."""
    return [
        make_candidate("C1"),
        make_candidate("C2", wishes="Ik werk graag buiten, in het groen of op een bouwplaats."),
        make_candidate("C3", consent_matching=False),
        make_candidate("C4", mobility=Mobility.WALK, max_travel_km=2),
        make_employer("E1"),
        make_employer("E2", name="Hoveniersbedrijf Groen", sbi_section=SbiSection.N),
        make_work_need("W1", "E1"),
        make_work_need(
            "W2",
            "E2",
            title="Medewerker groenvoorziening",
            description="Snoeien, maaien en bladblazen in parken.",
            demands=[Demand.COLD_OR_OUTDOOR, Demand.HEAVY_LIFTING],
            adaptable=[],
            contract_form=ContractForm.REGULAR,
        ),
        make_work_need("W3", "E1", title="Gastvrouw restaurant", hours_max=20),
        make_event("EV1"),
        make_table("T1", "EV1", "E1"),
        make_table("T2", "EV1", "E2"),
    ]
