"""The ESCO occupations the simulated municipality works with, grouped by hidden family.

Source: ESCO, European Commission, version 1.2, reused under its reuse policy.
Only occupations in the families' ISCO unit groups are kept, minus a few kinds of
work that do not exist around Tilburg or are out of reach for this caseload
(aviation, shipping, mining, ...).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from training.simulator.families import FAMILIES

#: Substrings of preferred labels left out: not found in the region or not for this caseload.
EXCLUDED_WORDS: tuple[str, ...] = (
    "astronaut", "berg", "bodyguard", "casino", "duik", "escort", "golf", "helikopter",
    "hoefsmid", "hoogoven", "kabelbaan", "lucht- en ruimtevaart", "luchthaven", "luchtvaart",
    "mijn", "munitie", "nucleair", "offshore", "pels", "raffinaderij", "rollend materieel",
    "scheeps", "schaats", "ski", "snowboard", "tram", "trolleybus", "vliegtuig", "voogd",
    "vuurwerk", "wapen", "wijn", "aquacultuur", "vaartuig", "pyrotechn", "balsem",
    "ingenieur", "manager", "investeerder", "makelaar", "edelsteen", "antiquair", "sigar",
)

#: Share of a family's draws that go to its common ("core") occupations.
CORE_SHARE = 0.6


@dataclass(frozen=True)
class SimOccupation:
    """An ESCO occupation as the simulator uses it."""

    uri: str
    label: str
    alt_labels: tuple[str, ...]
    description: str
    isco_group: str
    family: int  # index into FAMILIES (hidden)
    skill: int  # ISCO skill level: 1 elementary, 2 most of major groups 4-8, 3 technicians
    core: bool  # one of the family's common occupations, drawn more often


@dataclass(frozen=True)
class OccupationCatalogue:
    """Occupations per family, with sampling weights."""

    occupations: tuple[SimOccupation, ...]
    by_family: tuple[tuple[int, ...], ...]  # occupation indices per family
    cumulative_by_family: tuple[np.ndarray, ...]  # cumulative sampling weights, ending at 1
    uri_index: dict[str, int]

    def pick(self, family: int, u: float) -> SimOccupation:
        """Occupation of ``family`` at quantile ``u`` (in [0, 1)) of its weight distribution."""
        cumulative = self.cumulative_by_family[family]
        k = min(int(np.searchsorted(cumulative, u, side="right")), len(cumulative) - 1)
        return self.occupations[self.by_family[family][k]]

    def index_of(self, uri: str) -> int:
        return self.uri_index[uri]


def _skill_level(isco_group: str) -> int:
    major = isco_group[0]
    if major == "9":
        return 1
    if major in "123":
        return 3
    return 2


def _excluded(label: str) -> bool:
    low = label.lower()
    return any(word in low for word in EXCLUDED_WORDS)


@lru_cache(maxsize=1)
def load_catalogue() -> OccupationCatalogue:
    """Read the packaged ESCO occupations once and group them by hidden family."""
    family_of_group = {g: i for i, fam in enumerate(FAMILIES) for g in fam.isco_groups}
    path = resources.files("matching") / "data" / "esco_occupations_nl.csv"
    rows: list[dict[str, str]] = []
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows.sort(key=lambda r: r["concept_uri"])
    occupations: list[SimOccupation] = []
    for row in rows:
        group = row["isco_group"].strip()
        family = family_of_group.get(group)
        label = row["preferred_label"].strip()
        if family is None or _excluded(label):
            continue
        core = label in FAMILIES[family].core_labels
        alt = tuple(
            a.strip() for a in row["alt_labels"].split("|") if a.strip() and not _excluded(a)
        )
        occupations.append(
            SimOccupation(
                uri=row["concept_uri"].strip(),
                label=label,
                alt_labels=alt,
                description=row["description"].strip(),
                isco_group=group,
                family=family,
                skill=_skill_level(group),
                core=core,
            )
        )
    by_family: list[tuple[int, ...]] = []
    weights: list[np.ndarray] = []
    for f, fam in enumerate(FAMILIES):
        members = tuple(i for i, occ in enumerate(occupations) if occ.family == f)
        if not members:
            raise RuntimeError(f"family {fam.code} has no ESCO occupations; check the data files")
        is_core = np.array([occupations[i].core for i in members])
        n_core, n_rest = int(is_core.sum()), int((~is_core).sum())
        core_share = CORE_SHARE if n_core and n_rest else float(n_core > 0)
        w = np.where(
            is_core, core_share / max(n_core, 1), (1.0 - core_share) / max(n_rest, 1)
        )
        by_family.append(members)
        weights.append(np.cumsum(w / w.sum()))
    return OccupationCatalogue(
        tuple(occupations),
        tuple(by_family),
        tuple(weights),
        {occ.uri: i for i, occ in enumerate(occupations)},
    )
