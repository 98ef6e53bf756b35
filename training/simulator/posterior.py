"""``p_good_expected``: the chance of a good outcome given only what the records show.

The outcome model (``outcome_model.py``) scores a pair with the candidate's hidden
traits: the true preferred family ``f``, the second family ``s`` with its weight
``v`` and latent motivation ``m``, plus the never-exported normal terms ``u_c`` and
``e_cw``. ``p_good_expected`` replaces every hidden quantity by its distribution given
the exported evidence, computed exactly from the simulator's own generative model:

``p_good_expected(c, w) = sum_{f,s} P(f, s | E_c) * E_v E_{m | E_c} E_h[
    sigmoid(s_exp(c, w) + fit * max(A[f, g_w], v * A[s, g_w]) + b_mot * m + h)]``

with ``s_exp`` the part of the score in exported data only, ``g_w`` the family of the
work need, ``v ~ U(0.4, 0.9)`` and ``h ~ N(0, sigma_u^2 + sigma_e^2)``.

Evidence ``E_c`` used (all of it exported):

* gender (or that it was not recorded) and education: the family prior;
* desired ESCO occupations, in order: each of 1-3 draws comes from ``f`` (0.7), ``s``
  (0.2) or a uniform family (0.1) and picks an occupation by the family's weights;
  duplicates are dropped, so the exact likelihood of the ordered list sums over the
  number of draws;
* the wishes text when it names a field of work (a sector phrase, which belongs to
  exactly one family): ``f`` 0.75, ``s`` 0.15, uniform 0.1. A wish that names an
  occupation repeats the first desired occupation and adds nothing;
* the tier of the motivation text (its phrases are tier-specific); when the
  motivation text is empty, the tier is inferred from which texts are empty (gaps
  are more likely for doubtful candidates).

Not used: hobbies and strengths (they hint at ``f`` and ``s`` too) and the history
(attendance and outcomes of earlier meetings). A ranker that reads those may beat
``p_good_expected`` a little.

Numerics: ``E_h`` by 24-node Gauss-Hermite; ``m`` on a uniform grid (trapezoid, step
``GRID_STEP / b_mot``); the fit term by Gauss-Legendre in ``v`` with quadratic
interpolation onto a grid of step ``FIT_STEP``; the resulting function of the score
tabulated with step ``GRID_STEP`` and interpolated linearly. The error is below 1e-6.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from matching.records.enums import EducationLevel
from matching.records.schemas import Candidate
from training.simulator.candidate_texts import MOTIVATION_READING_SD, CandidateText
from training.simulator.families import FAMILIES, FAMILY_CODES, N_FAMILIES
from training.simulator.occupations import OccupationCatalogue
from training.simulator.outcome_model import OutcomeModel, expected_sigmoid
from training.simulator.population import EDUCATIONS, GENDER_SHARES, GENDERS
from training.simulator.vocabulary_candidate import WISH_SECTOR
from training.simulator.vocabulary_families import FAMILY_WORDS

# ---- the generative constants this module mirrors (candidate_texts.py, population.py) --------

DESIRED_COUNT_P = (0.5, 0.35, 0.15)  # 1, 2 or 3 draws of a desired occupation
DESIRED_FROM_OWN, DESIRED_FROM_SECOND = 0.7, 0.2  # the rest: a uniform family
SECTOR_FROM_OWN, SECTOR_FROM_SECOND = 0.75, 0.25 * 0.6  # the rest: a uniform family
TIER_CUT = 0.6  # reading > 0.6 enthusiastic, < -0.6 doubtful
#: Chance a text is left empty (wishes, motivation, interests, strengths, help), times
#: the gap factor of the motivation tier (-1, 0, 1).
EMPTY_BASE = np.array([0.06, 0.08, 0.22, 0.15, 0.20])
EMPTY_GAP = np.array([1.5, 1.0, 0.6])
SECOND_WEIGHT_RANGE = (0.4, 0.9)
UNKNOWN_TIER = 9

# ---- numerics ---------------------------------------------------------------------------------

GRID_STEP = 0.005  # table step of E[sigmoid(x + b_mot m + h)] in x
FIT_RATIO = 10
FIT_STEP = GRID_STEP * FIT_RATIO  # grid of the fit term (quadratic interpolation)
MOTIVATION_RANGE = 7.5  # the motivation grid covers +-7.5 sd
LEGENDRE_NODES = 8
CHUNK_ELEMENTS = 4_000_000


@dataclass(frozen=True)
class ExportedEvidence:
    """What the records show about each candidate's hidden traits."""

    gender: np.ndarray  # index into GENDERS, -1 when not recorded
    education: np.ndarray  # index into EDUCATIONS
    desired: tuple[tuple[int, ...], ...]  # desired occupations (catalogue indices), in order
    sector_family: np.ndarray  # family of the sector phrase in the wishes, -1 if none
    motivation_tier: np.ndarray  # -1, 0, 1 as the motivation text reads; UNKNOWN_TIER if empty
    empty: np.ndarray  # (n, 5) bool: wishes, motivation, interests, strengths, help empty

    @property
    def n(self) -> int:
        return len(self.desired)


