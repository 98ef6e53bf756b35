"""Simulate a municipality, or a labour-market region of several, as an importable CSV
folder with its hidden truth.

There is no public data set of real placements; the simulated municipality
(:mod:`training.simulator`) is what werkkans is demonstrated and measured on.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from services.errors import InvalidInput

__all__ = ["simulate_municipality"]

Progress = Callable[[str, float], None]


def simulate_municipality(
    folder: Path,
    *,
    seed: int = 7,
    candidates: int = 2000,
    employers: int = 150,
    months: int = 12,
    municipalities: int = 1,
    progress: Progress | None = None,
    **options: Any,
) -> dict[str, int]:
    """Simulate and write the CSV folder and ``truth/``; returns the rows written per file.

    With ``municipalities`` above 1, that many municipalities of one labour-market region
    go into the folder (:mod:`training.simulator.region`): ``candidates`` and ``employers``
    are then the largest one's, the others smaller in proportion to their population, and
    each one's truth is in ``truth/<code>/``.

    ``options`` are further :class:`training.simulator.SimulationConfig`
    fields (municipality, event sizes, ...). A value out of range is
    :class:`InvalidInput` naming it.
    """
    from training.simulator import SimulationConfig, simulate, write_world
    from training.simulator.region import region_configs, write_region

    try:
        configs = (
            region_configs(
                municipalities, seed=seed, largest=candidates, employers=employers,
                months=months, **options,
            )
            if municipalities > 1
            else [SimulationConfig(
                seed=seed, n_candidates=candidates, n_employers=employers, months=months,
                **options,
            )]
        )
    except ValueError as exc:
        raise InvalidInput.of("config", str(exc)) from None
    if len(configs) > 1:
        return write_region(configs, folder, progress=progress)
    world = simulate(configs[0], progress=progress)
    if progress is not None:
        progress("schrijven", 1.0)
    return write_world(world, folder)
