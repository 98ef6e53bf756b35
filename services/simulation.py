"""Simulate a municipality as an importable CSV folder with its hidden truth.

There is no public data set of real placements; the simulated municipality
(:mod:`training.simulator`) is what werkkans is demonstrated and measured on.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from services.errors import InvalidInput

__all__ = ["simulate_municipality", "simulate_region"]

Progress = Callable[[str, float], None]


def simulate_municipality(
    folder: Path,
    *,
    seed: int = 7,
    candidates: int = 2000,
    employers: int = 150,
    months: int = 12,
    progress: Progress | None = None,
    **options: Any,
) -> dict[str, int]:
    """Simulate and write the CSV folder and ``truth/``; returns the rows written per file.

    ``options`` are further :class:`training.simulator.SimulationConfig`
    fields (municipality, event sizes, ...). A value out of range is
    :class:`InvalidInput` naming it.
    """
    from training.simulator import SimulationConfig, simulate, write_world

    try:
        config = SimulationConfig(
            seed=seed, n_candidates=candidates, n_employers=employers, months=months, **options
        )
    except ValueError as exc:
        raise InvalidInput.of("config", str(exc)) from None
    world = simulate(config, progress=progress)
    if progress is not None:
        progress("schrijven", 1.0)
    return write_world(world, folder)


def simulate_region(
    folder: Path,
    *,
    municipalities: int,
    seed: int = 7,
    candidates: int = 2000,
    employers: int = 150,
    months: int = 12,
    progress: Progress | None = None,
    **options: Any,
) -> dict[str, int]:
    """Simulate ``municipalities`` municipalities of one labour-market region into one CSV
    folder (:mod:`training.simulator.region`); ``candidates`` and ``employers`` are the
    largest one's, the others are smaller in proportion to their population."""
    from training.simulator.region import region_configs, write_region

    try:
        configs = region_configs(
            municipalities, seed=seed, largest=candidates, employers=employers, months=months,
            **options,
        )
    except ValueError as exc:
        raise InvalidInput.of("config", str(exc)) from None
    return write_region(configs, folder, progress=progress)
