"""Settings of one simulated municipality, checked before anything is generated."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_MUNICIPALITY_PATTERN = re.compile(r"^[A-Za-z0-9_\-]{1,40}$")

#: Above this many (candidate, work need) pairs the truth matrices stop fitting comfortably
#: in memory (two float64 matrices plus temporaries).
MAX_PAIRS = 25_000_000


@dataclass(frozen=True)
class SimulationConfig:
    """What to simulate.

    Parameters
    ----------
    seed
        Seed of every random draw; the same config gives byte-identical output.
    n_candidates, n_employers
        Size of the caseload and of the employer network.
    months
        Length of the simulated period; one *prettig gesprek* per month.
    start_date
        First day of the period (the first event falls in this month).
    municipality
        Municipality code written on every record (CBS code of Tilburg by default,
        whose geography the simulator borrows).
    municipality_name, region
        Written to ``municipalities.csv``: the municipality's name and its
        labour-market region ("" for none).
    comparison_share
        Share of candidates drawn at random before the start who are never invited.
    employers_per_event, seats_per_table, candidates_per_event, rounds
        Shape of an event: one table per employer, ``rounds`` conversation rounds,
        every candidate at a different table each round.
    minutes_per_round
        Written on the event record.
    invitations_per_seat
        Invitations sent per planned candidate place (declines and no-shows).
    decline_rate
        Share of invitations declined.
    attendance_rate
        Share of accepted invitations where the candidate shows up.
    work_needs_per_employer
        Mean number of work needs per employer (at least one each).

    Examples
    --------
    >>> SimulationConfig(seed=7, n_candidates=500, n_employers=40, months=6).months
    6
    """

    seed: int = 0
    n_candidates: int = 2000
    n_employers: int = 150
    months: int = 12
    start_date: dt.date = dt.date(2025, 1, 1)
    municipality: str = "GM0855"
    municipality_name: str = "Tilburg"
    region: str = ""
    comparison_share: float = 0.3
    employers_per_event: int = 5
    seats_per_table: int = 6
    candidates_per_event: int = 30
    rounds: int = 3
    minutes_per_round: int = 20
    invitations_per_seat: float = 1.3
    decline_rate: float = 0.12
    attendance_rate: float = 0.8
    work_needs_per_employer: float = 2.6

    def __post_init__(self) -> None:
        validate_config(self)


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    if value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")


def _check_share(name: str, value: object, *, high_open: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not 0.0 <= float(value) <= 1.0 or (high_open and float(value) >= 1.0):
        bound = "< 1" if high_open else "<= 1"
        raise ValueError(f"{name} must be >= 0 and {bound}, got {value}")


def validate_config(config: SimulationConfig) -> None:
    """Raise a clear ``ValueError``/``TypeError`` naming the first bad setting."""
    _check_int("seed", config.seed, 0, 2**63 - 1)
    _check_int("n_candidates", config.n_candidates, 1, 1_000_000)
    _check_int("n_employers", config.n_employers, 1, 100_000)
    _check_int("months", config.months, 1, 120)
    _check_int("employers_per_event", config.employers_per_event, 1, 50)
    _check_int("seats_per_table", config.seats_per_table, 1, 50)
    _check_int("candidates_per_event", config.candidates_per_event, 1, 5000)
    _check_int("rounds", config.rounds, 1, 20)
    _check_int("minutes_per_round", config.minutes_per_round, 5, 240)
    if config.rounds > config.employers_per_event:
        raise ValueError(
            f"rounds must be <= employers_per_event ({config.employers_per_event}): a candidate "
            f"meets a different employer each round, got rounds={config.rounds}"
        )
    if not isinstance(config.start_date, dt.date) or isinstance(config.start_date, dt.datetime):
        raise TypeError(f"start_date must be a datetime.date, got {config.start_date!r}")
    if not 2000 <= config.start_date.year <= 2100:
        raise ValueError(f"start_date must lie between 2000 and 2100, got {config.start_date}")
    if not isinstance(config.municipality, str) or not _MUNICIPALITY_PATTERN.match(
        config.municipality
    ):
        raise ValueError(
            "municipality must be 1-40 letters, digits, '_' or '-', "
            f"got {config.municipality!r}"
        )
    _check_share("comparison_share", config.comparison_share, high_open=True)
    _check_share("decline_rate", config.decline_rate, high_open=True)
    _check_share("attendance_rate", config.attendance_rate)
    if config.attendance_rate <= 0:
        raise ValueError(f"attendance_rate must be > 0, got {config.attendance_rate}")
    if isinstance(config.invitations_per_seat, bool) or not isinstance(
        config.invitations_per_seat, (int, float)
    ):
        raise TypeError(
            f"invitations_per_seat must be a number, got {config.invitations_per_seat!r}"
        )
    if not 1.0 <= config.invitations_per_seat <= 5.0:
        raise ValueError(
            f"invitations_per_seat must be between 1 and 5, got {config.invitations_per_seat}"
        )
    if isinstance(config.work_needs_per_employer, bool) or not isinstance(
        config.work_needs_per_employer, (int, float)
    ):
        raise TypeError(
            f"work_needs_per_employer must be a number, got {config.work_needs_per_employer!r}"
        )
    if not 1.0 <= config.work_needs_per_employer <= 10.0:
        raise ValueError(
            "work_needs_per_employer must be between 1 and 10, "
            f"got {config.work_needs_per_employer}"
        )
    expected_pairs = config.n_candidates * config.n_employers * config.work_needs_per_employer
    if expected_pairs > MAX_PAIRS:
        raise ValueError(
            f"n_candidates x work needs is about {expected_pairs:,.0f} pairs; the truth matrix "
            f"supports at most {MAX_PAIRS:,} (lower n_candidates or n_employers)"
        )
