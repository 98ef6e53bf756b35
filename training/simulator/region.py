"""Several simulated municipalities of one labour-market region, in one importable folder.

Each municipality is a world of its own (:func:`training.simulator.simulate`, its own seed
and size) whose geography is moved to where the municipality lies, so the towns of a region
sit 5 to 25 km apart and people near a border can reach work on the other side. Names,
CBS codes, places and relative sizes are those of Midden-Brabant (and neighbouring
Oosterhout); caseloads are proportional to population, the largest one as asked.

60 % of the candidates who consented to matching agree to regional sharing
(``consent_region``; drawn with a random component of its own, so the municipality's
other records are those it would have alone).

Every id starts with its municipality's code (``GM0855-c0001``), so two municipalities
never collide; ``municipalities.csv`` names the region, and each municipality's hidden
truth is written to ``truth/<code>/``. The truth covers pairs within a municipality only:
what a candidate would do with another municipality's employer is not simulated.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from matching.records.csv_io import write_folder
from matching.records.schemas import RECORD_TYPES, REFERENCES, Candidate, Municipality, Record
from training.simulator.config import SimulationConfig
from training.simulator.geography import TOWN_CENTRE
from training.simulator.randomness import component_rng
from training.simulator.world import SimulatedWorld, simulate
from training.simulator.writer import TRUTH_DIR, write_truth

REGION = "Midden-Brabant"

#: (CBS code, name, inhabitants in thousands, centre latitude, centre longitude)
MEMBERS: tuple[tuple[str, str, int, float, float], ...] = (
    ("GM0855", "Tilburg", 224, 51.5606, 5.0919),
    ("GM0826", "Oosterhout", 57, 51.6450, 4.8600),
    ("GM0867", "Waalwijk", 49, 51.6826, 5.0700),
    ("GM0797", "Heusden", 45, 51.7310, 5.1390),
    ("GM0824", "Oisterwijk", 33, 51.5790, 5.1890),
    ("GM0766", "Dongen", 27, 51.6270, 4.9390),
    ("GM0784", "Gilze en Rijen", 27, 51.5880, 4.9250),
    ("GM0785", "Goirle", 24, 51.5210, 5.0670),
    ("GM0809", "Loon op Zand", 23, 51.6280, 5.0760),
    ("GM0798", "Hilvarenbeek", 16, 51.4860, 5.1370),
)
MAX_MUNICIPALITIES = len(MEMBERS)
#: Smallest caseload and employer network of a simulated municipality.
MIN_CANDIDATES, MIN_EMPLOYERS = 60, 10
#: Share of candidates (of those who consented to matching) who agree to regional sharing.
REGION_CONSENT_SHARE = 0.6

_REFERENCE_FIELDS: dict[type[Record], list[str]] = {
    t: [name for (source, name) in REFERENCES if source is t] for t in RECORD_TYPES
}


def region_configs(
    n: int, *, seed: int, largest: int, employers: int, months: int, **options: object
) -> list[SimulationConfig]:
    """The configs of the region's first ``n`` municipalities (largest first)."""
    if not 1 <= n <= MAX_MUNICIPALITIES:
        raise ValueError(f"municipalities must be 1 to {MAX_MUNICIPALITIES}, got {n}")
    biggest = MEMBERS[0][2]
    return [
        SimulationConfig(
            seed=seed * 1000 + i,
            n_candidates=max(MIN_CANDIDATES, round(largest * people / biggest)),
            n_employers=max(MIN_EMPLOYERS, round(employers * people / biggest)),
            months=months,
            municipality=code,
            municipality_name=name,
            region=REGION,
            **options,  # type: ignore[arg-type]
        )
        for i, (code, name, people, _lat, _lon) in enumerate(MEMBERS[:n])
    ]


def placed(world: SimulatedWorld) -> tuple[dict[type[Record], list[Record]], SimulatedWorld]:
    """The world's records and truth with ids prefixed by its code and places moved to its
    municipality's centre."""
    code = world.config.municipality
    lat, lon = next((m[3], m[4]) for m in MEMBERS if m[0] == code)
    d_lat, d_lon = lat - TOWN_CENTRE[0], lon - TOWN_CENTRE[1]
    prefix = f"{code}-"
    agrees = component_rng(world.config.seed, "region_consent").random(len(world.candidates))
    shares = {
        c.id: bool(c.consent_matching and a < REGION_CONSENT_SHARE)
        for c, a in zip(world.candidates, agrees, strict=True)
    }

    def move(record: Record) -> Record:
        changes: dict[str, object] = {"id": prefix + record.id}
        if isinstance(record, Candidate):
            changes["consent_region"] = shares[record.id]
        for name in _REFERENCE_FIELDS.get(type(record), []):
            value = getattr(record, name)
            if value is not None:
                changes[name] = prefix + value
        if getattr(record, "lat", None) is not None:
            changes["lat"] = round(record.lat + d_lat, 6)  # type: ignore[attr-defined]
            changes["lon"] = round(record.lon + d_lon, 6)  # type: ignore[attr-defined]
        return record.model_copy(update=changes)

    records = {
        t: (rows if t is Municipality else [move(r) for r in rows])
        for t, rows in world.records().items()
    }
    truth = dataclasses.replace(
        world.truth,
        candidate_ids=[prefix + i for i in world.truth.candidate_ids],
        work_need_ids=[prefix + i for i in world.truth.work_need_ids],
    )
    return records, dataclasses.replace(world, truth=truth)


def write_region(
    configs: list[SimulationConfig],
    out_dir: Path | str,
    progress: Callable[[str, float], None] | None = None,
) -> dict[str, int]:
    """Simulate every municipality and write one CSV folder with ``truth/<code>/`` each.

    Returns the rows written per record file, over all municipalities.
    """
    out = Path(out_dir)
    merged: dict[type[Record], list[Record]] = {}
    worlds = []
    for i, config in enumerate(configs):
        def step(stage: str, done: float, i: int = i, name: str = config.municipality_name) -> None:
            if progress is not None:
                progress(f"{name}: {stage}", (i + done) / (len(configs) + 1))

        records, world = placed(simulate(config, progress=step))
        worlds.append(world)
        for record_type, rows in records.items():
            merged.setdefault(record_type, []).extend(rows)
    if progress is not None:
        progress("schrijven", len(configs) / (len(configs) + 1))
    counts = dict(write_folder(out, merged))
    for world in worlds:
        write_truth(world, out / TRUTH_DIR / world.config.municipality)
    if progress is not None:
        progress("schrijven", 1.0)
    return counts
