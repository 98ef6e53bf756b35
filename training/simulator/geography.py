"""A plausible municipality: Tilburg's districts, its villages and the towns around it.

Locations are drawn around cluster centres (districts, business parks, villages);
a postcode's four digits come from the cluster and the part of it the point lies
in, its two letters from a ~250 m grid cell, so nearby addresses share postcodes.
Candidates live in the municipality (Tilburg districts, Berkel-Enschot, Udenhout);
employers are also found on business parks and in the surrounding towns.
Coordinates and postcode areas are approximations, good enough for travel distances.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KM_PER_DEGREE_LAT = 111.32
EARTH_RADIUS_KM = 6371.0
#: Road distance over straight-line distance; the engine uses the same rule of thumb.
DETOUR_FACTOR = 1.3
#: Postcode letters in use (F, I, O, Q, U and Y are avoided in Dutch postcodes).
POSTCODE_LETTERS = "ABCDEGHJKLMNPRSTVWXZ"
_FORBIDDEN_PAIRS = {"SA", "SD", "SS"}


@dataclass(frozen=True)
class Cluster:
    name: str  # district, business park or town as people say it
    town: str
    lat: float
    lon: float
    radius_km: float
    postcodes: tuple[int, ...]  # four-digit areas, split by compass sector
    candidate_weight: float
    employer_weight: float


CLUSTERS: tuple[Cluster, ...] = (
    Cluster("Centrum", "Tilburg", 51.5572, 5.0877, 0.9, (5038, 5011), 0.09, 0.12),
    Cluster("Oud-Noord", "Tilburg", 51.5705, 5.0860, 0.9, (5041, 5042), 0.10, 0.05),
    Cluster("Noord", "Tilburg", 51.5860, 5.0720, 1.2, (5045, 5046, 5047), 0.17, 0.05),
    Cluster("Reeshof", "Tilburg", 51.5765, 5.0150, 1.6, (5032, 5033, 5034, 5035), 0.14, 0.05),
    Cluster("West", "Tilburg", 51.5610, 5.0500, 1.0, (5036, 5037), 0.09, 0.04),
    Cluster("Zuid", "Tilburg", 51.5425, 5.0775, 1.0, (5021, 5022, 5025), 0.12, 0.05),
    Cluster("Oud-Zuid", "Tilburg", 51.5505, 5.0960, 0.8, (5014, 5013), 0.07, 0.04),
    Cluster("Oost", "Tilburg", 51.5600, 5.1130, 0.9, (5012, 5017, 5018), 0.09, 0.04),
    Cluster("Loven en Vossenberg", "Tilburg", 51.5935, 5.0420, 1.0, (5048,), 0.0, 0.14),
    Cluster("Kraaiven", "Tilburg", 51.5455, 5.1295, 0.8, (5015, 5016), 0.01, 0.08),
    Cluster("Berkel-Enschot", "Berkel-Enschot", 51.5855, 5.1420, 0.8, (5056, 5057), 0.08, 0.05),
    Cluster("Udenhout", "Udenhout", 51.6095, 5.1430, 0.7, (5071,), 0.04, 0.03),
    Cluster("Goirle", "Goirle", 51.5205, 5.0670, 0.9, (5051,), 0.0, 0.06),
    Cluster("Oisterwijk", "Oisterwijk", 51.5790, 5.1960, 0.9, (5061, 5062), 0.0, 0.05),
    Cluster("Hilvarenbeek", "Hilvarenbeek", 51.4855, 5.1370, 0.8, (5081,), 0.0, 0.03),
    Cluster("Rijen", "Rijen", 51.5900, 4.9200, 0.9, (5121,), 0.0, 0.03),
    Cluster("Dongen", "Dongen", 51.6260, 4.9390, 0.9, (5101, 5102), 0.0, 0.02),
    Cluster("Kaatsheuvel", "Kaatsheuvel", 51.6570, 5.0430, 1.0, (5171,), 0.0, 0.03),
)

TOWN_CENTRE = (51.5606, 5.0919)


@dataclass(frozen=True)
class Locations:
    """Drawn addresses: coordinates, postcode and the cluster each lies in."""

    lat: np.ndarray
    lon: np.ndarray
    postcode: list[str]
    cluster: np.ndarray  # index into CLUSTERS

    def town(self, i: int) -> str:
        return CLUSTERS[int(self.cluster[i])].town

    def place(self, i: int) -> str:
        cluster = CLUSTERS[int(self.cluster[i])]
        return cluster.town if cluster.town != "Tilburg" else f"Tilburg-{cluster.name}"


#: Business parks, where industry, transport and building firms are found more often.
BUSINESS_PARKS = ("Loven en Vossenberg", "Kraaiven")


def candidate_cluster_weights() -> np.ndarray:
    """Where candidates live: the municipality's districts and villages."""
    return np.array([c.candidate_weight for c in CLUSTERS])


