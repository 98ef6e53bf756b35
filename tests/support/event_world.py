"""A seeded prettig-gesprek world: 5 employers with one table each, 36 candidates, one event."""

from __future__ import annotations

import datetime as dt

import numpy as np
from factories import make_candidate, make_employer, make_event, make_table, make_work_need

from matching.records.enums import ContractForm, Demand, SbiSection

EVENT_DAY = dt.date(2026, 3, 12)
TODAY = dt.date(2026, 3, 1)

SECTORS = [
    ("E1", "Zorggroep De Linde", SbiSection.Q, "Helpende in de ouderenzorg",
     "Bewoners helpen bij verzorging en maaltijden.",
     "Ik wil graag in de zorg werken met ouderen."),
    ("E2", "Hoveniersbedrijf Groen", SbiSection.N, "Medewerker groenvoorziening",
     "Snoeien, maaien en bladblazen in parken.", "Ik werk graag buiten in het groen."),
    ("E3", "Restaurant De Smaak", SbiSection.I, "Keukenhulp",
     "Groenten snijden, afwassen en de keuken schoonhouden.",
     "Koken en in een keuken werken lijkt me leuk."),
    ("E4", "Logistiek Centrum Tilburg", SbiSection.H, "Orderpicker magazijn",
     "Orders verzamelen en inpakken in het magazijn.",
     "Ik wil in een magazijn of de logistiek werken."),
    ("E5", "Supermarkt Buurtwinkel", SbiSection.G, "Vakkenvuller",
     "Schappen vullen en klanten helpen in de winkel.", "Ik help graag klanten in een winkel."),
]


def seeded_world(seed: int = 7, n_candidates: int = 36) -> list:
    """5 employers (one table of 6 seats each), 36 candidates, one event of 3 rounds."""
    rng = np.random.default_rng(seed)
    records: list = [make_event("EV1", date=EVENT_DAY, rounds=3)]
    for i, (eid, name, sbi, title, text, _) in enumerate(SECTORS):
        records.append(make_employer(eid, name=name, sbi_section=sbi,
                                     lat=51.56 + 0.005 * i, lon=5.07 + 0.005 * i))
        hard = [Demand.HEAVY_LIFTING] if eid == "E2" else []
        records.append(make_work_need(f"W{i + 1}", eid, title=title, description=text,
                                      demands=hard, adaptable=[], contract_form=ContractForm.WEP))
        records.append(make_table(f"T{i + 1}", "EV1", eid, seats=6))
    # E3 has a second work need without demands; E2's only work needs heavy lifting
    records.append(make_work_need("W6", "E3", title="Afwasser",
                                  description="Afwassen in de keuken.",
                                  demands=[], adaptable=[]))
    for c in range(n_candidates):
        wish = SECTORS[int(rng.integers(len(SECTORS)))][5]
        records.append(make_candidate(
            f"C{c + 1:02d}",
            wishes=wish,
            lat=float(51.55 + rng.uniform(0, 0.03)),
            lon=float(5.06 + rng.uniform(0, 0.03)),
            limits=[Demand.HEAVY_LIFTING] if c % 6 == 0 else [],
            relationship_manager="anna" if c % 2 else "bram",
        ))
    return records
