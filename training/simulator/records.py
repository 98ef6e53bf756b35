"""Records from the drawn arrays: candidates, employers and work needs, built with the schemas.

Candidate status is set at the end of the period: ``placed`` after a good outcome,
``left`` after leaving the caseload, ``paused`` (with ``available_from``) during a pause,
``active`` otherwise.
"""

from __future__ import annotations

import datetime as dt

from matching.records.enums import CandidateStatus, Support
from matching.records.schemas import Candidate, Employer, WorkNeed
from training.simulator.candidate_texts import CandidateText
from training.simulator.config import SimulationConfig
from training.simulator.employers import CONTRACT_FORMS, EmployerArrays, WorkArrays
from training.simulator.history_state import History
from training.simulator.occupations import OccupationCatalogue
from training.simulator.period import month_start
from training.simulator.person_names import contact_details, person_name
from training.simulator.population import (
    AGE_BANDS,
    EDUCATIONS,
    GENDERS,
    LANGUAGES,
    MOBILITIES,
    SimulatedCandidates,
)
from training.simulator.randomness import TextRandom, component_rng
from training.simulator.work_texts import compose_work_text, employer_name

RELATIONSHIP_MANAGERS: tuple[str, ...] = (
    "Anouk van Dijk",
    "Mehmet Yilmaz",
    "Sanne Verhoeven",
    "Bram de Jong",
    "Fatima el Amrani",
    "Joost van Gils",
)
GENDER_UNRECORDED = 0.02  # gender not recorded (it is optional)


def id_width(n: int) -> int:
    """Digits in record ids, so they sort in creation order."""
    return max(4, len(str(n)))


def _rm(cluster: int, u: float) -> str:
    if u < 0.08:
        return ""
    return RELATIONSHIP_MANAGERS[cluster % len(RELATIONSHIP_MANAGERS)]


def employer_records(
    config: SimulationConfig, employers: EmployerArrays
) -> tuple[list[Employer], list[str], list[str]]:
    tr = TextRandom(component_rng(config.seed, "employer_names"))
    taken: set[str] = set()
    width = id_width(employers.n)
    records: list[Employer] = []
    names: list[str] = []
    kinds: list[str] = []
    loc = employers.locations
    # contact persons from a stream of their own (the employer streams stay as they were)
    people = TextRandom(component_rng(config.seed, "contact_names"))
    for k in range(employers.n):
        name, kind = employer_name(tr, employers.sector[k], loc.town(k), taken)
        contact = person_name(people, None)
        names.append(name)
        kinds.append(kind)
        records.append(
            Employer(
                id=f"e{k + 1:0{width}d}",
                municipality=config.municipality,
                name=name,
                sbi_section=employers.sector[k],
                size_class=employers.size[k],
                postcode=loc.postcode[k],
                lat=float(loc.lat[k]),
                lon=float(loc.lon[k]),
                support_valued=employers.supports(k),
                coaching_capacity=int(employers.coaching[k]),
                openness=int(employers.openness[k]),
                ambassador=bool(employers.ambassador[k]),
                first_contact=employers.first_contact[k],
                relationship_manager=_rm(int(loc.cluster[k]) + k, tr.random()),
                contact_name=contact,
                contact_email=contact_details(people, contact, _domain(name))[0],
                contact_phone=contact_details(people, contact)[1],
            )
        )
    return records, names, kinds


def _domain(employer: str) -> str:
    """A made-up address domain for an employer's name (``bakkerij-jansen.voorbeeld.nl``)."""
    slug = "-".join(w for w in "".join(ch if ch.isalnum() else " " for ch in employer.lower()).split())
    return f"{slug[:40].strip('-') or 'werkgever'}.voorbeeld.nl"


