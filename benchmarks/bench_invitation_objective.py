"""Invite those an invitation helps most: the net-effect objective against the chance objective.

Usage::

    python benchmarks/bench_invitation_objective.py [--seeds 31 34] [--events 12] [--no-write]

For each seed a municipality is simulated (2,000 candidates, 150 employers,
24 months) with its hidden truth: ``p_good`` (the chance a conversation
leads to a WEP or job) and ``p_base`` (the monthly chance of finding one
without the programme). The ranker is trained on the history before day
``D`` (the first day of month 21), exactly as the service would. Then
``--events`` *prettig gesprek* events are set up on ``D``, each with five
employers that have open work (drawn at random, seeded), four seats a table
and three rounds, and each is planned twice through
:func:`matching.events.event_planning.plan_event` (the planner the service
uses, exploration seats off so the two lists differ only by the objective):

* ``invite_by="chance"``: the best chances of good conversations;
* ``invite_by="net"``: the largest ``(1 - chance anyway) * chance if invited``,
  with "chance anyway" from the own-chance model fitted on the history
  before ``D`` (horizon 6 months).

Every plan is graded on the truth: per invited candidate the expected net
good outcome ``(1 - p_base_6m) * (1 - prod (1 - p_good))`` over the
conversations the plan gives them. The **ceiling** is the same comparison
with the truth in place of both models: candidates chosen by true chance
and by true net effect over their best three hosts. Reported: the net
objective's gain over the chance objective, the ceiling's gain, their
ratio (target: net/chance >= 1.15, or >= 0.8 of the ceiling's gain when
the world cannot show 1.15), how well the own-chance model is calibrated
against the truth (ECE over deciles, per benefit-duration band), and which
groups are invited more or less under ``net``. The structural net effect is
also set against an uplift learner (a T-learner over the history's first
invitations, :func:`t_learner`), every list graded alike at its candidates'
true best hosts. Writes
``benchmarks/results/invitation_objective.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "benchmarks"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from bench_shortlist_quality import load_world
from cpu import cpu_name

from matching.events.event_plan import EventPlan, PlanControls
from matching.events.event_planning import plan_event
from matching.events.net_value import good_outcome_mix
from matching.outcomes.aftercare import add_months
from matching.outcomes.own_chance import OwnChanceModel
from matching.records.enums import AgeBand, BenefitDurationBand
from matching.records.schemas import (
    Candidate,
    Employer,
    Event,
    EventTable,
    Invitation,
    Outcome,
    WorkNeed,
)
from matching.shortlists.engine import ShortlistEngine
from matching.shortlists.pool import open_on
from matching.shortlists.retrieval import RetrievalIndex
from matching.shortlists.text_space import TextSpace
from matching.sroi.outcome_value import value_per_good_outcome
from matching.sroi.settings import SroiSettings
from training.simulator import SimulationConfig
from training.simulator.period import month_start
from training.train import TrainConfig, train_ranker

logger = logging.getLogger("bench_invitation_objective")
RESULTS = ROOT / "benchmarks" / "results" / "invitation_objective.md"
HORIZON = 6
HOSTS, SEATS, ROUNDS = 5, 4, 3
OBJECTIVES = ("chance", "net", "value")
#: Euros an invitation costs (the default settings: relationship managers' hours x rate).
INVITATION_COST = SroiSettings().rm_hours_per_invited * SroiSettings().rm_hourly_rate
TARGET_GAIN, TARGET_OF_CEILING = 1.15, 0.8


def decile_ece(predicted: np.ndarray, true: np.ndarray) -> float:
    edges = np.quantile(predicted, np.linspace(0, 1, 11))
    decile = np.clip(np.searchsorted(edges[1:-1], predicted, side="right"), 0, 9)
    return float(sum(
        (decile == b).sum() * abs(predicted[decile == b].mean() - true[decile == b].mean())
        for b in range(10) if (decile == b).any()
    ) / predicted.size)


def true_net(world, candidate_id: str, need_ids: list[str]) -> tuple[float, float]:
    """(true chance if invited, true net effect) of one candidate's conversations."""
    truth = world.truth
    row = truth.candidate_index(candidate_id)
    miss = float(np.prod([1.0 - truth.p_good[row, truth.work_index(n)] for n in need_ids]))
    anyway = 1.0 - (1.0 - float(truth.p_base[row])) ** HORIZON
    return 1.0 - miss, (1.0 - anyway) * (1.0 - miss)


