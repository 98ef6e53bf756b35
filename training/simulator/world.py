"""``simulate(config)``: a whole municipality, its history and the hidden truth behind it."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from matching.records.schemas import (
    Candidate,
    CheckIn,
    Employer,
    Event,
    EventTable,
    ExplorationDraw,
    Invitation,
    Municipality,
    Outcome,
    Record,
    TableMeeting,
    WorkNeed,
)
from training.simulator import records
from training.simulator.aftercare import draw_checkins
from training.simulator.candidate_texts import compose_candidate_texts
from training.simulator.config import SimulationConfig
from training.simulator.effect import programme_effect
from training.simulator.employers import draw_employers, draw_work_needs
from training.simulator.families import affinity_matrix
from training.simulator.history import simulate_history
from training.simulator.history_state import History, HistoryInputs
from training.simulator.occupations import load_catalogue
from training.simulator.outcome_model import OutcomeModel, p_base_monthly, sigmoid
from training.simulator.period import period_end
from training.simulator.population import draw_population
from training.simulator.posterior import expected_p_good, exported_evidence
from training.simulator.randomness import TextRandom, component_rng

logger = logging.getLogger(__name__)

#: Progress callback: ``progress(stage, fraction)`` with a Dutch stage label and the
#: fraction of the work done (0 to 1), ready for a progress bar.
Progress = Callable[[str, float], None]



@dataclass(eq=False)
class WorldTruth:
    """Everything hidden from the exported records, for evaluation and analysis."""

    candidate_ids: list[str]
    work_need_ids: list[str]
    score: np.ndarray  # observable latent score s (candidates x work needs)
    chemistry: np.ndarray  # realised per-pair hidden term e_cw
    circumstances: np.ndarray  # realised per-candidate hidden term u_c
    p_good: np.ndarray
    p_good_expected: np.ndarray
    p_base: np.ndarray  # monthly
    comparison: np.ndarray
    treated: np.ndarray
    caseload_months: np.ndarray
    candidate_family: np.ndarray
    candidate_second_family: np.ndarray
    candidate_second_weight: np.ndarray
    candidate_motivation: np.ndarray
    candidate_rm_belief: np.ndarray
    candidate_revealed_family: np.ndarray
    work_family: np.ndarray
    work_occupation_uri: list[str]
    work_skill: np.ndarray
    affinity: np.ndarray
    sigma_circumstances: float
    sigma_chemistry: float
    effect: dict[str, object]
    model: dict[str, object]
    _candidate_index: dict[str, int] = field(default_factory=dict, repr=False)
    _work_index: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._candidate_index = {cid: i for i, cid in enumerate(self.candidate_ids)}
        self._work_index = {wid: j for j, wid in enumerate(self.work_need_ids)}

    @property
    def sigma_hidden(self) -> float:
        return float(np.hypot(self.sigma_circumstances, self.sigma_chemistry))

    def candidate_index(self, candidate: Candidate | str) -> int:
        key = candidate if isinstance(candidate, str) else candidate.id
        try:
            return self._candidate_index[key]
        except KeyError:
            raise KeyError(f"unknown candidate {key!r}") from None

    def work_index(self, work_need: WorkNeed | str) -> int:
        key = work_need if isinstance(work_need, str) else work_need.id
        try:
            return self._work_index[key]
        except KeyError:
            raise KeyError(f"unknown work need {key!r}") from None

    def hidden_variance_share(self) -> float:
        """Share of the latent score's variance (over all pairs) in never-exported terms."""
        hidden = self.circumstances[:, None] + self.chemistry
        total_var = float((self.score + hidden).var())
        if self.score.size < 2 or total_var <= 0:
            # a single pair has no spread: fall back on the model's own decomposition
            return self.sigma_hidden**2 / (float(self.score.var()) + self.sigma_hidden**2)
        return float(hidden.var()) / total_var


