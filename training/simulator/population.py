"""The caseload: candidates' hard data and their hidden traits, as arrays.

Marginals follow the Werktop evaluation (Tilburg University, 2014): age bands, share of
men, education (no starting qualification, higher education), benefit duration bands
and prior paid work are drawn from the reported shares directly, so they hold at any
size up to sampling noise. Everything else (rung, language level, mobility, hours,
limits ...) is an assumption written down next to the numbers below and in
``docs/simulation.md``.

Hidden traits, never exported: the true preferred occupation family and a second
family the candidate is open to, motivation (partly visible in the texts), and
unrecorded circumstances (a normal term in the outcome model).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from matching.records.enums import (
    AgeBand,
    BenefitType,
    Demand,
    EducationLevel,
    Gender,
    LanguageLevel,
    Mobility,
)
from training.simulator.families import FAMILIES, N_FAMILIES
from training.simulator.geography import Locations, candidate_cluster_weights, draw_locations
from training.simulator.randomness import quota_draw

# ---- Werktop marginals ----------------------------------------------------------------------

AGE_BANDS: tuple[AgeBand, ...] = (AgeBand.A18_24, AgeBand.A25_44, AgeBand.A45_54, AgeBand.A55_67)
AGE_SHARES = np.array([0.035, 0.482, 0.298, 0.184])
#: Werktop reports 55-65; nobody in the caseload is past the state pension age (67).
AGE_RANGES = ((18, 24), (25, 44), (45, 54), (55, 66))

GENDERS: tuple[Gender, ...] = (Gender.MAN, Gender.WOMAN, Gender.OTHER)
GENDER_SHARES = np.array([0.553, 0.444, 0.003])

EDUCATIONS: tuple[EducationLevel, ...] = tuple(EducationLevel)
#: 52.6 % without a starting qualification (none, vmbo, mbo-1), 17.5 % hbo/wo; the split
#: inside those groups is an assumption.
EDUCATION_SHARES = np.array([0.140, 0.281, 0.105, 0.115, 0.075, 0.079, 0.030, 0.125, 0.050])

DURATION_SHARES = np.array([0.168, 0.215, 0.327, 0.243, 0.037, 0.009])
DURATION_MONTHS = ((0, 5), (6, 11), (12, 35), (36, 59), (60, 119), (120, 240))

PRIOR_WORK_SHARE = 0.939
PRIOR_WORK_YOUNG = 0.75  # 18-24: fewer have worked; the others are raised to keep 93.9 %

# ---- assumptions ----------------------------------------------------------------------------

STATUSHOUDER_BY_AGE = np.array([0.15, 0.15, 0.10, 0.05])
LANGUAGES: tuple[LanguageLevel, ...] = tuple(LanguageLevel)
LANGUAGE_STATUSHOUDER = np.array([0.0, 0.15, 0.35, 0.35, 0.12, 0.03, 0.0, 0.0])
LANGUAGE_OTHERS = np.array([0.0, 0.0, 0.04, 0.08, 0.07, 0.03, 0.0, 0.78])

RUNG_SHARES = np.array([0.02, 0.08, 0.32, 0.36, 0.19, 0.03])  # rungs 1-6; Werktop works with 3-5

MOBILITIES: tuple[Mobility, ...] = tuple(Mobility)
MOBILITY_SHARES = np.array([0.06, 0.30, 0.08, 0.26, 0.06, 0.24])  # walk bike ebike pt moped car
#: Maximum one-way travel by mobility (km by road), drawn uniformly; within the engine's caps.
TRAVEL_RANGE_KM = {
    Mobility.WALK: (1.5, 3.0),
    Mobility.BIKE: (4.0, 12.0),
    Mobility.EBIKE: (8.0, 20.0),
    Mobility.PUBLIC_TRANSPORT: (8.0, 30.0),
    Mobility.MOPED: (8.0, 25.0),
    Mobility.CAR: (12.0, 50.0),
}

HOURS_OPTIONS = np.array([12, 16, 20, 24, 28, 32, 36, 38, 40])
HOURS_WEIGHTS = np.array([0.04, 0.10, 0.16, 0.14, 0.10, 0.14, 0.14, 0.06, 0.12])

DEMANDS: tuple[Demand, ...] = tuple(Demand)
#: Chance of a limit (a demand the candidate cannot meet) before adjustments.
LIMIT_BASE = {
    Demand.HEAVY_LIFTING: 0.20,
    Demand.LONG_STANDING: 0.13,
    Demand.NIGHT_SHIFTS: 0.18,
    Demand.TIME_PRESSURE: 0.13,
    Demand.CUSTOMER_CONTACT: 0.05,
    Demand.NOISE: 0.06,
    Demand.HEIGHTS: 0.08,
    Demand.COLD_OR_OUTDOOR: 0.06,
    Demand.FINE_MOTOR: 0.03,
    Demand.COMPLEX_INSTRUCTIONS: 0.10,
}

CONSENT_MATCHING_WITHDRAWN = 0.02
CONSENT_SHARE_WITHDRAWN = 0.06
CONSENT_EVENTS_WITHDRAWN = 0.04

#: Number of set bits of every 10-bit demand mask.
POPCOUNT = np.array([(i).bit_count() for i in range(1 << len(DEMANDS))])

SIGMA_CIRCUMSTANCES = 0.9  # sd of the unrecorded per-candidate term in the latent score


@dataclass
class SimulatedCandidates:
    """The simulated caseload as column arrays, hidden traits included; index i = candidate i.

    Not :class:`matching.shortlists.candidate_arrays.CandidateArrays`, which holds only what
    matching may see of stored candidates.
    """

    n: int
    age_band: np.ndarray  # index into AGE_BANDS
    age: np.ndarray
    gender: np.ndarray  # index into GENDERS
    education: np.ndarray  # index into EDUCATIONS (= rank)
    benefit_type: list[BenefitType]
    benefit_months: np.ndarray
    duration_band: np.ndarray  # 0..5
    rung: np.ndarray
    statushouder: np.ndarray
    banenafspraak: np.ndarray
    language: np.ndarray  # index into LANGUAGES (= rank)
    mobility: np.ndarray  # index into MOBILITIES
    max_travel_km: np.ndarray
    hours_min: np.ndarray
    hours_max: np.ndarray
    limits_mask: np.ndarray  # bit d set = cannot meet DEMANDS[d]
    prior_work: np.ndarray
    locations: Locations
    registered_on: list[dt.date]
    consent_matching: np.ndarray
    consent_share: np.ndarray
    consent_events: np.ndarray
    # hidden
    family: np.ndarray  # true preferred family
    second_family: np.ndarray
    second_weight: np.ndarray  # how much the second family counts (0-1)
    motivation: np.ndarray  # standard normal
    circumstances: np.ndarray  # N(0, SIGMA_CIRCUMSTANCES^2)

    @property
    def has_startkwalificatie(self) -> np.ndarray:
        return self.education >= EducationLevel.MBO2.rank

    @property
    def higher_education(self) -> np.ndarray:
        return self.education >= EducationLevel.HBO.rank

    def limits(self, i: int) -> list[Demand]:
        mask = int(self.limits_mask[i])
        return [d for k, d in enumerate(DEMANDS) if mask >> k & 1]


def _categorical(rng: np.random.Generator, logits: np.ndarray) -> np.ndarray:
    """One draw per row from softmax(logits) (Gumbel-max)."""
    return np.argmax(logits + rng.gumbel(size=logits.shape), axis=1)


def _ordinal(latent: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Cut a standardised latent variable at the quantiles that give ``shares``."""
    z = (latent - latent.mean()) / max(float(latent.std()), 1e-9)
    cuts = np.array([NormalDist().inv_cdf(float(q)) for q in np.cumsum(shares)[:-1]])
    return np.searchsorted(cuts, z)


