"""Table planner: exact against brute force, every constraint checked independently."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from matching.events.table_plan_problem import Assignment, PlanningError, Table, TablePlan
from matching.events.table_planner import greedy_plan, plan_tables

EXACT = ["flow", "lp", "milp"]


# --------------------------------------------------------------------------- references


def random_instance(
    rng, n_c, n_e, rounds, *, tables_per_employer=(1, 2), seats=(1, 3), veto_rate=0.15
):
    """Utilities in [0, 1] with random vetoes; each employer hosts one or more tables."""
    u = rng.random((n_c, n_e))
    veto = rng.random((n_c, n_e)) < veto_rate
    tables = []
    for e in range(n_e):
        for j in range(rng.integers(tables_per_employer[0], tables_per_employer[1] + 1)):
            tables.append(Table(f"E{e}T{j}", e, int(rng.integers(seats[0], seats[1] + 1))))
    return u, veto, tables


def brute_force(u, veto, tables, rounds, k):
    """Best total utility over all feasible plans, or None if there is none."""
    n_c = u.shape[0]
    options = []  # per candidate: (value, tuple of (table, round))
    for c in range(n_c):
        opts = []
        for rs in itertools.combinations(range(rounds), k):
            for ts in itertools.product(range(len(tables)), repeat=k):
                emps = [tables[t].employer_index for t in ts]
                if len(set(emps)) < k or any(veto[c, e] for e in emps):
                    continue
                opts.append((sum(u[c, e] for e in emps), tuple(zip(ts, rs, strict=False))))
        options.append(opts)
    free = {(t, r): tables[t].seats for t in range(len(tables)) for r in range(rounds)}
    best = [None]

    def go(c, total):
        if c == n_c:
            best[0] = total if best[0] is None else max(best[0], total)
            return
        for value, seats in options[c]:
            if all(free[s] > 0 for s in seats):
                for s in seats:
                    free[s] -= 1
                go(c + 1, total + value)
                for s in seats:
                    free[s] += 1

    go(0, 0.0)
    return best[0]


def check_plan(plan, u, veto, tables, rounds, k, *, complete=True):
    """Verify every constraint of a plan without using the planner's own helpers."""
    n_c, _n_e = u.shape
    by_id = {t.table_id: t for t in tables}
    per_table_round, per_cand_round, per_pair = {}, set(), set()
    seats = np.zeros(n_c, dtype=int)
    total = 0.0
    for a in plan.assignments:
        assert isinstance(a, Assignment)
        assert 0 <= a.round < rounds
        assert 0 <= a.candidate_index < n_c
        t = by_id[a.table_id]
        assert a.employer_index == t.employer_index
        assert not veto[a.candidate_index, a.employer_index], "vetoed pair used"
        assert np.isfinite(u[a.candidate_index, a.employer_index]), "-inf pair used"
        assert a.utility == pytest.approx(u[a.candidate_index, a.employer_index])
        key = (a.table_id, a.round)
        per_table_round[key] = per_table_round.get(key, 0) + 1
        assert per_table_round[key] <= t.seats, f"table {a.table_id} over its seats"
        assert (a.candidate_index, a.round) not in per_cand_round, "two tables in one round"
        per_cand_round.add((a.candidate_index, a.round))
        assert (a.candidate_index, a.employer_index) not in per_pair, "same employer twice"
        per_pair.add((a.candidate_index, a.employer_index))
        seats[a.candidate_index] += 1
        total += u[a.candidate_index, a.employer_index]
    assert (seats <= k).all()
    if complete:
        assert (seats == k).all(), "a candidate did not get all their rounds"
    assert plan.objective == pytest.approx(total, abs=1e-9)
    if np.isfinite(plan.lp_bound):
        assert plan.objective <= plan.lp_bound + 1e-7 * max(1.0, abs(plan.lp_bound))
        assert plan.gap >= 0


# --------------------------------------------------------------------------- optimality


@pytest.mark.parametrize("method", EXACT)
def test_objective_equals_brute_force_optimum(method):
    rng = np.random.default_rng(7)
    solved = infeasible = 0
    for _ in range(40):
        n_e = int(rng.integers(2, 4))
        rounds, k = 2, int(rng.integers(1, 3))
        u, veto, tables = random_instance(rng, 4, n_e, rounds, seats=(1, 2), veto_rate=0.2)
        tables = tables[:4]
        best = brute_force(u, veto, tables, rounds, k)
        if best is None:
            with pytest.raises(PlanningError) as err:
                plan_tables(u, tables, rounds, rounds_per_candidate=k, veto=veto, method=method)
            assert err.value.suggestion
            infeasible += 1
            continue
        plan = plan_tables(u, tables, rounds, rounds_per_candidate=k, veto=veto, method=method)
        check_plan(plan, u, veto, tables, rounds, k)
        assert plan.objective == pytest.approx(best, abs=1e-9)
        assert plan.gap == pytest.approx(0.0, abs=1e-9)
        solved += 1
    assert solved >= 20 and infeasible >= 1  # both branches exercised


