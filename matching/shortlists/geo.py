"""Distances and what a candidate can reach with the mobility they have."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from matching.records.enums import Mobility

EARTH_RADIUS_KM = 6371.0
#: Roads and paths are longer than a straight line; 1.3 is a common rule of thumb for Dutch towns.
DETOUR_FACTOR = 1.3

#: The furthest one-way trip that is realistic for daily work, by mobility (km by road).
MOBILITY_REACH_KM: dict[Mobility, float] = {
    Mobility.WALK: 3.0,
    Mobility.BIKE: 12.0,
    Mobility.EBIKE: 20.0,
    Mobility.MOPED: 25.0,
    Mobility.PUBLIC_TRANSPORT: 35.0,
    Mobility.CAR: 60.0,
}

#: Door-to-door speed in km/h, used for the travel time shown in reasons.
MOBILITY_SPEED_KMH: dict[Mobility, float] = {
    Mobility.WALK: 5.0,
    Mobility.BIKE: 15.0,
    Mobility.EBIKE: 20.0,
    Mobility.MOPED: 25.0,
    Mobility.PUBLIC_TRANSPORT: 20.0,
    Mobility.CAR: 40.0,
}

MOBILITY_ORDER: tuple[Mobility, ...] = tuple(Mobility)


def travel_km(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> np.ndarray:
    """Estimated road distance in km (haversine × detour); NaN where a coordinate is missing.

    Arguments broadcast like numpy arrays.
    """
    la1, lo1, la2, lo2 = (np.radians(np.asarray(x, dtype=float)) for x in (lat1, lon1, lat2, lon2))
    a = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    straight = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    km: np.ndarray = straight * DETOUR_FACTOR
    return km


def reach_km(mobility_codes: np.ndarray, max_travel_km: np.ndarray) -> np.ndarray:
    """The furthest a candidate will travel: their own maximum, capped by their mobility."""
    caps = np.array([MOBILITY_REACH_KM[m] for m in MOBILITY_ORDER])
    reach: np.ndarray = np.minimum(
        np.asarray(max_travel_km, dtype=float), caps[np.asarray(mobility_codes)]
    )
    return reach


def travel_minutes(mobility_codes: np.ndarray, km: np.ndarray) -> np.ndarray:
    speeds = np.array([MOBILITY_SPEED_KMH[m] for m in MOBILITY_ORDER])
    minutes: np.ndarray = np.asarray(km, dtype=float) / speeds[np.asarray(mobility_codes)] * 60.0
    return minutes
