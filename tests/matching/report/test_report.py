from __future__ import annotations

import datetime as dt
import json
import re

import numpy as np
import pandas as pd
import pytest
from factories import MUNICIPALITY, make_candidate, make_employer, make_event, make_table

from matching.records.enums import AgeBand, CheckInStatus, ContractType, EducationLevel, OutcomeKind
from matching.records.schemas import CheckIn, Invitation, Outcome, TableMeeting
from matching.records.storage import Store
from matching.report.builder import build_report
from matching.report.kpis import Goals
from matching.report.net_effect import estimate_net_effect
from matching.report.period import parse_period
from matching.report.render import render_html
from matching.report.stats import chi2_independence
from matching.sroi.prices import PriceList
from matching.sroi.settings import read_price_file

M = MUNICIPALITY


# ---- period -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        ("2026-Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        ("2026-q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
        ("2026-02", dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
        ("2025-06:2026-05", dt.date(2025, 6, 1), dt.date(2026, 5, 31)),
    ],
)
def test_parse_period(text, start, end):
    period = parse_period(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("text", ["26", "2026-Q5", "2026-13", "2026-05:2025-06", "last year"])
def test_bad_period(text):
    with pytest.raises(ValueError, match="2026|month|before|period"):
        parse_period(text)


# ---- net effect: a hand-made answer -----------------------------------------------------------


def _people(group: str, cell: str, n: int, good: int) -> list[dict]:
    age = {"A": "25-44", "B": "45-54", "C": "55-67"}[cell]
    return [
        {"group": group, "age_band": age, "education_group": "sq", "benefit_band": "1-3y", "rung": 4,
             "category": "job" if i < good else "neither"}
        for i in range(n)
    ]


def known_frame() -> pd.DataFrame:
    rows = (
        _people("treated", "A", 100, 30)
        + _people("treated", "B", 100, 10)
        + _people("treated", "C", 10, 5)  # no comparison candidate in this cell
        + _people("comparison", "A", 50, 10)
        + _people("comparison", "B", 200, 10)
    )
    return pd.DataFrame(rows)


def test_net_effect_weights_comparison_to_the_candidates_cells():
    net = estimate_net_effect(known_frame())
    assert net.matched_treated == 200 and net.unmatched_treated == 10
    assert net.good_share_treated == pytest.approx(0.2)
    # comparison weighted 50/50 over cells A and B: (0.2 + 0.05) / 2
    assert net.good_share_comparison == pytest.approx(0.125)
    assert net.effect == pytest.approx(0.075)
    assert net.raw_effect == pytest.approx(45 / 210 - 20 / 250)
    # effective size p (1 - p) / variance, the variance linearised with weights 2 (A), 0.5 (B)
    w = np.array([2.0] * 50 + [0.5] * 200)
    y = np.array([1.0] * 10 + [0.0] * 40 + [1.0] * 10 + [0.0] * 190)
    variance = ((w * (y - 0.125)) ** 2).sum() / w.sum() ** 2
    assert net.effective_comparison == pytest.approx(0.125 * 0.875 / variance)
    assert net.ci_low < net.effect < net.ci_high
    assert net.chi2 is not None and net.df == 1


def test_effective_size_falls_back_to_kish_without_any_success():
    frame = known_frame()
    frame.loc[frame["group"] == "comparison", "category"] = "neither"
    net = estimate_net_effect(frame)
    # Kish: weights 2 (A) and 0.5 (B): (100 + 100)^2 / (50 * 4 + 200 * 0.25)
    assert net.effective_comparison == pytest.approx(160.0)
    assert net.good_share_comparison == 0.0 and net.ci_low > 0


def test_comparison_is_followed_from_each_start_date():
    """A comparison candidate who found work before a start date is not at risk on it."""
    from matching.report.net_effect import risk_set_rows

    comparison = pd.DataFrame(
        {"age_band": "25-44", "education_group": "sq", "benefit_band": "1-3y", "rung": 4,
         "registered_on": [None, dt.date(2026, 6, 1), None]},
        index=["K1", "K2", "K3"],
    )
    goods = pd.DataFrame({"candidate_id": ["K1", "K3"], "kind": ["job", "wep"],
                          "date": [dt.date(2026, 5, 1), dt.date(2027, 2, 1)]})
    rows = risk_set_rows(comparison, goods, [dt.date(2026, 3, 1), dt.date(2026, 9, 1)],
                         dt.date(2026, 12, 31))
    got = {(r.unit, r.start.month, r.category) for r in rows.itertuples()}
    # March: K1 (finds a job in May), K3 (WEP after the end: no); K2 not registered yet.
    # September: K1 already working, K2 and K3 at risk.
    assert got == {("K1", 3, "job"), ("K3", 3, "neither"), ("K2", 9, "neither"),
                   ("K3", 9, "neither")}


def test_net_effect_does_not_depend_on_row_order():
    frame = known_frame()
    shuffled = frame.sample(frac=1.0, random_state=3).reset_index(drop=True)
    a, b = estimate_net_effect(frame), estimate_net_effect(shuffled)
    assert a.effect == pytest.approx(b.effect)
    assert (a.ci_low, a.ci_high, a.chi2) == pytest.approx((b.ci_low, b.ci_high, b.chi2))


def test_net_effect_without_comparison_group():
    frame = known_frame()
    net = estimate_net_effect(frame[frame["group"] == "treated"])
    assert net.effect is None and "comparison" in net.note


# ---- a small hand-made municipality ----------------------------------------------------------


def small_store(tmp_path) -> Store:
    """Two events in 2026; 6 candidates invited, 6 in the comparison group."""
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    records: list = [
        make_employer("E1", first_contact=dt.date(2026, 2, 1)),
        make_employer("E2", first_contact=dt.date(2025, 5, 1)),
        make_employer("E3", first_contact=dt.date(2026, 11, 1)),
        make_event("EV1", date=dt.date(2026, 3, 12)),
        make_event("EV2", date=dt.date(2026, 9, 10)),
        make_event("EV0", date=dt.date(2025, 9, 10)),
        make_table("T1", "EV1", "E1"),
        make_table("T2", "EV2", "E2"),
        make_table("T0", "EV0", "E2"),
    ]
    for i in range(6):
        records.append(make_candidate(f"C{i}", age_band=AgeBand.A25_44 if i % 2 else AgeBand.A45_54,
                                      statushouder=i == 0, relationship_manager="anna"))
        age = AgeBand.A25_44 if i % 2 else AgeBand.A45_54
        records.append(make_candidate(f"K{i}", age_band=age))
        event = "EV1" if i < 3 else "EV2"
        records.append(Invitation(id=f"I{i}", municipality=M, event_id=event,
                                  candidate_id=f"C{i}", attended=i != 5))
        if i != 5:
            records.append(TableMeeting(id=f"M{i}", municipality=M, event_id=event,
                                        table_id="T1" if i < 3 else "T2",
                                        employer_id="E1" if i < 3 else "E2",
                                        candidate_id=f"C{i}", round=1, follow_up=i < 4))
    # invited only in 2025: in neither group for 2026
    records.append(make_candidate("X1", education=EducationLevel.HBO))
    records.append(Invitation(id="IX", municipality=M, event_id="EV0", candidate_id="X1"))
    start = dt.date(2026, 4, 1)
    records += [
        Outcome(id="O0", municipality=M, candidate_id="C0", employer_id="E1", event_id="EV1",
                kind=OutcomeKind.JOB, contract_type=ContractType.FIXED_12M, hours=36,
                start_date=start, recorded_on=start, wage_subsidy=True),
        CheckIn(id="O0-m6", municipality=M, outcome_id="O0", month=6,
                date=dt.date(2026, 10, 1), status=CheckInStatus.WORKING),
        Outcome(id="O1", municipality=M, candidate_id="C1", employer_id="E1", event_id="EV1",
                kind=OutcomeKind.WEP, hours=20, start_date=start, recorded_on=start),
        CheckIn(id="O1-m3", municipality=M, outcome_id="O1", month=3,
                date=dt.date(2026, 7, 1), status=CheckInStatus.STOPPED, reason="ziek"),
        Outcome(id="O2", municipality=M, candidate_id="C2", employer_id="E1", event_id="EV1",
                kind=OutcomeKind.FOLLOW_UP, recorded_on=dt.date(2026, 3, 20)),
        # comparison candidate found a job without werkkans
        Outcome(id="OK", municipality=M, candidate_id="K1", kind=OutcomeKind.JOB,
                contract_type=ContractType.PERMANENT, hours=30, start_date=dt.date(2026, 5, 1),
                recorded_on=dt.date(2026, 5, 1)),
        # outside the period: does not count
        Outcome(id="OX", municipality=M, candidate_id="C3", employer_id="E2", event_id="EV2",
                kind=OutcomeKind.JOB, contract_type=ContractType.PERMANENT, hours=30,
                start_date=dt.date(2027, 1, 5), recorded_on=dt.date(2027, 1, 5)),
    ]
    store.upsert(records)
    return store


@pytest.fixture
def store(tmp_path):
    s = small_store(tmp_path)
    yield s
    s.dispose()


def test_kpis_funnel_and_fairness(store):
    report = build_report(store, "2026", goals=Goals(new_contacts=2, jobs=4, weps=1))
    data = report.to_dict()
    json.dumps(data)  # JSON-serialisable
    (kpi,) = data["kpis"]
    assert (kpi["new_contacts"], kpi["jobs"], kpi["weps"]) == (2, 1, 1)
    assert kpi["share_of_goal"] == {"new_contacts": 1.0, "jobs": 0.25, "weps": 1.0}
    steps = {s["step"]: s for s in data["funnel"]}
    counts = [steps[k]["count"] for k in ("invited", "attended", "follow_up", "placed")]
    assert counts == [6, 5, 4, 2]
    assert steps["placed"]["share_of_invited"] == pytest.approx(2 / 6)
    # C0's job: working at month 6 -> sustained; 12 months unknown. C1's WEP stopped at 3.
    assert steps["sustained_6m"]["count"] == 1 and steps["sustained_6m"]["unknown"] == 0
    assert steps["sustained_12m"]["count"] == 0 and steps["sustained_12m"]["unknown"] == 1
    assert data["counts"]["comparison"] == 6 and data["counts"]["invited"] == 6
    statushouder = {row["value"]: row for row in data["fairness"]["statushouder"]}
    assert statushouder["ja"]["n"] == 1 and statushouder["ja"]["good_share_of_invited"] == 1.0
    assert set(data["fairness"]) >= {"age_band", "banenafspraak", "statushouder",
                                     "young_under_27", "benefit_band"}


def test_net_effect_and_chi2_in_the_report(store):
    net = build_report(store, "2026").to_dict()["net_effect"]
    assert net["n_treated"] == 6 and net["n_comparison"] == 6
    assert net["good_share_treated"] == pytest.approx(2 / 6)
    # K1 (25-44) found a job in May: at risk for the March cohort (1 of 3 in that cell),
    # no longer for September. Candidates: one 25-44 in March, none succeed otherwise.
    assert net["good_share_comparison"] == pytest.approx(1 / 18)
    assert net["shares_comparison_raw"]["job"] == pytest.approx(1 / 6)
    expected = chi2_independence(net["chi2_table"])
    assert net["chi2"] == pytest.approx(expected.chi2) and net["df"] == expected.df


def test_municipality_scope(store):
    store.upsert([make_candidate("Z1", municipality="GM0363")])
    report = build_report(store, "2026", municipality="GM0363")
    assert report.counts["candidates"] == 1 and report.kpis[0].municipality == "GM0363"
    both = build_report(store, "2026")
    assert [k.municipality for k in both.kpis] == ["GM0363", M]


def test_social_value_uses_prices_and_scenarios(store):
    base = build_report(store, "2026").to_dict()["social_value"]
    names = [s["scenario"] for s in base["scenarios"]]
    assert names == ["basis", "attributie 75 %", "attributie 100 %", "kosten -10 %"]
    costs_10 = next(s for s in base["scenarios"] if s["scenario"] == "kosten -10 %")
    assert costs_10["total_costs"] == pytest.approx(0.9 * base["total_costs"])
    richer = PriceList().with_values(wellbeing_per_person_year=50_000.0)
    more = build_report(store, "2026", prices=richer).to_dict()["social_value"]
    assert more["total_benefits"] > base["total_benefits"]
    assert {c["line"] for c in base["costs"]} >= {"relatiemanagers", "bijeenkomsten",
                                                  "uitstroompremie"}
    assert base["prices"]["bijstand_per_year"]["source"]


def test_price_file_errors_name_the_price():
    full = PriceList().to_dict()
    prices, settings = read_price_file(json.dumps(full))
    assert prices == PriceList() and settings is None
    negative = {**full, "wellbeing_per_person_year": {"value": -5}}
    with pytest.raises(ValueError, match="wellbeing_per_person_year"):
        read_price_file(json.dumps(negative))
    missing = {k: v for k, v in full.items() if k != "bijstand_per_year"}
    with pytest.raises(ValueError, match="bijstand_per_year"):
        read_price_file(json.dumps(missing))
    with pytest.raises(ValueError, match="attributie|unknown setting"):
        read_price_file(json.dumps({"prices": full, "settings": {"attributie": 0.5}}))
    _, settings = read_price_file(json.dumps({"prices": full, "settings": {"attribution": 0.5}}))
    assert settings.attribution == 0.5


def test_html_is_self_contained_and_printable(store):
    html = render_html(build_report(store, "2026"))
    assert html.startswith("<!DOCTYPE html>")
    assert "@media print" in html and "size: A4" in html
    assert html.count("data:image/png;base64,") >= 4
    assert not re.search(r"""(src|href)=["'](https?:)?//""", html)  # nothing loaded from elsewhere
    for heading in ("Werktop-doelen", "Netto-effect", "Maatschappelijke waarde",
                    "Gelijke kansen", "Zelf een kruistabel toetsen"):
        assert heading in html
    assert 'id="chi2-table"' in html and "werkkans stats chi2" in html


def test_empty_store_still_reports(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'e.db'}")
    report = build_report(store, "2026-Q1")
    assert report.net_effect.effect is None
    assert "<h1>" in render_html(report)


# ---- a simulated municipality with a comparison group ---------------------------------------

SIM_SEED = 11
SIM_PERIOD = "2025"  # the simulator starts on 1 January 2025 and runs 12 months


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """3,000 candidates, 150 employers, 12 monthly events; imported into SQLite."""
    from matching.records.importer import import_folder
    from training.simulator import SimulationConfig, simulate, write_world

    folder = tmp_path_factory.mktemp("simulated")
    world = simulate(
        SimulationConfig(seed=SIM_SEED, n_candidates=3000, n_employers=150, months=12)
    )
    write_world(world, folder)
    store = Store(f"sqlite:///{folder / 'werkkans.db'}")
    import_folder(store, folder)
    yield store, folder
    store.dispose()


@pytest.mark.slow
def test_report_recovers_the_true_effect(simulated):
    store, folder = simulated
    net = build_report(store, SIM_PERIOD, M, truth_dir=folder).net_effect
    truth = json.loads((folder / "truth" / "effect.json").read_text())["treated"]
    assert net.truth["true_effect"] == truth["att_expected"]
    assert net.matched_treated >= 0.9 * truth["n"]
    assert net.ci_low <= truth["att_expected"] <= net.ci_high, (
        f"estimate {net.effect:.3f} [{net.ci_low:.3f}, {net.ci_high:.3f}], "
        f"true {truth['att_expected']:.3f}"
    )
    assert net.truth["within_ci"] is True
    # comparing with the comparison group's whole year instead misses most of the effect
    assert abs(net.effect - truth["att_expected"]) < abs(net.raw_effect - truth["att_expected"])
    assert net.p < 0.001


@pytest.mark.slow
def test_report_for_3000_candidates_takes_at_most_10_seconds(simulated, record_property):
    import time

    store, _ = simulated
    started, cpu_started = time.perf_counter(), time.process_time()
    report = build_report(store, SIM_PERIOD, M)
    html = render_html(report)
    seconds = time.perf_counter() - started
    # the CPU time of this process is the target; wall time also counts other work on a shared machine
    cpu_seconds = time.process_time() - cpu_started
    record_property("report_seconds", round(seconds, 2))
    print(f"report for 3,000 candidates x 12 months: {seconds:.2f} s wall, {cpu_seconds:.2f} s CPU")
    assert report.counts["candidates"] == 3000
    assert len(html) > 10_000
    assert cpu_seconds <= 10.0


def test_the_monthly_group_ratios_agree_with_counts_straight_from_the_store(store):
    from matching.records.schemas import Candidate, Event

    report = build_report(store, "2026").to_dict()
    candidates = store.list(Candidate)
    day_of = {e.id: e.date for e in store.list(Event)}
    women = {c.id for c in candidates if c.gender is not None and c.gender.value == "v"}
    trend = next(t for t in report["fairness_trend"] if t["group"] == "women")
    assert trend["n"] == len(women) and len(trend["months"]) == 12
    for month, ratio in zip(trend["months"], trend["ratios"], strict=True):
        invited = {i.candidate_id for i in store.list(Invitation)
                   if day_of[i.event_id].strftime("%Y-%m") == month}
        inside, outside = len(invited & women), len(invited - women)
        expected = (None if not outside or not women
                    else (inside / len(women)) / (outside / (len(candidates) - len(women))))
        assert ratio == (pytest.approx(expected) if expected is not None else None), month
    assert "Per maand: hoe vaak een groep werd uitgenodigd" in render_html(build_report(store, "2026"))


@pytest.mark.slow
def test_the_net_effect_per_way_of_inviting_splits_the_candidates_by_their_first_plan(simulated):
    from matching.records.enums import InvitedBy
    from matching.records.schemas import Event

    store, _ = simulated
    invitations = store.list(Invitation, municipality=M)
    day = {e.id: e.date for e in store.list(Event, municipality=M)}
    try:
        # every plan invited by chance: its row is the section's own estimate
        store.upsert([i.model_copy(update={"invited_by": InvitedBy.CHANCE}) for i in invitations])
        report = build_report(store, SIM_PERIOD, M)
        whole = [r for r in report.net_by_objective if r["quarter"] is None]
        assert [r["objective"] for r in whole] == ["chance"] and whole[0]["label"] == "kans op een goed gesprek"
        assert whole[0]["effect"] == pytest.approx(report.net_effect.effect)
        assert whole[0]["invited"] == report.net_effect.n_treated
        # events alternately by chance and by net: each candidate counts under their first plan
        events = sorted(day, key=day.get)
        net_events = set(events[1::2])
        store.upsert([i.model_copy(update={"invited_by": InvitedBy.NET if i.event_id in net_events
                                           else InvitedBy.CHANCE}) for i in invitations])
        report = build_report(store, SIM_PERIOD, M)
        first = {}
        for i in sorted(invitations, key=lambda i: (day[i.event_id], i.id)):
            if parse_period(SIM_PERIOD).contains(day[i.event_id]):
                first.setdefault(i.candidate_id, "net" if i.event_id in net_events else "chance")
        rows = report.net_by_objective
        for objective in ("chance", "net"):
            mine = [r for r in rows if r["objective"] == objective]
            assert mine[0]["quarter"] is None
            assert mine[0]["invited"] == sum(v == objective for v in first.values())
            assert sum(r["invited"] for r in mine[1:]) == mine[0]["invited"]  # quarters add up
            assert all(r["effect"] is not None for r in mine[:1])
        html = render_html(report)
        assert "Per manier van uitnodigen" in html and "het verschil dat het maakt" in html
    finally:
        store.upsert(invitations)


def test_the_lottery_of_exploration_seats_compares_drawn_with_not_drawn_within_each_event():
    from matching.records.schemas import ExplorationDraw

    store = Store("sqlite://")
    day1, day2 = dt.date(2026, 3, 1), dt.date(2026, 4, 1)
    ev1 = [f"A{i}" for i in range(20)]  # 4 drawn, 16 not
    ev2 = ["B0", "B1", "B2"]  # 1 drawn, 2 not
    draws = [ExplorationDraw(id=f"L{c}", municipality=M, event_id="EV1", candidate_id=c,
                             drawn=i < 4) for i, c in enumerate(ev1)]
    draws += [ExplorationDraw(id=f"L{c}", municipality=M, event_id="EV2", candidate_id=c,
                              drawn=i < 1) for i, c in enumerate(ev2)]

    def job(candidate: str, start: dt.date, kind: OutcomeKind = OutcomeKind.JOB) -> Outcome:
        return Outcome(id=f"O{candidate}", municipality=M, candidate_id=candidate, kind=kind,
                       contract_type=ContractType.PERMANENT if kind is OutcomeKind.JOB else None,
                       start_date=start, recorded_on=start)

    later = dt.date(2026, 6, 1)
    store.upsert([
        *(make_candidate(c) for c in ev1 + ev2),
        make_event("EV1", date=day1), make_event("EV2", date=day2), *draws,
        job("A0", later), job("A1", later),  # 2 of the 4 drawn in EV1
        job("A4", later, OutcomeKind.WEP), job("A5", later),  # 2 of the 16 not drawn in EV1
        job("A6", dt.date(2026, 1, 10)),  # before the event: does not count
        job("B0", later), job("B1", later),  # EV2: the drawn one and 1 of the 2 not drawn
    ])
    lottery = build_report(store, "2026", M).lottery
    assert lottery.matched_treated == 5 and lottery.good_share_treated == pytest.approx(3 / 5)
    # within each event: EV1's 16 weigh 4/16 each, EV2's 2 weigh 1/2 each
    assert lottery.good_share_comparison == pytest.approx((0.25 * 2 + 0.5 * 1) / (0.25 * 16 + 0.5 * 2))
    assert lottery.effect == pytest.approx(0.6 - 0.2)
    assert lottery.ci_low < lottery.effect < lottery.ci_high
    html = render_html(build_report(store, "2026", M))
    assert "Uit de loting van de verkenningsplaatsen" in html and "40,0 procentpunt" in html
    assert build_report(store, "2025", M).lottery is None  # no lottery in that period