def work_records(
    config: SimulationConfig,
    works: WorkArrays,
    employers: EmployerArrays,
    names: list[str],
    kinds: list[str],
    catalogue: OccupationCatalogue,
    history: History,
    tr: TextRandom,
    employer_ids: list[str],
    work_ids: list[str],
) -> list[WorkNeed]:
    records: list[WorkNeed] = []
    for j in range(works.n):
        e = int(works.employer[j])
        occupation = catalogue.occupations[int(works.occupation[j])]
        contract = CONTRACT_FORMS[int(works.contract[j])]
        demands, adaptable = works.demands(j), works.adaptable(j)
        hours = (int(works.hours_min[j]), int(works.hours_max[j]))
        text = compose_work_text(
            tr,
            occupation=occupation,
            family=int(works.family[j]),
            employer=names[e],
            kind=kinds[e],
            town=employers.locations.town(e),
            size=employers.size[e],
            contract=contract,
            hours=hours,
            demands=demands,
            adaptable=adaptable,
            language_rank=int(works.language[j]),
            job_coach=bool(employers.values(e, Support.JOB_COACH)),
        )
        language = None if works.language[j] < 0 else LANGUAGES[int(works.language[j])]
        records.append(
            WorkNeed(
                id=work_ids[j],
                municipality=config.municipality,
                employer_id=employer_ids[e],
                title=text.title,
                description=text.description,
                esco_uri=occupation.uri if works.esco_exported[j] else None,
                hours_min=hours[0],
                hours_max=hours[1],
                contract_form=contract,
                requirements=text.requirements,
                demands=demands,
                adaptable=adaptable,
                min_language_level=language,
                places=int(works.places[j]),
                open=bool(history.filled[j] < works.places[j]),
                created_on=works.created_on[j],
            )
        )
    return records


def candidate_records(
    config: SimulationConfig,
    c: SimulatedCandidates,
    texts: list[CandidateText],
    catalogue: OccupationCatalogue,
    history: History,
    candidate_ids: list[str],
) -> list[Candidate]:
    tr = TextRandom(component_rng(config.seed, "candidate_records"))
    months = config.months
    placed_on: dict[str, dt.date] = {}
    for o in history.outcomes:
        if o.kind.is_good:
            day = o.start_date or o.recorded_on
            placed_on[o.candidate_id] = min(day, placed_on.get(o.candidate_id, day))
    records: list[Candidate] = []
    names = TextRandom(component_rng(config.seed, "person_names"))
    for i in range(c.n):
        since: dt.date | None = None
        if history.good_month[i] >= 0:
            status = CandidateStatus.PLACED
            since = placed_on.get(candidate_ids[i])
        elif history.leave_month[i] < months:
            status = CandidateStatus.LEFT
            since = month_start(config.start_date, int(history.leave_month[i]))
        elif history.paused_until[i] is not None:
            status = CandidateStatus.PAUSED
            since = history.paused_since[i]
        else:
            status = CandidateStatus.ACTIVE
        text = texts[i]
        gender = None if tr.chance(GENDER_UNRECORDED) else GENDERS[int(c.gender[i])]
        name = person_name(names, GENDERS[int(c.gender[i])], newcomer=bool(c.statushouder[i]))
        email, phone = contact_details(names, name)
        records.append(
            Candidate(
                id=candidate_ids[i],
                municipality=config.municipality,
                name=name,
                email=email if names.chance(0.8) else "",
                phone=phone,
                age_band=AGE_BANDS[int(c.age_band[i])],
                gender=gender,
                education=EDUCATIONS[int(c.education[i])],
                benefit_type=c.benefit_type[i],
                benefit_months=int(c.benefit_months[i]),
                rung=int(c.rung[i]),
                banenafspraak=bool(c.banenafspraak[i]),
                statushouder=bool(c.statushouder[i]),
                young_under_27=bool(c.age[i] < 27),
                language_level=LANGUAGES[int(c.language[i])],
                postcode=c.locations.postcode[i],
                lat=float(c.locations.lat[i]),
                lon=float(c.locations.lon[i]),
                mobility=MOBILITIES[int(c.mobility[i])],
                max_travel_km=float(c.max_travel_km[i]),
                hours_min=int(c.hours_min[i]),
                hours_max=int(c.hours_max[i]),
                limits=c.limits(i),
                prior_paid_work=bool(c.prior_work[i]),
                desired_occupations=[catalogue.occupations[k].uri for k in text.desired],
                motivation=text.motivation,
                wishes=text.wishes,
                interests=text.interests,
                strengths=text.strengths,
                help_needed=text.help_needed,
                consent_matching=bool(c.consent_matching[i]),
                consent_share_employers=bool(c.consent_share[i]),
                consent_events=bool(c.consent_events[i]),
                status=status,
                status_since=since,
                available_from=history.paused_until[i] if status is CandidateStatus.PAUSED
                else None,
                relationship_manager=_rm(int(c.locations.cluster[i]), tr.random()),
                registered_on=c.registered_on[i],
            )
        )
    return records

