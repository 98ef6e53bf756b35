"""The ESCO occupation taxonomy in Dutch, shipped with the package.

Source: ESCO, European Commission, version 1.2, reused under its reuse policy
(see ``matching/data/README.md``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Occupation:
    uri: str
    isco_group: str  # four-digit ISCO-08 unit group
    code: str
    label: str
    alt_labels: tuple[str, ...]
    description: str


@lru_cache(maxsize=1)
def load_occupations() -> dict[str, Occupation]:
    """All ESCO occupations by concept URI (read once per process)."""
    path = resources.files("matching") / "data" / "esco_occupations_nl.csv"
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as handle:
        return {
            row["concept_uri"]: Occupation(
                uri=row["concept_uri"],
                isco_group=row["isco_group"],
                code=row["code"],
                label=row["preferred_label"],
                alt_labels=tuple(a for a in row["alt_labels"].split("|") if a),
                description=row["description"],
            )
            for row in csv.DictReader(handle)
        }


@lru_cache(maxsize=1)
def load_isco_groups() -> dict[str, str]:
    """ISCO-08 group code -> Dutch label, for every level (1 to 4 digits)."""
    path = resources.files("matching") / "data" / "esco_isco_groups_nl.csv"
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as handle:
        return {row["code"]: row["preferred_label"] for row in csv.DictReader(handle)}


def isco_match_level(a: str | None, b: str | None) -> int:
    """How many leading ISCO digits two occupations share (0-4), 5 for the same occupation.

    Both arguments are ESCO occupation URIs; unknown URIs share nothing.
    """
    if not a or not b:
        return 0
    if a == b:
        return 5
    occupations = load_occupations()
    oa, ob = occupations.get(a), occupations.get(b)
    if oa is None or ob is None:
        return 0
    level = 0
    for x, y in zip(oa.isco_group, ob.isco_group, strict=False):
        if x != y:
            break
        level += 1
    return level