def true_worth(world, store, candidates: list[Candidate], day: dt.date) -> dict[str, float]:
    """Euros one good outcome is worth per candidate, with the true chance of finding work
    alone after the horizon (the product's own valuation, the truth in place of the model)."""
    truth = world.truth
    p = np.array([truth.p_base[truth.candidate_index(c.id)] for c in candidates])
    months = np.arange(1, 13)
    on_benefit = ((1.0 - p[:, None]) ** months[None, :]).mean(axis=1, keepdims=True)
    share, retention = good_outcome_mix(store, candidates[0].municipality, day)
    worth = value_per_good_outcome([c.benefit_type.value for c in candidates],
                                   [c.hours_max for c in candidates], on_benefit,
                                   job_share=share, retention=retention)
    return {c.id: float(w) for c, w in zip(candidates, worth, strict=True)}


def plan_value(world, plan: EventPlan, worth: dict[str, float] | None = None) -> tuple[float, float, float]:
    """Sum over the invited of (true chance if invited, true net effect, true social value;
    0 without ``worth``)."""
    chance = net = value = 0.0
    for cid in plan.invited:
        c, n = true_net(world, cid, [m.work_need_id for m in plan.meetings if m.candidate_id == cid])
        chance, net = chance + c, net + n
        if worth is not None:
            value += n * worth[cid] - INVITATION_COST
    return chance, net, value


def shown_against_truth(world, plan: EventPlan) -> np.ndarray:
    """Sums over the plan of (shown chance if invited, true chance if invited, shown chance of a
    conversation, true ``p_good`` of it, attainable ``p_good_expected`` of it)."""
    truth = world.truth
    out = np.zeros(5)
    for cid in plan.invited:
        needs = [m.work_need_id for m in plan.meetings if m.candidate_id == cid]
        row, cols = truth.candidate_index(cid), [truth.work_index(n) for n in needs]
        out += (plan.chances[cid].if_invited, true_net(world, cid, needs)[0],
                sum(m.employer_chance for m in plan.meetings if m.candidate_id == cid),
                truth.p_good[row, cols].sum(), truth.p_good_expected[row, cols].sum())
    return out