@pytest.mark.parametrize("method", ["flow", "lp"])
def test_every_constraint_holds_on_medium_instances(method):
    rng = np.random.default_rng(11)
    for n_c, n_e, rounds in [(60, 8, 4), (120, 10, 5), (45, 6, 3), (33, 7, 6)]:
        u, veto, tables = random_instance(rng, n_c, n_e, rounds, seats=(3, 6), veto_rate=0.1)
        seats = sum(t.seats for t in tables)
        k = min(rounds, seats * rounds // n_c, 3)
        plan = plan_tables(u, tables, rounds, rounds_per_candidate=k, veto=veto, method=method)
        check_plan(plan, u, veto, tables, rounds, k)
        assert plan.method == method
        assert plan.gap < 1e-9


def test_exact_methods_agree_and_bound_is_the_lp_value():
    rng = np.random.default_rng(3)
    for _ in range(5):
        u, veto, tables = random_instance(rng, 24, 5, 3, seats=(2, 4), veto_rate=0.05)
        plans = {
            m: plan_tables(u, tables, 3, rounds_per_candidate=2, veto=veto, method=m)
            for m in EXACT
        }
        objectives = [p.objective for p in plans.values()]
        bounds = [p.lp_bound for p in plans.values()]
        assert max(objectives) - min(objectives) < 1e-7
        # flow's Lagrangian bound, the b-matching LP and the time-indexed LP coincide
        assert max(bounds) - min(bounds) < 1e-6
        assert plans["flow"].lp_bound == pytest.approx(plans["flow"].objective, rel=1e-9)


def test_negative_utilities_are_still_seated():
    u = np.array([[-1.0, -2.0], [-0.5, 3.0]])
    plan = plan_tables(u, [("A", 0, 2), ("B", 1, 2)], rounds=2)
    assert plan.objective == pytest.approx(-0.5)
    assert plan.complete


# --------------------------------------------------------------------------- structure


def test_known_answer_and_views():
    u = np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]])
    plan = plan_tables(u, [("A", 0, 2), ("B", 1, 2)], rounds=2)
    assert isinstance(plan, TablePlan)
    assert plan.objective == pytest.approx(3.0) and plan.method == "flow"
    assert plan.meeting_matrix().all()
    assert [len(r) for r in plan.by_round()] == [3, 3]
    by_table = plan.by_table()
    assert sorted(len(x) for x in by_table["A"]) == [1, 2]
    assert all([a.round for a in seats] == [0, 1] for seats in plan.by_candidate())
    assert plan.seats_per_candidate().tolist() == [2, 2, 2]
    assert plan.summary()["seat_fill"] == pytest.approx(6 / 8)


def test_vetoes_and_minus_inf_are_never_used():
    rng = np.random.default_rng(5)
    u, veto, tables = random_instance(rng, 40, 6, 3, seats=(3, 5), veto_rate=0.3)
    u = u.copy()
    u[rng.random(u.shape) < 0.1] = -np.inf
    allowed = ~veto & np.isfinite(u)
    u[~allowed & ~veto] = -np.inf
    k = int(min(2, allowed.sum(axis=1).min()))
    plan = plan_tables(u, tables, 3, rounds_per_candidate=k, veto=veto)
    check_plan(plan, u, veto, tables, 3, k)
    assert not (plan.meeting_matrix() & ~allowed).any()


def test_same_employer_never_twice_across_its_tables():
    u = np.array([[1.0, 0.0, 0.0]] * 4)
    tables = [("A1", 0, 2), ("A2", 0, 2), ("B", 1, 4), ("C", 2, 4)]
    plan = plan_tables(u, tables, rounds=3)
    check_plan(plan, u, np.zeros_like(u, dtype=bool), [Table(*t) for t in tables], 3, 3)
    assert (plan.meeting_matrix().sum(axis=1) == 3).all()


