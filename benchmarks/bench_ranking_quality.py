"""Ranking quality on a re-ranking set: a diagnostic of the learned ranker against the hidden truth.

The figure users get is measured by ``bench_shortlist_quality.py`` (the
service's engine over every eligible candidate); this benchmark keeps the
older, narrower view for diagnosis, and what limits the features.

Usage::

    python benchmarks/bench_ranking_quality.py [--quick] [--home DIR] [--months 12 24 36]

Simulates a municipality (2,000 candidates, 150 employers, one *prettig
gesprek* a month) with 12, 24 and 36 months of history (the last is the
headline), trains on its earlier months exactly as
``werkkans train`` does (fit and held-out months), and grades
every ranking of the held-out months against the simulator's true chance of
a good outcome ``p_good`` (``truth/p_good.csv.gz``). Writes
``benchmarks/results/ranking_quality.md``.

Two sets of lists per work need met in the held-out months:

* **re-ranking set**: the candidates who met the work need in
  the held-out months plus a random sample of other candidates who pass the
  hard filters (consent, travel reach, hours, non-adaptable limits), up to
  ``--rerank-size`` (100) per work need, scored as of the day the work need was
  first met in the held-out months. This is the shortlist's question: out of
  the eligible caseload, who fits this work?
* **met set**: only the candidates who actually met the work need in the
  held-out months (relationship managers had already chosen them, so the
  spread in ``p_good`` is narrower).

NDCG@10 uses the linear gain ``p_good``. Rankers compared: cosine only
(the default text space), the logistic and LambdaMART baselines, the
two-signal ranker ``werkkans train`` promotes, the attainable oracle (ranking by
``p_good_expected``, the truth averaged over what no record reveals) and the
full oracle (ranking by ``p_good``). Calibration: ECE against the observed
outcomes of the held-out meetings, and mean ``|p_predicted - p_good|``.
Ratios come with 95% bootstrap intervals over work needs: a few dozen work
needs are held out, so single figures move by several percent between seeds.
``What limits it`` fits a model on the truth itself from the same features
(the feature ceiling) and splits the truth's variance into what the features,
the hidden occupation family and the hidden motivation explain.

The text space's embedding cache lives in ``--home`` (default
``.werkkans/bench``), so a second run does not embed again.
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
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cpu import cpu_name

from matching.records.importer import import_folder
from matching.records.storage import Store
from matching.shortlists.candidate_arrays import CandidateArrays
from matching.shortlists.text_space import TextSpace
from matching.shortlists.vetoes import Site, Veto, veto_masks
from training.dataset import build_dataset
from training.metrics import expected_calibration_error, ndcg_at_k
from training.pair_featurizer import PairFeaturizer
from training.simulator import SimulationConfig, simulate, write_world
from training.time_split import split_by_time
from training.train import TrainConfig, train_on_dataset

logger = logging.getLogger("bench_ranking_quality")
RESULTS = ROOT / "benchmarks" / "results" / "ranking_quality.md"
TARGET_ECE = 0.02
#: Vetoes that hold regardless of the date (status and availability are stored as of today).
HARD_VETOES = (Veto.NO_CONSENT, Veto.TOO_FAR, Veto.HOURS, Veto.LIMITS)
ORACLE = "attainable oracle (p_good_expected)"
COSINE = "cosine only (dense)"
MODEL = "ranker (two signals)"


def rerank_sets(
    featurizer: PairFeaturizer, test: pd.DataFrame, size: int, seed: int
) -> pd.DataFrame:
    """Per held-out work need: its met candidates plus eligible others, with the scoring date."""
    rng = np.random.default_rng(seed)
    pool = CandidateArrays.from_candidates(featurizer.candidates)
    employers = featurizer.employers
    first_day = test.groupby("work_need_id")["event_date"].min()
    met = test.groupby("work_need_id")["candidate_id"].agg(lambda s: sorted(set(s)))
    rows = []
    for need_id, day in first_day.items():
        need = featurizer.needs[featurizer.need_index[need_id]]
        masks = veto_masks(pool, Site.of_work_need(need, employers[need.employer_id]), on=day)
        eligible = ~np.logical_or.reduce([masks[v] for v in HARD_VETOES if v in masks])
        chosen = [featurizer.candidate_index[c] for c in met[need_id]]
        others = np.setdiff1d(np.flatnonzero(eligible), chosen)
        extra = rng.choice(others, size=min(max(size - len(chosen), 0), others.size), replace=False)
        for i in (*chosen, *extra.tolist()):
            rows.append(
                (need_id, featurizer.candidates[i].id, i, featurizer.need_index[need_id], day)
            )
    return pd.DataFrame(
        rows, columns=["work_need_id", "candidate_id", "cand_row", "need_row", "date"]
    )


def score_lists(
    name_scores: dict[str, np.ndarray], gains: np.ndarray, groups: np.ndarray
) -> dict[str, float]:
    return {name: ndcg_at_k(gains, s, k=10, groups=groups) for name, s in name_scores.items()}


def ratio_interval(
    gains: np.ndarray,
    num: np.ndarray,
    den: np.ndarray,
    groups: np.ndarray,
    *,
    seed: int,
    n_boot: int = 1000,
) -> tuple[float, float]:
    """95% bootstrap interval (resampling work needs) of NDCG@10(num) / NDCG@10(den)."""
    frame = pd.DataFrame({"g": groups, "gain": gains, "num": num, "den": den})
    per = (
        frame.groupby("g")
        .apply(
            lambda f: pd.Series(
                {
                    "num": ndcg_at_k(f["gain"].to_numpy(), f["num"].to_numpy(), 10),
                    "den": ndcg_at_k(f["gain"].to_numpy(), f["den"].to_numpy(), 10),
                }
            ),
            include_groups=False,
        )
        .dropna()
    )
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(per), size=(n_boot, len(per)))
    ratios = per["num"].to_numpy()[picks].mean(axis=1) / per["den"].to_numpy()[picks].mean(axis=1)
    low, high = np.percentile(ratios, [2.5, 97.5])
    return float(low), float(high)


def _lookup(truth: pd.DataFrame, cands: np.ndarray, needs: np.ndarray, column: str) -> np.ndarray:
    keys = pd.MultiIndex.from_arrays([np.asarray(cands), np.asarray(needs)])
    return truth[column].reindex(keys).to_numpy(dtype=float)


def what_limits(
    world,
    featurizer: PairFeaturizer,
    sets: pd.DataFrame,
    X: pd.DataFrame,
    truth: pd.DataFrame,
    seed: int,
    fit,
    train_config: TrainConfig,
) -> dict[str, float]:
    """How much of the truth the features can carry at all, whatever the learner.

    * ``ceiling``: NDCG@10 on the re-ranking set of gradient boosting fitted
      on the *truth* (logit of ``p_good_expected``) of 40,000 random pairs:
      the best any model of these features could rank.
    * ``r2_*``: share of the variance of the simulator's observable latent
      score explained from the features, then with the hidden occupation
      family affinity added, then with the candidate's latent motivation too.
    """
    import lightgbm as lgb

    from matching.shortlists.features import FEATURE_NAMES

    rng = np.random.default_rng(seed + 1)
    n = 40_000
    ci = rng.integers(0, len(featurizer.candidates), n)
    ni = rng.integers(0, len(featurizer.needs), n)
    days = sets["date"].to_numpy(dtype="datetime64[D]")[rng.integers(0, len(sets), n)]
    R = featurizer.features(ci, ni, days)[list(FEATURE_NAMES)]
    cand_ids = np.array([featurizer.candidates[i].id for i in ci], dtype=object)
    need_ids = np.array([featurizer.needs[j].id for j in ni], dtype=object)
    p_exp = np.clip(_lookup(truth, cand_ids, need_ids, "p_good_expected"), 1e-6, 1 - 1e-6)

    def gbm() -> lgb.LGBMRegressor:
        return lgb.LGBMRegressor(
            n_estimators=600, learning_rate=0.05, num_leaves=31, n_jobs=1, verbose=-1
        )

    ceiling_model = gbm().fit(R, np.log(p_exp / (1 - p_exp)))
    p_good = _lookup(
        truth, sets["candidate_id"].to_numpy(), sets["work_need_id"].to_numpy(), "p_good"
    )
    out = {
        "ceiling": ndcg_at_k(
            p_good,
            ceiling_model.predict(X[list(FEATURE_NAMES)]),
            10,
            sets["work_need_id"].to_numpy(),
        )
    }

    t = world.truth
    tc = np.array([t.candidate_index(c) for c in cand_ids])
    tw = np.array([t.work_index(w) for w in need_ids])
    score = t.score[tc, tw]
    half = n // 2

    def r2(Z: pd.DataFrame) -> float:
        pred = gbm().fit(Z.iloc[:half], score[:half]).predict(Z.iloc[half:])
        return float(1 - np.mean((pred - score[half:]) ** 2) / np.var(score[half:]))

    Z = R.copy()
    out["r2_features"] = r2(Z)
    Z["family_affinity"] = t.affinity[t.candidate_family[tc], t.work_family[tw]]
    out["r2_with_affinity"] = r2(Z)
    Z["motivation"] = t.candidate_motivation[tc]
    out["r2_with_affinity_motivation"] = r2(Z)
    out.update(learnability(world, fit, train_config, sets, X, truth))
    return out


def learnability(
    world,
    fit,
    train_config: TrainConfig,
    sets: pd.DataFrame,
    X: pd.DataFrame,
    truth: pd.DataFrame,
) -> dict[str, float]:
    """NDCG@10 of LambdaMART learned from the same meetings with one more feature.

    Fitted with the production settings on the fit months, scored on the
    re-ranking set, once per extra column:

    * ``none``: the features as they are (this harness's own reference);
    * ``stated_field``: the simulator's affinity between the work's occupation
      family and the families the candidate's records *state* (the field named
      in the wishes, the desired occupations' families), best of them. It is
      what a reader who knew which field every Dutch phrase and occupation
      belongs to, and how fields relate, would know;
    * ``attainable``: the logit of ``p_good_expected`` itself.

    If the learner can reach the oracle from a feature that carries the
    signal, the gap is in the features, not in the amount of history.
    """
    from matching.shortlists.features import FEATURE_NAMES
    from models.ranker import LambdaMARTRanker
    from training.simulator.occupations import load_catalogue
    from training.train import MONOTONE

    t = world.truth
    catalogue = load_catalogue()
    records = {c.id: c for c in world.candidates}

    def stated_field(cand_ids: np.ndarray, need_ids: np.ndarray) -> np.ndarray:
        ci = np.array([t.candidate_index(c) for c in cand_ids])
        family = t.work_family[np.array([t.work_index(w) for w in need_ids])]
        revealed = t.candidate_revealed_family[ci]
        out = np.where(revealed >= 0, t.affinity[np.maximum(revealed, 0), family], np.nan)
        for r, c in enumerate(cand_ids):
            for uri in records[c].desired_occupations:
                f = catalogue.occupations[catalogue.index_of(uri)].family
                out[r] = np.fmax(out[r], t.affinity[f, family[r]])
        return out

    def attainable(cand_ids: np.ndarray, need_ids: np.ndarray) -> np.ndarray:
        p = np.clip(_lookup(truth, cand_ids, need_ids, "p_good_expected"), 1e-6, 1 - 1e-6)
        return np.log(p / (1 - p))

    names = list(FEATURE_NAMES)
    fit_c, fit_w = fit.pairs["candidate_id"].to_numpy(), fit.pairs["work_need_id"].to_numpy()
    set_c, set_w = sets["candidate_id"].to_numpy(), sets["work_need_id"].to_numpy()
    gains = _lookup(truth, set_c, set_w, "p_good")
    out = {}
    for label, extra in (("none", None), ("stated_field", stated_field), ("attainable", attainable)):
        F, R = fit.features[names].copy(), X[names].copy()
        monotone = [MONOTONE.get(f, 0) for f in names]
        if extra is not None:
            F[label], R[label] = extra(fit_c, fit_w), extra(set_c, set_w)
            monotone.append(1)
        c = train_config
        model = LambdaMARTRanker(
            n_estimators=c.n_estimators, learning_rate=c.learning_rate, num_leaves=c.num_leaves,
            min_child_samples=c.min_child_samples, subsample=c.subsample,
            colsample_bytree=c.colsample_bytree, reg_lambda=c.reg_lambda, n_jobs=1,
            random_state=c.random_state, early_stopping_rounds=None,
            extra_params={"monotone_constraints": monotone,
                          "monotone_constraints_method": "advanced"},
        ).fit(F, fit.labels, group_ids=fit.groups)
        out[f"learned_with_{label}"] = ndcg_at_k(gains, model.predict(R), 10, set_w)
    return out


def run_world(args: argparse.Namespace, months: int) -> dict:
    """Simulate, train and grade one world; every figure of one results section."""
    config = SimulationConfig(
        seed=args.seed,
        n_candidates=args.candidates,
        n_employers=args.employers,
        months=months,
        employers_per_event=args.event_employers,
        candidates_per_event=args.event_candidates,
        seats_per_table=args.seats,
        rounds=args.rounds,
    )
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="werkkans-bench-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        world = simulate(config)
        write_world(world, folder / "world")
        store = Store(f"sqlite:///{folder / 'world.db'}")
        import_folder(store, folder / "world")
        times["simulate+import"] = time.perf_counter() - t0
        truth = pd.read_csv(folder / "world" / "truth" / "p_good.csv.gz").set_index(
            ["candidate_id", "work_need_id"]
        )
        t0 = time.perf_counter()
        space = TextSpace.create(args.home)
        dataset = build_dataset(store, text_space=space)
        featurizer = PairFeaturizer.from_store(
            store, text_space=space, text_models=dataset.text_models
        )
        times["embed + build dataset"] = time.perf_counter() - t0
        train_config = TrainConfig(random_state=args.seed)
        t0 = time.perf_counter()
        result = train_on_dataset(dataset, train_config)
        times["train+evaluate"] = time.perf_counter() - t0
        store.dispose()

    test = result.test
    models = {
        "logistic baseline": result.baselines["logistic"],
        "LambdaMART": result.baselines["lambdamart"],
        MODEL: result.bundle.tested,  # the served one has learned from the test months
    }
    pairs = test.pairs
    met_p_good = _lookup(truth, pairs["candidate_id"], pairs["work_need_id"], "p_good")
    met_pred = {name: model.predict(test.features) for name, model in models.items()}
    met_ndcg = score_lists(
        {
            COSINE: test.features["sim_dense"].to_numpy(),
            **{name: pred.score for name, pred in met_pred.items()},
            "attainable oracle (p_good_expected)": _lookup(
                truth, pairs["candidate_id"], pairs["work_need_id"], "p_good_expected"
            ),
            "full oracle (p_good)": met_p_good,
        },
        met_p_good,
        pairs["work_need_id"].to_numpy(),
    )

    sets = rerank_sets(featurizer, pairs, args.rerank_size, args.seed)
    X = featurizer.features(
        sets["cand_row"].to_numpy(),
        sets["need_row"].to_numpy(),
        sets["date"].to_numpy(dtype="datetime64[D]"),
    )
    rr_p_good = _lookup(truth, sets["candidate_id"], sets["work_need_id"], "p_good")
    rr_pred = {name: model.predict(X) for name, model in models.items()}
    rr_scores = {
        COSINE: X["sim_dense"].to_numpy(),
        **{name: pred.score for name, pred in rr_pred.items()},
        "attainable oracle (p_good_expected)": _lookup(
            truth, sets["candidate_id"], sets["work_need_id"], "p_good_expected"
        ),
        "full oracle (p_good)": rr_p_good,
    }
    rr_groups = sets["work_need_id"].to_numpy()
    rr_ndcg = score_lists(rr_scores, rr_p_good, rr_groups)
    intervals = {
        "vs_cosine": ratio_interval(
            rr_p_good, rr_scores[MODEL], rr_scores[COSINE], rr_groups, seed=args.seed
        ),
        "vs_oracle": ratio_interval(
            rr_p_good, rr_scores[MODEL], rr_scores[ORACLE], rr_groups, seed=args.seed
        ),
    }
    calibration = {
        name: {
            "ece": expected_calibration_error(pred.probability, test.good, n_bins=15),
            "mae_met": float(np.mean(np.abs(pred.probability - met_p_good))),
            "mae_rerank": float(np.mean(np.abs(rr_pred[name].probability - rr_p_good))),
            "mean_p": float(np.mean(pred.probability)),
            "mean_p_good": float(np.mean(met_p_good)),
            "observed": float(np.mean(test.good)),
        }
        for name, pred in met_pred.items()
    }
    t0 = time.perf_counter()
    fit = split_by_time(dataset, train_config.holdout_months).train
    limits = (
        what_limits(world, featurizer, sets, X, truth, args.seed, fit, train_config)
        if not args.quick
        else {}
    )
    times["limits analysis"] = time.perf_counter() - t0
    return {
        "months": months,
        "config": config,
        "train_config": train_config,
        "result": result,
        "summary": dataset.summary(),
        "n_needs": len(featurizer.needs),
        "sets": sets,
        "met": met_ndcg,
        "rerank": rr_ndcg,
        "intervals": intervals,
        "calibration": calibration,
        "limits": limits,
        "times": times,
    }


def _ndcg_table(values: dict[str, float]) -> list[str]:
    lines = [
        "| ranking by | NDCG@10 | vs. cosine only | vs. attainable oracle |",
        "|---|---:|---:|---:|",
    ]
    for name, value in values.items():
        lines.append(
            f"| {name} | {value:.4f} | {value / values[COSINE]:.2f}x | {value / values[ORACLE]:.2f}x |"
        )
    return lines


def report(
    args: argparse.Namespace, runs: list[dict], load: tuple[float, float], total: float
) -> str:
    import lightgbm
    import sklearn

    status = lambda ok: "met" if ok else "MISSED"
    head = runs[-1]
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Ranking quality on a re-ranking set (diagnostic)",
        "",
        f"- date: {stamp}{'  (--quick: smoke run, not for quoting)' if args.quick else ''}",
        (
            f"- machine: {cpu_name()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
            f"1-min load average {load[0]:.2f} before, {load[1]:.2f} after (shared machine); total {total:.0f} s"
        ),
        f"- python {platform.python_version()}, lightgbm {lightgbm.__version__}, scikit-learn {sklearn.__version__}",
        (
            f"- world: seed {args.seed}, {args.candidates:,} candidates, {args.employers} employers, "
            f"{head['n_needs']} work needs; one *prettig gesprek* a month with {args.event_employers} employers "
            f"x {args.seats} seats, {args.event_candidates} candidates invited, {args.rounds} rounds"
        ),
        (
            "- model: `werkkans train` defaults (the two-signal ranker: bagged logistic regression and "
            f"monotone trees of {head['train_config'].num_leaves} leaves, isotonic steps on out-of-fold "
            f"scores with a cap; {head['train_config'].holdout_months} months held out, scored with the "
            "ranker as tested, before it learns them too); text space: "
            "multilingual-e5-small. The shortlist figures users get are in *Shortlist quality on the "
            "product path*; this is a diagnostic."
        ),
        (
            "- graded against `truth/p_good`: NDCG@10 with linear gain p_good per work need met in the held-out "
            f"months. Re-ranking set: its held-out candidates plus eligible others (hard filters), up to "
            f"{args.rerank_size} per work need, scored as of its first held-out meeting."
        ),
        "",
        "## Summary by length of history (re-ranking set)",
        "",
        (
            "| months | meetings | good rate | cosine | logistic | LambdaMART | ranker | attainable oracle | "
            "ranker / cosine (95% CI) | ranker / oracle (95% CI) | ECE | feature ceiling / oracle |"
        ),
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        rr, cal, lim, ci = (
            run["rerank"],
            run["calibration"][MODEL],
            run["limits"],
            run["intervals"],
        )
        ceiling = f"{lim['ceiling'] / rr[ORACLE]:.2f}" if lim else "-"
        lines.append(
            f"| {run['months']} | {run['summary']['pairs']:,} | {run['summary']['good_rate']:.1%} | "
            f"{rr[COSINE]:.3f} | {rr['logistic baseline']:.3f} | {rr['LambdaMART']:.3f} | "
            f"{rr[MODEL]:.3f} | {rr[ORACLE]:.3f} | {rr[MODEL] / rr[COSINE]:.2f}x "
            f"({ci['vs_cosine'][0]:.2f}-{ci['vs_cosine'][1]:.2f}) | {rr[MODEL] / rr[ORACLE]:.2f}x "
            f"({ci['vs_oracle'][0]:.2f}-{ci['vs_oracle'][1]:.2f}) | {cal['ece']:.4f} | {ceiling} |"
        )
    rr, cal = head["rerank"], head["calibration"][MODEL]
    lm, orc = rr[MODEL], rr[ORACLE]
    res, per = head["result"], head["result"].periods
    lines += [
        "",
        (
            f"ECE of the ranker's chance on the held-out meetings ({head['months']} months): "
            f"{cal['ece']:.4f} (<= {TARGET_ECE}: {status(cal['ece'] <= TARGET_ECE)})."
        ),
        "",
        f"## {head['months']} months of history in detail",
        "",
        f"Fit {per['fit'][0]}..{per['fit'][1]} ({res.bundle.metadata['rows']['fit']:,} meetings), held "
        f"out {per['test'][0]}..{per['test'][1]} ({len(res.test):,} meetings, {int(res.test.good.sum())} good "
        "outcomes). Times: " + ", ".join(f"{k} {v:.0f} s" for k, v in head["times"].items()) + ".",
        "",
        f"### Re-ranking set ({len(head['sets']):,} pairs in {head['sets']['work_need_id'].nunique()} work needs)",
        "",
        *_ndcg_table(rr),
        "",
        "### Met set (only the candidates who met each work need in the held-out months)",
        "",
        *_ndcg_table(head["met"]),
        "",
        "### Calibration",
        "",
        (
            "| model | ECE vs. observed | mean abs(p - p_good), met | mean abs(p - p_good), re-ranking | "
            "mean p / mean p_good / observed rate (met) |"
        ),
        "|---|---:|---:|---:|---:|",
    ]
    for name, c in head["calibration"].items():
        lines.append(
            f"| {name} | {c['ece']:.4f} | {c['mae_met']:.4f} | {c['mae_rerank']:.4f} | "
            f"{c['mean_p']:.3f} / {c['mean_p_good']:.3f} / {c['observed']:.3f} |"
        )
    lim = head["limits"]
    if lim:
        lines += [
            "",
            "### What limits it",
            "",
            (
                f"- Feature ceiling: gradient boosting fitted on the *truth* of 40,000 random pairs, using only "
                f"the ranker's features, reaches NDCG@10 {lim['ceiling']:.3f} on the re-ranking set, "
                f"{lim['ceiling'] / orc:.2f}x the attainable oracle. That is about the best any model of these features can do; "
                f"the ranker, learning from {res.bundle.metadata['rows']['fit']:,} meetings with a few percent "
                f"good outcomes, gets {lm / lim['ceiling']:.2f}x of that ceiling."
            ),
            (
                f"- The features explain {lim['r2_features']:.0%} of the variance of the simulator's observable "
                f"latent score; adding the hidden occupation-family affinity raises that to "
                f"{lim['r2_with_affinity']:.0%}, and the candidate's latent motivation to "
                f"{lim['r2_with_affinity_motivation']:.0%}."
            ),
            (
                "- LambdaMART with the ranker's tree settings, learned "
                "from the same meetings with one more column, reaches on the re-ranking set: "
                f"{lim['learned_with_none']:.3f} ({lim['learned_with_none'] / orc:.2f}x the oracle) "
                "with the features as they are; "
                f"{lim['learned_with_stated_field']:.3f} ({lim['learned_with_stated_field'] / orc:.2f}x) "
                "when a column gives the affinity between the work's occupation family and the "
                "families the candidate's records state (the field named in the wishes, the "
                "desired occupations); "
                f"{lim['learned_with_attainable']:.3f} ({lim['learned_with_attainable'] / orc:.2f}x) "
                "with the attainable signal itself as a column."
            ),
        ]
    lines += [
        "",
        "Feature importance of the ranker: "
        + ", ".join(
            f"{k} {v:.2f}"
            for k, v in sorted(res.feature_importance.items(), key=lambda kv: -kv[1])[:10]
        ),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run, not for quoting")
    parser.add_argument(
        "--home", type=Path, default=ROOT / ".werkkans" / "bench", help="embedding cache folder"
    )
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--employers", type=int, default=150)
    parser.add_argument(
        "--months",
        type=int,
        nargs="+",
        default=[12, 24, 36],
        help="history lengths to run; the last is the headline",
    )
    parser.add_argument("--event-employers", type=int, default=12)
    parser.add_argument("--event-candidates", type=int, default=100)
    parser.add_argument("--seats", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--rerank-size", type=int, default=100)
    parser.add_argument(
        "--no-write", action="store_true", help="print, do not write the results file"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for noisy in (
        "sentence_transformers",
        "httpx",
        "matching.records.storage",
        "matching.records.importer",
        "models.encoders",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if args.quick:
        args.candidates, args.employers, args.months = 600, 50, [12]
        args.event_employers, args.event_candidates = 8, 60
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    runs = []
    for months in args.months:
        logger.info("world with %d months", months)
        runs.append(run_world(args, months))
    text = report(args, runs, (load_before, os.getloadavg()[0]), time.perf_counter() - started)
    print(text)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text, encoding="utf-8")
        logger.info("wrote %s", RESULTS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
