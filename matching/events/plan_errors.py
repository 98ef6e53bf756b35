"""The planner's errors that explain themselves: what blocked the plan, and what to change."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from matching.events.event_plan import EventPlanningError
from matching.events.event_setup import EventSetup
from matching.records.schemas import Event

__all__ = ["must_invite_vetoed", "nobody_invitable", "too_few_seats"]


def must_invite_vetoed(cid: str, setup: EventSetup, veto: np.ndarray, blocked: np.ndarray,
                        k: int) -> EventPlanningError:
    why = []
    for j, e in enumerate(setup.employer_ids):
        if veto[j]:
            what = "limits clash with all its work" if blocked[j] else "said no thanks"
            why.append(f"{e} ({setup.employers[e].name}): {what}")
    n_ok = int((~veto).sum())
    names = ", ".join(setup.employers[e].name for j, e in enumerate(setup.employer_ids) if veto[j])
    return EventPlanningError(
        f"must-invite candidate {cid} may meet only {n_ok} of the {len(setup.employer_ids)} "
        f"employers but {k} conversations per candidate were asked; vetoed by " + "; ".join(why),
        suggestion="Remove them from the must-invite list, lift a no-thanks, "
        + (f"or lower rounds_per_candidate to {n_ok}." if n_ok
           else "or add an employer they may meet."),
        ids=[cid],
        dutch=f"Kandidaat {cid} moet worden uitgenodigd, maar mag maar {n_ok} van de "
        f"{len(setup.employer_ids)} werkgevers spreken terwijl er {k} gesprekken per kandidaat "
        f"zijn (niet bij: {names}). Haal hen van de lijst 'zeker uitnodigen', of geef minder "
        "gesprekken per kandidaat.",
    )


def too_few_seats(
    event: Event, setup: EventSetup, k: int, seat_capacity: int
) -> EventPlanningError:
    seats = sum(t.seats for t in setup.tables)
    want = event.max_candidates or 0
    extra = -(-(want * k - seats * setup.rounds) // setup.rounds)
    fits = [kk for kk in range(k - 1, 0, -1) if seats * setup.rounds // kk >= want]
    hint = f", or set rounds_per_candidate to {fits[0]}" if fits else ""
    return EventPlanningError(
        f"event {event.id} is set for {want} candidates, but its {len(setup.tables)} tables "
        f"have {seats} seats per round: {seat_capacity} candidates with {k} conversations each",
        suggestion=f"Add {extra} seat(s) per round, lower max_candidates to {seat_capacity}{hint}.",
        ids=[event.id],
        dutch=f"Bijeenkomst {event.id} is voor {want} kandidaten, maar de {len(setup.tables)} "
        f"tafels hebben samen {seats} plaatsen per ronde: genoeg voor {seat_capacity} kandidaten "
        f"met {k} gesprekken. Zet er {extra} plaats(en) per ronde bij, of verlaag het aantal "
        f"kandidaten naar {seat_capacity}.",
    )


def nobody_invitable(event: Event, pool_size: int, excluded: dict[str, list[str]],
            policy_excluded: Mapping[str, Sequence[object]]) -> EventPlanningError:
    counts: dict[str, int] = {}
    for reasons in excluded.values():
        for r in reasons:
            counts[r] = counts.get(r, 0) + 1
    for r in ("never_invite", "at_period_cap"):
        if policy_excluded.get(r):
            counts[r] = len(policy_excluded[r])
    summary = ", ".join(f"{r}: {n}" for r, n in sorted(counts.items())) or "the pool is empty"
    return EventPlanningError(
        f"no candidate of the pool of {pool_size} can be invited to event {event.id} ({summary})",
        suggestion="Widen the pool, lift vetoes or the period cap, or choose a venue closer "
        "to the candidates.",
        ids=[event.id],
        dutch=f"Niemand van de {pool_size} kandidaten kan voor bijeenkomst {event.id} worden "
        "uitgenodigd (geen toestemming, niet beschikbaar, te ver weg, al geplaatst of al vaak "
        "uitgenodigd). Kies meer kandidaten, een plek dichterbij, of een ruimere grens per periode.",
    )