def true_best_hosts(world, plan: EventPlan, ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(true chance if invited, true net effect) of each candidate over their true best hosts
    of the plan's event (``rounds_per_candidate`` of them)."""
    truth = world.truth
    by_employer: dict[str, list[int]] = {}
    for need in plan.work_needs.values():
        by_employer.setdefault(need.employer_id, []).append(truth.work_index(need.id))
    rows = np.array([truth.candidate_index(c) for c in ids])
    best = np.stack([truth.p_good[rows][:, cols].max(axis=1) for cols in by_employer.values()], axis=1)
    top = -np.sort(-best, axis=1)[:, : plan.rounds_per_candidate]
    if_invited = 1.0 - np.prod(1.0 - top, axis=1)
    anyway = 1.0 - (1.0 - truth.p_base[rows]) ** HORIZON
    return if_invited, (1.0 - anyway) * if_invited


def ceiling(world, plan: EventPlan, candidates: list[Candidate],
            worth: dict[str, float]) -> tuple[float, float, float, float]:
    """On the truth, over each one's best hosts: true net of the lists by true chance and by
    true net, true social value of the lists by true chance and by true value."""
    eligible = [c.id for c in candidates if c.id not in plan.excluded]
    if_invited, net = true_best_hosts(world, plan, eligible)
    value = net * np.array([worth[c] for c in eligible]) - INVITATION_COST
    n = len(plan.invited)
    by_chance, by_net, by_value = (np.argsort(-x)[:n] for x in (if_invited, net, value))
    return (float(net[by_chance].sum()), float(net[by_net].sum()),
            float(value[by_chance].sum()), float(value[by_value].sum()))


def t_learner(store, municipality: str, candidates: list[Candidate], day: dt.date) -> np.ndarray:
    """Each candidate's uplift of an invitation on ``day`` by a T-learner (Kunzel et al. 2019):
    ``mu1 - mu0``, with ``mu1`` a logistic regression of a WEP or job within HORIZON months of a
    candidate's first invitation, on the own-chance model's features on that day (the history's
    invitations whose window ended before ``day``), and ``mu0`` the own-chance model (the
    control arm). It knows the candidate, not the event's hosts."""
    from sklearn.linear_model import LogisticRegression

    from matching.outcomes.own_chance import _at, _candidate_rows

    days = {e.id: e.date for e in store.list(Event, municipality=municipality)}
    cutoff = add_months(day, -HORIZON)
    first: dict[str, dt.date] = {}
    for inv in store.list(Invitation, municipality=municipality):
        when = days.get(inv.event_id)
        if when is not None and when < cutoff:
            first[inv.candidate_id] = min(when, first.get(inv.candidate_id, when))
    good: dict[str, list[dt.date]] = {}
    for o in store.list(Outcome, municipality=municipality):
        if o.kind.is_good and o.recorded_on < day:
            good.setdefault(o.candidate_id, []).append(o.start_date or o.recorded_on)
    treated = [c for c in candidates if c.id in first]

    def months(c: Candidate, on: dt.date) -> int:
        since = c.registered_on or on
        return max((on.year - since.year) * 12 + on.month - since.month, 0)

    x = _at(_candidate_rows(treated), np.array([months(c, first[c.id]) for c in treated]))
    y = np.array([any(first[c.id] <= d < add_months(first[c.id], HORIZON) for d in good.get(c.id, []))
                  for c in treated], dtype=int)
    mean, scale = x.mean(axis=0), np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    mu1_model = LogisticRegression(max_iter=1000).fit((x - mean) / scale, y)
    now = _at(_candidate_rows(candidates), np.array([months(c, day) for c in candidates]))
    mu1 = mu1_model.predict_proba((now - mean) / scale)[:, 1]
    mu0 = OwnChanceModel().fit(store, as_of=day, municipality=municipality).chance(
        candidates, on=day, months=HORIZON)
    result: np.ndarray = mu1 - mu0
    return result


GROUPS = {
    "55+": lambda c: c.age_band is AgeBand.A55_67,
    "statushouder": lambda c: c.statushouder,
    "banenafspraak": lambda c: c.banenafspraak,
    "bijstand >= 3 jaar": lambda c: c.benefit_months >= 36,
    "bijstand < 1 jaar": lambda c: c.benefit_months < 12,
}


def run_seed(seed: int, n_events: int, space: TextSpace, tmp: Path) -> dict[str, object]:
    start = dt.date(2025, 1, 1)
    config = SimulationConfig(seed=seed, n_candidates=2000, n_employers=150, months=24, start_date=start)
    day = month_start(start, config.months - 4)
    world, store = load_world(config, tmp / f"s{seed}")
    result = train_ranker(store, text_space=space, config=TrainConfig(), as_of=day)
    engine = ShortlistEngine(store, RetrievalIndex(space, tmp / f"s{seed}-index"),
                             scorer=result.bundle, today=lambda: day)
    muni = config.municipality
    candidates = store.list(Candidate, municipality=muni)
    by_id = {c.id: c for c in candidates}

    # the own-chance model against the truth, over every candidate
    model = OwnChanceModel().fit(store, as_of=day, municipality=muni)
    predicted = model.chance(candidates, on=day, months=HORIZON)
    truth = world.truth
    true_anyway = np.array(
        [1.0 - (1.0 - truth.p_base[truth.candidate_index(c.id)]) ** HORIZON for c in candidates]
    )
    bands = {}
    for band in BenefitDurationBand:
        mask = np.array([BenefitDurationBand.from_months(c.benefit_months) is band for c in candidates])
        if mask.sum() >= 30:
            bands[band.value] = (float(predicted[mask].mean()), float(true_anyway[mask].mean()), int(mask.sum()))

    open_needs = open_on(store.list(WorkNeed, municipality=muni), store.list(Outcome, municipality=muni), day)
    employers = sorted({n.employer_id for n in open_needs})
    rng = np.random.default_rng(seed)
    worth = true_worth(world, store, candidates, day)
    uplift = dict(zip([c.id for c in candidates], t_learner(store, muni, candidates, day), strict=True))
    rows = []
    invited_by: dict[str, list[str]] = {o: [] for o in OBJECTIVES}
    for k in range(n_events):
        hosts = [str(e) for e in rng.choice(employers, size=HOSTS, replace=False)]
        venue = store.get(Employer, hosts[0])
        event = Event(id=f"bench{k:02d}", municipality=muni, date=day, place=venue.name,
                      postcode=venue.postcode, lat=venue.lat, lon=venue.lon,
                      rounds=ROUNDS, minutes_per_round=15)
        tables = [EventTable(id=f"bench{k:02d}-t{t}", municipality=muni, event_id=event.id,
                             employer_id=h, seats=SEATS) for t, h in enumerate(hosts)]
        store.upsert([event, *tables], actor="benchmark")
        plans = {
            objective: plan_event(store, engine, event.id,
                                  PlanControls(exploration_share=0.0, invite_by=objective))
            for objective in OBJECTIVES
        }
        values = {name: plan_value(world, plan, worth) for name, plan in plans.items()}
        # the three lists graded alike: each candidate at their true best hosts
        eligible = [c.id for c in candidates if c.id not in plans["chance"].excluded]
        n = len(plans["net"].invited)
        by_uplift = sorted(eligible, key=lambda c: -uplift[c])[:n]
        alike = {name: float(true_best_hosts(world, plans["chance"], ids)[1].sum())
                 for name, ids in (("chance", plans["chance"].invited), ("net", plans["net"].invited),
                                   ("t_learner", by_uplift))}
        rows.append({
            **values, "alike": alike, "ceiling": ceiling(world, plans["chance"], candidates, worth),
            "shown": {name: shown_against_truth(world, plan) for name, plan in plans.items()},
            "invited": len(plans["net"].invited),
            "overlap": len(set(plans["net"].invited) & set(plans["chance"].invited)),
            "overlap_value": len(set(plans["value"].invited) & set(plans["chance"].invited)),
        })
        for name, plan in plans.items():
            invited_by[name] += plan.invited
    groups = {
        name: tuple(float(np.mean([test(by_id[c]) for c in invited_by[o]])) for o in OBJECTIVES)
        for name, test in GROUPS.items()
    }
    chance_net = sum(r["chance"][1] for r in rows)
    net_net = sum(r["net"][1] for r in rows)
    ceiling_chance, ceiling_net, ceiling_chance_value, ceiling_value = (
        sum(r["ceiling"][j] for r in rows) for j in range(4))
    chance_value = sum(r["chance"][2] for r in rows)
    value_value = sum(r["value"][2] for r in rows)
    return {
        "seed": seed,
        "day": day,
        "events": rows,
        "chance_net": chance_net,
        "net_net": net_net,
        "chance_chance": sum(r["chance"][0] for r in rows),
        "net_chance": sum(r["net"][0] for r in rows),
        "gain": net_net / chance_net,
        "ceiling_gain": ceiling_net / ceiling_chance,
        "chance_value": chance_value,
        "value_value": value_value,
        "value_gain": value_value / chance_value,
        "value_ceiling_gain": ceiling_value / ceiling_chance_value,
        "value_net": sum(r["value"][1] for r in rows),
        "alike": {name: sum(r["alike"][name] for r in rows) for name in ("chance", "net", "t_learner")},
        "overlap_value": sum(r["overlap_value"] for r in rows) / sum(r["invited"] for r in rows),
        "shown": {name: sum(r["shown"][name] for r in rows) for name in OBJECTIVES},
        "own_ece": decile_ece(predicted, true_anyway),
        "own_mean": (float(predicted.mean()), float(true_anyway.mean())),
        "own_events": model.n_events_,
        "own_months": model.n_months_,
        "bands": bands,
        "groups": groups,
        "overlap": sum(r["overlap"] for r in rows) / sum(r["invited"] for r in rows),
    }


def report(runs: list[dict], total: float) -> str:
    lines = [
        "# Invitations by net effect and by social value against invitations by chance",
        "",
        (f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {cpu_name()}, "
        f"{os.cpu_count()} cores; total {total:.0f} s"),
        (f"- per seed: a simulated municipality (2,000 candidates, 150 employers, 24 months), the "
        f"ranker trained on the history before the day, {len(runs[0]['events'])} events on that "
        f"day ({HOSTS} employers with open work, {SEATS} seats, {ROUNDS} rounds), each planned "
        "by `plan_event` three times (exploration seats off); true expected net good outcomes "
        f"`(1 - p_base over {HORIZON} months) * (1 - prod (1 - p_good))` over each plan's "
        "conversations. Ceiling: the same choices made on the truth."),
        "",
        ("| seed | invited | same people | true net, by chance | true net, by net | gain | "
        "ceiling's gain | share of the ceiling's gain | true chance if invited, by chance / by net | target |"),
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in runs:
        share = (r["gain"] - 1) / (r["ceiling_gain"] - 1) if r["ceiling_gain"] > 1 else float("nan")
        met = r["gain"] >= TARGET_GAIN or (r["ceiling_gain"] < TARGET_GAIN and share >= TARGET_OF_CEILING)
        lines.append(
            f"| {r['seed']} | {sum(e['invited'] for e in r['events'])} | {r['overlap']:.0%} | "
            f"{r['chance_net']:.2f} | {r['net_net']:.2f} | {r['gain']:.3f}x | "
            f"{r['ceiling_gain']:.3f}x | {share:.2f} | {r['chance_chance']:.2f} / {r['net_chance']:.2f} | "
            f">= {TARGET_GAIN}x, or >= {TARGET_OF_CEILING} of the ceiling's gain: "
            f"{'met' if met else 'MISSED'} |"
        )
    lines += [
        "",
        "## Social value",
        "",
        ("True social value of a list: per invited candidate the true net effect times what a "
        "good outcome is worth for them (the default price list through the product's "
        "`value_per_good_outcome`: a job of the hours they can work ending their benefit, or a "
        "WEP, in the history's mix and retention, for the part of the following year they would "
        f"truly still be on benefit), minus the invitation's cost (EUR {INVITATION_COST:,.0f}). "
        "Ceiling: lists by true chance and by true value."),
        "",
        ("| seed | same people as by chance | true value, by chance | true value, by value | gain | "
        "ceiling's gain | share of the ceiling's gain | true net, by value | target |"),
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        gain, top = r["value_gain"], r["value_ceiling_gain"]
        share = (gain - 1) / (top - 1) if top > 1 else float("nan")
        met = gain >= TARGET_GAIN or (top < TARGET_GAIN and share >= TARGET_OF_CEILING)
        lines.append(
            f"| {r['seed']} | {r['overlap_value']:.0%} | EUR {r['chance_value']:,.0f} | "
            f"EUR {r['value_value']:,.0f} | {gain:.3f}x | {top:.3f}x | {share:.2f} | "
            f"{r['value_net']:.2f} | >= {TARGET_GAIN}x, or >= {TARGET_OF_CEILING} of the "
            f"ceiling's gain: {'met' if met else 'MISSED'} |"
        )
    lines += [
        "",
        "## The chance shown on the invitation list against the truth",
        "",
        ("What the plan shows per invited candidate (*kans als uitgenodigd*, from the calibrated "
        "chances of their planned conversations) and per conversation, against the truth of the "
        "same people and conversations: `p_good`, and the attainable `p_good_expected`. The "
        "band the shortlists are held to at their top 10 is 0.8-1.25."),
        "",
        ("| seed | list | shown / true chance if invited | ratio | per conversation: shown / "
        "true / attainable | ratio (shown / true) |"),
        "|---:|---|---:|---:|---:|---:|",
    ]
    for r in runs:
        for name in OBJECTIVES:
            shown, true, conv, conv_true, conv_exp = r["shown"][name]
            lines.append(
                f"| {r['seed']} | {name} | {shown:.1f} / {true:.1f} | {shown / true:.2f} | "
                f"{conv:.1f} / {conv_true:.1f} / {conv_exp:.1f} | {conv / conv_true:.2f} |"
            )
    lines += [
        "",
        "## The structural form against an uplift learner",
        "",
        ("The same number of candidates per event chosen three ways and graded alike: each at "
        "their true best hosts of the event, true net good outcomes summed. *T-learner*: "
        "`mu1 - mu0` per candidate, `mu1` a logistic regression of a WEP or job within "
        f"{HORIZON} months of a first invitation in the history (on the own-chance model's "
        "features), `mu0` the own-chance model; it knows the candidate, not the event's hosts."),
        "",
        "| seed | by chance (the planner) | by net (the planner, structural) | by T-learner uplift |",
        "|---:|---:|---:|---:|",
    ]
    for r in runs:
        a = r["alike"]
        lines.append(f"| {r['seed']} | {a['chance']:.2f} | {a['net']:.2f} | {a['t_learner']:.2f} |")
    lines += [
        "",
        "## The chance anyway (own-chance model) against the truth",
        "",
        (f"Fitted on the history before the day; the chance of a WEP or job found without the "
        f"programme within {HORIZON} months, every candidate (target: ECE <= 0.02, calibrated per "
        "benefit-duration band)."),
        "",
        "| seed | caseload months / found alone | mean predicted / true | ECE (deciles) | per band: predicted / true (count) |",
        "|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        bands = ", ".join(f"{b} {p:.3f} / {t:.3f} ({n})" for b, (p, t, n) in r["bands"].items())
        lines.append(
            f"| {r['seed']} | {r['own_months']:,} / {r['own_events']} | {r['own_mean'][0]:.3f} / "
            f"{r['own_mean'][1]:.3f} | {r['own_ece']:.4f} ({'met' if r['own_ece'] <= 0.02 else 'MISSED'}) | {bands} |"
        )
    lines += [
        "",
        "## Who is invited under each objective",
        "",
        ("Share of the invitations going to each group, by chance → by net → by value (groups "
        "are evaluation groups only; no model sees them; no fair-exposure policy here: "
        "`bench_fair_invitations.py --objective value` measures the policy's bounds under "
        "`value`)."),
        "",
        "| seed | " + " | ".join(GROUPS) + " |",
        "|---:|" + "---|" * len(GROUPS),
    ]
    for r in runs:
        lines.append(f"| {r['seed']} | " + " | ".join(
            " → ".join(f"{x:.0%}" for x in shares) for shares in r["groups"].values()) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[31, 34])
    parser.add_argument("--events", type=int, default=12)
    parser.add_argument("--home", type=Path, default=ROOT / ".werkkans" / "bench", help="embedding cache")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for noisy in ("matching", "models", "training", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    space = TextSpace.create(args.home)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="werkkans-objective-") as tmp:
        runs = []
        for seed in args.seeds:
            logger.info("seed %d", seed)
            runs.append(run_seed(seed, args.events, space, Path(tmp)))
    text = report(runs, time.perf_counter() - started)
    print(text)
    if not args.no_write:
        RESULTS.write_text(text, encoding="utf-8")
        logger.info("wrote %s", RESULTS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