def test_employer_tables_fill_evenly():
    u = np.ones((8, 2))
    tables = [("A1", 0, 3), ("A2", 0, 3), ("B", 1, 4)]
    plan = plan_tables(u, tables, rounds=2, rounds_per_candidate=1)
    fills = plan.by_table()
    for r in range(2):
        assert abs(len(fills["A1"][r]) - len(fills["A2"][r])) <= 1


def test_permuting_candidates_permutes_the_plan():
    rng = np.random.default_rng(21)
    u, veto, tables = random_instance(rng, 50, 7, 4, tables_per_employer=(2, 2), seats=(3, 5))
    perm = rng.permutation(50)
    a = plan_tables(u, tables, 4, rounds_per_candidate=3, veto=veto)
    b = plan_tables(u[perm], tables, 4, rounds_per_candidate=3, veto=veto[perm])
    assert a.objective == pytest.approx(b.objective, rel=1e-12)
    # continuous utilities make the optimal meetings unique; rounds may be scheduled differently
    np.testing.assert_array_equal(a.meeting_matrix()[perm], b.meeting_matrix())


def test_sitting_out_rounds_when_fewer_rounds_are_asked():
    rng = np.random.default_rng(2)
    u, veto, tables = random_instance(
        rng, 30, 4, 5, tables_per_employer=(1, 1), seats=(4, 4), veto_rate=0
    )
    plan = plan_tables(u, tables, 5, rounds_per_candidate=2)
    check_plan(plan, u, veto, tables, 5, 2)
    # each employer's meetings are spread evenly over the rounds
    for table in plan.by_table().values():
        loads = [len(seated) for seated in table]
        assert max(loads) - min(loads) <= 1


def test_large_event_is_exact_and_fast():
    rng = np.random.default_rng(9)
    u, veto, tables = random_instance(
        rng, 600, 20, 5, tables_per_employer=(3, 3), seats=(10, 12), veto_rate=0.05
    )
    plan = plan_tables(u, tables, 5, veto=veto)
    check_plan(plan, u, veto, tables, 5, 5)
    assert plan.gap < 1e-9
    assert plan.solve_seconds < 5


# --------------------------------------------------------------------------- greedy baseline


def test_greedy_follows_its_rule_and_is_never_better():
    u = np.array([[0.9, 0.8], [0.95, 0.1]])
    plan = greedy_plan(u, [("A", 0, 1), ("B", 1, 1)], rounds=2)
    first = {a.candidate_index: a.table_id for a in plan.by_round()[0]}
    assert first == {0: "A", 1: "B"}  # candidate 0 chooses first and takes A
    rng = np.random.default_rng(4)
    for _ in range(10):
        u, veto, tables = random_instance(rng, 30, 6, 3, seats=(3, 5))
        g = greedy_plan(u, tables, 3, rounds_per_candidate=2, veto=veto)
        opt = plan_tables(u, tables, 3, rounds_per_candidate=2, veto=veto)
        check_plan(g, u, veto, tables, 3, 2, complete=False)
        assert g.method == "greedy"
        assert g.objective <= opt.objective + 1e-9
        assert g.lp_bound == pytest.approx(opt.lp_bound, rel=1e-9)


def test_greedy_can_leave_candidates_short_where_the_optimum_does_not():
    u = np.array([[1.0, 0.0], [1.0, -np.inf]])
    tables = [("A", 0, 1), ("B", 1, 1)]
    assert not greedy_plan(u, tables, rounds=1).complete
    assert plan_tables(u, tables, rounds=1).complete


# --------------------------------------------------------------------------- infeasible requests


def test_rounds_zero():
    with pytest.raises(ValueError, match="rounds must be >= 1, got 0"):
        plan_tables(np.ones((2, 2)), [("A", 0, 2)], rounds=0)


def test_table_without_seats_is_named():
    with pytest.raises(PlanningError, match="'T-bakkerij'") as err:
        plan_tables(np.ones((2, 2)), [("A", 0, 2), ("T-bakkerij", 1, 0)], rounds=1)
    assert err.value.ids == ("T-bakkerij",)
    assert "seat" in err.value.suggestion


def test_more_seats_than_candidates_leaves_seats_empty():
    u = np.random.default_rng(0).random((3, 2))
    plan = plan_tables(u, [("A", 0, 10), ("B", 1, 10)], rounds=2)
    assert plan.complete and len(plan.assignments) == 6