def _names_sector(wishes: str, family: int) -> bool:
    phrases = FAMILY_WORDS[FAMILY_CODES[family]].sector
    return any(t.format(sector=p) in wishes for t in WISH_SECTOR for p in phrases)


def exported_evidence(
    records: list[Candidate], texts: list[CandidateText], catalogue: OccupationCatalogue
) -> ExportedEvidence:
    """Evidence from the exported candidate records.

    ``texts`` only tells which family a wish's sector phrase and which tier a motivation
    text's phrases come from: a reader of the text can see both (every sector phrase
    belongs to one family, every motivation phrase to one tier).
    """
    gender = np.array([-1 if r.gender is None else GENDERS.index(r.gender) for r in records])
    education = np.array([EDUCATIONS.index(r.education) for r in records])
    desired = tuple(
        tuple(catalogue.index_of(u) for u in r.desired_occupations) for r in records
    )
    sector = np.array([
        t.revealed_family if r.wishes and t.revealed_family >= 0
        and _names_sector(r.wishes, t.revealed_family) else -1
        for r, t in zip(records, texts, strict=False)
    ])
    tier = np.array([t.motivation_tier if r.motivation else UNKNOWN_TIER
                     for r, t in zip(records, texts, strict=False)])
    empty = np.array([[not r.wishes, not r.motivation, not r.interests, not r.strengths,
                       not r.help_needed] for r in records], dtype=bool).reshape(-1, 5)
    return ExportedEvidence(gender, education, desired, sector, tier, empty)


# ---- family posterior -------------------------------------------------------------------------


def _softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    z = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return z / z.sum(axis=axis, keepdims=True)


def family_prior(gender: np.ndarray, education: np.ndarray) -> np.ndarray:
    """``P(f | gender, education)`` (n, F), as ``draw_population`` draws it."""
    base = np.log(np.array([f.candidate_weight for f in FAMILIES]))
    male = np.array([f.male_logodds for f in FAMILIES])
    higher = np.array([f.higher_logodds for f in FAMILIES])
    low = np.array([f.low_logodds for f in FAMILIES])
    is_higher = education >= EducationLevel.HBO.rank
    is_low = education < EducationLevel.MBO2.rank
    by_gender = []
    for sign in (0.5, -0.5, 0.0):  # man, woman, other
        by_gender.append(_softmax(base[None, :] + sign * male[None, :]
                                  + is_higher[:, None] * higher[None, :]
                                  + is_low[:, None] * low[None, :]))
    stacked = np.stack(by_gender)  # (3, n, F)
    unrecorded = np.tensordot(GENDER_SHARES / GENDER_SHARES.sum(), stacked, axes=1)
    picked = stacked[np.clip(gender, 0, 2), np.arange(gender.size)]
    return np.where((gender < 0)[:, None], unrecorded, picked)


def second_family_given_first(affinity: np.ndarray) -> np.ndarray:
    """``P(s | f)`` (F, F): proportional to the squared affinity, never ``f`` itself."""
    near = affinity.copy()
    np.fill_diagonal(near, 0.0)
    return _softmax(np.log(np.maximum(near, 1e-9) ** 2), axis=1)


def occupation_weights(catalogue: OccupationCatalogue) -> tuple[np.ndarray, np.ndarray]:
    """Chance of each occupation within its family's draw, and its family."""
    weight = np.zeros(len(catalogue.occupations))
    family = np.array([occ.family for occ in catalogue.occupations])
    for members, cumulative in zip(catalogue.by_family, catalogue.cumulative_by_family, strict=False):
        edges = np.concatenate([[0.0], cumulative[:-1], [1.0]])
        weight[list(members)] = np.diff(edges)
    return weight, family


