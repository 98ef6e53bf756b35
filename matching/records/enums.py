"""Closed vocabularies of the domain.

Every enum value is the code stored in the database and written to CSV; the
Dutch label shown to people lives in :data:`DUTCH_LABELS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import Enum
from typing import Any


class AgeBand(str, Enum):
    """Age bands as reported in the Werktop evaluation."""

    A18_24 = "18-24"
    A25_44 = "25-44"
    A45_54 = "45-54"
    A55_67 = "55-67"


class Gender(str, Enum):
    """Recorded for fairness reporting only; never a ranker feature."""

    MAN = "m"
    WOMAN = "v"
    OTHER = "x"


class EducationLevel(str, Enum):
    """Highest completed education (Dutch system, low to high)."""

    NONE = "none"  # at most primary school
    VMBO = "vmbo"
    MBO1 = "mbo1"
    MBO2 = "mbo2"
    MBO3 = "mbo3"
    MBO4 = "mbo4"
    HAVO_VWO = "havo_vwo"
    HBO = "hbo"
    WO = "wo"

    @property
    def rank(self) -> int:
        return list(EducationLevel).index(self)

    @property
    def has_startkwalificatie(self) -> bool:
        """MBO-2, HAVO/VWO or higher is a starting qualification."""
        return self.rank >= EducationLevel.MBO2.rank

    @property
    def is_higher(self) -> bool:
        return self in (EducationLevel.HBO, EducationLevel.WO)


class BenefitType(str, Enum):
    BIJSTAND = "bijstand"
    WW = "ww"
    WAJONG = "wajong"
    NONE = "none"  # niet-uitkeringsgerechtigde (nugger)


class BenefitDurationBand(str, Enum):
    """Benefit duration bands as reported in the Werktop evaluation."""

    LT_6M = "<6m"
    M6_12 = "6-12m"
    Y1_3 = "1-3y"
    Y3_5 = "3-5y"
    Y5_10 = "5-10y"
    Y10_PLUS = "10y+"

    @classmethod
    def from_months(cls, months: int) -> BenefitDurationBand:
        if months < 6:
            return cls.LT_6M
        if months < 12:
            return cls.M6_12
        if months < 36:
            return cls.Y1_3
        if months < 60:
            return cls.Y3_5
        if months < 120:
            return cls.Y5_10
        return cls.Y10_PLUS


class LanguageLevel(str, Enum):
    """Dutch language level (CEFR); NATIVE for first-language speakers."""

    A0 = "A0"
    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"
    C1 = "C1"
    C2 = "C2"
    NATIVE = "native"

    @property
    def rank(self) -> int:
        return list(LanguageLevel).index(self)


class Mobility(str, Enum):
    """How a candidate travels to work; sets the plausible radius."""

    WALK = "walk"
    BIKE = "bike"
    EBIKE = "ebike"
    PUBLIC_TRANSPORT = "public_transport"
    MOPED = "moped"
    CAR = "car"


class Demand(str, Enum):
    """Work demands; a candidate's limits (belastbaarheid) use the same codes."""

    HEAVY_LIFTING = "heavy_lifting"
    LONG_STANDING = "long_standing"
    NIGHT_SHIFTS = "night_shifts"
    TIME_PRESSURE = "time_pressure"
    CUSTOMER_CONTACT = "customer_contact"
    NOISE = "noise"
    HEIGHTS = "heights"
    COLD_OR_OUTDOOR = "cold_or_outdoor"
    FINE_MOTOR = "fine_motor"
    COMPLEX_INSTRUCTIONS = "complex_instructions"


class SbiSection(str, Enum):
    """SBI 2008 top-level sections (Dutch Standard Industrial Classification)."""

    A = "A"  # landbouw, bosbouw en visserij
    B = "B"  # delfstoffenwinning
    C = "C"  # industrie
    D = "D"  # energievoorziening
    E = "E"  # waterbedrijven en afvalbeheer
    F = "F"  # bouwnijverheid
    G = "G"  # handel
    H = "H"  # vervoer en opslag
    I = "I"  # logies, maaltijden en drankverstrekking (horeca)
    J = "J"  # informatie en communicatie
    K = "K"  # financiële dienstverlening
    L = "L"  # verhuur en handel van onroerend goed
    M = "M"  # specialistische zakelijke diensten
    N = "N"  # verhuur en overige zakelijke diensten
    O = "O"  # openbaar bestuur
    P = "P"  # onderwijs
    Q = "Q"  # gezondheids- en welzijnszorg
    R = "R"  # cultuur, sport en recreatie
    S = "S"  # overige dienstverlening


class SizeClass(str, Enum):
    S0_9 = "0-9"
    S10_49 = "10-49"
    S50_249 = "50-249"
    S250_PLUS = "250+"


class Support(str, Enum):
    """Support an employer values when taking on a candidate."""

    NO_RISKPOLIS = "no_riskpolis"
    TRIAL_PERIOD = "trial_period"
    WAGE_SUBSIDY = "wage_subsidy"
    JOB_COACH = "job_coach"


