"""The hidden ground truth: chance of a good outcome when a candidate meets a work need.

A good outcome is a work-experience place (WEP) or a regular job within three months
of the meeting. The model is logistic in a latent score::

    z = s(c, w) + u_c + e_cw
    p_good = sigmoid(z)

``s`` is the *observable* part, a sum of terms in what the records show or the texts
reveal (occupational fit through the hidden family structure, travel distance against
the candidate's reach, hours, limits against the work's non-adaptable demands, rung,
benefit duration, motivation, Dutch language and education against the work's
requirements, employer openness, coaching capacity and support, contract form).
``u_c ~ N(0, SIGMA_CIRCUMSTANCES^2)`` (unrecorded circumstances of the candidate) and
``e_cw ~ N(0, SIGMA_CHEMISTRY^2)`` (chemistry at the table) are never exported.

``p_good_expected`` is ``p_good`` averaged over everything that is never exported:
``u_c``, ``e_cw`` and the candidate's hidden traits in ``s`` (family, second family
and its weight, motivation) given what the records reveal about them; see
``posterior.py``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from matching.records.enums import ContractForm, EducationLevel, Mobility, Support
from training.simulator.employers import CONTRACT_FORMS, EmployerArrays, WorkArrays
from training.simulator.families import FAMILY_CODES
from training.simulator.geography import road_km
from training.simulator.population import (
    MOBILITIES,
    POPCOUNT,
    SIGMA_CIRCUMSTANCES,
    SimulatedCandidates,
)

SIGMA_CHEMISTRY = 1.05  # sd of the per-pair table chemistry term
GH_NODES = 24  # Gauss-Hermite nodes for p_good_expected (error < 1e-8, below the 6 decimals)

#: Education rank a work need of each ISCO skill level asks for (0 none, 1 vmbo, 5 mbo-4).
REQUIRED_EDUCATION = {1: EducationLevel.NONE.rank, 2: EducationLevel.VMBO.rank,
                      3: EducationLevel.MBO4.rank}


@dataclass(frozen=True)
class OutcomeCoefficients:
    """Weights of the observable latent score (log-odds units)."""

    intercept: float = -5.4
    fit: float = 3.0  # x family affinity in [0, 1]
    travel_within: float = -0.4  # x distance / reach, up to the reach
    travel_beyond: float = -1.3  # x (distance / reach - 1), beyond the reach
    travel_beyond_cap: float = 2.2
    hours_short: float = -0.10  # per hour the candidate's maximum is below the work's minimum
    hours_short_cap: float = -2.5
    hours_over: float = -0.06  # per hour the candidate's minimum is above the work's maximum
    limit_hard: float = -1.3  # per limit on a demand that cannot be adapted
    limit_adaptable: float = -0.35  # per limit on a demand that can be adapted
    coaching_softens: float = 0.6  # factor on limit_adaptable when the employer can coach
    rung: float = 0.3  # per rung above 4
    duration: float = -0.12  # per benefit-duration band above 1-3 years
    motivation: float = 0.55  # per sd of latent motivation
    language_gap: float = -0.55  # per CEFR level below the requirement (at most 3)
    education_gap: float = -0.25  # per education rank below what the skill level asks
    overqualified: float = -0.3  # hbo/wo in elementary work
    openness: float = 0.25  # per point above 3
    coaching: float = 0.1  # per coaching place, up to 4
    ambassador: float = 0.15
    job_coach_match: float = 0.3  # employer values a job coach, candidate needs one
    subsidy_match: float = 0.2  # employer values wage subsidy, candidate qualifies
    contract_wep: float = 0.35
    contract_trial: float = 0.2
    contract_work_learning: float = 0.1
    young_work_learning: float = 0.3  # extra for under-27s in a work-learning place
    prior_work: float = 0.2
    no_licence_driving: float = -0.6  # driving work without a car or moped (licence proxy)
    age_55_plus: float = -0.15


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def expected_sigmoid(score: np.ndarray, sigma: float, nodes: int = GH_NODES) -> np.ndarray:
    """``E[sigmoid(score + sigma * Z)]`` for standard normal Z (Gauss-Hermite)."""
    x, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / w.sum()
    out = np.zeros_like(score, dtype=float)
    for xk, wk in zip(x, w, strict=False):
        out += wk * sigmoid(score + sigma * xk)
    return out


def p_base_monthly(candidates: SimulatedCandidates) -> np.ndarray:
    """Monthly chance of finding work without any event (0.4-3 %), by rung, duration and age."""
    by_rung = np.array([0.004, 0.006, 0.009, 0.013, 0.019, 0.026])[candidates.rung - 1]
    by_duration = np.array([1.5, 1.25, 1.0, 0.8, 0.6, 0.5])[candidates.duration_band]
    by_age = np.array([1.1, 1.0, 0.9, 0.7])[candidates.age_band]
    return np.clip(by_rung * by_duration * by_age, 0.004, 0.03)


class OutcomeModel:
    """Vectorised latent score over (candidate, work need) index arrays that broadcast.

    ``model.score(ci[:, None], wj[None, :])`` gives a matrix, equal-length 1-D arrays
    give pairs.
    """

    def __init__(
        self,
        candidates: SimulatedCandidates,
        works: WorkArrays,
        employers: EmployerArrays,
        affinity: np.ndarray,
        coefficients: OutcomeCoefficients = OutcomeCoefficients(),
    ) -> None:
        self.coefficients = coefficients
        self.sigma_circumstances = SIGMA_CIRCUMSTANCES
        self.sigma_chemistry = SIGMA_CHEMISTRY
        c, w, e, k = candidates, works, employers, coefficients
        # candidate side: effective family affinity and terms that depend on c only
        n = c.n
        self._fit = np.maximum(
            affinity[c.family], c.second_weight[:, None] * affinity[c.second_family]
        )
        self._c_lat, self._c_lon = c.locations.lat, c.locations.lon
        self._c_reach = c.max_travel_km.astype(float)
        self._c_hmin, self._c_hmax = c.hours_min, c.hours_max
        self._c_limits = c.limits_mask
        self._c_lang = c.language
        self._c_edu = c.education
        self._c_higher = c.higher_education
        self._c_young = c.age < 27
        n_limits = POPCOUNT[c.limits_mask]
        self._c_needs_coach = c.banenafspraak | (n_limits >= 2)
        self._c_subsidy = c.banenafspraak | (c.rung <= 3)
        no_vehicle = ~np.isin(
            c.mobility, [MOBILITIES.index(Mobility.CAR), MOBILITIES.index(Mobility.MOPED)]
        )
        self._c_no_vehicle = no_vehicle
        self._c_const = (
            k.rung * (c.rung - 4)
            + k.duration * (c.duration_band - 2)
            + k.motivation * c.motivation
            + k.prior_work * c.prior_work
            + k.age_55_plus * (c.age_band == 3)
        )
        assert self._c_const.shape == (n,)
        # the same without latent motivation: what the exported records show
        self._c_const_exported = (
            k.rung * (c.rung - 4)
            + k.duration * (c.duration_band - 2)
            + k.prior_work * c.prior_work
            + k.age_55_plus * (c.age_band == 3)
        )
        self._n_candidates = n
        self._n_works = w.n
        # work side
        emp = w.employer
        self._w_family = w.family
        self._w_lat, self._w_lon = e.locations.lat[emp], e.locations.lon[emp]
        self._w_hmin, self._w_hmax = w.hours_min, w.hours_max
        self._w_hard = w.demands_mask & ~w.adaptable_mask
        self._w_adapt = w.adaptable_mask
        self._w_lang = w.language
        self._w_edu_req = np.array([REQUIRED_EDUCATION[int(s)] for s in w.skill])
        self._w_elementary = w.skill == 1
        self._w_coaches = e.coaching[emp] > 0
        self._w_job_coach = e.values(emp, Support.JOB_COACH)
        self._w_subsidy = e.values(emp, Support.WAGE_SUBSIDY)
        self._w_driving = w.family == FAMILY_CODES.index("F02")
        self._w_work_learning = w.contract == CONTRACT_FORMS.index(ContractForm.WORK_LEARNING)
        contract_bonus = np.array([
            0.0, k.contract_wep, k.contract_trial, k.contract_work_learning
        ])
        assert CONTRACT_FORMS == (ContractForm.REGULAR, ContractForm.WEP, ContractForm.TRIAL,
                                  ContractForm.WORK_LEARNING)
        self._w_const = (
            contract_bonus[w.contract]
            + k.openness * (e.openness[emp] - 3)
            + k.coaching * np.minimum(e.coaching[emp], 4)
            + k.ambassador * e.ambassador[emp]
        )

    def components(self, ci: np.ndarray, wj: np.ndarray) -> dict[str, np.ndarray]:
        """Every term of the observable score for broadcastable index arrays."""
        k = self.coefficients
        ci, wj = np.asarray(ci), np.asarray(wj)
        dist = road_km(self._c_lat[ci], self._c_lon[ci], self._w_lat[wj], self._w_lon[wj])
        ratio = dist / self._c_reach[ci]
        short = np.clip(self._w_hmin[wj] - self._c_hmax[ci], 0, None)
        over = np.clip(self._c_hmin[ci] - self._w_hmax[wj], 0, None)
        limits = self._c_limits[ci]
        hard = POPCOUNT[limits & self._w_hard[wj]]
        adapt = POPCOUNT[limits & self._w_adapt[wj]]
        lang_req = self._w_lang[wj]
        lang_gap = np.where(lang_req < 0, 0, np.clip(lang_req - self._c_lang[ci], 0, 3))
        edu_gap = np.clip(self._w_edu_req[wj] - self._c_edu[ci], 0, None)
        return {
            "intercept": np.full(np.broadcast_shapes(ci.shape, wj.shape), k.intercept),
            "fit": k.fit * self._fit[ci, self._w_family[wj]],
            "travel": k.travel_within * np.minimum(ratio, 1.0)
            + k.travel_beyond * np.clip(ratio - 1.0, 0.0, k.travel_beyond_cap),
            "hours": np.maximum(k.hours_short * short, k.hours_short_cap) + k.hours_over * over,
            "limits": k.limit_hard * hard
            + k.limit_adaptable * adapt * np.where(self._w_coaches[wj], k.coaching_softens, 1.0),
            "language": k.language_gap * lang_gap,
            "education": k.education_gap * edu_gap
            + k.overqualified * (self._c_higher[ci] & self._w_elementary[wj]),
            "support": k.job_coach_match * (self._c_needs_coach[ci] & self._w_job_coach[wj])
            + k.subsidy_match * (self._c_subsidy[ci] & self._w_subsidy[wj])
            + k.young_work_learning * (self._c_young[ci] & self._w_work_learning[wj])
            + k.no_licence_driving * (self._c_no_vehicle[ci] & self._w_driving[wj]),
            "candidate": self._c_const[ci] + 0.0 * wj,
            "employer_and_contract": self._w_const[wj] + 0.0 * ci,
        }

    def score(self, ci: np.ndarray, wj: np.ndarray) -> np.ndarray:
        """Observable latent score ``s`` for broadcastable index arrays."""
        total: np.ndarray | None = None
        for term in self.components(ci, wj).values():
            total = term.astype(float) if total is None else total + term
        assert total is not None
        return total

    def score_matrix(self, n_candidates: int, n_works: int, chunk: int = 512) -> np.ndarray:
        """``s`` for every pair, computed in candidate chunks to bound memory."""
        out = np.empty((n_candidates, n_works))
        wj = np.arange(n_works)[None, :]
        for start in range(0, n_candidates, chunk):
            ci = np.arange(start, min(start + chunk, n_candidates))[:, None]
            out[start : start + ci.shape[0]] = self.score(ci, wj)
        return out

    def exported_score(self, ci: np.ndarray, wj: np.ndarray) -> np.ndarray:
        """The score without its hidden-trait terms (family fit and motivation)."""
        parts = self.components(ci, wj)
        total = np.zeros(np.broadcast_shapes(np.shape(ci), np.shape(wj)))
        for name, term in parts.items():
            if name == "fit":
                continue
            if name == "candidate":
                term = self._c_const_exported[np.asarray(ci)] + 0.0 * np.asarray(wj)
            total = total + term
        return total

    def exported_score_matrix(self, chunk: int = 512) -> np.ndarray:
        """``exported_score`` for every pair (candidates x work needs)."""
        out = np.empty((self._n_candidates, self._n_works))
        wj = np.arange(self._n_works)[None, :]
        for start in range(0, self._n_candidates, chunk):
            ci = np.arange(start, min(start + chunk, self._n_candidates))[:, None]
            out[start : start + ci.shape[0]] = self.exported_score(ci, wj)
        return out

    @property
    def sigma_hidden(self) -> float:
        """sd of the never-exported part ``u_c + e_cw``."""
        return float(np.hypot(self.sigma_circumstances, self.sigma_chemistry))

    def describe(self) -> dict[str, object]:
        return {
            "coefficients": asdict(self.coefficients),
            "sigma_circumstances": self.sigma_circumstances,
            "sigma_chemistry": self.sigma_chemistry,
            "gauss_hermite_nodes": GH_NODES,
            "p_good_expected": "E[p_good | exported records]: hidden family, second family, "
            "its weight and motivation integrated over their posterior (posterior.py)",
        }