def _source_mix(own: float, second: float) -> np.ndarray:
    """``P(h | f, s)`` (F, F, F) for a draw from f, s or a uniform family."""
    n = N_FAMILIES
    eye = np.eye(n)
    return (own * eye[:, None, :] + second * eye[None, :, :]
            + (1.0 - own - second) / n)


def family_posterior(
    evidence: ExportedEvidence, affinity: np.ndarray, catalogue: OccupationCatalogue
) -> np.ndarray:
    """``P(f, s | evidence)`` as (n, F, F)."""
    n_fam = N_FAMILIES
    post = family_prior(evidence.gender, evidence.education)[:, :, None] * (
        second_family_given_first(affinity)[None, :, :]
    )
    weight, occ_family = occupation_weights(catalogue)
    draw_mix = _source_mix(DESIRED_FROM_OWN, DESIRED_FROM_SECOND)
    p1, p2, p3 = DESIRED_COUNT_P
    for i, desired in enumerate(evidence.desired):
        if not desired:
            continue
        q = [weight[o] * draw_mix[:, :, occ_family[o]] for o in desired]
        if len(q) == 1:
            like = p1 * q[0] + p2 * q[0] ** 2 + p3 * q[0] ** 3
        elif len(q) == 2:
            like = p2 * q[0] * q[1] + p3 * q[0] * q[1] * (2 * q[0] + q[1])
        else:
            like = p3 * q[0] * q[1] * q[2]
        post[i] *= like
    sector_mix = _source_mix(SECTOR_FROM_OWN, SECTOR_FROM_SECOND)
    named = evidence.sector_family >= 0
    post[named] *= np.moveaxis(sector_mix[:, :, evidence.sector_family[named]], 2, 0)
    post /= post.sum(axis=(1, 2), keepdims=True)
    assert post.shape == (evidence.n, n_fam, n_fam)
    return post


# ---- motivation -------------------------------------------------------------------------------


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    return ndtr(x)


def motivation_grid(coef_motivation: float) -> tuple[np.ndarray, np.ndarray]:
    """Motivation nodes (step ``GRID_STEP / coef``) and ``P(m) P(tier | m)`` per tier (3, J)."""
    step = GRID_STEP / coef_motivation
    half = int(np.ceil(MOTIVATION_RANGE / step))
    m = np.arange(-half, half + 1) * step
    prior = np.exp(-0.5 * m**2)
    high = 1.0 - _normal_cdf((TIER_CUT - m) / MOTIVATION_READING_SD)
    low = _normal_cdf((-TIER_CUT - m) / MOTIVATION_READING_SD)
    joint = prior[None, :] * np.stack([low, 1.0 - high - low, high])
    return m, joint / prior.sum()


def tier_weights(evidence: ExportedEvidence, joint: np.ndarray) -> np.ndarray:
    """``P(tier | evidence)`` (n, 3) for the tiers -1, 0, 1."""
    tier = evidence.motivation_tier
    out = np.zeros((evidence.n, 3))
    known = tier != UNKNOWN_TIER
    out[np.flatnonzero(known), tier[known] + 1] = 1.0
    if (~known).any():
        p_tier = joint.sum(axis=1)  # (3,)
        p_empty = EMPTY_BASE[None, :] * EMPTY_GAP[:, None]  # (3 tiers, 5 texts)
        e = evidence.empty[~known]  # (k, 5)
        like = np.prod(np.where(e[:, None, :], p_empty[None], 1.0 - p_empty[None]), axis=2)
        post = p_tier[None, :] * like
        out[~known] = post / post.sum(axis=1, keepdims=True)
    return out


# ---- the expectation --------------------------------------------------------------------------