def employer_cluster_weights(industrial: bool) -> np.ndarray:
    """Where employers are; industry, logistics and building firms favour business parks."""
    w = np.array([c.employer_weight for c in CLUSTERS])
    if industrial:
        w = w * np.array([3.0 if c.name in BUSINESS_PARKS else 1.0 for c in CLUSTERS])
    return w


def _postcode(cluster: Cluster, dx_km: float, dy_km: float) -> str:
    sector = int(((np.arctan2(dy_km, dx_km) + np.pi) / (2 * np.pi)) * len(cluster.postcodes))
    digits = cluster.postcodes[min(sector, len(cluster.postcodes) - 1)]
    # a ~250 m grid: the first letter runs north-south, the second east-west
    n = len(POSTCODE_LETTERS)
    span = 2.5 * cluster.radius_km
    a = int(np.clip((dy_km + span) / (2 * span) * n, 0, n - 1))
    b = int(np.clip((dx_km + span) / (2 * span) * n, 0, n - 1))
    letters = POSTCODE_LETTERS[a] + POSTCODE_LETTERS[b]
    if letters in _FORBIDDEN_PAIRS:
        letters = POSTCODE_LETTERS[a] + POSTCODE_LETTERS[(b + 1) % n]
    return f"{digits} {letters}"


def draw_locations(rng: np.random.Generator, n: int, *, weights: np.ndarray) -> Locations:
    """``n`` addresses drawn over the clusters with the given weights."""
    cluster = rng.choice(len(CLUSTERS), size=n, p=weights / weights.sum())
    radius = np.array([c.radius_km for c in CLUSTERS])[cluster]
    offsets = rng.normal(0.0, 1.0, size=(n, 2)) * (0.6 * radius)[:, None]
    norm = np.hypot(offsets[:, 0], offsets[:, 1])
    limit = 2.2 * radius
    scale = np.where(norm > limit, limit / np.maximum(norm, 1e-9), 1.0)
    dx, dy = offsets[:, 0] * scale, offsets[:, 1] * scale
    c_lat = np.array([c.lat for c in CLUSTERS])[cluster]
    c_lon = np.array([c.lon for c in CLUSTERS])[cluster]
    lat = c_lat + dy / KM_PER_DEGREE_LAT
    lon = c_lon + dx / (KM_PER_DEGREE_LAT * np.cos(np.radians(c_lat)))
    lat, lon = np.round(lat, 5), np.round(lon, 5)
    postcodes = [
        _postcode(CLUSTERS[int(k)], float(x), float(y)) for k, x, y in zip(cluster, dx, dy, strict=False)
    ]
    return Locations(lat=lat, lon=lon, postcode=postcodes, cluster=cluster)


def road_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Road distance estimate (haversine x detour factor); arguments broadcast."""
    p1, l1, p2, l2 = (np.radians(np.asarray(x, dtype=float)) for x in (lat1, lon1, lat2, lon2))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))) * DETOUR_FACTOR