def draw_population(
    rng: np.random.Generator,
    n: int,
    affinity: np.ndarray,
    start_date: dt.date,
    months: int,
    geo_rng: np.random.Generator,
) -> SimulatedCandidates:
    """Draw ``n`` candidates (hard data and hidden traits)."""
    age_band = quota_draw(rng, n, AGE_SHARES)
    lo = np.array([r[0] for r in AGE_RANGES])[age_band]
    hi = np.array([r[1] for r in AGE_RANGES])[age_band]
    age = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(int)
    gender = quota_draw(rng, n, GENDER_SHARES)
    education = quota_draw(rng, n, EDUCATION_SHARES)
    duration_band = quota_draw(rng, n, DURATION_SHARES)
    d_lo = np.array([r[0] for r in DURATION_MONTHS])[duration_band]
    d_hi = np.array([r[1] for r in DURATION_MONTHS])[duration_band]
    benefit_months = d_lo + np.floor(rng.random(n) * (d_hi - d_lo + 1)).astype(int)

    young = age_band == 0
    # fewer of the young have worked; the others make up the reported 93.9 % overall
    n_young = int(young.sum())
    n_prior = round(PRIOR_WORK_SHARE * n)
    young_prior = min(round(PRIOR_WORK_YOUNG * n_young), n_prior)
    prior_work = np.zeros(n, dtype=bool)
    for group, k in ((np.flatnonzero(young), young_prior),
                     (np.flatnonzero(~young), n_prior - young_prior)):
        k = min(max(k, 0), group.size)
        prior_work[rng.permutation(group)[:k]] = True

    statushouder = rng.random(n) < STATUSHOUDER_BY_AGE[age_band]
    lang_p = np.where(statushouder[:, None], LANGUAGE_STATUSHOUDER, LANGUAGE_OTHERS)
    language = _categorical(rng, np.log(np.maximum(lang_p, 1e-12)))

    # benefit type: Wajong mostly young, WW only in the first two years
    u = rng.random(n)
    wajong_p = np.where(age < 35, 0.09, 0.03)
    benefit_type: list[BenefitType] = []
    for i in range(n):
        if u[i] < wajong_p[i]:
            benefit_type.append(BenefitType.WAJONG)
        elif u[i] < wajong_p[i] + 0.07 and benefit_months[i] < 24:
            benefit_type.append(BenefitType.WW)
        elif u[i] > 0.96:
            benefit_type.append(BenefitType.NONE)
        else:
            benefit_type.append(BenefitType.BIJSTAND)
    wajong = np.array([b is BenefitType.WAJONG for b in benefit_type])
    banenafspraak = np.where(wajong, rng.random(n) < 0.85, rng.random(n) < 0.05)

    # rung: lower with longer benefit duration, limited Dutch or Wajong
    rung_latent = (
        rng.normal(size=n)
        - 0.35 * (duration_band - 2)
        - 0.5 * (language <= LanguageLevel.A2.rank)
        + 0.25 * prior_work
        - 0.4 * wajong
    )
    rung = _ordinal(rung_latent, RUNG_SHARES) + 1

    # mobility: fewer cars among statushouders and the young, more e-bikes among the old
    logits = np.tile(np.log(MOBILITY_SHARES), (n, 1))
    car, moped, ebike = (
        MOBILITIES.index(m) for m in (Mobility.CAR, Mobility.MOPED, Mobility.EBIKE)
    )
    logits[statushouder, car] += np.log(0.3)
    logits[young, car] += np.log(0.5)
    logits[young, moped] += np.log(2.0)
    logits[age_band == 3, ebike] += np.log(2.0)
    mobility = _categorical(rng, logits)
    t_lo = np.array([TRAVEL_RANGE_KM[m][0] for m in MOBILITIES])[mobility]
    t_hi = np.array([TRAVEL_RANGE_KM[m][1] for m in MOBILITIES])[mobility]
    max_travel_km = np.round((t_lo + rng.random(n) * (t_hi - t_lo)) * 2) / 2

    # limits: more physical limits with age, more cognitive ones with Wajong
    limits_mask = np.zeros(n, dtype=np.int64)
    for k, demand in enumerate(DEMANDS):
        p = np.full(n, LIMIT_BASE[demand])
        if demand in (Demand.HEAVY_LIFTING, Demand.LONG_STANDING, Demand.COLD_OR_OUTDOOR):
            p = p * np.where(age_band >= 2, 1.6, 0.8)
        if demand in (Demand.COMPLEX_INSTRUCTIONS, Demand.TIME_PRESSURE, Demand.NOISE):
            p = p * np.where(wajong, 3.0, 1.0)
        p = p * np.where(rung <= 2, 1.5, 1.0)
        limits_mask |= (rng.random(n) < np.minimum(p, 0.9)).astype(np.int64) << k
    n_limits = POPCOUNT[limits_mask]

    # hours: fewer with limits, Wajong or young children (not modelled separately)
    hours_logits = np.tile(np.log(HOURS_WEIGHTS), (n, 1))
    shift = 0.25 * n_limits + 0.8 * wajong
    hours_logits -= shift[:, None] * (HOURS_OPTIONS[None, :] - 24) / 8
    hours_max = HOURS_OPTIONS[_categorical(rng, hours_logits)]
    gap = rng.choice(np.array([4, 8, 12, 16]), size=n)
    hours_min = np.where(rng.random(n) < 0.45, 0, np.maximum(hours_max - gap, 0))

    locations = draw_locations(geo_rng, n, weights=candidate_cluster_weights())

    # registration: most were already in the caseload, a quarter flow in during the period
    period_days = months * 30
    inflow = rng.random(n) < 0.25
    offset = np.where(
        inflow,
        np.floor(rng.random(n) * period_days * 0.75),
        -np.floor(rng.random(n) * 730) - 1,
    ).astype(int)
    registered_on = [start_date + dt.timedelta(days=int(d)) for d in offset]

    consent_matching = rng.random(n) >= CONSENT_MATCHING_WITHDRAWN
    consent_share = consent_matching & (rng.random(n) >= CONSENT_SHARE_WITHDRAWN)
    consent_events = consent_matching & (rng.random(n) >= CONSENT_EVENTS_WITHDRAWN)

    # hidden family preference: by gender and education (the weights are assumptions)
    base = np.log(np.array([f.candidate_weight for f in FAMILIES]))
    male = np.array([f.male_logodds for f in FAMILIES])
    higher = np.array([f.higher_logodds for f in FAMILIES])
    low = np.array([f.low_logodds for f in FAMILIES])
    sign = np.where(gender == 0, 0.5, np.where(gender == 1, -0.5, 0.0))
    is_higher = education >= EducationLevel.HBO.rank
    is_low = education < EducationLevel.MBO2.rank
    fam_logits = (
        base[None, :]
        + sign[:, None] * male[None, :]
        + is_higher[:, None] * higher[None, :]
        + is_low[:, None] * low[None, :]
    )
    family = _categorical(rng, fam_logits)
    near = affinity[family].copy()
    near[np.arange(n), family] = 0.0
    second_family = _categorical(rng, np.log(np.maximum(near, 1e-9) ** 2))
    second_weight = 0.4 + 0.5 * rng.random(n)
    motivation = rng.normal(size=n)
    circumstances = rng.normal(0.0, SIGMA_CIRCUMSTANCES, size=n)
    assert family.max(initial=0) < N_FAMILIES

    return SimulatedCandidates(
        n=n,
        age_band=age_band,
        age=age,
        gender=gender,
        education=education,
        benefit_type=benefit_type,
        benefit_months=benefit_months,
        duration_band=duration_band,
        rung=rung,
        statushouder=statushouder,
        banenafspraak=banenafspraak,
        language=language,
        mobility=mobility,
        max_travel_km=max_travel_km,
        hours_min=hours_min,
        hours_max=hours_max,
        limits_mask=limits_mask,
        prior_work=prior_work,
        locations=locations,
        registered_on=registered_on,
        consent_matching=consent_matching,
        consent_share=consent_share,
        consent_events=consent_events,
        family=family,
        second_family=second_family,
        second_weight=second_weight,
        motivation=motivation,
        circumstances=circumstances,
    )