@dataclass(eq=False)
class SimulatedWorld:
    """A simulated municipality: importable records plus the hidden truth."""

    config: SimulationConfig
    candidates: list[Candidate]
    employers: list[Employer]
    work_needs: list[WorkNeed]
    events: list[Event]
    event_tables: list[EventTable]
    invitations: list[Invitation]
    meetings: list[TableMeeting]
    outcomes: list[Outcome]
    checkins: list[CheckIn]
    truth: WorldTruth

    def records(self) -> dict[type[Record], list[Record]]:
        """Records by type, in dependency order (the input of ``write_folder``)."""
        c = self.config
        return {
            Municipality: [
                Municipality(id=c.municipality, municipality=c.municipality,
                             name=c.municipality_name, region=c.region)
            ],
            Candidate: list(self.candidates),
            Employer: list(self.employers),
            WorkNeed: list(self.work_needs),
            Event: list(self.events),
            EventTable: list(self.event_tables),
            Invitation: list(self.invitations),
            ExplorationDraw: [],  # the simulated relationship managers invite by hand
            TableMeeting: list(self.meetings),
            Outcome: list(self.outcomes),
            CheckIn: list(self.checkins),
        }

    def p_good(self, candidate: Candidate | str, work_need: WorkNeed | str) -> float:
        """True chance of a good outcome (WEP or job within 3 months) if they meet."""
        t = self.truth
        return float(t.p_good[t.candidate_index(candidate), t.work_index(work_need)])

    def p_good_expected(self, candidate: Candidate | str, work_need: WorkNeed | str) -> float:
        """``p_good`` averaged over all that is never exported, given what the records show."""
        t = self.truth
        return float(t.p_good_expected[t.candidate_index(candidate), t.work_index(work_need)])

    def p_base(self, candidate: Candidate | str) -> float:
        """Monthly chance the candidate finds work without any event."""
        return float(self.truth.p_base[self.truth.candidate_index(candidate)])

    @property
    def period_end(self) -> dt.date:
        return period_end(self.config.start_date, self.config.months)


