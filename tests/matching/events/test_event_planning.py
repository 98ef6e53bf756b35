"""Event planning from the store: a seeded world of 5 employers and 36 candidates.

Every plan is checked by an independent checker that only reads the plan and
the records; the solver's own bookkeeping is not trusted.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import io
from collections import Counter

import numpy as np
import pytest
from event_world import EVENT_DAY, SECTORS, TODAY, seeded_world  # noqa: F401
from factories import (
    MUNICIPALITY,
    make_candidate,
    make_event,
    make_table,
)
from spaces import test_space

from matching.events.event_plan import EventPlan, EventPlanningError, PlanControls
from matching.events.event_plan_output import render_csv, render_html
from matching.events.event_planning import plan_event
from matching.events.event_records import record_event_attendance, record_table_follow_up, save_plan
from matching.events.pair_utility import utility_matrix
from matching.events.table_plan_problem import PlanningError
from matching.outcomes.recording import OutcomeError
from matching.records.enums import Demand, InvitationStatus, Mobility
from matching.records.schemas import Candidate, Event, Invitation, TableMeeting
from matching.records.storage import Store
from matching.shortlists.engine import ShortlistEngine
from matching.shortlists.retrieval import RetrievalIndex
from matching.shortlists.shortlist import PairMatrix


@functools.lru_cache(maxsize=1)
def shared_space():
    """One text space for the module: its in-memory cache embeds each text once."""
    return test_space()


def build(records, **kw) -> tuple[Store, ShortlistEngine]:
    store = Store("sqlite://")
    store.upsert(records)
    index = RetrievalIndex(shared_space(), None)
    return store, ShortlistEngine(store, index, today=lambda: TODAY, **kw)


@pytest.fixture(scope="module")
def world():
    return build(seeded_world())


@pytest.fixture(scope="module")
def plan(world) -> EventPlan:
    store, engine = world
    return plan_event(store, engine, "EV1", PlanControls(no_thanks={("E1", "C05"), ("E4", "C05")}))


def check_plan(store: Store, plan: EventPlan, controls: PlanControls) -> None:
    """Independent checker of every hard constraint of a plan."""
    event = store.get(Event, plan.event.id)
    seats = {t.id: t.seats for t in plan.tables}
    table_employer = {t.id: t.employer_id for t in plan.tables}
    candidates = {c.id: c for c in store.list(Candidate)}
    invited = set(plan.invited)
    assert len(invited) == len(plan.invited) <= plan.capacity
    per_round_table = Counter((m.round, m.table_id) for m in plan.meetings)
    assert all(n <= seats[t] for (_, t), n in per_round_table.items())
    assert Counter((m.candidate_id, m.round) for m in plan.meetings).most_common(1)[0][1] == 1
    assert Counter((m.candidate_id, m.employer_id) for m in plan.meetings).most_common(1)[0][1] == 1
    per_candidate = Counter(m.candidate_id for m in plan.meetings)
    assert set(per_candidate) == invited
    assert set(per_candidate.values()) == {plan.rounds_per_candidate}
    for m in plan.meetings:
        assert 1 <= m.round <= plan.rounds
        assert table_employer[m.table_id] == m.employer_id
        assert (m.employer_id, m.candidate_id) not in controls.no_thanks
        c = candidates[m.candidate_id]
        assert c.consent_events and c.consent_matching
        need = plan.work_needs[m.work_need_id]
        assert need.employer_id == m.employer_id and not set(c.limits) & need.hard_demands
        assert m.reason
    assert controls.must_invite <= invited
    assert not controls.never_invite & invited
    assert event is not None and plan.rounds == (controls.rounds or event.rounds)


def test_plan_satisfies_every_constraint(world, plan):
    store, _ = world
    check_plan(store, plan, PlanControls(no_thanks={("E1", "C05"), ("E4", "C05")}))
    assert len(plan.invited) == 30  # 5 tables × 6 seats, everybody in every round
    assert plan.gap == pytest.approx(0.0, abs=1e-6)
    assert plan.objective <= plan.lp_bound + 1e-9
    assert plan.greedy_objective <= plan.objective + 1e-9
    assert plan.method == "flow" and plan.scored_by == "similarity"


def test_limits_clash_with_all_work_is_a_veto(plan):
    # candidates 1, 7, 13, ... cannot lift heavily: E2's only work demands it
    heavy = {f"C{c + 1:02d}" for c in range(0, 36, 6)}
    assert not any(m.candidate_id in heavy and m.employer_id == "E2" for m in plan.meetings)
    # E3 has adaptable work for them, and its reason names the work that fits
    assert all(m.work_need_id in {"W3", "W6"} for m in plan.meetings if m.employer_id == "E3")


def test_json_shape(plan):
    d = plan.to_dict()
    assert d["invited"] == plan.invited
    first = d["assignments"][0]
    assert {"round", "table", "employer_id", "candidate_id", "reason"} <= set(first)
    assert min(a["round"] for a in d["assignments"]) == 1
    assert max(a["round"] for a in d["assignments"]) == 3
    for key in ("objective", "lp_bound", "gap", "method", "greedy_objective", "concentration",
                "reserves", "excluded"):
        assert key in d
    assert 0.0 <= d["concentration"]["gini"] <= 1.0 and "top10_share" in d["concentration"]
    assert len(d["reserves"]) == 5 and not set(d["reserves"]) & set(d["invited"])


def test_html_has_every_table_and_round(plan):
    page = render_html(plan)
    assert "@page { size: A4" in page and "<nav" not in page and "<script" not in page
    for t in plan.tables:
        assert f'id="tafel-{t.id}"' in page
    assert page.count('class="page table-page"') == len(plan.tables)
    for r in (1, 2, 3):
        assert f"Ronde {r}</h2>" in page
    some = plan.meetings[0]
    assert some.reason.split(":")[0] in page


def test_csv_one_row_per_invited_candidate(plan):
    rows = list(csv.DictReader(io.StringIO(render_csv(plan)), delimiter=";"))
    assert [r["kandidaat"] for r in rows] == plan.invited
    names = {e.id: e.name for e in plan.employers.values()}
    for row in rows:
        mine = sorted((m for m in plan.meetings if m.candidate_id == row["kandidaat"]),
                      key=lambda m: m.round)
        got = [row[f"ronde{m.round}_werkgever"] for m in mine]
        assert got == [names[m.employer_id] for m in mine]
        assert row["ronde1_reden"]


def test_must_and_never_invite_are_honoured(world, plan):
    store, engine = world
    weakest = plan.reserves[-1]  # eligible but not chosen on merit
    top = plan.invited[0]
    controls = PlanControls(must_invite={weakest}, never_invite={top})
    again = plan_event(store, engine, "EV1", controls)
    check_plan(store, again, controls)
    assert weakest in again.invited and top not in again.invited
    assert "never_invite" in again.excluded[top]


def test_fewer_rounds_per_candidate_and_more_seats_than_candidates(world):
    store, engine = world
    pool = tuple(f"C{c:02d}" for c in range(2, 12))  # 10 candidates for 30 seats
    controls = PlanControls(candidate_ids=pool, rounds_per_candidate=2)
    plan = plan_event(store, engine, "EV1", controls)
    check_plan(store, plan, controls)
    assert set(plan.invited) <= set(pool) and len(plan.invited) == 10
    assert any("plaatsen blijven leeg" in n for n in plan.notes)
    rows = list(csv.DictReader(io.StringIO(render_csv(plan)), delimiter=";"))
    assert all(sum(r[f"ronde{k}_werkgever"] == "pauze" for k in (1, 2, 3)) == 1 for r in rows)


def test_fewer_seats_than_candidates_invites_the_best_and_lists_reserves(world):
    store, engine = world
    plan = plan_event(store, engine, "EV1", PlanControls(seats={"T1": 1, "T2": 1, "T3": 1,
                                                                "T4": 1, "T5": 1}))
    assert len(plan.invited) == 5 and len(plan.reserves) == 5


def test_period_cap_and_spreading_use_the_invitation_history(world, plan):
    store, engine = world
    past = make_event("EV0", date=EVENT_DAY - dt.timedelta(days=30))
    frequent = plan.invited[:3]
    history = [past] + [
        Invitation(id=f"EV0-i{c}", municipality=MUNICIPALITY, event_id="EV0", candidate_id=c)
        for c in frequent
    ]
    store2, engine2 = build([*seeded_world(), *history])
    capped = plan_event(store2, engine2, "EV1", PlanControls(max_events_per_period=1))
    assert not set(frequent) & set(capped.invited)
    assert all("at_period_cap" in capped.excluded[c] for c in frequent)
    assert capped.concentration["n_invitations"] == 33.0
    assert capped.concentration_before["n_invitations"] == 3.0
    del store, engine


def test_candidate_level_vetoes_are_reported(world):
    records = seeded_world()
    records += [
        make_candidate("X1", consent_events=False),
        make_candidate("X2", mobility=Mobility.WALK, max_travel_km=1, lat=51.70, lon=5.30),
        make_candidate("X3", available_from=EVENT_DAY + dt.timedelta(days=10)),
        make_candidate("X4", limits=[Demand.HEAVY_LIFTING]),
    ]
    store, engine = build(records)
    no_thanks = {(e, "X4") for e in ("E1", "E3", "E4", "E5")}
    plan = plan_event(store, engine, "EV1", PlanControls(no_thanks=no_thanks))
    assert plan.excluded["X1"] == ["no_consent"]
    assert plan.excluded["X2"] == ["too_far"]
    assert plan.excluded["X3"] == ["not_available"]
    assert plan.excluded["X4"] == ["vetoed_by_every_employer"]
    assert not {"X1", "X2", "X3", "X4"} & set(plan.invited)
    # the same candidate as a must-invite is a contradiction with a clear message
    with pytest.raises(EventPlanningError, match="X4 may meet only 0 of the 5") as err:
        plan_event(store, engine, "EV1", PlanControls(no_thanks=no_thanks, must_invite={"X4"}))
    assert "must-invite" in err.value.suggestion
    with pytest.raises(EventPlanningError, match="X2 cannot be invited: lives too far"):
        plan_event(store, engine, "EV1", PlanControls(must_invite={"X2"}))


def test_utility_is_a_weighted_geometric_mean_over_permitted_work():
    matrix = PairMatrix(
        candidate_ids=["a", "b"], work_need_ids=["w1", "w2", "w3"], employer_ids=["E1", "E1", "E2"],
        score=np.array([[0.5, 0.2, 0.3], [0.1, 0.9, 0.0]]),
        probability=np.array([[0.5, 0.21, 0.3], [0.1, 0.9, 0.0]]),
        similarity=np.array([[0.4, 0.1, 0.2], [0.0, 0.3, -0.2]]),
        occupation_level=np.array([[0, 5, 0], [0, 0, 0]]),
        scored_by="v1",
    )
    blocked = np.array([[False, False, False], [False, True, False]])
    out = utility_matrix(matrix, np.array([0, 0, 1]), 2, blocked, employer_weight=0.5)
    # a at E1: w1 sqrt(0.5 * 0.4), w2 sqrt(0.21 * 1.0) (exactly the occupation they want);
    # both sides are read at the better of the two, never 0.5 from one and 1.0 from the other
    assert out["best_need"][0, 0] == 1
    assert out["employer_chance"][0, 0] == pytest.approx(0.21)
    assert out["interest"][0, 0] == pytest.approx(1.0)
    assert out["utility"][0, 0] == pytest.approx(np.sqrt(0.21 * 1.0))
    assert out["employer_chance"][1, 0] == pytest.approx(0.1)  # w2 blocked by limits
    assert out["utility"][1, 1] == pytest.approx(np.sqrt(0.01 * 0.01))  # floored, not zero
    assert out["best_need"][1, 0] == 0
    one_sided = utility_matrix(matrix, np.array([0, 0, 1]), 2, blocked, employer_weight=1.0)
    assert one_sided["utility"][0, 1] == pytest.approx(0.3)


def test_utility_without_any_open_work_blocks_every_pair():
    empty = np.zeros((2, 0))
    matrix = PairMatrix(candidate_ids=["a", "b"], work_need_ids=[], employer_ids=[], score=empty,
                        probability=empty, similarity=empty, occupation_level=empty, scored_by="v1")
    out = utility_matrix(matrix, np.zeros(0, dtype=int), 3, np.zeros((2, 0), dtype=bool))
    assert out["blocked"].all() and out["utility"].shape == (2, 3)
    assert not out["employer_chance"].any() and (out["best_need"] == -1).all()


# ---- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "controls, message, suggestion",
    [
        (PlanControls(rounds=0), "rounds must be at least 1", "at least one round"),
        (PlanControls(rounds=21), "at most 20, got 21", "split the event"),
        (PlanControls(seats={"T2": 0}), "T2 of event EV1 have no seats", "at least one seat"),
        (PlanControls(seats={"T9": 3}), "T9, which are not tables", "T1"),
        (PlanControls(must_invite={"C02"}, never_invite={"C02"}), "both the must-invite", "one of"),
        (PlanControls(must_invite={"NOBODY"}), "not candidates of municipality", "must-invite"),
        (PlanControls(candidate_ids=("C01", "ZZ"),), "ZZ are not candidates", "Check the ids"),
        (PlanControls(rounds_per_candidate=4), "between 1 and the 3 rounds", "1 to 3"),
        (PlanControls(rounds=6, rounds_per_candidate=6), "only 5 employer(s)", "at most 5"),
        (PlanControls(must_invite={f"C{c:02d}" for c in range(2, 10)},
                      seats={f"T{t}": 1 for t in range(1, 6)}),
         "8 must-invite candidates", "Add places"),
    ],
)
def test_bad_requests_have_clear_messages(world, controls, message, suggestion):
    store, engine = world
    with pytest.raises(PlanningError) as err:
        plan_event(store, engine, "EV1", controls)
    assert message in err.value.message
    assert suggestion in err.value.suggestion


def test_unknown_event_event_without_tables_and_too_many_candidates(world):
    store, engine = world
    with pytest.raises(EventPlanningError, match="unknown event id 'EV404'"):
        plan_event(store, engine, "EV404")
    store.upsert([make_event("EV2"), make_event("EV3", max_candidates=40),
                  make_table("T31", "EV3", "E1"), make_table("T32", "EV3", "E2"),
                  make_table("T33", "EV3", "E3")])
    try:
        with pytest.raises(EventPlanningError, match="EV2 has no tables"):
            plan_event(store, engine, "EV2")
        with pytest.raises(EventPlanningError, match="set for 40 candidates") as err:
            plan_event(store, engine, "EV3")
        assert "Add 22 seat(s) per round" in err.value.suggestion
        # 40 candidates in 18 seats x 3 rounds needs 40 x 2 > 54: still too few at 2 rounds each
        assert "rounds_per_candidate to 1" in err.value.suggestion
    finally:
        store.delete(Event, ["EV2"])


def test_a_host_whose_work_closed_is_planned_on_that_work_as_if_open(world):
    """Planning from past work scores it exactly as the same work open: the same plan."""
    store, engine = world
    open_plan = plan_event(store, engine, "EV1")
    records = [r.model_copy(update={"open": False}) if getattr(r, "id", None) == "W4" else r
               for r in seeded_world()]
    closed_store, closed_engine = build(records)
    plan = plan_event(closed_store, closed_engine, "EV1")
    assert [(m.round, m.table_id, m.candidate_id, m.work_need_id) for m in plan.meetings] == [
        (m.round, m.table_id, m.candidate_id, m.work_need_id) for m in open_plan.meetings
    ]
    assert any("Logistiek Centrum Tilburg heeft geen open werkvraag" in n
               and "'Orderpicker magazijn'" in n for n in plan.notes)
    at_e4 = [m for m in plan.meetings if m.employer_id == "E4"]
    assert at_e4 and all("geen open werkvraag" in m.reason for m in at_e4)


def test_a_host_without_any_work_is_planned_from_its_profile():
    records = [r for r in seeded_world() if getattr(r, "id", None) != "W4"]
    store, engine = build(records)
    plan = plan_event(store, engine, "EV1")
    at_e4 = [m for m in plan.meetings if m.employer_id == "E4"]
    assert at_e4 and {m.work_need_id for m in at_e4} == {"E4.profiel"}
    assert any("gepland op zijn profiel" in n for n in plan.notes)
    check_plan(store, plan, PlanControls())


def test_candidate_vetoed_everywhere_in_an_explicit_pool_is_not_invited(world):
    store, engine = world
    no_thanks = {(f"E{e}", "C03") for e in range(1, 6)}
    plan = plan_event(store, engine, "EV1", PlanControls(candidate_ids=("C03", "C04", "C05"),
                                                         no_thanks=no_thanks))
    assert plan.invited and "C03" not in plan.invited
    assert plan.excluded["C03"] == ["vetoed_by_every_employer"]
    with pytest.raises(EventPlanningError, match="no candidate of the pool of 1"):
        plan_event(store, engine, "EV1", PlanControls(candidate_ids=("C03",), no_thanks=no_thanks))


def test_seat_bottleneck_is_repaired_with_other_candidates(world):
    """Candidates who may only meet a full employer are swapped for ones who fit."""
    store, engine = world
    # C09-C36 may meet only E1, E3 and E5, whose 6 seats x 3 rounds hold 18 of them
    ids = [f"C{c:02d}" for c in range(1, 37)]
    no_thanks = {(e, c) for c in ids[8:] for e in ("E2", "E4")}
    controls = PlanControls(no_thanks=no_thanks)
    plan = plan_event(store, engine, "EV1", controls)
    check_plan(store, plan, controls)
    swapped = [c for c, why in plan.excluded.items() if "no_seat_at_permitted_employers" in why]
    assert swapped and not set(swapped) & set(plan.invited)
    restricted = [c for c in plan.invited if c in ids[8:]]
    assert len(restricted) <= 18


# ---- saving and after the event ---------------------------------------------------------------


def test_save_is_atomic_and_idempotent(plan, monkeypatch):
    store = Store("sqlite://")
    store.upsert(seeded_world())
    first = save_plan(store, plan)
    assert first.invitations_added == 30 and first.meetings_added == 90
    snapshot = store.snapshot()
    again = save_plan(store, plan)
    assert again.changed == 0 and store.snapshot() == snapshot

    # a failure half-way leaves nothing written
    store2 = Store("sqlite://")
    store2.upsert(seeded_world())
    before = store2.snapshot()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store2, "delete", broken)
    with pytest.raises(RuntimeError):
        save_plan(store2, plan)
    assert store2.snapshot() == before


def test_exploration_seats_are_planned_and_recorded(plan):
    # 30 places, a tenth of them drawn at random among the eligible rest
    assert len(plan.explored) == 3 and set(plan.explored) <= set(plan.invited)
    assert plan.to_dict()["explored"] == plan.explored
    store = Store("sqlite://")
    store.upsert(seeded_world())
    save_plan(store, plan)
    marked = {i.candidate_id for i in store.list(Invitation, where={"event_id": "EV1"}) if i.exploration}
    assert marked == set(plan.explored)
    # the lottery they were drawn from is kept, drawn or not: every eligible candidate the
    # ranking did not choose, none of those it chose
    from matching.records.schemas import ExplorationDraw

    draws = {d.candidate_id: d.drawn for d in store.list(ExplorationDraw, where={"event_id": "EV1"})}
    assert {c for c, drawn in draws.items() if drawn} == set(plan.explored)
    assert set(draws) == set(plan.lottery) and len(draws) > len(plan.explored)
    chosen = set(plan.invited) - set(plan.explored)
    assert not chosen & set(draws) and not set(draws) & set(plan.excluded)
    assert len(chosen) + len(draws) == plan.pool_size - len(plan.excluded)
    assert plan.to_dict()["lottery_size"] == len(draws)
    # saving again changes nothing; a plan without exploration seats leaves no lottery
    before = store.snapshot()
    save_plan(store, plan)
    assert store.snapshot() == before
    save_plan(store, dataclasses.replace(plan, explored=[], lottery=[]))
    assert store.list(ExplorationDraw, where={"event_id": "EV1"}) == []


def test_a_what_if_plan_is_not_saved(world):
    store, engine = world
    what_if = plan_event(store, engine, "EV1", PlanControls(seats={"T1": 8}))
    before = store.snapshot()
    with pytest.raises(EventPlanningError, match="other rounds or seats"):
        save_plan(store, what_if)
    assert store.snapshot() == before


def test_resave_replaces_the_plan_and_keeps_declines(world, plan):
    store, engine = world
    save_plan(store, plan)
    declined = plan.invited[0]
    inv = store.list(Invitation, where={"event_id": "EV1", "candidate_id": declined})[0]
    store.upsert([inv.model_copy(update={"status": InvitationStatus.DECLINED})])
    replanned = plan_event(store, engine, "EV1")
    assert declined not in replanned.invited and "declined" in replanned.excluded[declined]
    summary = save_plan(store, replanned)
    assert summary.invitations_added >= 1
    kept = store.list(Invitation, where={"event_id": "EV1"})
    assert {i.candidate_id for i in kept} == set(replanned.invited) | {declined}
    meetings = store.list(TableMeeting, where={"event_id": "EV1"})
    assert {m.candidate_id for m in meetings} == set(replanned.invited)
    # clean up the shared world
    store.delete(TableMeeting, [m.id for m in meetings])
    store.delete(Invitation, [i.id for i in kept])


def test_attendance_and_follow_up_after_the_event(plan):
    store = Store("sqlite://")
    store.upsert(seeded_world())
    save_plan(store, plan)
    came, away = plan.invited[:28], plan.invited[28:]
    with pytest.raises(OutcomeError, match="after today"):
        record_event_attendance(store, "EV1", came, today=EVENT_DAY - dt.timedelta(days=1))
    result = record_event_attendance(store, "EV1", came, today=EVENT_DAY)
    assert sorted(result.absent) == sorted(away) and result.meetings_removed == 6
    held = store.list(TableMeeting, where={"event_id": "EV1"})
    assert {m.candidate_id for m in held} == set(came) and len(held) == 84
    with pytest.raises(EventPlanningError, match="already recorded"):
        save_plan(store, plan)

    meeting = held[0]
    marked = record_table_follow_up(store, "EV1", meeting.candidate_id, meeting.employer_id,
                                    today=EVENT_DAY)
    assert marked.follow_up and store.get(TableMeeting, meeting.id).follow_up
    with pytest.raises(OutcomeError, match=f"{away[0]} did not meet"):
        record_table_follow_up(store, "EV1", away[0], "E1", today=EVENT_DAY)
    # marking someone with a follow-up absent is refused before anything is written
    with pytest.raises(OutcomeError, match="follow-up recorded"):
        record_event_attendance(store, "EV1", [], [meeting.candidate_id], today=EVENT_DAY)
    # a correction from absent to present brings their planned meetings back
    fixed = record_event_attendance(store, "EV1", [away[0]], rest_absent=False, today=EVENT_DAY)
    assert fixed.meetings_restored == 3
    assert len(store.list(TableMeeting, where={"event_id": "EV1"})) == 87
    inv = store.list(Invitation, where={"event_id": "EV1", "candidate_id": away[1]})[0]
    assert inv.attended is False


def test_plan_reasons_for_hosts_leave_out_limits(plan: EventPlan) -> None:
    first = plan.meetings[0]
    assert first.reason_without_limits == first.reason  # no limits clash at this table
    clash = dataclasses.replace(
        first, reason="Kok: 2 km fietsen; werk aan te passen (lang staan)",
        reason_without_limits="Kok: 2 km fietsen; 24 uur beschikbaar",
    )
    shown = dataclasses.replace(plan, meetings=[clash, *plan.meetings[1:]])
    assert shown.to_dict()["assignments"][0]["reason"] == clash.reason
    public = shown.to_dict(include_limits=False)["assignments"]
    assert public[0]["reason"] == "Kok: 2 km fietsen; 24 uur beschikbaar"
    assert [a["reason"] for a in public[1:]] == [m.reason_without_limits for m in plan.meetings[1:]]


@pytest.fixture(scope="module")
def scored_world():
    """The seeded world with a stand-in trained model: its scores are chances."""
    from travel_scorer import TravelScorer

    return build(seeded_world(), scorer=TravelScorer())


def test_without_a_trained_model_no_chance_is_shown(plan):
    assert plan.scored_by == "similarity" and plan.chances == {}  # similarity is no chance


def test_a_chance_plan_shows_the_chance_if_invited_of_the_planned_conversations(scored_world):
    store, engine = scored_world
    plan = plan_event(store, engine, "EV1", PlanControls())
    for cid, chances in plan.chances.items():
        miss = np.prod([1.0 - m.employer_chance for m in plan.meetings if m.candidate_id == cid])
        assert chances.if_invited == pytest.approx(1.0 - miss)
        assert chances.anyway is None and chances.net is None  # no work found alone in this world
    assert set(plan.chances) == set(plan.invited)
    assert plan.to_dict()["invite_by"] == "chance"


def _prospects(anyway, on_benefit=1.0):
    """A stand-in for the own-chance model: ``anyway(candidate)`` for each candidate."""
    from matching.events.net_value import OwnProspects

    def prospects(_store, _municipality, candidates, _on, months, years):
        assert months == 6 and years == 1
        return OwnProspects(np.array([anyway(c) for c in candidates]),
                            np.full((len(candidates), years), on_benefit))
    return prospects


def test_inviting_by_net_effect_passes_over_those_who_would_find_work_anyway(scored_world, monkeypatch):
    from matching.events import event_planning

    store, engine = scored_world
    seats = {f"T{t}": 1 for t in range(1, 6)}
    by_chance = plan_event(store, engine, "EV1", PlanControls(seats=seats, exploration_share=0.0))
    likely = set(by_chance.invited)

    monkeypatch.setattr(event_planning, "own_prospects",
                        _prospects(lambda c: 0.95 if c.id in likely else 0.05))
    by_net = plan_event(store, engine, "EV1",
                        PlanControls(seats=seats, exploration_share=0.0, invite_by="net"))
    assert len(by_net.invited) == len(by_chance.invited) and not likely & set(by_net.invited)
    for chances in by_net.chances.values():
        assert chances.anyway == pytest.approx(0.05)
        assert chances.net == pytest.approx(0.95 * chances.if_invited)
    assert by_net.to_dict()["chances"][0]["net"] is not None


def test_inviting_by_social_value_weighs_what_work_is_worth_for_each_candidate(scored_world, monkeypatch):
    from matching.events import event_planning
    from matching.sroi.outcome_value import value_per_good_outcome
    from matching.sroi.settings import SroiSettings

    store, engine = scored_world
    seats = {f"T{t}": 1 for t in range(1, 6)}
    monkeypatch.setattr(event_planning, "own_prospects", _prospects(lambda c: 0.1))
    by_net = plan_event(store, engine, "EV1",
                        PlanControls(seats=seats, exploration_share=0.0, invite_by="net"))
    # work is worth ten times as much to those the net objective left out
    left_out = {c.id for c in store.list(Candidate)} - set(by_net.invited)
    real_worth = event_planning.worth_of_good_outcome

    def worth(store_, municipality, candidates, prospects, on, **kwargs):
        base = real_worth(store_, municipality, candidates, prospects, on, **kwargs)
        return np.where([c.id in left_out for c in candidates], 10 * base, base)

    monkeypatch.setattr(event_planning, "worth_of_good_outcome", worth)
    by_value = plan_event(store, engine, "EV1",
                          PlanControls(seats=seats, exploration_share=0.0, invite_by="value"))
    assert set(by_value.invited) <= left_out and len(by_value.invited) == len(by_net.invited)
    cost = SroiSettings().rm_hours_per_invited * SroiSettings().rm_hourly_rate
    candidates = {c.id: c for c in store.list(Candidate)}
    for cid, chances in by_value.chances.items():
        c = candidates[cid]
        one = value_per_good_outcome([c.benefit_type.value], [c.hours_max], np.ones((1, 1)),
                                     job_share=0.5)  # no history of programme outcomes here
        assert chances.value == pytest.approx(chances.net * 10 * one[0] - cost)
    assert by_value.to_dict()["invite_by"] == "value"


def test_inviting_by_net_effect_needs_a_history_of_work_found_alone(world):
    store, engine = world
    for objective in ("net", "value"):
        with pytest.raises(EventPlanningError, match=f"cannot invite by {objective}") as info:
            plan_event(store, engine, "EV1", PlanControls(invite_by=objective))
        assert "Invite by chance" in info.value.suggestion
    with pytest.raises(ValueError, match="invite_by"):
        PlanControls(invite_by="uplift")


def test_more_rounds_than_hosts_gives_one_conversation_with_each_host_by_default(world):
    store, engine = world
    plan = plan_event(store, engine, "EV1", PlanControls(rounds=6, exploration_share=0.0))
    assert plan.rounds == 6 and plan.rounds_per_candidate == 5
    per_candidate = Counter(m.candidate_id for m in plan.meetings)
    assert set(per_candidate.values()) == {5}


def test_the_fair_exposure_policy_invites_a_group_the_values_alone_left_out():
    from matching.records.enums import Gender
    from matching.shortlists.fair_exposure import ExposurePolicy
    from matching.shortlists.shortlist import ShortlistConfig

    records = seeded_world()
    store, engine = build(records)
    plain = plan_event(store, engine, "EV1")
    left_out = {c.id for c in records if isinstance(c, Candidate)} - set(plain.invited) - set(plain.excluded)
    assert left_out
    # the candidates the values alone left out are the women: without a policy none is invited
    regendered = [r.model_copy(update={"gender": Gender.WOMAN if r.id in left_out else Gender.MAN})
                  if isinstance(r, Candidate) else r for r in records]
    store, engine = build(regendered, config=ShortlistConfig(fair_exposure=ExposurePolicy(0.8, 1.25)))
    fair = plan_event(store, engine, "EV1")
    eligible = [r for r in regendered if isinstance(r, Candidate) and r.id not in fair.excluded]
    share = sum(c.gender is Gender.WOMAN for c in eligible) / len(eligible)
    women = sum(1 for c in fair.invited if c in left_out)
    k = len(fair.invited)
    assert int(0.85 * share * k) <= women <= int(np.ceil(1.1875 * share * k)) and women > 0
    assert any(n.startswith("evenwichtige zichtbaarheid") for n in fair.notes)
    check_plan(store, fair, PlanControls())
