"""A municipality with shortlists shown, overrides and an event, whose oversight figures
are known by hand (tests of the report's oversight section and the impact worksheet)."""

from __future__ import annotations

import datetime as dt

from factories import (
    MUNICIPALITY,
    make_candidate,
    make_employer,
    make_event,
    make_table,
    make_work_need,
)

from matching.privacy import audit_log
from matching.records.enums import Gender
from matching.records.schemas import TableMeeting
from matching.records.storage import Store
from matching.shortlists import overrides

WOMEN = {"C2", "C4", "C6", "C8", "C11"}


def _shown(store: Store, at: dt.datetime, work_need: str, ranked: list[str]) -> None:
    """A shortlist for ``work_need`` shown at ``at``, with ``ranked`` as its lines."""
    with store.transaction() as conn:
        conn.execute(audit_log.audit_table.insert().values(
            at=at, actor="rm.jansen", role="relationship_manager", municipality=MUNICIPALITY,
            action="shortlist_shown", subject_type="work_need", subject_id=work_need,
            inputs={}, results=[{"rank": r, "candidate_id": c} for r, c in enumerate(ranked, 1)],
        ))


def oversight_store(monkeypatch) -> Store:
    """Lists shown for W1 (E1; ranks C1..C12) and W2 (E2; C5, C6) in March 2026 and one for W3
    in October 2025; a pin (C11) and an exclusion (C2) on W1 whose reasons both say "stage";
    at EV1 (12 March) E1 met C1 and C11, E2 met C6 and C9."""
    store = Store("sqlite://")
    store.upsert([
        *(make_candidate(f"C{i}", gender=Gender.WOMAN if f"C{i}" in WOMEN else Gender.MAN)
          for i in range(1, 13)),
        make_employer("E1"), make_employer("E2", name="Hoveniersbedrijf Groen"),
        make_work_need("W1", "E1"), make_work_need("W2", "E2"), make_work_need("W3", "E1"),
        make_event("EV1", date=dt.date(2026, 3, 12)),
        make_table("T1", "EV1", "E1"), make_table("T2", "EV1", "E2"),
        *(TableMeeting(id=f"M{n}", municipality=MUNICIPALITY, event_id="EV1", table_id=t,
                       employer_id=e, candidate_id=c, round=1)
          for n, (t, e, c) in enumerate([("T1", "E1", "C1"), ("T1", "E1", "C11"),
                                         ("T2", "E2", "C6"), ("T2", "E2", "C9")])),
    ])
    audit_log.ensure_tables(store)
    overrides.ensure_tables(store)
    utc = dt.UTC
    _shown(store, dt.datetime(2026, 3, 1, 10, tzinfo=utc), "W1", [f"C{i}" for i in range(1, 13)])
    _shown(store, dt.datetime(2026, 3, 5, 10, tzinfo=utc), "W2", ["C5", "C6"])
    _shown(store, dt.datetime(2025, 10, 1, 10, tzinfo=utc), "W3", ["C11"])  # before the period
    monkeypatch.setattr(overrides, "_now", lambda: dt.datetime(2026, 3, 2, 9, tzinfo=utc))
    for kind, candidate, reason in [("pin", "C11", "Kent de werkgever van een stage"),
                                    ("exclude", "C2", "Is net aan een stage begonnen")]:
        overrides.add_override(store, municipality=MUNICIPALITY, work_need_id="W1",
                               candidate_id=candidate, kind=kind, reason=reason,
                               actor="rm.jansen", role="relationship_manager")
    return store
