"""Fair exposure on invitation lists: each group's share of the invitations against what it costs.

Usage::

    python benchmarks/bench_fair_invitations.py [--seeds 31 34] [--events 12]
        [--objective chance|net|value] [--no-write]

Per seed a municipality is simulated (2,000 candidates, 150 employers, 24
months) and the ranker trained on its history before day ``D`` (the first day
of month 21), as in ``bench_invitation_objective.py``. Then ``--events``
*prettig gesprek* events are set up on ``D`` (five employers with open work,
four seats, three rounds) and each is planned through
:func:`matching.events.event_planning.plan_event` without a policy and with
:class:`matching.shortlists.fair_exposure.ExposurePolicy` at bounds that
tighten (exploration seats off, so lists differ only by the policy). The
events are a week apart and each plan is saved, as a municipality plans:
the policy's bounds hold over the period's invitations, so each event's
bounds count those before it. Each policy plans on its own copy of the
municipality.

Per protected group the **invitation ratio** is the group's invitations over
all events divided by what its share of each event's eligible pool would
give (1 = invited as often as its share of the pool). The cost is graded on
the simulated truth: the expected good outcomes of the invited, ``1 - prod (1
- p_good)`` over each one's conversations, against the plans without a
policy (with ``--objective value``: their true social value, as in
``bench_invitation_objective.py``). Target: every group within 0.8-1.25 at no
more than 2 % loss. Writes ``benchmarks/results/fair_invitations.md``
(``fair_invitations_<objective>.md`` for another objective than chance).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import shutil
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

from bench_invitation_objective import HOSTS, ROUNDS, SEATS, plan_value, true_worth
from bench_shortlist_quality import load_world
from cpu import cpu_name

from matching.events.event_plan import PlanControls
from matching.events.event_planning import plan_event
from matching.events.event_records import save_plan
from matching.events.event_setup import months_before
from matching.records.enums import InvitationStatus
from matching.records.schemas import (
    Candidate,
    Employer,
    Event,
    EventTable,
    Invitation,
    Outcome,
    WorkNeed,
)
from matching.records.storage import Store
from matching.shortlists.engine import ShortlistEngine
from matching.shortlists.fair_exposure import GROUPS, ExposurePolicy, protected_groups
from matching.shortlists.pool import open_on
from matching.shortlists.retrieval import RetrievalIndex
from matching.shortlists.shortlist import ShortlistConfig
from matching.shortlists.text_space import TextSpace
from training.simulator import SimulationConfig
from training.simulator.period import month_start
from training.train import TrainConfig, train_ranker

logger = logging.getLogger("bench_fair_invitations")
RESULTS = ROOT / "benchmarks" / "results" / "fair_invitations.md"
#: what a list is graded by, per objective: the index into ``plan_value``'s sums, its name,
#: and what it is
GRADED: dict[str, tuple[int, str, str]] = {
    "chance": (
        0, "true expected good outcomes",
        ("true expected good outcomes of the invited on the new events (`1 - prod (1 - p_good)` "
        "over their conversations)"),
    ),
    "net": (
        1, "true expected net good outcomes",
        ("true expected net good outcomes of the invited on the new events (`(1 - p_base over 6 "
        "months) * (1 - prod (1 - p_good))`; see invitation_objective.md)"),
    ),
    "value": (
        2, "true social value",
        ("true social value of the invited on the new events (true net effect times what a good "
        "outcome is worth for them, minus the invitation's cost; see invitation_objective.md)"),
    ),
}
POLICIES: dict[str, ExposurePolicy | None] = {
    "none": None,
    "0.6-1.5": ExposurePolicy(0.6, 1.5),
    "0.8-1.25": ExposurePolicy(0.8, 1.25),
    "0.9-1.1": ExposurePolicy(0.9, 1.1),
}
TARGET = (0.8, 1.25)
MAX_LOSS = 0.02


def run_seed(seed: int, n_events: int, space: TextSpace, tmp: Path,
             objective: str = "chance") -> dict[str, object]:
    start = dt.date(2025, 1, 1)
    config = SimulationConfig(seed=seed, n_candidates=2000, n_employers=150, months=24, start_date=start)
    day = month_start(start, config.months - 4)
    folder = tmp / f"s{seed}"
    world, store = load_world(config, folder)
    result = train_ranker(store, text_space=space, config=TrainConfig(), as_of=day)
    muni = config.municipality
    candidates = store.list(Candidate, municipality=muni)
    by_id = {c.id: c for c in candidates}
    open_needs = open_on(store.list(WorkNeed, municipality=muni), store.list(Outcome, municipality=muni), day)
    employers = sorted({n.employer_id for n in open_needs})
    rng = np.random.default_rng(seed)
    hosts_of = [[str(e) for e in rng.choice(employers, size=HOSTS, replace=False)] for _ in range(n_events)]
    worth = true_worth(world, store, candidates, day) if objective == "value" else None
    store.dispose()
    invited = {name: {g: 0.0 for g in GROUPS} for name in POLICIES}
    deserved = {name: {g: 0.0 for g in GROUPS} for name in POLICIES}
    good = dict.fromkeys(POLICIES, 0.0)
    swapped = dict.fromkeys(POLICIES, 0)
    seconds = dict.fromkeys(POLICIES, 0.0)
    period: dict[str, dict[str, float]] = {}
    for name, policy in POLICIES.items():
        # each policy plans the same events, a week apart, on its own copy of the municipality,
        # saving each plan: the next event's bounds count the invitations before it
        copy = folder / f"{name}.db"
        shutil.copy(folder / "world.db", copy)
        own = Store(f"sqlite:///{copy}")
        engine = ShortlistEngine(own, RetrievalIndex(space, folder / "index"), scorer=result.bundle,
                                 today=lambda: day, config=ShortlistConfig(fair_exposure=policy))
        for k, hosts in enumerate(hosts_of):
            when = day + dt.timedelta(days=7 * k)
            venue = own.get(Employer, hosts[0])
            event = Event(id=f"fair{k:02d}", municipality=muni, date=when, place=venue.name,
                          postcode=venue.postcode, lat=venue.lat, lon=venue.lon,
                          rounds=ROUNDS, minutes_per_round=15)
            tables = [EventTable(id=f"fair{k:02d}-t{t}", municipality=muni, event_id=event.id,
                                 employer_id=h, seats=SEATS) for t, h in enumerate(hosts)]
            own.upsert([event, *tables], actor="benchmark")
            started = time.perf_counter()
            plan = plan_event(own, engine, event.id,
                              PlanControls(exploration_share=0.0, invite_by=objective))
            seconds[name] += time.perf_counter() - started
            save_plan(own, plan, actor="benchmark")
            eligible = [by_id[c] for c in by_id if c not in plan.excluded]
            pool = protected_groups(eligible)
            members = protected_groups([by_id[c] for c in plan.invited])
            for g in GROUPS:
                invited[name][g] += float(members[g].sum())
                deserved[name][g] += float(pool[g].mean()) * len(plan.invited)
            good[name] += plan_value(world, plan, worth)[GRADED[objective][0]]
            swapped[name] += sum(1 for n in plan.notes if n.startswith("evenwichtige zichtbaarheid"))
        # over the period the policy keeps (the planner's three months up to the last event),
        # the simulated history's invitations included, against the last event's eligible pool
        last = day + dt.timedelta(days=7 * (n_events - 1))
        dates = {e.id: e.date for e in own.list(Event, municipality=muni)}
        window = [i.candidate_id for i in own.list(Invitation, municipality=muni)
                  if i.status is not InvitationStatus.DECLINED
                  and months_before(last, 3) <= dates[i.event_id] <= last]
        period_members = protected_groups([by_id[c] for c in window])
        period[name] = {g: float(period_members[g].mean()) / float(pool[g].mean()) for g in GROUPS}
        own.dispose()
    return {
        "seed": seed,
        "events": n_events,
        "objective": objective,
        "ratios": period,
        "new_only": {name: {g: invited[name][g] / deserved[name][g] if deserved[name][g] else float("nan")
                            for g in GROUPS} for name in POLICIES},
        "good": good,
        "lists_changed": swapped,
        "seconds": seconds,
    }


def report(runs: list[dict], total: float) -> str:
    objective = runs[0]["objective"]
    _, graded, grading = GRADED[objective]
    lines = [
        "# Fair exposure on invitation lists: groups' share of the invitations against the cost"
        + ("" if objective == "chance" else f" (invited by {objective})"),
        "",
        (f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {cpu_name()}, "
         f"{os.cpu_count()} cores; total {total:.0f} s"),
        (f"- per seed: a simulated municipality (2,000 candidates, 150 employers, 24 months), the "
         f"ranker trained on the history before the day, {runs[0]['events']} events on that day "
         f"({HOSTS} employers with open work, {SEATS} seats, {ROUNDS} rounds), a week apart, each "
         f"planned by `plan_event` (invite by `{objective}`) and saved, without a policy and with "
         "each policy on its own copy (exploration seats off)."),
        ("- invitation ratio over the period the policy keeps (the planner's three months up to "
         "the last event, the simulated history's invitations included): a group's share of the "
         "invitations / its share of the eligible pool (1 = invited as often as its share). "
         "'new events only': the lowest and highest group ratio over the benchmark's events alone "
         "(a group invited above its share earlier in the period gets less now). Cost: the "
         + grading + " against no policy."),
        "",
        "| seed | policy | " + " | ".join(GROUPS.values()) + f" | new events only | lists changed | {graded} | change | plan s | target |",
        "|---:|---|" + "---:|" * len(GROUPS) + "---|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        base = r["good"]["none"]
        for name in POLICIES:
            ratios = r["ratios"][name]
            change = r["good"][name] / base - 1
            within = all(TARGET[0] <= v <= TARGET[1] for v in ratios.values() if np.isfinite(v))
            verdict = "—" if name != "0.8-1.25" else (
                "met" if within and -change <= MAX_LOSS else "MISSED")
            lines.append(
                f"| {r['seed']} | {name} | " + " | ".join(f"{v:.2f}" for v in ratios.values())
                + f" | {min(r['new_only'][name].values()):.2f}-{max(r['new_only'][name].values()):.2f}"
                + f" | {r['lists_changed'][name]} / {r['events']} | "
                + (f"EUR {r['good'][name]:,.0f}" if objective == "value" else f"{r['good'][name]:.2f}")
                + " | "
                f"{change:+.1%} | {r['seconds'][name] / r['events']:.2f} | {verdict} |"
            )
    lines += ["", (f"Target (policy 0.8-1.25): every group within {TARGET[0]}-{TARGET[1]} at no more "
                   f"than {MAX_LOSS:.0%} loss of {graded}.")]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[31, 34])
    parser.add_argument("--events", type=int, default=12)
    parser.add_argument("--home", type=Path, default=ROOT / ".werkkans" / "bench", help="embedding cache")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--quick", action="store_true", help="one seed, four events")
    parser.add_argument("--objective", choices=("chance", "net", "value"), default="chance",
                        help="what the invitation lists maximise")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.events = args.seeds[:1], 4
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for noisy in ("matching", "models", "training", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    space = TextSpace.create(args.home)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="werkkans-fair-invitations-") as tmp:
        runs = []
        for seed in args.seeds:
            logger.info("seed %d", seed)
            runs.append(run_seed(seed, args.events, space, Path(tmp), args.objective))
    text = report(runs, time.perf_counter() - started)
    print(text)
    if not args.no_write:
        out = RESULTS if args.objective == "chance" else RESULTS.with_name(
            f"fair_invitations_{args.objective}.md")
        out.write_text(text, encoding="utf-8")
        logger.info("wrote %s", out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
