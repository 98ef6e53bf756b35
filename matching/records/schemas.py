"""The domain records of werkkans, defined once and reused everywhere.

Storage, CSV import/export, training and the API all convert to and from
these pydantic models; nothing else redefines them. Every record belongs to
exactly one municipality. Each model is flat (one CSV row); list fields are
stored as JSON in the database and as ``|``-separated codes in CSV.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from matching.records.enums import (
    AgeBand,
    BenefitDurationBand,
    BenefitType,
    CandidateStatus,
    CheckInStatus,
    ContractForm,
    ContractType,
    Demand,
    EducationLevel,
    Gender,
    InvitationStatus,
    InvitedBy,
    LanguageLevel,
    Mobility,
    OutcomeKind,
    SbiSection,
    SizeClass,
    Support,
    dutch_date,
    dutch_label,
)


def rule(english: str, dutch: str) -> PydanticCustomError:
    """A rule between a record's fields, broken: English for the API and logs, the Dutch for
    staff in the error's context (``ctx["dutch"]``, see :func:`~matching.records.enums.validation_in_dutch`)."""
    return PydanticCustomError("record_rule", english.replace("{", "{{").replace("}", "}}"), {"dutch": dutch})


RecordId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.\-]{1,64}$")]
MunicipalityCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_\-]{1,40}$")]
Postcode = Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{3}( ?[A-Z]{2})?$")]
Latitude = Annotated[float, Field(ge=50.0, le=54.0)]  # the Netherlands
Longitude = Annotated[float, Field(ge=3.0, le=7.5)]
WeeklyHours = Annotated[int, Field(ge=0, le=60)]
FreeText = Annotated[str, StringConstraints(max_length=4000)]
#: A person's name, e-mail address or phone number: shown to staff, never a model input.
PersonName = Annotated[str, StringConstraints(max_length=120)]
Email = Annotated[str, StringConstraints(pattern=r"^$|^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")]
Phone = Annotated[str, StringConstraints(pattern=r"^$|^\+?[0-9][0-9 \-]{5,19}$")]