def _fit_masses(affinity: np.ndarray, coef_fit: float, n_nodes: int) -> np.ndarray:
    """Per work family g: (F*F, n_nodes) weights of the fit term on its grid.

    Node k stands for a fit term of ``(k - 1) * FIT_STEP``. For each (f, s) the term is
    ``coef * max(a, v b)`` with ``a = A[f, g]``, ``b = A[s, g]``, ``v ~ U(lo, hi)``: an atom
    at ``coef a`` with ``P(v b <= a)`` and a uniform part, integrated by Gauss-Legendre and
    spread onto the grid with quadratic (Lagrange) weights.
    """
    n = N_FAMILIES
    lo_v, hi_v = SECOND_WEIGHT_RANGE
    x_gl, w_gl = np.polynomial.legendre.leggauss(LEGENDRE_NODES)
    out = np.zeros((n, n * n, n_nodes))
    for g in range(n):
        a = np.repeat(affinity[:, g], n)  # f varies slowest
        b = np.tile(affinity[:, g], n)
        p_atom = np.clip((a / b - lo_v) / (hi_v - lo_v), 0.0, 1.0)
        start = np.maximum(a, lo_v * b)
        end = np.maximum(hi_v * b, start)
        values = np.concatenate(
            [coef_fit * a[:, None],
             coef_fit * (start[:, None] + (end - start)[:, None] * (x_gl[None, :] + 1) / 2)],
            axis=1,
        )
        weights = np.concatenate(
            [p_atom[:, None], (1.0 - p_atom)[:, None] * w_gl[None, :] / 2], axis=1
        )
        pos = values / FIT_STEP + 1.0
        j = np.rint(pos).astype(int)
        u = pos - j
        rows = np.broadcast_to(np.arange(n * n)[:, None], j.shape)
        for shift, lagrange in ((-1, u * (u - 1) / 2), (0, 1.0 - u**2), (1, u * (u + 1) / 2)):
            np.add.at(out[g], (rows, j + shift), weights * lagrange)
    return out


def expected_p_good(
    model: OutcomeModel,
    evidence: ExportedEvidence,
    affinity: np.ndarray,
    catalogue: OccupationCatalogue,
    work_family: np.ndarray,
) -> np.ndarray:
    """``p_good_expected`` for every (candidate, work need): (n candidates, n works)."""
    k = model.coefficients
    score = model.exported_score_matrix()  # without the fit and motivation terms
    n_c, n_w = score.shape
    posterior = family_posterior(evidence, affinity, catalogue).reshape(n_c, -1)
    m_nodes, joint = motivation_grid(k.motivation)
    half = (m_nodes.size - 1) // 2
    n_fit = round(k.fit / FIT_STEP) + 3
    x_lo = float(np.floor(score.min())) - 2.0 * FIT_STEP - 1.0 if score.size else 0.0
    x_hi = float(np.ceil(score.max())) + k.fit + 2.0 * FIT_STEP + 1.0 if score.size else 1.0
    n_table = int(np.ceil((x_hi - x_lo) / GRID_STEP)) + 2
    y = x_lo + (np.arange(n_table + 2 * half) - half) * GRID_STEP
    smoothed = expected_sigmoid(y, model.sigma_hidden)
    by_tier = np.stack([
        np.correlate(smoothed, joint[t] / joint[t].sum(), mode="valid") for t in range(3)
    ])  # (3, n_table): E[sigmoid(x + b m + h) | tier]
    rho = tier_weights(evidence, joint)
    classes, cls = np.unique(rho, axis=0, return_inverse=True)
    cls = cls.reshape(-1)
    flat = (classes @ by_tier).ravel()  # one table per class of tier weights
    masses = _fit_masses(affinity, k.fit, n_fit)
    offsets = (np.arange(n_fit) - 1) * FIT_RATIO
    out = np.empty((n_c, n_w))
    for g in range(N_FAMILIES):
        works = np.flatnonzero(work_family == g)
        if works.size == 0:
            continue
        fit_mass = posterior @ masses[g]  # (n_c, n_fit)
        rows = max(1, CHUNK_ELEMENTS // (works.size * n_fit))
        for start in range(0, n_c, rows):
            sl = slice(start, min(start + rows, n_c))
            pos = (score[sl][:, works] - x_lo) / GRID_STEP
            i0 = np.floor(pos).astype(int)
            frac = (pos - i0)[:, :, None]
            idx = (cls[sl] * n_table)[:, None, None] + i0[:, :, None] + offsets[None, None, :]
            vals = (1.0 - frac) * flat[idx] + frac * flat[idx + 1]
            out[sl, works] = np.einsum("cwk,ck->cw", vals, fit_mass[sl])
    return np.clip(out, 0.0, 1.0)