def test_fewer_seats_than_candidates_says_what_would_work():
    u = np.random.default_rng(0).random((30, 5))
    tables = [(f"T{e}", e, 5) for e in range(5)]  # 25 seats per round for 30 candidates
    with pytest.raises(PlanningError, match="need 90 seats") as err:
        plan_tables(u, tables, rounds=3)
    assert "Invite at most 25 candidates" in err.value.suggestion
    assert "rounds_per_candidate=2 would work" in err.value.suggestion
    plan = plan_tables(u, tables, rounds=3, rounds_per_candidate=2)
    check_plan(plan, u, np.zeros(u.shape, dtype=bool), [Table(*t) for t in tables], 3, 2)


def test_candidate_with_too_few_employers_is_named():
    u = np.ones((3, 3))
    veto = np.zeros((3, 3), dtype=bool)
    veto[1, 0] = True
    tables = [("A", 0, 3), ("B", 1, 3), ("C", 2, 3)]
    expected = "candidate 'K2' has only 2 employers without veto but 3 rounds were asked"
    with pytest.raises(PlanningError, match=expected) as err:
        plan_tables(u, tables, 3, veto=veto, candidate_ids=["K1", "K2", "K3"])
    assert err.value.ids == ("K2",)
    assert "rounds_per_candidate=2 would work" in err.value.suggestion


def test_candidate_vetoed_everywhere_is_named():
    u = np.ones((3, 2))
    u[2] = -np.inf
    with pytest.raises(PlanningError, match="candidate\\(s\\) 2 cannot meet any employer") as err:
        plan_tables(u, [("A", 0, 3), ("B", 1, 3)], 1)
    assert "Do not invite" in err.value.suggestion


def test_bottleneck_at_a_popular_employer_is_explained():
    # three candidates only accept employer 0, whose one seat serves two of them over two rounds
    u = np.ones((4, 3))
    veto = np.zeros((4, 3), dtype=bool)
    veto[:3, 1:] = True
    with pytest.raises(PlanningError, match="3 candidates \\(0, 1, 2\\) need 3 seats") as err:
        tables = [("A", 0, 1), ("B", 1, 2), ("C", 2, 2)]
        plan_tables(u, tables, 2, rounds_per_candidate=1, veto=veto)
    assert "employer(s) 0" in err.value.suggestion
    assert err.value.ids == (0, 1, 2)


def test_rounds_per_candidate_above_rounds():
    with pytest.raises(PlanningError, match="rounds_per_candidate=3 exceeds rounds=2"):
        plan_tables(np.ones((2, 3)), [("A", 0, 2)], 2, rounds_per_candidate=3)


@pytest.mark.parametrize(
    ("u", "tables", "match"),
    [
        (np.ones(3), [("A", 0, 1)], "2-D"),
        (np.array([[np.nan, 1.0]]), [("A", 0, 1)], "finite or -inf"),
        (np.ones((2, 2)), [("A", 5, 1)], "employer index 5"),
        (np.ones((2, 2)), [("A", 0, 1), ("A", 1, 1)], "unique"),
    ],
)
def test_malformed_input(u, tables, match):
    with pytest.raises(ValueError, match=match):
        plan_tables(u, tables, 1)


def test_nan_is_accepted_where_vetoed_and_empty_pool_gives_empty_plan():
    u = np.array([[np.nan, 1.0]])
    plan = plan_tables(u, [("A", 0, 1), ("B", 1, 1)], 1, veto=np.array([[True, False]]))
    assert [a.table_id for a in plan.assignments] == ["B"]
    empty = plan_tables(np.zeros((0, 2)), [("A", 0, 1)], 2)
    assert empty.assignments == [] and empty.objective == 0.0 and empty.complete


def test_greedy_order_must_be_a_permutation_and_is_followed():
    u = np.array([[0.9, 0.8], [0.95, 0.1]])
    tables = [("A", 0, 1), ("B", 1, 1)]
    plan = greedy_plan(u, tables, rounds=1, order=[1, 0])
    assert {a.candidate_index: a.table_id for a in plan.assignments} == {1: "A", 0: "B"}
    with pytest.raises(ValueError, match="permutation"):
        greedy_plan(u, tables, rounds=1, order=[0, 0])


def test_milp_with_a_time_limit_still_returns_a_checked_plan():
    rng = np.random.default_rng(13)
    u, veto, tables = random_instance(rng, 12, 4, 3, seats=(3, 4), veto_rate=0.05)
    plan = plan_tables(u, tables, 3, rounds_per_candidate=2, veto=veto, method="milp", time_limit=5)
    check_plan(plan, u, veto, tables, 3, 2)
    assert plan.method == "milp"
