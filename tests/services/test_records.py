"""Records as a user sees them: scoped to their municipality, health fields as they may."""

from __future__ import annotations

import pytest

from matching.records.schemas import Candidate, WorkNeed
from services import record_models, records
from services.actor import Actor
from services.errors import InvalidInput, NotFound


def test_another_municipalitys_record_reads_as_not_found(store, rm):
    assert records.get(store, Candidate, "C1", rm).id == "C1"
    with pytest.raises(NotFound) as caught:
        records.get(store, Candidate, "B1", rm)
    assert (caught.value.kind, caught.value.record_id) == ("candidate", "B1")
    assert str(caught.value) == "candidate B1 not found"


def test_the_command_line_works_in_the_records_municipality(store, rm, cli):
    assert records.scope(store, rm, WorkNeed, "BW1") == "GM0855"  # the actor's own, unchecked
    assert records.scope(store, cli, WorkNeed, "BW1") == "GM0363"
    with pytest.raises(NotFound):
        records.scope(store, cli, WorkNeed, "W404")


def test_health_fields_only_for_those_who_may_see_them(store, rm):
    candidate = records.get(store, Candidate, "C1", rm)
    organiser = Actor("eo", "event_organiser", "GM0855", sees_health=False)
    hidden = record_models.candidate_view(candidate, organiser)
    assert hidden.limits is None and set(hidden.redacted) == set(record_models.HEALTH_FIELDS)
    assert record_models.candidate_view(candidate, rm).redacted == []
    change = record_models.patch_model(Candidate)(help_needed="Een vaste begeleider.")
    with pytest.raises(InvalidInput) as caught:
        records.patch(store, Candidate, "C1", change, organiser)
    assert caught.value.field == "help_needed"


def test_references_must_exist_in_the_municipality(store, rm):
    body = record_models.input_model(WorkNeed)(
        id="W9", employer_id="BE1", title="Magazijn", hours_max=20
    )
    with pytest.raises(InvalidInput) as caught:
        records.create(store, WorkNeed, body, rm)
    assert caught.value.issues[0].loc == ("body", "employer_id")
    assert store.get(WorkNeed, "W9") is None