def simulate(config: SimulationConfig, progress: Progress | None = None) -> SimulatedWorld:
    """Simulate a municipality's caseload, employers, events, outcomes and aftercare.

    Parameters
    ----------
    config
        What to simulate; the same config always gives the same world.
    progress
        Optional ``progress(stage, fraction)`` callback for long runs: a Dutch stage
        label and the fraction done (0 to 1). The CLI shows it; nothing is printed here.

    Returns
    -------
    SimulatedWorld
        Records that pass the schemas, plus the hidden truth (``world.truth``).

    Examples
    --------
    >>> world = simulate(SimulationConfig(seed=1, n_candidates=60, n_employers=8, months=2))
    >>> len(world.candidates)
    60
    """
    if not isinstance(config, SimulationConfig):
        raise TypeError(f"config must be a SimulationConfig, got {type(config).__name__}")

    def report(stage: str, fraction: float) -> None:
        if progress is not None:
            progress(stage, fraction)

    seed = config.seed
    report("kandidaten en werkgevers", 0.0)
    catalogue = load_catalogue()
    affinity = affinity_matrix(component_rng(seed, "families"))
    geo_rng = component_rng(seed, "geography")
    candidates = draw_population(
        component_rng(seed, "candidates"),
        config.n_candidates,
        affinity,
        config.start_date,
        config.months,
        geo_rng,
    )
    employers = draw_employers(
        component_rng(seed, "employers"), geo_rng, config.n_employers, config.start_date,
        config.months,
    )
    works = draw_work_needs(
        component_rng(seed, "work_needs"),
        employers,
        catalogue,
        config.work_needs_per_employer,
        config.start_date,
        config.months,
    )
    report("teksten", 0.15)
    texts = compose_candidate_texts(
        TextRandom(component_rng(seed, "candidate_texts")), candidates, catalogue
    )
    employer_list, names, kinds = records.employer_records(config, employers)
    work_tr = TextRandom(component_rng(seed, "work_texts"))
    report("uitkomstmodel", 0.3)

    model = OutcomeModel(candidates, works, employers, affinity)
    score = model.score_matrix(candidates.n, works.n)
    chemistry = component_rng(seed, "hidden").normal(
        0.0, model.sigma_chemistry, size=score.shape
    )
    p_good = sigmoid(score + candidates.circumstances[:, None] + chemistry)
    p_base = p_base_monthly(candidates)
    report("maanden", 0.45)

    n_comparison = round(config.comparison_share * candidates.n)
    comparison = np.zeros(candidates.n, dtype=bool)
    comparison[component_rng(seed, "comparison").permutation(candidates.n)[:n_comparison]] = True

    width = records.id_width(candidates.n)
    candidate_ids = [f"c{i + 1:0{width}d}" for i in range(candidates.n)]
    employer_ids = [r.id for r in employer_list]
    work_ids = [f"w{j + 1:0{records.id_width(works.n)}d}" for j in range(works.n)]
    history = simulate_history(
        HistoryInputs(
            config=config,
            candidates=candidates,
            texts=texts,
            employers=employers,
            employer_names=names,
            works=works,
            catalogue=catalogue,
            affinity=affinity,
            score=score,
            p_good=p_good,
            p_base=p_base,
            comparison=comparison,
            candidate_ids=candidate_ids,
            employer_ids=employer_ids,
            work_ids=work_ids,
        ),
        component_rng(seed, "history"),
        component_rng(seed, "caseload"),
        component_rng(seed, "base_outflow"),
        progress=None if progress is None else (
            lambda done, total: progress("maanden", 0.45 + 0.45 * done / max(total, 1))
        ),
    )
    end = period_end(config.start_date, config.months)
    checkins = draw_checkins(
        component_rng(seed, "aftercare"), history.placements, config.municipality, end
    )
    report("records maken", 0.9)
    candidate_list = records.candidate_records(
        config, candidates, texts, catalogue, history, candidate_ids
    )
    work_list = records.work_records(
        config, works, employers, names, kinds, catalogue, history, work_tr, employer_ids,
        work_ids,
    )
    # expectation of p_good given the exported records (needs them: gender may be unrecorded)
    p_good_expected = expected_p_good(
        model, exported_evidence(candidate_list, texts, catalogue), affinity, catalogue,
        works.family,
    )
    effect = programme_effect(history, p_good, p_base, comparison, candidates.consent_events)
    truth = WorldTruth(
        candidate_ids=candidate_ids,
        work_need_ids=work_ids,
        score=score,
        chemistry=chemistry,
        circumstances=candidates.circumstances,
        p_good=p_good,
        p_good_expected=p_good_expected,
        p_base=p_base,
        comparison=comparison,
        treated=history.invited > 0,
        caseload_months=history.caseload_months,
        candidate_family=candidates.family,
        candidate_second_family=candidates.second_family,
        candidate_second_weight=candidates.second_weight,
        candidate_motivation=candidates.motivation,
        candidate_rm_belief=history.rm_belief,
        candidate_revealed_family=np.array([t.revealed_family for t in texts]),
        work_family=works.family,
        work_occupation_uri=[catalogue.occupations[int(k)].uri for k in works.occupation],
        work_skill=works.skill,
        affinity=affinity,
        sigma_circumstances=model.sigma_circumstances,
        sigma_chemistry=model.sigma_chemistry,
        effect=effect,
        model={},
    )
    truth.model = _model_summary(model, truth, history)
    report("records maken", 0.95)
    world = SimulatedWorld(
        config=config,
        candidates=candidate_list,
        employers=employer_list,
        work_needs=work_list,
        events=history.events,
        event_tables=history.tables,
        invitations=history.invitations,
        meetings=history.meetings,
        outcomes=history.outcomes,
        checkins=checkins,
        truth=truth,
    )
    logger.info(
        "simulated %d candidates, %d employers, %d work needs, %d events, %d outcomes",
        len(candidate_list), len(employer_list), len(work_list), len(history.events),
        len(history.outcomes),
    )
    report("klaar", 1.0)
    return world


def _model_summary(model: OutcomeModel, truth: WorldTruth, history: History) -> dict[str, object]:
    met = [(i, wj) for i, works in enumerate(history.meeting_works) for wj in works]
    met_p = np.array([truth.p_good[i, wj] for i, wj in met]) if met else np.zeros(0)
    summary = model.describe()
    summary.update(
        {
            "hidden_variance_share": round(truth.hidden_variance_share(), 6),
            "observable_score_variance": round(float(truth.score.var()), 6),
            "hidden_variance": round(truth.sigma_hidden**2, 6),
            "mean_p_good_all_pairs": round(float(truth.p_good.mean()), 6),
            "mean_p_good_meetings": round(float(met_p.mean()), 6) if met_p.size else None,
            "n_meetings": len(met),
        }
    )
    return summary
