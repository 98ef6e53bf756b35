"""Constants and helpers shared by the API tests (imported by conftest and tests)."""

from __future__ import annotations

import datetime as dt

from factories import make_candidate, make_employer, make_work_need

from api import security

HOME = "GM0855"
OTHER = "GM0363"
TODAY = dt.date(2026, 3, 20)
SECRET = "test-secret-" + "x" * 40
PASSWORD = "correct horse battery"


def other_world() -> list:
    """Records of a second municipality, which GM0855's users must never see."""
    return [
        make_candidate("B1", municipality=OTHER),
        make_employer("BE1", municipality=OTHER, name="Amsterdamse Zorg"),
        make_work_need("BW1", "BE1", municipality=OTHER),
    ]


def token_for(
    username: str,
    role: str,
    municipality: str = HOME,
    minutes: int = 30,
    secret: str = SECRET,
    now: dt.datetime | None = None,
) -> str:
    return security.create_access_token(
        username=username,
        role=role,
        municipality=municipality,
        secret=secret,
        minutes=minutes,
        now=now,
    )
