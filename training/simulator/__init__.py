"""The simulated municipality: a seeded world with a hidden ground-truth outcome model.

>>> from training.simulator import SimulationConfig, simulate, write_world
>>> world = simulate(SimulationConfig(seed=3, n_candidates=50, n_employers=6, months=2))
>>> world.p_good(world.candidates[0], world.work_needs[0]) > 0
True
"""

from training.simulator.config import SimulationConfig, validate_config
from training.simulator.world import Progress, SimulatedWorld, WorldTruth, simulate
from training.simulator.writer import write_world

__all__ = [
    "Progress",
    "SimulatedWorld",
    "SimulationConfig",
    "WorldTruth",
    "simulate",
    "validate_config",
    "write_world",
]
