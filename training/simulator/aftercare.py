"""Aftercare (nazorg) check-ins at 1, 3, 6 and 12 months after a placement starts.

Only check-ins whose date falls within the simulated period are written. A placement
ends at an exponentially distributed time (monthly hazard higher for weaker matches),
when a fixed contract is not renewed, or when a WEP ends without a follow-on job; the
first check-in after that says *stopped* with a Dutch reason, and none follow. So
sustained placement at 6 and 12 months can be read off the check-ins.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from matching.records.enums import CheckInStatus, ContractType, OutcomeKind
from matching.records.schemas import CheckIn
from training.simulator.history_state import Placement
from training.simulator.period import add_months

CHECKIN_MONTHS = (1, 3, 6, 12)
BASE_HAZARD = 0.045  # monthly, for work found outside werkkans
NOT_RENEWED = 0.35  # fixed contracts not renewed at their end
WEP_TO_JOB = 0.45  # WEPs that turn into a job when they end
HOURS_CHANGED = 0.12

STOP_REASONS: tuple[str, ...] = (
    "Het werk bleek lichamelijk te zwaar.",
    "Conflict met een leidinggevende.",
    "Gezondheidsklachten, langdurig ziek gemeld.",
    "Het reizen naar het werk lukte niet.",
    "Kinderopvang viel weg.",
    "Proeftijd niet gehaald.",
    "Werkgever had te weinig werk.",
    "Kandidaat vond het werk niet passend.",
    "Te veel stress door de werkdruk.",
    "Kandidaat is verhuisd.",
    "Problemen thuis, eerst stabiliseren.",
    "Kandidaat is een opleiding gaan volgen.",
)
REASON_NOT_RENEWED = ("Contract niet verlengd.", "Tijdelijk contract liep af zonder verlenging.")
REASON_WEP_ENDED = (
    "Werkervaringsplaats afgerond zonder vervolg.",
    "Werkervaringsplaats afgelopen, geen baan bij deze werkgever.",
)


def _hazard(placement: Placement) -> float:
    if placement.p_good is None:
        return BASE_HAZARD
    return 0.025 + 0.06 * (1.0 - placement.p_good) ** 2


def _planned_stop(rng: np.random.Generator, placement: Placement) -> tuple[float, tuple[str, ...]]:
    """Month at which the contract form ends the placement, with reasons; inf if it does not."""
    if placement.kind is OutcomeKind.WEP and placement.end_date is not None:
        length = (placement.end_date - placement.start_date).days / 30.4
        if rng.random() >= WEP_TO_JOB:
            return length, REASON_WEP_ENDED
    elif placement.contract_type is ContractType.FIXED_6M and rng.random() < NOT_RENEWED:
        return 6.0, REASON_NOT_RENEWED
    elif placement.contract_type is ContractType.FIXED_12M and rng.random() < NOT_RENEWED:
        return 12.0, REASON_NOT_RENEWED
    return float("inf"), STOP_REASONS


def draw_checkins(
    rng: np.random.Generator,
    placements: list[Placement],
    municipality: str,
    period_end: dt.date,
) -> list[CheckIn]:
    """Check-ins of every placement that fall within the period, in placement order."""
    out: list[CheckIn] = []
    for placement in placements:
        quit_at = float(rng.exponential(1.0 / _hazard(placement)))
        planned_at, planned_reasons = _planned_stop(rng, placement)
        stop_at = min(quit_at, planned_at)
        reasons = planned_reasons if planned_at <= quit_at else STOP_REASONS
        hours = placement.hours
        for month in CHECKIN_MONTHS:
            date = add_months(placement.start_date, month) + dt.timedelta(
                days=int(rng.integers(-3, 8))
            )
            if date > period_end:
                break
            if stop_at <= month:
                out.append(
                    CheckIn(
                        id=f"{placement.outcome_id}-n{month:02d}",
                        municipality=municipality,
                        outcome_id=placement.outcome_id,
                        month=month,
                        date=date,
                        status=CheckInStatus.STOPPED,
                        hours=0,
                        reason=reasons[int(rng.integers(0, len(reasons)))],
                    )
                )
                break
            status = CheckInStatus.WORKING
            if rng.random() < HOURS_CHANGED:
                status = CheckInStatus.HOURS_CHANGED
                step = int(rng.choice([-8, -4, 4, 8]))
                changed = int(np.clip(hours + step, 4, 40))
                hours = changed if changed != hours else int(np.clip(hours - step, 4, 40))
            out.append(
                CheckIn(
                    id=f"{placement.outcome_id}-n{month:02d}",
                    municipality=municipality,
                    outcome_id=placement.outcome_id,
                    month=month,
                    date=date,
                    status=status,
                    hours=hours,
                )
            )
    return out
