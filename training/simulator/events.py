"""One *prettig gesprek*: invitations, the table plan, meetings and their outcomes.

Relationship managers invite candidates who plausibly fit: their own reading of a
candidate's occupational family against the hosts' open work, how motivated the
candidate comes across, a turn for those not yet invited, and noise; never ``p_good``.
Each attendee starts at the table that fits best and rotates one table per round, so
nobody meets an employer twice and no table exceeds its seats. A meeting is about the
host's open work need with the best observable score for the candidate; whether it
leads to a good outcome is drawn from ``p_good``.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from matching.records.enums import InvitationStatus, OutcomeKind
from matching.records.schemas import Event, EventTable, Invitation, TableMeeting
from training.simulator.employers import CONTRACT_FORMS
from training.simulator.geography import road_km
from training.simulator.history_state import History, HistoryInputs
from training.simulator.placements import JOB_SHARE, TRIAL_SHARE, meeting_outcome

RM_NOISE_SD = 0.3  # noise in the relationship managers' ranking of candidates


def run_event(
    hist: History,
    inputs: HistoryInputs,
    m: int,
    day: dt.date,
    end: dt.date,
    hosts: list[int],
    open_work: list[list[int]],
    available: np.ndarray,
    tier: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Hold month ``m``'s event: invitations, tables, meetings and their outcomes."""
    cfg, c, e, w = inputs.config, inputs.candidates, inputs.employers, inputs.works
    muni = cfg.municipality
    event_id = f"ev{m + 1:03d}"
    venue = hosts[0]
    loc = e.locations
    place = f"{inputs.employer_names[venue]}, {loc.place(venue)}"
    k = len(hosts)
    rounds = min(cfg.rounds, k)

    # relationship managers' view: best family affinity with any host's open work
    pool = np.flatnonzero(available)
    belief = hist.rm_belief[pool]
    host_fit = np.zeros((pool.size, k))
    for t, h in enumerate(hosts):
        fams = np.unique(w.family[open_work[h]])
        host_fit[:, t] = inputs.affinity[belief][:, fams].max(axis=1)
    venue_km = road_km(c.locations.lat[pool], c.locations.lon[pool], loc.lat[venue], loc.lon[venue])
    rm_score = (
        host_fit.max(axis=1)
        + 0.25 * tier[pool]
        + 0.35 * (hist.invited[pool] == 0)
        - 0.25 * hist.attended[pool]
        - 0.6 * (venue_km > c.max_travel_km[pool])
        + rng.normal(0.0, RM_NOISE_SD, size=pool.size)
    )
    n_invite = min(round(cfg.candidates_per_event * cfg.invitations_per_seat), pool.size)
    order = np.argsort(-rm_score, kind="stable")[:n_invite]
    invited = pool[order]
    invited_fit = host_fit[order]

    event = Event(
        id=event_id,
        municipality=muni,
        date=day,
        place=place[:200],
        postcode=loc.postcode[venue],
        lat=float(loc.lat[venue]),
        lon=float(loc.lon[venue]),
        rounds=rounds,
        minutes_per_round=cfg.minutes_per_round,
        max_candidates=cfg.candidates_per_event,
    )
    hist.events.append(event)

    decline_p = cfg.decline_rate * np.array([1.5, 1.0, 0.6])[tier[invited] + 1]
    declined = rng.random(invited.size) < decline_p
    attend_p = np.clip(
        cfg.attendance_rate + 0.07 * tier[invited]
        - 0.06 * c.circumstances[invited] / max(float(np.std(c.circumstances)), 1e-9),
        0.3,
        0.98,
    )
    came = ~declined & (rng.random(invited.size) < attend_p)
    for r, i in enumerate(invited):
        hist.invitations.append(
            Invitation(
                id=f"{event_id}-i{r + 1:03d}",
                municipality=muni,
                event_id=event_id,
                candidate_id=inputs.candidate_ids[int(i)],
                status=InvitationStatus.DECLINED if declined[r] else InvitationStatus.ACCEPTED,
                attended=bool(came[r]),
            )
        )
    hist.first_invited_month[invited[hist.invited[invited] == 0]] = m
    hist.invited[invited] += 1
    attendees = invited[came]
    att_fit = invited_fit[came]
    hist.attended[attendees] += 1

    seats = min(max(cfg.seats_per_table, math.ceil(attendees.size / k)), 50)
    table_ids = [f"{event_id}-t{t + 1}" for t in range(k)]
    for t, h in enumerate(hosts):
        hist.tables.append(
            EventTable(
                id=table_ids[t],
                municipality=muni,
                event_id=event_id,
                employer_id=inputs.employer_ids[h],
                seats=seats,
            )
        )
    # table plan: first table by the relationship manager's fit, then rotate
    load = np.zeros(k, dtype=int)
    first = np.empty(attendees.size, dtype=int)
    for a in range(attendees.size):
        prefs = np.argsort(-(att_fit[a] + rng.normal(0.0, 0.05, size=k)), kind="stable")
        for t in prefs:
            if load[t] < seats:
                first[a] = t
                load[t] += 1
                break

    meetings: list[tuple[int, int, int, int]] = []  # (attendee idx, round, table, work)
    for a, i in enumerate(attendees):
        for r in range(rounds):
            t = int((first[a] + r) % k)
            options = open_work[hosts[t]]
            best = options[int(np.argmax(inputs.score[int(i), options]))]
            meetings.append((a, r, t, best))
            hist.meeting_works[int(i)].append(best)

    good = rng.random(len(meetings)) < np.array(
        [inputs.p_good[int(attendees[a]), wj] for a, _, _, wj in meetings]
    )
    follow_u = rng.random(len(meetings))
    trial_u = rng.random(len(meetings))
    kind_of: list[OutcomeKind] = [OutcomeKind.NONE] * len(meetings)
    by_attendee: list[list[int]] = [[] for _ in range(attendees.size)]
    for x, (a, _, _, _) in enumerate(meetings):
        by_attendee[a].append(x)
    for a in rng.permutation(attendees.size):
        i = int(attendees[a])
        mine = by_attendee[int(a)]
        wins = sorted(
            (x for x in mine if good[x]), key=lambda x: -inputs.p_good[i, meetings[x][3]]
        )
        # places are a planning figure: an employer who clicks with a candidate makes
        # room (latent work), so every good draw can be honoured; the work need then closes
        placed = wins[0] if wins else -1
        if placed >= 0:
            hist.filled[meetings[placed][3]] += 1
        for x in mine:
            p = inputs.p_good[i, meetings[x][3]]
            if x == placed:
                form = CONTRACT_FORMS[int(w.contract[meetings[x][3]])]
                kind_of[x] = OutcomeKind.JOB if rng.random() < JOB_SHARE[form] else OutcomeKind.WEP
            elif good[x] or follow_u[x] < min(0.08 + 3.0 * p, 0.6):
                trial = placed < 0 and not good[x] and trial_u[x] < TRIAL_SHARE
                kind_of[x] = OutcomeKind.TRIAL if trial else OutcomeKind.FOLLOW_UP
        if placed >= 0:
            hist.good_month[i] = m
            hist.good_channel[i] = History.CHANNEL_EVENT

    for x, (a, r, t, wj) in enumerate(meetings):
        i = int(attendees[a])
        meeting_id = f"{event_id}-m{x + 1:03d}"
        hist.meetings.append(
            TableMeeting(
                id=meeting_id,
                municipality=muni,
                event_id=event_id,
                table_id=table_ids[t],
                employer_id=inputs.employer_ids[hosts[t]],
                candidate_id=inputs.candidate_ids[i],
                round=r + 1,
                follow_up=kind_of[x] is not OutcomeKind.NONE,
            )
        )
        hist.outcomes.append(
            meeting_outcome(hist, inputs, i, wj, hosts[t], event_id, day, end, kind_of[x], rng,
                             hist.next_outcome_id())
        )
