"""The employer network and the work they have, as arrays.

Sector and size shares follow the Werktop evaluation: business services (SBI N and M)
26.5 %; construction, industry, hospitality and trade about 11 % each; the rest spread
over care, transport and smaller sections. 71.5 % of employers have fewer than 50
staff, 8.1 % more than 250. Which kinds of work a sector has (the families of its work
needs), supports valued, coaching capacity and openness are assumptions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from matching.records.enums import (
    ContractForm,
    Demand,
    LanguageLevel,
    SbiSection,
    SizeClass,
    Support,
)
from training.simulator.families import FAMILIES, FAMILY_CODES
from training.simulator.geography import Locations, draw_locations, employer_cluster_weights
from training.simulator.occupations import OccupationCatalogue
from training.simulator.randomness import quota_draw

SECTORS: tuple[SbiSection, ...] = (
    SbiSection.N, SbiSection.M, SbiSection.F, SbiSection.C, SbiSection.I, SbiSection.G,
    SbiSection.Q, SbiSection.H, SbiSection.S, SbiSection.A, SbiSection.E, SbiSection.P,
    SbiSection.O, SbiSection.R,
)
SECTOR_SHARES = np.array(
    [0.180, 0.085, 0.110, 0.110, 0.110, 0.110, 0.090, 0.080, 0.030, 0.025, 0.020, 0.020,
     0.020, 0.010]
)
INDUSTRIAL = {SbiSection.C, SbiSection.F, SbiSection.H, SbiSection.E}

SIZES: tuple[SizeClass, ...] = tuple(SizeClass)
SIZE_SHARES = np.array([0.380, 0.335, 0.204, 0.081])

#: The kinds of work (hidden families) each sector has, with weights.
SECTOR_FAMILIES: dict[SbiSection, dict[str, float]] = {
    SbiSection.N: {"F03": 0.30, "F20": 0.15, "F01": 0.15, "F08": 0.12, "F09": 0.08,
                   "F17": 0.08, "F15": 0.06, "F21": 0.06},
    SbiSection.M: {"F09": 0.35, "F22": 0.30, "F08": 0.15, "F23": 0.10, "F03": 0.10},
    SbiSection.F: {"F10": 0.30, "F11": 0.30, "F12": 0.25, "F23": 0.07, "F01": 0.04,
                   "F02": 0.04},
    SbiSection.C: {"F15": 0.20, "F16": 0.18, "F13": 0.18, "F04": 0.15, "F01": 0.12,
                   "F14": 0.07, "F23": 0.05, "F03": 0.05},
    SbiSection.I: {"F05": 0.40, "F06": 0.40, "F03": 0.12, "F07": 0.04, "F04": 0.04},
    SbiSection.G: {"F07": 0.40, "F01": 0.30, "F02": 0.10, "F08": 0.08, "F09": 0.06,
                   "F14": 0.06},
    SbiSection.Q: {"F18": 0.55, "F03": 0.15, "F05": 0.10, "F09": 0.10, "F08": 0.05,
                   "F20": 0.05},
    SbiSection.H: {"F02": 0.45, "F01": 0.40, "F09": 0.05, "F14": 0.10},
    SbiSection.S: {"F19": 0.45, "F24": 0.20, "F03": 0.15, "F08": 0.10, "F07": 0.10},
    SbiSection.A: {"F17": 0.80, "F04": 0.10, "F02": 0.10},
    SbiSection.E: {"F21": 0.70, "F02": 0.20, "F17": 0.10},
    SbiSection.P: {"F18": 0.50, "F09": 0.20, "F03": 0.20, "F20": 0.10},
    SbiSection.O: {"F09": 0.35, "F17": 0.20, "F21": 0.15, "F20": 0.20, "F08": 0.10},
    SbiSection.R: {"F24": 0.50, "F06": 0.20, "F20": 0.15, "F03": 0.15},
}

SUPPORTS: tuple[Support, ...] = tuple(Support)
SUPPORT_SHARES = {
    Support.NO_RISKPOLIS: 0.50,
    Support.TRIAL_PERIOD: 0.60,
    Support.WAGE_SUBSIDY: 0.45,
    Support.JOB_COACH: 0.30,
}
OPENNESS_SHARES = np.array([0.05, 0.15, 0.35, 0.30, 0.15])  # openness 1..5
COACHING_RANGE = {  # candidates the employer can coach at once, by size class
    SizeClass.S0_9: (0, 2),
    SizeClass.S10_49: (1, 3),
    SizeClass.S50_249: (2, 6),
    SizeClass.S250_PLUS: (4, 12),
}
WORK_NEEDS_BY_SIZE = np.array([0.6, 1.0, 1.5, 2.2])  # relative number of work needs

CONTRACT_FORMS: tuple[ContractForm, ...] = tuple(ContractForm)
CONTRACT_SHARES = np.array([0.52, 0.26, 0.11, 0.11])  # regular, wep, trial, work-learning
WORK_HOURS = np.array([16, 20, 24, 28, 32, 36, 38, 40])
WORK_HOURS_WEIGHTS = np.array([0.06, 0.12, 0.14, 0.10, 0.18, 0.16, 0.08, 0.16])
DEMANDS: tuple[Demand, ...] = tuple(Demand)
#: Families where talking to customers is the work: they ask for more Dutch.
TALKING_FAMILIES = {"F06", "F07", "F08", "F09", "F18", "F19", "F22", "F23"}
LANG_TALKING = {None: 0.05, LanguageLevel.A2: 0.20, LanguageLevel.B1: 0.50, LanguageLevel.B2: 0.25}
LANG_OTHER = {None: 0.35, LanguageLevel.A2: 0.35, LanguageLevel.B1: 0.25, LanguageLevel.B2: 0.05}
ESCO_EXPORTED_SHARE = 0.7  # work needs where the relationship manager picked an occupation


@dataclass
class EmployerArrays:
    n: int
    sector: list[SbiSection]
    size: list[SizeClass]
    locations: Locations
    supports_mask: np.ndarray  # bit k = SUPPORTS[k] valued
    coaching: np.ndarray
    openness: np.ndarray  # 1..5
    ambassador: np.ndarray
    first_contact: list[dt.date]

    def supports(self, i: int) -> list[Support]:
        mask = int(self.supports_mask[i])
        return [s for k, s in enumerate(SUPPORTS) if mask >> k & 1]

    def values(self, i: int | np.ndarray, support: Support) -> np.ndarray:
        return (self.supports_mask[i] >> SUPPORTS.index(support)) & 1 == 1


@dataclass
class WorkArrays:
    n: int
    employer: np.ndarray  # index into EmployerArrays
    family: np.ndarray  # hidden family of the work
    occupation: np.ndarray  # index into the occupation catalogue (the true occupation)
    esco_exported: np.ndarray  # whether esco_uri is filled in the record
    skill: np.ndarray  # 1..3
    contract: np.ndarray  # index into CONTRACT_FORMS
    hours_min: np.ndarray
    hours_max: np.ndarray
    demands_mask: np.ndarray
    adaptable_mask: np.ndarray
    language: np.ndarray  # required rank, -1 for none
    places: np.ndarray
    created_on: list[dt.date]

    def demands(self, j: int) -> list[Demand]:
        mask = int(self.demands_mask[j])
        return [d for k, d in enumerate(DEMANDS) if mask >> k & 1]

    def adaptable(self, j: int) -> list[Demand]:
        mask = int(self.adaptable_mask[j])
        return [d for k, d in enumerate(DEMANDS) if mask >> k & 1]


def draw_employers(
    rng: np.random.Generator,
    geo_rng: np.random.Generator,
    n: int,
    start_date: dt.date,
    months: int,
) -> EmployerArrays:
    """Draw ``n`` employers: sector, size, place, what support they value."""
    sector_idx = quota_draw(rng, n, SECTOR_SHARES)
    sector = [SECTORS[k] for k in sector_idx]
    size_idx = quota_draw(rng, n, SIZE_SHARES)
    size = [SIZES[k] for k in size_idx]
    industrial = np.array([s in INDUSTRIAL for s in sector])
    loc_plain = draw_locations(geo_rng, n, weights=employer_cluster_weights(False))
    loc_park = draw_locations(geo_rng, n, weights=employer_cluster_weights(True))
    locations = Locations(
        lat=np.where(industrial, loc_park.lat, loc_plain.lat),
        lon=np.where(industrial, loc_park.lon, loc_plain.lon),
        postcode=[p if ind else q for ind, p, q in
                  zip(industrial, loc_park.postcode, loc_plain.postcode, strict=False)],
        cluster=np.where(industrial, loc_park.cluster, loc_plain.cluster),
    )
    supports_mask = np.zeros(n, dtype=np.int64)
    for k, support in enumerate(SUPPORTS):
        p = np.full(n, SUPPORT_SHARES[support])
        if support is Support.NO_RISKPOLIS:
            p = np.where(size_idx <= 1, p + 0.15, p - 0.1)  # small firms fear absence costs
        supports_mask |= (rng.random(n) < p).astype(np.int64) << k
    lo = np.array([COACHING_RANGE[s][0] for s in size])
    hi = np.array([COACHING_RANGE[s][1] for s in size])
    coaching = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(int)
    openness = rng.choice(5, size=n, p=OPENNESS_SHARES / OPENNESS_SHARES.sum()) + 1
    ambassador = rng.random(n) < np.where(openness >= 5, 0.3, 0.06)
    # a quarter are new contacts made during the period (Werktop: 70 new contacts a year)
    new = rng.random(n) < 0.25
    offset = np.where(
        new,
        np.floor(rng.random(n) * months * 30 * 0.7),
        -np.floor(rng.random(n) * 1095) - 30,
    ).astype(int)
    first_contact = [start_date + dt.timedelta(days=int(d)) for d in offset]
    return EmployerArrays(
        n=n,
        sector=sector,
        size=size,
        locations=locations,
        supports_mask=supports_mask,
        coaching=coaching,
        openness=openness,
        ambassador=ambassador,
        first_contact=first_contact,
    )


def draw_work_needs(
    rng: np.random.Generator,
    employers: EmployerArrays,
    catalogue: OccupationCatalogue,
    mean_per_employer: float,
    start_date: dt.date,
    months: int,
) -> WorkArrays:
    """Draw each employer's work needs (at least one each)."""
    size_idx = np.array([SIZES.index(s) for s in employers.size])
    rel = WORK_NEEDS_BY_SIZE[size_idx]
    lam = (mean_per_employer - 1.0) * rel / float(SIZE_SHARES @ WORK_NEEDS_BY_SIZE)
    counts = 1 + np.minimum(rng.poisson(lam), 7)
    employer = np.repeat(np.arange(employers.n), counts)
    m = int(employer.size)

    family = np.empty(m, dtype=int)
    for j, e in enumerate(employer):
        weights = SECTOR_FAMILIES[employers.sector[int(e)]]
        codes = sorted(weights)
        p = np.array([weights[c] for c in codes])
        family[j] = FAMILY_CODES.index(codes[int(rng.choice(len(codes), p=p / p.sum()))])
    u = rng.random(m)
    occupation = np.array(
        [catalogue.index_of(catalogue.pick(int(f), float(x)).uri) for f, x in zip(family, u, strict=False)]
    )
    skill = np.array([catalogue.occupations[k].skill for k in occupation])
    esco_exported = rng.random(m) < ESCO_EXPORTED_SHARE

    contract = rng.choice(len(CONTRACT_FORMS), size=m, p=CONTRACT_SHARES / CONTRACT_SHARES.sum())
    hours_max = rng.choice(WORK_HOURS, size=m, p=WORK_HOURS_WEIGHTS / WORK_HOURS_WEIGHTS.sum())
    hours_min = np.maximum(hours_max - rng.choice(np.array([0, 4, 8, 12, 16]), size=m), 8)
    hours_min = np.minimum(hours_min, hours_max)

    demands_mask = np.zeros(m, dtype=np.int64)
    adaptable_mask = np.zeros(m, dtype=np.int64)
    job_coach = employers.values(employer, Support.JOB_COACH)
    open_minded = employers.openness[employer] >= 4
    for k, demand in enumerate(DEMANDS):
        p = np.array([FAMILIES[int(f)].demands.get(demand, 0.04) for f in family])
        has = rng.random(m) < p
        p_adapt = 0.22 + 0.15 * job_coach + 0.10 * open_minded
        if demand is Demand.CUSTOMER_CONTACT:
            p_adapt = p_adapt * 0.3
        adapt = has & (rng.random(m) < p_adapt)
        demands_mask |= has.astype(np.int64) << k
        adaptable_mask |= adapt.astype(np.int64) << k

    language = np.empty(m, dtype=int)
    lu = rng.random(m)
    for j in range(m):
        table = LANG_TALKING if FAMILY_CODES[int(family[j])] in TALKING_FAMILIES else LANG_OTHER
        acc = 0.0
        chosen: LanguageLevel | None = None
        for level, share in table.items():
            acc += share
            chosen = level
            if lu[j] < acc:
                break
        language[j] = -1 if chosen is None else chosen.rank

    big = size_idx[employer] >= 2
    places = np.where(
        rng.random(m) < np.where(big, 0.5, 0.8),
        1,
        2 + rng.poisson(np.where(big, 1.5, 0.4)),
    )
    places = np.minimum(places, 10)

    created: list[dt.date] = []
    cu = rng.random(m)
    period_days = months * 30
    for j, e in enumerate(employer):
        first = employers.first_contact[int(e)]
        earliest = max(first, start_date - dt.timedelta(days=120))
        latest = start_date + dt.timedelta(days=int(period_days * 0.75))
        latest = max(latest, earliest)
        span = (latest - earliest).days
        created.append(earliest + dt.timedelta(days=int(cu[j] * (span + 1)) if span else 0))
    return WorkArrays(
        n=m,
        employer=employer,
        family=family,
        occupation=occupation,
        esco_exported=esco_exported,
        skill=skill,
        contract=contract,
        hours_min=hours_min,
        hours_max=hours_max,
        demands_mask=demands_mask,
        adaptable_mask=adaptable_mask,
        language=language,
        places=places,
        created_on=created,
    )