class Record(BaseModel):
    """Base of every stored record: strict fields, an id and a municipality."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)

    #: Name of the CSV file and database table for this record type.
    entity: ClassVar[str]
    #: What staff call a record of this type, in Dutch.
    dutch_name: ClassVar[str]

    id: RecordId
    municipality: MunicipalityCode


class Municipality(Record):
    """A municipality and the labour-market region (arbeidsmarktregio) it works in.

    Municipalities of one region may find each other's candidates who consented to
    regional sharing (``Candidate.consent_region``). Its ``id`` is its own code.
    """

    entity: ClassVar[str] = "municipalities"
    dutch_name: ClassVar[str] = "gemeente"  # what staff call it

    name: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    region: Annotated[str, StringConstraints(max_length=80)] = ""  # "" : in no shared pool

    @model_validator(mode="after")
    def _id_is_its_code(self) -> Municipality:
        if self.id != self.municipality:
            raise rule(f"id ({self.id}) must be the municipality code ({self.municipality})",
                       f"het kenmerk ({self.id}) moet de gemeentecode zijn ({self.municipality})")
        return self


def region_members(municipalities: Iterable[Municipality], municipality: str) -> list[str]:
    """Every municipality of ``municipality``'s region, itself first; only itself when it is in
    no region (or not known)."""
    found = list(municipalities)
    region = next((m.region for m in found if m.id == municipality), "")
    others = sorted(m.id for m in found if region and m.region == region and m.id != municipality)
    return [municipality, *others]


class Candidate(Record):
    """A job seeker (kandidaat) with hard data, soft data and consent."""

    entity: ClassVar[str] = "candidates"
    dutch_name: ClassVar[str] = "kandidaat"  # what staff call it

    # who they are: for staff (and employers, with consent); never a model input
    name: PersonName = ""
    email: Email = ""
    phone: Phone = ""
    # hard data
    age_band: AgeBand
    gender: Gender | None = None  # fairness reporting only
    education: EducationLevel
    benefit_type: BenefitType
    benefit_months: Annotated[int, Field(ge=0, le=600)]
    rung: Annotated[int, Field(ge=1, le=6)]  # participatieladder trede
    banenafspraak: bool = False  # in het doelgroepregister
    statushouder: bool = False
    young_under_27: bool = False
    language_level: LanguageLevel
    postcode: Postcode
    lat: Latitude | None = None
    lon: Longitude | None = None
    mobility: Mobility
    max_travel_km: Annotated[float, Field(gt=0, le=200)]
    hours_min: WeeklyHours = 0
    hours_max: WeeklyHours
    limits: list[Demand] = Field(default_factory=list)  # demands they cannot meet
    prior_paid_work: bool
    desired_occupations: list[str] = Field(default_factory=list)  # ESCO URIs
    # soft data, free Dutch text
    motivation: FreeText = ""
    wishes: FreeText = ""
    interests: FreeText = ""
    strengths: FreeText = ""
    help_needed: FreeText = ""
    # consent and status
    consent_matching: bool = True  # profile may be used for matching at all
    consent_share_employers: bool = True  # name and profile may be shown to employers
    consent_events: bool = True  # may be invited to a prettig gesprek
    # may be found by the other municipalities of the labour-market region for their work
    # needs (without health or contact details); off unless the candidate agreed
    consent_region: bool = False
    status: CandidateStatus = CandidateStatus.ACTIVE
    status_since: dt.date | None = None  # when the status took effect; None: as long as known
    available_from: dt.date | None = None
    relationship_manager: Annotated[str, StringConstraints(max_length=80)] = ""
    registered_on: dt.date | None = None

    @model_validator(mode="after")
    def _hours_in_order(self) -> Candidate:
        if self.hours_min > self.hours_max:
            raise rule(
                f"hours_min ({self.hours_min}) is more than hours_max ({self.hours_max})",
                f"minimum uren ({self.hours_min}) is meer dan maximum uren ({self.hours_max})",
            )
        return self

    @property
    def benefit_duration_band(self) -> BenefitDurationBand:
        return BenefitDurationBand.from_months(self.benefit_months)

    @property
    def soft_text(self) -> str:
        """All soft data as one text, the input of the text encoders."""
        parts = (self.wishes, self.motivation, self.interests, self.strengths)
        return "\n".join(p for p in parts if p)

    @property
    def profile_completeness(self) -> float:
        """Share of the profile fields that matter for matching that are filled."""
        filled = [
            bool(self.motivation),
            bool(self.wishes),
            bool(self.interests),
            bool(self.strengths),
            bool(self.help_needed),
            bool(self.desired_occupations),
            self.lat is not None and self.lon is not None,
            self.hours_max > 0,
            bool(self.relationship_manager),
        ]
        return round(sum(filled) / len(filled), 3)


class Employer(Record):
    """An employer (werkgever) a relationship manager keeps in contact with."""

    entity: ClassVar[str] = "employers"
    dutch_name: ClassVar[str] = "werkgever"  # what staff call it

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    sbi_section: SbiSection
    size_class: SizeClass
    postcode: Postcode
    lat: Latitude | None = None
    lon: Longitude | None = None
    support_valued: list[Support] = Field(default_factory=list)
    coaching_capacity: Annotated[int, Field(ge=0, le=100)] = 0  # candidates coached at once
    openness: Annotated[int, Field(ge=1, le=5)] = 3  # relationship manager's judgement
    ambassador: bool = False
    first_contact: dt.date | None = None
    relationship_manager: Annotated[str, StringConstraints(max_length=80)] = ""
    # the person at the employer relationship managers deal with
    contact_name: PersonName = ""
    contact_email: Email = ""
    contact_phone: Phone = ""


class WorkNeed(Record):
    """Work an employer has (werkvraag), posted as a vacancy or not."""

    entity: ClassVar[str] = "work_needs"
    dutch_name: ClassVar[str] = "werkvraag"  # what staff call it

    employer_id: RecordId
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    description: FreeText = ""
    esco_uri: str | None = None
    hours_min: WeeklyHours = 0
    hours_max: WeeklyHours
    contract_form: ContractForm = ContractForm.REGULAR
    requirements: FreeText = ""
    demands: list[Demand] = Field(default_factory=list)
    adaptable: list[Demand] = Field(default_factory=list)  # demands that can be lifted
    min_language_level: LanguageLevel | None = None
    places: Annotated[int, Field(ge=1, le=500)] = 1
    open: bool = True
    created_on: dt.date | None = None

    @model_validator(mode="after")
    def _consistent(self) -> WorkNeed:
        if self.hours_min > self.hours_max:
            raise rule(
                f"hours_min ({self.hours_min}) is more than hours_max ({self.hours_max})",
                f"minimum uren ({self.hours_min}) is meer dan maximum uren ({self.hours_max})",
            )
        stray = set(self.adaptable) - set(self.demands)
        if stray:
            codes = ", ".join(sorted(d.value for d in stray))
            raise rule(
                f"adaptable lists demands the work does not have: {codes}",
                "aan te passen eisen die het werk niet stelt: "
                + ", ".join(sorted(dutch_label(d) for d in stray)),
            )
        return self

    @property
    def text(self) -> str:
        """The work need as one text, the input of the text encoders."""
        parts = (self.title, self.description, self.requirements)
        return "\n".join(p for p in parts if p)

    @property
    def hard_demands(self) -> frozenset[Demand]:
        """Demands that cannot be adapted for a candidate."""
        return frozenset(self.demands) - frozenset(self.adaptable)


class Event(Record):
    """A prettig gesprek: a meet-and-greet with employers at tables."""

    entity: ClassVar[str] = "events"
    dutch_name: ClassVar[str] = "bijeenkomst"  # what staff call it

    date: dt.date
    place: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    postcode: Postcode | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    rounds: Annotated[int, Field(ge=1, le=20)]
    minutes_per_round: Annotated[int, Field(ge=5, le=240)] = 20
    max_candidates: Annotated[int, Field(ge=0, le=5000)] | None = None


class EventTable(Record):
    """One table at an event, hosted by one employer."""

    entity: ClassVar[str] = "event_tables"
    dutch_name: ClassVar[str] = "tafel"  # what staff call it

    event_id: RecordId
    employer_id: RecordId
    seats: Annotated[int, Field(ge=1, le=50)]


class Invitation(Record):
    """A candidate invited to an event, and whether they came."""

    entity: ClassVar[str] = "invitations"
    dutch_name: ClassVar[str] = "uitnodiging"  # what staff call it

    event_id: RecordId
    candidate_id: RecordId
    status: InvitationStatus = InvitationStatus.INVITED
    attended: bool | None = None  # unknown until the event has taken place
    exploration: bool = False  # invited at random (an exploration seat), not by ranking
    invited_by: InvitedBy | None = None  # what the plan maximised; None: invited by hand


class ExplorationDraw(Record):
    """A candidate in the lottery for an event's exploration seats, and whether they were drawn.

    Every candidate the seats were drawn from is kept, drawn or not: the drawn against
    the rest is a randomised comparison the report estimates the invitation's effect from
    without a model.
    """

    entity: ClassVar[str] = "exploration_draws"
    dutch_name: ClassVar[str] = "verkenningsloting"  # what staff call it

    event_id: RecordId
    candidate_id: RecordId
    drawn: bool


class TableMeeting(Record):
    """A candidate's conversation at an employer's table in one round."""

    entity: ClassVar[str] = "meetings"
    dutch_name: ClassVar[str] = "tafelgesprek"  # what staff call it

    event_id: RecordId
    table_id: RecordId
    employer_id: RecordId
    candidate_id: RecordId
    round: Annotated[int, Field(ge=1, le=20)]
    follow_up: bool = False  # both sides want a follow-up conversation


class Outcome(Record):
    """What contact between a candidate and an employer led to."""

    entity: ClassVar[str] = "outcomes"
    dutch_name: ClassVar[str] = "uitkomst"  # what staff call it

    candidate_id: RecordId
    employer_id: RecordId | None = None  # None: work found outside werkkans's employers
    work_need_id: RecordId | None = None
    event_id: RecordId | None = None
    kind: OutcomeKind
    contract_type: ContractType | None = None
    hours: WeeklyHours | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    wage_subsidy: bool = False
    recorded_on: dt.date

    @model_validator(mode="after")
    def _consistent(self) -> Outcome:
        if self.kind is OutcomeKind.JOB and self.contract_type is None:
            raise rule("a regular job needs a contract_type",
                       "een reguliere baan heeft een soort contract nodig")
        if self.kind is not OutcomeKind.JOB and self.contract_type is not None:
            raise rule(f"contract_type only applies to a job, not to {self.kind.value}",
                       f"alleen een reguliere baan heeft een soort contract, een "
                       f"{dutch_label(self.kind)} niet")
        if self.kind.is_placement and self.start_date is None:
            raise rule(f"a {self.kind.value} placement needs a start_date",
                       f"een {dutch_label(self.kind)} heeft een begindatum nodig")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise rule(
                f"end_date {self.end_date} is before start_date {self.start_date}",
                f"einddatum {dutch_date(self.end_date)} ligt voor begindatum "
                f"{dutch_date(self.start_date)}",
            )
        return self


class CheckIn(Record):
    """An aftercare (nazorg) check-in on a placement."""

    entity: ClassVar[str] = "checkins"
    dutch_name: ClassVar[str] = "nazorgcontact"  # what staff call it

    outcome_id: RecordId
    month: Annotated[int, Field(ge=1, le=24)]  # scheduled at 1, 3, 6 and 12 months
    date: dt.date
    status: CheckInStatus
    hours: WeeklyHours | None = None
    reason: FreeText = ""

    @model_validator(mode="after")
    def _reason_when_stopped(self) -> CheckIn:
        if self.status is CheckInStatus.STOPPED and not self.reason.strip():
            raise rule("a stopped placement needs a reason", "bij een gestopte plaatsing hoort een reden")
        return self


#: Record types in dependency order: a type only refers to types before it.
RECORD_TYPES: tuple[type[Record], ...] = (
    Municipality,
    Candidate,
    Employer,
    WorkNeed,
    Event,
    EventTable,
    Invitation,
    ExplorationDraw,
    TableMeeting,
    Outcome,
    CheckIn,
)

#: Foreign keys: (record type, field) -> referenced record type.
REFERENCES: dict[tuple[type[Record], str], type[Record]] = {
    (WorkNeed, "employer_id"): Employer,
    (EventTable, "event_id"): Event,
    (EventTable, "employer_id"): Employer,
    (Invitation, "event_id"): Event,
    (Invitation, "candidate_id"): Candidate,
    (ExplorationDraw, "event_id"): Event,
    (ExplorationDraw, "candidate_id"): Candidate,
    (TableMeeting, "event_id"): Event,
    (TableMeeting, "table_id"): EventTable,
    (TableMeeting, "employer_id"): Employer,
    (TableMeeting, "candidate_id"): Candidate,
    (Outcome, "candidate_id"): Candidate,
    (Outcome, "employer_id"): Employer,
    (Outcome, "work_need_id"): WorkNeed,
    (Outcome, "event_id"): Event,
    (CheckIn, "outcome_id"): Outcome,
}

RECORD_TYPE_BY_ENTITY: dict[str, type[Record]] = {t.entity: t for t in RECORD_TYPES}