class ContractForm(str, Enum):
    """The form the work need is offered in."""

    REGULAR = "regular"
    WEP = "wep"  # werkervaringsplaats, benefit kept
    TRIAL = "trial"  # proefplaatsing
    WORK_LEARNING = "work_learning"  # leerwerkplek


class CandidateStatus(str, Enum):
    ACTIVE = "active"
    PAUSED = "paused"  # temporarily not available (illness, care duties)
    PLACED = "placed"
    LEFT = "left"  # no longer in the caseload


class InvitationStatus(str, Enum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class InvitedBy(str, Enum):
    """What the invitation list that chose a candidate maximised (see the event planner)."""

    CHANCE = "chance"
    NET = "net"
    VALUE = "value"


class OutcomeKind(str, Enum):
    """What a meeting led to, in increasing order of value."""

    NONE = "none"
    FOLLOW_UP = "follow_up"
    TRIAL = "trial"
    WEP = "wep"
    JOB = "job"

    @property
    def is_placement(self) -> bool:
        return self in (OutcomeKind.TRIAL, OutcomeKind.WEP, OutcomeKind.JOB)

    @property
    def is_good(self) -> bool:
        """A good outcome: a work-experience place or a regular job."""
        return self in (OutcomeKind.WEP, OutcomeKind.JOB)


class ContractType(str, Enum):
    FIXED_6M = "fixed_6m"
    FIXED_12M = "fixed_12m"
    PERMANENT = "permanent"
    PAYROLL = "payroll"  # payroll or secondment


class CheckInStatus(str, Enum):
    WORKING = "working"
    HOURS_CHANGED = "hours_changed"
    STOPPED = "stopped"


DUTCH_LABELS: dict[Enum, str] = {
    ContractForm.REGULAR: "reguliere baan",
    ContractForm.WEP: "werkervaringsplaats",
    ContractForm.TRIAL: "proefplaatsing",
    ContractForm.WORK_LEARNING: "leerwerkplek",
    OutcomeKind.NONE: "geen vervolg",
    OutcomeKind.FOLLOW_UP: "vervolggesprek",
    OutcomeKind.TRIAL: "proefplaatsing",
    OutcomeKind.WEP: "werkervaringsplaats",
    OutcomeKind.JOB: "reguliere baan",
    Mobility.WALK: "lopen",
    Mobility.BIKE: "fietsen",
    Mobility.EBIKE: "e-bike",
    Mobility.PUBLIC_TRANSPORT: "ov",
    Mobility.MOPED: "scooter",
    Mobility.CAR: "auto",
    Demand.HEAVY_LIFTING: "zwaar tillen",
    Demand.LONG_STANDING: "lang staan",
    Demand.NIGHT_SHIFTS: "nachtdiensten",
    Demand.TIME_PRESSURE: "tijdsdruk",
    Demand.CUSTOMER_CONTACT: "klantcontact",
    Demand.NOISE: "lawaai",
    Demand.HEIGHTS: "werken op hoogte",
    Demand.COLD_OR_OUTDOOR: "kou of buitenwerk",
    Demand.FINE_MOTOR: "fijne motoriek",
    Demand.COMPLEX_INSTRUCTIONS: "complexe instructies",
    SbiSection.A: "landbouw",
    SbiSection.B: "delfstoffenwinning",
    SbiSection.C: "industrie",
    SbiSection.D: "energievoorziening",
    SbiSection.E: "water en afval",
    SbiSection.F: "bouw",
    SbiSection.G: "handel",
    SbiSection.H: "vervoer en opslag",
    SbiSection.I: "horeca",
    SbiSection.J: "informatie en communicatie",
    SbiSection.K: "financiële dienstverlening",
    SbiSection.L: "onroerend goed",
    SbiSection.M: "specialistische zakelijke diensten",
    SbiSection.N: "zakelijke diensten",
    SbiSection.O: "openbaar bestuur",
    SbiSection.P: "onderwijs",
    SbiSection.Q: "zorg en welzijn",
    SbiSection.R: "cultuur, sport en recreatie",
    SbiSection.S: "overige dienstverlening",
    AgeBand.A18_24: "18-24 jaar",
    AgeBand.A25_44: "25-44 jaar",
    AgeBand.A45_54: "45-54 jaar",
    AgeBand.A55_67: "55-67 jaar",
    Gender.MAN: "man",
    Gender.WOMAN: "vrouw",
    Gender.OTHER: "anders",
    EducationLevel.NONE: "hooguit basisonderwijs",
    EducationLevel.VMBO: "vmbo",
    EducationLevel.MBO1: "mbo 1",
    EducationLevel.MBO2: "mbo 2",
    EducationLevel.MBO3: "mbo 3",
    EducationLevel.MBO4: "mbo 4",
    EducationLevel.HAVO_VWO: "havo/vwo",
    EducationLevel.HBO: "hbo",
    EducationLevel.WO: "wo",
    BenefitType.BIJSTAND: "bijstand",
    BenefitType.WW: "WW",
    BenefitType.WAJONG: "Wajong",
    BenefitType.NONE: "geen uitkering",
    BenefitDurationBand.LT_6M: "korter dan 6 maanden",
    BenefitDurationBand.M6_12: "6-12 maanden",
    BenefitDurationBand.Y1_3: "1-3 jaar",
    BenefitDurationBand.Y3_5: "3-5 jaar",
    BenefitDurationBand.Y5_10: "5-10 jaar",
    BenefitDurationBand.Y10_PLUS: "10 jaar of langer",
    LanguageLevel.A0: "A0",
    LanguageLevel.A1: "A1",
    LanguageLevel.A2: "A2",
    LanguageLevel.B1: "B1",
    LanguageLevel.B2: "B2",
    LanguageLevel.C1: "C1",
    LanguageLevel.C2: "C2",
    LanguageLevel.NATIVE: "moedertaal",
    SizeClass.S0_9: "0-9 medewerkers",
    SizeClass.S10_49: "10-49 medewerkers",
    SizeClass.S50_249: "50-249 medewerkers",
    SizeClass.S250_PLUS: "250 of meer medewerkers",
    Support.NO_RISKPOLIS: "no-riskpolis",
    Support.TRIAL_PERIOD: "proefplaatsing",
    Support.WAGE_SUBSIDY: "loonkostensubsidie",
    Support.JOB_COACH: "jobcoach",
    CandidateStatus.ACTIVE: "actief",
    CandidateStatus.PAUSED: "gepauzeerd",
    CandidateStatus.PLACED: "geplaatst",
    CandidateStatus.LEFT: "uitgestroomd",
    InvitationStatus.INVITED: "uitgenodigd",
    InvitationStatus.ACCEPTED: "komt",
    InvitationStatus.DECLINED: "afgemeld",
    InvitedBy.CHANCE: "kans op een goed gesprek",
    InvitedBy.NET: "het verschil dat het maakt",
    InvitedBy.VALUE: "maatschappelijke waarde",
    ContractType.FIXED_6M: "tijdelijk, 6 maanden",
    ContractType.FIXED_12M: "tijdelijk, 12 maanden",
    ContractType.PERMANENT: "vast",
    ContractType.PAYROLL: "payroll of detachering",
    CheckInStatus.WORKING: "werkt",
    CheckInStatus.HOURS_CHANGED: "uren gewijzigd",
    CheckInStatus.STOPPED: "gestopt",
}


_VALIDATION_NL = {
    "enum": "moet een van deze zijn: {expected}",
    "literal_error": "moet een van deze zijn: {expected}",
    "greater_than_equal": "moet minstens {ge} zijn",
    "greater_than": "moet groter zijn dan {gt}",
    "less_than_equal": "mag hoogstens {le} zijn",
    "less_than": "moet kleiner zijn dan {lt}",
    "missing": "ontbreekt",
    "string_too_short": "is te kort (minstens {min_length} tekens)",
    "string_too_long": "is te lang (hoogstens {max_length} tekens)",
    "string_pattern_mismatch": "heeft niet de goede vorm",
    "int_parsing": "moet een heel getal zijn",
    "int_from_float": "moet een heel getal zijn",
    "float_parsing": "moet een getal zijn",
    "bool_parsing": "moet ja (true) of nee (false) zijn",
    "date_parsing": "moet een datum zijn (JJJJ-MM-DD)",
    "date_from_datetime_parsing": "moet een datum zijn (JJJJ-MM-DD)",
    "date_from_datetime_inexact": "moet een datum zijn (JJJJ-MM-DD)",
    "extra_forbidden": "is geen bekend gegeven",
}


def validation_in_dutch(error: Mapping[str, Any]) -> str | None:
    """One pydantic error (an item of ``ValidationError.errors()``) in Dutch, without the
    field's name: a record's own rule carries its Dutch (``ctx["dutch"]``); a value's type or
    range is worded from the error type. None where werkkans has no wording."""
    context = error.get("ctx") or {}
    if "dutch" in context:
        return str(context["dutch"])
    template = _VALIDATION_NL.get(str(error.get("type")))
    if template is None:
        return None
    if "expected" in context:  # pydantic lists the choices as "'a', 'b' or 'c'"
        context = {**context, "expected": str(context["expected"]).replace(" or ", " of ")}
    return template.format(**context)


def dutch_label(value: Enum) -> str:
    """Dutch label of an enum value, falling back to its code."""
    return DUTCH_LABELS.get(value, str(value.value))


def dutch_date(value: dt.date | str) -> str:
    """A day as people here write it: ``14-03-2026`` (an ISO string's time part is dropped).

    Examples
    --------
    >>> dutch_date("2026-03-14T09:30:00+00:00")
    '14-03-2026'
    """
    day = dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return day.strftime("%d-%m-%Y")
