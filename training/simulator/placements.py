"""Outcome records: what a meeting or one's own job search led to, with its details.

Contract form decides job or WEP, jobs get a contract type, hours come from where the
candidate's and the work's ranges overlap, start dates fall 1-11 weeks after the event
and ``recorded_on`` never lies after the end of the period.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from matching.records.enums import ContractForm, ContractType, OutcomeKind, Support
from matching.records.schemas import Outcome
from training.simulator.history_state import History, HistoryInputs, Placement
from training.simulator.period import add_months, month_start

#: Chance that a good outcome is a regular job (else a WEP), by the work's contract form.
JOB_SHARE = {
    ContractForm.REGULAR: 0.92,
    ContractForm.WEP: 0.18,
    ContractForm.TRIAL: 0.55,
    ContractForm.WORK_LEARNING: 0.60,
}
CONTRACT_TYPES: tuple[ContractType, ...] = (
    ContractType.FIXED_6M, ContractType.FIXED_12M, ContractType.PERMANENT, ContractType.PAYROLL
)
CONTRACT_TYPE_SHARES = (0.38, 0.27, 0.10, 0.25)
BASE_JOB_SHARE = 0.7  # work found on one's own: a job, else a WEP found elsewhere
TRIAL_SHARE = 0.2  # follow-ups that turn into a trial placement without a good outcome


def draw_contract_type(rng: np.random.Generator) -> ContractType:
    return CONTRACT_TYPES[int(rng.choice(len(CONTRACT_TYPES), p=CONTRACT_TYPE_SHARES))]


def planned_end(
    rng: np.random.Generator,
    kind: OutcomeKind,
    contract: ContractType | None,
    start: dt.date,
) -> dt.date | None:
    """Planned end: WEPs run 3 or 6 months, trials 4-8 weeks, fixed contracts their term."""
    if kind is OutcomeKind.WEP:
        return add_months(start, int(rng.choice([3, 6]))) - dt.timedelta(days=1)
    if kind is OutcomeKind.TRIAL:
        return start + dt.timedelta(weeks=int(rng.choice([4, 6, 8])), days=-1)
    if contract is ContractType.FIXED_6M:
        return add_months(start, 6) - dt.timedelta(days=1)
    if contract is ContractType.FIXED_12M:
        return add_months(start, 12) - dt.timedelta(days=1)
    return None


def record_base_outcome(
    hist: History,
    inputs: HistoryInputs,
    i: int,
    m: int,
    rng: np.random.Generator,
    end: dt.date,
    outcome_id: str,
) -> None:
    """Work found on one's own in month ``m``: a job or WEP without employer or event."""
    cfg, c = inputs.config, inputs.candidates
    is_job = rng.random() < BASE_JOB_SHARE
    start = month_start(cfg.start_date, m) + dt.timedelta(days=int(rng.integers(0, 28)))
    start = min(start, end)
    recorded = min(start + dt.timedelta(days=int(rng.integers(0, 15))), end)
    hours = int(max(c.hours_max[i] - 4 * rng.integers(0, 3), max(c.hours_min[i], 8)))
    hours = min(hours, 40)
    contract = draw_contract_type(rng) if is_job else None
    end_date = planned_end(rng, OutcomeKind.JOB if is_job else OutcomeKind.WEP, contract, start)
    kind = OutcomeKind.JOB if is_job else OutcomeKind.WEP
    hist.outcomes.append(
        Outcome(
            id=outcome_id,
            municipality=cfg.municipality,
            candidate_id=inputs.candidate_ids[i],
            kind=kind,
            contract_type=contract,
            hours=hours,
            start_date=start,
            end_date=end_date,
            wage_subsidy=bool(is_job and rng.random() < 0.1),
            recorded_on=recorded,
        )
    )
    hist.placements.append(Placement(outcome_id, kind, contract, start, end_date, hours, None))
    hist.good_month[i] = m
    hist.good_channel[i] = History.CHANNEL_BASE


def meeting_outcome(
    hist: History,
    inputs: HistoryInputs,
    i: int,
    wj: int,
    employer: int,
    event_id: str,
    day: dt.date,
    end: dt.date,
    kind: OutcomeKind,
    rng: np.random.Generator,
    outcome_id: str,
) -> Outcome:
    """The outcome record of one meeting (every meeting has exactly one)."""
    cfg, c, w, e = inputs.config, inputs.candidates, inputs.works, inputs.employers
    base = {
        "id": outcome_id,
        "municipality": cfg.municipality,
        "candidate_id": inputs.candidate_ids[i],
        "employer_id": inputs.employer_ids[employer],
        "work_need_id": inputs.work_ids[wj],
        "event_id": event_id,
        "kind": kind,
    }
    if not kind.is_placement:
        recorded = min(day + dt.timedelta(days=int(rng.integers(1, 11))), end)
        return Outcome(**base, recorded_on=recorded)
    recorded = day + dt.timedelta(days=int(rng.integers(7, 36)))
    start = recorded + dt.timedelta(days=int(rng.integers(0, 46)))
    recorded = min(recorded, end)
    lo = max(int(c.hours_min[i]), int(w.hours_min[wj]))
    hi = min(int(c.hours_max[i]), int(w.hours_max[wj]))
    if lo <= hi:
        hours = int(rng.integers(max(lo, hi - 8), hi + 1))
    else:
        hours = int(max(min(int(c.hours_max[i]), int(w.hours_max[wj])), 4))
    contract = draw_contract_type(rng) if kind is OutcomeKind.JOB else None
    subsidy = False
    if kind is OutcomeKind.JOB:
        qualifies = bool(c.banenafspraak[i]) or int(c.rung[i]) <= 4
        valued = bool(e.values(employer, Support.WAGE_SUBSIDY))
        subsidy = bool(rng.random() < (0.6 if qualifies and valued else 0.08))
    outcome = Outcome(
        **base,
        contract_type=contract,
        hours=hours,
        start_date=start,
        end_date=planned_end(rng, kind, contract, start),
        wage_subsidy=subsidy,
        recorded_on=recorded,
    )
    if kind.is_good:
        hist.placements.append(
            Placement(outcome_id, kind, contract, start, outcome.end_date, hours,
                      float(inputs.p_good[i, wj]))
        )
    return outcome
