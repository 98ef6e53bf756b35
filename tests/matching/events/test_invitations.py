"""Invitation list: organiser controls, spreading over a series, concentration figures."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from matching.events.invitations import (
    InvitationList,
    InvitationPolicy,
    PlanningError,
    candidate_value,
    capacity_for,
    gini,
    invitation_concentration,
    invitation_counts,
    select_invitations,
)
from matching.events.table_planner import plan_tables


def brute_force_best(scores, capacity, must, blocked):
    """Highest total score over all lists that contain the must-invites and no blocked candidate."""
    n = len(scores)
    pool = [i for i in range(n) if i not in must and not blocked[i] and np.isfinite(scores[i])]
    size = min(capacity - len(must), len(pool))
    return max(sum(scores[i] for i in must) + sum(scores[i] for i in extra)
               for extra in itertools.combinations(pool, size))


def test_picks_the_best_candidates():
    value = np.array([0.9, 0.8, 0.1, 0.5])
    result = select_invitations(value, 2)
    assert isinstance(result, InvitationList)
    assert result.invited == [0, 1] and result.shortfall == 0


def test_matches_brute_force_under_all_controls():
    rng = np.random.default_rng(1)
    for _ in range(60):
        n = int(rng.integers(3, 10))
        value = rng.random(n)
        value[rng.random(n) < 0.1] = -np.inf
        events = rng.integers(0, 3, n)
        recent = rng.integers(0, 4, n)
        finite = np.flatnonzero(np.isfinite(value))
        must = {int(i) for i in rng.choice(finite, size=min(1, len(finite)), replace=False)}
        never = {int(i) for i in rng.choice(n, size=2, replace=False)} - must
        policy = InvitationPolicy(
            must_invite=must, never_invite=never, max_events_per_period=2, recency_decay=0.7
        )
        capacity = int(rng.integers(len(must), n + 1))
        result = select_invitations(
            value, capacity, policy, events_in_period=events, recent_invitations=recent
        )
        scores = value * 0.7**recent
        blocked = np.isin(np.arange(n), list(never)) | (events >= 2)
        assert set(must) <= set(result.invited)
        assert not (set(result.invited) - set(must)) & {i for i in range(n) if blocked[i]}
        total = sum(scores[i] for i in result.invited)
        assert total == pytest.approx(brute_force_best(scores, capacity, must, blocked))


def test_utility_matrix_and_vetoes():
    u = np.array([[0.9, -np.inf, 0.1], [0.5, 0.5, 0.5], [0.8, 0.7, 0.0]])
    veto = np.zeros_like(u, dtype=bool)
    veto[2, 2] = True
    np.testing.assert_allclose(candidate_value(u, veto=veto, meetings=2), [1.0, 1.0, 1.5])
    np.testing.assert_allclose(candidate_value(u, veto=veto, meetings=1), [0.9, 0.5, 0.8])
    assert candidate_value(u, veto=veto, meetings=3)[[0, 2]].tolist() == [-np.inf, -np.inf]
    result = select_invitations(u, 3, veto=veto, meetings=3)
    assert result.invited == [1] and result.shortfall == 2
    assert result.excluded["too_few_employers"] == [0, 2]


def test_never_invite_and_unknown_ids():
    value = np.array([0.9, 0.8, 0.7])
    ids = ["a", "b", "c"]
    # a standing list may name people outside this pool
    policy = InvitationPolicy(never_invite={"a", "zz"})
    result = select_invitations(value, 2, policy, candidate_ids=ids)
    assert result.invited_ids == ["b", "c"]
    assert result.excluded["never_invite"] == ["a"]


def test_must_invite_comes_first_even_when_weak():
    value = np.array([0.9, 0.8, 0.05])
    policy = InvitationPolicy(must_invite={"c"})
    result = select_invitations(value, 2, policy, candidate_ids=["a", "b", "c"])
    assert result.invited_ids == ["c", "a"]


def test_contradictory_lists_name_the_ids():
    policy = InvitationPolicy(must_invite={"b", "c"}, never_invite={"c", "d"})
    with pytest.raises(PlanningError, match="'c'") as err:
        select_invitations(np.ones(4), 3, policy, candidate_ids=list("abcd"))
    assert err.value.ids == ("c",)
    assert "one of the two lists" in err.value.suggestion


def test_more_must_invites_than_places():
    with pytest.raises(PlanningError, match="3 must-invite candidates but only 2 places") as err:
        select_invitations(np.ones(5), 2, InvitationPolicy(must_invite={0, 1, 2}))
    assert "drop 1" in err.value.suggestion


def test_must_invite_vetoed_everywhere():
    u = np.array([[0.5, 0.5], [-np.inf, -np.inf]])
    with pytest.raises(PlanningError, match="'K2'.*vetoed by every employer"):
        select_invitations(u, 2, InvitationPolicy(must_invite={"K2"}), candidate_ids=["K1", "K2"])


def test_must_invite_not_in_pool():
    with pytest.raises(PlanningError, match="not in the candidate pool"):
        select_invitations(np.ones(2), 2, InvitationPolicy(must_invite={7}))


def test_period_cap_excludes_but_must_invite_overrides():
    value = np.array([0.9, 0.8, 0.7, 0.6])
    events = np.array([2, 2, 0, 0])
    policy = InvitationPolicy(must_invite={1}, max_events_per_period=2)
    result = select_invitations(value, 3, policy, events_in_period=events)
    assert sorted(result.invited) == [1, 2, 3]
    assert result.excluded["at_period_cap"] == [0]
    assert result.cap_overrides == [1]
    with pytest.raises(ValueError, match="events_in_period is required"):
        select_invitations(value, 3, policy)


def test_recency_decay_penalises_both_signs_and_reserves():
    value = np.array([1.0, 0.9, -0.2, -0.3])
    recent = np.array([2, 0, 1, 0])
    policy = InvitationPolicy(recency_decay=0.5, n_reserves=1)
    result = select_invitations(value, 2, policy, recent_invitations=recent)
    np.testing.assert_allclose(result.scores, [0.25, 0.9, -0.4, -0.3])
    assert result.invited == [1, 0] and result.reserves == [3]


def test_permuting_the_pool_permutes_the_list():
    rng = np.random.default_rng(5)
    value, recent = rng.random(40), rng.integers(0, 3, 40)
    perm = rng.permutation(40)
    policy = InvitationPolicy(recency_decay=0.8)
    a = select_invitations(value, 10, policy, recent_invitations=recent)
    b = select_invitations(value[perm], 10, policy, recent_invitations=recent[perm])
    assert sorted(perm[b.invited]) == sorted(a.invited)


def test_spreading_lowers_concentration_over_a_year():
    rng = np.random.default_rng(0)
    n, per_event, months = 200, 30, 12
    base = rng.beta(2, 5, n)  # a stable pool: the same people look strong every month

    def run(decay):
        history = []
        for _ in range(months):
            value = base * np.exp(rng.normal(0, 0.1, n))
            recent = invitation_counts(history[-3:], n)
            policy = InvitationPolicy(recency_decay=decay)
            chosen = select_invitations(value, per_event, policy, recent_invitations=recent)
            history.append(chosen.invited)
        return invitation_concentration(invitation_counts(history, n))

    greedy, spread = run(1.0), run(0.3)
    assert spread["gini"] < greedy["gini"] - 0.2
    assert spread["top10_share"] < greedy["top10_share"]
    assert spread["reached"] > greedy["reached"]
    assert greedy["n_invitations"] == spread["n_invitations"] == months * per_event


def test_gini_and_top_share_known_answers():
    assert gini(np.array([3, 3, 3])) == 0.0
    assert gini(np.array([0, 0, 0, 0, 10])) == pytest.approx(0.8)
    x = np.random.default_rng(2).integers(0, 9, 50)
    pairwise = np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())
    assert gini(x) == pytest.approx(pairwise)
    counts = np.array([10] + [0] * 9 + [1] * 10)  # top 10 % of 20 candidates = 2 candidates
    figures = invitation_concentration(counts)
    assert next(iter(figures)) == "gini"
    assert figures["top10_share"] == pytest.approx(11 / 20)
    assert figures["reached"] == pytest.approx(11 / 20)
    assert invitation_concentration(np.zeros(4))["gini"] == 0.0


def test_capacity_for_tables():
    tables = [("A", 0, 6), ("B", 1, 6), ("C", 2, 6)]
    assert capacity_for(tables, 3) == 18
    assert capacity_for(tables, 3, rounds_per_candidate=2) == 27
    with pytest.raises(ValueError, match="rounds must be >= 1, got 0"):
        capacity_for(tables, 0)


def test_invited_list_plans_without_veto_errors():
    rng = np.random.default_rng(8)
    u = rng.random((80, 5))
    u[rng.random(u.shape) < 0.3] = -np.inf
    tables = [(f"T{e}", e, 6) for e in range(5)]
    capacity = capacity_for(tables, 3)
    result = select_invitations(u, capacity, meetings=3)
    plan = plan_tables(u[result.invited], tables, 3)
    assert plan.complete and len(result.invited) == capacity


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"capacity": -1}, "capacity"),
        ({"capacity": 2, "recent_invitations": np.ones(2)}, "recent_invitations"),
        ({"capacity": 2, "candidate_ids": ["a", "a", "b"]}, "unique"),
    ],
)
def test_malformed_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        select_invitations(np.ones(3), **kwargs)


def test_policy_validates_itself():
    with pytest.raises(ValueError, match="recency_decay"):
        InvitationPolicy(recency_decay=0.0)


def test_exploration_seats_are_drawn_at_random_from_the_eligible_rest():
    value = np.linspace(1.0, 0.0, 40)
    value[5] = -np.inf  # cannot attend: never drawn
    policy = InvitationPolicy(never_invite={7}, exploration_share=0.25, seed=3)
    chosen = select_invitations(value, 12, policy)
    assert len(chosen.invited) == 12 and len(chosen.explored_ids) == 3
    # the nine best by value, then three drawn from the rest
    assert chosen.invited[:9] == [0, 1, 2, 3, 4, 6, 8, 9, 10]
    assert set(chosen.explored_ids) == set(chosen.invited[9:])
    assert not {5, 7} & set(chosen.explored_ids) and min(chosen.explored_ids) > 10
    again = select_invitations(value, 12, policy)
    assert again.explored_ids == chosen.explored_ids  # the same seed, the same draw
    other = select_invitations(value, 12, InvitationPolicy(never_invite={7}, exploration_share=0.25, seed=4))
    assert other.explored_ids != chosen.explored_ids
    assert not set(chosen.reserves) & set(chosen.invited)


def test_no_exploration_by_default_and_a_bad_share_is_refused():
    value = np.linspace(1.0, 0.0, 10)
    assert select_invitations(value, 4).explored_ids == []
    with pytest.raises(ValueError, match="exploration_share"):
        InvitationPolicy(exploration_share=0.8)


def test_a_fair_exposure_policy_brings_each_group_within_its_bounds_at_least_cost():
    from matching.shortlists.fair_exposure import ExposurePolicy

    n = 40
    value = np.linspace(1.0, 0.01, n)  # candidate 0 is worth most
    women = np.zeros(n, dtype=bool)
    women[20:] = True  # half the pool, all in the bottom half by value
    older = np.zeros(n, dtype=bool)
    older[[0, 1, 2, 3, 4, 5, 6, 7]] = True  # 20 % of the pool, all at the top
    plain = select_invitations(value, 10)
    assert plain.invited == list(range(10)) and plain.balanced == 0
    fair = select_invitations(value, 10, groups={"women": women, "older": older},
                              exposure=ExposurePolicy(0.8, 1.25))
    chosen = np.array(fair.invited)
    # bounds over 10 places: women 0.5 * 10 -> 4..7, older 0.2 * 10 -> 1..3
    assert 4 <= women[chosen].sum() <= 7 and 1 <= older[chosen].sum() <= 3
    # the fewest swaps: the four best women in for the four older of least value (mending both
    # groups), then one more older out for the best remaining: five swaps, five changes
    assert fair.balanced == len(set(fair.invited) - set(plain.invited))
    assert fair.value_given_up == pytest.approx(value[plain.invited].sum() - value[chosen].sum())
    assert set(chosen[women[chosen]]) == {20, 21, 22, 23}  # the best women
    assert fair.invited == sorted(fair.invited, key=lambda i: -value[i])


def test_a_group_short_of_its_share_earlier_in_the_period_is_made_up_now():
    from matching.shortlists.fair_exposure import ExposurePolicy

    n = 40
    value = np.linspace(1.0, 0.01, n)
    women = np.zeros(n, dtype=bool)
    women[20:] = True  # half the pool, all in the bottom half by value
    policy = ExposurePolicy(0.8, 1.25)
    alone = select_invitations(value, 10, groups={"women": women}, exposure=policy)
    # 20 invitations earlier this period, none to women: their due over 30 places is 15
    behind = select_invitations(value, 10, groups={"women": women}, exposure=policy,
                                earlier=(20, {"women": 0}))
    assert women[alone.invited].sum() < 10 and women[behind.invited].sum() == 10
    # a group invited above its share before gets fewer now, down to none
    ahead = select_invitations(value[::-1].copy(), 10, groups={"women": women}, exposure=policy,
                               earlier=(20, {"women": 20}))
    assert women[ahead.invited].sum() == 0
