"""Fair exposure on shortlists: group exposure against what it costs, through the service's engine.

Usage::

    python benchmarks/bench_fair_exposure.py [--seeds 31 34] [--no-write]

Per seed a municipality is simulated (2,000 candidates, 150 employers, 24
months) and the ranker is trained on its history before day ``D`` (the
first day of month 21), as in ``bench_shortlist_quality.py``. Then every
work need open on ``D`` gets its top 10 from
:class:`matching.shortlists.engine.ShortlistEngine` — without a policy, and
with :class:`matching.shortlists.fair_exposure.ExposurePolicy` at bounds
that tighten. Per protected group the **exposure ratio** is the group's
position-weighted share of the top 10 (weights ``1 / log2(i + 1)``) summed
over all lists, divided by its share of each list's eligible pool summed the
same way (1 = seen as often as its share of the pool). The cost is measured
on the simulated truth: NDCG@10 (gain ``p_good``) and the expected good
outcomes of the top 10 (the sum of their ``p_good``), each against the list
without a policy. Target: every group within 0.8-1.25 at no more than 2 %
loss of either. Writes ``benchmarks/results/fair_exposure.md``.
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

from bench_shortlist_quality import dcg, load_world
from cpu import cpu_name

from matching.shortlists.engine import ShortlistEngine
from matching.shortlists.fair_exposure import (
    GROUPS,
    ExposurePolicy,
    exposure_weights,
    protected_groups,
)
from matching.shortlists.retrieval import RetrievalIndex
from matching.shortlists.shortlist import ShortlistConfig
from matching.shortlists.text_space import TextSpace
from training.simulator import SimulationConfig
from training.simulator.period import month_start
from training.train import TrainConfig, train_ranker

logger = logging.getLogger("bench_fair_exposure")
RESULTS = ROOT / "benchmarks" / "results" / "fair_exposure.md"
K = 10
POLICIES: list[tuple[str, ExposurePolicy | None]] = [
    ("off", None),
    ("0.6-1.5", ExposurePolicy(0.6, 1.5)),
    ("0.8-1.25", ExposurePolicy(0.8, 1.25)),
    ("0.9-1.1", ExposurePolicy(0.9, 1.1)),
]
TARGET_BOUNDS, TARGET_LOSS = (0.8, 1.25), 0.02


def run_seed(seed: int, space: TextSpace, tmp: Path) -> dict[str, object]:
    start = dt.date(2025, 1, 1)
    config = SimulationConfig(seed=seed, n_candidates=2000, n_employers=150, months=24, start_date=start)
    day = month_start(start, config.months - 4)
    world, store = load_world(config, tmp / f"s{seed}")
    bundle = train_ranker(store, text_space=space, config=TrainConfig(), as_of=day).bundle
    index = RetrievalIndex(space, tmp / f"s{seed}-index")
    truth = world.truth
    full = ShortlistEngine(store, index, scorer=bundle, config=ShortlistConfig(max_k=100_000),
                           today=lambda: day)
    pool = full._pool(config.municipality)
    by_id = {c.id: c for c in pool.candidates}
    needs = []
    for need in pool.needs:
        eligible = [m.candidate_id for m in full.for_work_need(need.id, k=100_000).matches]
        if len(eligible) < K:
            continue
        p_good = truth.p_good[[truth.candidate_index(c) for c in eligible], truth.work_index(need.id)]
        groups = protected_groups([by_id[c] for c in eligible])
        needs.append((need.id, eligible, dict(zip(eligible, p_good, strict=True)), groups))
    weights = exposure_weights(K)
    rows = []
    for name, policy in POLICIES:
        engine = ShortlistEngine(store, index, scorer=bundle,
                                 config=ShortlistConfig(fair_exposure=policy), today=lambda: day)
        exposure = dict.fromkeys(GROUPS, 0.0)
        share = dict.fromkeys(GROUPS, 0.0)
        ndcg, expected, moved, seconds = [], [], 0, 0.0
        for need_id, eligible, p_good, groups in needs:
            t0 = time.perf_counter()
            shortlist = engine.for_work_need(need_id, k=K)
            seconds += time.perf_counter() - t0
            top = [m.candidate_id for m in shortlist.matches]
            gains = np.array([p_good[c] for c in top])
            ideal = dcg(np.sort(np.array(list(p_good.values())))[::-1][:K])
            ndcg.append(dcg(gains) / ideal)
            expected.append(gains.sum())
            moved += int((shortlist.exposure or {}).get("moved", 0))
            position = {c: i for i, c in enumerate(eligible)}
            for g, member in groups.items():
                inside = np.array([member[position[c]] for c in top])
                exposure[g] += float((weights[: len(top)] * inside).sum())
                share[g] += float(weights[: len(top)].sum() * member.mean())
        rows.append({
            "policy": name,
            "ratios": {g: exposure[g] / share[g] if share[g] else float("nan") for g in GROUPS},
            "ndcg": float(np.mean(ndcg)),
            "expected": float(np.sum(expected)),
            "moved": moved,
            "ms_per_list": 1000 * seconds / len(needs),
        })
    return {"seed": seed, "needs": len(needs), "rows": rows}


def report(runs: list[dict], total: float) -> str:
    lines = [
        "# Fair exposure on shortlists",
        "",
        (f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {cpu_name()}, "
         f"{os.cpu_count()} cores; total {total:.0f} s"),
        ("- the service's engine, top 10 of every work need open on the day, ranker trained on the "
         "history before it; exposure ratio = a group's position-weighted share of the top 10 over "
         "its share of the eligible pool, summed over all lists; cost against the list without a "
         "policy on the simulated truth. Target: every group within 0.8-1.25 at <= 2 % loss of "
         "NDCG@10 and of expected good outcomes."),
        "",
    ]
    for run in runs:
        base = run["rows"][0]
        lines += [
            f"## Seed {run['seed']} ({run['needs']} work needs)",
            "",
            "| policy | " + " | ".join(GROUPS.values()) + " | NDCG@10 | expected good outcomes | "
            "moved into a top 10 | ms per list | target |",
            "|---|" + "---:|" * (len(GROUPS) + 4) + "---|",
        ]
        for row in run["rows"]:
            ndcg_loss = 1 - row["ndcg"] / base["ndcg"]
            good_loss = 1 - row["expected"] / base["expected"]
            low, high = TARGET_BOUNDS
            in_bounds = all(low <= r <= high for r in row["ratios"].values())
            met = in_bounds and ndcg_loss <= TARGET_LOSS and good_loss <= TARGET_LOSS
            lines.append(
                f"| {row['policy']} | "
                + " | ".join(f"{row['ratios'][g]:.2f}" for g in GROUPS)
                + f" | {row['ndcg']:.3f} ({-100 * ndcg_loss:+.1f} %) | {row['expected']:.1f} "
                f"({-100 * good_loss:+.1f} %) | {row['moved']} | {row['ms_per_list']:.0f} | "
                f"{'met' if met else 'not met'} |"
            )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[31, 34])
    parser.add_argument("--home", type=Path, default=ROOT / ".werkkans" / "bench", help="embedding cache")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for noisy in ("matching", "models", "training", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    space = TextSpace.create(args.home)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="werkkans-fair-") as tmp:
        runs = [run_seed(seed, space, Path(tmp)) for seed in args.seeds]
    text = report(runs, time.perf_counter() - started)
    print(text)
    if not args.no_write:
        RESULTS.write_text(text, encoding="utf-8")
        logger.info("wrote %s", RESULTS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
